// MobileViT-XXS, -XS and -S (v1, ICLR 2022, arXiv 2110.02178) as the official code builds them
// (apple/ml-cvnets, cvnets/models/classification/mobilevit.py and cvnets/modules/mobilevit_block.py;
// timm's models/mobilevit.py builds the same network from ByobNet blocks), at the published 256x256.
// A 3x3/s2 stem, MobileNetV2 inverted residuals (1x1 expand, dw 3x3, linear 1x1; identity shortcut only
// at stride 1 with equal widths), and in the last three stages one inverted residual (stride 2) then a
// MobileViT block: 3x3 conv, 1x1 to the transformer width d (no bias, no BN), 2x2 patches unfolded into
// 4 sequences of N = HW/4 tokens, pre-norm transformer blocks (LayerNorm, 4-head attention with QKV and
// projection biases, LayerNorm, MLP d -> 2d SiLU -> d), a final LayerNorm, fold, 1x1 d -> C, and a 3x3
// fusion of concat(input, output). A 1x1 conv to 4x the last width, pooling and a Linear end the net.
// Every conv but the 1x1 into the transformer is conv + BN (folded) + SiLU, except the linear 1x1 of
// the inverted residuals (no SiLU).
// Substitutions, labelled in the description: this toolkit has no permute, so the unfold/fold are
// omitted and each transformer attends within 4 groups of consecutive pixels (a reshape of the map into
// a batch of 4) instead of within the 4 patch positions: same sequence count and length, same MACs. The
// fused QKV Linear orders its output features head-major (a permutation of the q|k|v rows), so that
// each head's q, k and v are one channel segment. Counts: tests/test_zoo_mobilevit.cpp.
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace mobilevit_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* timm_name;
  int64_t expansion;              // of every inverted residual
  std::array<int64_t, 5> widths;  // stage outputs
  std::array<int64_t, 3> dims;    // transformer width d of stages 3-5
  std::array<int64_t, 3> depths;  // transformer blocks of stages 3-5
  int64_t features;               // the final 1x1 conv
  // MobileOne's Table 8 prints 373/941/1792M MACs, 8-10% below the full count (FasterNet's 410/1030/2010
  // match it): no convention tried (attention matmuls or norms dropped, 224 px, cvnets' old profiler)
  // reproduces all three, so its resolution or variant is unknown and its rows are not linked.
  const char* unlinked_source = "MobileOne";
};

constexpr Config configs[] = {
    {"mobilevit-xxs", "MobileViT-XXS", "mobilevit_xxs", 2, {16, 24, 48, 64, 80}, {64, 80, 96}, {2, 4, 3}, 320},
    {"mobilevit-xs", "MobileViT-XS", "mobilevit_xs", 4, {32, 48, 64, 80, 96}, {96, 120, 144}, {2, 4, 3}, 384},
    {"mobilevit-s", "MobileViT-S", "mobilevit_s", 4, {32, 64, 96, 128, 160}, {144, 192, 240}, {2, 4, 3}, 640},
};

constexpr int64_t heads = 4;
constexpr int64_t patch = 2;

std::string description_of(const Config& c) {
  return std::string(c.published_name) + " (apple/ml-cvnets; timm " + c.timm_name +
         "); unfold/fold permutes omitted; attention over groups of consecutive pixels instead of patch "
         "positions, same MACs; QKV Linear outputs ordered head-major (a permutation of the q|k|v rows)";
}

Conv2d conv_bn(int64_t out, int64_t kernel, int64_t stride, int64_t groups, Activation act) {
  return same_conv(out, kernel, stride, groups, false, true, act);
}

// MobileNetV2 block with SiLU; make_divisible(in·e, 8) is exact for every width here.
std::string mv2(NetworkBuilder& b, const std::string& x, int64_t out, int64_t stride, int64_t expansion,
                const std::string& p) {
  InvertedResidual r;
  r.expanded = b.shape(x).c * expansion;
  r.out = out;
  r.stride = stride;
  r.activation = Activation::silu;
  return inverted_residual(b, x, p, r);
}

// Pre-norm transformer block on a batch of token sequences laid out N x tokens x 1 x d.
std::string transformer(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const int64_t d = b.shape(x).c;
  const int64_t hd = d / heads;
  const int64_t tokens = b.shape(x).pixels();
  std::string h = b.add(p + ".norm1", {x}, LayerNorm{1e-5});
  const std::string qkv = b.add(p + ".attn.qkv", {h}, FullyConnected{3 * d, true, false, Activation::none});
  h = b.add(p + ".attn.scores", {qkv, qkv},
            Matmul{heads, {0, hd}, {hd, hd}, true, 1.0 / std::sqrt(static_cast<double>(hd))});
  h = b.add(p + ".attn.softmax", {h}, Softmax{heads});
  h = b.add(p + ".attn.av", {h, qkv}, Matmul{heads, {0, tokens}, {2 * hd, hd}, false, 1.0});
  h = b.add(p + ".attn.proj", {h}, FullyConnected{d, true, false, Activation::none});
  const std::string y = b.add(p + ".attn.add", {x, h}, Add{});
  h = b.add(p + ".norm2", {y}, LayerNorm{1e-5});
  h = b.add(p + ".mlp.fc1", {h}, FullyConnected{2 * d, true, false, Activation::silu});
  h = b.add(p + ".mlp.fc2", {h}, FullyConnected{d, true, false, Activation::none});
  return b.add(p + ".mlp.add", {y, h}, Add{});
}

std::string mobilevit_block(NetworkBuilder& b, const std::string& x, int64_t d, int64_t depth, const std::string& p) {
  const ShapeNhwc in = b.shape(x);
  std::string h = b.add(p + ".conv_kxk", {x}, conv_bn(in.c, 3, 1, 1, Activation::silu));
  h = b.add(p + ".conv_1x1", {h}, same_conv(d, 1, 1, 1, false, false, Activation::none));
  // As the original: a map not divisible into 2x2 patches is resized bilinearly to one that is, and back.
  const int64_t ph = (in.h + patch - 1) / patch * patch, pw = (in.w + patch - 1) / patch * patch;
  const bool resize = ph != in.h || pw != in.w;
  if (resize) h = b.add(p + ".resize_in", {h}, ResizeBilinear{{ph, pw}, false});
  const int64_t groups = patch * patch;
  h = b.add(p + ".to_tokens", {h}, Reshape{{in.n * groups, ph * pw / groups, 1, d}});
  for (int64_t i = 0; i < depth; ++i) h = transformer(b, h, p + ".transformer" + std::to_string(i));
  h = b.add(p + ".norm", {h}, LayerNorm{1e-5});
  h = b.add(p + ".to_map", {h}, Reshape{{in.n, ph, pw, d}});
  if (resize) h = b.add(p + ".resize_out", {h}, ResizeBilinear{{in.h, in.w}, false});
  h = b.add(p + ".conv_proj", {h}, conv_bn(in.c, 1, 1, 1, Activation::silu));
  h = b.add(p + ".concat", {x, h}, Concat{});
  return b.add(p + ".conv_fusion", {h}, conv_bn(in.c, 3, 1, 1, Activation::silu));
}

Network build_mobilevit(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "MobileViT", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  const auto& w = cfg.widths;
  std::string x = b.add("stem", {std::string(input_tensor)}, conv_bn(16, 3, 2, 1, Activation::silu));
  x = mv2(b, x, w[0], 1, cfg.expansion, "stage1.block0");
  for (int64_t i = 0; i < 3; ++i)
    x = mv2(b, x, w[1], i == 0 ? 2 : 1, cfg.expansion, "stage2.block" + std::to_string(i));
  for (size_t s = 0; s < 3; ++s) {
    const std::string stage = "stage" + std::to_string(s + 3);
    x = mv2(b, x, w[s + 2], 2, cfg.expansion, stage + ".down");
    x = mobilevit_block(b, x, cfg.dims[s], cfg.depths[s], stage + ".mvit");
  }
  x = b.add("final_conv", {x}, conv_bn(cfg.features, 1, 1, 1, Activation::silu));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace mobilevit_family

void add_mobilevit(std::vector<ZooEntry>& out) {
  using namespace mobilevit_family;
  add_entries(out, configs, "MobileViT", 256, build_mobilevit);
}

}  // namespace cpx::zoo_families

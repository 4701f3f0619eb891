// CycleMLP-B1 and -B2 (ICLR 2022, arXiv 2107.10224) as the official code (ShoufaChen/CycleMLP,
// cycle_mlp.py) builds them: a 7x7/s4 (padding 2) patch embedding, four stages separated by 3x3/s2
// (padding 1) convs, a LayerNorm and a pooled linear head. A block is x + mix(LN(x)) then
// x + mlp(LN(x)), mlp Linear C -> 4C + GELU (erf), Linear 4C -> C, all with bias; no layer scale
// (skip_lam 1). The token mixer runs three branches on the same input: CycleFC (1, 3) and CycleFC (3, 1)
// (1x1 weights with bias, each input channel read at a fixed per-channel offset) and a Linear C -> C
// without bias (qkv_bias False); their sum is averaged over the pixels, a reweighting MLP (C -> C/4,
// GELU, C/4 -> 3C, with biases) gives per channel three logits, laid out channel-major (reshape(B, C, 3)),
// a softmax over the three weighs the branches, and a Linear C -> C with bias projects the weighted sum.
// The softmax over each channel's three adjacent logits is a grouped softmax (C groups of 3); a channel
// shuffle with C groups turns the channel-major layout into three C-wide slices, one per branch. That is
// the original computation, not a substitution. One substitution, labelled in the description: this
// toolkit has no deformable conv, so each CycleFC is a 1x1 conv with bias (same weights and MACs) that
// reads the pixel itself, not its shifted neighbour. No shared spec covers this family: the counts are
// checked against the published figures (tests/test_zoo_cyclemlp.cpp).
#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace cyclemlp_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  std::array<int64_t, 4> depths;
  std::array<int64_t, 4> dims;
  // The published CPU and ARM latencies run torchvision's deform_conv2d, a bilinear gather that no op here
  // stands for (the 1x1 substitute has its MACs, not its time).
  const char* unmodelled_work =
      "CycleFC's deformable-conv gather (bilinear sampling at per-channel offsets), substituted by a 1x1 conv of equal "
      "MACs";
};

constexpr Config configs[] = {
    {"cyclemlp-b1", "CycleMLP-B1", {2, 2, 4, 2}, {64, 128, 320, 512}},
    {"cyclemlp-b2", "CycleMLP-B2", {2, 3, 10, 3}, {64, 128, 320, 512}},
};

std::string description_of(const Config& c) {
  return std::string(c.published_name) + ": depths " + dashed(c.depths) + ", widths " + dashed(c.dims) +
         "; CycleFC's per-channel spatial offsets omitted: a 1x1 conv of equal MACs; the shifted gather is not "
         "modelled";
}

std::string cycle_mixer(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const int64_t c = b.shape(x).c;
  // CycleFC stand-ins: the 1x1 weights and bias of the original, without its per-channel offsets.
  const std::string h = b.add(p + ".sfc_h", {x}, same_conv(c, 1, 1, 1, true, false, Activation::none));
  const std::string w = b.add(p + ".sfc_w", {x}, same_conv(c, 1, 1, 1, true, false, Activation::none));
  const std::string ch = b.add(p + ".mlp_c", {x}, FullyConnected{c, false, false, Activation::none});
  std::string a = b.add(p + ".sum_hw", {h, w}, Add{});
  a = b.add(p + ".sum", {a, ch}, Add{});
  a = b.add(p + ".pool", {a}, GlobalAvgPool{});
  a = b.add(p + ".reweight.fc1", {a}, FullyConnected{c / 4, true, false, Activation::gelu});
  a = b.add(p + ".reweight.fc2", {a}, FullyConnected{3 * c, true, false, Activation::none});
  // Logit 3i + k weighs branch k of channel i: softmax each adjacent triple, then gather each branch's C.
  a = b.add(p + ".softmax", {a}, Softmax{c});
  a = b.add(p + ".by_branch", {a}, ChannelShuffle{c});
  const std::string branches[] = {h, w, ch};
  const char* tags[] = {"h", "w", "c"};
  std::string mixed;
  for (int64_t k = 0; k < 3; ++k) {
    const std::string weight = b.add(p + ".weight_" + tags[k], {a}, Slice{k * c, (k + 1) * c});
    const std::string scaled = b.add(p + ".scaled_" + tags[k], {branches[k], weight}, Multiply{});
    mixed = k == 0 ? scaled : b.add(p + ".mix_" + tags[k], {mixed, scaled}, Add{});
  }
  return b.add(p + ".proj", {mixed}, FullyConnected{c, true, false, Activation::none});
}

std::string block(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const int64_t c = b.shape(x).c;
  std::string h = b.add(p + ".norm1", {x}, LayerNorm{1e-5});
  h = cycle_mixer(b, h, p + ".attn");
  const std::string y = b.add(p + ".add1", {x, h}, Add{});
  h = b.add(p + ".norm2", {y}, LayerNorm{1e-5});
  h = b.add(p + ".fc1", {h}, FullyConnected{4 * c, true, false, Activation::gelu});
  h = b.add(p + ".fc2", {h}, FullyConnected{c, true, false, Activation::none});
  return b.add(p + ".add2", {y, h}, Add{});
}

Network build_cyclemlp(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "CycleMLP", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::string x = b.add("embed", {std::string(input_tensor)}, padded_conv(cfg.dims[0], 7, 4, 2));
  for (size_t s = 0; s < cfg.depths.size(); ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    if (s > 0) x = b.add(stage + ".downsample", {x}, padded_conv(cfg.dims[s], 3, 2, 1));
    for (int64_t i = 0; i < cfg.depths[s]; ++i) x = block(b, x, stage + ".block" + std::to_string(i));
  }
  x = b.add("head.norm", {x}, LayerNorm{1e-5});
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace cyclemlp_family

void add_cyclemlp(std::vector<ZooEntry>& out) {
  using namespace cyclemlp_family;
  add_entries(out, configs, "CycleMLP", 224, build_cyclemlp);
}

}  // namespace cpx::zoo_families

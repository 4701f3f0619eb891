// RepViT M0.9, M1.0, M1.1, M1.5, M2.3 in the authors' fused inference form (recursive fuse(): BNs into
// convs, the RepVGG-style depthwise branches and identity into one 3x3 depthwise kernel, BatchNorm1d into
// the classifier); see shared spec repvit.md. Every conv has a bias and no normalisation is left.
#include <algorithm>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace repvit_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* label;
  int64_t c1;                     // stage widths are c1, 2·c1, 4·c1, 8·c1
  std::array<int64_t, 4> depths;  // blocks per stage, the downsampling block included
};

constexpr Config configs[] = {
    {"repvit-m0.9", "RepViT-M0.9", "M0.9", 48, {3, 4, 16, 3}},
    {"repvit-m1.0", "", "M1.0", 56, {3, 4, 16, 3}},  // no CSV row
    {"repvit-m1.1", "RepViT-M1.1", "M1.1", 64, {3, 4, 14, 3}},
    {"repvit-m1.5", "RepViT-M1.5", "M1.5", 64, {5, 6, 26, 5}},
    {"repvit-m2.3", "RepViT-M2.3", "M2.3", 80, {7, 8, 36, 3}},
};

// timm's make_divisible(C/4, 8) with round_limit 0: nearest multiple of 8, at least 8, no 10 % guard.
int64_t se_channels(int64_t c) {
  return std::max<int64_t>(8, static_cast<int64_t>(static_cast<double>(c) * 0.25 + 4) / 8 * 8);
}

// Every shipped config alternates SE over the stride-1 blocks of a stage and leaves the last block
// without: stage 1 (no downsampling block) at positions 0, 2, 4, ...; stages 2-4 at 1, 3, 5, ...
bool has_se(size_t stage, int64_t position, int64_t depth) {
  if (position == depth - 1) return false;
  return stage == 0 ? position % 2 == 0 : position % 2 == 1;
}

// Channel mixer with residual: x + 1x1(2C -> C)(GELU(1x1(C -> 2C)(x))).
std::string ffn(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const std::string h = b.add(p + ".ffn.expand", {x}, same_conv(2 * c, 1, 1, 1, true, false, Activation::gelu));
  const std::string y = b.add(p + ".ffn.project", {h}, same_conv(c, 1, 1, 1, true, false, Activation::none));
  return b.add(p + ".add", {x, y}, Add{});
}

// timm SqueezeExcite: mean, 1x1 C -> r (bias, ReLU), 1x1 r -> C (bias, sigmoid), channel-wise multiply.
std::string squeeze_excite(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const std::string pool = b.add(p + ".se.pool", {x}, GlobalAvgPool{});
  const std::string r =
      b.add(p + ".se.reduce", {pool}, same_conv(se_channels(c), 1, 1, 1, true, false, Activation::relu));
  const std::string g = b.add(p + ".se.expand", {r}, same_conv(c, 1, 1, 1, true, false, Activation::sigmoid));
  return b.add(p + ".se.scale", {x, g}, Multiply{});
}

Network repvit(const Config& cfg, int64_t resolution) {
  NetworkBuilder b(cfg.name, "RepViT", {1, resolution, resolution, 3}, Where(cfg.name) / "resolution");
  const int64_t c1 = cfg.c1;
  std::string x = b.add("stem.conv1", {"input"}, same_conv(c1 / 2, 3, 2, 1, true, false, Activation::gelu));
  x = b.add("stem.conv2", {x}, same_conv(c1, 3, 2, 1, true, false, Activation::none));
  for (size_t s = 0; s < 4; ++s) {
    const int64_t width = c1 << s;
    const int64_t depth = cfg.depths[s];
    for (int64_t i = 0; i < depth; ++i) {
      const std::string p = "stage" + std::to_string(s + 1) + ".block" + std::to_string(i);
      if (s > 0 && i == 0) {  // downsampling block: dw 3x3/s2, 1x1 Cin -> Cout, channel mixer
        const int64_t in = b.shape(x).c;
        const std::string dw = b.add(p + ".down.dw", {x}, same_conv(in, 3, 2, in, true, false, Activation::none));
        x = b.add(p + ".down.pw", {dw}, same_conv(width, 1, 1, 1, true, false, Activation::none));
      } else {  // token mixer: the fused RepVGG depthwise 3x3 (no residual of its own)
        x = b.add(p + ".mixer.dw", {x}, same_conv(width, 3, 1, width, true, false, Activation::none));
        if (has_se(s, i, depth)) x = squeeze_excite(b, x, p);
      }
      x = ffn(b, x, p);
    }
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.classifier", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

std::string description_of(const Config& c) {
  return std::string("RepViT ") + c.label +
         " (official repvit.py, fused inference form: RepVGG depthwise branches, BNs and the classifier's "
         "BatchNorm1d folded; no distillation head)";
}

}  // namespace
}  // namespace repvit_family

void add_repvit(std::vector<ZooEntry>& out) {
  using namespace repvit_family;
  add_entries(out, configs, "RepViT", 224, repvit);
}

}  // namespace cpx::zoo_families

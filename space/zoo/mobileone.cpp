// MobileOne S0-S4 (Apple, arXiv 2206.04040) in reparameterised inference form (see shared spec
// mobileone.md; the same network mobileone_repr.py builds directly): a plain chain of 3x3 depthwise and
// 1x1 pointwise convs with bias and ReLU, no BN and no residuals left; S4 adds squeeze-and-excitation
// to the last five blocks of stage 3 and to stage 4.
#include <algorithm>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace mobileone_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
  std::array<double, 4> alpha;
  bool se;
};

constexpr std::array<int64_t, 4> depths{2, 8, 10, 1};
constexpr std::array<int64_t, 4> base_widths{64, 128, 256, 512};
constexpr int64_t classes = 1000;

constexpr Config configs[] = {
    {"mobileone-s0",
     "MobileOne-S0",
     "MobileOne-S0, reparameterised (train-time k = 4 branches folded into one conv per unit)",
     {0.75, 1.0, 1.0, 2.0},
     false},
    {"mobileone-s1", "MobileOne-S1", "MobileOne-S1, reparameterised inference form", {1.5, 1.5, 2.0, 2.5}, false},
    {"mobileone-s2", "MobileOne-S2", "MobileOne-S2, reparameterised inference form", {1.5, 2.0, 2.5, 4.0}, false},
    {"mobileone-s3", "MobileOne-S3", "MobileOne-S3, reparameterised inference form", {2.0, 2.5, 3.0, 4.0}, false},
    {"mobileone-s4",
     "MobileOne-S4",
     "MobileOne-S4, reparameterised, with 12 SE blocks (their 1.6M MACs are counted; the published 2978M omits them)",
     {3.0, 3.5, 3.5, 4.0},
     true},
};

// One reparameterised MobileOneBlock: conv (bias) -> [SE] -> ReLU. SE: global average, 1x1 C -> C/16
// (bias, ReLU), 1x1 -> C (bias, sigmoid), channel-wise multiply.
std::string unit(NetworkBuilder& b, const std::string& x, const std::string& p, Conv2d conv, bool se) {
  if (!se) {
    conv.activation = Activation::relu;
    return b.add(p, {x}, conv);
  }
  conv.activation = Activation::none;
  const std::string y = b.add(p, {x}, conv);
  const int64_t c = conv.out_channels;
  const int64_t reduced = c / 16;  // int(C * 0.0625)
  const std::string pooled = b.add(p + ".se.pool", {y}, GlobalAvgPool{});
  const std::string r = b.add(p + ".se.reduce", {pooled}, same_conv(reduced, 1, 1, 1, true, false, Activation::relu));
  const std::string g = b.add(p + ".se.expand", {r}, same_conv(c, 1, 1, 1, true, false, Activation::sigmoid));
  const std::string scaled = b.add(p + ".se.scale", {y, g}, Multiply{});
  return b.add(p + ".relu", {scaled}, ActivationOp{Activation::relu});
}

Network build_mobileone(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "MobileOne", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::array<int64_t, 4> widths{};
  for (size_t s = 0; s < 4; ++s) widths[s] = static_cast<int64_t>(static_cast<double>(base_widths[s]) * cfg.alpha[s]);
  const int64_t stem_width = std::min<int64_t>(64, widths[0]);
  std::string x =
      b.add("stage0", {std::string(input_tensor)}, same_conv(stem_width, 3, 2, 1, true, false, Activation::relu));
  for (size_t s = 0; s < 4; ++s) {
    // SE in the last floor(blocks / 2) blocks of stage 3 and in every block of stage 4 (S4 only).
    const int64_t se_blocks = !cfg.se ? 0 : s == 2 ? depths[s] / 2 : s == 3 ? depths[s] : 0;
    for (int64_t i = 0; i < depths[s]; ++i) {
      const std::string p = "stage" + std::to_string(s + 1) + ".block" + std::to_string(i);
      const bool se = i >= depths[s] - se_blocks;
      const int64_t in = b.shape(x).c;
      x = unit(b, x, p + ".dw", same_conv(in, 3, i == 0 ? 2 : 1, in, true, false, Activation::relu), se);
      x = unit(b, x, p + ".pw", same_conv(widths[s], 1, 1, 1, true, false, Activation::relu), se);
    }
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{classes, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace mobileone_family

void add_mobileone(std::vector<ZooEntry>& out) {
  using namespace mobileone_family;
  add_entries(out, configs, "MobileOne", 224, build_mobileone);
}

}  // namespace cpx::zoo_families

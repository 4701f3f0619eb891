// ConvNeXt-T, -S and -B (CVPR 2022, arXiv 2201.03545) as the official code (facebookresearch/ConvNeXt,
// convnext.py) and torchvision 0.14.1 build them: a 4x4/s4 stem conv + LayerNorm, four stages separated by
// LayerNorm + 2x2/s2 convs, and a pooled LayerNorm + linear head. A block is a 7x7 depthwise conv, a
// LayerNorm over channels, Linear C -> 4C + GELU (erf), Linear 4C -> C, a layer scale and the residual
// add; the Linears act on every pixel (channels-last), as here. Every conv and Linear has a bias; no
// BatchNorm. No shared spec covers this family: the counts are checked against the published parameter
// counts and MACs (tests/test_zoo_convnext.cpp).
#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace convnext_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
  std::array<int64_t, 4> depths;
  std::array<int64_t, 4> dims;
};

constexpr Config configs[] = {
    {"convnext-t",
     "ConvNeXt-T",
     "ConvNeXt-T (convnext_tiny): depths 3-3-9-3, widths 96-192-384-768",
     {3, 3, 9, 3},
     {96, 192, 384, 768}},
    {"convnext-s",
     "ConvNeXt-S",
     "ConvNeXt-S (convnext_small): depths 3-3-27-3, widths 96-192-384-768",
     {3, 3, 27, 3},
     {96, 192, 384, 768}},
    {"convnext-b",
     "ConvNeXt-B",
     "ConvNeXt-B (convnext_base): depths 3-3-27-3, widths 128-256-512-1024",
     {3, 3, 27, 3},
     {128, 256, 512, 1024}},
};

constexpr double norm_eps = 1e-6;

std::string block(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const int64_t c = b.shape(x).c;
  std::string h = b.add(p + ".dw", {x}, same_conv(c, 7, 1, c, true, false, Activation::none));
  h = b.add(p + ".norm", {h}, LayerNorm{norm_eps});
  h = b.add(p + ".pw1", {h}, FullyConnected{4 * c, true, false, Activation::gelu});
  h = b.add(p + ".pw2", {h}, FullyConnected{c, true, false, Activation::none});
  h = b.add(p + ".gamma", {h}, LayerScale{});
  return b.add(p + ".add", {x, h}, Add{});
}

Network build_convnext(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "ConvNeXt", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::string x = b.add("stem", {std::string(input_tensor)}, padded_conv(cfg.dims[0], 4, 4, 0));
  x = b.add("stem.norm", {x}, LayerNorm{norm_eps});
  for (size_t s = 0; s < cfg.depths.size(); ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    if (s > 0) {
      x = b.add(stage + ".downsample.norm", {x}, LayerNorm{norm_eps});
      x = b.add(stage + ".downsample", {x}, padded_conv(cfg.dims[s], 2, 2, 0));
    }
    for (int64_t i = 0; i < cfg.depths[s]; ++i) x = block(b, x, stage + ".block" + std::to_string(i));
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.norm", {x}, LayerNorm{norm_eps});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace convnext_family

void add_convnext(std::vector<ZooEntry>& out) {
  using namespace convnext_family;
  add_entries(out, configs, "ConvNeXt", 224, build_convnext);
}

}  // namespace cpx::zoo_families

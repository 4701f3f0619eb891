// MobileNetV1 1.0 (Howard et al. 2017, arXiv 1704.04861) as TF-slim builds it
// (tensorflow/models, research/slim/nets/mobilenet_v1.py: MOBILENETV1_CONV_DEFS, mobilenet_v1_arg_scope) and
// timm's PyTorch port (huggingface/pytorch-image-models, timm/models/efficientnet.py: _gen_mobilenet_v1,
// "dsa" blocks, no head conv): a 3x3/s2 stem to 32, 13 depthwise-separable blocks (3x3 depthwise, 1x1
// pointwise, each BN + ReLU6, no residual), global average pool and a 1024 -> 1000 classifier with bias
// (TF-slim's 1x1 logits conv). Every conv has no bias; its BatchNorm folds in. Padding is symmetric,
// (k-1)/2, as timm pads; TF's "SAME" pads stride-2 convs bottom/right only, at the same cost. No
// substitutions. No shared spec covers this family: the counts are checked against the published figures
// (tests/test_zoo_mobile_cnns.cpp).
#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace mobilenetv1_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
};

constexpr Config configs[] = {
    {"mobilenetv1-1.0", "MobileNetV1",
     "MobileNetV1 1.0 (TF-slim mobilenet_v1 / timm mobilenetv1_100): 13 depthwise-separable blocks, BN + "
     "ReLU6, symmetric padding"},
};

// TF-slim's MOBILENETV1_CONV_DEFS after the stem, grouped into timm's stages: {width, blocks, stride}.
struct Stage {
  int64_t width, blocks, stride;
};
constexpr Stage stages[] = {{64, 1, 1}, {128, 2, 2}, {256, 2, 2}, {512, 6, 2}, {1024, 2, 2}};

Network build_mobilenetv1(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "MobileNetV1", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  constexpr Activation act = Activation::relu6;
  std::string x = b.add("stem", {std::string(input_tensor)}, same_conv(32, 3, 2, 1, false, true, act));
  for (size_t s = 0; s < std::size(stages); ++s) {
    for (int64_t i = 0; i < stages[s].blocks; ++i) {
      const std::string p = "stage" + std::to_string(s + 1) + ".block" + std::to_string(i);
      const int64_t c = b.shape(x).c;
      x = b.add(p + ".dw", {x}, same_conv(c, 3, i == 0 ? stages[s].stride : 1, c, false, true, act));
      x = b.add(p + ".pw", {x}, same_conv(stages[s].width, 1, 1, 1, false, true, act));
    }
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace mobilenetv1_family

void add_mobilenetv1(std::vector<ZooEntry>& out) {
  using namespace mobilenetv1_family;
  add_entries(out, configs, "MobileNetV1", 224, build_mobilenetv1);
}

}  // namespace cpx::zoo_families

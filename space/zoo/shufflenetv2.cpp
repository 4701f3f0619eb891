// ShuffleNetV2 x1.0, x1.5 and x2.0 as torchvision 0.14.1 builds them (shufflenet_v2_x*_*): a 3x3/s2 stem and
// a 3x3/s2 max pool, three stages of 4, 8 and 4 units, a 1x1 conv and a pooled linear head. A unit at
// stride 1 splits the channels in two halves, transforms the second (1x1, dw 3x3, 1x1) and concatenates it
// back; at stride 2 both branches see the whole input (dw 3x3/s2 + 1x1 on one, 1x1 + dw 3x3/s2 + 1x1 on the
// other). Every unit ends in a channel shuffle of 2 groups. Every BN follows a bias-free conv and folds
// into it. No shared spec covers this family: the counts are checked against torchvision's published
// parameter counts and the papers' MACs (tests/test_zoo_shufflenetv2.cpp).
#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace shufflenetv2_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* published_alias;
  const char* description;
  std::array<int64_t, 3> stage_channels;
  int64_t head_channels;
};

constexpr std::array<int64_t, 3> stage_units{4, 8, 4};
constexpr int64_t stem_channels = 24;

constexpr Config configs[] = {
    {"shufflenetv2-x1.0",
     "ShuffleNetV2-x1.0",
     nullptr,
     "ShuffleNetV2 x1.0 (torchvision 0.14.1 shufflenet_v2_x1_0): stages 116-232-464, head 1024",
     {116, 232, 464},
     1024},
    {"shufflenetv2-x1.5",
     "ShuffleNetV2 x1.5",
     nullptr,
     "ShuffleNetV2 x1.5 (torchvision 0.14.1 shufflenet_v2_x1_5): stages 176-352-704, head 1024",
     {176, 352, 704},
     1024},
    {"shufflenetv2-x2.0",
     "ShuffleNetV2-x2.0",
     "ShuffleNetV2 x2",
     "ShuffleNetV2 x2.0 (torchvision 0.14.1 shufflenet_v2_x2_0): stages 244-488-976, head 2048",
     {244, 488, 976},
     2048},
};

Conv2d conv_bn(int64_t out_channels, int64_t kernel, int64_t stride, int64_t groups, Activation activation) {
  return same_conv(out_channels, kernel, stride, groups, false, true, activation);
}

// The branch every unit has: 1x1 + ReLU, dw 3x3 (stride), 1x1 + ReLU, each with a folded BN.
std::string main_branch(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t width, int64_t stride) {
  std::string h = b.add(p + ".branch2.pw1", {x}, conv_bn(width, 1, 1, 1, Activation::relu));
  h = b.add(p + ".branch2.dw", {h}, conv_bn(width, 3, stride, width, Activation::none));
  return b.add(p + ".branch2.pw2", {h}, conv_bn(width, 1, 1, 1, Activation::relu));
}

std::string unit(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t out_channels, int64_t stride) {
  const int64_t in_channels = b.shape(x).c, half = out_channels / 2;
  std::string joined;
  if (stride == 1) {
    const std::string kept = b.add(p + ".split0", {x}, Slice{0, half});
    const std::string rest = b.add(p + ".split1", {x}, Slice{half, in_channels});
    joined = b.add(p + ".concat", {kept, main_branch(b, rest, p, half, 1)}, Concat{});
  } else {
    std::string side = b.add(p + ".branch1.dw", {x}, conv_bn(in_channels, 3, stride, in_channels, Activation::none));
    side = b.add(p + ".branch1.pw", {side}, conv_bn(half, 1, 1, 1, Activation::relu));
    joined = b.add(p + ".concat", {side, main_branch(b, x, p, half, stride)}, Concat{});
  }
  return b.add(p + ".shuffle", {joined}, ChannelShuffle{2});
}

Network build_shufflenetv2(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "ShuffleNetV2", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::string x = b.add("stem", {std::string(input_tensor)}, conv_bn(stem_channels, 3, 2, 1, Activation::relu));
  x = b.add("stem.pool", {x}, MaxPool{{3, 3}, {2, 2}, {1, 1, 1, 1}});
  for (size_t s = 0; s < stage_units.size(); ++s)
    for (int64_t i = 0; i < stage_units[s]; ++i)
      x = unit(b, x, "stage" + std::to_string(s + 2) + ".unit" + std::to_string(i), cfg.stage_channels[s],
               i == 0 ? 2 : 1);
  x = b.add("head.conv", {x}, conv_bn(cfg.head_channels, 1, 1, 1, Activation::relu));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace shufflenetv2_family

void add_shufflenetv2(std::vector<ZooEntry>& out) {
  using namespace shufflenetv2_family;
  add_entries(out, configs, "ShuffleNetV2", 224, build_shufflenetv2);
}

}  // namespace cpx::zoo_families

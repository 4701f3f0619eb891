// GhostNetV2 1.0x, 1.3x, 1.6x as the official PyTorch code builds them (ghostnetv2_torch.py of
// huawei-noah/Efficient-AI-Backbones; see shared spec ghostnetv2.md). Every BatchNorm follows a conv and
// folds into it; the DFC attention gate is upsampled with PyTorch's nearest rule.
// GhostNet (v1, CVPR 2020) 1.0x and 1.3x, family "GhostNet": the same network without the DFC attention
// (ghostnet_pytorch/ghostnet.py of the same repository, = timm's ghostnet; its counts are V2's minus the
// DFC branches exactly).
#include <algorithm>
#include <iterator>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace ghostnetv2_family {
namespace {

// One bottleneck of the base (1.0x) configuration: kernel, expansion width, output width, SE, stride.
struct BlockConfig {
  int64_t kernel, mid, out;
  bool se;
  int64_t stride;
};

constexpr BlockConfig blocks[] = {
    {3, 16, 16, false, 1},   {3, 48, 24, false, 2},  {3, 72, 24, false, 1},   {5, 72, 40, true, 2},
    {5, 120, 40, true, 1},   {3, 240, 80, false, 2}, {3, 200, 80, false, 1},  {3, 184, 80, false, 1},
    {3, 184, 80, false, 1},  {3, 480, 112, true, 1}, {3, 672, 112, true, 1},  {5, 672, 160, true, 2},
    {5, 960, 160, false, 1}, {5, 960, 160, true, 1}, {5, 960, 160, false, 1}, {5, 960, 160, true, 1},
};

Conv2d conv(int64_t out, std::array<int64_t, 2> kernel, int64_t stride, Padding padding, int64_t groups, bool bias,
            bool batch_norm, Activation activation) {
  Conv2d c;
  c.out_channels = out;
  c.kernel = kernel;
  c.stride = {stride, stride};
  c.padding = padding;
  c.groups = groups;
  c.bias = bias;
  c.batch_norm = batch_norm;
  c.activation = activation;
  return c;
}

// Ghost module in -> out: primary 1x1 to ceil(out/2) channels, cheap 3x3 depthwise on those, concat
// (sliced to `out` if that is odd). With DFC attention (`attention`), the gate is computed from `x`:
// avg pool 2x2/s2, 1x1 + BN, 1x5 dw + BN, 5x1 dw + BN, sigmoid, nearest upsampling to the output size.
std::string ghost_module(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t out, bool relu,
                         bool attention) {
  const int64_t init = (out + 1) / 2;
  const Activation act = relu ? Activation::relu : Activation::none;
  const std::string primary = b.add(p + ".primary", {x}, same_conv(init, 1, 1, 1, false, true, act));
  const std::string cheap = b.add(p + ".cheap", {primary}, same_conv(init, 3, 1, init, false, true, act));
  std::string y = b.add(p + ".concat", {primary, cheap}, Concat{});
  if (2 * init != out) y = b.add(p + ".slice", {y}, Slice{0, out});
  if (!attention) return y;
  const std::string pool = b.add(p + ".dfc.pool", {x}, AvgPool{{2, 2}, {2, 2}, {}});
  const std::string c1 = b.add(p + ".dfc.conv", {pool}, same_conv(out, 1, 1, 1, false, true, Activation::none));
  const std::string h =
      b.add(p + ".dfc.dw1x5", {c1}, conv(out, {1, 5}, 1, {0, 0, 2, 2}, out, false, true, Activation::none));
  const std::string gate =
      b.add(p + ".dfc.dw5x1", {h}, conv(out, {5, 1}, 1, {2, 2, 0, 0}, out, false, true, Activation::sigmoid));
  const ShapeNhwc& s = b.shape(y);
  UpsampleNearest up;
  up.scale = {0, 0};
  up.size = {s.h, s.w};
  const std::string g = b.add(p + ".dfc.upsample", {gate}, up);
  return b.add(p + ".gate", {y, g}, Multiply{});
}

Network ghostnet(const std::string& name, const std::string& family, double width, bool dfc, int64_t resolution) {
  NetworkBuilder b(name, family, {1, resolution, resolution, 3}, Where(name) / "resolution");
  std::string x =
      b.add("stem", {"input"}, same_conv(make_divisible(16 * width, 4), 3, 2, 1, false, true, Activation::relu));
  for (size_t i = 0; i < std::size(blocks); ++i) {
    const BlockConfig& c = blocks[i];
    const std::string p = "block" + std::to_string(i);
    const int64_t in = b.shape(x).c;
    const int64_t mid = make_divisible(static_cast<double>(c.mid) * width, 4);
    const int64_t out = make_divisible(static_cast<double>(c.out) * width, 4);
    std::string y = ghost_module(b, x, p + ".ghost1", mid, true, dfc && i >= 2);
    if (c.stride > 1) y = b.add(p + ".dw", {y}, same_conv(mid, c.kernel, c.stride, mid, false, true, Activation::none));
    if (c.se)
      y = squeeze_excite(b, y, p + ".se", make_divisible(static_cast<double>(mid) * 0.25, 4), Activation::relu,
                         Activation::hardsigmoid);
    y = ghost_module(b, y, p + ".ghost2", out, false, false);
    std::string shortcut = x;
    if (in != out || c.stride != 1) {
      const std::string dw =
          b.add(p + ".shortcut.dw", {x}, same_conv(in, c.kernel, c.stride, in, false, true, Activation::none));
      shortcut = b.add(p + ".shortcut.pw", {dw}, same_conv(out, 1, 1, 1, false, true, Activation::none));
    }
    x = b.add(p + ".add", {y, shortcut}, Add{});
  }
  x = b.add("head.conv", {x}, same_conv(make_divisible(960 * width, 4), 1, 1, 1, false, true, Activation::relu));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.conv_head", {x}, same_conv(1280, 1, 1, 1, true, false, Activation::relu));
  x = b.add("head.classifier", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

struct Model {
  const char* name;
  const char* label;
  double width;
  bool dfc = true;  // GhostNetV2; false: GhostNet (v1)
  const char* published_name = "";
};

constexpr Model v2_models[] = {
    {"ghostnetv2-1.0", "1.0x", 1.0},
    {"ghostnetv2-1.3", "1.3x", 1.3},
    {"ghostnetv2-1.6", "1.6x", 1.6},
};

constexpr Model v1_models[] = {
    {"ghostnet-1.0", "1.0x", 1.0, false},
    {"ghostnet-1.3", "1.3x", 1.3, false, "GhostNet x1.3"},
};

std::string description_of(const Model& m) {
  if (!m.dfc)
    return std::string("GhostNet ") + m.label +
           " (official PyTorch ghostnet_pytorch/ghostnet.py, = timm ghostnet; widths made divisible by 4, "
           "SE with hard sigmoid, no DFC attention)";
  return std::string("GhostNetV2 ") + m.label +
         " (official PyTorch ghostnetv2_torch.py; CPUBone's MindSpore-derived port rounds widths up to "
         "multiples of 4 and upsamples the DFC gate bilinearly: same counts at 1.0x, larger at 1.3x/1.6x)";
}

}  // namespace
}  // namespace ghostnetv2_family

void add_ghostnetv2(std::vector<ZooEntry>& out) {
  using namespace ghostnetv2_family;
  add_entries(out, v2_models, "GhostNetV2", 224,
              [](const Model& m, int64_t r) { return ghostnet(m.name, "GhostNetV2", m.width, m.dfc, r); });
}

void add_ghostnet(std::vector<ZooEntry>& out) {
  using namespace ghostnetv2_family;
  add_entries(out, v1_models, "GhostNet", 224,
              [](const Model& m, int64_t r) { return ghostnet(m.name, "GhostNet", m.width, m.dfc, r); });
}

}  // namespace cpx::zoo_families

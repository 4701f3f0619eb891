// Classic CNN baselines as torchvision 0.14.1 builds them (see shared spec classic.md): MobileNetV2 1.0 and 1.4,
// MobileNetV3-Large 1.0, ResNet-18, ResNet-50 (V1.5: stride in the 3x3 conv) and EfficientNet-B0.
// Inference form: every BatchNorm folds into the conv before it; padding is symmetric, (k-1)/2, at every
// stride (torchvision, not TensorFlow's asymmetric "SAME").
#include <algorithm>
#include <string>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace classic_family {
namespace {

// A square conv with torchvision's symmetric padding (k-1)/2.
Conv2d conv(int64_t out_channels, int64_t kernel, int64_t stride, int64_t groups, bool bias, bool batch_norm,
            Activation activation) {
  Conv2d c;
  c.out_channels = out_channels;
  c.kernel = {kernel, kernel};
  c.stride = {stride, stride};
  const int64_t p = (kernel - 1) / 2;
  c.padding = {p, p, p, p};
  c.groups = groups;
  c.bias = bias;
  c.batch_norm = batch_norm;
  c.activation = activation;
  return c;
}

// conv + BN (folded) + activation, no bias: every conv of these networks except the SE convs.
Conv2d conv_bn(int64_t out_channels, int64_t kernel, int64_t stride, Activation activation, int64_t groups = 1) {
  return conv(out_channels, kernel, stride, groups, false, true, activation);
}

FullyConnected linear(int64_t out_features, Activation activation = Activation::none) {
  FullyConnected f;
  f.out_features = out_features;
  f.bias = true;
  f.activation = activation;
  return f;
}

ShapeNhwc rgb(int64_t resolution) { return {1, resolution, resolution, 3}; }

// ---------------------------------------------------------------------------------------------------
// MobileNetV2 1.0 and 1.4: every width scaled by torchvision's width_mult and made divisible by 8; the
// head's 1280 only grows.

Network mobilenet_v2(const std::string& name, int64_t resolution, double width) {
  NetworkBuilder b(name, "MobileNetV2", rgb(resolution), Where(name));
  struct Setting {
    int64_t t, c, n, s;
  };
  constexpr Setting settings[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  std::string x =
      b.add("stem", {std::string(input_tensor)}, conv_bn(make_divisible(32 * width, 8), 3, 2, Activation::relu6));
  int stage = 1;
  for (const Setting& st : settings) {
    for (int64_t i = 0; i < st.n; ++i) {
      InvertedResidual s;
      s.expanded = b.shape(x).c * st.t;
      s.out = make_divisible(static_cast<double>(st.c) * width, 8);
      s.kernel = 3;
      s.stride = i == 0 ? st.s : 1;
      s.activation = Activation::relu6;
      x = inverted_residual(b, x, "stage" + std::to_string(stage) + ".block" + std::to_string(i), s);
    }
    ++stage;
  }
  x = b.add("head.conv", {x}, conv_bn(make_divisible(1280 * std::max(1.0, width), 8), 1, 1, Activation::relu6));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, linear(1000));
  return std::move(b).finish(x);
}

// ---------------------------------------------------------------------------------------------------
// MobileNetV3-Large 1.0

Network mobilenet_v3_large(const std::string& name, int64_t resolution) {
  NetworkBuilder b(name, "MobileNetV3", rgb(resolution), Where(name));
  constexpr Activation RE = Activation::relu, HS = Activation::hardswish;
  struct Row {
    int64_t k, e, out;
    bool se;
    Activation act;
    int64_t s;
  };
  constexpr Row rows[] = {
      {3, 16, 16, false, RE, 1},  {3, 64, 24, false, RE, 2},  {3, 72, 24, false, RE, 1},  {5, 72, 40, true, RE, 2},
      {5, 120, 40, true, RE, 1},  {5, 120, 40, true, RE, 1},  {3, 240, 80, false, HS, 2}, {3, 200, 80, false, HS, 1},
      {3, 184, 80, false, HS, 1}, {3, 184, 80, false, HS, 1}, {3, 480, 112, true, HS, 1}, {3, 672, 112, true, HS, 1},
      {5, 672, 160, true, HS, 2}, {5, 960, 160, true, HS, 1}, {5, 960, 160, true, HS, 1},
  };
  std::string x = b.add("stem", {std::string(input_tensor)}, conv_bn(16, 3, 2, HS));
  int block = 1;
  for (const Row& r : rows) {
    InvertedResidual s;
    s.expanded = r.e;
    s.out = r.out;
    s.kernel = r.k;
    s.stride = r.s;
    s.activation = r.act;
    if (r.se) {
      s.se_squeeze = make_divisible(static_cast<double>(r.e) / 4, 8);
      s.se_activation = Activation::relu;
      s.se_gate = Activation::hardsigmoid;
    }
    x = inverted_residual(b, x, "block" + std::to_string(block++), s);
  }
  x = b.add("head.conv", {x}, conv_bn(960, 1, 1, HS));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc1", {x}, linear(1280, HS));
  x = b.add("head.fc2", {x}, linear(1000));
  return std::move(b).finish(x);
}

// ---------------------------------------------------------------------------------------------------
// ResNet-18 / ResNet-50 (torchvision V1.5)

Network resnet(const std::string& name, int64_t resolution, bool bottleneck, std::array<int64_t, 4> depths) {
  NetworkBuilder b(name, "ResNet", rgb(resolution), Where(name));
  std::string x = b.add("stem.conv", {std::string(input_tensor)}, conv_bn(64, 7, 2, Activation::relu));
  MaxPool pool;
  pool.kernel = {3, 3};
  pool.stride = {2, 2};
  pool.padding = {1, 1, 1, 1};
  x = b.add("stem.pool", {x}, pool);
  const int64_t expansion = bottleneck ? 4 : 1;
  constexpr int64_t widths[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t w = widths[stage];
    for (int64_t i = 0; i < depths[static_cast<size_t>(stage)]; ++i) {
      const std::string p = "layer" + std::to_string(stage + 1) + ".block" + std::to_string(i);
      const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      const int64_t in = b.shape(x).c;
      std::string h;
      if (bottleneck) {
        h = b.add(p + ".conv1", {x}, conv_bn(w, 1, 1, Activation::relu));
        h = b.add(p + ".conv2", {h}, conv_bn(w, 3, stride, Activation::relu));
        h = b.add(p + ".conv3", {h}, conv_bn(w * expansion, 1, 1, Activation::none));
      } else {
        h = b.add(p + ".conv1", {x}, conv_bn(w, 3, stride, Activation::relu));
        h = b.add(p + ".conv2", {h}, conv_bn(w, 3, 1, Activation::none));
      }
      std::string shortcut = x;
      if (stride != 1 || in != w * expansion)
        shortcut = b.add(p + ".downsample", {x}, conv_bn(w * expansion, 1, stride, Activation::none));
      h = b.add(p + ".add", {shortcut, h}, Add{});
      x = b.add(p + ".relu", {h}, ActivationOp{Activation::relu});
    }
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, linear(1000));
  return std::move(b).finish(x);
}

// ---------------------------------------------------------------------------------------------------
// EfficientNet-B0

Network efficientnet_b0(const std::string& name, int64_t resolution) {
  NetworkBuilder b(name, "EfficientNet", rgb(resolution), Where(name));
  struct Stage {
    int64_t t, k, s, out, n;
  };
  constexpr Stage stages[] = {{1, 3, 1, 16, 1},  {6, 3, 2, 24, 2},  {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3},
                              {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1}};
  std::string x = b.add("stem", {std::string(input_tensor)}, conv_bn(32, 3, 2, Activation::silu));
  int stage = 1;
  for (const Stage& st : stages) {
    for (int64_t i = 0; i < st.n; ++i) {
      const int64_t in = b.shape(x).c;
      InvertedResidual s;
      s.expanded = in * st.t;
      s.out = st.out;
      s.kernel = st.k;
      s.stride = i == 0 ? st.s : 1;
      s.activation = Activation::silu;
      s.se_squeeze = std::max<int64_t>(1, in / 4);  // from the block's input width
      s.se_activation = Activation::silu;
      s.se_gate = Activation::sigmoid;
      x = inverted_residual(b, x, "stage" + std::to_string(stage) + ".block" + std::to_string(i), s);
    }
    ++stage;
  }
  x = b.add("head.conv", {x}, conv_bn(1280, 1, 1, Activation::silu));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, linear(1000));
  return std::move(b).finish(x);
}

// ---------------------------------------------------------------------------------------------------

struct Entry {
  const char* name;
  const char* family;
  const char* published_name;
  const char* published_alias;
  const char* description;
  Network (*build)(const std::string& name, int64_t resolution);
};

const Entry entries[] = {
    {"mobilenetv2-1.0", "MobileNetV2", "MobileNetV2-x1.0", "MobileNetV2",
     "MobileNetV2 1.0 (torchvision 0.14.1 mobilenet_v2; symmetric padding)",
     [](const std::string& n, int64_t r) { return mobilenet_v2(n, r, 1.0); }},
    {"mobilenetv2-1.4", "MobileNetV2", "MobileNetV2-x1.4", "MobileNetV2 x1.4",
     "MobileNetV2 1.4 (torchvision 0.14.1 mobilenet_v2(width_mult=1.4); symmetric padding)",
     [](const std::string& n, int64_t r) { return mobilenet_v2(n, r, 1.4); }},
    {"mobilenetv3-large", "MobileNetV3", "MobileNetV3-L", nullptr,
     "MobileNetV3-Large 1.0 (torchvision 0.14.1 mobilenet_v3_large; symmetric padding; BN eps 1e-3 in the "
     "original only changes folding numerics)",
     [](const std::string& n, int64_t r) { return mobilenet_v3_large(n, r); }},
    {"resnet18", "ResNet", "", nullptr, "ResNet-18 (torchvision 0.14.1 resnet18, BasicBlock)",
     [](const std::string& n, int64_t r) {
       return resnet(n, r, false, {2, 2, 2, 2});
     }},
    {"resnet50", "ResNet", "ResNet50", nullptr, "ResNet-50 (torchvision 0.14.1 resnet50, V1.5: stride in the 3x3 conv)",
     [](const std::string& n, int64_t r) {
       return resnet(n, r, true, {3, 4, 6, 3});
     }},
    {"efficientnet-b0", "EfficientNet", "EfficientNet-B0", nullptr,
     "EfficientNet-B0 (torchvision 0.14.1 efficientnet_b0; symmetric padding, not TF SAME)",
     [](const std::string& n, int64_t r) { return efficientnet_b0(n, r); }},
};

}  // namespace
}  // namespace classic_family

void add_classic(std::vector<ZooEntry>& out) {
  using namespace classic_family;
  add_entries(out, entries, "", 224, [](const Entry& c, int64_t r) { return c.build(c.name, r); });
}

}  // namespace cpx::zoo_families

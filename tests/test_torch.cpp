// The PyTorch export: for one model of every zoo family, a transposed-conv variant, sampled networks of
// the CPUBone space and average pools with padding left out of the divisor, the generated module (run by
// Debian's python3-torch) has count()'s params and computes what our executor computes with the same
// seeded weights and input.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "profiler/executor/plan.hpp"
#include "profiler/interop/torch.hpp"
#include "space/count.hpp"
#include "space/sample.hpp"
#include "space/zoo.hpp"

using namespace cpx;

namespace {

void write_floats(const std::filesystem::path& p, std::span<const float> v) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size_bytes()));
}

}  // namespace

TEST_CASE("the PyTorch export has count's params and matches the executor on every zoo family and sampled networks",
          "[torch]") {
  namespace fs = std::filesystem;
  std::vector<Network> nets;
  std::set<std::string> families;
  for (const ZooEntry& e : zoo())
    if (families.insert(e.family).second)  // Swin's 7x7 windows tile only multiples of 224, as in its code
      nets.push_back(load_model(e.name, e.family == "Swin" ? 224 : 64));
  nets.push_back(load_model("b1-transposed", 64));
  for (uint64_t seed : {1, 2}) {
    Macro m = sample_cpubone_like(seed);
    m.resolution = 64;
    nets.push_back(expand(m, "sample" + std::to_string(seed)));
  }
  {
    // Pad, a channel shuffle and a reshape that reorders NHWC bytes, which no zoo network has.
    NetworkBuilder b("pad-shuffle-reshape", "test", {1, 8, 8, 4}, Where("test"));
    Pad pad;
    pad.padding = {1, 2, 0, 1};
    Conv2d conv;
    conv.out_channels = 6;
    conv.kernel = {3, 3};
    conv.bias = true;
    Reshape reshape;
    reshape.shape = {1, 7, 9, 6};
    MaxPool pool;
    pool.kernel = {2, 2};
    pool.stride = {2, 2};
    pool.padding = {0, 1, 0, 1};
    std::string x = b.add("pad", {std::string(input_tensor)}, pad);
    x = b.add("conv", {x}, conv);
    x = b.add("shuffle", {x}, ChannelShuffle{3});
    x = b.add("reshape", {x}, reshape);
    nets.push_back(std::move(b).finish(b.add("pool", {x}, pool)));
  }
  {
    // PReLU (per channel and shared), a subtract, an affine, and the standalone activations, alphas included.
    NetworkBuilder b("prelu-subtract-activations", "test", {1, 8, 8, 4}, Where("test"));
    Conv2d conv;
    conv.out_channels = 6;
    conv.kernel = {3, 3};
    conv.padding = {1, 1, 1, 1};
    conv.bias = true;
    const std::string y = b.add("conv", {std::string(input_tensor)}, conv);
    std::string x = b.add("sub", {y, b.add("prelu", {y}, PRelu{false})}, Subtract{});
    x = b.add("prelu_shared", {x}, PRelu{true});
    x = b.add("affine", {x}, Affine{-0.5, 0.25});
    x = b.add("clamp", {x}, Clamp{-0.75, 0.5});
    x = b.add("clamp_max", {x}, Clamp{-std::numeric_limits<double>::infinity(), 0.25});
    // A conv before each, so that no function reads only what a saturating one before it left.
    for (Activation function : activation_names.values())
      if (const std::string name(to_string(function)); function != Activation::none)
        x = b.add(std::string(name), {b.add(std::string(name) + ".conv", {x}, conv)},
                  ActivationOp{function, takes_alpha(function) ? 0.3 : 0.0});
    nets.push_back(std::move(b).finish(x));
  }
  {
    // Swin's windows: a shifted partition, a 1x1 conv on the windows (the batch), the reverse rolled back,
    // patch merging's column-major 2 x 2 then its reshape; and a reverse that crops a padded map.
    NetworkBuilder b("windows", "test", {1, 8, 12, 4}, Where("test"));
    Conv2d conv;
    conv.out_channels = 4;
    conv.bias = true;
    std::string x = b.add("part", {b.add("conv", {std::string(input_tensor)}, conv)},
                          WindowPartition{{4, 4}, {2, 3}, {1, 2}, false, false, {0, 0}});
    const std::string windows = b.add("conv_w", {x}, conv);
    x = b.add("reverse", {windows}, WindowPartition{{4, 4}, {2, 3}, {1, 2}, true, false, {0, 0}});
    x = b.add("merge", {b.add("merge_w", {x}, WindowPartition{{2, 2}, {4, 6}, {0, 0}, false, true, {0, 0}})},
              Reshape{{1, 4, 6, 16}});
    const std::string cropped = b.add("crop", {windows}, WindowPartition{{4, 4}, {2, 3}, {3, 1}, true, false, {7, 11}});
    nets.push_back(std::move(b).finish(
        b.add("join", {b.add("conv_m", {x}, conv), b.add("pool", {cropped}, GlobalAvgPool{})}, Add{})));
  }
  {
    // ESPCN-style upsampling by pixel_shuffle, to several channels and to one (whose kernel differs).
    NetworkBuilder b("pixel-shuffle", "test", {1, 5, 7, 3}, Where("test"));
    Conv2d conv;
    conv.kernel = {3, 3};
    conv.padding = {1, 1, 1, 1};
    conv.bias = true;
    conv.out_channels = 12;
    std::string x = b.add("up3", {b.add("conv", {std::string(input_tensor)}, conv)}, PixelShuffle{2});  // 10x14x3
    conv.out_channels = 4;
    nets.push_back(std::move(b).finish(b.add("up1", {b.add("conv1", {x}, conv)}, PixelShuffle{2})));  // 20x28x1
  }
  {
    // Average pools with padding left out of the divisor: PyTorch's own AvgPool2d arguments where they
    // give our windows (Inception's 3x3/s1, ResNet-D's ceil_mode shortcut), else the sum over the count.
    NetworkBuilder b("avg-pools", "test", {1, 13, 11, 8}, Where("test"));
    std::string x = b.add("inception", {std::string(input_tensor)}, AvgPool{{3, 3}, {1, 1}, {1, 1, 1, 1}, false});
    x = b.add("resnet_d", {x}, AvgPool{{2, 2}, {2, 2}, {0, 1, 0, 1}, false});
    x = b.add("lopsided", {x}, AvgPool{{2, 3}, {1, 1}, {1, 0, 2, 0}, false});
    nets.push_back(std::move(b).finish(b.add("counted", {x}, AvgPool{{3, 3}, {2, 2}, {1, 1, 0, 1}, true})));
  }
  {
    // Dilated convs (DeepLab's atrous convs): nn.Conv2d's dilation, and F.pad where the padding is uneven;
    // an instance norm without affine.
    NetworkBuilder b("dilated", "test", {1, 13, 11, 8}, Where("test"));
    Conv2d conv;
    conv.out_channels = 8, conv.kernel = {3, 3}, conv.dilation = {2, 2}, conv.padding = {2, 2, 2, 2}, conv.bias = true;
    std::string x = b.add("d2", {std::string(input_tensor)}, conv);
    conv.groups = 8, conv.dilation = {3, 2}, conv.padding = {3, 1, 2, 2}, conv.activation = Activation::relu6;
    x = b.add("dw_d3x2", {x}, conv);
    // InstanceNorm2d (affine=False): nn.GroupNorm(C, C, affine=False), no parameters.
    nets.push_back(std::move(b).finish(b.add("instance_norm", {x}, GroupNorm{8, 1e-5, false})));
  }
  {
    // ViT's stem: patches, a class token before them, a per-token linear (the head reads all tokens here).
    NetworkBuilder b("class-token", "test", {1, 8, 8, 3}, Where("test"));
    Conv2d conv;
    conv.out_channels = 8, conv.kernel = {4, 4}, conv.stride = {4, 4}, conv.bias = true;
    const std::string x =
        b.add("cls", {b.add("patches", {std::string(input_tensor)}, conv)}, ClassToken{1});  // 1x1x5x8
    FullyConnected fc;
    fc.out_features = 6, fc.bias = true;
    nets.push_back(std::move(b).finish(b.add("fc", {x}, fc)));
  }
  std::set<std::string_view> kinds;
  const fs::path root = fs::temp_directory_path() / ("cpx_torch_" + std::to_string(::getpid()));
  std::string dirs;
  for (const Network& net : nets) {
    for (const Op& op : net.ops) kinds.insert(op.kind());
    const fs::path dir = root / net.name;
    fs::create_directories(dir);
    const auto weights = profiler::make_weights(net, 5);
    const auto t = profiler::export_torch(net, weights, "net.f32");
    CHECK(t.params == count(net).total.params);
    std::ofstream(dir / "net.py") << t.source;
    std::ofstream(dir / "net.f32", std::ios::binary) << t.weights;
    std::ofstream(dir / "params.txt") << count(net).total.params;
    profiler::Plan plan(net, weights);
    const auto input = profiler::make_input(net.input, 5);
    std::copy(input.begin(), input.end(), plan.input().begin());
    plan.run();
    write_floats(dir / "input.f32", input);
    write_floats(dir / "output.f32", plan.output());
    dirs += " " + dir.string();
  }
  std::string missing;
  for (auto k : op_kinds())
    if (!kinds.count(k)) missing += " " + std::string(k);
  INFO("op kinds no tested network has:" << missing);
  CHECK(missing.empty());
  const std::string cmd = "/usr/bin/python3 " + std::string(CPX_SOURCE_DIR) + "/tests/torch_check.py" + dirs;
  CHECK(std::system(cmd.c_str()) == 0);
  fs::remove_all(root);
}

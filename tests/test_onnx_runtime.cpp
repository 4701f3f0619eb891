// ONNX Runtime against our executor on exported graphs: every zoo family, and each op kind or ONNX operator
// whose numbers an import or export could get wrong (padding, dilation, channel orders, activations).
#include <catch2/catch.hpp>

#include "error_of.hpp"
#include "onnx_testing.hpp"
#include "processes.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::profiler;
using namespace cpx::onnx_testing;

// Our executor and ONNX Runtime on the same exported graph and input. Bound: ‖ours − ort‖₂ / ‖ort‖₂ <
// 1e-4. Both compute in float32 with different summation orders and different exp/erf/tanh
// approximations; over ~100 layers that leaves relative differences around 1e-6..1e-5. A wrong graph (a
// weight permuted wrongly, padding on the wrong side, heads mixed up) changes the output by O(1), at least
// three orders of magnitude above the bound.
// [release-only]: under the sanitizers its own work, the export of these networks at 64x64 and our executor
// on them, runs in "export passes the ONNX checker and import of the export counts the same", "ONNX import
// reads every op's weights back bit-exact from our own export, zoo family by family" and the families'
// executor cases; what it adds is ONNX Runtime's side, node's code (28 CPU s there: docs/log/ci.md).
TEST_CASE("ONNX Runtime computes what our executor computes on the exported graph", "[release-only]") {
  const auto dir = temp_dir();
  for (const auto& name : models) {
    INFO(name);
    const double relative = ort_relative_difference(load_model(name, resolution), dir);
    INFO("relative L2 difference " << relative);
    CHECK(relative < 1e-4);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("ONNX Runtime averages as our executor, padding counted in the divisor or not, ceil_mode's extra row too") {
  NetworkBuilder b("avg-pools", "test", {1, 13, 11, 8}, Where("test"));
  std::string x = b.add("inception", {std::string(input_tensor)}, AvgPool{{3, 3}, {1, 1}, {1, 1, 1, 1}, false});
  x = b.add("resnet_d", {x}, AvgPool{{2, 2}, {2, 2}, {0, 1, 0, 1}, false});  // 13x11 -> 7x6, ceil_mode
  x = b.add("counted", {x}, AvgPool{{3, 3}, {2, 2}, {1, 1, 0, 1}, true});
  x = b.add("lopsided", {x}, AvgPool{{2, 3}, {1, 1}, {1, 0, 2, 0}, false});
  const auto dir = temp_dir();
  const double relative = ort_relative_difference(std::move(b).finish(x), dir);
  INFO("relative L2 difference " << relative);
  CHECK(relative < 1e-6);
  std::filesystem::remove_all(dir);
}

// DeepLab's ASPP: parallel 3x3 convs dilated 2, 3 and 6 (dense, grouped and depthwise, one rectangular with
// uneven padding) and a 1x1 branch, concatenated. Each dilated conv comes back from import as itself, and
// ONNX Runtime computes the graph as our executor does (a tap in the wrong place is O(1) off).
TEST_CASE("dilated convs: export writes dilations, import reads them back, and ONNX Runtime computes them as we do") {
  NetworkBuilder b("aspp", "test", {1, 15, 13, 16}, Where("test"));
  const std::string x{input_tensor};
  auto conv = [](int64_t out, std::array<int64_t, 2> d, Padding p, int64_t groups) {
    Conv2d c;
    c.out_channels = out, c.kernel = {3, 3}, c.dilation = d, c.padding = p, c.groups = groups, c.bias = true;
    c.activation = Activation::relu;
    return c;
  };
  const std::vector<std::string> branches{
      b.add("d2", {x}, conv(16, {2, 2}, {2, 2, 2, 2}, 1)), b.add("d3", {x}, conv(16, {3, 3}, {3, 3, 3, 3}, 4)),
      b.add("d6", {x}, conv(16, {6, 6}, {6, 6, 6, 6}, 16)), b.add("d2x3", {x}, conv(8, {2, 3}, {2, 2, 4, 2}, 1))};
  const Network net = std::move(b).finish(b.add("cat", branches, Concat{}));
  const Network back = import_onnx_bytes(export_onnx(net, make_weights(net, 1)), "aspp.onnx");
  REQUIRE(back.ops.size() == net.ops.size());
  for (size_t i = 0; i + 1 < net.ops.size(); ++i) {
    INFO(net.ops[i].name);
    REQUIRE(back.ops[i].as<Conv2d>());
    CHECK(back.ops[i].as<Conv2d>()->dilation == net.ops[i].as<Conv2d>()->dilation);
    CHECK(back.ops[i].as<Conv2d>()->padding == net.ops[i].as<Conv2d>()->padding);
    CHECK(back.shapes[i] == net.shapes[i]);
  }
  const auto dir = temp_dir();
  const double relative = ort_relative_difference(net, dir);
  INFO("relative L2 difference " << relative);
  CHECK(relative < 1e-5);
  std::filesystem::remove_all(dir);
}

// export's symbolic batch (issue 57 item 5; the default, --fixed-batch turns it off): one model runs any
// batch size. ONNX Runtime at batch 4 gives, sample by sample, what our executor gives at batch 1 (bound as
// above), and at batch 1 the same as its own batch 4's first sample; import reads the symbolic batch as 1.
// Five of the models above keep the file's time down: attention (per-head reshapes, grouped softmax),
// transposed upsampling, talking heads, LowFormer's attention and GhostNetV2's DFC gate (a Resize whose
// sizes take N x C from its input's Shape). All 26 families agreed when the default was chosen.
// [release-only]: under the sanitizers its own work runs elsewhere: the symbolic-batch export (the default)
// with its check and import in "export passes the ONNX checker and import of the export counts the same", the
// CLI's export and import in "the CLI exports and imports and an unsupported import exits 2 without writing",
// --fixed-batch in per_node_match; what it adds is ONNX Runtime at batch 4, node's code (37 CPU s there).
TEST_CASE("export --dynamic-batch: ONNX Runtime runs batch 1 and 4 alike per sample, and import reads batch 1",
          "[release-only]") {
  const auto dir = temp_dir();
  for (const std::string name : {"b0", "b1-transposed", "efficientformerv2-s0", "lowformer-b0", "ghostnetv2-1.0"}) {
    INFO(name);
    const Network net = load_model(name, resolution);
    const NetworkWeights weights = make_weights(net, 1);
    const std::string bytes = export_onnx(net, weights, true);
    REQUIRE_NOTHROW(check_onnx(bytes, name + ".onnx"));
    const Network back = import_onnx_bytes(bytes, name + ".onnx");
    CHECK(back.input == net.input);
    CHECK(count(back).total.macs == count(net).total.macs);
    const auto onnx_file = dir / (name + ".onnx");
    write_file_atomic(onnx_file.string(), bytes);
    const ShapeNhwc four{4, net.input.h, net.input.w, net.input.c};
    const std::vector<float> input = make_input(four, 3);
    const std::vector<float> ort4 = run_ort(onnx_file, nhwc_to_nchw(input, four), 4, dir);
    const auto per_sample = static_cast<size_t>(net.shape_of(net.output).elements());
    REQUIRE(ort4.size() == 4 * per_sample);
    for (size_t k = 0; k < 4; ++k) {
      const std::vector<float> ours =
          run_ours(net, weights, input.data() + k * static_cast<size_t>(net.input.elements()));
      INFO("sample " << k);
      CHECK(relative_l2(ort4.data() + k * per_sample, ours) < 1e-4);
    }
    if (name == "b0") {
      const std::vector<float> first(input.begin(), input.begin() + net.input.elements());
      const std::vector<float> ort1 = run_ort(onnx_file, nhwc_to_nchw(first, net.input), 1, dir);
      REQUIRE(ort1.size() == per_sample);
      CHECK(relative_l2(ort4.data(), ort1) < 1e-6);
    }
  }
  // The CLI's default and --fixed-batch, and the symbolic batch the file then holds.
  const test::CliRun fixed =
      test::cli("export b0 --resolution 64 --fixed-batch --onnx " + (dir / "b0-fixed.onnx").string());
  REQUIRE(fixed.exit_code == 0);
  CHECK(fixed.out.find("input 1x3x64x64 (NCHW)") != std::string::npos);
  const std::string onnx = (dir / "b0-dynamic.onnx").string();
  const test::CliRun exported = test::cli("export b0 --resolution 64 --onnx " + onnx);
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out.find("input batchx3x64x64 (NCHW)") != std::string::npos);
  CHECK(test::cli("export b0 --resolution 64 --dynamic-batch --onnx " + onnx).out == exported.out);
  onnx::ModelProto m;
  std::ifstream in(onnx, std::ios::binary);
  REQUIRE(m.ParseFromIstream(&in));
  CHECK(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param() == onnx_batch_dim);
  CHECK(m.graph().output(0).type().tensor_type().shape().dim(0).dim_param() == onnx_batch_dim);
  const test::CliRun imported = test::cli("import " + onnx + " --out " + (dir / "b0-dynamic.json").string());
  CHECK(imported.exit_code == 0);
  CHECK(imported.out.find("symbolic batch") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "channel_shuffle: exported as Reshape, Transpose, Reshape that ONNX Runtime computes as we do, imported back") {
  // A conv on each side, so that a shuffle exported or imported the wrong way round changes the output.
  NetworkBuilder b("shuffle", "", {1, 9, 7, 12}, Where("test"));
  Conv2d conv;
  conv.out_channels = 12;
  conv.kernel = {3, 3};
  conv.padding = {1, 1, 1, 1};
  const std::string c1 = b.add("c1", {"input"}, conv);
  const std::string s = b.add("shuffle", {c1}, ChannelShuffle{3});
  const std::string c2 = b.add("c2", {s}, conv);
  const Network net = std::move(b).finish(c2);
  const auto dir = temp_dir();
  const double relative = ort_relative_difference(net, dir);
  INFO("relative L2 difference " << relative);
  CHECK(relative < 1e-5);
  std::filesystem::remove_all(dir);

  const Network back = import_onnx_bytes(export_onnx(net, make_weights(net, 1)), "shuffle.onnx");
  REQUIRE(back.ops.size() == 3);
  const auto* shuffle = back.ops[1].as<ChannelShuffle>();
  REQUIRE(shuffle);
  CHECK(shuffle->groups == 3);
}

TEST_CASE(
    "pixel_shuffle and clamp: exported as DepthToSpace (CRD) and Clip that ONNX Runtime computes as we do, imported "
    "back as themselves") {
  const double inf = std::numeric_limits<double>::infinity();
  // Convs around them, whose outputs (about ±3) cross every bound, so that a wrong channel order or bound
  // changes the output; pixel_shuffle to several channels and to one (two kernels), a clamp after a conv.
  NetworkBuilder b("upscale", "", {1, 9, 7, 5}, Where("test"));
  Conv2d conv;
  conv.out_channels = 12;
  conv.kernel = {3, 3};
  conv.padding = {1, 1, 1, 1};
  conv.bias = true;
  std::string x = b.add("up", {b.add("c1", {"input"}, conv)}, PixelShuffle{2});  // 18x14x3
  x = b.add("hardtanh", {x}, Clamp{-1, 1});
  conv.out_channels = 9;
  x = b.add("clamp", {b.add("c2", {x}, conv)}, Clamp{-0.5, 0.75});
  x = b.add("up1", {x}, PixelShuffle{3});  // 54x42x1
  x = b.add("max", {x}, Clamp{-inf, 0.5});
  const Network net = std::move(b).finish(b.add("min", {x}, Clamp{-0.25, inf}));
  const auto dir = temp_dir();
  const double relative = ort_relative_difference(net, dir);
  INFO("relative L2 difference " << relative);
  CHECK(relative < 1e-5);
  std::filesystem::remove_all(dir);

  const Network back = import_onnx_bytes(export_onnx(net, make_weights(net, 1)), "upscale.onnx");
  REQUIRE(back.ops.size() == net.ops.size());
  for (size_t k = 0; k < net.ops.size(); ++k) {
    INFO(net.ops[k].name);
    REQUIRE(back.ops[k].kind() == net.ops[k].kind());
    if (const auto* p = net.ops[k].as<PixelShuffle>()) CHECK(back.ops[k].as<PixelShuffle>()->upscale == p->upscale);
    if (const auto* c = net.ops[k].as<Clamp>()) {
      CHECK(back.ops[k].as<Clamp>()->min == Approx(c->min));
      CHECK(back.ops[k].as<Clamp>()->max == Approx(c->max));
    }
  }
  REQUIRE(back.ops[3].as<Conv2d>());
  CHECK(back.ops[3].as<Conv2d>()->activation == Activation::none);  // the clamp after c2 stays its own op
}

TEST_CASE(
    "import: DepthToSpace CRD is a pixel_shuffle, DCR a channel_shuffle then one, and ONNX Runtime computes both as we "
    "do") {
  const auto dir = temp_dir();
  for (const std::string mode : {"CRD", "DCR"})
    for (const int64_t channels : {12, 4}) {  // 3 output channels, and 1 (where the two orders are one)
      INFO(mode << ", " << channels << " channels");
      TestGraph t;
      TestGraph::io(*t.g.add_input(), "x", {1, channels, 3, 5});
      auto& n = t.node("DepthToSpace", {"x"}, "y");
      TestGraph::int_attr(n, "blocksize", 2);
      auto& a = *n.add_attribute();
      a.set_name("mode");
      a.set_type(onnx::AttributeProto::STRING);
      a.set_s(mode);
      TestGraph::io(*t.g.add_output(), "y", {1, channels / 4, 6, 10});
      const Network net = import_onnx_bytes(t.bytes(), "d2s.onnx");
      const bool shuffled = mode == "DCR" && channels > 4;
      REQUIRE(net.ops.size() == (shuffled ? 2u : 1u));
      if (shuffled) CHECK(net.ops[0].as<ChannelShuffle>()->groups == 4);
      REQUIRE(net.ops.back().as<PixelShuffle>());
      CHECK(net.ops.back().as<PixelShuffle>()->upscale == 2);
      const auto file = dir / "d2s.onnx";
      write_file_atomic(file.string(), t.bytes());
      const std::vector<float> input = make_input(net.input, 3);
      const std::vector<float> ort = run_ort(file, nhwc_to_nchw(input, net.input), 1, dir);
      CHECK(run_ours(net, make_weights(net, 1), input.data()) == ort);  // data movement: the same floats
    }
  std::filesystem::remove_all(dir);
}

// Inputs to the activation cross its bends: the conv's outputs of seeded weights spread over about ±3.
TEST_CASE(
    "every activation after a conv: export, import back as itself with its alpha, and ONNX Runtime computes it as we "
    "do") {
  const auto dir = temp_dir();
  for (Activation function : activation_names.values()) {
    if (function == Activation::none) continue;
    const std::string_view name = to_string(function);
    INFO(name);
    const ActivationOp act{function, takes_alpha(function) ? 0.3 : 0.0};
    NetworkBuilder b(std::string(name), "", {1, 9, 9, 5}, Where("test"));
    Conv2d conv;
    conv.out_channels = 12;
    conv.kernel = {3, 3};
    conv.padding = {1, 1, 1, 1};
    conv.bias = true;
    const Network net = std::move(b).finish(b.add("act", {b.add("conv", {"input"}, conv)}, act));
    const Network back = import_onnx_bytes(export_onnx(net, make_weights(net, 1)), "act.onnx");
    // A conv takes an activation into itself, but not one with an alpha (an op's own activation has none).
    if (takes_alpha(function)) {
      REQUIRE(back.ops.size() == 2);
      REQUIRE(back.ops[1].as<ActivationOp>());
      CHECK(back.ops[1].as<ActivationOp>()->function == function);
      CHECK(back.ops[1].as<ActivationOp>()->alpha == Approx(0.3));
    } else {
      REQUIRE(back.ops.size() == 1);
      CHECK(back.ops[0].as<Conv2d>()->activation == function);
    }
    const double relative = ort_relative_difference(net, dir);
    INFO("relative L2 difference " << relative);
    CHECK(relative < 1e-5);
  }
  std::filesystem::remove_all(dir);
}

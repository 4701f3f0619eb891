// ONNX export and import: the exported graph passes the ONNX checker, import(export(net)) counts the same,
// PyTorch's spellings import as what they compute, and anything the importer does not know is a named
// error. That ONNX Runtime computes what our executor computes is test_onnx_runtime.cpp.
#include <catch2/catch.hpp>

#include "documents.hpp"
#include "error_of.hpp"
#include <onnx/onnx_pb.h>

#include "onnx_testing.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

#include "processes.hpp"
#include "profiler/executor/plan.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::profiler;

using namespace cpx::onnx_testing;

TEST_CASE("import folds PyTorch's Pad before Conv and BatchNormalization and erf GELU after it") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 3, 16, 16});
  t.node("Pad", {"x", t.ints("pads", {0, 0, 1, 1, 0, 0, 0, 0})}, "p");
  TestGraph::ints_attr(t.node("Conv", {"p", t.floats("w", {8, 3, 2, 2}), t.floats("b", {8})}, "c"), "kernel_shape",
                       {2, 2});
  t.node("BatchNormalization", {"c", t.floats("s", {8}), t.floats("h", {8}), t.floats("mu", {8}), t.floats("var", {8})},
         "bn");
  t.node("Div", {"bn", t.scalar("sqrt2", 1.4142135f)}, "d");
  t.node("Erf", {"d"}, "e");
  t.node("Add", {"e", t.scalar("one", 1.0f)}, "a");
  t.node("Mul", {"bn", "a"}, "m");
  t.node("Mul", {"m", t.scalar("half", 0.5f)}, "gelu");
  TestGraph::ints_attr(t.node("ReduceMean", {"gelu"}, "mean"), "axes", {2, 3});
  TestGraph::int_attr(t.node("Flatten", {"mean"}, "flat"), "axis", 1);
  TestGraph::int_attr(t.node("Gemm", {"flat", t.floats("fc", {10, 8}), t.floats("fcb", {10})}, "y"), "transB", 1);
  TestGraph::io(*t.g.add_output(), "y", {1, 10});
  REQUIRE_NOTHROW(check_onnx(t.bytes(), "torch.onnx"));
  const Network net = import_onnx_bytes(t.bytes(), "torch.onnx");
  REQUIRE(net.ops.size() == 3);
  const auto* conv = net.ops[0].as<Conv2d>();
  REQUIRE(conv);
  CHECK(conv->padding == Padding{1, 0, 1, 0});
  CHECK(conv->bias);
  CHECK(conv->batch_norm);
  CHECK(conv->activation == Activation::gelu);
  CHECK(net.ops[1].as<GlobalAvgPool>());
  const auto* fc = net.ops[2].as<FullyConnected>();
  REQUIRE(fc);
  CHECK(fc->out_features == 10);
  CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 10});
}

// PyTorch's exports compute shapes in the graph: Shape of a tensor, Gather, Unsqueeze, Concat into a
// Reshape (and, for expand, ConstantOfShape, Equal, Where). Import folds what is constant, written after its
// reader or not.
TEST_CASE("import folds shape arithmetic into constants, and too large a fold is left to fail by name") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 8, 4, 4});
  t.node("Shape", {"x"}, "shape");
  TestGraph::int_attr(t.node("Gather", {"shape", t.ints("zero", {0})}, "n"), "axis", 0);  // [1]
  t.node("ConstantOfShape", {t.ints("two", {2})}, "two_zeros");                           // [0, 0] as floats
  TestGraph::int_attr(t.node("Cast", {"two_zeros"}, "zeros"), "to", onnx::TensorProto::INT64);
  t.node("Equal", {"zeros", t.ints("minus_one", {-1})}, "is_minus_one");                       // [false, false]
  t.node("Where", {"is_minus_one", t.ints("ones", {1, 1}), t.ints("rest", {8, 16})}, "tail");  // [8, 16]
  TestGraph::int_attr(t.node("Concat", {"n", "tail"}, "target"), "axis", 0);                   // [1, 8, 16]
  t.node("Reshape", {"x", "target"}, "groups");  // N x G x rest: GroupNorm's first reshape
  t.node("InstanceNormalization", {"groups", "scale", "bias"}, "norm");
  t.node("Reshape", {"norm", "shape"}, "y");
  // The InstanceNormalization's constants are written after it, as PyTorch writes Constant nodes late.
  for (const auto& [name, value] : {std::pair{"scale", 1.0f}, std::pair{"bias", 0.0f}}) {
    auto& k = t.node("Constant", {}, name);
    auto& a = *k.add_attribute();
    a.set_name("value");
    a.set_type(onnx::AttributeProto::TENSOR);
    a.mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    a.mutable_t()->add_dims(8);
    for (int c = 0; c < 8; ++c) a.mutable_t()->add_float_data(value);
  }
  TestGraph::io(*t.g.add_output(), "y", {1, 8, 4, 4});
  const Network net = import_onnx_bytes(t.bytes(), "m.onnx");
  REQUIRE(net.ops.size() == 1);
  REQUIRE(net.ops[0].as<GroupNorm>());
  CHECK(net.ops[0].as<GroupNorm>()->groups == 8);

  TestGraph huge;  // a ConstantOfShape of 2^40 values is not folded, so its reader fails by name
  TestGraph::io(*huge.g.add_input(), "x", {1, 8, 4, 4});
  huge.node("ConstantOfShape", {huge.ints("big", {int64_t{1} << 20, int64_t{1} << 20})}, "k");
  huge.node("Add", {"x", "k"}, "y");
  TestGraph::io(*huge.g.add_output(), "y", {1, 8, 4, 4});
  CHECK(error_of([&] { import_onnx_bytes(huge.bytes(), "m.onnx"); }) ==
        "m.onnx: node \"k\" (ConstantOfShape): PyTorch's torch.full or torch.zeros (ONNX ConstantOfShape) is not "
        "supported yet; "
        "skip_unknown passes such a node's input on instead (listed; every total excludes it)");
  TestGraph far;  // an index past the shape it gathers from
  TestGraph::io(*far.g.add_input(), "x", {1, 8, 4, 4});
  far.node("Shape", {"x"}, "s");
  far.node("Gather", {"s", far.ints("four", {4})}, "y");
  TestGraph::io(*far.g.add_output(), "y", {1});
  CHECK(error_of([&] { import_onnx_bytes(far.bytes(), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Gather): index 4 is out of range [-4, 4)");
  for (const char* type : {"Reshape", "Expand"}) {  // one input of two (found by fuzz_onnx: read past it)
    TestGraph one;
    TestGraph::io(*one.g.add_input(), "x", {1, 8, 4, 4});
    one.node(type, {one.ints("k", {1, 2})}, "y");
    TestGraph::io(*one.g.add_output(), "y", {2});
    const std::string message = error_of([&] { import_onnx_bytes(one.bytes(), "m.onnx"); });
    CAPTURE(message);
    CHECK(message.rfind(std::string("m.onnx: node \"y\" (") + type + ")", 0) == 0);
  }
}

// LayerNorm below opset 17 (PyTorch 1.13's default 14): channels-last view, mean, centre, mean of squares,
// eps, root, divide, scale, shift; and MaxPool's padding as a -inf Pad before it (the exported F.pad).
TEST_CASE("import recognises PyTorch's LayerNorm decomposition and a -inf Pad before MaxPool") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 8, 6, 6});
  TestGraph::ints_attr(t.node("Transpose", {"x"}, "nhwc"), "perm", {0, 2, 3, 1});
  TestGraph::ints_attr(t.node("ReduceMean", {"nhwc"}, "mean"), "axes", {-1});
  t.node("Sub", {"nhwc", "mean"}, "d");
  t.node("Pow", {"d", t.scalar("two", 2.0f)}, "d2");
  TestGraph::ints_attr(t.node("ReduceMean", {"d2"}, "var"), "axes", {-1});
  t.node("Add", {"var", t.scalar("eps", 1e-6f)}, "var_eps");
  t.node("Sqrt", {"var_eps"}, "root");
  t.node("Div", {"d", "root"}, "normed");
  t.node("Mul", {"normed", t.floats("gamma", {8})}, "scaled");
  t.node("Add", {"scaled", t.floats("beta", {8})}, "shifted");
  TestGraph::ints_attr(t.node("Transpose", {"shifted"}, "ln"), "perm", {0, 3, 1, 2});
  t.node("Pad", {"ln", t.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1}), t.scalar("minus_inf", -INFINITY)}, "padded");
  TestGraph::ints_attr(t.node("MaxPool", {"padded"}, "y"), "kernel_shape", {3, 3});
  TestGraph::io(*t.g.add_output(), "y", {1, 8, 6, 6});
  const Network net = import_onnx_bytes(t.bytes(), "m.onnx");
  REQUIRE(net.ops.size() == 2);
  const auto* ln = net.ops[0].as<LayerNorm>();
  REQUIRE(ln);
  CHECK(ln->eps == Approx(1e-6));
  const auto* pool = net.ops[1].as<MaxPool>();
  REQUIRE(pool);
  CHECK(pool->padding == Padding{1, 1, 1, 1});
  CHECK(net.shapes.back() == ShapeNhwc{1, 6, 6, 8});
}

// PyTorch's AvgPool2d as torch.onnx.export writes it: ResNet-D's shortcut AvgPool2d(2, 2, ceil_mode=True,
// count_include_pad=False) on 7x7 an AveragePool with ceil_mode; AvgPool2d(3, 1, 1) (padding counted) a
// zero Pad before an unpadded AveragePool; AvgPool2d(3, 2, 1, ceil_mode=True) on 8x8 the same with
// ceil_mode, whose last window reaches past the pads, cells PyTorch's divisor leaves out.
TEST_CASE(
    "import reads AveragePool's ceil_mode and count_include_pad, and a zero Pad before it, as PyTorch computes them") {
  const auto pooled = [](int64_t size, const std::function<void(TestGraph&)>& add, ShapeNhwc out) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 8, size, size});
    add(t);
    TestGraph::io(*t.g.add_output(), "y", {out.n, out.c, out.h, out.w});
    const Network net = import_onnx_bytes(t.bytes(), "m.onnx");
    CHECK(net.shapes.back() == out);
    return net;
  };
  const Network shortcut = pooled(7,
                                  [](TestGraph& t) {
                                    auto& n = t.node("AveragePool", {"x"}, "y");
                                    TestGraph::ints_attr(n, "kernel_shape", {2, 2});
                                    TestGraph::ints_attr(n, "strides", {2, 2});
                                    TestGraph::int_attr(n, "ceil_mode", 1);
                                    TestGraph::int_attr(n, "count_include_pad", 0);
                                  },
                                  {1, 4, 4, 8});
  REQUIRE(shortcut.ops.size() == 1);
  const auto* a = shortcut.ops[0].as<AvgPool>();
  REQUIRE(a);
  CHECK(a->padding == Padding{0, 1, 0, 1});  // ceil_mode's last row and column, not in the divisor
  CHECK_FALSE(a->count_include_pad);

  const Network counted = pooled(7,
                                 [](TestGraph& t) {
                                   t.node("Pad", {"x", t.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1})}, "p");
                                   TestGraph::ints_attr(t.node("AveragePool", {"p"}, "y"), "kernel_shape", {3, 3});
                                 },
                                 {1, 7, 7, 8});
  REQUIRE(counted.ops.size() == 1);  // the Pad is the pool's own padding
  const auto* b = counted.ops[0].as<AvgPool>();
  REQUIRE(b);
  CHECK(b->padding == Padding{1, 1, 1, 1});
  CHECK(b->count_include_pad);

  const Network ceil_counted = pooled(8,
                                      [](TestGraph& t) {
                                        t.node("Pad", {"x", t.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1})}, "p");
                                        auto& n = t.node("AveragePool", {"p"}, "y");
                                        TestGraph::ints_attr(n, "kernel_shape", {3, 3});
                                        TestGraph::ints_attr(n, "strides", {2, 2});
                                        TestGraph::int_attr(n, "ceil_mode", 1);
                                      },
                                      {1, 5, 5, 8});
  REQUIRE(ceil_counted.ops.size() == 2);
  const auto* pad = ceil_counted.ops[0].as<Pad>();
  REQUIRE(pad);
  CHECK(pad->padding == Padding{1, 1, 1, 1});
  const auto* c = ceil_counted.ops[1].as<AvgPool>();
  REQUIRE(c);
  CHECK(c->padding == Padding{0, 1, 0, 1});
  CHECK_FALSE(c->count_include_pad);
}

TEST_CASE("export passes the ONNX checker and import of the export counts the same") {
  for (const auto& name : models) {
    INFO(name);
    const Network net = load_model(name, resolution);
    const std::string bytes = export_onnx(net, make_weights(net, 1));
    REQUIRE_NOTHROW(check_onnx(bytes, name + ".onnx"));
    const Network back = import_onnx_bytes(bytes, name + ".onnx");
    const NetworkCount a = count(net), b = count(back);
    CHECK(back.input == net.input);
    CHECK(back.shapes.back() == net.shapes.back());
    CHECK(b.total.macs == a.total.macs);
    // Params as PyTorch counts them (a BatchNorm after a conv, folded on import, still counts 2·C),
    // except an attention bias table: ONNX holds only the gathered bias (one value per query, head
    // and key), not the table it was gathered from.
    CHECK(params_without_bias_tables(back) == params_without_bias_tables(net));
  }
}

TEST_CASE("import of the export of CPUBone B0 gives back the same ops") {
  const Network net = load_model("b0", resolution);
  const Network back = import_onnx_bytes(export_onnx(net, make_weights(net, 1)), "b0.onnx");
  REQUIRE(back.ops.size() == net.ops.size());
  for (size_t i = 0; i < net.ops.size(); ++i) {
    INFO(net.ops[i].name);
    CHECK(back.ops[i].kind() == net.ops[i].kind());
    CHECK(back.shapes[i] == net.shapes[i]);
    if (const auto* c = net.ops[i].as<Conv2d>()) {
      const auto* d = back.ops[i].as<Conv2d>();
      REQUIRE(d);
      CHECK(d->kernel == c->kernel);
      CHECK(d->stride == c->stride);
      CHECK(d->padding == c->padding);
      CHECK(d->groups == c->groups);
      CHECK(d->activation == c->activation);
    }
  }
}

TEST_CASE("every operator the importer does not know is an error naming the node and its type") {
  for (const std::string type :
       {"LSTM", "GatherElements", "CumSum", "Where", "NonMaxSuppression", "TopK", "Sqrt", "Exp"}) {
    INFO(type);
    // Named with the PyTorch module or function that exports it (test_onnx_refusals.cpp has the whole wording).
    const std::string e = error_of([&] { import_onnx_bytes(test::model_with_node(type), "m.onnx"); });
    CHECK(e.rfind("m.onnx: node \"the_" + type + "\" (" + type + "): PyTorch's ", 0) == 0);
    CHECK(e.find(" (ONNX " + type + ") is not supported yet; skip_unknown passes such a node's input on instead") !=
          std::string::npos);
  }
  CHECK(error_of([] { import_onnx_bytes("not a model", "junk.onnx"); }) ==
        "junk.onnx: not an ONNX model (protobuf parse failed)");
}

TEST_CASE("the CLI exports and imports and an unsupported import exits 2 without writing") {
  const auto dir = temp_dir();
  const std::string onnx = (dir / "b0.onnx").string(), json = (dir / "b0.json").string();
  CHECK(std::system((std::string(CPX_CLI) + " export b0 --resolution 64 --onnx " + onnx + " >/dev/null").c_str()) == 0);
  CHECK(std::system((std::string(CPX_CLI) + " import " + onnx + " --out " + json + " >/dev/null").c_str()) == 0);
  CHECK(count(load_model(json)).total.macs == count(load_model("b0", 64)).total.macs);
  const std::string bad = (dir / "bad.onnx").string(), bad_json = (dir / "bad.json").string();
  write_file_atomic(bad, test::model_with_node("LSTM"));
  const int status =
      std::system((std::string(CPX_CLI) + " import " + bad + " --out " + bad_json + " 2>/dev/null").c_str());
  CHECK(WEXITSTATUS(status) == 2);
  CHECK_FALSE(std::filesystem::exists(bad_json));
  std::filesystem::remove_all(dir);
}

// `predict b0.onnx` once failed with "malformed JSON" (issue 57): every command that takes a network takes an
// ONNX file as it is, told apart from JSON by content, so a file without the .onnx extension works too.
TEST_CASE("count, expand, predict, measure, export and --accuracy CSVs take an ONNX file, by content") {
  const auto dir = temp_dir();
  const std::string onnx = (dir / "b0.onnx").string(), unnamed = (dir / "b0-graph").string();
  REQUIRE(test::cli("export b0 --resolution 64 --onnx " + onnx).exit_code == 0);
  std::filesystem::copy_file(onnx, unnamed);
  const Network b0 = load_model("b0", 64);
#if defined(CPX_SANITIZED)
  // Under the sanitizers the file without the extension alone (the same commands on both took 64 s there).
  for (const std::string& file : {unnamed}) {
#else
  for (const std::string& file : {onnx, unnamed}) {
#endif
    INFO(file);
    const test::CliRun counted = test::cli("count " + file + " --json");
    REQUIRE(counted.exit_code == 0);
    CHECK(Json::parse(counted.out)["macs"] == count(b0).total.macs);
    const std::string expanded = (dir / "expanded.json").string();
    REQUIRE(test::cli("expand " + file + " --out " + expanded).exit_code == 0);
    CHECK(load_model(expanded).ops.size() == b0.ops.size());
    const test::CliRun predicted = test::cli("predict " + file + " --device pi5 --json");
    REQUIRE(predicted.exit_code == 0);
    const Json zoo_b0 = Json::parse(test::cli("predict b0 --resolution 64 --device pi5 --json").out);
    CHECK(Json::parse(predicted.out)["latency_us"].get<double>() ==
          Approx(zoo_b0["latency_us"].get<double>()).epsilon(1e-9));
    CHECK(test::cli("export " + file + " --onnx " + (dir / "again.onnx").string()).exit_code == 0);
    CHECK(count(import_onnx((dir / "again.onnx").string())).total.macs == count(b0).total.macs);
  }
  // measure: its exit code may be 3 on a busy machine; the network measured is the file's.
  const test::CliRun measured = test::cli("measure " + unnamed + " --min-time 0 --min-runs 1 --json");
  CHECK((measured.exit_code == 0 || measured.exit_code == 3));
  CHECK(Json::parse(measured.out)["macs"] == count(b0).total.macs);
  // A measured top-1 of an ONNX network refits the accuracy estimator with it as a point.
  std::ofstream(dir / "top1.csv") << "model,top1\nb0-graph,71.5\n";
  const test::CliRun accuracy = test::cli("accuracy --accuracy " + (dir / "top1.csv").string() + " --json");
  REQUIRE(accuracy.exit_code == 0);
  bool found = false;
  const Json estimator = Json::parse(accuracy.out);
  for (const Json& p : estimator["points"]) found = found || (p["model"] == unnamed && p["published_top1"] == 71.5);
  CHECK(found);
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "import: a Clip other than relu's and relu6's is a clamp, and inverted, NaN or tensor bounds and unknown "
    "DepthToSpace modes are named errors") {
  const double inf = std::numeric_limits<double>::infinity();
  // Clip(x, min, max) with each bound a scalar constant, absent (nullopt), or the tensor x itself (NaN here).
  auto clip = [](std::optional<float> lo, std::optional<float> hi, bool tensor_min = false) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
    std::vector<std::string> in{"x", tensor_min ? std::string("x") : lo ? t.scalar("lo", *lo) : std::string()};
    if (hi) in.push_back(t.scalar("hi", *hi));
    t.node("Clip", in, "y");
    TestGraph::io(*t.g.add_output(), "y", {1, 6, 4, 4});
    return t.bytes();
  };
  auto clamp_of = [](const std::string& bytes) {
    const Network net = import_onnx_bytes(bytes, "m.onnx");
    REQUIRE(net.ops.size() == 1);
    REQUIRE(net.ops[0].as<Clamp>());
    return *net.ops[0].as<Clamp>();
  };
  CHECK(clamp_of(clip(-1, 1)).min == -1);  // F.hardtanh
  CHECK(clamp_of(clip(-1, 1)).max == 1);
  CHECK(clamp_of(clip(std::nullopt, 0.5)).min == -inf);  // x.clamp(max=0.5)
  CHECK(clamp_of(clip(std::nullopt, 0.5)).max == 0.5);
  CHECK(clamp_of(clip(-0.5, std::nullopt)).max == inf);  // x.clamp(min=-0.5)
  // relu's and relu6's Clips are those activations, as before.
  CHECK(import_onnx_bytes(clip(0, std::nullopt), "m.onnx").ops.at(0).as<ActivationOp>()->function == Activation::relu);
  CHECK(import_onnx_bytes(clip(0, 6), "m.onnx").ops.at(0).as<ActivationOp>()->function == Activation::relu6);
  {  // A Clip without bounds passes its input on, as an Identity would.
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
    TestGraph::ints_attr(t.node("Conv", {"x", t.floats("w", {6, 6, 1, 1})}, "c"), "kernel_shape", {1, 1});
    t.node("Clip", {"c"}, "y");
    TestGraph::io(*t.g.add_output(), "y", {1, 6, 4, 4});
    const Network net = import_onnx_bytes(t.bytes(), "m.onnx");
    REQUIRE(net.ops.size() == 1);
    CHECK(net.ops[0].as<Conv2d>()->activation == Activation::none);
  }
  CHECK(error_of([&] { import_onnx_bytes(clip(2, 1), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Clip): min 2.0 is not below max 1.0");
  CHECK(error_of([&] { import_onnx_bytes(clip(1, 1), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Clip): min 1.0 is not below max 1.0");
  CHECK(error_of([&] { import_onnx_bytes(clip(std::nanf(""), 1), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Clip): a bound is NaN (min NaN, max 1.0)");
  CHECK(error_of([&] { import_onnx_bytes(clip(std::nullopt, 1, true), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Clip): min is not a constant scalar");

  auto d2s = [](const std::string& mode, int64_t blocksize) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 8, 4, 4});
    auto& n = t.node("DepthToSpace", {"x"}, "y");
    TestGraph::int_attr(n, "blocksize", blocksize);
    auto& a = *n.add_attribute();
    a.set_name("mode");
    a.set_type(onnx::AttributeProto::STRING);
    a.set_s(mode);
    TestGraph::io(*t.g.add_output(), "y", {1, 2, 8, 8});
    return t.bytes();
  };
  CHECK(error_of([&] { import_onnx_bytes(d2s("RCD", 2), "m.onnx"); }) ==
        "m.onnx: node \"y\" (DepthToSpace): mode RCD is neither CRD nor DCR");
  CHECK(error_of([&] { import_onnx_bytes(d2s("CRD", 3), "m.onnx"); }) ==
        "m.onnx: node \"y\" (DepthToSpace): blocksize 3: 9 does not divide the 8 channels");
  CHECK(error_of([&] { import_onnx_bytes(d2s("DCR", 1), "m.onnx"); }) ==
        "m.onnx: node \"y\" (DepthToSpace): blocksize 1 is out of range [2, 64]");
}

TEST_CASE(
    "InstanceNormalization on an image is a group_norm of one channel per group, without parameters when its scale and "
    "bias are ones and zeros") {
  auto graph = [](float scale, float bias, int64_t values) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 5, 4});
    auto& n = t.node("InstanceNormalization", {"x", t.floats("scale", {values}), t.floats("bias", {values})}, "y");
    auto& e = *n.add_attribute();
    e.set_name("epsilon");
    e.set_type(onnx::AttributeProto::FLOAT);
    e.set_f(1e-3f);
    for (auto* init : {t.g.mutable_initializer(0), t.g.mutable_initializer(1)})
      for (int k = 0; k < init->float_data_size(); ++k) init->set_float_data(k, init->name() == "scale" ? scale : bias);
    TestGraph::io(*t.g.add_output(), "y", {1, 6, 5, 4});
    return t.bytes();
  };
  const auto norm_of = [](const std::string& bytes) {
    const Network net = import_onnx_bytes(bytes, "m.onnx");
    REQUIRE(net.ops.size() == 1);
    REQUIRE(net.ops[0].as<GroupNorm>());
    return std::pair{*net.ops[0].as<GroupNorm>(), count(net).total.params};
  };
  const auto [plain, plain_params] = norm_of(graph(1, 0, 6));  // InstanceNorm2d(6): affine=False
  CHECK(plain.groups == 6);
  CHECK(plain.eps == Approx(1e-3));
  CHECK_FALSE(plain.affine);
  CHECK(plain_params == 0);
  const auto [trained, trained_params] = norm_of(graph(0.5f, 0.1f, 6));  // affine=True, trained
  CHECK(trained.affine);
  CHECK(trained_params == 12);
  CHECK(error_of([&] { import_onnx_bytes(graph(1, 0, 3), "m.onnx"); }) ==
        "m.onnx: node \"y\" (InstanceNormalization): scale and bias must hold one value per channel (6)");
  // Our export of an affine=False group_norm ends at the reshape back (no Mul, no Add), and reads back so.
  NetworkBuilder b("gn", "", {1, 4, 4, 6}, Where("test"));
  const Network net = std::move(b).finish(b.add("gn", {"input"}, GroupNorm{3, 1e-5, false}));
  const Network back = import_onnx_bytes(export_onnx(net, make_weights(net, 1)), "gn.onnx");
  REQUIRE(back.ops.size() == 1);
  CHECK_FALSE(back.ops[0].as<GroupNorm>()->affine);
}

TEST_CASE("import: arithmetic with a number is an affine op, and a tensor divided by a tensor or by 0 is an error") {
  auto graph = [](const std::string& op, bool constant_divisor, float k) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
    t.node(op, {"x", constant_divisor ? t.scalar("k", k) : std::string("x")}, "y");
    TestGraph::io(*t.g.add_output(), "y", {1, 6, 4, 4});
    return t.bytes();
  };
  const Network half = import_onnx_bytes(graph("Div", true, 2), "m.onnx");
  REQUIRE(half.ops.size() == 1);
  REQUIRE(half.ops[0].as<Affine>());
  CHECK(half.ops[0].as<Affine>()->scale == 0.5);
  CHECK(half.ops[0].as<Affine>()->shift == 0);
  CHECK(error_of([&] { import_onnx_bytes(graph("Div", false, 0), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Div): a tensor divided by a tensor is not supported");
  CHECK(error_of([&] { import_onnx_bytes(graph("Div", true, 0), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Div): a division by 0");
}

TEST_CASE("import: a Reshape to 5-D not followed by the channel shuffle's Transpose and Reshape is an error") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
  t.node("Reshape", {"x", t.ints("shape", {1, 2, 3, 4, 4})}, "r");
  TestGraph::ints_attr(t.node("Transpose", {"r"}, "t"), "perm", {0, 1, 2, 4, 3});
  t.node("Reshape", {"t", t.ints("back", {1, 6, 4, 4})}, "y");
  TestGraph::io(*t.g.add_output(), "y", {1, 6, 4, 4});
  CHECK(error_of([&] { import_onnx_bytes(t.bytes(), "m.onnx"); }) ==
        "m.onnx: node \"r\" (Reshape): reshape of 1x4x4x6 (NHWC) to 1x2x3x4x4 is not a recognised pattern");
}

TEST_CASE("import: absurd numbers in a file are named errors, and PyTorch's INT64_MAX slice end still means the end") {
  const auto conv_graph = [](int64_t group) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 4, 8, 8});
    TestGraph::int_attr(t.node("Conv", {"x", t.floats("w", {4, 1, 1, 1})}, "y"), "group", group);
    TestGraph::io(*t.g.add_output(), "y", {1, 4, 8, 8});
    return t;
  };
  CHECK_NOTHROW(import_onnx_bytes(conv_graph(4).bytes(), "m.onnx"));
  CHECK(error_of([&] { import_onnx_bytes(conv_graph(int64_t{1} << 40).bytes(), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Conv): attribute group = 1099511627776 is out of range");
  CHECK(error_of([&] { import_onnx_bytes(conv_graph(1 << 20).bytes(), "m.onnx"); }) ==
        "m.onnx: node \"y\" (Conv): group 1048576 is out of range");

  TestGraph huge;  // dims whose product overflows int64 (found by fuzz_onnx)
  auto& w = *huge.g.add_initializer();
  w.set_name("w");
  w.set_data_type(onnx::TensorProto::FLOAT);
  for (int k = 0; k < 2; ++k) w.add_dims(int64_t{1} << 40);
  CHECK(error_of([&] { import_onnx_bytes(huge.bytes(), "m.onnx"); }) ==
        "m.onnx: initializer w has dim 1099511627776: negative, or more than 4294967296 elements in all");

  TestGraph short_raw;  // raw_data shorter than one float (found by fuzz_onnx: a memcpy into no storage)
  auto& r = *short_raw.g.add_initializer();
  r.set_name("r");
  r.set_data_type(onnx::TensorProto::FLOAT);
  r.set_raw_data(std::string(3, '\0'));
  CHECK(error_of([&] { import_onnx_bytes(short_raw.bytes(), "m.onnx"); }) ==
        "m.onnx: initializer r has raw_data of 3 bytes, not a whole number of 4-byte values");

  const auto slice_graph = [](int64_t end) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
    t.node("Slice", {"x", t.ints("starts", {2}), t.ints("ends", {end}), t.ints("axes", {1})}, "y");
    TestGraph::io(*t.g.add_output(), "y", {1, 4, 4, 4});
    return t;
  };
  const Network to_end = import_onnx_bytes(slice_graph(std::numeric_limits<int64_t>::max()).bytes(), "m.onnx");
  REQUIRE(to_end.ops.size() == 1);
  CHECK(to_end.shapes[0].c == 4);

  TestGraph split;
  TestGraph::io(*split.g.add_input(), "x", {1, 6, 4, 4});
  auto& n = split.node("Split", {"x", split.ints("sizes", {int64_t{1} << 62, 6 - (int64_t{1} << 62)})}, "a");
  n.add_output("b");
  TestGraph::int_attr(n, "axis", 1);
  CHECK(error_of([&] { import_onnx_bytes(split.bytes(), "m.onnx"); }) ==
        "m.onnx: node \"a\" (Split): split size 9007199254740992 is not in [0, 6]");
}

TEST_CASE("every op kind comes back from export then import as itself, as its import entry says") {
  // One network per kind: the op reads the input (twice for binary ops) and is the output.
  const ShapeNhwc x{1, 8, 8, 6}, flat{1, 1, 1, 16}, scores{1, 4, 4, 32};
  Conv2d conv;
  conv.out_channels = 8;
  conv.kernel = {3, 3};
  conv.padding = {1, 1, 1, 1};
  ConvTranspose2d up;
  up.out_channels = 4;
  up.kernel = {2, 2};
  up.stride = {2, 2};
  const std::vector<std::pair<ShapeNhwc, OpAttrs>> cases = {
      {x, conv},
      {flat, FullyConnected{10, true, false, Activation::none}},
      {scores, Matmul{2, {0, 4}, {4, 4}, true, 0.5}},
      {x, Softmax{1}},
      {x, ActivationOp{Activation::hardswish}},
      {x, BatchNorm{1e-5}},
      {x, GroupNorm{2, 1e-5}},
      {x, GroupNorm{6, 1e-5, false}},
      {x, LayerNorm{1e-5}},
      {x, Add{}},
      {x, Subtract{}},
      {x, Multiply{}},
      {x, GlobalAvgPool{}},
      {x, AvgPool{{3, 3}, {2, 2}, {1, 1, 1, 1}}},
      {x, AvgPool{{3, 3}, {2, 2}, {1, 2, 1, 2}, false}},
      {x, MaxPool{{3, 3}, {2, 2}, {1, 1, 1, 1}}},
      {x, UpsampleNearest{{2, 2}}},
      {x, Reshape{{1, 4, 16, 6}}},
      {x, Slice{2, 5}},
      {x, Concat{}},
      {x, Pad{{1, 0, 2, 1}}},
      {x, up},
      {x, ResizeBilinear{{12, 12}, false}},
      {x, LayerScale{}},
      {scores, AttentionBias{2, 16}},
      {scores, HeadMix{2, true}},
      {x, ClassToken{2}},
      {x, ChannelShuffle{3}},
      {x, PRelu{false}},
      {x, PRelu{true}},
      {x, Affine{0.5, 0}},
      {x, Affine{1, -3}},
      {ShapeNhwc{1, 5, 3, 12}, PixelShuffle{2}},
      {x, Clamp{-1, 1}},
      {x, Clamp{-std::numeric_limits<double>::infinity(), 0.5}},
      {x, Clamp{-0.5, std::numeric_limits<double>::infinity()}},
      {ShapeNhwc{1, 6, 8, 5}, WindowPartition{{3, 4}, {2, 2}, {1, 2}, false, false, {0, 0}}},
      {ShapeNhwc{4, 3, 4, 5}, WindowPartition{{3, 4}, {2, 2}, {1, 2}, true, false, {0, 0}}},
      {ShapeNhwc{4, 3, 4, 5}, WindowPartition{{3, 4}, {2, 2}, {0, 3}, true, false, {5, 7}}},
      {ShapeNhwc{1, 6, 8, 5}, WindowPartition{{2, 2}, {3, 4}, {0, 0}, false, true, {0, 0}}},
  };
  std::set<std::string_view> covered;
  for (const auto& [input, attrs] : cases) {
    NetworkBuilder b("one", "", input, Where("test"));
    const std::vector<std::string> in(op_arity(attrs) == 1 ? 1 : 2, "input");
    const std::string y = b.add("op", in, attrs);
    const Network net = std::move(b).finish(y);
    const std::string_view kind = net.ops[0].kind();
    INFO(kind);
    covered.insert(kind);
    const OnnxImportEntry entry = onnx_import_entry(attrs);
    for (const bool dynamic_batch : {false, true}) {  // a symbolic batch (Shape of Resize's input, 0 in reshapes) too
      INFO("dynamic batch " << dynamic_batch);
      if (dynamic_batch && input.n > 1) continue;  // a window_reverse's input is a batch of windows, not a free batch
      const std::string bytes = export_onnx(net, make_weights(net, 1), dynamic_batch);
      REQUIRE_NOTHROW(check_onnx(bytes, "one.onnx"));
      if (!entry.importable) {
        CHECK_THROWS_AS(import_onnx_bytes(bytes, "one.onnx"), InputError);
        continue;
      }
      const Network back = import_onnx_bytes(bytes, "one.onnx");
      REQUIRE(back.ops.size() == 1);
      CHECK(back.ops[0].kind() == kind);
      CHECK(back.shapes[0] == net.shapes[0]);
    }
  }
  const std::vector<std::string_view> kinds = op_kinds();
  CHECK(covered == std::set<std::string_view>(kinds.begin(), kinds.end()));
}

TEST_CASE("export says which weights it wrote: a seed as \"seed N\", a file by its path") {
  const auto dir = temp_dir();
  const std::string onnx = (dir / "m.onnx").string();
  const auto out = [&](const std::string& args) {
    const std::string file = (dir / "out.txt").string();
    REQUIRE(std::system((std::string(CPX_CLI) + " export mobilenetv1-1.0 --resolution 32 --onnx " + onnx + " " + args +
                         " >" + file)
                            .c_str()) == 0);
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(out("").find(", weights seed 0, passes the ONNX checker") != std::string::npos);
  CHECK(out("--weights 7").find(", weights seed 7,") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("import: an Identity of an initializer is that constant, as PyTorch's export dedupes equal biases") {
  // mobilenetv1 at 32x32 exported, then one conv's weight read through an Identity node placed first, as
  // torch.onnx.export writes "Identity_0" for an initializer equal to another.
  const Network net = load_model("mobilenetv1-1.0", 32);
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(profiler::export_onnx(net, profiler::make_weights(net, 3))));
  auto& g = *m.mutable_graph();
  onnx::NodeProto* conv = nullptr;
  for (auto& n : *g.mutable_node())
    if (n.op_type() == "Conv") {
      conv = &n;
      break;
    }
  REQUIRE(conv);
  const std::string weight = conv->input(1);
  conv->set_input(1, "deduped_weight");
  onnx::NodeProto identity;
  identity.set_name("Identity_0");
  identity.set_op_type("Identity");
  identity.add_input(weight);
  identity.add_output("deduped_weight");
  *g.add_node() = identity;
  std::rotate(g.mutable_node()->rbegin(), g.mutable_node()->rbegin() + 1,
              g.mutable_node()->rend());  // first, as PyTorch puts it
  REQUIRE(g.node(0).op_type() == "Identity");
  std::string bytes;
  m.SerializeToString(&bytes);
  const Network imported = profiler::import_onnx_bytes(bytes, "dedup.onnx");
  CHECK(count(imported).total.macs == count(net).total.macs);
  CHECK(count(imported).total.params == count(net).total.params);
}

// Issue 71 item 10: torch.onnx.export (eval mode) folds each BatchNorm into the conv before it, naming the
// weights and bias it computed "onnx::Conv_<n>"; a conv's own parameters keep the module's names. count
// says which count is which, the PyTorch-style one inferred.
TEST_CASE(
    "count of an export with folded BatchNorms gives the file's params and the inferred BatchNorm-separate ones") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 3, 16, 16});
  TestGraph::ints_attr(
      t.node("Conv", {"x", t.floats("onnx::Conv_7", {8, 3, 3, 3}), t.floats("onnx::Conv_8", {8})}, "stem"),
      "kernel_shape", {3, 3});
  t.node("Relu", {"stem"}, "r");
  TestGraph::ints_attr(
      t.node("Conv", {"r", t.floats("se.fc1.weight", {4, 8, 1, 1}), t.floats("se.fc1.bias", {4})}, "fc1"),
      "kernel_shape", {1, 1});
  TestGraph::ints_attr(t.node("ReduceMean", {"fc1"}, "mean"), "axes", {2, 3});
  TestGraph::int_attr(t.node("Flatten", {"mean"}, "flat"), "axis", 1);
  TestGraph::int_attr(t.node("Gemm", {"flat", t.floats("fc.weight", {10, 4}), t.floats("fc.bias", {10})}, "y"),
                      "transB", 1);
  TestGraph::io(*t.g.add_output(), "y", {1, 10});
  BatchNormFolding folding;
  const Network net = import_onnx_bytes(t.bytes(), "torch.onnx", nullptr, &folding);
  CHECK(folding.convs == std::vector<std::string>{net.ops[0].name});
  CHECK(folding.channels == 8);
  const Json j = count_to_json(net, count(net), false, &folding);
  const int64_t file_params = (8 * 27 + 8) + (4 * 8 + 4) + (10 * 4 + 10);
  CHECK(j["params"] == file_params);
  CHECK(j["params_batch_norm_separate"] == file_params + 8);  // 8 x (weight + bias) of the BatchNorm for 8 biases
  CHECK(j["batch_norm_folding"]["convs"] == 1);
  CHECK(j["batch_norm_folding"]["inferred"] == std::string(batch_norm_folding_inference));
  // The text says the same, each count labelled as what it is.
  const std::filesystem::path file = temp_dir() / "folded.onnx";
  std::ofstream(file, std::ios::binary) << t.bytes();
  const test::CliRun text = test::cli("count " + file.string());
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find(" 310  (as the file holds them: the exporter folded a BatchNorm into each of 1 conv(s))\n") !=
        std::string::npos);
  CHECK(text.out.find("params_batch_norm_separate 318  (PyTorch-style, BatchNorm separate, inferred: +8, one per "
                      "folded channel)") != std::string::npos);
  CHECK(text.out.find("PyTorch-style, BatchNorm separate)") == std::string::npos);
  CHECK(text.out.find("Here the exporter folded the BatchNorms: params is what the file holds") != std::string::npos);
  // Without the exporter's names nothing is inferred, and the count is PyTorch-style as before.
  BatchNormFolding none;
  const Network own = import_onnx_bytes(export_onnx(load_model("b0", 32), make_weights(load_model("b0", 32), 0)),
                                        "b0.onnx", nullptr, &none);
  CHECK(none.convs.empty());
  CHECK_FALSE(count_to_json(own, count(own), false, &none).contains("params_batch_norm_separate"));
}

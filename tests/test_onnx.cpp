// ONNX export and import: the exported graph passes the ONNX checker and computes what our executor
// computes (checked by running it on ONNX Runtime), import(export(net)) counts the same, and anything the
// importer does not know is a named error.
#include <catch2/catch.hpp>

#include "documents.hpp"
#include "error_of.hpp"
#include <onnx/onnx_pb.h>

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

namespace {

// B0, B1 with transposed upsampling and attention (conv_transpose2d, matmul), and one network of every
// other zoo family: together every op kind the zoo uses. 64x64 keeps the whole file under ~30 s.
const std::vector<std::string> models = {
    "b0",           "b1-transposed",        "mobilenetv3-large", "resnet18",        "efficientformerv2-s0",
    "efficientmod-xxs", "fasternet-t0",    "fastvit-t8",        "ghostnetv2-1.0", "lowformer-b0",
    "mobileone-s0", "repvit-m0.9"};
constexpr int64_t resolution = 64;


std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("cpx_onnx_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<float> nhwc_to_nchw(const std::vector<float>& x, const ShapeNhwc& s) {
  std::vector<float> y(x.size());
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t p = 0; p < s.pixels(); ++p)
      for (int64_t c = 0; c < s.c; ++c)
        y[static_cast<size_t>((n * s.c + c) * s.pixels() + p)] = x[static_cast<size_t>((n * s.pixels() + p) * s.c + c)];
  return y;
}

void write_floats(const std::filesystem::path& p, const std::vector<float>& v) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

std::vector<float> read_floats(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

int64_t params_without_bias_tables(const Network& net) {
  const NetworkCount c = count(net);
  int64_t p = 0;
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (!net.ops[i].as<AttentionBias>()) p += c.layers[i].cost.params;
  return p;
}

// A small graph written node by node, the way a PyTorch export spells things.
struct TestGraph {
  onnx::ModelProto m;
  onnx::GraphProto& g = *m.mutable_graph();
  TestGraph() {
    g.set_name("torch");
    m.set_ir_version(8);
    m.add_opset_import()->set_version(17);
  }
  static void io(onnx::ValueInfoProto& v, const std::string& name, std::vector<int64_t> dims) {
    v.set_name(name);
    auto& t = *v.mutable_type()->mutable_tensor_type();
    t.set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.mutable_shape()->add_dim()->set_dim_value(d);
  }
  onnx::NodeProto& node(const std::string& type, std::vector<std::string> in, const std::string& out) {
    auto& n = *g.add_node();
    n.set_name(out);
    n.set_op_type(type);
    for (auto& i : in) n.add_input(i);
    n.add_output(out);
    return n;
  }
  std::string floats(const std::string& name, std::vector<int64_t> dims) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (auto d : dims) {
      t.add_dims(d);
      n *= d;
    }
    for (int64_t k = 0; k < n; ++k) t.add_float_data(0.5f);
    return name;
  }
  std::string scalar(const std::string& name, float v) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(v);
    return name;
  }
  std::string ints(const std::string& name, std::vector<int64_t> v) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(v.size()));
    for (auto x : v) t.add_int64_data(x);
    return name;
  }
  static void ints_attr(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v) {
    auto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a.add_ints(x);
  }
  static void int_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(v);
  }
  std::string bytes() const {
    std::string b;
    m.SerializeToString(&b);
    return b;
  }
};

// ONNX Runtime's output (NCHW) of `onnx_file` on an NCHW input of `batch` samples. Files go to `dir`.
std::vector<float> run_ort(const std::filesystem::path& onnx_file, const std::vector<float>& input_nchw, int batch,
                           const std::filesystem::path& dir) {
  write_floats(dir / "in.f32", input_nchw);
  const std::string cmd = std::string("node ") + CPX_ORT_RUN + " --runs 0 --batch " + std::to_string(batch) + " --model " +
                          onnx_file.string() + " --input " + (dir / "in.f32").string() + " --output " +
                          (dir / "out.f32").string() + " > " + (dir / "ort.json").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  return read_floats(dir / "out.f32");
}

// Our executor's output (NCHW) on one NHWC sample.
std::vector<float> run_ours(const Network& net, const NetworkWeights& weights, const float* sample_nhwc) {
  Plan plan(net, weights, {1, false});
  std::copy(sample_nhwc, sample_nhwc + net.input.elements(), plan.input().begin());
  plan.run();
  return nhwc_to_nchw(std::vector<float>(plan.output().begin(), plan.output().end()), net.shape_of(net.output));
}

// ‖a − b‖₂ / ‖b‖₂ over b.size() values from a.
double relative_l2(const float* a, const std::vector<float>& b) {
  double diff = 0, norm = 0;
  for (size_t k = 0; k < b.size(); ++k) {
    diff += std::pow(static_cast<double>(a[k]) - b[k], 2);
    norm += std::pow(static_cast<double>(b[k]), 2);
  }
  REQUIRE(norm > 0);
  return std::sqrt(diff / norm);
}

// Relative L2 difference ‖ours − ort‖₂ / ‖ort‖₂ between our executor and ONNX Runtime on the exported
// graph of `net`, seeded weights and input. Files go to `dir`.
double ort_relative_difference(const Network& net, const std::filesystem::path& dir) {
  const NetworkWeights weights = make_weights(net, 1);
  const auto onnx_file = dir / (net.name + ".onnx");
  write_file_atomic(onnx_file.string(), export_onnx(net, weights));
  const std::vector<float> input = make_input(net.input, 2);
  const std::vector<float> ort = run_ort(onnx_file, nhwc_to_nchw(input, net.input), 1, dir);
  const std::vector<float> ours = run_ours(net, weights, input.data());
  REQUIRE(ours.size() == ort.size());
  return relative_l2(ours.data(), ort);
}

}  // namespace

TEST_CASE("import folds PyTorch's Pad before Conv and BatchNormalization and erf GELU after it") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 3, 16, 16});
  t.node("Pad", {"x", t.ints("pads", {0, 0, 1, 1, 0, 0, 0, 0})}, "p");
  TestGraph::ints_attr(t.node("Conv", {"p", t.floats("w", {8, 3, 2, 2}), t.floats("b", {8})}, "c"), "kernel_shape", {2, 2});
  t.node("BatchNormalization", {"c", t.floats("s", {8}), t.floats("h", {8}), t.floats("mu", {8}), t.floats("var", {8})}, "bn");
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
  t.node("ConstantOfShape", {t.ints("two", {2})}, "two_zeros");  // [0, 0] as floats
  TestGraph::int_attr(t.node("Cast", {"two_zeros"}, "zeros"), "to", onnx::TensorProto::INT64);
  t.node("Equal", {"zeros", t.ints("minus_one", {-1})}, "is_minus_one");  // [false, false]
  t.node("Where", {"is_minus_one", t.ints("ones", {1, 1}), t.ints("rest", {8, 16})}, "tail");  // [8, 16]
  TestGraph::int_attr(t.node("Concat", {"n", "tail"}, "target"), "axis", 0);  // [1, 8, 16]
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
        "m.onnx: node \"k\" (ConstantOfShape): operator not supported (or not in a recognised pattern), reading big");
  TestGraph far;  // an index past the shape it gathers from
  TestGraph::io(*far.g.add_input(), "x", {1, 8, 4, 4});
  far.node("Shape", {"x"}, "s");
  far.node("Gather", {"s", far.ints("four", {4})}, "y");
  TestGraph::io(*far.g.add_output(), "y", {1});
  CHECK(error_of([&] { import_onnx_bytes(far.bytes(), "m.onnx"); }) == "m.onnx: node \"y\" (Gather): index 4 is out of range [-4, 4)");
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
TEST_CASE("import reads AveragePool's ceil_mode and count_include_pad, and a zero Pad before it, as PyTorch computes them") {
  const auto pooled = [](int64_t size, const std::function<void(TestGraph&)>& add, ShapeNhwc out) {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 8, size, size});
    add(t);
    TestGraph::io(*t.g.add_output(), "y", {out.n, out.c, out.h, out.w});
    const Network net = import_onnx_bytes(t.bytes(), "m.onnx");
    CHECK(net.shapes.back() == out);
    return net;
  };
  const Network shortcut = pooled(7, [](TestGraph& t) {
    auto& n = t.node("AveragePool", {"x"}, "y");
    TestGraph::ints_attr(n, "kernel_shape", {2, 2});
    TestGraph::ints_attr(n, "strides", {2, 2});
    TestGraph::int_attr(n, "ceil_mode", 1);
    TestGraph::int_attr(n, "count_include_pad", 0);
  }, {1, 4, 4, 8});
  REQUIRE(shortcut.ops.size() == 1);
  const auto* a = shortcut.ops[0].as<AvgPool>();
  REQUIRE(a);
  CHECK(a->padding == Padding{0, 1, 0, 1});  // ceil_mode's last row and column, not in the divisor
  CHECK_FALSE(a->count_include_pad);

  const Network counted = pooled(7, [](TestGraph& t) {
    t.node("Pad", {"x", t.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1})}, "p");
    TestGraph::ints_attr(t.node("AveragePool", {"p"}, "y"), "kernel_shape", {3, 3});
  }, {1, 7, 7, 8});
  REQUIRE(counted.ops.size() == 1);  // the Pad is the pool's own padding
  const auto* b = counted.ops[0].as<AvgPool>();
  REQUIRE(b);
  CHECK(b->padding == Padding{1, 1, 1, 1});
  CHECK(b->count_include_pad);

  const Network ceil_counted = pooled(8, [](TestGraph& t) {
    t.node("Pad", {"x", t.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1})}, "p");
    auto& n = t.node("AveragePool", {"p"}, "y");
    TestGraph::ints_attr(n, "kernel_shape", {3, 3});
    TestGraph::ints_attr(n, "strides", {2, 2});
    TestGraph::int_attr(n, "ceil_mode", 1);
  }, {1, 5, 5, 8});
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
  for (const std::string type : {"LSTM", "Gather", "Einsum", "Where", "NonMaxSuppression", "TopK", "Sqrt", "Exp"}) {
    INFO(type);
    CHECK(error_of([&] { import_onnx_bytes(test::model_with_node(type), "m.onnx"); }) ==
          "m.onnx: node \"the_" + type + "\" (" + type + "): operator not supported (or not in a recognised pattern), reading x");
  }
  CHECK(error_of([] { import_onnx_bytes("not a model", "junk.onnx"); }) == "junk.onnx: not an ONNX model (protobuf parse failed)");
}

TEST_CASE("the CLI exports and imports and an unsupported import exits 2 without writing") {
  const auto dir = temp_dir();
  const std::string onnx = (dir / "b0.onnx").string(), json = (dir / "b0.json").string();
  CHECK(std::system((std::string(CPX_CLI) + " export b0 --resolution 64 --onnx " + onnx + " >/dev/null").c_str()) == 0);
  CHECK(std::system((std::string(CPX_CLI) + " import " + onnx + " --out " + json + " >/dev/null").c_str()) == 0);
  CHECK(count(load_model(json)).total.macs == count(load_model("b0", 64)).total.macs);
  const std::string bad = (dir / "bad.onnx").string(), bad_json = (dir / "bad.json").string();
  write_file_atomic(bad, test::model_with_node("LSTM"));
  const int status = std::system((std::string(CPX_CLI) + " import " + bad + " --out " + bad_json + " 2>/dev/null").c_str());
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
  for (const std::string& file : {onnx, unnamed}) {
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
    CHECK(Json::parse(predicted.out)["latency_us"].get<double>() == Approx(zoo_b0["latency_us"].get<double>()).epsilon(1e-9));
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

// Our executor and ONNX Runtime on the same exported graph and input. Bound: ‖ours − ort‖₂ / ‖ort‖₂ <
// 1e-4. Both compute in float32 with different summation orders and different exp/erf/tanh
// approximations; over ~100 layers that leaves relative differences around 1e-6..1e-5. A wrong graph (a
// weight permuted wrongly, padding on the wrong side, heads mixed up) changes the output by O(1), at least
// three orders of magnitude above the bound.
TEST_CASE("ONNX Runtime computes what our executor computes on the exported graph") {
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
  x = b.add("resnet_d", {x}, AvgPool{{2, 2}, {2, 2}, {0, 1, 0, 1}, false});   // 13x11 -> 7x6, ceil_mode
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
TEST_CASE("export --dynamic-batch: ONNX Runtime runs batch 1 and 4 alike per sample, and import reads batch 1") {
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
      const std::vector<float> ours = run_ours(net, weights, input.data() + k * static_cast<size_t>(net.input.elements()));
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
  const test::CliRun fixed = test::cli("export b0 --resolution 64 --fixed-batch --onnx " + (dir / "b0-fixed.onnx").string());
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

TEST_CASE("channel_shuffle: exported as Reshape, Transpose, Reshape that ONNX Runtime computes as we do, imported back") {
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

TEST_CASE("pixel_shuffle and clamp: exported as DepthToSpace (CRD) and Clip that ONNX Runtime computes as we do, imported back as themselves") {
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

TEST_CASE("import: DepthToSpace CRD is a pixel_shuffle, DCR a channel_shuffle then one, and ONNX Runtime computes both as we do") {
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

TEST_CASE("import: a Clip other than relu's and relu6's is a clamp, and inverted, NaN or tensor bounds and unknown DepthToSpace modes are named errors") {
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
  CHECK(error_of([&] { import_onnx_bytes(clip(2, 1), "m.onnx"); }) == "m.onnx: node \"y\" (Clip): min 2.0 is not below max 1.0");
  CHECK(error_of([&] { import_onnx_bytes(clip(1, 1), "m.onnx"); }) == "m.onnx: node \"y\" (Clip): min 1.0 is not below max 1.0");
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
  CHECK(error_of([&] { import_onnx_bytes(graph("Div", true, 0), "m.onnx"); }) == "m.onnx: node \"y\" (Div): a division by 0");
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
      {x, ChannelShuffle{3}},
      {x, PRelu{false}},
      {x, PRelu{true}},
      {x, Affine{0.5, 0}},
      {x, Affine{1, -3}},
      {ShapeNhwc{1, 5, 3, 12}, PixelShuffle{2}},
      {x, Clamp{-1, 1}},
      {x, Clamp{-std::numeric_limits<double>::infinity(), 0.5}},
      {x, Clamp{-0.5, std::numeric_limits<double>::infinity()}},
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

// Inputs to the activation cross its bends: the conv's outputs of seeded weights spread over about ±3.
TEST_CASE("every activation after a conv: export, import back as itself with its alpha, and ONNX Runtime computes it as we do") {
  const auto dir = temp_dir();
  for (const auto& [function, name] : activation_names) {
    if (function == Activation::none) continue;
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

TEST_CASE("export says which weights it wrote: a seed as \"seed N\", a file by its path") {
  const auto dir = temp_dir();
  const std::string onnx = (dir / "m.onnx").string();
  const auto out = [&](const std::string& args) {
    const std::string file = (dir / "out.txt").string();
    REQUIRE(std::system((std::string(CPX_CLI) + " export mobilenetv1-1.0 --resolution 32 --onnx " + onnx + " " + args + " >" + file).c_str()) == 0);
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
  std::rotate(g.mutable_node()->rbegin(), g.mutable_node()->rbegin() + 1, g.mutable_node()->rend());  // first, as PyTorch puts it
  REQUIRE(g.node(0).op_type() == "Identity");
  std::string bytes;
  m.SerializeToString(&bytes);
  const Network imported = profiler::import_onnx_bytes(bytes, "dedup.onnx");
  CHECK(count(imported).total.macs == count(net).total.macs);
  CHECK(count(imported).total.params == count(net).total.params);
}

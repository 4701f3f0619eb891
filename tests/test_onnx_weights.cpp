// ONNX import with the file's weights (issue 72): initializers read back bit-exact, Flatten before a Linear
// reordered, the weights file a network JSON names, and `check` against ONNX Runtime.
#include "onnx_testing.hpp"
#include "processes.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::onnx_testing;
namespace fs = std::filesystem;

namespace {

// Ops of `net` with weights that `back` (an import of its export) does not give back bit for bit under the
// name (import names ops after the nodes, which export names after our ops, "stem.conv" as "stem.conv/conv").
std::vector<std::string> not_given_back(const Network& net, const NetworkWeights& w, const ImportedModel& back) {
  std::vector<std::string> out;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    if (w[i].weight.empty() && w[i].bias.empty()) continue;
    const std::string& n = net.ops[i].name;
    size_t j = 0;
    while (j < back.net.ops.size() && back.net.ops[j].name != n && back.net.ops[j].name.rfind(n + "/", 0) != 0) ++j;
    if (j >= back.net.ops.size() || back.weights[j].weight != w[i].weight || back.weights[j].bias != w[i].bias)
      out.push_back(net.ops[i].name);
  }
  return out;
}

// Ops whose weights differ between `a` and `b` (bit for bit), by name.
std::vector<std::string> differing(const Network& net, const NetworkWeights& a, const NetworkWeights& b) {
  std::vector<std::string> out;
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (a.at(i).weight != b.at(i).weight || a.at(i).bias != b.at(i).bias) out.push_back(net.ops[i].name);
  return out;
}

onnx::TensorProto& initializer(onnx::GraphProto& g, const std::string& name, const std::vector<int64_t>& dims,
                               uint64_t seed) {
  auto& t = *g.add_initializer();
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t.add_dims(d);
    n *= d;
  }
  Rng rng(seed);
  for (int64_t k = 0; k < n; ++k) t.add_float_data(rng.uniform(-0.5f, 0.5f));
  return t;
}

onnx::NodeProto& node(onnx::GraphProto& g, const std::string& type, std::vector<std::string> in,
                      const std::string& out) {
  auto& n = *g.add_node();
  n.set_name(out + "_node");
  n.set_op_type(type);
  for (auto& i : in) n.add_input(i);
  n.add_output(out);
  return n;
}

void io(onnx::ValueInfoProto& v, const std::string& name, std::vector<int64_t> dims) {
  v.set_name(name);
  auto& t = *v.mutable_type()->mutable_tensor_type();
  t.set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.mutable_shape()->add_dim()->set_dim_value(d);
}

// VGG's head as PyTorch exports it: Conv(3 -> 4, 3x3, pad 1) -> Relu -> Flatten -> Gemm(4·5·6 -> 7, transB 1).
std::string flatten_before_linear() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto& g = *m.mutable_graph();
  io(*g.add_input(), "x", {1, 3, 5, 6});
  initializer(g, "w", {4, 3, 3, 3}, 1);
  initializer(g, "b", {4}, 2);
  initializer(g, "fc.w", {7, 120}, 3);
  initializer(g, "fc.b", {7}, 4);
  auto& conv = node(g, "Conv", {"x", "w", "b"}, "c");
  auto& pads = *conv.add_attribute();
  pads.set_name("pads");
  pads.set_type(onnx::AttributeProto::INTS);
  for (int k = 0; k < 4; ++k) pads.add_ints(1);
  node(g, "Relu", {"c"}, "r");
  node(g, "Flatten", {"r"}, "f");
  auto& gemm = node(g, "Gemm", {"f", "fc.w", "fc.b"}, "y");
  auto& trans = *gemm.add_attribute();
  trans.set_name("transB");
  trans.set_type(onnx::AttributeProto::INT);
  trans.set_i(1);
  io(*g.add_output(), "y", {1, 7});
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

}  // namespace

TEST_CASE("ONNX import reads every op's weights back bit-exact from our own export, zoo family by family") {
  for (const std::string& name : models) {
    INFO(name);
    const Network net = load_model(name, resolution);
    const NetworkWeights w = make_weights(net, 3);
    const ImportedModel back = import_onnx_model_bytes(export_onnx(net, w), name + ".onnx");
    CHECK(back.seeded_ops.empty());
    CHECK(not_given_back(net, w, back) == std::vector<std::string>{});
  }
}

TEST_CASE(
    "Flatten of C x H x W before a Linear imports as the Linear with NCHW columns reordered, as ONNX Runtime computes "
    "it") {
  const fs::path dir = temp_dir();
  const std::string bytes = flatten_before_linear();
  std::ofstream(dir / "flatten.onnx", std::ios::binary) << bytes;
  const ImportedModel m = import_onnx_model((dir / "flatten.onnx").string());
  REQUIRE(m.net.ops.size() == 3);  // conv (relu fused), reshape (a view), fully_connected
  CHECK(m.net.ops[1].as<Reshape>());
  const std::vector<float> input = make_input(m.net.input, 5);
  const std::vector<float> ort = run_ort(dir / "flatten.onnx", nhwc_to_nchw(input, m.net.input), 1, dir);
  const std::vector<float> ours = run_ours(m.net, m.weights, input.data());
  REQUIRE(ours.size() == ort.size());
  CHECK(relative_l2(ours.data(), ort) < 1e-6);
  // Without the reorder the columns would read the wrong pixels: a check that can fail.
  NetworkWeights unordered = m.weights;
  const onnx::TensorProto* fc = nullptr;
  onnx::ModelProto proto;
  REQUIRE(proto.ParseFromString(bytes));
  for (const auto& t : proto.graph().initializer())
    if (t.name() == "fc.w") fc = &t;
  REQUIRE(fc);
  unordered[2].weight.assign(fc->float_data().begin(), fc->float_data().end());
  CHECK(relative_l2(run_ours(m.net, unordered, input.data()).data(), ort) > 1e-2);
}

TEST_CASE(
    "an initializer of a type the import does not decode fails by name where it is used, and is harmless unused") {
  onnx::ModelProto proto;
  REQUIRE(proto.ParseFromString(flatten_before_linear()));
  auto& g = *proto.mutable_graph();
  // Unused, an INT8 initializer is left alone (found by the fuzzer: used, it read as an empty tensor).
  auto& spare = *g.add_initializer();
  spare.set_name("spare");
  spare.set_data_type(onnx::TensorProto::INT8);
  spare.add_dims(2);
  spare.set_raw_data(std::string(2, '\1'));
  std::string bytes;
  proto.SerializeToString(&bytes);
  CHECK(import_onnx_model_bytes(bytes, "m.onnx").net.ops.size() == 3);
  for (auto& t : *g.mutable_initializer())
    if (t.name() == "w") {
      t.set_data_type(onnx::TensorProto::INT8);
      t.clear_float_data();
      t.set_raw_data(std::string(4 * 3 * 3 * 3, '\1'));
    }
  proto.SerializeToString(&bytes);
  CHECK_THROWS_WITH(import_onnx_model_bytes(bytes, "m.onnx"),
                    "m.onnx: initializer w has data type INT8, which the import does not read (it reads FLOAT, DOUBLE, "
                    "INT64, INT32 and BOOL)");
  // UNDEFINED (0) and a number no type has are refused alike (found by fuzz_onnx: a weight of type 0 read
  // as an empty tensor, and the conv's layout change read past it).
  for (const int type : {0, 77})
    for (auto& t : *g.mutable_initializer())
      if (t.name() == "w") {
        t.set_data_type(type);
        proto.SerializeToString(&bytes);
        CHECK_THROWS_WITH(import_onnx_model_bytes(bytes, "m.onnx"),
                          "m.onnx: initializer w has data type " + std::string(type == 0 ? "UNDEFINED" : "77") +
                              ", which the import does not read (it reads FLOAT, DOUBLE, INT64, INT32 and BOOL)");
      }
}

TEST_CASE(
    "import writes the network JSON and the weights file it names, and export of that JSON gives the same "
    "initializers") {
  const fs::path dir = temp_dir();
  const std::string first = (dir / "w-first.onnx").string(), json = (dir / "w-net.json").string(),
                    again = (dir / "w-again.onnx").string();
  REQUIRE(test::cli("export b0 --resolution 64 --weights 7 --onnx " + first).exit_code == 0);
  const test::CliRun imported = test::cli("import " + first + " --out " + json);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.find("w-net.f32") != std::string::npos);
  CHECK(read_json_file(json).at("weights") == "w-net.f32");
  const test::CliRun exported = test::cli("export " + json + " --onnx " + again);
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out.find("weights " + (dir / "w-net.f32").string()) != std::string::npos);
  const ImportedModel a = import_onnx_model(first), b = import_onnx_model(again);
  CHECK(differing(a.net, a.weights, b.weights).empty());
  CHECK(differing(a.net, a.weights, make_weights(a.net, 7)).empty());
  // An ONNX file is exported again with its own weights unless told a seed.
  REQUIRE(test::cli("export " + first + " --onnx " + again).exit_code == 0);
  CHECK(differing(a.net, import_onnx_model(again).weights, a.weights).empty());
  REQUIRE(test::cli("export " + first + " --weights 8 --onnx " + again).exit_code == 0);
  CHECK(!differing(a.net, import_onnx_model(again).weights, a.weights).empty());
}

TEST_CASE("measure uses a model file's own weights unless --seed is given") {
  const fs::path dir = temp_dir();
  const std::string file = (dir / "m-b0.onnx").string();
  REQUIRE(test::cli("export b0 --resolution 32 --weights 4 --onnx " + file).exit_code == 0);
  const test::CliRun own = test::cli("measure " + file + " --json --min-time 0.01 --min-runs 3");
  const test::CliRun seeded = test::cli("measure " + file + " --json --seed 2 --min-time 0.01 --min-runs 3");
  REQUIRE((own.exit_code == 0 || own.exit_code == 3));
  REQUIRE((seeded.exit_code == 0 || seeded.exit_code == 3));
  CHECK(Json::parse(own.out).at("weights") == "the model file's");
  CHECK(Json::parse(seeded.out).at("weights") == "seeded");
}

TEST_CASE(
    "check: ours and ONNX Runtime agree on a file with its own weights, and a tolerance below float rounding names the "
    "first op") {
  const fs::path dir = temp_dir();
  const std::string file = (dir / "c-resnet18.onnx").string();
  REQUIRE(test::cli("export resnet18 --resolution 64 --weights 5 --onnx " + file).exit_code == 0);
  const test::CliRun ok = test::cli("check " + file + " --json");
  REQUIRE(ok.exit_code == 0);
  const Json j = Json::parse(ok.out);
  CHECK(j.at("agrees") == true);
  CHECK(j.at("outputs").at(0).at("relative_error").get<double>() < 1e-4);
  const test::CliRun strict = test::cli("check " + file + " --tolerance 1e-12");
  CHECK(strict.exit_code == 1);
  CHECK(strict.out.find("DISAGREES") != std::string::npos);
  CHECK(strict.out.find("first    ") != std::string::npos);
}

TEST_CASE("a ConvTranspose whose weight names other input channels than its input has is refused by name") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 8, 4, 4});
  TestGraph::ints_attr(t.node("ConvTranspose", {"x", t.floats("w", {4, 2, 2, 2})}, "y"), "strides", {2, 2});
  TestGraph::io(*t.g.add_output(), "y", {1, 2, 8, 8});
  CHECK_THROWS_WITH(import_onnx_bytes(t.bytes(), "m.onnx"),
                    "m.onnx: node \"y\" (ConvTranspose): weight has 4 input channels but the input has 8 in 1 groups");
}

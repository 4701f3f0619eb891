// Refusals of ONNX graphs in the terms of the PyTorch code that exported them (issue 71, item 7): an op
// type the importer does not know names its PyTorch module and --skip-unknown; the constructs of Swin and
// MaxViT that do not import yet, and a parameter expanded to the batch other than ViT's class token, are named
// as their code writes them. And --skip-unknown is one option
// of every command that reads a network, each saying what it skipped and that its totals exclude it.
#include <catch2/catch.hpp>

#include <onnx/onnx_pb.h>

#include <filesystem>

#include "documents.hpp"
#include "error_of.hpp"
#include "explorer/option_checks.hpp"
#include "onnx_testing.hpp"
#include "processes.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/count.hpp"
#include "space/io.hpp"

using namespace cpx;
using cpx::onnx_testing::TestGraph;

namespace {

// The command line's and Python's wording of an import's refusal.
std::pair<std::string, std::string> refusal_of(const std::string& bytes) {
  try {
    profiler::import_onnx_bytes(bytes, "m.onnx");
  } catch (const AdvisedError& e) {
    return {explorer::cli_message(e), explorer::python_message(e)};
  } catch (const InputError& e) { return {e.what(), e.what()}; }
  return {"(no error)", "(no error)"};
}

// x (1x6x4x4) -> 1x1 Conv -> `type` -> y: a network with one node the importer does not know after work it does.
std::string conv_then(const std::string& type) {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
  t.node("Conv", {"x", t.floats("w", {6, 6, 1, 1})}, "c");
  t.node(type, {"c"}, "y");
  TestGraph::io(*t.g.add_output(), "y", {1, 6, 4, 4});
  return t.bytes();
}

}  // namespace

TEST_CASE(
    "an ONNX op type the importer does not know names its PyTorch module and --skip-unknown, in each front end's "
    "spelling",
    "[onnx]") {
  const auto [cli, python] = refusal_of(test::model_with_node("Selu"));
  CHECK(cli ==
        "m.onnx: node \"the_Selu\" (Selu): PyTorch's nn.SELU (ONNX Selu) is not supported yet; --skip-unknown passes "
        "such a "
        "node's input on instead (listed; every total excludes it)");
  CHECK(python ==
        "m.onnx: node \"the_Selu\" (Selu): PyTorch's nn.SELU (ONNX Selu) is not supported yet; skip_unknown passes "
        "such a "
        "node's input on instead (listed; every total excludes it)");
  CHECK(refusal_of(test::model_with_node("LSTM"))
            .first.find("PyTorch's nn.LSTM (ONNX LSTM) is not supported yet; --skip-unknown") != std::string::npos);
  // A type without a PyTorch name in the table is named as ONNX's.
  CHECK(refusal_of(test::model_with_node("MysteryOp"))
            .first.find("(MysteryOp): ONNX operator MysteryOp is not supported yet; --skip-unknown") !=
        std::string::npos);
}

TEST_CASE(
    "Swin's roll without its window partition, an expanded parameter that is no class token and MaxViT's window "
    "partition are refused by name",
    "[onnx]") {
  SECTION("Swin: a torch.roll of the channels-last map that no window partition reads") {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
    TestGraph::ints_attr(t.node("Transpose", {"x"}, "nhwc"), "perm", {0, 2, 3, 1});
    t.node("Slice", {"nhwc", t.ints("a_starts", {1}), t.ints("a_ends", {4}), t.ints("a_axes", {1})},
           "/features.1/attn/Slice");
    t.node("Slice", {"nhwc", t.ints("b_starts", {0}), t.ints("b_ends", {1}), t.ints("b_axes", {1})},
           "/features.1/attn/Slice_1");
    TestGraph::int_attr(t.node("Concat", {"/features.1/attn/Slice", "/features.1/attn/Slice_1"}, "rolled"), "axis", 1);
    TestGraph::ints_attr(t.node("Transpose", {"rolled"}, "y"), "perm", {0, 3, 1, 2});
    TestGraph::io(*t.g.add_output(), "y", {1, 6, 4, 4});
    CHECK(refusal_of(t.bytes()).first ==
          "m.onnx: node \"/features.1/attn/Slice\" (Slice): a torch.roll of the channels-last map (Swin's shifted "
          "windows) is "
          "supported only before its window partition");
  }
  SECTION(
      "a parameter expanded to the batch and concatenated to a map's channels, not before tokens as ViT's class "
      "token") {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
    t.node("Expand", {t.floats("class_token", {1, 6, 1, 1}), t.ints("batch", {1, 6, 1, 1})}, "/Expand");
    TestGraph::int_attr(t.node("Concat", {"/Expand", "x"}, "y"), "axis", 1);
    TestGraph::io(*t.g.add_output(), "y", {1, 12, 4, 4});
    CHECK(refusal_of(t.bytes()).first ==
          "m.onnx: node \"y\" (Concat): a parameter expanded to the batch (Tensor.expand) is supported only as learned "
          "tokens "
          "concatenated before the tokens N x HW x C (ViT's class token), not as input 0 here");
  }
  SECTION("a Reshape of N x C x H x W to 6-D windows that MaxViT's partition does not follow") {
    TestGraph t;
    TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
    t.node("Reshape", {"x", t.ints("windows", {1, 6, 2, 2, 2, 2})}, "/partition/Reshape");
    TestGraph::io(*t.g.add_output(), "/partition/Reshape", {1, 6, 2, 2, 2, 2});
    CHECK(refusal_of(t.bytes()).first ==
          "m.onnx: node \"/partition/Reshape\" (Reshape): a Reshape of N x C x H x W to 6-D is supported only as "
          "MaxViT's window or "
          "grid partition (then Transpose(0, 2, 4, 3, 5, 1) and a Reshape to N x windows x tokens x C)");
  }
}

TEST_CASE(
    "the --skip-unknown option belongs to every command that reads a network, and each says what it skipped and that "
    "totals exclude it",
    "[onnx][cli]") {
  const auto dir = std::filesystem::temp_directory_path() / ("cpx_skip_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string in = (dir / "selu.onnx").string();
  write_file_atomic(in, conv_then("Selu"));
  const std::string said =
      "--skip-unknown: 1 ONNX node(s) the importer does not know passed their input on, not counted: every total "
      "(MACs, params, time) excludes them: y (Selu)";
  const int64_t conv_macs = 6 * 6 * 16;
  // Without the switch, each command refuses naming the op's PyTorch module.
  for (const std::string& command :
       {"count " + in, "predict " + in + " --device pi5", "import " + in + " --out " + (dir / "x.json").string()}) {
    INFO(command);
    const test::CliRun r = test::cli(command);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("PyTorch's nn.SELU (ONNX Selu) is not supported yet; --skip-unknown passes") != std::string::npos);
  }
  // With it, the JSON of each lists the node and says so among its warnings; the text says it too.
  for (const std::string& command :
       {"count " + in + " --skip-unknown", "predict " + in + " --device pi5 --skip-unknown",
        "measure " + in + " --skip-unknown --min-time 0 --min-runs 1",
        "advise " + in + " --device pi5 --skip-unknown --evaluations 20"}) {
    INFO(command);
    const test::CliRun json = test::cli(command + " --json");
    REQUIRE((json.exit_code == 0 || json.exit_code == 3));  // 3: measure on a busy machine
    const Json j = Json::parse(json.out);
    CHECK(j["skipped_onnx_nodes"] == Json::array({"y (Selu)"}));
    CHECK(j["warnings"].dump().find(said) != std::string::npos);
    const test::CliRun text = test::cli(command);
    CHECK(text.out.find("warning: " + said) != std::string::npos);
  }
  CHECK(Json::parse(test::cli("count " + in + " --skip-unknown --json").out)["macs"] == conv_macs);
  // expand writes the network on stdout, so it says it on stderr; export and import after what they wrote.
  const test::CliRun expand = test::cli("expand " + in + " --skip-unknown");
  CHECK(expand.exit_code == 0);
  CHECK(expand.err.find(said) != std::string::npos);
  CHECK(count(load_model_json(Json::parse(expand.out), "expanded")).total.macs == conv_macs);
  const test::CliRun exported = test::cli("export " + in + " --skip-unknown --onnx " + (dir / "again.onnx").string());
  CHECK(exported.exit_code == 0);
  CHECK(exported.out.find("warning: " + said) != std::string::npos);
  const test::CliRun imported = test::cli("import " + in + " --skip-unknown --out " + (dir / "selu.json").string());
  CHECK(imported.exit_code == 0);
  CHECK(imported.out.find("warning: " + said) != std::string::npos);
  CHECK(count(load_model((dir / "selu.json").string())).total.macs == conv_macs);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a torch.einsum other than a batched matrix product is refused naming its equation", "[onnx][maxvit]") {
  TestGraph t;
  TestGraph::io(*t.g.add_input(), "x", {1, 6, 4, 4});
  auto& a = *t.node("Einsum", {"x", "x"}, "y").add_attribute();
  a.set_name("equation");
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s("nchw,nchw->nc");
  TestGraph::io(*t.g.add_output(), "y", {1, 6});
  CHECK(refusal_of(t.bytes()).first ==
        "m.onnx: node \"y\" (Einsum): torch.einsum \"nchw,nchw->nc\" is supported only as a batched matrix product "
        "(...ik,...kj->...ij or ...ik,...jk->...ij)");
}

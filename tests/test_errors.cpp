// Bad input: one line naming the file, field path and value; exit code 2 from the CLI; never a crash.
#include <catch2/catch.hpp>

#include "error_of.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "processes.hpp"
#include "space/zoo.hpp"

using namespace cpx;

namespace {

// b0's expanded JSON with one edit applied.
Json b0_with(const std::function<void(Json&)>& edit) {
  Json j = to_json(find_zoo("b0")->build(0));
  edit(j);
  return j;
}

std::string load_error(const Json& j) {
  return error_of([&] { read_network(j, "net.json"); });
}
std::string macro_error(const Json& j) {
  return error_of([&] { expand(read_macro(j, "macro.json"), "macro.json"); });
}

Json b0_macro() { return to_json(*find_zoo("b0")->macro); }

using Run = test::CliRun;
using test::cli;

std::string temp_file(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << content;
  return p.string();
}

}  // namespace

TEST_CASE("channels not divisible by groups name the op, the field and the value") {
  const auto msg = load_error(b0_with([](Json& j) { j["ops"][1]["groups"] = 3; }));
  CHECK(msg == "net.json: ops[1].groups = 3: does not divide out_channels 64");
  const auto in = load_error(b0_with([](Json& j) {
    j["ops"][1]["groups"] = 4;
    j["ops"][0]["out_channels"] = 6;
  }));
  CHECK(in == "net.json: ops[1].groups = 4: does not divide 6 input channels");
  const auto macro = macro_error([] {
    Json m = b0_macro();
    m["stages"][3]["block"]["local_groups"] = 3;
    return m;
  }());
  CHECK(macro == "macro.json: stages[3].block.groups = 3: does not divide the 128 input channels");
}

TEST_CASE("negative, zero and absurd sizes are range errors") {
  CHECK(load_error(b0_with([](Json& j) { j["ops"][0]["out_channels"] = -4; })) ==
        "net.json: ops[0].out_channels = -4: out of range [1, 65536]");
  CHECK(load_error(b0_with([](Json& j) { j["ops"][0]["kernel"] = 0; })) ==
        "net.json: ops[0].kernel = 0: expected an integer in [1, 64]");
  CHECK(load_error(b0_with([](Json& j) { j["input_nhwc"][1] = 0; })) ==
        "net.json: input_nhwc[1] = 0: expected an integer in [1, 16384]");
  CHECK(load_error(b0_with([](Json& j) { j["input_nhwc"][2] = 1e12; })) ==
        "net.json: input_nhwc[2] = 1000000000000.0: expected an integer in [1, 16384]");
  CHECK(load_error(b0_with([](Json& j) { j["ops"][0]["out_channels"] = 9999999; })) ==
        "net.json: ops[0].out_channels = 9999999: out of range [1, 65536]");
  CHECK(macro_error([] {
          Json m = b0_macro();
          m["resolution"] = 1000000;
          return m;
        }()) == "macro.json: resolution = 1000000: out of range [1, 16384]");
  // Every tensor within limits, but the whole too large to allocate.
  CHECK(macro_error([] {
          Json m = b0_macro();
          m["resolution"] = 16384;
          m["stem"]["width"] = 60000;
          return m;
        }())
            .find("macro.json: stem: output 1x8192x8192x60000 has more than") == 0);
}

TEST_CASE("shapes that do not fit are errors at the op that cannot be applied") {
  // At 16x16 the stage-4 input is 1x1: the attention's 2x2/s1 conv still fits with its padding, but the
  // stage-3 2x2/s2 token downsampling of a 1x1 map does not.
  CHECK(error_of([] { load_model("b0", 16); }) ==
        "b0: stages[3].block.kernel = [2,2]: does not fit the padded 1x1 input");
  CHECK(load_error(b0_with([](Json& j) { j["ops"][5]["inputs"] = {"input"}; })) ==
        "net.json: ops[5].groups = 2: does not divide 3 input channels");
  const auto mismatch = load_error(b0_with([](Json& j) {
    j["ops"][15]["inputs"] = {"s3.b0.attn.proj", "s3.down.conv2"};
  }));
  CHECK(mismatch ==
        "net.json: ops[15]: inputs are 1x7x7x128 and 1x14x14x128: they must match, or inputs[1] must be 1x1x1x128");
}

TEST_CASE("unknown names are errors that list what is known") {
  CHECK(load_error(b0_with([](Json& j) {
          j["ops"][3]["op"] = "conv3d";
        })).find("net.json: ops[3].op = \"conv3d\": unknown op (known: conv2d, fully_connected,") == 0);
  CHECK(load_error(b0_with([](Json& j) {
          j["ops"][0]["activation"] = "swish";
        })).find("net.json: ops[0].activation = \"swish\": unknown activation (known: none, relu,") == 0);
  CHECK(load_error(b0_with([](Json& j) { j["ops"][4]["inputs"] = {"nowhere"}; })) ==
        "net.json: ops[4] = \"nowhere\": input is not the network input or an earlier op");
  CHECK(load_error(b0_with([](Json& j) { j["ops"][4]["group"] = 2; })) == "net.json: ops[4].group = 2: unknown field");
  CHECK(load_error(b0_with([](Json& j) { j["ops"][4]["name"] = "stem.conv"; })) ==
        "net.json: ops[4] = \"stem.conv\": duplicate op name");
  CHECK(load_error(b0_with([](Json& j) { j["schema"] = "cpubone-explore/network/v9"; })) ==
        "net.json: schema = \"cpubone-explore/network/v9\": expected \"cpubone-explore/network/v1\": a file of another "
        "version; "
        "regenerate it with `cpubone-explore expand <model>`");
  CHECK(macro_error([] {
          Json m = b0_macro();
          m["stages"][1]["down"]["type"] = "fusedmbconv";
          return m;
        }())
            .find("macro.json: stages[1].down.type = \"fusedmbconv\": unknown block type") == 0);
  CHECK(error_of([] { load_model("b9"); }).find("b9: not a zoo model and not a file; did you mean b0, b1, b2, b3") ==
        0);
}

TEST_CASE("the CLI reports bad input on one line with exit code 2") {
  const std::string malformed = temp_file("cpx_malformed.json", "{\"schema\": \"cpubone-explore/network/v1\", ");
  const std::string not_divisible =
      temp_file("cpx_groups.json", b0_with([](Json& j) { j["ops"][1]["groups"] = 3; }).dump());
  const std::map<std::string, std::string> cases{
      {"count " + malformed, malformed + ": malformed JSON: parse error at line 1"},
      {"count " + not_divisible, not_divisible + ": ops[1].groups = 3: does not divide out_channels 64"},
      {"count b9", "b9: not a zoo model"},
      {"count /nonexistent/net.json", "/nonexistent/net.json: cannot open file"},
      {"count b0 --resolution -3", "--resolution = -3: out of range"},
      {"count b0 --resolution 8", "b0: stages[3].block.kernel = [2,2]: does not fit the padded 1x1 input"},
      {"count", "model is required"},
      {"zoo --family nosuch", "--family = \"nosuch\": no zoo model has this family"},
      {"frobnicate", "unknown command \"frobnicate\" (commands: zoo, count, expand"},
  };
  for (const auto& [args, expected] : cases) {
    INFO(args);
    const Run r = cli(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  std::filesystem::remove(malformed);
  std::filesystem::remove(not_divisible);
}

TEST_CASE("expand --out writes nothing when the input is bad") {
  const auto target = std::filesystem::temp_directory_path() / ("cpx_expand_" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(target);
  CHECK(cli("expand b0 --resolution 8 --out " + target.string()).exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(target));
  CHECK(cli("expand b0 --out " + target.string()).exit_code == 0);
  CHECK(read_network(read_json_file(target.string()), target.string()).name == "b0");
  std::filesystem::remove(target);
}

TEST_CASE("the CLI prints b0's exact counts as JSON") {
  const Run r = cli("count b0 --json");
  REQUIRE(r.exit_code == 0);
  const Json j = Json::parse(r.out);
  CHECK(j["model"] == "b0");
  CHECK(j["resolution"] == 224);
  CHECK(j["params"] == 10'357'368);
  CHECK(j["params_inference"] == 10'348'488);
  CHECK(j["macs"] == 519'710'080);
  const Json layers = Json::parse(cli("count b0 --json --layers").out)["layers"];
  REQUIRE(layers.size() > 100);
  for (const char* key :
       {"name", "op", "in_nhwc", "out_nhwc", "kernel", "stride", "groups", "padding", "params", "macs", "bytes"})
    CHECK(layers[0].contains(key));
  CHECK(cli("count b0 --help").exit_code == 0);
}

// Ops built without the JSON readers (the ONNX importer builds them directly; fuzzing found a zero stride
// dividing by zero in shape inference) still get range errors, not undefined behaviour.
TEST_CASE("a window built without the readers is range-checked in shape inference") {
  auto infer = [](const Conv2d& c) {
    return error_of([&] {
      NetworkBuilder b("direct", "test", {1, 8, 8, 4}, Where("direct.onnx"));
      b.add("conv", {std::string(input_tensor)}, c);
    });
  };
  Conv2d c;
  c.out_channels = 4;
  c.kernel = {3, 3};
  CHECK(infer(c) == "(no error)");
  Conv2d zero_stride = c;
  zero_stride.stride = {0, 1};
  CHECK(infer(zero_stride).find("stride") != std::string::npos);
  Conv2d huge_padding = c;
  huge_padding.padding = {1, 1, int64_t{1} << 62, 1};
  CHECK(infer(huge_padding).find("padding") != std::string::npos);
  Conv2d zero_groups = c;
  zero_groups.groups = 0;
  CHECK(infer(zero_groups).find("groups") != std::string::npos);
}

TEST_CASE("predict says what a zoo network leaves out of its original, in text and JSON") {
  const Run text = cli("predict cyclemlp-b1 --device a72");
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("not included: CycleFC's deformable-conv gather") != std::string::npos);
  const Run json = cli("predict cyclemlp-b1 --device a72 --json");
  REQUIRE(json.exit_code == 0);
  CHECK(Json::parse(json.out)["unmodelled_work"] == find_zoo("cyclemlp-b1")->unmodelled_work);
  const Run plain = cli("predict poolformer-s12 --device a72 --json");
  REQUIRE(plain.exit_code == 0);
  CHECK_FALSE(Json::parse(plain.out).contains("unmodelled_work"));
}

// The bad-input table (bad_inputs.hpp): each row a hostile input and the field its error must name. It has
// no test case of its own; test_bad_inputs.cpp runs every row.
#include <filesystem>
#include <functional>

#include "bad_inputs.hpp"
#include "documents.hpp"
#include "space/zoo.hpp"

using namespace cpx;

namespace {

using Edit = std::function<void(Json&)>;

// A document with an edit applied. A string field "@RAW:text@" is written as the raw JSON `text`, which
// is how numbers nlohmann cannot emit (1e999) get into a file.
std::string edited(Json j, const Edit& edit) {
  edit(j);
  std::string s = j.dump();
  for (size_t p; (p = s.find("\"@RAW:")) != std::string::npos;) {
    const size_t end = s.find("@\"", p);
    s = s.substr(0, p) + s.substr(p + 6, end - p - 6) + s.substr(end + 2);
  }
  return s;
}

Json raw(const std::string& text) { return "@RAW:" + text + "@"; }

const Json& b0_network() {
  static const Json j = to_json(find_zoo("b0")->build(0));
  return j;
}
const Json& b0_macro() {
  static const Json j = to_json(*find_zoo("b0")->macro);
  return j;
}
using test::shipped_predictor;
using test::small_profile;
const Json& small_validation() {
  static const Json j = test::small_validation();
  return j;
}

std::string net(const Edit& e) { return edited(b0_network(), e); }
std::string macro(const Edit& e) { return edited(b0_macro(), e); }
std::string profile(const Edit& e) { return edited(small_profile(), e); }
std::string predictor_doc(const Edit& e) { return edited(shipped_predictor(), e); }
std::string validation(const Edit& e) { return edited(small_validation(), e); }
// A class of the shipped host model that is a quadratic with residual trees (which class that is follows
// the fit: each class keeps the kind with the lower held-out error).
const std::string& quadratic_class() {
  static const std::string name = [] {
    for (const auto& [c, m] : shipped_predictor()["classes"].items())
      // The tree rows below corrupt the first tree's root, which must be a split for its links to be read.
      if (m.contains("theta") && m.contains("residual_trees") && !m["residual_trees"].empty() &&
          m["residual_trees"][0]["feature"][0] >= 0)
        return c;
    throw std::logic_error("the shipped pi5 host model has no quadratic class whose first residual tree splits");
  }();
  return name;
}

// Turns a shipped quadratic model into a roofline one (constant efficiency) without its "ceilings".
void roofline_without_ceilings(Json& j) {
  Json& c = j["classes"][quadratic_class()];
  Json theta = {{"bias", 0.0}}, zero = Json::object();
  for (const auto& [name, range] : c["feature_range"].items()) theta[name] = zero[name] = 0.0;
  c.erase("theta");
  c.erase("residual_trees");
  c["kind"] = "roofline";
  c["efficiency_theta"] = theta;
  c["feature_mean"] = zero;
  c["feature_scale"] = zero;
}
// A channel_shuffle in the place of `op` (B0's ops[1] reads the stem's 16 channels).
Json shuffle(const Json& op, int64_t groups) {
  return {{"name", op["name"]}, {"op", "channel_shuffle"}, {"inputs", op["inputs"]}, {"groups", groups}};
}
// An activation op in the place of `op`, with an alpha.
Json activation_op(const Json& op, const std::string& function, const Json& alpha) {
  return {
      {"name", op["name"]}, {"op", "activation"}, {"inputs", op["inputs"]}, {"function", function}, {"alpha", alpha}};
}
// A 3x3 stride-1 avg_pool (same shape) inserted as ops[1], between B0's stem and the op that read it,
// with `count_include_pad` as given.
void insert_avg_pool(Json& j, const Json& count_include_pad) {
  Json& ops = j["ops"];
  const Json pool = {{"name", "pool"},
                     {"op", "avg_pool"},
                     {"inputs", ops[1]["inputs"]},
                     {"kernel", 3},
                     {"stride", 1},
                     {"padding", 1},
                     {"count_include_pad", count_include_pad}};
  ops[1]["inputs"] = {"pool"};
  ops.insert(ops.begin() + 1, pool);
}
Json& conv0(Json& profile) { return profile["configs"][0]; }
Json& layer0(Json& profile) { return profile["configs"][0]["layers"][0]; }

const std::string good_csv = "model,latency_ms\nb0,20.5\nb1,31.0\nb2,45.2\nnano,12.0\n";
// The user's own timings name their runtime and threads (required).
const std::string csv_cmd =
    "calibrate --device pi5 --published {in} --runtime 'ONNX Runtime 1.17' --threads 4 --out {out}";
const std::string csv_cmd_threads_column =
    "calibrate --device pi5 --published {in} --runtime 'ONNX Runtime 1.17' --out {out}";
const std::string job_cmd = "--device pi5 --evaluations 50 --out {out}";
// A hardware description (the Raspberry Pi 4 spec sheet) with an edit, calibrated zero-shot.
std::string spec_sheet(const Edit& edit) {
  return edited(read_json_file((std::filesystem::path(CPX_SOURCE_DIR) / "predictor/devices/specs/pi4.json").string()),
                edit);
}
// The shipped Raspberry Pi 5 device file (a calibrated device) with an edit.
std::string pi5_device(const Edit& edit) {
  return edited(read_json_file((std::filesystem::path(CPX_SOURCE_DIR) / "predictor/devices/pi5.json").string()), edit);
}
const std::string zero_shot_cmd = "calibrate --device mine --hardware {in} --zero-shot --host-from pi5 --out {out}";
std::string space_with(const std::string& dims) {
  return R"({"schema": "cpubone-explore/search-space/v1", "dimensions": {)" + dims + "}}";
}
const std::string predict_cmd = "predict b0 --device bad";
const std::string predictor_file = "devices/bad.predictor.json";
const std::string rescore_cmd = "validate --rescore {in}";

}  // namespace

std::vector<BadInput> bad_inputs() {
  const std::string qc = "classes." + quadratic_class();
  const std::string deep(100000, '[');
  return {
      // Expanded network JSON (count, measure and predict load it the same way).
      {"network truncated", "count {in}", R"({"schema": "cpubone-explore/network/v1", "ops": [)", "malformed JSON"},
      {"network empty file", "count {in}", "", "malformed JSON"},
      {"network invalid utf8", "count {in}", "{\"schema\": \"cpubone-explore/network/v1\", \"name\": \"\xff\xfe\"}",
       "malformed JSON"},
      {"network 100000 nested arrays", "count {in}", deep + std::string(100000, ']'),
       "JSON nested deeper than 100 levels"},
      {"network deeply nested field", "count {in}",
       net([&](Json& j) { j["ops"][0]["kernel"] = raw(deep.substr(0, 1000) + std::string(1000, ']')); }),
       "JSON nested deeper"},
      {"network top level array", "count {in}", "[1, 2, 3]", "schema = null"},
      {"network schema v9", "count {in}", net([](Json& j) { j["schema"] = "cpubone-explore/network/v9"; }),
       "schema = \"cpubone-explore/network/v9\""},
      {"network schema number", "count {in}", net([](Json& j) { j["schema"] = 1; }), "schema = 1"},
      {"network ops missing", "count {in}", net([](Json& j) { j.erase("ops"); }), "ops: missing required field"},
      {"network ops not array", "count {in}", net([](Json& j) { j["ops"] = 5; }), "ops = 5"},
      {"network ops empty", "count {in}", net([](Json& j) { j["ops"] = Json::array(); }), "at least one op"},
      {"network op not object", "count {in}", net([](Json& j) { j["ops"][0] = "conv"; }), "ops[0] = \"conv\""},
      {"network unknown op", "count {in}", net([](Json& j) { j["ops"][3]["op"] = "conv3d"; }),
       "ops[3].op = \"conv3d\""},
      {"network unknown activation", "count {in}", net([](Json& j) { j["ops"][0]["activation"] = "swish"; }),
       "ops[0].activation = \"swish\""},
      {"network conv activation with an alpha", "count {in}",
       net([](Json& j) { j["ops"][0]["activation"] = "leaky_relu"; }),
       "ops[0].activation = \"leaky_relu\": takes an alpha"},
      {"network activation alpha it does not take", "count {in}",
       net([](Json& j) { j["ops"][1] = activation_op(j["ops"][1], "tanh", 0.1); }),
       "ops[1].alpha = 0.1: only leaky_relu and elu"},
      {"network elu alpha zero", "count {in}", net([](Json& j) { j["ops"][1] = activation_op(j["ops"][1], "elu", 0); }),
       "ops[1].alpha = 0"},
      {"network leaky_relu alpha a string", "count {in}",
       net([](Json& j) { j["ops"][1] = activation_op(j["ops"][1], "leaky_relu", "0.1"); }),
       "ops[1].alpha = \"0.1\": expected a number"},
      {"network prelu shared a string", "count {in}", net([](Json& j) {
         j["ops"][1] = {
             {"name", j["ops"][1]["name"]}, {"op", "prelu"}, {"inputs", j["ops"][1]["inputs"]}, {"shared", "yes"}};
       }),
       "ops[1].shared = \"yes\": expected true or false"},
      {"network affine scale a string", "count {in}", net([](Json& j) {
         j["ops"][1] = {
             {"name", j["ops"][1]["name"]}, {"op", "affine"}, {"inputs", j["ops"][1]["inputs"]}, {"scale", "2"}};
       }),
       "ops[1].scale = \"2\": expected a number"},
      {"network pixel_shuffle upscale 1", "count {in}", net([](Json& j) {
         j["ops"][1] = {
             {"name", j["ops"][1]["name"]}, {"op", "pixel_shuffle"}, {"inputs", j["ops"][1]["inputs"]}, {"upscale", 1}};
       }),
       "ops[1].upscale = 1: out of range [2, 64]"},
      {"network pixel_shuffle upscale whose square does not divide", "count {in}", net([](Json& j) {
         j["ops"][1] = {
             {"name", j["ops"][1]["name"]}, {"op", "pixel_shuffle"}, {"inputs", j["ops"][1]["inputs"]}, {"upscale", 3}};
       }),
       "ops[1].upscale = 3: its square 9 does not divide 16 input channels"},
      {"network clamp min above max", "count {in}", net([](Json& j) {
         j["ops"][1] = {{"name", j["ops"][1]["name"]},
                        {"op", "clamp"},
                        {"inputs", j["ops"][1]["inputs"]},
                        {"min", 1},
                        {"max", 0.5}};
       }),
       "ops[1].min = 1.0: not below max 0.5"},
      {"network clamp min equal to max", "count {in}", net([](Json& j) {
         j["ops"][1] = {
             {"name", j["ops"][1]["name"]}, {"op", "clamp"}, {"inputs", j["ops"][1]["inputs"]}, {"min", 2}, {"max", 2}};
       }),
       "ops[1].min = 2.0: not below max 2.0"},
      {"network clamp without bounds", "count {in}", net([](Json& j) {
         j["ops"][1] = {
             {"name", j["ops"][1]["name"]}, {"op", "clamp"}, {"inputs", j["ops"][1]["inputs"]}, {"max", nullptr}};
       }),
       "ops[1]: a clamp needs a min, a max or both"},
      {"network clamp min a string", "count {in}", net([](Json& j) {
         j["ops"][1] = {
             {"name", j["ops"][1]["name"]}, {"op", "clamp"}, {"inputs", j["ops"][1]["inputs"]}, {"min", "0"}};
       }),
       "ops[1].min = \"0\": expected a number"},
      {"network unknown field", "count {in}", net([](Json& j) { j["ops"][4]["group"] = 2; }), "ops[4].group = 2"},
      {"network groups do not divide", "count {in}", net([](Json& j) { j["ops"][1]["groups"] = 3; }),
       "ops[1].groups = 3"},
      {"network groups zero", "count {in}", net([](Json& j) { j["ops"][1]["groups"] = 0; }), "ops[1].groups = 0"},
      {"network channel_shuffle groups do not divide", "count {in}",
       net([](Json& j) { j["ops"][1] = shuffle(j["ops"][1], 3); }), "ops[1].groups = 3"},
      {"network channel_shuffle one group", "count {in}", net([](Json& j) { j["ops"][1] = shuffle(j["ops"][1], 1); }),
       "ops[1].groups = 1"},
      {"network avg_pool count_include_pad as 0", "count {in}", net([](Json& j) { insert_avg_pool(j, 0); }),
       "ops[1].count_include_pad = 0"},
      {"network avg_pool count_include_pad as string", "count {in}", net([](Json& j) { insert_avg_pool(j, "false"); }),
       "ops[1].count_include_pad = \"false\""},
      {"network negative channels", "count {in}", net([](Json& j) { j["ops"][0]["out_channels"] = -4; }),
       "ops[0].out_channels = -4"},
      {"network absurd channels", "count {in}", net([](Json& j) { j["ops"][0]["out_channels"] = 9999999; }),
       "ops[0].out_channels = 9999999"},
      {"network fractional channels", "count {in}", net([](Json& j) { j["ops"][0]["out_channels"] = 3.5; }),
       "ops[0].out_channels = 3.5"},
      {"network channels as string", "count {in}", net([](Json& j) { j["ops"][0]["out_channels"] = "16"; }),
       "ops[0].out_channels = \"16\""},
      {"network channels past int64", "count {in}",
       net([](Json& j) { j["ops"][0]["out_channels"] = raw("18446744073709551616"); }), "ops[0].out_channels"},
      {"network kernel zero", "count {in}", net([](Json& j) { j["ops"][0]["kernel"] = 0; }), "ops[0].kernel = 0"},
      {"network kernel three values", "count {in}", net([](Json& j) {
         j["ops"][0]["kernel"] = {3, 3, 3};
       }),
       "ops[0].kernel = [3,3,3]"},
      {"network kernel larger than input", "count {in}", net([](Json& j) {
         j["input_nhwc"] = {1, 8, 8, 3};
         j["ops"][0]["kernel"] = 33;
       }),
       "ops[0].kernel = [33,33]"},
      {"network stride zero", "count {in}", net([](Json& j) { j["ops"][0]["stride"] = 0; }), "ops[0].stride = 0"},
      {"network negative padding", "count {in}", net([](Json& j) {
         j["ops"][0]["padding"] = {-1, 1, 1, 1};
       }),
       "ops[0].padding"},
      {"network dilation zero", "count {in}", net([](Json& j) { j["ops"][0]["dilation"] = 0; }), "ops[0].dilation = 0"},
      {"network dilation absurd", "count {in}", net([](Json& j) {
         j["ops"][0]["dilation"] = {2, 1000};
       }),
       "ops[0].dilation[1] = 1000"},
      {"network dilated window past the image", "count {in}", net([](Json& j) {
         j["input_nhwc"] = {1, 8, 8, 3};
         j["ops"][0]["dilation"] = 9;
       }),
       "ops[0].kernel = [3,3]"},
      {"network bias not boolean", "count {in}", net([](Json& j) { j["ops"][0]["bias"] = "yes"; }),
       "ops[0].bias = \"yes\""},
      {"network infinite eps", "count {in}", net([](Json& j) { j["ops"][7]["eps"] = raw("1e999"); }), "ops[7].eps"},
      {"network negative eps", "count {in}", net([](Json& j) { j["ops"][7]["eps"] = -1; }), "ops[7].eps = -1"},
      {"network infinite matmul scale", "count {in}", net([](Json& j) { j["ops"][10]["scale"] = raw("-1e999"); }),
       "ops[10].scale"},
      {"network matmul slice past channels", "count {in}", net([](Json& j) { j["ops"][10]["b"]["offset"] = 100000; }),
       "ops[10]"},
      {"network input zero height", "count {in}", net([](Json& j) { j["input_nhwc"][1] = 0; }), "input_nhwc[1] = 0"},
      {"network input absurd width", "count {in}", net([](Json& j) { j["input_nhwc"][2] = 1e12; }),
       "input_nhwc[2] = 1000000000000.0"},
      {"network input absurd batch", "count {in}", net([](Json& j) { j["input_nhwc"][0] = 100000; }),
       "input_nhwc[0] = 100000"},
      {"network input three dims", "count {in}", net([](Json& j) {
         j["input_nhwc"] = {1, 224, 224};
       }),
       "input_nhwc = [1,224,224]"},
      {"network dangling input", "count {in}", net([](Json& j) { j["ops"][4]["inputs"] = {"nowhere"}; }),
       "ops[4] = \"nowhere\""},
      {"network input from later op", "count {in}", net([](Json& j) { j["ops"][1]["inputs"] = {"s2.down.conv1"}; }),
       "ops[1] = \"s2.down.conv1\""},
      {"network duplicate op name", "count {in}", net([](Json& j) { j["ops"][4]["name"] = "stem.conv"; }),
       "ops[4] = \"stem.conv\": duplicate op name"},
      {"network op named input", "count {in}", net([](Json& j) { j["ops"][0]["name"] = "input"; }),
       "ops[0] = \"input\""},
      {"network empty op name", "count {in}", net([](Json& j) { j["ops"][0]["name"] = ""; }), "ops[0] = \"\""},
      {"network too many inputs", "count {in}", net([](Json& j) {
         j["ops"][1]["inputs"] = {"stem.conv", "stem.conv"};
       }),
       "ops[1] = [\"stem.conv\",\"stem.conv\"]"},
      {"network mismatched add", "count {in}", net([](Json& j) {
         j["ops"][15]["inputs"] = {"s3.b0.attn.proj", "s3.down.conv2"};
       }),
       "ops[15]: inputs are 1x7x7x128 and 1x14x14x128"},
      {"network dangling output", "count {in}", net([](Json& j) { j["output"] = "nowhere"; }), "output"},
      {"network over the memory limit", "count {in}", net([](Json& j) {
         j["input_nhwc"] = {1, 8192, 8192, 64};
         j["ops"][0]["out_channels"] = 64;
         j["ops"][0]["stride"] = 1;
       }),
       "ops[0]: the network needs more than 32 GiB"},
      {"network measure with bad groups", "measure {in} --min-time 0", net([](Json& j) { j["ops"][1]["groups"] = 3; }),
       "ops[1].groups = 3"},
      {"network predict with bad groups", "predict {in} --device pi5", net([](Json& j) { j["ops"][1]["groups"] = 3; }),
       "ops[1].groups = 3"},
      {"network expand with bad kernel", "expand {in} --out {out}", net([](Json& j) { j["ops"][0]["kernel"] = 0; }),
       "ops[0].kernel = 0"},

      // Macro network JSON.
      {"macro resolution absurd", "count {in}", macro([](Json& j) { j["resolution"] = 1000000; }),
       "resolution = 1000000"},
      {"macro resolution too small", "count {in}", macro([](Json& j) { j["resolution"] = 8; }),
       "stages[3].block.kernel = [2,2]"},
      {"macro groups do not divide", "count {in}", macro([](Json& j) { j["stages"][3]["block"]["local_groups"] = 3; }),
       "stages[3].block.groups = 3"},
      {"macro unknown block type", "count {in}", macro([](Json& j) { j["stages"][1]["down"]["type"] = "fusedmbconv"; }),
       "stages[1].down.type = \"fusedmbconv\""},
      {"macro whole network too large", "count {in}", macro([](Json& j) {
         j["resolution"] = 16384;
         j["stem"]["width"] = 60000;
       }),
       "stem"},
      {"macro stem width zero", "count {in}", macro([](Json& j) { j["stem"]["width"] = 0; }), "stem.width = 0"},
      {"macro stem missing", "count {in}", macro([](Json& j) { j.erase("stem"); }), "stem: missing required field"},
      {"macro stages not array", "count {in}", macro([](Json& j) { j["stages"] = Json::object(); }), "stages = {}"},
      {"macro negative depth", "count {in}", macro([](Json& j) { j["stages"][2]["depth"] = -1; }),
       "stages[2].depth = -1"},
      {"macro absurd depth", "count {in}", macro([](Json& j) { j["stages"][2]["depth"] = 100000; }),
       "stages[2].depth = 100000"},
      {"macro infinite expansion", "count {in}",
       macro([](Json& j) { j["stages"][1]["down"]["expansion"] = raw("1e999"); }), "stages[1].down.expansion"},
      {"macro head widths one value", "count {in}", macro([](Json& j) { j["head"]["widths"] = {1024}; }),
       "head.widths = [1024]"},
      {"macro unknown top field", "count {in}", macro([](Json& j) { j["resolutoin"] = 224; }), "resolutoin = 224"},
      {"macro batch absurd", "count {in}", macro([](Json& j) { j["batch"] = 5000; }), "batch = 5000"},

      // Device profiles (rules, fit and --resume read them).
      {"profile truncated", "rules --profile {in}", profile([](Json&) {}).substr(0, 200), "malformed JSON"},
      {"profile top level array", "rules --profile {in}", "[]", "(top level) = []"},
      {"profile wrong schema", "rules --profile {in}",
       profile([](Json& j) { j["schema"] = "cpubone-explore/device-profile/v0"; }),
       "schema = \"cpubone-explore/device-profile/v0\""},
      {"profile peaks missing", "rules --profile {in}", profile([](Json& j) { j.erase("peaks"); }),
       "peaks: missing required field"},
      {"profile infinite peak", "rules --profile {in}",
       profile([](Json& j) { j["peaks"][0]["peak_macps"] = raw("1e999"); }), "peaks[0].peak_macps"},
      {"profile peak threads zero", "rules --profile {in}", profile([](Json& j) { j["peaks"][0]["threads"] = 0; }),
       "peaks[0].threads = 0"},
      {"profile complete not boolean", "rules --profile {in}", profile([](Json& j) { j["complete"] = "yes"; }),
       "complete = \"yes\""},
      {"profile configs not array", "rules --profile {in}", profile([](Json& j) { j["configs"] = 3; }), "configs = 3"},
      {"profile config not object", "rules --profile {in}", profile([](Json& j) { conv0(j) = 3; }), "configs[0] = 3"},
      {"profile bytes as string", "rules --profile {in}", profile([](Json& j) { conv0(j)["bytes"] = "many"; }),
       "configs[0].bytes = \"many\""},
      {"profile negative median", "rules --profile {in}",
       profile([](Json& j) { conv0(j)["timing"]["stats_us"]["median"] = -5; }),
       "configs[0].timing.stats_us.median = -5"},
      {"profile infinite median", "rules --profile {in}",
       profile([](Json& j) { conv0(j)["timing"]["stats_us"]["median"] = raw("1e999"); }),
       "configs[0].timing.stats_us.median"},
      {"profile median missing", "rules --profile {in}", profile([](Json& j) { conv0(j)["timing"] = Json::object(); }),
       "configs[0].timing.stats_us: missing required field"},
      {"profile macs as string", "rules --profile {in}", profile([](Json& j) { conv0(j)["macs"] = "many"; }),
       "configs[0].macs = \"many\""},
      {"profile unknown variant", "rules --profile {in}", profile([](Json& j) { conv0(j)["variant"] = "hyperconv"; }),
       "configs[0].variant = \"hyperconv\""},
      {"profile threads zero", "rules --profile {in}", profile([](Json& j) { conv0(j)["threads"] = 0; }),
       "configs[0].threads = 0"},
      {"profile coverage one round", "rules --profile {in}", profile([](Json& j) {
         j["coverage"] = {{"rounds", {Json::object()}}};
       }),
       "coverage.rounds = [{}]: expected two rounds"},
      {"profile coverage negative spent", "profile --quick --threads 1 --budget 5 --resume --out {in}",
       profile([](Json& j) {
         const Json round = {{"budget_s", 1.0}, {"spent_s", -1.0}, {"measured", 0}};
         j["coverage"] = {{"rounds", {round, round}}};
       }),
       "coverage.rounds[0].spent_s = -1"},
      {"profile duplicate id", "rules --profile {in}", profile([](Json& j) { j["zoo"][0]["id"] = conv0(j)["id"]; }),
       "zoo[0].id = \"conv_k3_g1_c32_r56_s1_t1\": duplicate"},
      {"profile zoo model missing", "rules --profile {in}", profile([](Json& j) { j["zoo"][0].erase("model"); }),
       "zoo[0].model: missing required field"},
      {"profile layers missing", "rules --profile {in}", profile([](Json& j) { conv0(j).erase("layers"); }),
       "configs[0].layers: missing required field"},
      {"profile layer shape three dims", "fit --device t --profile {in}", profile([](Json& j) {
         layer0(j)["out_nhwc"] = {1, 56, 56};
       }),
       "configs[0].layers[0].out_nhwc = [1,56,56]"},
      {"profile layer negative dim", "fit --device t --profile {in}",
       profile([](Json& j) { layer0(j)["in_nhwc"][0][3] = -32; }), "configs[0].layers[0].in_nhwc[0][3] = -32"},
      {"profile layer no inputs", "fit --device t --profile {in}",
       profile([](Json& j) { layer0(j)["in_nhwc"] = Json::array(); }), "configs[0].layers[0].in_nhwc = []"},
      {"profile layer inputs not names", "fit --device t --profile {in}",
       profile([](Json& j) { layer0(j)["inputs"] = {7}; }),
       "configs[0].layers[0].inputs[0] = 7: expected a tensor name"},
      {"profile layer inputs too few", "fit --device t --profile {in}",
       profile([](Json& j) { layer0(j)["inputs"] = Json::array(); }),
       "configs[0].layers[0].inputs = []: expected one tensor name per in_nhwc shape"},
      {"profile layer unknown op", "fit --device t --profile {in}",
       profile([](Json& j) { layer0(j)["op"] = "conv9d"; }), "configs[0].layers[0].attrs.op = \"conv9d\""},
      {"profile layer bad groups", "fit --device t --profile {in}",
       profile([](Json& j) { layer0(j)["attrs"]["groups"] = 5; }), "configs[0].layers[0].attrs.groups = 5"},
      {"profile resume with other options", "profile --quick --threads 1 --budget 5 --resume --out {in}",
       profile([](Json& j) {
         j["options"]["threads"] = {1, 2};
       }),
       "\"threads\":[1,2]"},
      {"profile resume without cold caches", "profile --quick --threads 1 --budget 5 --resume --out {in}",
       profile([](Json& j) { j["options"].erase("cold_caches"); }), "options.cold_caches: missing required field"},
      {"profile resume with other warm twins", "profile --quick --threads 1 --budget 5 --resume --out {in}",
       profile([](Json&) {}), "\"warm_twins\":[\"activation\",\"slice\",\"channel_shuffle\",\"concat\"]"},
      {"profile warm twins not kinds", "fit --device t --profile {in}", profile([](Json& j) {
         j["options"]["cold_caches"]["warm_twins"] = {"slice", 3};
       }),
       "options.cold_caches.warm_twins[1] = 3: expected an op kind"},
      {"profile warm twins unknown kind", "rules --profile {in}",
       profile([](Json& j) { j["options"]["cold_caches"]["warm_twins"] = {"conv9d"}; }),
       "options.cold_caches.warm_twins[0] = \"conv9d\": unknown op kind"},

      // Predictor files (predict, validate and calibrate read them from the device cache).
      {"predictor truncated", predict_cmd, predictor_doc([](Json&) {}).substr(0, 300), "malformed JSON",
       predictor_file},
      {"predictor wrong schema", predict_cmd,
       predictor_doc([](Json& j) { j["schema"] = "cpubone-explore/predictor/v9"; }),
       "schema = \"cpubone-explore/predictor/v9\"", predictor_file},
      {"predictor old schema", predict_cmd,
       predictor_doc([](Json& j) { j["schema"] = "cpubone-explore/predictor/v2"; }),
       "expected \"cpubone-explore/predictor/v4\"", predictor_file},
      {"predictor tree cycle", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["residual_trees"][0]["left"][0] = 0; }),
       qc + ".residual_trees[0].left[0] = 0: expected a later node index", predictor_file},
      {"predictor tree feature", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["residual_trees"][0]["feature"][0] = 99; }),
       "residual_trees[0].feature[0] = 99", predictor_file},
      {"predictor tree short", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["residual_trees"][0]["right"] = Json::array(); }),
       "residual_trees[0].right: expected an array as long as", predictor_file},
      {"predictor network scale zero", predict_cmd, predictor_doc([](Json& j) {
         j["network_scale"] = {{"1", 0}};
       }),
       "network_scale.1 = 0: out of range", predictor_file},
      {"predictor warm weights share", predict_cmd, predictor_doc([](Json& j) {
         j["warm_weights"] = {{"1", {{"network_bytes_below", 6e7}, {"us_per_weight_byte", 3e-5}, {"max_share", 1.5}}}};
       }),
       "warm_weights.1.max_share = 1.5: out of range", predictor_file},
      {"predictor warm weights without rate", predict_cmd, predictor_doc([](Json& j) {
         j["warm_weights"] = {{"1", {{"network_bytes_below", 6e7}, {"max_share", 0.6}}}};
       }),
       "warm_weights.1.us_per_weight_byte: missing required field", predictor_file},
      {"predictor interval reversed", predict_cmd, predictor_doc([](Json& j) {
         j["interval"] = {
             {"level", 0.8},
             {"method", "m"},
             {"by_threads", {{"1", {{"error_low", 0.2}, {"error_high", 0.1}, {"networks", 40}, {"coverage", 0.8}}}}}};
       }),
       "interval.by_threads.1.error_low = 0.2: is above error_high", predictor_file},
      {"predictor interval thread count", predict_cmd, predictor_doc([](Json& j) {
         j["interval"] = {{"level", 0.8}, {"method", "m"}, {"by_threads", {{"x", Json::object()}}}};
       }),
       "interval.by_threads.x = \"x\": expected a thread count", predictor_file},
      {"predictor device missing", predict_cmd, predictor_doc([](Json& j) { j.erase("device"); }),
       "device: missing required field", predictor_file},
      {"predictor infinite theta", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["theta"]["bias"] = raw("1e999"); }),
       qc + ".theta.bias", predictor_file},
      {"predictor theta as string", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["theta"]["bias"] = "x"; }),
       qc + ".theta.bias = \"x\"", predictor_file},
      {"predictor theta missing feature", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["theta"].erase("log_work"); }),
       qc + ".theta.log_work: missing", predictor_file},
      {"predictor unknown class", predict_cmd,
       predictor_doc([](Json& j) { j["classes"]["conv_hyper"] = j["classes"][quadratic_class()]; }),
       "classes.conv_hyper", predictor_file},
      {"predictor reversed range", predict_cmd, predictor_doc([](Json& j) {
         j["classes"][quadratic_class()]["feature_range"]["log_work"] = {10, 1};
       }),
       qc + ".feature_range.log_work = [10,1]", predictor_file},
      {"predictor infinite range", predict_cmd, predictor_doc([](Json& j) {
         j["classes"][quadratic_class()]["feature_range"]["log_work"] = {1, raw("1e999")};
       }),
       qc + ".feature_range.log_work", predictor_file},
      {"predictor roofline without ceilings", predict_cmd, predictor_doc(roofline_without_ceilings),
       qc + ".ceilings: missing required field", predictor_file},
      {"predictor roofline unknown kind", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["kind"] = "cubic"; }), qc + ".kind = \"cubic\"",
       predictor_file},
      {"predictor scale zero", predict_cmd,
       predictor_doc([](Json& j) { j["classes"][quadratic_class()]["scale"] = 0; }), qc + ".scale = 0", predictor_file},
      {"predictor overhead threads word", predict_cmd, predictor_doc([](Json& j) {
         j["network_overhead_us"] = {{"one", 5.0}};
       }),
       "network_overhead_us.one", predictor_file},
      {"predictor overhead as string", predict_cmd, predictor_doc([](Json& j) {
         j["network_overhead_us"] = {{"1", "5"}};
       }),
       "network_overhead_us.1 = \"5\"", predictor_file},
      {"predictor zoo families not names", predict_cmd, predictor_doc([](Json& j) {
         j["provenance"]["zoo_families_fitted"] = {"ResNet", 3};
       }),
       "provenance.zoo_families_fitted = [\"ResNet\",3]", predictor_file},
      {"predictor provenance profile number", predict_cmd, predictor_doc([](Json& j) {
         j["provenance"] = {{"profile", 3}};
       }),
       "provenance.profile = 3", predictor_file},
      {"predictor unknown field", predict_cmd, predictor_doc([](Json& j) { j["clases"] = Json::object(); }),
       "clases = {}", predictor_file},

      // Validation files (validate --rescore): the measurements must be of the networks rebuilt from the file's seeds.
      {"validation truncated", rescore_cmd, validation([](Json&) {}).substr(0, 200), "malformed JSON"},
      {"validation wrong schema", rescore_cmd,
       validation([](Json& j) { j["schema"] = "cpubone-explore/validation/v2"; }),
       "schema = \"cpubone-explore/validation/v2\""},
      {"validation of a device", rescore_cmd, validation([](Json& j) { j["device"] = "pi5"; }), "device = \"pi5\""},
      {"validation threads zero", rescore_cmd, validation([](Json& j) { j["threads"] = 0; }), "threads = 0"},
      {"validation seeds reach training", rescore_cmd, validation([](Json& j) {
         j["seed"] = 999999;
         j["sampled_networks"] = 2;
       }),
       "seed = 999999"},
      {"validation network renamed", rescore_cmd, validation([](Json& j) { j["rows"][3]["network"] = "b9"; }),
       "rows[3].network = \"b9\""},
      {"validation network changed", rescore_cmd, validation([](Json& j) { j["rows"][0]["macs"] = 5; }),
       "rows[0].macs = 5"},
      {"validation row missing", rescore_cmd, validation([](Json& j) { j["rows"].erase(j["rows"].size() - 1); }),
       "rows = "},
      {"validation round time zero", rescore_cmd,
       validation([](Json& j) { j["rows"][2]["measured_round_medians_us"][1] = 0; }),
       "rows[2].measured_round_medians_us[1] = 0"},
      {"validation round times empty", rescore_cmd,
       validation([](Json& j) { j["rows"][2]["measured_round_medians_us"] = Json::array(); }),
       "rows[2].measured_round_medians_us = []"},
      {"validation op times short", rescore_cmd, validation([](Json& j) { j["rows"][1]["ops_measured_us"] = {10.0}; }),
       "rows[1].ops_measured_us = 1"},
      {"validation op time word", rescore_cmd, validation([](Json& j) { j["rows"][1]["ops_measured_us"][0] = "fast"; }),
       "rows[1].ops_measured_us[0] = \"fast\""},
      {"validation environment not an object", rescore_cmd, validation([](Json& j) { j["environment"] = "x86"; }),
       "environment = \"x86\""},
      {"validation reference missing", rescore_cmd,
       validation([](Json& j) { j["machine_noise"].erase("reference_us"); }), "machine_noise.reference_us: missing"},
      {"option validate rescore and measure", "validate --rescore in.json --threads 2", "", "--threads"},

      // Published-latency CSVs (calibrate).
      {"csv empty", csv_cmd, "", "empty CSV", "in.csv"},
      {"csv no model column", csv_cmd, "name,latency_ms\nb0,20\n", "header = \"model\"", "in.csv"},
      {"csv no latency column", csv_cmd, "model,ms\nb0,20\n", "header = \"latency_ms\"", "in.csv"},
      {"csv named column missing", "calibrate --device pi5 --published {in} --column rpi5_ms --out {out}", good_csv,
       "header = \"rpi5_ms\"", "in.csv"},
      {"csv latency word", csv_cmd, "model,latency_ms\nb0,fast\n", "row 2.latency_ms = \"fast\"", "in.csv"},
      {"csv latency trailing text", csv_cmd, "model,latency_ms\nb0,20ms\n", "row 2.latency_ms = \"20ms\"", "in.csv"},
      {"csv latency negative", csv_cmd, "model,latency_ms\nb0,-3\n", "row 2.latency_ms = -3", "in.csv"},
      {"csv latency zero", csv_cmd, "model,latency_ms\nb0,0\n", "row 2.latency_ms = 0", "in.csv"},
      {"csv latency nan", csv_cmd, "model,latency_ms\nb0,nan\n", "row 2.latency_ms = nan", "in.csv"},
      {"csv latency inf", csv_cmd, "model,latency_ms\nb0,inf\n", "row 2.latency_ms = inf", "in.csv"},
      {"csv latency overflow", csv_cmd, "model,latency_ms\nb0,1e999\n", "row 2.latency_ms = \"1e999\"", "in.csv"},
      {"csv unknown model", csv_cmd, "model,latency_ms\nresnet9000,20\n", "row 2.model = \"resnet9000\"", "in.csv"},
      {"csv duplicate model", csv_cmd, "model,latency_ms\nb0,20\nb1,30\nb0,25\n", "row 4.model = \"b0\": duplicate",
       "in.csv"},
      {"csv extra field", csv_cmd, "model,latency_ms\nb0,20,7\n", "row 2 has 3 fields", "in.csv"},
      {"csv latency empty", csv_cmd, "model,latency_ms\nb0,\nb1,30\n", "row 2.latency_ms = \"\": not a number",
       "in.csv"},
      {"csv network file missing", csv_cmd, "model,latency_ms\nb0,20\nnets/missing.json,30\n",
       "row 3.model = \"nets/missing.json\": no such zoo model or file", "in.csv"},
      {"csv network file not json", csv_cmd, "model,latency_ms\nin.csv,20\n", "row 2.model = \"in.csv\"", "in.csv"},
      {"csv network onnx not a model", csv_cmd, "model,latency_ms\nin.onnx,20\n",
       "row 2.model = \"in.onnx\": ", "in.onnx"},
      {"csv threads mixed", csv_cmd, "model,latency_ms,threads\nb0,20,1\nb1,30,4\n",
       "row 3.threads = 4: every row of one device", "in.csv"},
      {"csv threads not whole", csv_cmd, "model,latency_ms,threads\nb0,20,two\n",
       "row 2.threads = \"two\": not a number", "in.csv"},
      {"csv threads beyond the hardware", csv_cmd_threads_column,
       "model,latency_ms,threads\nb0,20,8\nb1,30,8\nb2,40,8\n",
       "threads column = 8: the hardware description of pi5 has 4 cores", "in.csv"},
      {"csv threads disagree with the option", csv_cmd, "model,latency_ms,threads\nb0,20,2\nb1,30,2\nb2,40,2\n",
       "--threads = 4: ", "in.csv"},
      {"csv runtime missing", "calibrate --device pi5 --published {in} --threads 4 --out {out}", good_csv,
       "--runtime: required with your own timings", "in.csv"},
      {"csv threads missing", csv_cmd_threads_column, good_csv, "--threads: required with your own timings", "in.csv"},
      {"csv threads zero", "calibrate --device pi5 --published {in} --runtime ORT --threads 0 --out {out}", good_csv,
       "--threads = 0: out of range", "in.csv"},
      // Timings no hardware could produce: a CSV in seconds under latency_ms, a row faster than the peak.
      {"csv latencies in seconds", csv_cmd, "model,latency_ms\nb0,0.0242\nb1,0.0335\nresnet50,0.209\n",
       "row 2.latency_ms = 0.0242: b0 in 0.0242 ms would run its", "in.csv"},
      {"csv a row faster than the device's peak", csv_cmd, "model,latency_ms\nb0,24.2\nresnet50,9\nb2,60.3\n",
       "row 3.latency_ms = 9: resnet50 in 9 ms would run its", "in.csv"},
      {"option calibrate method unknown", "calibrate --device pi5 --published published.csv --method magic", "",
       "--method"},
      {"csv unterminated quote", csv_cmd, "model,latency_ms\n\"b0,20\n", "row 2 has 1 fields", "in.csv"},
      // Spec sheets (calibrate --hardware FILE --zero-shot): a field missing, a figure no core has, a figure without
      // its source.
      {"hardware spec field missing", zero_shot_cmd, spec_sheet([](Json& j) { j.erase("dram_bytes_per_s"); }),
       "dram_bytes_per_s: missing"},
      {"hardware spec ghz impossible", zero_shot_cmd, spec_sheet([](Json& j) { j["cores"][0]["ghz"]["value"] = 40; }),
       "cores[0].ghz.value = 40"},
      {"hardware spec source empty", zero_shot_cmd, spec_sheet([](Json& j) { j["l2_kib"]["source"] = ""; }),
       "l2_kib.source"},
      {"hardware spec core field missing", zero_shot_cmd, spec_sheet([](Json& j) { j["cores"][0].erase("fma_pipes"); }),
       "cores[0].fma_pipes: missing"},
      {"hardware spec lanes fractional", zero_shot_cmd,
       spec_sheet([](Json& j) { j["cores"][0]["fp32_lanes"]["value"] = 4.5; }),
       "cores[0].fp32_lanes.value = 4.5: expected an integer"},
      {"hardware spec pipes zero", zero_shot_cmd, spec_sheet([](Json& j) { j["cores"][0]["fma_pipes"]["value"] = 0; }),
       "cores[0].fma_pipes.value = 0"},
      {"hardware spec bandwidth impossible", zero_shot_cmd,
       spec_sheet([](Json& j) { j["dram_bytes_per_s"]["value"] = 12.8; }), "dram_bytes_per_s.value = 12.8"},
      {"hardware spec runtime class unknown", zero_shot_cmd,
       spec_sheet([](Json& j) { j["runtime_class"]["value"] = "ncnn"; }),
       "runtime_class.value = \"ncnn\": not a runtime class a calibrated device ran: one of onnxruntime, tflite or "
       "pytorch"},
      {"hardware spec runtime class missing", zero_shot_cmd, spec_sheet([](Json& j) { j.erase("runtime_class"); }),
       "runtime_class: missing"},
      {"option runtime class unknown",
       "calibrate --device mine --hardware pi5 --zero-shot --runtime-class ncnn --host-from pi5 --out {out}", "",
       "--runtime-class = \"ncnn\": not one of onnxruntime, tflite, pytorch"},
      {"hardware spec cores against threads", zero_shot_cmd, spec_sheet([](Json& j) { j["threads"]["value"] = 2; }),
       "cores = 4: counts 4 cores, threads.value is 2"},
      {"option zero-shot with a method",
       "calibrate --device mine --hardware pi5 --zero-shot --method host_scale --host-from pi5 --out {out}", "",
       "--zero-shot: "},
      {"option calibrate without timings", "calibrate --device mine --hardware pi5 --host-from pi5 --out {out}", "",
       "--published: required"},

      // Search-space JSON, accuracy CSVs and options of the main job (nothing may be written to {out}).
      {"space wrong schema", job_cmd + " --space {in}", R"({"schema": "x", "dimensions": {}})", "schema = \"x\""},
      {"space malformed", job_cmd + " --space {in}", R"({"schema": )", "in.json"},
      {"space unknown dimension", job_cmd + " --space {in}", space_with(R"("stages[9].width": [8])"),
       "dimensions.stages[9].width"},
      {"space values not a list", job_cmd + " --space {in}", space_with(R"("resolution": 224)"),
       "dimensions.resolution = 224"},
      {"space empty list", job_cmd + " --space {in}", space_with(R"("resolution": [])"), "dimensions.resolution = []"},
      {"space duplicate value", job_cmd + " --space {in}", space_with(R"("stages[1].groups": [2, 2])"),
       "dimensions.stages[1].groups[1] = 2"},
      {"space groups zero", job_cmd + " --space {in}", space_with(R"("stages[3].local_groups": [0])"),
       "dimensions.stages[3].local_groups[0] = 0"},
      {"space absurd resolution", job_cmd + " --space {in}", space_with(R"("resolution": [1000000])"),
       "dimensions.resolution[0] = 1000000"},
      {"space fractional width", job_cmd + " --space {in}", space_with(R"("stages[2].width": [64.5])"),
       "dimensions.stages[2].width[0] = 64.5"},
      {"space unknown block", job_cmd + " --space {in}", space_with(R"("stages[0].block": ["conv"])"),
       "dimensions.stages[0].block[0] = \"conv\""},
      {"space head not a pair", job_cmd + " --space {in}", space_with(R"("head": [[1536]])"),
       "dimensions.head[0] = [1536]"},
      {"space unknown field", job_cmd + " --space {in}",
       R"({"schema": "cpubone-explore/search-space/v1", "dimensions": {}, "dims": 1})", "dims = 1"},
      {"accuracy csv no top1", job_cmd + " --accuracy {in}", "model,acc\nb0,77\n", "header = \"top1\"", "in.csv"},
      {"accuracy csv top1 word", job_cmd + " --accuracy {in}", "model,top1\nb0,high\n", "row 2.top1 = \"high\"",
       "in.csv"},
      {"accuracy csv top1 above 100", job_cmd + " --accuracy {in}", "model,top1\nb0,177\n", "row 2.top1 = 177",
       "in.csv"},
      {"accuracy csv top1 nan", job_cmd + " --accuracy {in}", "model,top1\nb0,nan\n", "row 2.top1 = nan", "in.csv"},
      {"accuracy csv unknown model", job_cmd + " --accuracy {in}", "model,top1\nnosuch,70\n",
       "row 2.model = \"nosuch\"", "in.csv"},
      {"accuracy csv duplicate model", job_cmd + " --accuracy {in}", "model,top1\nb0,77\nb1,79\nb0,78\n",
       "row 4.model = \"b0\": duplicate (row 2", "in.csv"},
      {"job evaluations zero", "--device pi5 --evaluations 0 --out {out}", "", "--evaluations = 0"},
      {"job threads zero", job_cmd + " --threads 0", "", "--threads = 0"},
      {"job negative latency budget", job_cmd + " --max-latency -1", "", "--max-latency = -1"},
      {"job unknown accuracy", job_cmd + " --accuracy nosuch", "", "--accuracy = \"nosuch\""},
      {"job unknown layers model", job_cmd + " --layers-model nope", "", "--layers-model = \"nope\""},
      {"job unknown device", "--device nowhere --out {out}", "", "--device = \"nowhere\""},
      {"job device path missing", "--device ./nowhere.json --out {out}", "",
       "--device = \"./nowhere.json\": no such device file"},
      // Results JSON (report).
      {"results wrong schema", "report {in} --out {out}", R"({"schema": "nope"})", "schema = \"nope\""},
      {"results missing zoo", "report {in} --out {out}", R"({"schema": "cpubone-explore/results/v1"})", "in.json"},
      // Advice JSON (report): a gain of 100 % or more, as an explorer before issue 71 wrote efficientnet-b0's v1.
      {"advice gain above 100%", "report {in} --out {out}",
       R"({"schema": "cpubone-explore/advice/v1", "model": "m", "device": "pi5", "runtime": "r", "threads": 4, "vector_channels": 4,
           "macs": 1, "params": 1, "warnings": [], "interval": null,
           "suggestions": [{"gain": {"point": 0.195, "low": -0.673, "high": 1.125}}], "local_search": {"front": []}})",
       "in.json: suggestions[0].gain.high = 1.125: a gain is the share of the time saved, a finite number below 1"},
      // ONNX files (import).
      {"onnx garbage", "import {in} --out {out}", "this is not a protobuf", "in.onnx", "in.onnx"},
      // Weights that come with a model: an ONNX file's initializers, the weights file a network JSON names.
      {"onnx truncated initializer", "import {in} --out {out}", test::model_with_conv(256, 6000, 0),
       "initializer W holds 6000 values for dims of 6912", "in.onnx"},
      {"onnx truncated small initializer", "measure {in}", test::model_with_conv(4, 100, 0),
       "initializer W holds 100 values for dims of 108", "in.onnx"},
      {"onnx bias of the wrong size", "export {in} --onnx {out}", test::model_with_conv(4, 108, 5),
       "op conv (conv2d): its initializers hold 108 weights and 5 biases where it needs 108 and 4", "in.onnx"},
      {"onnx weights in an external file", "check {in}", test::model_with_conv(256, 0, 0, true),
       "initializer W keeps its data in an external file", "in.onnx"},
      {"check garbage", "check {in}", "\x08\x07not a model", "not an ONNX model", "in.onnx"},
      {"check tolerance zero", "check model.onnx --tolerance 0", "", "--tolerance = 0"},
      {"network weights file of the wrong size", "export {in} --onnx {out}",
       edited(b0_network(), [](Json& j) { j["weights"] = "in.json"; }), "in.json: holds "},
      {"network weights file missing", "measure {in}",
       edited(b0_network(), [](Json& j) { j["weights"] = "nowhere.f32"; }),
       "weights = \"nowhere.f32\": no such weights file"},
      {"network weights not a path", "export {in} --onnx {out}",
       edited(b0_network(), [](Json& j) { j["weights"] = 3; }), "weights = 3"},

      // Command-line options.
      {"option resolution negative", "count b0 --resolution -3", "", "--resolution = -3"},
      {"option resolution absurd", "count b0 --resolution 100000", "", "--resolution = 100000"},
      {"option measure threads zero", "measure b0 --threads 0", "", "--threads = 0"},
      {"option measure min time nan", "measure b0 --min-time nan", "", "--min-time = nan"},
      {"option measure min runs zero", "measure b0 --min-runs 0", "", "--min-runs = 0"},
      {"option profile threads absurd", "profile --threads 100000 --out {out}", "", "--threads = 100000"},
      {"option profile negative budget", "profile --budget -1 --out {out}", "", "--budget = -1"},
      {"option calibrate host", "calibrate --device host --published published.csv", "", "--device = \"host\""},
      {"option predict threads absurd", "predict b0 --device pi5 --threads 1000", "", "--threads = 1000"},
      {"option predict unknown device", "predict b0 --device nowhere", "",
       "--device = \"nowhere\": not a known device (known: a72, epyc-ort, host, "},

      // Device files by path (predict, the main job and Python take one wherever they take a device).
      {"device path missing", "predict b0 --device ./nowhere.json", "",
       "--device = \"./nowhere.json\": no such device file"},
      {"device path malformed", "predict b0 --device {in}", "{\"schema\": ", "malformed JSON"},
      {"device path wrong schema", "predict b0 --device {in}",
       predictor_doc([](Json& j) { j["schema"] = "cpubone-explore/predictor/v9"; }),
       "schema = \"cpubone-explore/predictor/v9\""},
      {"device path is a profile", "predict b0 --device {in}", profile([](Json&) {}),
       "schema = \"cpubone-explore/device-profile/v2\": a device profile, not a device"},

      {"option validate negative samples", "validate --samples -1", "", "--samples = -1"},
      {"option validate zero rounds", "validate --rounds 0", "", "--rounds = 0"},
      {"option validate negative ood", "validate --ood -1", "", "--ood = -1"},
      {"option profile device path", "profile --device ../x --quick", "", "--device = \"../x\""},
      {"option fit device without profile", "fit --device mypi", "", "--device = \"mypi\": no profile at"},
      {"option fit unknown zoo families", "fit --device host --zoo-families all", "",
       "--zoo-families = \"all\": expected none or half"},
      {"option fit unknown selection", "fit --device host --select largest", "",
       "--select = \"largest\": expected kfold or balanced"},
      {"option validate absurd min time", "validate --min-time 1e9", "", "--min-time = "},
      {"option unknown model", "count b99", "", "b99: not a zoo model"},
      {"option missing file", "count {in}.missing.json", "", ".missing.json: cannot open file"},
      {"option rules missing profile", "rules --profile {in}.missing.json", "", ".missing.json: cannot open file"},
      {"option expand out in missing directory", "expand b0 --out {out}/no/such/dir/b0.json", "", "cannot write"},
      {"option expand model and ood", "expand b0 --ood 7", "", "expand: give either a model or --ood SEED"},
      {"option expand neither model nor ood", "expand", "", "expand: give either a model or --ood SEED"},
      {"option unknown command", "frobnicate", "", "unknown command \"frobnicate\""},
      {"option unknown flag", "count b0 --frobnicate", "", "--frobnicate"},
      {"option num_threads is --threads", "measure b0 --num_threads 0", "", "--threads = 0: out of range"},
      {"option num_threads is --threads for predict", "predict b0 --device pi5 --num_threads 2", "",
       "--threads = 2: device pi5 predicts only at its own 4"},
      {"option threads not a number", "measure b0 --threads many", "", "--threads"},
      {"advise onnx unknown op", "advise {in} --device pi5", test::model_with_node("LSTM"),
       "node \"the_LSTM\" (LSTM): PyTorch's nn.LSTM (ONNX LSTM) is not supported yet; --skip-unknown passes",
       "in.onnx"},
      {"predict onnx unknown op names its PyTorch module", "predict {in} --device pi5", test::model_with_node("Selu"),
       "node \"the_Selu\" (Selu): PyTorch's nn.SELU (ONNX Selu) is not supported yet; --skip-unknown passes",
       "in.onnx"},
      {"count onnx skipping leaves nothing", "count {in} --skip-unknown", test::model_with_node("Selu"),
       "the graph computes nothing", "in.onnx"},
      {"option predict device in the wrong case", "predict b0 --device Pi5", "",
       "--device = \"Pi5\": not a known device; did you mean pi5? (known: "},
      {"advise onnx skipping leaves nothing", "advise {in} --device pi5 --skip-unknown", test::model_with_node("LSTM"),
       "the graph computes nothing", "in.onnx"},
      {"advise onnx symbolic height", "advise {in} --device pi5", test::model_with_node("Relu", true),
       "needs fixed channels, height and width", "in.onnx"},
      {"advise onnx garbage", "advise {in} --device pi5", "\x08\x07not a model", "not an ONNX model", "in.onnx"},
      {"advise onnx missing", "advise {in}.missing.onnx --device pi5", "", ".missing.onnx: cannot open file"},
      {"advise apply unknown id", "advise b0 --device pi5 --evaluations 50 --apply s999 --out {out}", "",
       "--apply = \"s999\": no suggestion or variant \"s999\""},
      {"advise apply without out", "advise b0 --device pi5 --apply s1", "", "--apply = \"s1\": needs --out"},
      {"advise evaluations zero", "advise b0 --device pi5 --evaluations 0", "", "--evaluations = 0"},

      // Thread counts above the CPUs this process may use (here one, by taskset): refused before measuring.
      {"threads measure above the CPUs", "measure b0 --threads 2", "",
       "--threads = 2: more than the 1 CPU this process may use (affinity mask 1 CPU", "in.json", true},
      {"threads profile above the CPUs", "profile --quick --threads 1 2 --out {out}", "",
       "--threads = 2: more than the 1 CPU", "in.json", true},
      {"threads validate above the CPUs", "validate --threads 2", "", "--threads = 2: more than the 1 CPU", "in.json",
       true},
      {"threads job on the host above the CPUs", "--device host --threads 2 --out {out}", "",
       "--threads = 2: more than the 1 CPU", "in.json", true},
      // Fields every writer has written since before the first release are required (one reader per format).
      {"device file without timed_by", "predict b0 --device {in}", pi5_device([](Json& j) { j.erase("timed_by"); }),
       "timed_by"},
      {"device file without linear", "predict b0 --device {in}", pi5_device([](Json& j) { j.erase("linear"); }),
       "linear"},
      {"device file point without family", "predict b0 --device {in}",
       pi5_device([](Json& j) { j["provenance"]["published"][0].erase("family"); }), "provenance.published[0].family"},
  };
}

// The table's documents unedited, each as the command it is given to: all must be accepted (else a row
// could fail for a reason other than its edit).
std::vector<BadInput> good_inputs() {
  return {
      {"network", "count {in}", net([](Json&) {}), ""},
      {"macro", "count {in}", macro([](Json&) {}), ""},
      {"profile rules", "rules --profile {in}", profile([](Json&) {}), ""},
      {"profile fit", "fit --device t --profile {in}", profile([](Json&) {}), ""},
      {"predictor", predict_cmd, predictor_doc([](Json&) {}), "", predictor_file},
      {"device file", "predict b0 --device {in}", predictor_doc([](Json&) {}), ""},
      {"calibrated device file", "predict b0 --device {in}", pi5_device([](Json&) {}), ""},
      {"csv", csv_cmd, good_csv, "", "in.csv"},
      {"validation", rescore_cmd, validation([](Json&) {}), ""},
      {"raw numbers", "count {in}", net([](Json& j) { j["ops"][7]["eps"] = raw("1e-5"); }), ""},
      {"network avg_pool", "count {in}", net([](Json& j) { insert_avg_pool(j, false); }), ""},
  };
}

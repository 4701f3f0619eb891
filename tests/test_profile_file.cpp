// Device profile files. Their op rows are one struct (MeasuredOp) with one writer and one reader. Versions:
// v2 named the timing objects "timing" (v1: "latency_us", the key that elsewhere is a number of
// microseconds). A v1 profile is still read, as v2, and fits to the same predictor; a profile of another
// version is refused in one line that says what writes the current one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "documents.hpp"
#include "error_of.hpp"
#include "predictor/fit.hpp"
#include "profiler/profile/profile_file.hpp"

using namespace cpx;
namespace fs = std::filesystem;

namespace {

// A v2 profile as v1 wrote it: the schema and every timing object's key.
Json as_v1(Json profile) {
  profile["schema"] = "cpubone-explore/device-profile/v1";
  auto back = [](Json& j) {
    Json renamed = Json::object();
    for (auto& [key, value] : j.items()) renamed[key == "timing" ? std::string("latency_us") : key] = value;
    j = renamed;
  };
  for (const char* section : profiler::profile_sections)
    for (auto& r : profile[section]) {
      back(r);
      if (r.contains("layers"))
        for (auto& l : r["layers"]) back(l);
    }
  return profile;
}

}  // namespace

TEST_CASE("a v1 profile is read as v2, key for key in the same order, and fits to the same predictor") {
  const Json v2 = test::small_profile();
  const Json v1 = as_v1(v2);
  REQUIRE(v1.dump().find("\"timing\"") == std::string::npos);
  REQUIRE(v1 != v2);
  const Json read = profiler::profile_from_json(v1, "old.json");
  CHECK(read.dump() == v2.dump());
  CHECK(profiler::profile_from_json(v2, "new.json").dump() == v2.dump());
  CHECK(predictor::to_json(predictor::fit(read, "p.json")).dump() == predictor::to_json(predictor::fit(v2, "p.json")).dump());
}

TEST_CASE("the committed v1 profile of the fuzz corpus still loads, as v2") {
  const fs::path path = fs::path(CPX_SOURCE_DIR) / "tests/fuzz/corpus/profile/small_profile.json";
  const Json read = profiler::load_profile(path.string());
  CHECK(read["schema"] == profiler::device_profile_schema);
  CHECK(read["configs"][0]["timing"]["stats_us"]["median"] == 2890.1);
  CHECK(read["configs"][0]["layers"][0]["timing"]["stats_us"]["median"] == 2800.0);
  CHECK(read["zoo"][0]["timing"]["stats_us"]["median"] == 51971.0);
  CHECK(read.dump().find("latency_us") == std::string::npos);
}

TEST_CASE("a v1 profile's errors name its own keys") {
  Json v1 = as_v1(test::small_profile());
  v1["configs"][0]["latency_us"]["stats_us"]["median"] = -5;
  CHECK(error_of([&] { profiler::profile_from_json(v1, "old.json"); }) ==
        "old.json: configs[0].latency_us.stats_us.median = -5: expected a finite number in [0.000000, 1000000000000.000000]");
  // A v2 profile with v1's key lacks its timing.
  Json mixed = as_v1(test::small_profile());
  mixed["schema"] = profiler::device_profile_schema;
  CHECK(error_of([&] { profiler::profile_from_json(mixed, "mixed.json"); }) == "mixed.json: configs[0].timing: missing required field");
}

TEST_CASE("a profile of another version is refused in one line naming what writes the current one") {
  for (const char* version : {"v0", "v3"}) {
    Json p = test::small_profile();
    p["schema"] = std::string("cpubone-explore/device-profile/") + version;
    CHECK(error_of([&] { profiler::profile_from_json(p, "p.json"); }) ==
          "p.json: schema = \"cpubone-explore/device-profile/" + std::string(version) +
              "\": expected \"cpubone-explore/device-profile/v2\" or \"cpubone-explore/device-profile/v1\": a file of another "
              "version; regenerate it with `cpubone-explore profile`");
  }
}

TEST_CASE("a profile op row reads back to what the sweep wrote, its keys in the documented order") {
  profiler::MeasuredOp o;
  o.row.name = "conv";
  o.row.op = "conv2d";
  o.row.conv_class = ConvClass::grouped;
  o.attrs = {{"out_channels", 8}, {"groups", 2}};
  o.row.in_nhwc = {{1, 14, 14, 8}};
  o.row.inputs = {"input"};
  o.row.out_nhwc = {1, 14, 14, 8};
  o.row.macs = 112896;
  o.row.params_inference = 296;
  o.row.bytes = 13728;
  o.implementation = "emulated: igemm AVX2 6x16";
  o.emulated = true;
  o.row.fused_into = "add";
  o.timing.stats_us.median = 12.5;
  o.timing.stats_us.count = 7;
  o.timing.wait_fraction = -1;
  o.timing.noisy = true;
  o.timing.samples_us = {12.0, 12.5, 13.0};  // the whole network's carry samples; an op's row does not
  const auto profile_row = [](const profiler::MeasuredOp& op) { return to_json(op, profiler::MeasuredOpDocument::profile); };
  const Json j = profile_row(o);
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"name", "op", "conv_class", "attrs", "in_nhwc", "inputs", "out_nhwc", "macs",
                                         "params_inference", "bytes", "implementation", "emulated", "fused_into", "timing"});
  CHECK(j["emulated"] == true);
  CHECK(j["conv_class"] == "grouped");
  CHECK_FALSE(j["timing"].contains("samples_us"));
  const profiler::MeasuredOp back = profiler::read_profile_op(j, Where("p.json", "configs[0].layers[0]"));
  CHECK(profile_row(back) == j);
  CHECK(back.median_us() == 12.5);
  CHECK(back.timing.noisy);
  CHECK(back.timing.wait_fraction == -1);
  CHECK(back.row.in_nhwc == o.row.in_nhwc);
  CHECK(back.row.out_nhwc == o.row.out_nhwc);
  // A conv's class or null; an op in its own kernel has no fused_into.
  o.row.conv_class.reset();
  o.row.fused_into.clear();
  CHECK(profile_row(o)["conv_class"].is_null());
  CHECK_FALSE(profile_row(o).contains("fused_into"));
  CHECK(profile_row(profiler::read_profile_op(profile_row(o), Where("p.json"))) == profile_row(o));
  // A class count does not know is named, as is a timing field of the wrong type.
  Json bad = j;
  bad["conv_class"] = "sparse";
  CHECK(error_of([&] { profiler::read_profile_op(bad, Where("p.json", "configs[0].layers[0]")); }) ==
        "p.json: configs[0].layers[0].conv_class = \"sparse\": expected dense, grouped, depthwise, pointwise or null");
  bad = j;
  bad["timing"]["attempts"] = "three";
  CHECK(error_of([&] { profiler::read_profile_op(bad, Where("p.json", "configs[0].layers[0]")); }) ==
        "p.json: configs[0].layers[0].timing.attempts = \"three\": expected an integer");
}

TEST_CASE("a hand-made op row needs only op, attrs, its shapes and a median, and a bad optional field is named") {
  const Json& row = test::small_profile()["configs"][0]["layers"][0];
  const profiler::MeasuredOp o = profiler::read_profile_op(row, Where("p.json"));
  CHECK(o.row.op == "conv2d");
  CHECK(o.median_us() == 2800.0);
  CHECK(o.row.inputs.empty());  // from before 2026-11-24: fit counts it as cold
  CHECK_FALSE(o.emulated);
  CHECK(o.row.fused_into.empty());
  Json bad = row;
  bad["emulated"] = "emulated: Eigen GEMM per head";  // v1 of `measure --layers` wrote the label here
  CHECK(error_of([&] { profiler::read_profile_op(bad, Where("p.json", "configs[0].layers[0]")); }) ==
        "p.json: configs[0].layers[0].emulated = \"emulated: Eigen GEMM per head\": expected true or false");
  bad = row;
  bad["inputs"] = {"input", "x"};
  CHECK(error_of([&] { profiler::read_profile_op(bad, Where("p.json", "configs[0].layers[0]")); }) ==
        "p.json: configs[0].layers[0].inputs = [\"input\",\"x\"]: expected one tensor name per in_nhwc shape");
}

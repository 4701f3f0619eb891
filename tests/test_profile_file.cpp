// Device profile files. Their op rows are one struct (MeasuredOp) with one writer and one reader, and the
// profile's records are structs (profiler::Profile) read once. One version is read, v2 (its timing objects
// "timing"); a profile of another version, v1 included, is refused in one line that says what writes the
// current one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "documents.hpp"
#include "error_of.hpp"
#include "profiler/measure/machine_speed.hpp"
#include "profiler/profile/profile_file.hpp"

using namespace cpx;
namespace fs = std::filesystem;

TEST_CASE("a profile's records read as structs, each field from its key") {
  const profiler::Profile p = profiler::read_profile(test::small_profile(), "p.json");
  CHECK(profiler::profile_from_json(test::small_profile(), "p.json").dump() == test::small_profile().dump());
  CHECK(p.device == "host");
  CHECK(p.complete);
  CHECK(p.environment ==
        Json{{"cpu", "test"}, {"igemm", false}, {"igemm_min_out_per_group", 32}, {"isa", "x86-64 SSE/AVX"}});
  REQUIRE(p[profiler::ProfileSection::configs].size() == 1);
  const profiler::ProfileRecord& c = p[profiler::ProfileSection::configs][0];
  CHECK(c.id == "conv_k3_g1_c32_r56_s1_t1");
  CHECK(c.variant == profiler::BlockVariant::conv);
  CHECK(c.kernel == 3);
  CHECK(c.groups == 1);
  CHECK(c.channels == 32);
  CHECK(c.resolution == 56);
  CHECK(c.stride == 1);
  CHECK(c.threads == 1);
  CHECK(c.macs == 28901376);
  CHECK(c.macps == 1e10);
  CHECK(c.median_us() == 2890.1);
  REQUIRE(c.layers.size() == 1);
  CHECK(c.layers[0].row.op == "conv2d");
  CHECK(c.layers[0].median_us() == 2800.0);
  REQUIRE(p[profiler::ProfileSection::zoo].size() == 1);
  CHECK(p[profiler::ProfileSection::zoo][0].model == "b0");
  CHECK(p[profiler::ProfileSection::zoo][0].layers.empty());
  CHECK(p[profiler::ProfileSection::fasternet].empty());
}

TEST_CASE("a profile's record errors name the record's field") {
  Json j = test::small_profile();
  j["configs"][0]["timing"]["stats_us"]["median"] = -5;
  CHECK(error_of([&] { profiler::read_profile(j, "p.json"); }) ==
        "p.json: configs[0].timing.stats_us.median = -5: expected a finite number in [0.000000, 1000000000000.000000]");
  j = test::small_profile();
  j["configs"][0]["variant"] = "convolution";
  CHECK(error_of([&] { profiler::read_profile(j, "p.json"); }) ==
        "p.json: configs[0].variant = \"convolution\": unknown sweep variant");
  j = test::small_profile();
  j["configs"][0]["timing"]["attempts"] = "three";
  CHECK(error_of([&] { profiler::read_profile(j, "p.json"); }) ==
        "p.json: configs[0].timing.attempts = \"three\": expected an integer");
  // v1's key for the timing object is not read.
  j = test::small_profile();
  j["zoo"][0]["latency_us"] = j["zoo"][0]["timing"];
  j["zoo"][0].erase("timing");
  CHECK(error_of([&] { profiler::read_profile(j, "p.json"); }) ==
        "p.json: zoo[0].timing: missing required field (profile again: `cpubone-explore profile`)");
}

TEST_CASE("a profile must carry what every profile run writes: one reader per format, each missing field named") {
  struct Dropped {
    const char* object;  // a JSON pointer
    const char* key;
    const char* path;  // as the error names it
  };
  for (const Dropped& d : {
           Dropped{"", "environment", "environment"},
           Dropped{"/environment", "igemm", "environment.igemm"},
           Dropped{"/environment", "igemm_min_out_per_group", "environment.igemm_min_out_per_group"},
           Dropped{"/environment", "isa", "environment.isa"},
           Dropped{"", "machine_speed", "machine_speed"},
           Dropped{"/machine_speed", "reference", "machine_speed.reference"},
           Dropped{"/options/cold_caches", "warm_twins", "options.cold_caches.warm_twins"},
           Dropped{"/peaks/0", "dram_read_bytes_per_s", "peaks[0].dram_read_bytes_per_s"},
           Dropped{"/peaks/0", "gemm_tile_rows", "peaks[0].gemm_tile_rows"},
           Dropped{"/peaks/0", "fma_peak_source", "peaks[0].fma_peak_source"},
           Dropped{"/configs/0/layers/0", "inputs", "configs[0].layers[0].inputs"},
       }) {
    Json j = test::small_profile();
    j[Json::json_pointer(d.object)].erase(d.key);
    CHECK(error_of([&] { profiler::read_profile(j, "p.json"); }) ==
          std::string("p.json: ") + d.path + ": missing required field (profile again: `cpubone-explore profile`)");
  }
  Json j = test::small_profile();
  j["machine_speed"]["reference"] = "3x3 conv, 128 channels, 28x28, warm caches";  // the reference before v2's
  CHECK_NOTHROW(profiler::read_profile(j, "p.json"));  // read; timing it again is refused, naming it
  CHECK_THAT(error_of([&] { profiler::profile_speed_reference(profiler::read_profile(j, "p.json")); }),
             Catch::Contains("machine_speed.reference = \"3x3 conv, 128 channels, 28x28, warm caches\": unknown"));
}

TEST_CASE("the committed profile of the fuzz corpus loads") {
  const fs::path path = fs::path(CPX_SOURCE_DIR) / "tests/fuzz/corpus/profile/small_profile.json";
  const Json read = profiler::load_profile(path.string());
  CHECK(read["schema"] == profiler::device_profile_schema);
  const profiler::Profile p = profiler::read_profile(read, path.string());
  CHECK(p[profiler::ProfileSection::configs][0].median_us() == 2890.1);
  CHECK(p[profiler::ProfileSection::configs][0].layers[0].median_us() == 2800.0);
  CHECK(p[profiler::ProfileSection::zoo][0].median_us() == 51971.0);
}

TEST_CASE("a profile of another version is refused in one line naming what writes the current one") {
  for (const char* version : {"v0", "v1", "v3"}) {
    Json p = test::small_profile();
    p["schema"] = std::string("cpubone-explore/device-profile/") + version;
    CHECK(error_of([&] { profiler::profile_from_json(p, "p.json"); }) ==
          "p.json: schema = \"cpubone-explore/device-profile/" + std::string(version) +
              "\": expected \"cpubone-explore/device-profile/v2\": a file of another version; regenerate it with "
              "`cpubone-explore profile`");
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
  const auto profile_row = [](const profiler::MeasuredOp& op) {
    return to_json(op, profiler::MeasuredOpDocument::profile);
  };
  const Json j = profile_row(o);
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"name", "op", "conv_class", "attrs", "in_nhwc", "inputs", "out_nhwc", "macs",
                                         "params_inference", "bytes", "implementation", "emulated", "fused_into",
                                         "timing"});
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

TEST_CASE(
    "a hand-made op row needs only op, attrs, its shapes, inputs and a median, and a bad optional field is named") {
  const Json& row = test::small_profile()["configs"][0]["layers"][0];
  const profiler::MeasuredOp o = profiler::read_profile_op(row, Where("p.json"));
  CHECK(o.row.op == "conv2d");
  CHECK(o.median_us() == 2800.0);
  CHECK(o.row.inputs == std::vector<std::string>{"input"});
  CHECK_FALSE(o.emulated);
  CHECK(o.row.fused_into.empty());
  Json bad = row;
  bad["emulated"] = "emulated: Eigen GEMM per head";  // v1 of `measure --layers` wrote the label here
  CHECK(error_of([&] { profiler::read_profile_op(bad, Where("p.json", "configs[0].layers[0]")); }) ==
        "p.json: configs[0].layers[0].emulated = \"emulated: Eigen GEMM per head\": expected true or false");
  bad = row;
  bad.erase("inputs");
  CHECK(error_of([&] { profiler::read_profile_op(bad, Where("p.json", "configs[0].layers[0]")); }) ==
        "p.json: configs[0].layers[0].inputs: missing required field (profile again: `cpubone-explore profile`)");
  bad["inputs"] = {"input", "x"};
  CHECK(error_of([&] { profiler::read_profile_op(bad, Where("p.json", "configs[0].layers[0]")); }) ==
        "p.json: configs[0].layers[0].inputs = [\"input\",\"x\"]: expected one tensor name per in_nhwc shape");
}

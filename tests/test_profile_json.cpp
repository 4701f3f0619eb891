// The device profile's one writer (to_json(Profile), profiler/profile/profile_json.cpp) against its one
// reader (read_profile): the sweep fills the struct and checkpoints it through the writer, resume reads it
// back, so a profile written, read and written again must be the same file, in the keys and order the
// sweep wrote before it filled a struct (checked here key by key).
#include <catch2/catch.hpp>

#include "documents.hpp"
#include "error_of.hpp"
#include "profiler/profile/profile_file.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {

Timing profile_json_timing(double median_us) {
  Timing t;
  t.samples_us = {median_us * 0.9, median_us, median_us * 1.1};
  t.stats_us = summarize(t.samples_us);
  t.attempts = 2;
  t.wait_fraction = 0.01;
  return t;
}

// A record as the sweep measures one: totals, timing, and (where kept) the op rows of small_profile's conv.
ProfileRecord profile_json_record(const std::string& id, bool with_layers) {
  ProfileRecord r;
  r.id = id;
  r.threads = 2;
  r.macs = 28901376;
  r.params_inference = 9216;
  r.bytes = 811008;
  r.timing = profile_json_timing(2890.5);
  r.macps = 1e10;
  r.fraction_of_peak = 0.25;
  r.additivity = 0.97;
  r.caches = Caches::cold;
  r.elapsed_s = 12.5;
  if (with_layers) r.layers = read_profile(test::small_profile(), "p.json")[ProfileSection::configs][0].layers;
  return r;
}

// Every field the sweep writes, each section with a record.
Profile profile_json_full() {
  Profile p;
  p.device = "host";
  p.options = ProfileOptions{
      true, std::vector<int64_t>{1, 2}, 60.0, uint64_t{7},
      ColdCaches{std::vector<ProfileSection>{ProfileSection::configs, ProfileSection::ops}, int64_t{67108864},
                 std::vector<std::string>{"activation", "slice", "channel_shuffle", "concat"}}};
  p.warm_twins = {"activation", "slice", "channel_shuffle", "concat"};
  p.environment = {{"cpu", "test"}, {"igemm", true}, {"igemm_min_out_per_group", 32}, {"isa", "x86-64 AVX-512F"}};
  p.definitions = "macs: multiply-adds";
  ProfilePeak peak;
  peak.threads = 2;
  peak.peak_macps = 4e10;
  peak.peak_source = "conv1x1";
  peak.fma_peak_macps = 8e10;
  peak.fma_peak_source = "AVX2 FMA";
  peak.bandwidth_bytes_per_s = 2e10;
  peak.cache_bandwidth_bytes_per_s = 1e11;
  peak.dram_read_bytes_per_s = 1.5e10;
  peak.last_level_cache_bytes = 33554432;
  peak.gemm_tile_rows = 6;
  peak.gemm_tile_cols = 16;
  peak.gemm_tile_rows_source = "xnnpack";
  peak.details = {{"conv1x1", {{"macs", 1e9}}}};
  p.peaks.push_back(peak);
  ProfileRecord config = profile_json_record("conv_k3_g1_c32_r56_s1_t2", true);
  config.variant = BlockVariant::conv;
  config.kernel = 3;
  config.groups = 1;
  config.channels = 32;
  config.resolution = 56;
  config.stride = 1;
  p[ProfileSection::configs].push_back(config);
  ProfileRecord zoo = profile_json_record("zoo_b0_t2", true);
  zoo.caches = Caches::warm;
  zoo.model = "b0";
  zoo.resolution = 224;
  p[ProfileSection::zoo].push_back(zoo);
  ProfileRecord fasternet = profile_json_record("fasternet_pconv_c64_r56_t2", false);
  fasternet.op = "pconv";
  fasternet.channels = 64;
  fasternet.resolution = 56;
  p[ProfileSection::fasternet].push_back(fasternet);
  p[ProfileSection::ops].push_back(profile_json_record("op_add_t2", true));
  ProfileRecord covered = profile_json_record("cov_t2", true);
  covered.coverage_conv = CoverageConv{3, 1, 4, 64, 128, 28, 2, Activation::hardswish, 2};
  covered.coverage_round = 2;
  covered.coverage_score = 1.75;
  p[ProfileSection::ops].push_back(covered);
  ProfileRecord sampled = profile_json_record("sampled_1000000_t2", true);
  sampled.sample_seed = 1000000;
  p[ProfileSection::networks].push_back(sampled);
  p.machine_speed = MachineSpeed{
      "mobilenetv2-1.0 (zoo), 224x224, warm caches", {{0.0, 2, 5000.0}, {30.0, 2, 5100.0}}, 0.02, false, 0};
  p.coverage =
      ProfileCoverage{7,
                      300,
                      {1e5, 2e8},
                      134217728.0,
                      {CoverageRound{1, 9.0, 8.5, 12, "space-filling"}, CoverageRound{2, 9.0, 9.25, 10, "adaptive"}}};
  p.elapsed_s = 65.5;
  p.interference = Json{{"measurements", 6}, {"noisy", 3}};
  return p;
}

std::vector<std::string> profile_json_keys(const Json& j) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  return keys;
}

}  // namespace

TEST_CASE("a profile written, read back and written again is the same file, every field read back", "[profile]") {
  const Json written = to_json(profile_json_full());
  const Profile read = read_profile(written, "p.json");
  CHECK(to_json(read).dump() == written.dump());
  CHECK(read.options->threads == std::vector<int64_t>{1, 2});
  CHECK(read.options->cold_caches->sections ==
        std::vector<ProfileSection>{ProfileSection::configs, ProfileSection::ops});
  CHECK(read.definitions == "macs: multiply-adds");
  CHECK(read.peaks[0].fma_peak_source == "AVX2 FMA");
  CHECK(read.peaks[0].details == Json{{"conv1x1", {{"macs", 1e9}}}});
  const ProfileRecord& covered = read[ProfileSection::ops][1];
  REQUIRE(covered.coverage_conv);
  CHECK(covered.coverage_conv->activation == Activation::hardswish);
  CHECK(covered.coverage_conv->kernel_h == 3);
  CHECK(covered.coverage_conv->out_channels == 128);
  CHECK(covered.coverage_conv->threads == 2);
  CHECK(covered.coverage_score == 1.75);
  CHECK_FALSE(read[ProfileSection::ops][0].coverage_conv);
  CHECK(read[ProfileSection::networks][0].sample_seed == uint64_t{1000000});
  CHECK(read[ProfileSection::zoo][0].resolution == 224);
  CHECK(read[ProfileSection::zoo][0].caches == Caches::warm);
  CHECK(read[ProfileSection::fasternet][0].layers.empty());
  CHECK(read.machine_speed->records_flagged == 0);
  CHECK(read.coverage->rounds[1].spent_s == 9.25);
  CHECK(read.coverage->candidates == 300);
  CHECK(read.elapsed_s == 65.5);
  CHECK(read.interference == Json{{"measurements", 6}, {"noisy", 3}});
}

TEST_CASE("the profile's writer keeps the keys and their order the sweep wrote as JSON", "[profile]") {
  const Json j = to_json(profile_json_full());
  CHECK(profile_json_keys(j) == std::vector<std::string>{"schema", "device", "complete", "options", "environment",
                                                         "definitions", "peaks", "configs", "zoo", "fasternet", "ops",
                                                         "networks", "machine_speed", "coverage", "elapsed_s",
                                                         "interference"});
  CHECK(
      j["options"].dump() ==
      R"({"quick":true,"threads":[1,2],"budget_s":60.0,"seed":7,"cold_caches":{"sections":["configs","ops"],"evict_bytes_per_thread":67108864,)"
      R"("warm_twins":["activation","slice","channel_shuffle","concat"]}})");
  const std::vector<std::string> head{"macs",  "params_inference", "bytes",     "timing",
                                      "macps", "fraction_of_peak", "additivity"};
  auto keys = [&](std::initializer_list<std::string> rest) {
    std::vector<std::string> k = head;
    k.insert(k.end(), rest);
    return k;
  };
  CHECK(profile_json_keys(j["configs"][0]) == keys({"layers", "caches", "id", "variant", "kernel", "groups", "channels",
                                                    "resolution", "stride", "threads", "elapsed_s"}));
  CHECK(profile_json_keys(j["zoo"][0]) ==
        keys({"layers", "caches", "id", "model", "resolution", "threads", "elapsed_s"}));
  CHECK(profile_json_keys(j["fasternet"][0]) ==
        keys({"caches", "id", "op", "channels", "resolution", "threads", "elapsed_s"}));
  CHECK(profile_json_keys(j["ops"][0]) == keys({"layers", "caches", "id", "threads", "elapsed_s"}));
  CHECK(profile_json_keys(j["ops"][1]) ==
        keys({"layers", "caches", "id", "kernel", "groups", "in_channels", "out_channels", "resolution", "stride",
              "activation", "coverage_round", "coverage_score", "threads", "elapsed_s"}));
  CHECK(j["ops"][1]["kernel"] == Json{3, 1});
  CHECK(profile_json_keys(j["networks"][0]) == keys({"layers", "caches", "id", "sample_seed", "threads", "elapsed_s"}));
  CHECK(profile_json_keys(j["configs"][0]["timing"]) == std::vector<std::string>{"stats_us", "attempts", "noisy",
                                                                                 "wait_fraction", "outlier_runs",
                                                                                 "cv_threshold", "samples_us"});
  CHECK(profile_json_keys(j["peaks"][0]) ==
        std::vector<std::string>{"threads", "peak_macps", "peak_source", "fma_peak_macps", "fma_peak_source",
                                 "bandwidth_bytes_per_s", "cache_bandwidth_bytes_per_s", "dram_read_bytes_per_s",
                                 "last_level_cache_bytes", "gemm_tile_rows", "gemm_tile_cols", "gemm_tile_rows_source",
                                 "probes"});
  CHECK(j["coverage"].dump() ==
        R"({"seed":7,"candidates":300,"macs_range":[100000.0,200000000.0],"max_bytes":134217728.0,"rounds":[)"
        R"({"round":1,"budget_s":9.0,"spent_s":8.5,"measured":12,"how":"space-filling"},)"
        R"({"round":2,"budget_s":9.0,"spent_s":9.25,"measured":10,"how":"adaptive"}]})");
  CHECK(
      j["machine_speed"].dump() ==
      R"({"reference":"mobilenetv2-1.0 (zoo), 224x224, warm caches","samples":[{"elapsed_s":0.0,"threads":2,"latency_us":5000.0},)"
      R"({"elapsed_s":30.0,"threads":2,"latency_us":5100.0}],"spread":0.02,"slowed":false,"records_flagged":0})");
}

TEST_CASE("a hand-made profile written by the profile's writer reads back to the same file", "[profile]") {
  const Json once = to_json(read_profile(test::small_profile(), "p.json"));
  CHECK(to_json(read_profile(once, "p.json")).dump() == once.dump());
  CHECK(once["options"]["cold_caches"]["warm_twins"] == test::small_profile()["options"]["cold_caches"]["warm_twins"]);
  CHECK(once["zoo"][0]["resolution"] == 224);
}

TEST_CASE("the fields the sweep writes and resume reads back are checked, an error naming each", "[profile]") {
  Json j = to_json(profile_json_full());
  auto error_with = [&](const std::function<void(Json&)>& edit) {
    Json bad = j;
    edit(bad);
    return error_of([&] { read_profile(bad, "p.json"); });
  };
  CHECK_THAT(error_with([](Json& b) { b["configs"][0]["caches"] = "lukewarm"; }),
             Catch::Contains("configs[0].caches = \"lukewarm\": expected cold or warm"));
  CHECK_THAT(error_with([](Json& b) { b["ops"][1]["activation"] = "swoosh"; }),
             Catch::Contains("ops[1].activation = \"swoosh\""));
  CHECK_THAT(error_with([](Json& b) { b["ops"][1]["kernel"] = 3; }),
             Catch::Contains("ops[1].kernel = 3: expected [kernel_h, kernel_w]"));
  CHECK_THAT(error_with([](Json& b) {
               b["options"]["cold_caches"]["sections"] = {"configs", "attic"};
             }),
             Catch::Contains("options.cold_caches.sections[1] = \"attic\": expected a profile section"));
  CHECK_THAT(error_with([](Json& b) { b["configs"][0]["bytes"] = 1.5; }),
             Catch::Contains("configs[0].bytes = 1.5: expected a whole number"));
  CHECK_THAT(error_with([](Json& b) { b["machine_speed"]["slowed"] = "no"; }),
             Catch::Contains("machine_speed.slowed = \"no\""));
}

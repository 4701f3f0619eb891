// One measuring primitive and one per-layer row: time_network's result matches its plan, and the rows of
// `measure`, `predict` and the profile are written from one OpRow with one name per concept.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include "predictor/devices.hpp"
#include "profiler/measure/compare_networks.hpp"
#include "profiler/measure/measure_network.hpp"
#include "profiler/measure/probes.hpp"
#include "profiler/profile/sweep_grid.hpp"
#include "space/zoo.hpp"

using namespace cpx;

namespace {

// `row` restricted to name, op and macs: what every per-op row shares with count's.
Json measure_test_common(const Json& row) {
  return {{"name", row.at("name")}, {"op", row.at("op")}, {"macs", row.at("macs")}};
}

std::set<std::string> keys_of(const Json& row) {
  std::set<std::string> k;
  for (const auto& [key, value] : row.items()) k.insert(key);
  return k;
}

// A small network with a conv (conv_class set; 8 output channels, XNNPACK on every machine), an op without
// a window and an emulated depthwise 7x7.
Network small_net() {
  NetworkBuilder b("small", "test", {1, 8, 8, 16}, Where("test"));
  Conv2d c;
  c.out_channels = 8;
  c.kernel = {3, 3};
  c.padding = {1, 1, 1, 1};
  const auto x = b.add("conv", {"input"}, c);
  Conv2d dw = c;
  dw.kernel = {7, 7};
  dw.padding = {3, 3, 3, 3};
  dw.groups = 8;
  const auto y = b.add("dw7", {x}, dw);
  return std::move(b).finish(b.add("add", {x, y}, Add{}));
}

profiler::MeasureOptions quick_timing() {
  profiler::MeasureOptions o;
  o.warmup_runs = 0;
  o.min_runs = 2;
  o.min_time_s = 0;
  o.attempts = 1;
  return o;
}

}  // namespace

TEST_CASE("count's layer rows name the conv class conv_class, null for ops that are no conv") {
  const Network net = small_net();
  const Json rows = count_to_json(net, count(net), true)["layers"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["conv_class"] == "dense");
  CHECK(rows[1]["conv_class"] == "depthwise");
  CHECK(rows[2]["conv_class"].is_null());
  CHECK_FALSE(rows[0].contains("class"));
  // A row writes the fields a document lists, in its order; a time not known is null.
  const OpRow conv = op_row(net, 0, count(net).layers[0]);
  CHECK(to_json(conv, {OpField::macs, OpField::name}) == Json{{"macs", rows[0]["macs"]}, {"name", "conv"}});
  CHECK(to_json(conv, {OpField::measured_us, OpField::first_in_nhwc}) ==
        Json{{"measured_us", nullptr}, {"in_nhwc", rows[0]["in_nhwc"]}});
  CHECK(to_json(conv, {OpField::fused_into}) == Json::object());
}

TEST_CASE("time_network times the whole network, and every op only when asked") {
  const Network net = small_net();
  const auto whole = profiler::time_network(net, {1, 3, false, quick_timing()});
  CHECK(whole.timings.network.stats_us.count >= 2);
  CHECK(whole.timings.ops.empty());
  REQUIRE(whole.implementations.size() == net.ops.size());
  CHECK(whole.implementations[1].emulated);  // no XNNPACK microkernel for 49 taps
  CHECK(whole.emulated_ops == 1);
  CHECK(whole.arena_bytes > 0);
  const auto per_op = profiler::time_network(net, {1, 3, true, quick_timing()});
  CHECK(per_op.timings.ops.size() == net.ops.size());
  CHECK(per_op.timings.additivity > 0);
  const auto labels = profiler::plan_implementations(net, 3);
  REQUIRE(labels.size() == net.ops.size());
  for (size_t i = 0; i < labels.size(); ++i) CHECK(labels[i].how == whole.implementations[i].how);
}

TEST_CASE("before_each_run runs before every timed run and outside its time, cold_caches uses it") {
  profiler::MeasureOptions o = quick_timing();
  o.warmup_runs = 2;
  o.min_runs = 4;
  int calls = 0;
  // 20 ms before each run of a no-op: the samples stay far below it, and there is one call per sample.
  o.before_each_run = [&] {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
  const profiler::Timing t = profiler::time_runs([] {}, o);
  CHECK(calls == t.stats_us.count);
  CHECK(t.stats_us.max < 10000);

  // A cold network run still computes what a warm one does, per op too.
  const Network net = small_net();
  profiler::NetworkRun cold{2, 3, true, quick_timing()};
  cold.cold_caches = true;
  const auto m = profiler::time_network(net, cold);
  CHECK(m.timings.network.stats_us.count >= 2);
  CHECK(m.timings.ops.size() == net.ops.size());
  // Held to the cold CV threshold, whole network and ops, and saying so.
  CHECK(m.timings.network.cv_threshold == profiler::noisy_cv_threshold_cold);
  for (const auto& op : m.timings.ops) CHECK(op.cv_threshold == profiler::noisy_cv_threshold_cold);
  CHECK(profiler::to_json(m.timings.network)["cv_threshold"] == profiler::noisy_cv_threshold_cold);
  profiler::NetworkRun warm{2, 3, false, quick_timing()};
  CHECK(profiler::time_network(net, warm).timings.network.cv_threshold == profiler::noisy_cv_threshold);
  CHECK(profiler::cache_evict_bytes() > 0);
  CHECK(profiler::cache_evict_bytes() <= (int64_t{256} << 20));
}

TEST_CASE(
    "the peak probe records what the weight-streaming ceiling and the GEMM tiles need: DRAM read bandwidth, cache "
    "size, GEMM tile rows and columns") {
  const profiler::PeakProbe p = profiler::probe_peak(1, quick_timing());
  CHECK(p.dram_read_bytes_per_s > 1e8);
  CHECK(p.gemm_tile_rows >= 4);
  CHECK(p.gemm_tile_rows <= 7);
  CHECK((p.gemm_tile_cols == 8 || p.gemm_tile_cols == 16));
  CHECK_THAT(p.gemm_tile_rows_source, Catch::Contains("init.c"));
  CHECK(p.last_level_cache_bytes == profiler::last_level_cache_bytes());
  CHECK(p.last_level_cache_bytes >= 0);
  const Json j = profiler::to_json(p);
  for (const char* key :
       {"dram_read_bytes_per_s", "last_level_cache_bytes", "gemm_tile_rows", "gemm_tile_cols", "gemm_tile_rows_source"})
    CHECK(j.contains(key));
  CHECK(j["probes"].contains("read 64 MiB"));
}

TEST_CASE(
    "the peak probe states the machine's own FMA throughput beside the conv probes, in the widest vectors the CPU "
    "has") {
  for (int64_t threads : {1, 2}) {
    const profiler::PeakProbe p = profiler::probe_peak(threads, quick_timing());
    CAPTURE(threads, p.fma_peak_source);
    CHECK(p.fma_peak_macps > 0);
    CHECK(std::isfinite(p.fma_peak_macps));
    CHECK_THAT(p.fma_peak_source, Catch::Contains("chains"));
    const Json j = profiler::to_json(p);
    CHECK(j["fma_peak_macps"].get<double>() == p.fma_peak_macps);
    CHECK(j["fma_peak_source"].get<std::string>() == p.fma_peak_source);
    CHECK(j["peak_macps"].get<double>() == p.peak_macps);  // the conv probes' peak stays as it was
    CHECK(j["probes"].contains("fma chains"));
  }
}

TEST_CASE("robust_cv is the CV of normal runs but ignores a few slow ones") {
  std::vector<double> runs(40, 100.0);
  for (size_t i = 0; i < runs.size(); ++i) runs[i] += (i % 2 ? 1 : -1) * 5.0;
  const profiler::Stats even = profiler::summarize(runs);
  CHECK(even.robust_cv == Approx(10.0 / (2 * 1.2816 * 100)));
  runs[7] = runs[23] = 300;  // two runs of 40 slowed 3x: a timer tick, a neighbour on the SMT sibling
  const profiler::Stats spiked = profiler::summarize(runs);
  CHECK(spiked.cv > 0.3);
  CHECK(spiked.robust_cv == Approx(even.robust_cv));
  CHECK(profiler::to_json(spiked)["robust_cv"] == spiked.robust_cv);
}

TEST_CASE("a timing is flagged noisy by a spread of its middle runs, not by two slow runs") {
  // Busy-waits, so that the runs last what they are told to; short ones (4 ms in all), so that another
  // process (ctest runs two suites at once) rarely lands inside. When one does, the run queue shows it.
  auto spin_us = [](double us) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(us);
    while (std::chrono::steady_clock::now() < end) {}
  };
  profiler::MeasureOptions o = quick_timing();
  o.min_runs = 40;
  o.max_runs = 40;
  o.cv_threshold = 0.5;
  o.wait_threshold = 1;  // the spread alone decides here; wait_fraction below only explains a failure
  o.outlier_factor = 1e9;
  int run = 0;
  const profiler::Timing two_slow = profiler::time_runs([&] { spin_us(++run % 20 == 7 ? 500 : 100); }, o);
  INFO("two slow: cv " << two_slow.stats_us.cv << ", robust cv " << two_slow.stats_us.robust_cv << ", run-queue wait "
                       << two_slow.wait_fraction);
  CHECK(two_slow.stats_us.cv > o.cv_threshold);
  CHECK((!two_slow.noisy || two_slow.wait_fraction > profiler::noisy_wait_threshold));
  run = 0;
  const profiler::Timing quarter_slow = profiler::time_runs([&] { spin_us(++run % 4 == 0 ? 300 : 100); }, o);
  CHECK(quarter_slow.stats_us.robust_cv > o.cv_threshold);
  CHECK(quarter_slow.noisy);
}

TEST_CASE("measured layer rows carry count's name, op and MACs and keep measure's keys") {
  const Network net = small_net();
  const Json count_rows = count_to_json(net, count(net), true)["layers"];
  profiler::NetworkRun run = profiler::measure_defaults();
  run.layers = true;
  run.timing.min_time_s = 0;
  run.timing.min_runs = 2;
  const profiler::Measurement measured = profiler::measure_network(net, run);
  const Json m = to_json(measured);  // the JSON is written from the struct alone
  REQUIRE(measured.layers.size() == net.ops.size());
  REQUIRE(m["layers"].size() == net.ops.size());
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Json& r = m["layers"][i];
    CHECK(keys_of(r) == std::set<std::string>{"name", "op", "implementation", "emulated", "macs", "timing", "macps",
                                              "fraction_of_peak", "share"});
    CHECK(measure_test_common(r) == measure_test_common(count_rows[i]));
  }
  // "emulated" is a bool, as in a profile's rows; the label is the implementation's.
  CHECK(m["layers"][1]["emulated"] == true);
  CHECK(m["layers"][0]["emulated"] == false);
  CHECK(m["layers"][1]["implementation"] == measured.layers[1].implementation);
  CHECK(m["emulated_ops"] == 1);
  CHECK(measured.emulated_ops == 1);
}

TEST_CASE("predicted layer rows carry count's name, op and MACs and name the predictor's class op_class") {
  const Network net = load_model("b0");
  const predictor::Predictor p = predictor::load_predictor("pi5");
  const int64_t threads = predictor::prediction_threads(p, std::nullopt);
  const Json rows = predictor::prediction_to_json(p, net, predictor::predict(p, net, threads), threads, true)["layers"];
  const Json count_rows = count_to_json(net, count(net), true)["layers"];
  REQUIRE(rows.size() == net.ops.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(keys_of(rows[i]) == std::set<std::string>{"name", "op", "op_class", "macs", "latency_us", "activation_us",
                                                    "macps", "outside_profile", "outside_features"});
    CHECK(measure_test_common(rows[i]) == measure_test_common(count_rows[i]));
  }
  CHECK(rows[0]["op_class"] == "conv_dense");
}

TEST_CASE(
    "the sweep's work has unique ids, grid first, whole networks spread through it, each record with its own fields") {
  const auto work = profiler::sweep_work(true, {1}, 0);
  std::set<std::string> ids;
  for (const auto& w : work) CHECK(ids.insert(w.id).second);
  REQUIRE(!work.empty());
  CHECK(work.front().section == "configs");
  // Each whole-network section sits at even intervals among the other items (not as one block at the end,
  // where one stretch of the machine's speed went into all of them), with its own order kept.
  for (const std::string section : {"networks", "zoo"}) {
    std::vector<size_t> at;
    for (size_t i = 0; i < work.size(); ++i)
      if (work[i].section == section) at.push_back(i);
    REQUIRE(!at.empty());
    const double gap = static_cast<double>(work.size()) / static_cast<double>(at.size());
    CHECK(static_cast<double>(at.front()) < gap);
    CHECK(static_cast<double>(work.size() - at.back()) < gap + 1);
    for (size_t k = 1; k < at.size(); ++k) CHECK(std::abs(static_cast<double>(at[k] - at[k - 1]) - gap) < 2);
  }
  std::vector<std::string> network_ids;
  for (const auto& w : work)
    if (w.section == "networks") network_ids.push_back(w.id);
  CHECK(network_ids == std::vector<std::string>{"sampled_1000000_t1", "sampled_1000001_t1", "sampled_1000002_t1",
                                                "sampled_1000003_t1"});
  for (const auto& w : work) {
    if (w.section != "zoo") continue;
    const Network net = w.network();
    profiler::ProfileRecord r;
    w.fields(net, r);
    CHECK(r.model == "b0");
    CHECK(r.resolution == net.input.h);
  }
  // The same seed gives the same order (--resume relies on ids only, but runs are repeatable).
  const auto again = profiler::sweep_work(true, {1}, 0);
  for (size_t i = 0; i < work.size(); ++i) CHECK(again[i].id == work[i].id);
}

TEST_CASE("a comparison times two networks in turn and bounds the median of their time ratios") {
  // The binomial table's 95% ranks for the median of 100 values are the 40th and the 61st.
  CHECK(profiler::median_interval_ranks(100) == std::pair<size_t, size_t>{40, 61});
  CHECK(profiler::median_interval_ranks(5) == std::pair<size_t, size_t>{1, 5});
  const Network small = load_model("b0", 32), large = load_model("b0", 160);  // 25x the MACs
  profiler::NetworkRun run = profiler::measure_defaults();
  run.timing.min_time_s = 0;
  run.timing.min_runs = 12;
  const profiler::Comparison c = profiler::compare_networks(small, nullptr, large, nullptr, run);
  CHECK(c.ratios.size() == 12);
  CHECK(c.a.samples_us.size() == 12);
  CHECK(c.b.samples_us.size() == 12);
  CHECK(c.ratio_low <= c.ratio_median);
  CHECK(c.ratio_median <= c.ratio_high);
  CHECK(c.ratio_median > 1);  // the larger runs second in the ratio (how much slower is a benchmark's to say)
  const Json j = to_json(c);
  CHECK(j["pairs"] == 12);
  CHECK(j["gain"]["point"].get<double>() == Approx(1 - c.ratio_median));
  CHECK(j["gain"]["low"].get<double>() == Approx(1 - c.ratio_high));
  run.layers = true;
  CHECK_THROWS_WITH(profiler::compare_networks(small, nullptr, large, nullptr, run),
                    "layers = true: a comparison times whole networks only");
  // No pair at all would leave no median: refused as measure refuses it.
  run.layers = false;
  run.timing.min_runs = 0;
  CHECK_THROWS_WITH(profiler::compare_networks(small, nullptr, large, nullptr, run),
                    "timing.min_runs = 0: out of range [1, 100000]");
}

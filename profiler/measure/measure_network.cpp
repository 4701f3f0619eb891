#include "profiler/measure/measure_network.hpp"

#include "profiler/measure/environment.hpp"
#include "profiler/measure/probes.hpp"
#include "profiler/profile/cpus.hpp"

namespace cpx::profiler {

namespace {

Json measured_row(const Network& net, size_t i, const LayerCount& count, const NetworkTimings& m, double peak_macps) {
  const Implementation& imp = m.implementations[i];
  const Timing& t = m.timings.ops[i];
  const double macps = macps_of(count.cost.macs, t.stats_us.median);
  const Json base = layer_row(net, i, count);
  Json r = row_subset(base, {"name", "op"});
  r["implementation"] = imp.how;
  r["xnnpack"] = !imp.emulated;
  r["emulated"] = imp.emulated ? Json(imp.how) : Json(false);
  // Computed inside another op's kernel: its time is in that op's row (profiler/profile/fusion.hpp).
  if (imp.fused_into) r["fused_into"] = net.ops[*imp.fused_into].name;
  r["macs"] = base["macs"];
  r["latency_us"] = to_json(t);
  r["macps"] = macps;
  r["fraction_of_peak"] = macps / peak_macps;
  r["share"] = t.stats_us.median / m.timings.network.stats_us.median;
  return r;
}

}  // namespace

NetworkRun measure_defaults() {
  NetworkRun run;
  run.timing.min_time_s = 1.0;
  run.timing.min_runs = 20;
  return run;
}

std::optional<std::string> min_time_refusal(double min_time_s) {
  if (min_time_s >= 0 && min_time_s <= 600) return std::nullopt;
  return "out of range [0, 600]";
}

std::optional<std::string> min_runs_refusal(int64_t min_runs) {
  if (min_runs >= 1 && min_runs <= 100000) return std::nullopt;
  return "out of range [1, 100000]";
}

Json measure_network(const Network& net, const NetworkRun& a) {
  check_threads(a.threads);
  if (const auto refusal = min_time_refusal(a.timing.min_time_s))
    throw InputError("timing.min_time_s = " + std::to_string(a.timing.min_time_s) + ": " + *refusal);
  if (const auto refusal = min_runs_refusal(a.timing.min_runs))
    throw InputError("timing.min_runs = " + std::to_string(a.timing.min_runs) + ": " + *refusal);
  const NetworkCount counts = count(net);
  pin_to_cpus(a.threads);
  MeasureOptions probe_options;
  probe_options.min_runs = 5;
  probe_options.min_time_s = 0.2;
  const PeakProbe peak = probe_peak(a.threads, probe_options);

  const NetworkTimings m = time_network(net, a);
  const double macps = macps_of(counts.total.macs, m.timings.network.stats_us.median);
  Json j;
  j["schema"] = measurement_schema;
  j["model"] = net.name;
  j["resolution"] = net.input.h;
  j["input_nhwc"] = net.input.to_json();
  j["threads"] = a.threads;
  j["seed"] = a.seed;
  j["caches"] = a.cold_caches ? Json{{"cold", true}, {"evict_bytes_per_thread", cache_evict_bytes()}} : Json{{"cold", false}};
  j["macs"] = counts.total.macs;
  j["latency_us"] = to_json(m.timings.network);
  j["macps"] = macps;
  j["peak"] = to_json(peak);
  j["fraction_of_peak"] = macps / peak.peak_macps;
  j["arena_bytes"] = m.arena_bytes;
  j["environment"] = to_json(capture_environment(a.threads));
  j["emulated_ops"] = m.emulated_ops;
  j["op_count"] = m.implementations.size();
  if (a.layers) {
    Json rows = Json::array();
    for (size_t i = 0; i < net.ops.size(); ++i) rows.push_back(measured_row(net, i, counts.layers[i], m, peak.peak_macps));
    j["layers"] = std::move(rows);
    j["additivity"] = m.timings.additivity;
  }
  return j;
}

}  // namespace cpx::profiler

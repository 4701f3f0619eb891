#include "profiler/measure/measure_network.hpp"

#include "profiler/profile/cpus.hpp"

namespace cpx::profiler {

namespace {

MeasuredOp measured_op(const Network& net, size_t i, const LayerCount& count, const NetworkTimings& m,
                       double peak_macps) {
  MeasuredOp r;
  r.row = op_row(net, i, count);
  r.implementation = m.implementations[i].how;
  r.emulated = m.implementations[i].emulated;
  if (m.implementations[i].fused_into) r.row.fused_into = net.ops[*m.implementations[i].fused_into].name;
  r.timing = m.timings.ops[i];
  r.macps = macps_of(count.cost.macs, r.median_us());
  r.fraction_of_peak = r.macps / peak_macps;
  r.share = r.median_us() / m.timings.network.stats_us.median;
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

void check_network_run(const NetworkRun& a) {
  check_threads(a.threads);
  if (const auto refusal = min_time_refusal(a.timing.min_time_s))
    throw InputError("timing.min_time_s = " + std::to_string(a.timing.min_time_s) + ": " + *refusal);
  if (const auto refusal = min_runs_refusal(a.timing.min_runs))
    throw InputError("timing.min_runs = " + std::to_string(a.timing.min_runs) + ": " + *refusal);
}

Measurement measure_network(const Network& net, const NetworkRun& a) {
  check_network_run(a);
  const NetworkCount counts = count(net);
  pin_to_cpus(a.threads);
  MeasureOptions probe_options;
  probe_options.min_runs = 5;
  probe_options.min_time_s = 0.2;
  Measurement out;
  out.peak = probe_peak(a.threads, probe_options);

  const NetworkTimings m = time_network(net, a);
  out.model = net.name;
  out.input = net.input;
  out.run = a;
  if (a.cold_caches) out.evict_bytes_per_thread = cache_evict_bytes();
  out.macs = counts.total.macs;
  out.timing = m.timings.network;
  out.macps = macps_of(counts.total.macs, m.timings.network.stats_us.median);
  out.fraction_of_peak = out.macps / out.peak.peak_macps;
  out.arena_bytes = m.arena_bytes;
  out.environment = capture_environment(a.threads);
  out.emulated_ops = m.emulated_ops;
  out.op_count = static_cast<int64_t>(m.implementations.size());
  if (a.layers) {
    for (size_t i = 0; i < net.ops.size(); ++i)
      out.layers.push_back(measured_op(net, i, counts.layers[i], m, out.peak.peak_macps));
    out.additivity = m.timings.additivity;
  }
  return out;
}

Json to_json(const Measurement& m) {
  Json j;
  j["schema"] = measurement_schema;
  j["model"] = m.model;
  j["resolution"] = m.input.h;
  j["input_nhwc"] = m.input.to_json();
  j["threads"] = m.run.threads;
  j["seed"] = m.run.seed;
  j["weights"] = m.run.weights ? "the model file's" : "seeded";  // the input is seeded either way
  j["caches"] = m.run.cold_caches ? Json{{"cold", true}, {"evict_bytes_per_thread", m.evict_bytes_per_thread}}
                                  : Json{{"cold", false}};
  j["macs"] = m.macs;
  j["timing"] = to_json(m.timing);
  j["macps"] = m.macps;
  j["peak"] = to_json(m.peak);
  j["fraction_of_peak"] = m.fraction_of_peak;
  j["arena_bytes"] = m.arena_bytes;
  j["environment"] = to_json(m.environment);
  j["emulated_ops"] = m.emulated_ops;
  j["op_count"] = m.op_count;
  if (m.run.layers) {
    Json rows = Json::array();
    for (const MeasuredOp& r : m.layers) rows.push_back(to_json(r, MeasuredOpDocument::measurement));
    j["layers"] = std::move(rows);
    j["additivity"] = m.additivity;
  }
  return j;
}

}  // namespace cpx::profiler

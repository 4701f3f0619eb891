#include "profiler/measure_network.hpp"

#include <algorithm>
#include <memory>

#include "profiler/environment.hpp"
#include "profiler/probes.hpp"
#include "profiler/weights.hpp"

namespace cpx::profiler {

namespace {

std::unique_ptr<Plan> seeded_plan(const Network& net, int64_t threads, uint64_t seed) {
  auto plan = std::make_unique<Plan>(net, make_weights(net, seed), PlanOptions{static_cast<size_t>(threads), false});
  const auto input = make_input(net.input, seed);
  std::copy(input.begin(), input.end(), plan->input().begin());
  return plan;
}

Json measured_row(const Network& net, size_t i, const LayerCount& count, const NetworkTimings& m, double peak_macps) {
  const Implementation& imp = m.implementations[i];
  const Timing& t = m.timings.ops[i];
  const double macps = macps_of(count.cost.macs, t.stats_us.median);
  const Json base = layer_row(net, i, count);
  Json r = row_subset(base, {"name", "op"});
  r["implementation"] = imp.how;
  r["xnnpack"] = !imp.emulated;
  r["emulated"] = imp.emulated ? Json(imp.how) : Json(false);
  // Computed inside another op's kernel: its time is in that op's row (profiler/fusion.hpp).
  if (imp.fused_into) r["fused_into"] = net.ops[*imp.fused_into].name;
  r["macs"] = base["macs"];
  r["latency_us"] = to_json(t);
  r["macps"] = macps;
  r["fraction_of_peak"] = macps / peak_macps;
  r["share"] = t.stats_us.median / m.timings.network.stats_us.median;
  return r;
}

}  // namespace

double macps_of(int64_t macs, double latency_us) { return latency_us > 0 ? static_cast<double>(macs) / (latency_us * 1e-6) : 0; }

NetworkTimings time_network(const Network& net, const NetworkRun& run) {
  const auto plan = seeded_plan(net, run.threads, run.seed);
  NetworkTimings m;
  if (run.layers) m.timings = time_layers(*plan, run.timing);
  else m.timings.network = time_runs([&] { plan->run(); }, run.timing);
  for (size_t i = 0; i < plan->size(); ++i) {
    m.implementations.push_back(plan->implementation(i));
    m.emulated_ops += plan->implementation(i).emulated;
  }
  m.arena_bytes = plan->arena_bytes();
  return m;
}

std::vector<Implementation> plan_implementations(const Network& net, uint64_t seed) {
  const auto plan = seeded_plan(net, 1, seed);
  std::vector<Implementation> out;
  for (size_t i = 0; i < plan->size(); ++i) out.push_back(plan->implementation(i));
  return out;
}

Json measure_network(const Network& net, const NetworkMeasureOptions& a) {
  if (a.threads < 1 || a.threads > 256) throw InputError("--threads = " + std::to_string(a.threads) + ": out of range [1, 256]");
  if (!(a.min_time_s >= 0 && a.min_time_s <= 600)) throw InputError("--min-time = " + std::to_string(a.min_time_s) + ": out of range [0, 600]");
  if (a.min_runs < 1 || a.min_runs > 100000) throw InputError("--min-runs = " + std::to_string(a.min_runs) + ": out of range [1, 100000]");
  const NetworkCount counts = count(net);
  pin_to_cpus(a.threads);
  NetworkRun run{a.threads, a.seed, a.layers, {}};
  run.timing.min_runs = a.min_runs;
  run.timing.min_time_s = a.min_time_s;
  MeasureOptions probe_options;
  probe_options.min_runs = 5;
  probe_options.min_time_s = 0.2;
  const PeakProbe peak = probe_peak(a.threads, probe_options);

  const NetworkTimings m = time_network(net, run);
  const double macps = macps_of(counts.total.macs, m.timings.network.stats_us.median);
  Json j;
  j["schema"] = measurement_schema;
  j["model"] = net.name;
  j["resolution"] = net.input.h;
  j["input_nhwc"] = net.input.to_json();
  j["threads"] = a.threads;
  j["seed"] = a.seed;
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

#include "profiler/measure_network.hpp"

#include <algorithm>

#include "profiler/environment.hpp"
#include "profiler/probes.hpp"
#include "profiler/weights.hpp"
#include "space/count.hpp"

namespace cpx::profiler {

namespace {
double macps_of(int64_t macs, double latency_us) { return latency_us > 0 ? static_cast<double>(macs) / (latency_us * 1e-6) : 0; }
}  // namespace

Json measure_network(const Network& net, const NetworkMeasureOptions& a) {
  if (a.threads < 1 || a.threads > 256) throw InputError("--threads = " + std::to_string(a.threads) + ": out of range [1, 256]");
  if (!(a.min_time_s >= 0 && a.min_time_s <= 600)) throw InputError("--min-time = " + std::to_string(a.min_time_s) + ": out of range [0, 600]");
  if (a.min_runs < 1 || a.min_runs > 100000) throw InputError("--min-runs = " + std::to_string(a.min_runs) + ": out of range [1, 100000]");
  const NetworkCount counts = count(net);
  pin_to_cpus(a.threads);
  MeasureOptions options;
  options.min_runs = a.min_runs;
  options.min_time_s = a.min_time_s;
  MeasureOptions probe_options;
  probe_options.min_runs = 5;
  probe_options.min_time_s = 0.2;
  const PeakProbe peak = probe_peak(a.threads, probe_options);

  Plan plan(net, make_weights(net, a.seed), {static_cast<size_t>(a.threads), false});
  const auto input = make_input(net.input, a.seed);
  std::copy(input.begin(), input.end(), plan.input().begin());
  LayerTimings t;
  if (a.layers) t = time_layers(plan, options);
  else t.network = time_runs([&] { plan.run(); }, options);
  const double median_us = t.network.stats_us.median;
  const double macps = macps_of(counts.total.macs, median_us);
  int64_t emulated = 0;
  for (size_t i = 0; i < plan.size(); ++i) emulated += plan.implementation(i).emulated;

  Json j;
  j["schema"] = measurement_schema;
  j["model"] = net.name;
  j["resolution"] = net.input.h;
  j["input_nhwc"] = net.input.to_json();
  j["threads"] = a.threads;
  j["seed"] = a.seed;
  j["macs"] = counts.total.macs;
  j["latency_us"] = to_json(t.network);
  j["macps"] = macps;
  j["peak"] = to_json(peak);
  j["fraction_of_peak"] = macps / peak.peak_macps;
  j["arena_bytes"] = plan.arena_bytes();
  j["environment"] = to_json(capture_environment(a.threads));
  j["emulated_ops"] = emulated;
  j["op_count"] = plan.size();
  if (a.layers) {
    Json rows = Json::array();
    for (size_t i = 0; i < plan.size(); ++i) {
      const auto& imp = plan.implementation(i);
      const double us = t.ops[i].stats_us.median;
      rows.push_back({{"name", net.ops[i].name},
                      {"op", net.ops[i].kind()},
                      {"implementation", imp.how},
                      {"xnnpack", !imp.emulated},
                      {"emulated", imp.emulated ? Json(imp.how) : Json(false)},
                      {"macs", counts.layers[i].cost.macs},
                      {"latency_us", to_json(t.ops[i])},
                      {"macps", macps_of(counts.layers[i].cost.macs, us)},
                      {"fraction_of_peak", macps_of(counts.layers[i].cost.macs, us) / peak.peak_macps},
                      {"share", us / median_us}});
    }
    j["layers"] = std::move(rows);
    j["additivity"] = t.additivity;
  }
  return j;
}

}  // namespace cpx::profiler

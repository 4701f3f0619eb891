#include "predictor/validate.hpp"

#include <algorithm>
#include <cmath>

#include "predictor/devices.hpp"
#include "profiler/environment.hpp"
#include "profiler/measure.hpp"
#include "profiler/sweep.hpp"
#include "profiler/weights.hpp"
#include "space/count.hpp"
#include "space/sample.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

namespace {

Json accuracy(const std::vector<double>& predicted, const std::vector<double>& measured) {
  double ape = 0;
  int within5 = 0, within10 = 0;
  for (size_t i = 0; i < measured.size(); ++i) {
    const double e = std::abs(predicted[i] - measured[i]) / measured[i];
    ape += e;
    within5 += e <= 0.05;
    within10 += e <= 0.10;
  }
  const double n = static_cast<double>(measured.size());
  return {{"mape", ape / n}, {"within_5pct", within5 / n}, {"within_10pct", within10 / n},
          {"spearman", profiler::spearman(predicted, measured)}};
}

}  // namespace

Json validate(const std::string& device, const ValidateOptions& options, const std::function<void(const Json& row)>& progress) {
  const int64_t samples = options.samples, threads = options.threads;
  const uint64_t seed = options.seed;
  const double min_time_s = options.min_time_s;
  if (device != "host") throw InputError("--device = \"" + device + "\": validation measures, so it runs on the host only");
  if (samples < 0 || samples > 10000) throw InputError("--samples = " + std::to_string(samples) + ": out of range [0, 10000]");
  if (threads < 1 || threads > 256) throw InputError("--threads = " + std::to_string(threads) + ": out of range [1, 256]");
  if (seed + static_cast<uint64_t>(samples) > profiler::training_seed_base)
    throw InputError("--seed = " + std::to_string(seed) + ": sampled seeds must stay below " +
                     std::to_string(profiler::training_seed_base) + ", where the profile's training networks start");
  const Predictor p = load_predictor(device);
  // Baselines, fitted on the same training measurements as the predictor (the profile's blocks and ops).
  const std::string profile_path = p.provenance.value("profile", profiler::default_profile_path(device));
  const Json profile = profiler::load_profile(profile_path);
  std::vector<double> log_macps, log_us_per_param;
  for (const char* section : {"configs", "ops"})
    for (const auto& r : profile.value(section, Json::array())) {
      if (r["threads"].get<int64_t>() != threads) continue;
      const double us = r["latency_us"]["stats_us"]["median"].get<double>();
      const double macs = r["macs"].get<double>(), params = r["params_inference"].get<double>();
      if (macs > 0) log_macps.push_back(std::log(macs / (us * 1e-6)));
      if (params > 0) log_us_per_param.push_back(std::log(us / params));
    }
  if (log_macps.empty()) throw InputError(profile_path + ": no measurements at " + std::to_string(threads) + " thread(s) to fit the baselines");
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double const_macps = std::exp(median(log_macps));
  const double us_per_param = std::exp(median(log_us_per_param));

  std::vector<std::pair<std::string, Network>> held_out;
  for (const auto& e : zoo()) held_out.emplace_back(e.name, e.build(0));
  for (int64_t i = 0; i < samples; ++i) {
    Macro m = sample_cpubone_like(seed + static_cast<uint64_t>(i));
    held_out.emplace_back(m.name, expand(m, m.name));
  }
  profiler::pin_to_cpus(threads);
  profiler::MeasureOptions o;
  o.min_time_s = min_time_s;
  o.min_runs = 5;
  o.warmup_runs = 2;
  std::vector<double> measured, ours, by_macs, by_params;
  Json rows = Json::array();
  for (const auto& [name, net] : held_out) {
    const NetworkCount c = count(net);
    profiler::Plan plan(net, profiler::make_weights(net, seed), {static_cast<size_t>(threads), false});
    const auto input = profiler::make_input(net.input, seed);
    std::copy(input.begin(), input.end(), plan.input().begin());
    const profiler::Timing t = profiler::time_runs([&] { plan.run(); }, o);
    measured.push_back(t.stats_us.median);
    ours.push_back(predict(p, net, threads).latency_us);
    by_macs.push_back(static_cast<double>(c.total.macs) / const_macps * 1e6);
    by_params.push_back(static_cast<double>(c.total.params_inference) * us_per_param);
    rows.push_back({{"network", name}, {"macs", c.total.macs}, {"params_inference", c.total.params_inference},
                    {"measured_us", measured.back()}, {"measured_cv", t.stats_us.cv}, {"predicted_us", ours.back()},
                    {"macs_baseline_us", by_macs.back()}, {"params_baseline_us", by_params.back()},
                    {"error", ours.back() / measured.back() - 1}});
    if (progress) progress(rows.back());
  }
  return {{"schema", validation_schema},
          {"device", device},
          {"threads", threads},
          {"networks", rows.size()},
          {"zoo_networks", zoo().size()},
          {"sampled_networks", samples},
          {"seed", seed},
          {"predictor", accuracy(ours, measured)},
          {"baseline_macs", accuracy(by_macs, measured)},
          {"baseline_params", accuracy(by_params, measured)},
          {"baseline_constant_macps", const_macps},
          {"environment", to_json(profiler::capture_environment(threads))},
          {"rows", rows}};
}

}  // namespace cpx::predictor

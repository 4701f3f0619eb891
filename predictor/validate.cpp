#include "predictor/validate.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "predictor/devices.hpp"
#include "profiler/environment.hpp"
#include "profiler/interference.hpp"
#include "profiler/measure_network.hpp"
#include "profiler/profile_file.hpp"
#include "space/count.hpp"
#include "space/sample.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

namespace {

double median(std::vector<double> v) { return profiler::summarize(std::move(v)).median; }

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
  if (options.rounds < 1 || options.rounds > 100)
    throw InputError("--rounds = " + std::to_string(options.rounds) + ": out of range [1, 100]");
  if (!(min_time_s >= 0 && min_time_s <= 60)) throw InputError("--min-time = " + std::to_string(min_time_s) + ": out of range [0, 60]");
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
  const double const_macps = std::exp(median(log_macps));
  const double us_per_param = std::exp(median(log_us_per_param));

  std::vector<std::pair<std::string, Network>> held_out;
  for (const auto& e : zoo()) held_out.emplace_back(e.name, e.build(0));
  for (int64_t i = 0; i < samples; ++i) {
    Macro m = sample_cpubone_like(seed + static_cast<uint64_t>(i));
    held_out.emplace_back(m.name, expand(m, m.name));
  }
  profiler::pin_to_cpus(threads);
  profiler::NetworkRun run{threads, seed, false, {}};
  run.timing.min_time_s = min_time_s;
  run.timing.min_runs = 5;
  run.timing.warmup_runs = 2;
  // rounds x networks medians; each round re-creates the plan (keeping every zoo plan alive would hold
  // gigabytes of weights) and visits the networks in its own order.
  std::vector<std::vector<double>> round_medians(held_out.size()), round_cvs(held_out.size());
  std::mt19937_64 rng(seed);
  profiler::Interference interference;  // every network in every round is one measurement
  std::vector<size_t> order(held_out.size());
  std::iota(order.begin(), order.end(), size_t{0});
  for (int64_t round = 0; round < options.rounds; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      const profiler::Timing t = profiler::time_network(held_out[i].second, run).timings.network;
      round_medians[i].push_back(t.stats_us.median);
      round_cvs[i].push_back(t.stats_us.cv);
      interference.add(i < zoo().size() ? "zoo" : "sampled", profiler::to_json(t, false));
    }
  }
  std::vector<double> measured, ours, by_macs, by_params;
  Json rows = Json::array();
  for (size_t i = 0; i < held_out.size(); ++i) {
    const auto& [name, net] = held_out[i];
    const NetworkCount c = count(net);
    measured.push_back(median(round_medians[i]));
    ours.push_back(predict(p, net, threads).latency_us);
    by_macs.push_back(static_cast<double>(c.total.macs) / const_macps * 1e6);
    by_params.push_back(static_cast<double>(c.total.params_inference) * us_per_param);
    const auto [lo, hi] = std::minmax_element(round_medians[i].begin(), round_medians[i].end());
    rows.push_back({{"network", name}, {"macs", c.total.macs}, {"params_inference", c.total.params_inference},
                    {"measured_us", measured.back()}, {"measured_round_medians_us", round_medians[i]},
                    {"measured_round_spread", *hi / *lo - 1}, {"measured_cv", median(round_cvs[i])},
                    {"predicted_us", ours.back()}, {"macs_baseline_us", by_macs.back()},
                    {"params_baseline_us", by_params.back()}, {"error", ours.back() / measured.back() - 1}});
    if (progress) progress(rows.back());
  }
  // How much the machine itself moved while measuring: each network's spread between its rounds.
  std::vector<double> spreads;
  for (const auto& r : rows) spreads.push_back(r["measured_round_spread"].get<double>());
  std::sort(spreads.begin(), spreads.end());
  const Json noise = {{"median_round_spread", median(spreads)},
                      {"p90_round_spread", spreads.empty() ? 0.0 : spreads[static_cast<size_t>(0.9 * static_cast<double>(spreads.size() - 1))]}};
  return {{"schema", validation_schema},
          {"machine_noise", noise},
          {"interference", interference.to_json()},
          {"device", device},
          {"threads", threads},
          {"networks", rows.size()},
          {"zoo_networks", zoo().size()},
          {"sampled_networks", samples},
          {"seed", seed},
          {"rounds", options.rounds},
          {"min_time_s_per_round", min_time_s},
          {"predictor", accuracy(ours, measured)},
          {"baseline_macs", accuracy(by_macs, measured)},
          {"baseline_params", accuracy(by_params, measured)},
          {"baseline_constant_macps", const_macps},
          {"environment", to_json(profiler::capture_environment(threads))},
          {"rows", rows}};
}

}  // namespace cpx::predictor

#include "profiler/machine_speed.hpp"

#include <algorithm>
#include <vector>

#include "profiler/measure_network.hpp"
#include "profiler/sweep_grid.hpp"

namespace cpx::profiler {

double time_speed_reference_us(int64_t threads, double min_time_s) {
  const Network reference = SweepConfig{"conv", 3, 1, 128, 28, 1, threads}.network();
  NetworkRun run{threads, 1, false, {}};
  run.timing.min_time_s = min_time_s;
  run.timing.min_runs = 5;
  run.timing.warmup_runs = 2;
  return time_network(reference, run).timings.network.stats_us.median;
}

SpeedWatch::SpeedWatch(Json& profile) : section_(profile["machine_speed"]) {
  if (!section_.is_object()) section_ = Json::object();
  section_["reference"] = speed_reference;
  if (!section_.contains("samples") || !section_["samples"].is_array()) section_["samples"] = Json::array();
}

void SpeedWatch::maybe_check(int64_t threads, double elapsed_s) {
  const auto last = last_s_.find(threads);
  if (last != last_s_.end() && elapsed_s - last->second < speed_check_every_s) return;
  last_s_[threads] = elapsed_s;
  section_["samples"].push_back({{"elapsed_s", elapsed_s}, {"threads", threads}, {"latency_us", time_speed_reference_us(threads, 0.05)}});
}

void SpeedWatch::finish() {
  section_["spread"] = speed_spread(section_["samples"]);
  section_["slowed"] = section_["spread"].get<double>() > max_speed_spread;
}

double speed_spread(const Json& samples) {
  if (!samples.is_array()) throw InputError("machine_speed.samples: expected an array");
  std::map<int64_t, std::vector<double>> by_threads;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Json& s = samples[i];
    if (!s.is_object() || !s.contains("threads") || !s["threads"].is_number_integer() || !s.contains("latency_us") ||
        !s["latency_us"].is_number() || !(s["latency_us"].get<double>() > 0))
      throw InputError("machine_speed.samples[" + std::to_string(i) + "] = " + s.dump() +
                       ": expected {\"elapsed_s\", \"threads\", \"latency_us\" > 0}");
    by_threads[s["threads"].get<int64_t>()].push_back(s["latency_us"].get<double>());
  }
  double spread = 0;
  for (auto& [threads, us] : by_threads) {
    if (us.size() < 2) continue;
    std::sort(us.begin(), us.end());
    const size_t tenth = us.size() < 10 ? 0 : us.size() / 10;
    spread = std::max(spread, us[us.size() - 1 - tenth] / us[tenth] - 1);
  }
  return spread;
}

}  // namespace cpx::profiler

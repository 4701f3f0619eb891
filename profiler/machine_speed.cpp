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

SpeedWatch::SpeedWatch(Json& profile, std::function<double()> elapsed_s) : profile_(profile), elapsed_s_(std::move(elapsed_s)) {
  Json& s = section();
  if (!s.is_object()) s = Json::object();
  s["reference"] = speed_reference;
  if (!s.contains("samples") || !s["samples"].is_array()) s["samples"] = Json::array();
}

void SpeedWatch::after(Json& record, int64_t threads) {
  const double now = elapsed_s_();
  record["elapsed_s"] = now;
  maybe_check(threads, now);
}

void SpeedWatch::maybe_check(int64_t threads, double elapsed_s) {
  const auto last = last_s_.find(threads);
  if (last != last_s_.end() && elapsed_s - last->second < speed_check_every_s) return;
  last_s_[threads] = elapsed_s;
  const double us = time_speed_reference_us(threads, 0.05);
  section()["samples"].push_back({{"elapsed_s", elapsed_s}, {"threads", threads}, {"latency_us", us}});
}

void SpeedWatch::finish() {
  const double spread = speed_spread(section()["samples"]);
  section()["spread"] = spread;
  section()["slowed"] = spread > max_speed_spread;
  const int64_t flagged = flag_slowed_records(profile_);
  section()["records_flagged"] = flagged;
}

int64_t flag_slowed_records(Json& profile) {
  if (!profile.contains("machine_speed")) return 0;
  const Json& samples = profile["machine_speed"]["samples"];
  speed_spread(samples);  // validates them
  std::map<int64_t, std::vector<double>> by_threads;
  for (const auto& s : samples) by_threads[s["threads"].get<int64_t>()].push_back(s["latency_us"].get<double>());
  std::map<int64_t, double> median;
  for (auto& [t, us] : by_threads) {
    std::sort(us.begin(), us.end());
    median[t] = us[us.size() / 2];
  }
  struct Mark {
    double at_s;
    bool slow;
  };
  std::vector<Mark> marks;
  for (const auto& s : samples)
    marks.push_back({s.value("elapsed_s", 0.0), s["latency_us"].get<double>() > slow_reference_factor * median[s["threads"].get<int64_t>()]});
  std::stable_sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.at_s < b.at_s; });
  std::vector<std::pair<double, double>> spans;
  for (size_t i = 0; i < marks.size(); ++i)
    if (marks[i].slow)
      spans.emplace_back(i == 0 ? -1e300 : marks[i - 1].at_s, i + 1 == marks.size() ? 1e300 : marks[i + 1].at_s);
  int64_t flagged = 0;
  for (const char* section : {"configs", "ops", "networks", "fasternet", "zoo"}) {
    if (!profile.contains(section) || !profile[section].is_array()) continue;
    for (auto& r : profile[section]) {
      if (!r.is_object() || !r.contains("elapsed_s") || !r["elapsed_s"].is_number() || !r.contains("latency_us") || !r["latency_us"].is_object())
        continue;
      const double at = r["elapsed_s"].get<double>();
      if (!std::any_of(spans.begin(), spans.end(), [&](const auto& sp) { return at > sp.first && at < sp.second; })) continue;
      r["latency_us"]["noisy"] = true;
      r["latency_us"]["machine_slowed"] = true;
      ++flagged;
    }
  }
  return flagged;
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

#include "profiler/profile/interference.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

namespace cpx::profiler {

namespace {

std::string percent(double share) {
  char b[32];
  std::snprintf(b, sizeof b, share > 0 && share < 0.1 ? "%.1f%%" : "%.0f%%", 100 * share);
  return b;
}

// Why a noisy timing was flagged, from what it stores (the robust CV it was held to: Stats::robust_cv).
struct Reasons {
  bool wait, cv, outliers, slowed;
};
Reasons reasons_of(const Timing& t) {
  return {t.wait_fraction > noisy_wait_threshold, t.stats_us.robust_cv > t.cv_threshold, t.outlier_runs > 0,
          t.machine_slowed};
}

}  // namespace

bool timing_noisy_in_itself(const Timing& timing) {
  if (!timing.noisy) return false;
  const Reasons r = reasons_of(timing);
  return !r.slowed || r.wait || r.cv || r.outliers;
}

SpeedAtTime::SpeedAtTime(const std::vector<SpeedSample>& samples) : median_us_(speed_medians_us(samples)) {
  for (const SpeedSample& s : samples) checks_[s.threads].emplace_back(s.elapsed_s, s.latency_us);
  for (auto& [t, c] : checks_)
    std::stable_sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

double SpeedAtTime::factor(int64_t threads, double elapsed_s) const {
  const auto it = checks_.find(threads);
  if (it == checks_.end()) return 1.0;
  const auto& c = it->second;
  const auto after =
      std::lower_bound(c.begin(), c.end(), elapsed_s, [](const auto& check, double at) { return check.first < at; });
  double us;
  if (after == c.begin()) us = after->second;
  else if (after == c.end()) us = c.back().second;
  else {
    const auto before = std::prev(after);
    const double span = after->first - before->first;
    const double w = span > 0 ? (elapsed_s - before->first) / span : 0.5;
    us = before->second + w * (after->second - before->second);
  }
  return median_us_.at(threads) / us;
}

void Interference::add(const std::string& section, const Timing& timing) {
  auto it = sections_.begin();
  while (it != sections_.end() && it->first != section) ++it;
  if (it == sections_.end()) it = sections_.insert(sections_.end(), {section, NoiseCount{}});
  NoiseCount& c = it->second;
  ++c.measurements;
  if (!timing.noisy) return;
  ++c.noisy;
  const Reasons r = reasons_of(timing);
  c.wait += r.wait;
  c.cv += r.cv;
  c.outliers += r.outliers;
  c.slowed += r.slowed;
}

NoiseCount Interference::total() const {
  NoiseCount t;
  for (const auto& [name, c] : sections_) {
    t.measurements += c.measurements;
    t.noisy += c.noisy;
    t.wait += c.wait;
    t.cv += c.cv;
    t.outliers += c.outliers;
    t.slowed += c.slowed;
  }
  return t;
}

std::string noise_reasons(const NoiseCount& c) {
  return "run-queue wait " + std::to_string(c.wait) + ", CV " + std::to_string(c.cv) + ", outliers " +
         std::to_string(c.outliers) + (c.slowed > 0 ? ", machine slowed " + std::to_string(c.slowed) : "");
}

Json Interference::to_json() const {
  auto one = [](const NoiseCount& c) {
    return Json{
        {"measurements", c.measurements},
        {"noisy", c.noisy},
        {"share", c.share()},
        {"why", {{"run_queue_wait", c.wait}, {"cv", c.cv}, {"outliers", c.outliers}, {"machine_slowed", c.slowed}}}};
  };
  Json j = one(total());
  j["threshold"] = interference_threshold;
  j["above_threshold"] = above();
  j["sections"] = Json::object();
  for (const auto& [name, c] : sections_) j["sections"][name] = one(c);
  return j;
}

Interference Interference::from_json(const Json& j) {
  Interference out;
  if (!j.is_object() || !j.contains("sections") || !j["sections"].is_object()) return out;
  for (const auto& [name, c] : j["sections"].items()) {
    NoiseCount n;
    n.measurements = c.value("measurements", int64_t{0});
    n.noisy = c.value("noisy", int64_t{0});
    const Json why = c.value("why", Json::object());
    n.wait = why.value("run_queue_wait", int64_t{0});
    n.cv = why.value("cv", int64_t{0});
    n.outliers = why.value("outliers", int64_t{0});
    n.slowed = why.value("machine_slowed", int64_t{0});
    out.sections_.emplace_back(name, n);
  }
  return out;
}

Json Interference::brief() const {
  return {{"share", total().share()}, {"above_threshold", above()}, {"summary", summary()}};
}

std::string Interference::summary() const {
  const NoiseCount t = total();
  std::string per;
  for (const auto& [name, c] : sections_)
    per += (per.empty() ? "" : "; ") + name + " " + std::to_string(c.noisy) + "/" + std::to_string(c.measurements) +
           (c.noisy ? " (" + noise_reasons(c) + ")" : "");
  return std::to_string(t.noisy) + " of " + std::to_string(t.measurements) + " (" + percent(t.share()) + "): " + per;
}

const std::pair<std::string, NoiseCount>* Interference::mostly_noisy_section() const {
  for (const auto& s : sections_)
    if (s.second.measurements >= section_noise_min_measurements && s.second.share() > section_noise_limit) return &s;
  return nullptr;
}

Wording Interference::line(const std::string& command) const {
  if (!above())
    return command + ": noisy measurements " + summary() + " (below the " + percent(interference_threshold) +
           " threshold)";
  const auto* section = total().share() > interference_threshold ? nullptr : mostly_noisy_section();
  return {command + ": WARNING: noisy measurements " + summary() +
              (section ? ", " + section->first + " more than " + percent(section_noise_limit) + " of it"
                       : ", above the " + percent(interference_threshold) + " threshold") +
              ": the machine was busy while measuring, so these figures read slower than this machine is; measure "
              "again on a quiet machine (",
          Field::quiet_machine_check, "); exit " + std::to_string(exit_interfered)};
}

Interference profile_interference(const Profile& profile) {
  Interference out;
  for (size_t s = 0; s < std::size(profile_sections); ++s)
    for (const ProfileRecord& r : profile.sections[s]) out.add(profile_sections[s], r.timing);
  return out;
}

Interference mark_interference(Profile& profile) {
  Interference out = profile_interference(profile);
  if (out.above()) profile.interference = out.to_json();
  else profile.interference.reset();
  return out;
}

std::map<int64_t, std::vector<double>> speed_by_threads(const std::vector<SpeedSample>& samples) {
  std::map<int64_t, std::vector<double>> by_threads;
  for (const SpeedSample& s : samples) by_threads[s.threads].push_back(s.latency_us);
  return by_threads;
}

double spread_of(std::vector<double> latencies_us) {
  if (latencies_us.size() < 2) return 0;
  std::sort(latencies_us.begin(), latencies_us.end());
  const size_t tenth = latencies_us.size() < 10 ? 0 : latencies_us.size() / 10;
  return latencies_us[latencies_us.size() - 1 - tenth] / latencies_us[tenth] - 1;
}

double speed_spread(const std::vector<SpeedSample>& samples) {
  double spread = 0;
  for (const auto& [threads, us] : speed_by_threads(samples)) spread = std::max(spread, spread_of(us));
  return spread;
}

std::map<int64_t, double> speed_medians_us(const std::vector<SpeedSample>& samples) {
  std::map<int64_t, double> median;
  for (auto& [t, us] : speed_by_threads(samples)) {
    std::sort(us.begin(), us.end());
    median[t] = us[us.size() / 2];
  }
  return median;
}

int64_t flag_slowed_records(Profile& profile) {
  if (!profile.machine_speed) return 0;
  const std::vector<SpeedSample>& samples = profile.machine_speed->samples;
  std::map<int64_t, double> median = speed_medians_us(samples);
  struct Mark {
    double at_s;
    bool slow;
  };
  std::vector<Mark> marks;
  for (const SpeedSample& s : samples)
    marks.push_back({s.elapsed_s, s.latency_us > slow_reference_factor * median[s.threads]});
  std::stable_sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.at_s < b.at_s; });
  // Runs of at least two slow marks in a row: one slow time alone is a blip of under a check interval.
  std::vector<std::pair<double, double>> spans;
  for (size_t i = 0; i < marks.size();) {
    size_t end = i;
    while (end < marks.size() && marks[end].slow) ++end;
    if (end - i >= 2)
      spans.emplace_back(i == 0 ? -1e300 : marks[i - 1].at_s, end == marks.size() ? 1e300 : marks[end].at_s);
    i = std::max(end, i + 1);
  }
  int64_t flagged = 0;
  for (auto& section : profile.sections)
    for (ProfileRecord& r : section) {
      if (!r.elapsed_s) continue;  // from a profile before the watch
      const double at = *r.elapsed_s;
      if (!std::any_of(spans.begin(), spans.end(), [&](const auto& sp) { return at > sp.first && at < sp.second; }))
        continue;
      r.timing.noisy = true;
      r.timing.machine_slowed = true;
      ++flagged;
    }
  return flagged;
}

}  // namespace cpx::profiler

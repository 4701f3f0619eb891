#include "profiler/profile/timing.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <utility>

namespace cpx::profiler {

namespace {

// Linear interpolation between order statistics (numpy's default percentile).
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.size() == 1) return sorted[0];
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

Stats summarize(std::vector<double> samples) {
  Stats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.count = static_cast<int64_t>(samples.size());
  s.median = percentile(samples, 0.5);
  s.p10 = percentile(samples, 0.1);
  s.p90 = percentile(samples, 0.9);
  s.min = samples.front();
  s.max = samples.back();
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  double ss = 0;
  for (double x : samples) ss += (x - s.mean) * (x - s.mean);
  s.stdev = samples.size() > 1 ? std::sqrt(ss / static_cast<double>(samples.size() - 1)) : 0.0;
  s.cv = s.mean > 0 ? s.stdev / s.mean : 0.0;
  s.robust_cv = s.median > 0 ? (s.p90 - s.p10) / (2 * 1.2816 * s.median) : 0.0;
  return s;
}

Json to_json(const Stats& s) {
  return {{"count", s.count}, {"median", s.median}, {"p10", s.p10}, {"p90", s.p90}, {"mean", s.mean},
          {"stdev", s.stdev}, {"cv", s.cv},         {"min", s.min}, {"max", s.max}, {"robust_cv", s.robust_cv}};
}

Json to_json(const Timing& t, bool with_samples) {
  Json j = {{"stats_us", to_json(t.stats_us)},  {"attempts", t.attempts},         {"noisy", t.noisy},
            {"wait_fraction", t.wait_fraction}, {"outlier_runs", t.outlier_runs}, {"cv_threshold", t.cv_threshold}};
  if (with_samples) j["samples_us"] = t.samples_us;
  if (t.machine_slowed) j["machine_slowed"] = true;
  return j;
}

namespace {

// j[key] into `out` where j has it: a finite number (an integer where `out` is one), else an InputError.
template <class T>
void read_timing_number(const Json& j, const char* key, const Where& where, T& out) {
  if (!j.contains(key)) return;
  const Json& v = j[key];
  const bool ok = std::is_integral_v<T> ? v.is_number_integer() : v.is_number() && std::isfinite(v.get<double>());
  if (!ok) (where / key).fail(v, std::is_integral_v<T> ? "expected an integer" : "expected a finite number");
  out = v.get<T>();
}

}  // namespace

Timing timing_from_json(const Json& j, const Where& where) {
  if (!j.is_object()) where.fail(j, "expected an object");
  if (!j.contains("stats_us")) (where / "stats_us").fail("missing required field");
  const Json& s = j["stats_us"];
  const Where ws = where / "stats_us";
  if (!s.is_object()) ws.fail(s, "expected an object");
  if (!s.contains("median")) (ws / "median").fail("missing required field");
  Timing t;
  Stats& st = t.stats_us;
  read_timing_number(s, "median", ws, st.median);
  if (st.median < 0) (ws / "median").fail(s["median"], "expected a number >= 0");
  read_timing_number(s, "count", ws, st.count);
  for (const auto& [key, value] : {std::pair{"p10", &st.p10},
                                   {"p90", &st.p90},
                                   {"mean", &st.mean},
                                   {"stdev", &st.stdev},
                                   {"cv", &st.cv},
                                   {"min", &st.min},
                                   {"max", &st.max},
                                   {"robust_cv", &st.robust_cv}})
    read_timing_number(s, key, ws, *value);
  read_timing_number(j, "attempts", where, t.attempts);
  read_timing_number(j, "wait_fraction", where, t.wait_fraction);
  read_timing_number(j, "outlier_runs", where, t.outlier_runs);
  read_timing_number(j, "cv_threshold", where, t.cv_threshold);
  if (j.contains("noisy")) {
    if (!j["noisy"].is_boolean()) (where / "noisy").fail(j["noisy"], "expected true or false");
    t.noisy = j["noisy"].get<bool>();
  }
  if (j.contains("machine_slowed")) {
    if (!j["machine_slowed"].is_boolean())
      (where / "machine_slowed").fail(j["machine_slowed"], "expected true or false");
    t.machine_slowed = j["machine_slowed"].get<bool>();
  }
  if (j.contains("samples_us")) {
    const Json& v = j["samples_us"];
    if (!v.is_array()) (where / "samples_us").fail(v, "expected an array");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number() || !std::isfinite(v[i].get<double>()))
        (where / "samples_us")[i].fail(v[i], "expected a finite number");
      t.samples_us.push_back(v[i].get<double>());
    }
  }
  return t;
}

}  // namespace cpx::profiler

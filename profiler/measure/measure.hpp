// Timing with statistics: warm-up, then repeated runs until a minimum count and a minimum time are
// both reached. The median is the figure to quote; raw samples travel with it.
#pragma once

#include <functional>
#include <vector>

#include "profiler/executor/plan.hpp"
#include "profiler/profile/interference.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "space/error.hpp"

namespace cpx::profiler {

struct MeasureOptions {
  int64_t warmup_runs = 3;
  int64_t min_runs = 10;
  double min_time_s = 0.5;
  int64_t max_runs = 100000;
  double cv_threshold = noisy_cv_threshold;  // robust_cv above this: repeated, then flagged noisy
  // Interference the CV can miss: our threads runnable but waiting for a CPU for more than this share
  // of the time (another process on our CPUs), or a run this many times the median.
  double wait_threshold = noisy_wait_threshold;
  double outlier_factor = 10.0;
  int64_t attempts = 3;        // measurements of the same thing before giving up on a quiet one
  // Runs before every timed run, outside the timed interval (cold caches: see NetworkRun::cold_caches).
  std::function<void()> before_each_run;
};

struct Stats {
  int64_t count = 0;
  double median = 0, p10 = 0, p90 = 0, mean = 0, stdev = 0, cv = 0, min = 0, max = 0;
  // (p90 - p10) / (2 x 1.2816 x median): the CV for normally distributed runs, but blind to the few
  // runs (under a tenth) that a timer tick or a neighbour on the SMT sibling slows down 2-3x, which move
  // neither the median nor this. What noise thresholds are compared with: it flags far fewer of a
  // profile's items than the plain CV (docs/log/predictor.md, moved from code comments).
  double robust_cv = 0;
};

Stats summarize(std::vector<double> samples);
Json to_json(const Stats& s);

struct Timing {
  std::vector<double> samples_us;  // of the attempt kept (the quietest)
  Stats stats_us;
  int64_t attempts = 1;
  double wait_fraction = 0;        // run-queue wait of our threads / wall time (-1: not known here)
  int64_t outlier_runs = 0;        // runs above outlier_factor x median
  bool noisy = false;              // robust CV, run-queue wait or outliers above threshold in every attempt
  double cv_threshold = noisy_cv_threshold;  // the one it was held to (MeasureOptions::cv_threshold)
};
Json to_json(const Timing& t, bool with_samples = true);

// Seconds our threads have spent runnable but waiting for a CPU (Linux schedstat); -1 if unknown.
double run_queue_wait_s();

// Times `run` (one inference) as MeasureOptions says.
Timing time_runs(const std::function<void()>& run, const MeasureOptions& options);

// Whole-network and per-op timings of one plan. Per-op times come from separate runs in which every op
// is timed on its own; the additivity gap (sum of per-op medians / whole-network median) says how far
// they add up to the whole.
struct LayerTimings {
  Timing network;
  std::vector<Timing> ops;
  double additivity = 0;
};
LayerTimings time_layers(Plan& plan, const MeasureOptions& options);

}  // namespace cpx::profiler

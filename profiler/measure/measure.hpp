// Timing with statistics: warm-up, then repeated runs until a minimum count and a minimum time are
// both reached. The median is the figure to quote; raw samples travel with it.
#pragma once

#include <functional>
#include <vector>

#include "profiler/executor/plan.hpp"
#include "profiler/profile/interference.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "profiler/profile/timing.hpp"
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
  int64_t attempts = 3;  // measurements of the same thing before giving up on a quiet one
  // Runs before every timed run, outside the timed interval (cold caches: see NetworkRun::cold_caches).
  std::function<void()> before_each_run;
};

// Seconds our threads have spent runnable but waiting for a CPU (Linux schedstat); -1 if unknown.
double run_queue_wait_s();

// The Timing of one attempt's runs: their statistics, outliers and the share of `wall_s` our threads waited
// on a run queue (from run_queue_wait_s() read before and after; -1 where unknown). Not yet flagged noisy.
Timing timing_of_runs(std::vector<double> samples_us, double wait0_s, double wait1_s, double wall_s,
                      const MeasureOptions& options);
// Whether the machine interfered with a Timing by MeasureOptions' thresholds (robust CV, run-queue wait,
// outlier runs): what flags it noisy.
bool interfered(const Timing& t, const MeasureOptions& options);

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

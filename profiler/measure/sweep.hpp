// The design-space sweep: measures the work of sweep_grid.hpp on this machine and produces a device
// profile (JSON "cpubone-explore/device-profile/v2", see profile_file.hpp), checkpointed and resumable.
#pragma once

#include <array>
#include <atomic>

#include "profiler/measure/measure.hpp"
#include "profiler/profile/profile_file.hpp"
#include "profiler/profile/sweep_grid.hpp"

namespace cpx::profiler {

struct SweepOptions {
  bool quick = false;
  std::vector<int64_t> threads;  // empty: 1 and every CPU this process may use (profiler/profile/cpus.hpp)
  double budget_s = 0;           // 0: default_budget_s(quick)
  uint64_t seed = 0;
  std::string out_path;
  bool resume = false;
  std::string device = "host";  // the name the profile is stored under
};

// The budget's split: the grid, single ops, sampled networks, FasterNet stacks and the zoo share 70%
// (their per-item time adapts to what is left of it, see Pacer; at three runs each they may still overrun
// it); the coverage set's two rounds 15% each, as hard slices from when each starts. A round that starts
// late gets an equal part of what is left of the whole budget instead, but never less than
// min_coverage_share: the profile then ends near its budget and still has an adaptive round.
inline constexpr double grid_share = 0.70;
inline constexpr std::array<double, 2> coverage_shares{0.15, 0.15};
inline constexpr double min_coverage_share = 0.05;

// The slice of coverage round `round` (1 or 2) when it starts `elapsed_s` into the budget, with
// `rounds_left` rounds to go, this one included.
double coverage_slice_s(size_t round, size_t rounds_left, double budget_s, double elapsed_s);

// Timing of the next measurement: the budget left, shared among the measurements left, each item taking
// `item_per_min_time` times the min_time_s it is given (at least 3 runs and 5 ms, at most 0.5 s).
MeasureOptions options_within(double budget_left_s, size_t items_left, double item_per_min_time = 3.0);

// How long an item takes for the min_time_s it is given. Creating the plan, the warm-up, the per-op pass,
// a second attempt and, in the cold sections, an eviction before every run come on top, in shares that
// vary by section and machine: a fixed 3x let a cold profile overrun its budget (docs/log/predictor.md,
// moved from code comments), so the ratio is measured as the sweep goes (all items so far), from 3.
class Pacer {
 public:
  MeasureOptions next(double budget_left_s, size_t items_left) const;
  void done(double item_s, const MeasureOptions& given);

 private:
  double item_s_ = 0, min_time_s_ = 0;
};

// Runs (or resumes) the sweep, checkpointing to options.out_path (to_json(Profile)); returns the profile.
// Stops early, with the last checkpoint written and complete false, when `stop` becomes true (SIGINT).
Profile run_sweep(const SweepOptions& options, const std::atomic<bool>& stop);

// `profile --device NAME`: measures the machine it runs on and stores the profile under NAME ("host", or
// e.g. "pi5" when run on a Raspberry Pi 5, whose fitted predictor then replaces the shipped calibrated
// one). Checks the request (name, threads and budget) and runs the sweep into options.out_path, which the
// front end sets (predictor::resolve_device(NAME).profile_path by default: the cache is the predictor's).
Profile profile_device(const std::string& device, SweepOptions& options, const std::atomic<bool>& stop);

}  // namespace cpx::profiler

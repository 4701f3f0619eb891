// The design-space sweep: measures the work of sweep_grid.hpp on this machine and produces a device
// profile (JSON "cpubone-explore/device-profile/v1", see profile_file.hpp), checkpointed and resumable.
#pragma once

#include <atomic>

#include "profiler/profile_file.hpp"
#include "profiler/sweep_grid.hpp"

namespace cpx::profiler {

struct SweepOptions {
  bool quick = false;
  std::vector<int64_t> threads;  // empty: 1 and every core
  double budget_s = 0;           // 0: the default (600 s full, 60 s quick)
  uint64_t seed = 0;
  std::string out_path;
  bool resume = false;
  std::string device = "host";  // the name the profile is stored under
};

// Runs (or resumes) the sweep, checkpointing to options.out_path; returns the profile JSON. Stops early,
// with the last checkpoint written and "complete": false, when `stop` becomes true (SIGINT).
Json run_sweep(const SweepOptions& options, const std::atomic<bool>& stop);

// `profile --device NAME`: measures the machine it runs on and stores the profile under NAME ("host", or
// e.g. "pi5" when run on a Raspberry Pi 5, whose fitted predictor then replaces the shipped calibrated
// one). Checks the request (name, threads and budget), sets options.out_path to the default profile
// path of NAME when empty, and runs the sweep.
Json profile_device(const std::string& device, SweepOptions& options, const std::atomic<bool>& stop);

}  // namespace cpx::profiler

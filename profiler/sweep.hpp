// The design-space sweep: every block variant of the CPUBone design study over kernels, groups,
// channels, resolutions and strides, plus every operator of the zoo in context. Produces a device
// profile (JSON "cpubone-explore/device-profile/v1"), checkpointed and resumable.
#pragma once

#include <atomic>
#include <optional>

#include "profiler/measure.hpp"
#include "profiler/probes.hpp"

namespace cpx::profiler {

inline constexpr std::string_view device_profile_schema = "cpubone-explore/device-profile/v1";
// Seeds of the sampled networks a profile measures for fitting; validation must sample below this.
inline constexpr uint64_t training_seed_base = 1'000'000;

// One point of the grid: a single block (or operator) on a 1 x R x R x C input.
struct SweepConfig {
  std::string variant;  // conv, gconv, dwconv, pwconv, pconv, fumbconv, grfumbconv, mbconv, grmbconv
  int64_t kernel = 3;
  int64_t groups = 1;
  int64_t channels = 0;
  int64_t resolution = 0;
  int64_t stride = 1;
  int64_t threads = 1;
  std::string id() const;
  Network network() const;
};

struct SweepOptions {
  bool quick = false;
  std::vector<int64_t> threads;  // empty: 1 and every core
  double budget_s = 0;           // 0: the default (600 s full, 60 s quick)
  uint64_t seed = 0;
  std::string out_path;
  bool resume = false;
  std::string device = "host";  // the name the profile is stored under
};

std::vector<SweepConfig> sweep_grid(bool quick, const std::vector<int64_t>& threads);

// Runs (or resumes) the sweep, checkpointing to options.out_path; returns the profile JSON. Stops early,
// with the last checkpoint written and "complete": false, when `stop` becomes true (SIGINT).
Json run_sweep(const SweepOptions& options, const std::atomic<bool>& stop);

// `profile --device NAME`: measures the machine it runs on and stores the profile under NAME ("host", or
// e.g. "pi5" when run on a Raspberry Pi 5, whose fitted predictor then replaces the shipped calibrated
// one). Checks the request (name, threads and budget), sets options.out_path to the default profile
// path of NAME when empty, and runs the sweep.
Json profile_device(const std::string& device, SweepOptions& options, const std::atomic<bool>& stop);

// Where `profile --device NAME` writes by default: $CPX_HOME or ~/.cache/cpubone-explore, devices/NAME.json.
std::string default_profile_path(const std::string& device);

// Loads a device profile, checking its schema and every field that resume, rules and fit read.
Json load_profile(const std::string& path);
// The same checks on a profile already parsed (`file` names it in errors).
Json profile_from_json(Json j, const std::string& file);

}  // namespace cpx::profiler

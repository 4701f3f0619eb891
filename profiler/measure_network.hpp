// One network measured on this machine as `measure` reports it: whole-network (and optionally per-op)
// timing statistics with raw samples, MACpS against the measured peak, and the environment.
#pragma once

#include "profiler/measure.hpp"

namespace cpx::profiler {

inline constexpr std::string_view measurement_schema = "cpubone-explore/measurement/v1";

struct NetworkMeasureOptions {
  int64_t threads = 1;
  bool layers = false;  // also time every op on its own
  uint64_t seed = 0;    // weights and input
  double min_time_s = 1.0;
  int64_t min_runs = 20;
};

// Pins the calling thread to `threads` CPUs (see pin_to_cpus) and measures. Returns the
// "cpubone-explore/measurement/v1" JSON; options out of range are InputErrors.
Json measure_network(const Network& net, const NetworkMeasureOptions& options);

}  // namespace cpx::profiler

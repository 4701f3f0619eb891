// One network measured on this machine. time_network is the one way every command measures a network
// (a plan with seeded weights and a seeded input, timed under MeasureOptions); measure_network builds
// the JSON of `measure` on it.
#pragma once

#include "profiler/measure.hpp"
#include "space/count.hpp"

namespace cpx::profiler {

struct NetworkRun {
  int64_t threads = 1;
  uint64_t seed = 0;    // weights and input
  bool layers = false;  // also time every op on its own (time_layers)
  MeasureOptions timing;
  // Before every timed run, each of the plan's threads reads cache_evict_bytes, so that weights and
  // tensors come from memory as they do inside a network whose working set exceeds the caches, not
  // from the caches a network of one op or one block keeps warm between back-to-back runs. Measured
  // here: MobileNetV2's 16->96 1x1 expand at 112x112 ran 305 us back to back and 553 us inside the
  // network (1 thread), 430-560 us after 25-50 MB written in between. Cold runs vary more by themselves,
  // so their CV threshold is noisy_cv_threshold_cold.
  bool cold_caches = false;
};

// Bytes each thread reads to evict the caches: twice the last-level cache cpuinfo reports, or 32 MiB
// where it reports none (this VM: a 25 MB write between runs evicted most of it, 50 MB all; 64 MiB
// doubled the default profile's time).
int64_t cache_evict_bytes();
// The largest cache level's size per instance as cpuinfo reports it (L3, else L2), 0 where unknown.
int64_t last_level_cache_bytes();

struct NetworkTimings {
  LayerTimings timings;  // .network always; .ops and .additivity only with NetworkRun::layers
  std::vector<Implementation> implementations;  // per op: how the plan ran it
  int64_t emulated_ops = 0;                     // ops not run as a single XNNPACK operator
  int64_t arena_bytes = 0;
};

// Does not pin: callers pin once per thread count (pin_to_cpus), not once per network.
NetworkTimings time_network(const Network& net, const NetworkRun& run);

// How the executor runs each op of `net` (planned with seeded weights on one thread, not timed).
std::vector<Implementation> plan_implementations(const Network& net, uint64_t seed);

inline constexpr std::string_view measurement_schema = "cpubone-explore/measurement/v1";

struct NetworkMeasureOptions {
  int64_t threads = 1;
  bool layers = false;  // also time every op on its own
  uint64_t seed = 0;    // weights and input
  double min_time_s = 1.0;
  int64_t min_runs = 20;
  bool cold_caches = false;  // NetworkRun::cold_caches
};

// Pins the calling thread to `threads` CPUs (see pin_to_cpus) and measures. Returns the
// "cpubone-explore/measurement/v1" JSON; options out of range are InputErrors. With `layers`, each op's
// row has count's layer_row keys name, op and macs, and implementation, xnnpack, emulated, latency_us,
// macps, fraction_of_peak and share.
Json measure_network(const Network& net, const NetworkMeasureOptions& options);

// MACs per second of `macs` done in `latency_us`; 0 for a latency of 0.
double macps_of(int64_t macs, double latency_us);

}  // namespace cpx::profiler

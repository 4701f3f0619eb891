// One network timed on this machine: time_network is the one way every command times a network (a plan
// with seeded weights and a seeded input, timed under MeasureOptions); measure_network.hpp and probes.hpp
// build on it.
#pragma once

#include <memory>

#include "profiler/executor/plan.hpp"
#include "profiler/executor/weights.hpp"
#include "profiler/measure/measure.hpp"

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
  // The network's own weights (an ONNX file's, a network JSON's weights file), not owned; null: seeded.
  // Last, so that the positional initialisations above it stay as they are.
  const NetworkWeights* weights = nullptr;
};

// Bytes each thread reads to evict the caches: twice the last-level cache cpuinfo reports, or 32 MiB
// where it reports none (this VM: a 25 MB write between runs evicted most of it, 50 MB all; 64 MiB
// doubled the default profile's time).
int64_t cache_evict_bytes();
// The largest cache level's size per instance as cpuinfo reports it (L3, else L2), 0 where unknown.
int64_t last_level_cache_bytes();

struct NetworkTimings {
  LayerTimings timings;                         // .network always; .ops and .additivity only with NetworkRun::layers
  std::vector<Implementation> implementations;  // per op: how the plan ran it
  int64_t emulated_ops = 0;                     // ops not run as a single XNNPACK operator
  int64_t arena_bytes = 0;
};

// A plan of `net` on `threads` threads with the seeded input, and `weights` (null: seeded by `seed`).
std::unique_ptr<Plan> seeded_plan(const Network& net, int64_t threads, uint64_t seed,
                                  const NetworkWeights* weights = nullptr);

// Does not pin: callers pin once per thread count (pin_to_cpus), not once per network.
NetworkTimings time_network(const Network& net, const NetworkRun& run);

// How the executor runs each op of `net` (planned with seeded weights on one thread, not timed).
std::vector<Implementation> plan_implementations(const Network& net, uint64_t seed);

// MACs per second of `macs` done in `latency_us`; 0 for a latency of 0.
double macps_of(int64_t macs, double latency_us);

}  // namespace cpx::profiler

// The machine's own speed while it measures. A neighbour on the host of this VM slows every run without
// showing in our run queue (the VM reports no steal time): one 2-thread validate here (2026-11-23) ran
// 34% slow in four of its five rounds with 1 of 395 measurements flagged, and one default profile
// timed B0 23% slower than the profile before it, with 3.2% of its measurements flagged. Only a fixed
// piece of work timed now and then shows it: profile times a 3x3 conv (128 channels, 28x28) every
// speed_check_every_s seconds at each thread count, validate before every round.
#pragma once

#include <cstdint>
#include <string>

#include <map>

#include "space/error.hpp"

namespace cpx::profiler {

inline constexpr const char* speed_reference = "3x3 conv, 128 channels, 28x28, warm caches";
// Above this spread of the reference's times at one thread count, the machine changed speed under the
// measurements: the command warns and exits with exit_interfered (fit: see max_speed_spread_to_fit).
inline constexpr double max_speed_spread = 0.10;
inline constexpr double speed_check_every_s = 30;

// The reference's median latency at `threads` over about min_time_s, on the CPUs the caller pinned.
double time_speed_reference_us(int64_t threads, double min_time_s);

// profile["machine_speed"]: {"reference", "samples": [{"elapsed_s", "threads", "latency_us"}, ...],
// "spread", "slowed"}, the samples kept across resumed runs.
class SpeedWatch {
 public:
  explicit SpeedWatch(Json& profile);
  // Times the reference at `threads` (the CPUs pinned now) when speed_check_every_s have passed since the
  // last time at that thread count, or it has none yet.
  void maybe_check(int64_t threads, double elapsed_s);
  // Writes spread and slowed from the samples.
  void finish();

 private:
  Json& section_;
  std::map<int64_t, double> last_s_;
};

// Per thread count with at least two samples, p90 / p10 - 1 of its latencies (max / min - 1 below ten
// samples, where the tenths are the extremes); the largest over thread counts, 0 without any.
double speed_spread(const Json& samples);

}  // namespace cpx::profiler

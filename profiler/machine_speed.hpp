// The machine's own speed while it measures. A neighbour on the host of this VM slows every run without
// showing in our run queue (the VM reports no steal time): one 2-thread validate here (2026-11-23) ran
// 34% slow in four of its five rounds with 1 of 395 measurements flagged, and one default profile
// timed B0 23% slower than the profile before it, with 3.2% of its measurements flagged. Only a fixed
// piece of work timed now and then shows it: profile times a 3x3 conv (128 channels, 28x28) every
// speed_check_every_s seconds at each thread count, validate before every round.
#pragma once

#include <cstdint>
#include <string>

#include <functional>
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
// "spread", "slowed", "records_flagged"}, the samples kept across resumed runs. elapsed_s counts from the
// profile's first run, as the clock given does.
class SpeedWatch {
 public:
  SpeedWatch(Json& profile, std::function<double()> elapsed_s);
  // After a measurement at `threads` (the CPUs pinned now): stamps the record with elapsed_s and times the
  // reference when speed_check_every_s have passed since its last time at that thread count, or it has
  // none yet.
  void after(Json& record, int64_t threads);
  void maybe_check(int64_t threads, double elapsed_s);
  // Writes spread and slowed, and flags the records measured while the machine ran slow
  // (flag_slowed_records).
  void finish();

 private:
  Json& section() { return profile_["machine_speed"]; }  // looked up each time: new keys move an object's members
  Json& profile_;
  std::function<double()> elapsed_s_;
  std::map<int64_t, double> last_s_;
};

// A reference time over slow_reference_factor times the median of its thread count's marks the machine
// slow from the reference time before it to the one after it (all thread counts, in time order); every
// record of the profile's measured sections stamped inside such a span gets "noisy": true and
// "machine_slowed": true in its timing, so that fit drops it as it drops any noisy measurement. Returns
// how many it flagged. (The reference's own median moves by about 1% on this VM when nothing happens.)
inline constexpr double slow_reference_factor = 1.05;
int64_t flag_slowed_records(Json& profile);

// Per thread count with at least two samples, p90 / p10 - 1 of its latencies (max / min - 1 below ten
// samples, where the tenths are the extremes); the largest over thread counts, 0 without any.
double speed_spread(const Json& samples);

}  // namespace cpx::profiler

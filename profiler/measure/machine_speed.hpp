// The machine's own speed while it measures. A neighbour on the host of this VM slows every run without
// showing in our run queue (the VM reports no steal time): validate rounds and whole profiles have run
// far slower than the ones before them with almost none of their measurements flagged. Only a fixed
// piece of work timed now and then shows it: profile times the reference every speed_check_every_s
// seconds at each thread count, validate before every round and after every validate_reference_every-th
// network.
//
// The reference is a whole network, MobileNetV2: a neighbour slows networks through the memory system
// more than it slows a conv that stays in L2: timed in the same windows as sampled networks, MobileNetV2
// tracked their common speed far better than a 3x3 conv did (docs/log/predictor.md, moved from code
// comments). A profile names its reference; validate times the reference its profile names.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "profiler/profile/interference.hpp"  // max_speed_spread, speed_spread, flag_slowed_records
#include "space/error.hpp"

namespace cpx::profiler {

inline constexpr const char* network_speed_reference = "mobilenetv2-1.0 (zoo), 224x224, warm caches";
inline constexpr const char* speed_reference = network_speed_reference;  // what a new profile times
inline constexpr double speed_check_every_s = 30;
inline constexpr size_t validate_reference_every = 20;

// A reference's median latency at `threads` over about min_time_s, on the CPUs the caller pinned;
// `reference` is one of the names above, else an InputError naming it.
double time_speed_reference_us(std::string_view reference, int64_t threads, double min_time_s);

// The reference a profile's machine_speed names (speed_reference without one), checked to be known.
std::string profile_speed_reference(const Profile& profile);

// The profile's machine_speed (profile.hpp's MachineSpeed: the reference, its samples, and at the end the
// spread, slowed and records_flagged), the samples kept across resumed runs. elapsed_s counts from the
// profile's first run, as the clock given does.
class SpeedWatch {
 public:
  SpeedWatch(Profile& profile, std::function<double()> elapsed_s);
  // After a measurement at `threads` (the CPUs pinned now): stamps the record with elapsed_s and times the
  // reference when speed_check_every_s have passed since its last time at that thread count, or it has
  // none yet.
  void after(ProfileRecord& record, int64_t threads);
  void maybe_check(int64_t threads, double elapsed_s);
  // Writes spread and slowed, and flags the records measured while the machine ran slow
  // (flag_slowed_records).
  void finish();

 private:
  MachineSpeed& section() { return *profile_.machine_speed; }
  Profile& profile_;
  std::function<double()> elapsed_s_;
  std::map<int64_t, double> last_s_;
  std::string reference_;  // a resumed profile keeps the reference it began with
};

}  // namespace cpx::profiler

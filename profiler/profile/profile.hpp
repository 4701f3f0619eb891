// A device profile as the program holds it: its measured records as structs, read from the file's JSON
// once (profiler::read_profile, profile_file.hpp) so that a reader names fields the compiler checks instead
// of string keys. The profile's writer (the sweep, profiler/measure/sweep.cpp) still edits the JSON
// document it checkpoints.
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "profiler/profile/measured_op.hpp"
#include "profiler/profile/block_variant.hpp"

namespace cpx::profiler {

// The measured sections of a device profile, each record one measurement: one enum, and its names (the
// profile's keys) in its order.
enum class ProfileSection { configs, ops, networks, fasternet, zoo };
inline constexpr const char* profile_sections[] = {"configs", "ops", "networks", "fasternet", "zoo"};
static_assert(std::size(profile_sections) == static_cast<size_t>(ProfileSection::zoo) + 1, "one name per ProfileSection");
constexpr std::string_view to_string(ProfileSection s) { return profile_sections[static_cast<size_t>(s)]; }

// One measurement of a profile's sections: what every record has, then the fields of its own section.
struct ProfileRecord {
  std::string id;
  int64_t threads = 1;
  int64_t macs = 0;
  double macps = 0;
  double bytes = 0, params_inference = 0;  // 0 where not stated (hand-made profiles)
  Timing timing;  // the whole measurement's (its ops' are in `layers`)
  std::optional<double> elapsed_s;  // when it was measured, into the profile (SpeedWatch)
  // configs: the grid point it measured (SweepConfig's fields, with `threads` above)
  BlockVariant variant = BlockVariant::conv;
  int64_t kernel = 0, groups = 0, stride = 0;
  int64_t channels = 0, resolution = 0;  // configs and fasternet
  std::string model;  // zoo: the zoo model
  std::string op;     // fasternet: conv, gconv16, dwconv or pconv
  std::vector<MeasuredOp> layers;        // configs, ops and networks: every op's row
  double median_us() const { return timing.stats_us.median; }
};

// A peak probe of the profile (profiler/measure/probes.hpp writes it), as fit and the job read it. The
// fields after peak_source are 0 where the profile lacks them (VMs that hide their caches).
struct ProfilePeak {
  int64_t threads = 1;
  double peak_macps = 0, bandwidth_bytes_per_s = 0;
  std::string peak_source;
  double cache_bandwidth_bytes_per_s = 0, dram_read_bytes_per_s = 0;
  int64_t last_level_cache_bytes = 0, gemm_tile_rows = 0, gemm_tile_cols = 0;
};

// One check of the machine's speed while profiling (profiler/measure/machine_speed.hpp): the speed
// reference's time at `threads`, `elapsed_s` into the profile (0 where not stated).
struct SpeedSample {
  double elapsed_s = 0;
  int64_t threads = 0;
  double latency_us = 0;
};
struct MachineSpeed {
  std::string reference;  // the reference it timed, as named in the profile ("" where it names none)
  std::vector<SpeedSample> samples;
};

struct Profile {
  std::string device;
  bool complete = false;
  Json environment = Json::object();  // to_json(Environment) of the machine that measured it: its own document
  // The op kinds timed with warm twins (options.cold_caches.warm_twins; activations alone in a profile
  // from before the list: profile_file.hpp).
  std::set<std::string> warm_twins;
  std::vector<ProfilePeak> peaks;
  std::optional<MachineSpeed> machine_speed;  // none in a profile from before the speed checks
  std::array<std::vector<ProfileRecord>, std::size(profile_sections)> sections;
  const std::vector<ProfileRecord>& operator[](ProfileSection s) const { return sections[static_cast<size_t>(s)]; }
  std::vector<ProfileRecord>& operator[](ProfileSection s) { return sections[static_cast<size_t>(s)]; }
};

}  // namespace cpx::profiler

// A device profile as the program holds it: its measured records as structs, read from the file's JSON
// once (profiler::read_profile, profile_file.hpp) and written by one to_json (profile_json.cpp), so that
// the sweep that fills it and every reader name fields the compiler checks instead of string keys.
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "profiler/profile/block_variant.hpp"
#include "profiler/profile/coverage.hpp"
#include "profiler/profile/measured_op.hpp"
#include "space/names.hpp"

namespace cpx::profiler {

// The measured sections of a device profile, each record one measurement: one enum, and its names (the
// profile's keys) in its order.
enum class ProfileSection { configs, ops, networks, fasternet, zoo };
inline constexpr const char* profile_sections[] = {"configs", "ops", "networks", "fasternet", "zoo"};
static_assert(std::size(profile_sections) == static_cast<size_t>(ProfileSection::zoo) + 1,
              "one name per ProfileSection");
constexpr std::string_view to_string(ProfileSection s) { return profile_sections[static_cast<size_t>(s)]; }
constexpr std::optional<ProfileSection> profile_section_named(std::string_view name) {
  for (size_t i = 0; i < std::size(profile_sections); ++i)
    if (name == profile_sections[i]) return static_cast<ProfileSection>(i);
  return std::nullopt;
}

// Whether a record's runs each followed a cache eviction (NetworkRun::cold_caches) or not.
enum class Caches { cold, warm };
inline constexpr Names<Caches, 2> caches_names{{{Caches::cold, "cold"}, {Caches::warm, "warm"}}};

// The sweep's options as its profile states them: resume continues a profile only with the same ones.
// Hand-made profiles may state some or none (a field left out is not written back).
struct ColdCaches {
  std::optional<std::vector<ProfileSection>> sections;  // the sections timed with cold caches
  std::optional<int64_t> evict_bytes_per_thread;
  std::optional<std::vector<std::string>> warm_twins;  // in the order written; required in a profile file
};
struct ProfileOptions {
  std::optional<bool> quick;
  std::optional<std::vector<int64_t>> threads;
  std::optional<double> budget_s;
  std::optional<uint64_t> seed;
  std::optional<ColdCaches> cold_caches;  // none in a profile timed with warm caches (before cold_caches)
};

// The coverage set's two rounds (profiler/measure/sweep.cpp): how the candidates were drawn and, per round,
// its time slice, the time spent and how many it measured.
struct CoverageRound {
  int64_t round = 1;
  double budget_s = 0, spent_s = 0;
  int64_t measured = 0;
  std::string how;
};
struct ProfileCoverage {
  uint64_t seed = 0;
  int64_t candidates = 0;
  std::array<double, 2> macs_range{};
  double max_bytes = 0;
  std::array<CoverageRound, 2> rounds;
};

// One measurement of a profile's sections: what every record has, then the fields of its own section.
struct ProfileRecord {
  std::string id;
  int64_t threads = 1;
  int64_t macs = 0;
  double macps = 0;
  int64_t bytes = 0, params_inference = 0;             // 0 where not stated (hand-made profiles)
  Timing timing;                                       // the whole measurement's (its ops' are in `layers`)
  std::optional<double> fraction_of_peak, additivity;  // the sweep's; not stated in hand-made profiles
  std::optional<Caches> caches;
  std::optional<double> elapsed_s;  // when it was measured, into the profile (SpeedWatch)
  // configs: the grid point it measured (SweepConfig's fields, with `threads` above)
  BlockVariant variant = BlockVariant::conv;
  int64_t kernel = 0, groups = 0, stride = 0;
  int64_t channels = 0, resolution = 0;  // configs and fasternet
  std::string model;                     // zoo: the zoo model
  std::string op;                        // fasternet: conv, gconv16, dwconv or pconv
  std::optional<uint64_t> sample_seed;   // networks: the seed of the sampled network
  // ops of the coverage set (profiler/measure/sweep.cpp): the conv, its round (1 or 2) and score
  std::optional<CoverageConv> coverage_conv;
  int64_t coverage_round = 0;
  double coverage_score = 0;
  std::vector<MeasuredOp> layers;  // configs, ops and networks: every op's row
  double median_us() const { return timing.stats_us.median; }
};

// A peak probe of the profile (profiler/measure/probes.hpp measures it: PeakProbe is this struct), as fit
// and the job read it. The fields after peak_source are 0 where the profile lacks them (VMs that hide
// their caches).
struct ProfilePeak {
  int64_t threads = 1;
  double peak_macps = 0;             // best of large dense convs (GEMM-bound)
  double bandwidth_bytes_per_s = 0;  // large copy: bytes read + bytes written per second
  std::string peak_source;           // which probe reached it
  // The machine's own fp32 multiply-add throughput at `threads` threads: independent FMA chains in
  // registers, in the widest vectors the CPU has. What "% of peak" is against, where peak_macps is what the
  // executor reaches.
  double fma_peak_macps = 0;
  std::string fma_peak_source;  // the vectors and chains it ran
  // The same copy within each thread's caches: what an op whose tensors its producer left cached can
  // stream at (see RooflineModel in predictor/roofline.hpp).
  double cache_bandwidth_bytes_per_s = 0;
  // What the weight-streaming ceiling needs (weight_stream_bytes in predictor/roofline.hpp): a GEMM whose
  // weights per group do not fit in the last-level cache reads them from DRAM again for every further tile
  // of output rows. Reading 64 MiB, split over the threads: reads only. The copy above mixes in writes, and
  // can even fall with a second thread where reads rise (docs/log/predictor.md, moved from code comments).
  double dram_read_bytes_per_s = 0;
  int64_t last_level_cache_bytes = 0;  // cpuinfo's L3, else L2; 0 if unknown (then not modelled)
  int64_t gemm_tile_rows = 0;          // XNNPACK's rows per f32 GEMM tile on this CPU (its mr)
  int64_t gemm_tile_cols = 0;          // and output channels per tile (its nr): padded_macs in predictor/roofline.hpp
  std::string gemm_tile_rows_source;   // where both come from
  Json details = Json::object();       // every probe's MACs or bytes and its Timing ("probes"): its own document
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
  // Written when the sweep ends (SpeedWatch::finish): the largest spread, whether above max_speed_spread,
  // and how many records it flagged.
  std::optional<double> spread;
  std::optional<bool> slowed;
  std::optional<int64_t> records_flagged;
};

struct Profile {
  std::string device;
  bool complete = false;
  std::optional<ProfileOptions> options;   // the sweep's; hand-made profiles may leave them out
  Json environment = Json::object();       // to_json(Environment) of the machine that measured it: its own document
  std::optional<std::string> definitions;  // count_definitions() of the program that measured it
  // The op kinds timed with warm twins (options.cold_caches.warm_twins: profile_file.hpp).
  std::set<std::string> warm_twins;
  std::vector<ProfilePeak> peaks;
  std::optional<MachineSpeed> machine_speed;  // required in a profile file; none before a new profile's first check
  std::array<std::vector<ProfileRecord>, std::size(profile_sections)> sections;
  std::optional<ProfileCoverage> coverage;  // once the sweep reaches the coverage set
  std::optional<double> elapsed_s;          // the sweep's time, all its runs, once it ends
  // Interference::to_json of the records where above its threshold (mark_interference): its own document.
  std::optional<Json> interference;
  const std::vector<ProfileRecord>& operator[](ProfileSection s) const { return sections[static_cast<size_t>(s)]; }
  std::vector<ProfileRecord>& operator[](ProfileSection s) { return sections[static_cast<size_t>(s)]; }
};

}  // namespace cpx::profiler

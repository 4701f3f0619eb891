// Device profile files ("cpubone-explore/device-profile/v2"): where they live and how they are loaded.
// Needs no executor, so that readers of profiles (rules, fit, the fuzz target) need not measure.
#pragma once

#include <array>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "space/error.hpp"
#include "space/op.hpp"
#include "space/shape.hpp"

namespace cpx::profiler {

// v2 (2026-11-27) names a record's and an op row's timing object (to_json(Timing)) "timing"; v1 called it
// "latency_us", the key that everywhere else is a number of microseconds. A v1 profile is still read: the
// loader renames the key, so that every reader sees v2 (docs/architecture.md, "File versions").
inline constexpr std::string_view device_profile_schema = "cpubone-explore/device-profile/v2";
inline constexpr FileVersion device_profile_version{device_profile_schema, "`cpubone-explore profile`"};
inline constexpr FileVersion device_profile_v1{"cpubone-explore/device-profile/v1", "`cpubone-explore profile`"};
// Op kinds the profile's single-op networks time both reading the network's input (cold: the caches were
// evicted before the run) and reading what an op before them wrote (warm, as inside a network), listed in
// a profile's options.cold_caches.warm_twins; fit counts such an op as warm when it reads no network input.
// A profile from before the list timed only activations so.
inline constexpr std::array<std::string_view, 4> warm_twin_kinds{ActivationOp::kind, Slice::kind, ChannelShuffle::kind, Concat::kind};
// The measured sections of a device profile, each record one measurement: one enum, and its names (the
// profile's keys) in its order.
enum class ProfileSection { configs, ops, networks, fasternet, zoo };
inline constexpr const char* profile_sections[] = {"configs", "ops", "networks", "fasternet", "zoo"};
static_assert(std::size(profile_sections) == static_cast<size_t>(ProfileSection::zoo) + 1, "one name per ProfileSection");
constexpr std::string_view to_string(ProfileSection s) { return profile_sections[static_cast<size_t>(s)]; }
// Seeds of the sampled networks a profile measures for fitting; validation must sample below this.
inline constexpr uint64_t training_seed_base = 1'000'000;

// One op of a profile record (the record's "layers"), as the sweep writes it (to_json, the only writer) and
// fit reads it (read_profile_op, the only reader, which the loader also runs on every row). Keys, in this
// order: name, op, conv_class (count's class of a conv, null for other ops), attrs (the op's write(), null
// for ops without attributes), in_nhwc (every input's shape), inputs (the tensors it read), out_nhwc, macs,
// params_inference, bytes, implementation (how it ran), emulated (false when a single XNNPACK operator did
// exactly this op, as in `measure --layers`), fused_into (only where another op's kernel computes it: its
// time is in that op's row, profiler/profile/fusion.hpp) and timing (to_json(Timing) without samples; v1
// profiles say "latency_us", renamed on load). Required: op, attrs, in_nhwc, out_nhwc and
// timing.stats_us.median; the others are optional in hand-made profiles, and "inputs" is absent in profiles
// from before 2026-11-24 (fit then counts every op of a cold section as cold). Profiles from before the
// one-row change say "class" for "conv_class"; nothing reads that key.
struct ProfileOp {
  std::string name, op;
  std::optional<std::string> conv_class;
  Json attrs;
  std::vector<ShapeNhwc> in_nhwc;
  std::optional<std::vector<std::string>> inputs;
  ShapeNhwc out_nhwc;
  int64_t macs = 0, params_inference = 0, bytes = 0;
  std::string implementation;
  bool emulated = false;
  std::string fused_into;  // "" when it runs in its own kernel
  Json timing;             // a to_json(Timing) object: stats_us.median at least
  double median_us() const { return timing["stats_us"]["median"].get<double>(); }
};
Json to_json(const ProfileOp& op);
ProfileOp read_profile_op(const Json& j, const Where& where);

// The kinds a profile timed with warm twins: its options.cold_caches.warm_twins, each a known op kind
// (else an InputError naming the entry); a profile from before the list timed activations only.
std::set<std::string> profile_warm_twins(const Json& profile, const Where& where);

// Loads a device profile, checking its schema and every field that resume, rules and fit read; a v1 profile
// comes back as v2 (its schema and timing keys renamed, nothing else).
Json load_profile(const std::string& path);
// The same checks on a profile already parsed (`file` names it in errors).
Json profile_from_json(Json j, const std::string& file);

}  // namespace cpx::profiler

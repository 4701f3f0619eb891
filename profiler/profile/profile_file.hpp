// Device profile files ("cpubone-explore/device-profile/v1"): where they live and how they are loaded.
// Needs no executor, so that readers of profiles (rules, fit, the fuzz target) need not measure.
#pragma once

#include <array>
#include <set>
#include <string>
#include <string_view>

#include "space/error.hpp"
#include "space/op.hpp"

namespace cpx::profiler {

inline constexpr std::string_view device_profile_schema = "cpubone-explore/device-profile/v1";
inline constexpr FileVersion device_profile_version{device_profile_schema, "`cpubone-explore profile`"};
// Op kinds the profile's single-op networks time both reading the network's input (cold: the caches were
// evicted before the run) and reading what an op before them wrote (warm, as inside a network), listed in
// a profile's options.cold_caches.warm_twins; fit counts such an op as warm when it reads no network input.
// A profile from before the list timed only activations so.
inline constexpr std::array<std::string_view, 4> warm_twin_kinds{ActivationOp::kind, Slice::kind, ChannelShuffle::kind, Concat::kind};
// Seeds of the sampled networks a profile measures for fitting; validation must sample below this.
inline constexpr uint64_t training_seed_base = 1'000'000;

// Where `profile --device NAME` writes by default: $CPX_HOME or ~/.cache/cpubone-explore, devices/NAME.json.
std::string default_profile_path(const std::string& device);

// The kinds a profile timed with warm twins: its options.cold_caches.warm_twins, each a known op kind
// (else an InputError naming the entry); a profile from before the list timed activations only.
std::set<std::string> profile_warm_twins(const Json& profile, const Where& where);

// Loads a device profile, checking its schema and every field that resume, rules and fit read.
Json load_profile(const std::string& path);
// The same checks on a profile already parsed (`file` names it in errors).
Json profile_from_json(Json j, const std::string& file);

}  // namespace cpx::profiler

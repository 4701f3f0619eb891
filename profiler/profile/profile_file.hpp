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

#include "profiler/profile/profile.hpp"
#include "space/error.hpp"
#include "space/op.hpp"
#include "space/shape.hpp"

namespace cpx::profiler {

// v2 (2026-11-27) names a record's and an op row's timing object (to_json(Timing)) "timing". v1 (which
// called it "latency_us") is no longer read: one reader per format, and profiles written before the first
// release have no users to keep (issue 74, item 5).
inline constexpr std::string_view device_profile_schema = "cpubone-explore/device-profile/v2";
inline constexpr FileVersion device_profile_version{device_profile_schema, "`cpubone-explore profile`"};
// Op kinds the profile's single-op networks time both reading the network's input (cold: the caches were
// evicted before the run) and reading what an op before them wrote (warm, as inside a network), listed in
// a profile's options.cold_caches.warm_twins; fit counts such an op as warm when it reads no network input.
inline constexpr std::array<std::string_view, 4> warm_twin_kinds{ActivationOp::kind, Slice::kind, ChannelShuffle::kind,
                                                                 Concat::kind};
// Seeds of the sampled networks a profile measures for fitting; validation must sample below this.
inline constexpr uint64_t training_seed_base = 1'000'000;

// One op of a profile record (the record's "layers", MeasuredOp's profile document: its keys are listed
// there), as fit reads it (the only reader, which the loader also runs on every row). Required: op, attrs,
// in_nhwc, inputs (one tensor name per in_nhwc shape), out_nhwc and timing.stats_us.median; the others are
// optional in hand-made profiles. conv_class, where given, is one of count's classes.
MeasuredOp read_profile_op(const Json& j, const Where& where);

// The kinds a profile timed with warm twins: its options.cold_caches.warm_twins, each a known op kind
// (else an InputError naming the entry, or the field when it is missing).
std::set<std::string> read_warm_twins(const Json& profile, const Where& where);

// The speed checks of a profile's machine_speed.samples (the sweep's writer reads them back with this too);
// a malformed one is an InputError naming it ("machine_speed.samples[1] = ...").
std::vector<SpeedSample> speed_samples_from_json(const Json& samples);

// Loads a device profile, checking its schema and every field that resume, rules and fit read.
Json load_profile(const std::string& path);
// The same checks on a profile already parsed (`file` names it in errors); returns it as it was.
Json profile_from_json(Json j, const std::string& file);
// The profile's one reader: the same checks, and the measured records as structs (profile.hpp).
Profile read_profile(const Json& j, const std::string& file);
// read_profile of the file at `path`.
Profile read_profile_file(const std::string& path);
// The profile's one writer (profile_json.cpp), read_profile's inverse: what the sweep checkpoints, and a
// profile read and written again is the same file. A field left out of a hand-made profile is written with
// its default where the struct has no "not stated".
Json to_json(const Profile& profile);
Json to_json(const ProfilePeak& peak);        // a profile's peak, also `measure --json`'s
Json to_json(const ProfileOptions& options);  // also what resume's refusal shows

}  // namespace cpx::profiler

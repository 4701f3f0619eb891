// Design rules derived from a device profile, side by side with the CPUBone paper's claims
// (shared notes: cpubone_claims.md), and FasterNet's Table 1 redone on this machine.
#pragma once

#include "profiler/profile/profile.hpp"
#include "space/error.hpp"

namespace cpx::profiler {

// JSON with "claims" (one row per claim: claimed, measured, per thread count), "crossover",
// "kernel_effect", "groups_effect" and "fasternet_table1". Missing measurements are stated, not hidden.
Json derive_rules(const Profile& profile);

// The same as text tables.
std::string format_rules(const Json& rules);

}  // namespace cpx::profiler

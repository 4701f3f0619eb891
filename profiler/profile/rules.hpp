// Design rules derived from a device profile, side by side with the CPUBone paper's claims
// (shared notes: cpubone_claims.md), and FasterNet's Table 1 redone on this machine.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "profiler/profile/block_variant.hpp"
#include "profiler/profile/profile.hpp"
#include "space/error.hpp"

namespace cpx::profiler {

// The medians of one variant's ratios over another's at every grid point where both were measured
// (stride 1): MACpS, latency and MACs. NaN where there is none (null in JSON).
struct RatioSummary {
  size_t points = 0;
  double macps = NAN, latency = NAN, macs = NAN;
};

// Fused (GrFuMBConv) over unfused (GrMBConv) local blocks, k2 g2 as CPUBone uses them, at one grid point.
struct FusedPoint {
  int64_t channels = 0, resolution = 0;
  double macps_ratio = 0, latency_ratio = 0;
};
// Per resolution, the smallest C from which unfused is ahead at every larger C; none where it is not.
struct FusedCrossover {
  int64_t resolution = 0;
  std::optional<int64_t> macps_channels, latency_channels;
};
// Kernel 2 over kernel 3 of a variant (at its CPUBone groups).
struct KernelEffect {
  BlockVariant variant;
  RatioSummary ratio;
};
// A grouped variant at `kernel` and `groups` over its dense twin at the same kernel, groups 1; named
// "<variant>_k<kernel>_g<groups>" in JSON.
struct GroupsEffect {
  BlockVariant variant;
  int64_t kernel = 0, groups = 0;
  RatioSummary ratio;
};

struct ThreadRules {
  int64_t threads = 1;
  std::vector<FusedPoint> fused_points;
  std::vector<FusedCrossover> crossovers;
  std::vector<KernelEffect> kernel2_over_kernel3;
  std::vector<GroupsEffect> groups_over_dense;
  // The ratio of that comparison; null where the rules have none.
  const RatioSummary* kernel_effect(BlockVariant variant) const;
  const RatioSummary* groups_effect(BlockVariant variant, int64_t kernel, int64_t groups) const;
};

// FasterNet Table 1 on this machine: a fasternet record of the profile.
struct FasternetRow {
  std::string op;
  int64_t channels = 0, resolution = 0, threads = 1, macs = 0;
  double latency_ms = 0, macps = 0;
};

// One of the paper's claims at one thread count, and what this machine measured of it: `measured` holds its
// figures (each named measured_*, null where the profile lacks them) as they are written.
struct Claim {
  int claim = 0;
  int64_t threads = 1;
  std::string text, claimed;
  Json measured = Json::object();
};

struct DesignRules {
  Json environment = Json::object();  // the profile's
  bool complete = false;
  std::vector<ThreadRules> per_threads;  // every thread count of the profile's block grid, fewest first
  std::vector<FasternetRow> fasternet_table1;
  std::vector<Claim> claims;  // claims 1-6 at each thread count
};

// Missing measurements are stated, not hidden.
DesignRules derive_rules(const Profile& profile);
// "cpubone-explore/design-rules/v1" (`rules --json`, and the main job's design_rules_detail): schema,
// environment, complete, per_threads (threads, fused_vs_unfused {points, crossover}, kernel2_over_kernel3,
// groups_over_dense), fasternet_table1, claims.
Json to_json(const DesignRules& rules);

// The same as text tables.
std::string format_rules(const DesignRules& rules);

}  // namespace cpx::profiler

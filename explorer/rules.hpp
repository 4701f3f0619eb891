// Design rules the target device supports, for any device: the profiler's block grid is predicted with the
// device's predictor (so a calibrated device like pi5 has rules too), then read by the same
// profiler::derive_rules that reads a measured profile. On the host the measured profile is used instead.
#pragma once

#include <optional>

#include "explorer/space.hpp"
#include "predictor/predictor.hpp"
#include "profiler/profile/profile.hpp"
#include "profiler/profile/rules.hpp"
#include "space/results.hpp"

namespace cpx::explorer {

// A device profile whose configs (the block grid of `profile`, full version) hold predicted latencies.
profiler::Profile predicted_profile(const predictor::Predictor& p, int64_t threads);

// A profile config that is one of CPUBone's local blocks (fused or unfused MBConv, groups 2 when grouped) at
// `threads` and stride 1: its kind and kernel, and its name as the results' block_macps spell it
// ("GrFuMBConv k2"); nullopt for every other config.
struct LocalBlock {
  MacroBlock kind;
  bool grouped = false;
  int64_t kernel = 0;
  std::string name;
};
std::optional<LocalBlock> local_block(const profiler::ProfileRecord& config, int64_t threads);

// One block variant at one width: its name as the results' block_macps spell it ("GrFuMBConv k2").
struct BlockAt {
  std::string variant;
  double macps = 0, latency_us = 0;
};

// Fused vs unfused local blocks, width by width, at one input side: the one comparison that the
// fused_crossover rule, the report's channels chart (its lines and its marker), the table under it and
// the key finding all read, so that none of them can say another thing. The crossover is about time at
// the same width (the fused block does more MACs, so its higher MACpS does not make it faster).
struct FusedVsUnfusedWidth {
  int64_t channels = 0;
  BlockAt fused, unfused;  // CPUBone's local blocks, GrFuMBConv and GrMBConv k2 g2: the pair the crossover compares
  BlockAt best_fused, best_unfused;  // the highest-MACpS fused and unfused variants (any kernel, groups 1 or 2)
};
struct FusedVsUnfused {
  int64_t resolution = 14;                  // stage 3 of a 224 input, where CPUBone switches
  std::vector<FusedVsUnfusedWidth> widths;  // narrowest first: every width with both of the pair
  // The narrowest width from which the unfused block is faster at every wider one; none when the fused one
  // is faster at the widest.
  std::optional<int64_t> crossover_channels;
  std::string statement() const;  // the rule in words: the report's rule, key finding and chart caption
};

// From a device profile (measured or predicted_profile) at `threads`, stride 1.
FusedVsUnfused fused_vs_unfused(const profiler::Profile& profile, int64_t threads);
// results.fused_vs_unfused (reports/results-schema.md), with its statement.
results::FusedVsUnfused to_results(const FusedVsUnfused& f);

// Rules as statements with values, the paper's claim beside each, and how many of `proposals` follow it.
// `derived` is profiler::derive_rules output; `source`: of a measured profile or of the predictor.
std::vector<results::DesignRule> state_rules(const profiler::DesignRules& derived, const FusedVsUnfused& fused,
                                             int64_t threads, results::RuleSource source,
                                             const std::vector<Macro>& proposals);

}  // namespace cpx::explorer

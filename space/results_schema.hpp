// The versions of the main job's results JSON (reports/results-schema.md) and of the advice JSON. The explorer writes it and the
// report reads it; they are siblings, so it lives in the one library both link.
#pragma once

#include <string_view>

#include "space/error.hpp"

namespace cpx {

// How to read a configuration's one-line summary (explorer::SearchSpace::summary, results' "summary"): printed by
// `space --explain`, next to the report's first table of configurations, and in the user guide.
inline constexpr std::string_view configuration_legend =
    "w: the 5 stages' widths (channels); b: blocks repeated per stage after its downsampling; sN:fu/mb/pc kK gG eE: "
    "stage N's repeated block (fused MBConv, MBConv, FasterNet PConv) with kernel K, groups G, expansion E; down kK gG eE: "
    "the stride-2 downsampling blocks (once when all stages agree, else per stage); sN:att/S or noatt kK gG eE/M: CPUBone "
    "stage N with attention at stride S (or none), its local block's kernel, groups and expansion, and the MLP's expansion M; "
    "fuse<C: local blocks are fused below C channels; head H: head width; rR: input resolution";

// v3: "dominating" proposals must earn it by the lower end of their top-1 interval (others are
// "promising_unproven"), and the capacity-matched tier. v2: every latency in microseconds (`_us`); v1 had
// milliseconds in most fields.
inline constexpr const char* results_schema = "cpubone-explore/results/v3";
inline constexpr FileVersion results_version{results_schema, "the main job, `cpubone-explore`"};

// `advise --json`: the advice on one network for one device (explorer/advise.hpp), which the report renders too.
inline constexpr const char* advice_schema = "cpubone-explore/advice/v1";
inline constexpr FileVersion advice_version{advice_schema, "`cpubone-explore advise --json`"};

}  // namespace cpx

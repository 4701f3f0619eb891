// The versions of the main job's results JSON (reports/results-schema.md) and of the advice JSON. The explorer writes it and the
// report reads it; they are siblings, so it lives in the one library both link.
#pragma once

namespace cpx {

// v3: "dominating" proposals must earn it by the lower end of their top-1 interval (others are
// "promising_unproven"), and the capacity-matched tier. v2: every latency in microseconds (`_us`); v1 had
// milliseconds in most fields.
inline constexpr const char* results_schema = "cpubone-explore/results/v3";

// `advise --json`: the advice on one network for one device (explorer/advise.hpp), which the report renders too.
inline constexpr const char* advice_schema = "cpubone-explore/advice/v1";

}  // namespace cpx

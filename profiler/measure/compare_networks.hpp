// Two networks timed in turn, run by run: what checks a rewrite's gain on this machine
// (`measure ORIGINAL --against REWRITTEN`). On a shared VM the machine's speed moves one network's median by
// 10-20% between two measurements taken seconds apart (advise's A/A repeatability, docs/log/advise.md);
// runs taken in turn, milliseconds apart, see the same phase, so their ratio keeps what the two networks
// differ by and loses most of what the machine did.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "profiler/measure/time_network.hpp"

namespace cpx::profiler {

// `measure A --against B --json`: schema, model, against, threads, seed, comparison (to_json(Comparison)),
// environment, interference.
inline constexpr std::string_view comparison_schema = "cpubone-explore/comparison/v1";

struct Comparison {
  Timing a, b;                 // each network's runs (the pairs' first and second halves)
  std::vector<double> ratios;  // b / a of each pair
  // The median of the pairs' ratios and its 95% interval (order statistics: distribution-free, the runs'
  // noise and nothing else; what the rewrite gains elsewhere is the predictor's to say).
  double ratio_median = 0, ratio_low = 0, ratio_high = 0;
};

// {a: Timing, b: Timing, pairs, ratio_b_over_a: {median, low, high}, gain: {point, low, high}} where gain is
// 1 - ratio (its low end from the ratio's high end): what `measure --against --json` writes under "comparison".
Json to_json(const Comparison& c);

// Times `a` and `b` (each with its own weights, or seeded where null) as pairs of turns, a then b and b then a
// by turns so that neither always runs second; a turn runs its network twice and times the second run (warm,
// as `measure` times one), for run.timing's min_time_s and min_runs (counted in pairs)
// after run.timing.warmup_runs of each. run.layers and run.cold_caches are refused (an InputError naming the
// field). Does not pin: callers pin (pin_to_cpus), as for time_network.
Comparison compare_networks(const Network& a, const NetworkWeights* a_weights, const Network& b,
                            const NetworkWeights* b_weights, const NetworkRun& run);

// The 1-based ranks of the order statistics that bound a 95% interval of the median of n values (normal
// approximation of the binomial, at least 1 and at most n); {1, n} for fewer than 6 values.
std::pair<size_t, size_t> median_interval_ranks(size_t n);

}  // namespace cpx::profiler

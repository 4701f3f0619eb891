// The capacity-matched tier: for a baseline that is a point of the search space, the configurations with
// its resolution, head, stage widths, depths and attention on/off, MACs and params each within
// ±tolerance of the baseline's, that differ only in choices which move MACpS: the fused/unfused threshold,
// fused or unfused early blocks (never pconv, another block), kernels, groups, expansions, the attention
// stride and the downsampling blocks. The paper's own lever: the same capacity, more MACs per second. Such
// a configuration changes the accuracy model's features little, so it is the proposal an expert can
// believe before training it.
#pragma once

#include "explorer/search.hpp"
#include "space/results.hpp"

namespace cpx::explorer {

struct MatchedOptions {
  double tolerance = 0.10;     // MACs and params each within ±tolerance of the baseline's
  int64_t evaluations = 3000;  // per baseline: every point when the restricted space has no more, else NSGA-II
  uint64_t seed = 1;
  size_t keep = 5;          // configurations reported per baseline
  Constraints constraints;  // the job's own limits, applied as well
};

struct MatchedTier {
  SearchSpace space;                   // the restricted space
  std::vector<std::string> varied;     // its dimensions with more than one value
  results::MatchedMethod method = {};  // every point, or NSGA-II (results::matched_method_names)
  int64_t evaluations = 0;             // distinct configurations evaluated
  Candidate baseline;                  // the baseline, evaluated as the tier's configurations are
  size_t front_size = 0;               // feasible non-dominated configurations besides the baseline
  std::vector<Candidate> fastest;      // the first `keep` of them, fastest first
};

// The restricted space around `baseline` (a genome of `space`); `name` names it.
SearchSpace capacity_matched_space(const SearchSpace& space, const Genome& baseline, const std::string& name);

MatchedTier capacity_matched(const SearchSpace& space, const Genome& baseline, const std::string& baseline_name,
                             const predictor::Predictor& predictor, const AccuracyModel& accuracy, int64_t threads,
                             const MatchedOptions& options);

}  // namespace cpx::explorer

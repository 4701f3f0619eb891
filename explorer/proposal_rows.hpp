// The main job's configuration rows: results.json's `pareto`, `proposals` and `capacity_matched` tables,
// each a struct written by one to_json (its keys are the rows of space/results_fields.cpp, in order).
// The job fills them, the proof adds the measured latencies, and they become JSON when results.json does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "explorer/search.hpp"

namespace cpx::explorer {

// null for an unset optional: the results' way of saying "no such figure".
template <class T>
Json or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// A member of the Pareto front, with its macro network file (relative to the results' folder).
struct ParetoRow {
  std::string id, file, summary;
  Candidate x;
  std::optional<double> measured_latency_us;  // the proof's median (host only)
  // On a calibrated device: the share of the predicted time in work its calibration networks barely
  // exercised, and those kinds ("attention 22%, norm 8%"); null on the host and for older device files.
  std::optional<double> uncalibrated_share;
  std::optional<std::string> uncalibrated_kinds;
};
Json to_json(const ParetoRow& r);

// A front member that dominates a baseline: one struct for the earned and the promising-unproven lists.
struct ProposalRow {
  std::string id;
  Candidate x;                   // has a top-1 estimate with its interval (domination needs one)
  double baseline_latency_us = 0;
  double baseline_published_top1 = 0;
  std::optional<double> measured_latency_us;
};
Json to_json(const ProposalRow& r);

// A baseline (B0-B3) and the front members that dominate it.
struct BaselineProposals {
  std::string baseline;
  Candidate b;  // the baseline, evaluated as the front was
  std::optional<double> published_top1;
  std::optional<double> measured_latency_us;
  std::vector<ProposalRow> dominating, promising_unproven;
};
Json to_json(const BaselineProposals& p);

// One of a capacity-matched tier's fastest configurations.
struct MatchedConfiguration {
  std::string id, file, summary;
  Candidate x;
  double params_ratio = 0, macs_ratio = 0, speedup = 0;  // against the baseline
  Domination domination = Domination::none;              // against the baseline's published top-1
  std::optional<double> measured_latency_us;
};
Json to_json(const MatchedConfiguration& c);

// A baseline's capacity-matched tier (explorer/matched.hpp), or why it has none.
struct MatchedTierRow {
  std::string baseline;
  double baseline_latency_us = 0, baseline_params = 0, baseline_macs = 0;
  std::optional<double> baseline_published_top1, baseline_measured_latency_us;
  double tolerance = 0;
  std::vector<std::string> varied;
  std::optional<double> space_points;
  std::optional<std::string> method;  // "exhaustive" or "NSGA-II"; none when the baseline is not a point
  int64_t evaluations = 0;
  uint64_t seed = 0;
  size_t front_size = 0;
  std::optional<std::string> not_a_point;
  std::vector<MatchedConfiguration> configurations;
};
Json to_json(const MatchedTierRow& t);

}  // namespace cpx::explorer

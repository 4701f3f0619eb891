// The main job's configuration rows: results.json's `pareto`, `proposals` and `capacity_matched` tables are
// the results document's own rows (space/results.hpp); these build them from the search's candidates, so the
// job fills the document's structs and JSON is written only with results.json (space/results_to_json.cpp).
#pragma once

#include <optional>
#include <string>

#include "explorer/search.hpp"
#include "space/results.hpp"

namespace cpx::explorer {

// The results' name for a domination (the search's own enum orders them for comparison).
results::Domination to_results(Domination d);

// A member of the Pareto front, with its macro network file (relative to the results' folder); the proof
// fills measured_latency_us, a calibrated device the uncalibrated share and kinds.
results::ParetoRow pareto_row(const std::string& id, const std::string& file, const std::string& summary,
                              const Candidate& x);

// A front member that dominates a baseline (earned or promising, unproven): x has a top-1 estimate with its
// interval (domination needs one).
results::ProposalRow proposal_row(const std::string& id, const Candidate& x, double baseline_latency_us,
                                  double baseline_published_top1);

// A baseline (B0-B3), evaluated as the front was, before the front members that dominate it are added.
results::BaselineProposals baseline_proposals(const std::string& name, const Candidate& b,
                                              std::optional<double> published_top1);

// One of a capacity-matched tier's fastest configurations, against its baseline `b`.
results::MatchedConfiguration matched_configuration(const std::string& id, const std::string& file,
                                                    const std::string& summary, const Candidate& x, const Candidate& b,
                                                    Domination d);

}  // namespace cpx::explorer

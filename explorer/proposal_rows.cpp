#include "explorer/proposal_rows.hpp"

namespace cpx::explorer {

results::Domination to_results(Domination d) {
  switch (d) {
    case Domination::earned: return results::Domination::earned;
    case Domination::promising_unproven: return results::Domination::promising_unproven;
    case Domination::none: break;
  }
  return results::Domination::none;
}

results::ParetoRow pareto_row(const std::string& id, const std::string& file, const std::string& summary,
                              const Candidate& x) {
  results::ParetoRow r;
  r.id = id, r.file = file, r.summary = summary;
  r.params = x.params, r.macs = x.macs, r.predicted_latency_us = x.latency_us;
  r.estimated_top1 = x.top1, r.estimated_top1_low = x.top1_low, r.estimated_top1_high = x.top1_high;
  if (x.top1) r.support_distance = x.support_distance;  // a distance without an estimate says nothing
  r.objective = x.objective, r.outside_trust = x.outside_trust;
  return r;
}

results::ProposalRow proposal_row(const std::string& id, const Candidate& x, double baseline_latency_us,
                                  double baseline_published_top1) {
  results::ProposalRow r;
  r.id = id, r.latency_us = x.latency_us, r.objective = x.objective, r.params = x.params, r.macs = x.macs;
  r.delta_latency_pct = 100 * (x.latency_us / baseline_latency_us - 1);
  r.delta_top1_pp = *x.top1 - baseline_published_top1;
  r.delta_top1_low_pp = *x.top1_low - baseline_published_top1;
  r.outside_trust = x.outside_trust;
  r.top1 = *x.top1, r.top1_low = *x.top1_low, r.top1_high = *x.top1_high, r.support_distance = x.support_distance;
  return r;
}

results::BaselineProposals baseline_proposals(const std::string& name, const Candidate& b,
                                              std::optional<double> published_top1) {
  results::BaselineProposals p;
  p.baseline = name, p.baseline_latency_us = b.latency_us, p.baseline_top1 = b.top1;
  p.baseline_published_top1 = published_top1;
  p.baseline_objective = b.objective, p.baseline_params = b.params, p.baseline_macs = b.macs;
  return p;
}

results::MatchedConfiguration matched_configuration(const std::string& id, const std::string& file,
                                                    const std::string& summary, const Candidate& x, const Candidate& b,
                                                    Domination d) {
  results::MatchedConfiguration c;
  c.id = id, c.file = file, c.summary = summary, c.params = x.params, c.macs = x.macs;
  c.params_ratio = x.params / b.params, c.macs_ratio = x.macs / b.macs;
  c.predicted_latency_us = x.latency_us, c.speedup = b.latency_us / x.latency_us;
  c.domination = to_results(d);
  c.top1 = x.top1, c.top1_low = x.top1_low, c.top1_high = x.top1_high;
  if (x.top1) c.support_distance = x.support_distance;
  return c;
}

}  // namespace cpx::explorer

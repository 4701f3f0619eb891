#include "explorer/proposal_rows.hpp"

namespace cpx::explorer {

namespace {

// A configuration's top-1 estimate with its interval and support distance (null without an estimate).
Json accuracy_fields(const Candidate& x) {
  return {{"top1", or_null(x.top1)}, {"top1_low", or_null(x.top1_low)}, {"top1_high", or_null(x.top1_high)},
          {"support_distance", x.top1 ? Json(x.support_distance) : Json(nullptr)}};
}

}  // namespace

Json to_json(const ParetoRow& r) {
  const Candidate& x = r.x;
  return {{"id", r.id}, {"file", r.file}, {"summary", r.summary}, {"params", x.params}, {"macs", x.macs},
          {"predicted_latency_us", x.latency_us}, {"estimated_top1", or_null(x.top1)},
          {"estimated_top1_low", or_null(x.top1_low)}, {"estimated_top1_high", or_null(x.top1_high)},
          {"support_distance", x.top1 ? Json(x.support_distance) : Json(nullptr)}, {"objective", x.objective},
          {"outside_trust", x.outside_trust}, {"measured_latency_us", or_null(r.measured_latency_us)},
          {"uncalibrated_share", or_null(r.uncalibrated_share)},
          {"uncalibrated_kinds", or_null(r.uncalibrated_kinds)}};
}

Json to_json(const ProposalRow& r) {
  const Candidate& x = r.x;
  Json row = {{"id", r.id}, {"latency_us", x.latency_us}, {"objective", x.objective}, {"params", x.params}, {"macs", x.macs},
              {"delta_latency_pct", 100 * (x.latency_us / r.baseline_latency_us - 1)},
              {"delta_top1_pp", *x.top1 - r.baseline_published_top1}, {"delta_top1_low_pp", *x.top1_low - r.baseline_published_top1},
              {"outside_trust", x.outside_trust}, {"measured_latency_us", or_null(r.measured_latency_us)}};
  row.update(accuracy_fields(x));
  return row;
}

Json to_json(const BaselineProposals& p) {
  Json earned = Json::array(), unproven = Json::array();
  for (const auto& r : p.dominating) earned.push_back(to_json(r));
  for (const auto& r : p.promising_unproven) unproven.push_back(to_json(r));
  return {{"baseline", p.baseline}, {"baseline_latency_us", p.b.latency_us}, {"baseline_top1", or_null(p.b.top1)},
          {"baseline_published_top1", or_null(p.published_top1)}, {"baseline_objective", p.b.objective},
          {"baseline_params", p.b.params}, {"baseline_macs", p.b.macs}, {"baseline_measured_latency_us", or_null(p.measured_latency_us)},
          {"dominating", earned}, {"promising_unproven", unproven}};
}

Json to_json(const MatchedConfiguration& c) {
  const Candidate& x = c.x;
  Json cfg = {{"id", c.id}, {"file", c.file}, {"summary", c.summary}, {"params", x.params}, {"macs", x.macs},
              {"params_ratio", c.params_ratio}, {"macs_ratio", c.macs_ratio}, {"predicted_latency_us", x.latency_us},
              {"speedup", c.speedup}, {"domination", to_string(c.domination)}, {"measured_latency_us", or_null(c.measured_latency_us)}};
  cfg.update(accuracy_fields(x));
  return cfg;
}

Json to_json(const MatchedTierRow& t) {
  Json configurations = Json::array();
  for (const auto& c : t.configurations) configurations.push_back(to_json(c));
  return {{"baseline", t.baseline}, {"baseline_latency_us", t.baseline_latency_us}, {"baseline_params", t.baseline_params},
          {"baseline_macs", t.baseline_macs}, {"baseline_published_top1", or_null(t.baseline_published_top1)},
          {"baseline_measured_latency_us", or_null(t.baseline_measured_latency_us)}, {"tolerance", t.tolerance},
          {"fixed", "resolution, head, stage widths, stage depths, attention on/off"}, {"varied", t.varied},
          {"space_points", or_null(t.space_points)}, {"method", or_null(t.method)},
          {"evaluations", t.evaluations}, {"seed", t.seed}, {"front_size", t.front_size},
          {"not_a_point", or_null(t.not_a_point)}, {"configurations", configurations}};
}

}  // namespace cpx::explorer

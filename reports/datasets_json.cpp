// The report's data sets as JSON rows (parts.hpp's Dataset): what the page embeds in its charts and data/*.csv
// holds. Each row's keys are its data set's columns, in their order; a figure that is not there is null.
#include <utility>

#include "reports/parts.hpp"

namespace cpx::reports {

namespace {

Json row_to_json(const ZooPoint& p) {
  const results::ZooRow& z = p.zoo;
  return {{"name", z.name},
          {"family", z.family},
          {"resolution", z.resolution},
          {"params", z.params},
          {"macs", z.macs},
          {"published_top1", value_or_null(z.published_top1)},
          {"estimated_top1", value_or_null(z.estimated_top1)},
          {"estimated_top1_low", value_or_null(z.estimated_top1_low)},
          {"estimated_top1_high", value_or_null(z.estimated_top1_high)},
          {"support_distance", value_or_null(z.support_distance)},
          {"inside_support", value_or_null(z.inside_support)},
          {"predicted_latency_us", value_or_null(z.predicted_latency_us)},
          {"published_latency_us", value_or_null(z.published_latency_us)},
          {"measured_latency_us", value_or_null(z.measured_latency_us)},
          {"predicted_macps", value_or_null(z.predicted_macps)},
          {"top1", value_or_null(p.top1)},
          {"top1_source", p.top1_source ? Json(named(top1_source_names, *p.top1_source)) : Json(nullptr)},
          {"cpubone_mark", value_or_null(p.cpubone_mark)},
          {"series", std::string(names_of(p.series).label)},
          {"latency_us", value_or_null(p.latency_us)},
          {"latency_source", named(results::latency_source_names, p.latency_source)},
          {"macps", value_or_null(p.macps)}};
}

Json row_to_json(const ParetoPoint& row) {
  const results::ParetoRow& p = row.pareto;
  return {{"id", p.id},
          {"summary", p.summary},
          {"params", p.params},
          {"macs", p.macs},
          {"predicted_latency_us", p.predicted_latency_us},
          {"estimated_top1", value_or_null(p.estimated_top1)},
          {"estimated_top1_low", value_or_null(p.estimated_top1_low)},
          {"estimated_top1_high", value_or_null(p.estimated_top1_high)},
          {"support_distance", value_or_null(p.support_distance)},
          {"measured_latency_us", value_or_null(p.measured_latency_us)},
          {"uncalibrated_share", value_or_null(p.uncalibrated_share)},
          {"uncalibrated_kinds", value_or_null(p.uncalibrated_kinds)},
          {"file", p.file},
          {"predicted_macps", value_or_null(row.predicted_macps)}};
}

Json row_to_json(const results::RandomFrontPoint& p) {
  return {{"latency_us", p.latency_us}, {"top1", value_or_null(p.top1)}};
}

Json row_to_json(const ProposalPoint& p) {
  const results::ProposalRow& d = p.proposal;
  return {{"baseline", p.baseline},
          {"baseline_latency_us", p.baseline_latency_us},
          {"baseline_published_top1", value_or_null(p.baseline_published_top1)},
          {"baseline_measured_latency_us", value_or_null(p.baseline_measured_latency_us)},
          {"standing", named(results::domination_names, p.standing)},
          {"id", d.id},
          {"latency_us", d.latency_us},
          {"top1", d.top1},
          {"top1_low", d.top1_low},
          {"top1_high", d.top1_high},
          {"support_distance", d.support_distance},
          {"delta_latency_pct", d.delta_latency_pct},
          {"delta_top1_pp", d.delta_top1_pp},
          {"delta_top1_low_pp", d.delta_top1_low_pp},
          {"measured_latency_us", value_or_null(d.measured_latency_us)}};
}

Json row_to_json(const MatchedPoint& p) {
  const results::MatchedConfiguration& m = p.configuration;
  return {{"baseline", p.baseline},
          {"baseline_latency_us", p.baseline_latency_us},
          {"baseline_published_top1", value_or_null(p.baseline_published_top1)},
          {"id", m.id},
          {"summary", m.summary},
          {"params", m.params},
          {"macs", m.macs},
          {"params_ratio", m.params_ratio},
          {"macs_ratio", m.macs_ratio},
          {"predicted_latency_us", m.predicted_latency_us},
          {"speedup", m.speedup},
          {"top1", value_or_null(m.top1)},
          {"top1_low", value_or_null(m.top1_low)},
          {"top1_high", value_or_null(m.top1_high)},
          {"support_distance", value_or_null(m.support_distance)},
          {"domination", named(results::domination_names, m.domination)},
          {"measured_latency_us", value_or_null(m.measured_latency_us)},
          {"file", m.file}};
}

Json row_to_json(const MacpsLinePoint& p) {
  return {{"macps", p.macps},
          {"label", p.label},
          {"macs", p.macs},
          {"latency_us", p.latency_us},
          {"label_here", p.label_here}};
}

Json row_to_json(const results::BlockMacps& b) {
  return {{"variant", b.variant}, {"channels", b.channels}, {"resolution", b.resolution}, {"macps", b.macps}};
}

Json row_to_json(const FusedRatioPoint& p) {
  const results::FusedWidth& w = p.width;
  const double fused_us = w.fused.latency_us, unfused_us = w.unfused.latency_us;
  return {{"channels", w.channels},
          {"fused", w.fused.variant},
          {"unfused", w.unfused.variant},
          {"fused_latency_us", fused_us},
          {"unfused_latency_us", unfused_us},
          {"time_ratio", p.time_ratio},
          {"faster", fused_us < unfused_us ? "fused" : "unfused"}};
}

Json row_to_json(const FusedBestPoint& p) {
  return {{"channels", p.channels}, {"kind", p.kind}, {"variant", p.block.variant}, {"macps", p.block.macps}};
}

Json row_to_json(const RooflineOp& r) {
  const results::RooflinePoint& p = r.point;
  return {{"model", p.model},
          {"op", p.op},
          {"op_class", p.op_class},
          {"intensity_macs_per_byte", p.intensity_macs_per_byte},
          {"macps", p.macps},
          {"source", named(results::time_source_names, p.source)},
          {"macs", value_or_null(r.macs)},
          {"predicted_us", value_or_null(r.predicted_us)}};
}

Json row_to_json(const RoofPoint& p) {
  return {{"intensity_macs_per_byte", p.intensity_macs_per_byte},
          {"macps", p.macps},
          {"bound", named(bound_names, p.bound)}};
}

Json row_to_json(const LayerPoint& p) {
  const OpRow& op = p.layer.op;
  return {{"model", p.model},
          {"name", op.name},
          {"stage", p.layer.stage},
          {"op_class", op.op_class},
          {"macs", op.macs},
          {"predicted_us", value_or_null(op.predicted_us)},
          {"measured_us", value_or_null(op.measured_us)}};
}

Json row_to_json(const PredictorAccuracyPoint& a) {
  const results::PredictorPoint& p = a.point;
  return {{"model", p.model},
          {"family", p.family},
          {"predicted_us", p.predicted_us},
          {"actual_us", p.actual_us},
          {"low_us", value_or_null(p.low_us)},
          {"high_us", value_or_null(p.high_us)},
          {"error_pct", a.error_pct},
          {"inside_interval", value_or_null(a.inside_interval)},
          {"macs", value_or_null(a.macs)},
          {"actual_macps", value_or_null(a.actual_macps)}};
}

Json row_to_json(const BandPoint& b) {
  return {{"actual_us", b.actual_us}, {"low_us", b.low_us}, {"high_us", b.high_us}};
}

Json row_to_json(const results::AccuracyPoint& p) {
  return {{"model", p.model},
          {"family", p.family},
          {"published_top1", p.published_top1},
          {"fitted_top1", value_or_null(p.fitted_top1)},
          {"loo_top1", value_or_null(p.loo_top1)}};
}

Json row_to_json(const results::DesignRule& d) {
  return {{"id", d.id},
          {"statement", d.statement},
          {"value", d.value.is_structured() ? Json(d.value.dump()) : d.value},  // CSV cells are scalars
          {"unit", value_or_null(d.unit)},
          {"source", named(results::rule_source_names, d.source)},
          {"paper_claim", value_or_null(d.paper_claim)},
          {"agrees_with_paper", value_or_null(d.agrees_with_paper)},
          {"proposals_follow", value_or_null(d.proposals_follow)}};
}

Json row_to_json(const results::OperatorRow& o) {
  return {{"operator", o.operator_name}, {"macs", o.macs}, {"latency_us", o.latency_us}, {"macps", o.macps}};
}

Json row_to_json(const results::ProofRow& p) {
  return {{"name", p.name}, {"predicted_us", p.predicted_us},     {"measured_us", p.measured_us},
          {"cv", p.cv},     {"predicted_rank", p.predicted_rank}, {"measured_rank", p.measured_rank}};
}

Json row_to_json(const results::EmulatedOp& e) { return {{"op", e.op}, {"how", e.how}}; }

// A data set of rows of one type; its columns are the keys a row converts to, in their order (a default row has
// every key a row has: null where a figure is missing).
template <class Row>
Dataset rows_to_json(std::string name, const std::vector<Row>& rows) {
  Dataset d;
  d.name = std::move(name);
  const Json keys = row_to_json(Row{});  // held: items() refers to it
  for (const auto& [column, value] : keys.items()) d.columns.push_back(column);
  for (const Row& row : rows) d.rows.push_back(row_to_json(row));
  return d;
}

}  // namespace

std::vector<Dataset> datasets_to_json(const DataSets& d) {
  std::vector<Dataset> out = {rows_to_json("zoo", d.zoo),
                              rows_to_json("pareto", d.pareto),
                              rows_to_json("random_front", d.random_front),
                              rows_to_json("proposals", d.proposals),
                              rows_to_json("capacity_matched", d.capacity_matched),
                              rows_to_json("macps_lines", d.macps_lines),
                              rows_to_json("block_macps", d.block_macps),
                              rows_to_json("fused_vs_unfused", d.fused_vs_unfused.ratio),
                              rows_to_json("fused_vs_unfused_macps", d.fused_vs_unfused.best)};
  for (Dataset& set : std::vector<Dataset>{
           rows_to_json("roofline", d.roofline), rows_to_json("roofline_ceiling", d.roofline_ceiling),
           rows_to_json("layers", d.layers), rows_to_json("predictor_accuracy", d.predictor_accuracy),
           rows_to_json("predictor_accuracy_band", d.predictor_accuracy_band),
           rows_to_json("accuracy_model", d.accuracy_model), rows_to_json("design_rules", d.design_rules)})
    out.push_back(std::move(set));
  if (d.operator_table) out.push_back(rows_to_json("operator_table", *d.operator_table));
  if (d.proof) out.push_back(rows_to_json("proof", *d.proof));
  out.push_back(rows_to_json("emulated_ops", d.emulated_ops));
  return out;
}

}  // namespace cpx::reports

// The results document's one writer (space/results.hpp): each struct's fields under their keys, in the field
// table's order (space/results_fields.cpp), which is the order the explorer has always written them.
#include "space/results_json.hpp"

namespace cpx {
namespace results::io {

Json put_value(const Tool& s) {
  Json j = Json::object();
  put(j, "name", s.name);
  put(j, "version", s.version);
  put(j, "command", s.command);
  return j;
}

Json put_value(const Device& s) {
  Json j = Json::object();
  put(j, "name", s.name);
  put(j, "runtime", s.runtime);
  put(j, "measured", s.measured);
  put(j, "threads", s.threads);
  put(j, "provenance", s.provenance);
  put(j, "timed_by", s.timed_by);  // last, where the explorer has always written it (the table lists it earlier)
  return j;
}

Json put_value(const AccuracyForm& s) {
  Json j = Json::object();
  put_absent(j, "form", s.form);
  put_absent(j, "features", s.features);
  put_absent(j, "loo_mae_pp", s.loo_mae_pp);
  put_absent(j, "lofo_mae_pp", s.lofo_mae_pp);
  put_absent(j, "largest_tenth_mae_pp", s.largest_tenth_mae_pp);
  put_absent(j, "smallest_tenth_mae_pp", s.smallest_tenth_mae_pp);
  put_absent(j, "extrapolation_mae_pp", s.extrapolation_mae_pp);
  put_absent(j, "chosen", s.chosen);
  return j;
}

Json put_value(const AccuracyExtrapolation& s) {
  Json j = Json::object();
  put_absent(j, "edge", s.edge);
  put_absent(j, "models", s.models);
  put_absent(j, "residual_pp", s.residual_pp);
  put_absent(j, "support_distance", s.support_distance);
  put_absent(j, "mae_pp", s.mae_pp);
  put_absent(j, "median_overshoot", s.median_overshoot);
  return j;
}

Json put_value(const AccuracyInterval& s) {
  Json j = Json::object();
  put(j, "level", s.level);
  put(j, "half_width_pp", s.half_width_pp);
  put_absent(j, "per_distance_pp", s.per_distance_pp);
  put(j, "method", s.method);
  return j;
}

Json put_value(const FamilyRange& s) {
  Json j = Json::object();
  put_absent(j, "margin_low", s.margin_low);
  put_absent(j, "margin_high", s.margin_high);
  put_absent(j, "families", s.families);
  return j;
}

Json put_value(const AccuracySupport& s) {
  Json j = Json::object();
  put_absent(j, "features", s.features);
  put_absent(j, "mean", s.mean);
  put_absent(j, "sd", s.sd);
  put(j, "distance", s.distance);
  put(j, "threshold", s.threshold);
  put_absent(j, "threshold_rule", s.threshold_rule);
  put_absent(j, "range", s.range);
  put_absent(j, "family_range", s.family_range);
  put_absent(j, "range_rule", s.range_rule);
  put_absent(j, "outside", s.outside);
  return j;
}

Json put_value(const AccuracyPoint& s) {
  Json j = Json::object();
  put(j, "model", s.model);
  put(j, "family", s.family);
  put_absent(j, "source", s.source);
  put(j, "published_top1", s.published_top1);
  put(j, "fitted_top1", s.fitted_top1);
  put(j, "loo_top1", s.loo_top1);
  put(j, "lofo_top1", s.lofo_top1);
  put_absent(j, "macs", s.macs);
  put_absent(j, "params", s.params);
  put_absent(j, "weight_layers", s.weight_layers);
  put(j, "support_nn_distance", s.support_nn_distance);
  put_opt2(j, "support_lofo_distance", s.support_lofo_distance);
  return j;
}

Json put_value(const FeatureSetTried& s) {
  Json j = Json::object();
  put_absent(j, "form", s.form);
  put(j, "features", s.features);
  put(j, "loo_mae_pp", s.loo_mae_pp);
  put(j, "lofo_mae_pp", s.lofo_mae_pp);
  put_absent(j, "slopes", s.slopes);
  put(j, "chosen", s.chosen);
  return j;
}

Json put_value(const GroupingPenalty& s) {
  Json j = Json::object();
  put_absent(j, "groups 4", s.groups_4);
  put_absent(j, "groups 8", s.groups_8);
  put_absent(j, "source", s.source);
  return j;
}

Json put_value(const AccuracyModel& s) {
  Json j = Json::object();
  put(j, "name", s.name);
  put(j, "kind", s.kind);
  put(j, "description", s.description);
  put_absent(j, "form", s.form);
  put_absent(j, "features", s.features);
  put_absent(j, "knots", s.knots);
  put_absent(j, "slopes", s.slopes);
  put_absent(j, "offsets", s.offsets);
  put_absent(j, "mean_offset", s.mean_offset);
  put_absent(j, "offset_rule", s.offset_rule);
  put(j, "loo_mae_pp", s.loo_mae_pp);
  put(j, "lofo_mae_pp", s.lofo_mae_pp);
  put_absent(j, "choice", s.choice);
  put_absent(j, "forms", s.forms);
  put_absent(j, "extrapolation", s.extrapolation);
  put(j, "interval", s.interval);
  put(j, "support", s.support);
  put(j, "points", s.points);
  put(j, "feature_sets_tried", s.feature_sets_tried);
  put_absent(j, "grouping_penalty_pp", s.grouping_penalty_pp);
  return j;
}

Json put_value(const ZooRow& s) {
  Json j = Json::object();
  put(j, "name", s.name);
  put(j, "family", s.family);
  put(j, "resolution", s.resolution);
  put(j, "params", s.params);
  put(j, "macs", s.macs);
  put(j, "published_top1", s.published_top1);
  put(j, "estimated_top1", s.estimated_top1);
  put(j, "estimated_top1_low", s.estimated_top1_low);
  put(j, "estimated_top1_high", s.estimated_top1_high);
  put(j, "support_distance", s.support_distance);
  put(j, "inside_support", s.inside_support);
  put(j, "predicted_latency_us", s.predicted_latency_us);
  put(j, "published_latency_us", s.published_latency_us);
  put(j, "measured_latency_us", s.measured_latency_us);
  put(j, "predicted_macps", s.predicted_macps);
  return j;
}

Json put_value(const DesignRule& s) {
  Json j = Json::object();
  put(j, "id", s.id);
  put(j, "statement", s.statement);
  put(j, "value", s.value);
  put(j, "unit", s.unit);
  put(j, "source", s.source);
  put(j, "paper_claim", s.paper_claim);
  put(j, "agrees_with_paper", s.agrees_with_paper);
  put(j, "proposals_follow", s.proposals_follow);
  return j;
}

Json put_value(const BlockMacps& s) {
  Json j = Json::object();
  put(j, "variant", s.variant);
  put(j, "channels", s.channels);
  put(j, "resolution", s.resolution);
  put(j, "macps", s.macps);
  put_absent(j, "latency_us", s.latency_us);
  put_absent(j, "source", s.source);
  return j;
}

Json put_value(const BlockAtWidth& s) {
  Json j = Json::object();
  put(j, "variant", s.variant);
  put(j, "macps", s.macps);
  put(j, "latency_us", s.latency_us);
  return j;
}

Json put_value(const FusedWidth& s) {
  Json j = Json::object();
  put(j, "channels", s.channels);
  put(j, "fused", s.fused);
  put(j, "unfused", s.unfused);
  put(j, "best_fused", s.best_fused);
  put(j, "best_unfused", s.best_unfused);
  return j;
}

Json put_value(const FusedVsUnfused& s) {
  Json j = Json::object();
  put(j, "resolution", s.resolution);
  put(j, "crossover_channels", s.crossover_channels);
  put(j, "statement", s.statement);
  put(j, "widths", s.widths);
  return j;
}

Json put_value(const RooflinePoint& s) {
  Json j = Json::object();
  put(j, "model", s.model);
  put(j, "op", s.op);
  put(j, "op_class", s.op_class);
  put(j, "intensity_macs_per_byte", s.intensity_macs_per_byte);
  put(j, "macps", s.macps);
  put(j, "source", s.source);
  return j;
}

Json put_value(const Roofline& s) {
  Json j = Json::object();
  put(j, "peak_macps", s.peak_macps);
  put(j, "bandwidth_bytes_per_s", s.bandwidth_bytes_per_s);
  put(j, "source", s.source);
  put(j, "points", s.points);
  return j;
}

Json put_value(const SearchConstraints& s) {
  Json j = Json::object();
  put(j, "max_latency_us", s.max_latency_us);
  put(j, "max_params", s.max_params);
  put(j, "max_macs", s.max_macs);
  return j;
}

Json put_value(const ReferencePoint& s) {
  Json j = Json::object();
  put(j, "latency_us", s.latency_us);
  put_absent(j, "objective", s.objective);
  put(j, "top1", s.top1);
  return j;
}

Json put_value(const Hypervolume& s) {
  Json j = Json::object();
  put(j, "nsga2", s.nsga2);
  put(j, "random", s.random);
  put(j, "ratio", s.ratio);
  put(j, "reference_point", s.reference_point);
  put_absent(j, "random_evaluations", s.random_evaluations);
  return j;
}

Json put_value(const RandomFrontPoint& s) {
  Json j = Json::object();
  put(j, "latency_us", s.latency_us);
  put(j, "top1", s.top1);
  put_absent(j, "objective", s.objective);
  return j;
}

Json put_value(const SearchRun& s) {
  Json j = Json::object();
  put(j, "algorithm", s.algorithm);
  put(j, "seed", s.seed);
  put(j, "space", s.space);
  put_absent(j, "space_points", s.space_points);
  put(j, "evaluations", s.evaluations);
  put_absent(j, "lookups", s.lookups);
  put(j, "evaluations_per_second", s.evaluations_per_second);
  put_absent(j, "seconds", s.seconds);
  put(j, "population", s.population);
  put(j, "generations", s.generations);
  put(j, "stopped_by_time", s.stopped_by_time);
  put(j, "constraints", s.constraints);
  put(j, "hypervolume", s.hypervolume);
  put(j, "random_front", s.random_front);
  return j;
}

Json put_value(const MatchedConfiguration& s) {
  Json j = Json::object();
  put(j, "id", s.id);
  put(j, "file", s.file);
  put(j, "summary", s.summary);
  put(j, "params", s.params);
  put(j, "macs", s.macs);
  put(j, "params_ratio", s.params_ratio);
  put(j, "macs_ratio", s.macs_ratio);
  put(j, "predicted_latency_us", s.predicted_latency_us);
  put(j, "speedup", s.speedup);
  put(j, "domination", s.domination);
  put(j, "measured_latency_us", s.measured_latency_us);
  put(j, "top1", s.top1);
  put(j, "top1_low", s.top1_low);
  put(j, "top1_high", s.top1_high);
  put(j, "support_distance", s.support_distance);
  return j;
}

Json put_value(const MatchedTier& s) {
  Json j = Json::object();
  put(j, "baseline", s.baseline);
  put(j, "baseline_latency_us", s.baseline_latency_us);
  put(j, "baseline_params", s.baseline_params);
  put(j, "baseline_macs", s.baseline_macs);
  put(j, "baseline_published_top1", s.baseline_published_top1);
  put(j, "baseline_measured_latency_us", s.baseline_measured_latency_us);
  put(j, "tolerance", s.tolerance);
  put(j, "fixed", s.fixed);
  put(j, "varied", s.varied);
  put(j, "space_points", s.space_points);
  put(j, "method", s.method);
  put(j, "evaluations", s.evaluations);
  put(j, "seed", s.seed);
  put(j, "front_size", s.front_size);
  put(j, "not_a_point", s.not_a_point);
  put(j, "configurations", s.configurations);
  return j;
}

Json put_value(const ParetoRow& s) {
  Json j = Json::object();
  put(j, "id", s.id);
  put(j, "file", s.file);
  put(j, "summary", s.summary);
  put(j, "params", s.params);
  put(j, "macs", s.macs);
  put(j, "predicted_latency_us", s.predicted_latency_us);
  put(j, "estimated_top1", s.estimated_top1);
  put(j, "estimated_top1_low", s.estimated_top1_low);
  put(j, "estimated_top1_high", s.estimated_top1_high);
  put(j, "support_distance", s.support_distance);
  put_absent(j, "objective", s.objective);
  put_absent(j, "outside_trust", s.outside_trust);
  put(j, "measured_latency_us", s.measured_latency_us);
  put(j, "uncalibrated_share", s.uncalibrated_share);
  put(j, "uncalibrated_kinds", s.uncalibrated_kinds);
  return j;
}

Json put_value(const ProposalRow& s) {
  Json j = Json::object();
  put(j, "id", s.id);
  put(j, "latency_us", s.latency_us);
  put_absent(j, "objective", s.objective);
  put_absent(j, "params", s.params);
  put_absent(j, "macs", s.macs);
  put(j, "delta_latency_pct", s.delta_latency_pct);
  put(j, "delta_top1_pp", s.delta_top1_pp);
  put(j, "delta_top1_low_pp", s.delta_top1_low_pp);
  put_absent(j, "outside_trust", s.outside_trust);
  put(j, "measured_latency_us", s.measured_latency_us);
  put(j, "top1", s.top1);
  put(j, "top1_low", s.top1_low);
  put(j, "top1_high", s.top1_high);
  put(j, "support_distance", s.support_distance);
  return j;
}

Json put_value(const BaselineProposals& s) {
  Json j = Json::object();
  put(j, "baseline", s.baseline);
  put(j, "baseline_latency_us", s.baseline_latency_us);
  put(j, "baseline_top1", s.baseline_top1);
  put(j, "baseline_published_top1", s.baseline_published_top1);
  put_absent(j, "baseline_objective", s.baseline_objective);
  put_absent(j, "baseline_params", s.baseline_params);
  put_absent(j, "baseline_macs", s.baseline_macs);
  put(j, "baseline_measured_latency_us", s.baseline_measured_latency_us);
  put(j, "dominating", s.dominating);
  put(j, "promising_unproven", s.promising_unproven);
  return j;
}

Json put_value(const ProofRow& s) {
  Json j = Json::object();
  put(j, "name", s.name);
  put(j, "predicted_us", s.predicted_us);
  put(j, "measured_us", s.measured_us);
  put(j, "cv", s.cv);
  put_absent(j, "noisy", s.noisy);
  put_absent(j, "timing", s.timing);
  put(j, "predicted_rank", s.predicted_rank);
  put(j, "measured_rank", s.measured_rank);
  return j;
}

Json put_value(const Proof& s) {
  Json j = Json::object();
  put(j, "threads", s.threads);
  put(j, "rows", s.rows);
  put(j, "spearman", s.spearman);
  put_absent(j, "not_measured", s.not_measured);
  put_absent(j, "note", s.note);
  put_absent(j, "interference", s.interference);
  return j;
}

Json put_value(const LayerRow& s) {
  Json j = Json::object();
  write_op_fields(j, s.op, {OpField::name, OpField::op, OpField::macs});
  put(j, "stage", s.stage);
  write_op_fields(j, s.op, {OpField::op_class, OpField::predicted_us, OpField::measured_us});
  return j;
}

Json put_value(const Layers& s) {
  Json j = Json::object();
  put(j, "model", s.model);
  put(j, "ops", s.ops);
  return j;
}

Json put_value(const PredictorPoint& s) {
  Json j = Json::object();
  put(j, "model", s.model);
  put(j, "family", s.family);
  put(j, "predicted_us", s.predicted_us);
  put(j, "actual_us", s.actual_us);
  put(j, "low_us", s.low_us);
  put(j, "high_us", s.high_us);
  return j;
}

Json put_value(const PredictorInterval& s) {
  Json j = Json::object();
  put(j, "level", s.level);
  put(j, "method", s.method);
  return j;
}

Json put_value(const HeldOutScores& s) {
  Json j = Json::object();
  put(j, "mape", s.mape);
  put(j, "within_10", s.within_10);
  put(j, "spearman", s.spearman);
  return j;
}

Json put_value(const HeldOutMethod& s) {
  Json j = Json::object();
  put(j, "method", s.method);
  put(j, "chosen", s.chosen);
  put(j, "lomo", s.lomo);
  put(j, "lofo", s.lofo);
  return j;
}

Json put_value(const PredictorAccuracy& s) {
  Json j = Json::object();
  put(j, "mape", s.mape);
  put(j, "within_10", s.within_10);
  put(j, "spearman", s.spearman);
  put(j, "points", s.points);
  put(j, "against", s.against);
  put(j, "held_out", s.held_out);
  put(j, "method", s.method);
  put(j, "interval", s.interval);
  put(j, "methods", s.methods);
  return j;
}

Json put_value(const RankCorrelations& s) {
  Json j = Json::object();
  put(j, "latency_source", s.latency_source);
  put_absent(j, "models", s.models);
  put(j, "macs", s.macs);
  put(j, "params", s.params);
  put(j, "prediction", s.prediction);
  return j;
}

Json put_value(const OperatorRow& s) {
  Json j = Json::object();
  put(j, "operator", s.operator_name);
  put_absent(j, "channels", s.channels);
  put_absent(j, "resolution", s.resolution);
  put(j, "macs", s.macs);
  put(j, "latency_us", s.latency_us);
  put(j, "macps", s.macps);
  return j;
}

Json put_value(const EmulatedOp& s) {
  Json j = Json::object();
  put(j, "op", s.op);
  put(j, "how", s.how);
  return j;
}

Json put_value(const Results& s) {
  Json j = Json::object();
  put(j, "schema", s.schema);
  put(j, "created", s.created);
  put(j, "tool", s.tool);
  put(j, "device", s.device);
  put(j, "environment", s.environment);
  put(j, "accuracy_model", s.accuracy_model);
  put(j, "zoo", s.zoo);
  put(j, "design_rules", s.design_rules);
  put_absent(j, "design_rules_detail", s.design_rules_detail);
  put(j, "block_macps", s.block_macps);
  put(j, "fused_crossover_channels", s.fused_crossover_channels);
  put(j, "fused_vs_unfused", s.fused_vs_unfused);
  put(j, "roofline", s.roofline);
  put(j, "search", s.search);
  put(j, "capacity_matched", s.capacity_matched);
  put(j, "pareto", s.pareto);
  put(j, "proposals", s.proposals);
  put(j, "proof", s.proof);
  put(j, "layers", s.layers);
  put(j, "predictor_accuracy", s.predictor_accuracy);
  put(j, "rank_correlations", s.rank_correlations);
  put(j, "operator_table", s.operator_table);
  put(j, "emulated_ops", s.emulated_ops);
  put(j, "missing", s.missing);
  put_absent(j, "elapsed_s", s.elapsed_s);
  return j;
}

}  // namespace results::io

Json to_json(const Results& r) { return results::io::put_value(r); }

}  // namespace cpx

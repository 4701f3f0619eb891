// The results document's one reader (space/results.hpp): the field table's check first, then each field into
// its struct. Every key here is a row of space/results_fields.cpp.
#include "space/results_json.hpp"
#include "space/results_schema.hpp"

namespace cpx {
namespace results::io {

void get_value(const Json& j, Tool& out) {
  get(j, "name", out.name);
  get(j, "version", out.version);
  get(j, "command", out.command);
}

void get_value(const Json& j, Device& out) {
  get(j, "name", out.name);
  get(j, "runtime", out.runtime);
  get(j, "measured", out.measured);
  get_null(j, "timed_by", out.timed_by);
  get(j, "threads", out.threads);
  get(j, "provenance", out.provenance);
}

void get_value(const Json& j, AccuracyForm& out) {
  get_absent(j, "form", out.form);
  get_absent(j, "features", out.features);
  get_absent(j, "loo_mae_pp", out.loo_mae_pp);
  get_absent(j, "lofo_mae_pp", out.lofo_mae_pp);
  get_absent(j, "largest_tenth_mae_pp", out.largest_tenth_mae_pp);
  get_absent(j, "smallest_tenth_mae_pp", out.smallest_tenth_mae_pp);
  get_absent(j, "extrapolation_mae_pp", out.extrapolation_mae_pp);
  get_absent(j, "chosen", out.chosen);
}

void get_value(const Json& j, AccuracyExtrapolation& out) {
  get_absent(j, "edge", out.edge);
  get_absent(j, "models", out.models);
  get_absent(j, "residual_pp", out.residual_pp);
  get_absent(j, "support_distance", out.support_distance);
  get_absent(j, "mae_pp", out.mae_pp);
  get_absent(j, "median_overshoot", out.median_overshoot);
}

void get_value(const Json& j, AccuracyInterval& out) {
  get(j, "level", out.level);
  get(j, "half_width_pp", out.half_width_pp);
  get_absent(j, "per_distance_pp", out.per_distance_pp);
  get(j, "method", out.method);
}

void get_value(const Json& j, FamilyRange& out) {
  get_absent(j, "margin_low", out.margin_low);
  get_absent(j, "margin_high", out.margin_high);
  get_absent(j, "families", out.families);
}

void get_value(const Json& j, AccuracySupport& out) {
  get_absent(j, "features", out.features);
  get_absent(j, "mean", out.mean);
  get_absent(j, "sd", out.sd);
  get(j, "distance", out.distance);
  get(j, "threshold", out.threshold);
  get_absent(j, "threshold_rule", out.threshold_rule);
  get_absent(j, "range", out.range);
  get_absent(j, "family_range", out.family_range);
  get_absent(j, "range_rule", out.range_rule);
  get_absent(j, "outside", out.outside);
}

void get_value(const Json& j, AccuracyPoint& out) {
  get(j, "model", out.model);
  get(j, "family", out.family);
  get_absent(j, "source", out.source);
  get(j, "published_top1", out.published_top1);
  get_null(j, "fitted_top1", out.fitted_top1);
  get_null(j, "loo_top1", out.loo_top1);
  get_null(j, "lofo_top1", out.lofo_top1);
  get_absent(j, "macs", out.macs);
  get_absent(j, "params", out.params);
  get_absent(j, "weight_layers", out.weight_layers);
  get_null(j, "support_nn_distance", out.support_nn_distance);
  get_opt2(j, "support_lofo_distance", out.support_lofo_distance);
}

void get_value(const Json& j, FeatureSetTried& out) {
  get_absent(j, "form", out.form);
  get(j, "features", out.features);
  get(j, "loo_mae_pp", out.loo_mae_pp);
  get(j, "lofo_mae_pp", out.lofo_mae_pp);
  get_absent(j, "slopes", out.slopes);
  get(j, "chosen", out.chosen);
}

void get_value(const Json& j, GroupingPenalty& out) {
  get_absent(j, "groups 4", out.groups_4);
  get_absent(j, "groups 8", out.groups_8);
  get_absent(j, "source", out.source);
}

void get_value(const Json& j, AccuracyModel& out) {
  get(j, "name", out.name);
  get(j, "kind", out.kind);
  get(j, "description", out.description);
  get_absent(j, "form", out.form);
  get_absent(j, "features", out.features);
  get_absent(j, "knots", out.knots);
  get_absent(j, "slopes", out.slopes);
  get_absent(j, "offsets", out.offsets);
  get_absent(j, "mean_offset", out.mean_offset);
  get_absent(j, "offset_rule", out.offset_rule);
  get_null(j, "loo_mae_pp", out.loo_mae_pp);
  get_null(j, "lofo_mae_pp", out.lofo_mae_pp);
  get_absent(j, "choice", out.choice);
  get_absent(j, "forms", out.forms);
  get_absent(j, "extrapolation", out.extrapolation);
  get_null(j, "interval", out.interval);
  get_null(j, "support", out.support);
  get(j, "points", out.points);
  get(j, "feature_sets_tried", out.feature_sets_tried);
  get_absent(j, "grouping_penalty_pp", out.grouping_penalty_pp);
}

void get_value(const Json& j, ZooRow& out) {
  get(j, "name", out.name);
  get(j, "family", out.family);
  get(j, "resolution", out.resolution);
  get(j, "params", out.params);
  get(j, "macs", out.macs);
  get_null(j, "published_top1", out.published_top1);
  get_null(j, "estimated_top1", out.estimated_top1);
  get_null(j, "estimated_top1_low", out.estimated_top1_low);
  get_null(j, "estimated_top1_high", out.estimated_top1_high);
  get_null(j, "support_distance", out.support_distance);
  get_null(j, "inside_support", out.inside_support);
  get_null(j, "predicted_latency_us", out.predicted_latency_us);
  get_null(j, "published_latency_us", out.published_latency_us);
  get_null(j, "measured_latency_us", out.measured_latency_us);
  get_null(j, "predicted_macps", out.predicted_macps);
}

void get_value(const Json& j, DesignRule& out) {
  get(j, "id", out.id);
  get(j, "statement", out.statement);
  get(j, "value", out.value);
  get_null(j, "unit", out.unit);
  get(j, "source", out.source);
  get_null(j, "paper_claim", out.paper_claim);
  get_null(j, "agrees_with_paper", out.agrees_with_paper);
  get_null(j, "proposals_follow", out.proposals_follow);
}

void get_value(const Json& j, BlockMacps& out) {
  get(j, "variant", out.variant);
  get(j, "channels", out.channels);
  get(j, "resolution", out.resolution);
  get(j, "macps", out.macps);
  get_absent(j, "latency_us", out.latency_us);
  get_absent(j, "source", out.source);
}

void get_value(const Json& j, BlockAtWidth& out) {
  get(j, "variant", out.variant);
  get(j, "macps", out.macps);
  get(j, "latency_us", out.latency_us);
}

void get_value(const Json& j, FusedWidth& out) {
  get(j, "channels", out.channels);
  get(j, "fused", out.fused);
  get(j, "unfused", out.unfused);
  get(j, "best_fused", out.best_fused);
  get(j, "best_unfused", out.best_unfused);
}

void get_value(const Json& j, FusedVsUnfused& out) {
  get(j, "resolution", out.resolution);
  get_null(j, "crossover_channels", out.crossover_channels);
  get(j, "statement", out.statement);
  get(j, "widths", out.widths);
}

void get_value(const Json& j, RooflinePoint& out) {
  get(j, "model", out.model);
  get(j, "op", out.op);
  get(j, "op_class", out.op_class);
  get(j, "intensity_macs_per_byte", out.intensity_macs_per_byte);
  get(j, "macps", out.macps);
  get(j, "source", out.source);
}

void get_value(const Json& j, Roofline& out) {
  get_null(j, "peak_macps", out.peak_macps);
  get_null(j, "bandwidth_bytes_per_s", out.bandwidth_bytes_per_s);
  get_null(j, "source", out.source);
  get(j, "points", out.points);
}

void get_value(const Json& j, SearchConstraints& out) {
  get_null(j, "max_latency_us", out.max_latency_us);
  get_null(j, "max_params", out.max_params);
  get_null(j, "max_macs", out.max_macs);
}

void get_value(const Json& j, ReferencePoint& out) {
  get(j, "latency_us", out.latency_us);
  get_absent(j, "objective", out.objective);
  get_null(j, "top1", out.top1);
}

void get_value(const Json& j, Hypervolume& out) {
  get(j, "nsga2", out.nsga2);
  get(j, "random", out.random);
  get_null(j, "ratio", out.ratio);
  get(j, "reference_point", out.reference_point);
  get_absent(j, "random_evaluations", out.random_evaluations);
}

void get_value(const Json& j, RandomFrontPoint& out) {
  get(j, "latency_us", out.latency_us);
  get_null(j, "top1", out.top1);
  get_absent(j, "objective", out.objective);
}

void get_value(const Json& j, SearchRun& out) {
  get(j, "algorithm", out.algorithm);
  get(j, "seed", out.seed);
  get(j, "space", out.space);
  get_absent(j, "space_points", out.space_points);
  get(j, "evaluations", out.evaluations);
  get_absent(j, "lookups", out.lookups);
  get(j, "evaluations_per_second", out.evaluations_per_second);
  get_absent(j, "seconds", out.seconds);
  get(j, "population", out.population);
  get(j, "generations", out.generations);
  get(j, "stopped_by_time", out.stopped_by_time);
  get(j, "constraints", out.constraints);
  get(j, "hypervolume", out.hypervolume);
  get(j, "random_front", out.random_front);
}

void get_value(const Json& j, MatchedConfiguration& out) {
  get(j, "id", out.id);
  get(j, "file", out.file);
  get(j, "summary", out.summary);
  get(j, "params", out.params);
  get(j, "macs", out.macs);
  get(j, "params_ratio", out.params_ratio);
  get(j, "macs_ratio", out.macs_ratio);
  get(j, "predicted_latency_us", out.predicted_latency_us);
  get(j, "speedup", out.speedup);
  get(j, "domination", out.domination);
  get_null(j, "measured_latency_us", out.measured_latency_us);
  get_null(j, "top1", out.top1);
  get_null(j, "top1_low", out.top1_low);
  get_null(j, "top1_high", out.top1_high);
  get_null(j, "support_distance", out.support_distance);
}

void get_value(const Json& j, MatchedTier& out) {
  get(j, "baseline", out.baseline);
  get(j, "baseline_latency_us", out.baseline_latency_us);
  get(j, "baseline_params", out.baseline_params);
  get(j, "baseline_macs", out.baseline_macs);
  get_null(j, "baseline_published_top1", out.baseline_published_top1);
  get_null(j, "baseline_measured_latency_us", out.baseline_measured_latency_us);
  get(j, "tolerance", out.tolerance);
  get(j, "fixed", out.fixed);
  get(j, "varied", out.varied);
  get_null(j, "space_points", out.space_points);
  get_null(j, "method", out.method);
  get(j, "evaluations", out.evaluations);
  get(j, "seed", out.seed);
  get(j, "front_size", out.front_size);
  get_null(j, "not_a_point", out.not_a_point);
  get(j, "configurations", out.configurations);
}

void get_value(const Json& j, ParetoRow& out) {
  get(j, "id", out.id);
  get(j, "file", out.file);
  get(j, "summary", out.summary);
  get(j, "params", out.params);
  get(j, "macs", out.macs);
  get(j, "predicted_latency_us", out.predicted_latency_us);
  get_null(j, "estimated_top1", out.estimated_top1);
  get_null(j, "estimated_top1_low", out.estimated_top1_low);
  get_null(j, "estimated_top1_high", out.estimated_top1_high);
  get_null(j, "support_distance", out.support_distance);
  get_absent(j, "objective", out.objective);
  get_absent(j, "outside_trust", out.outside_trust);
  get_null(j, "measured_latency_us", out.measured_latency_us);
  get_null(j, "uncalibrated_share", out.uncalibrated_share);
  get_null(j, "uncalibrated_kinds", out.uncalibrated_kinds);
}

void get_value(const Json& j, ProposalRow& out) {
  get(j, "id", out.id);
  get(j, "latency_us", out.latency_us);
  get_absent(j, "objective", out.objective);
  get_absent(j, "params", out.params);
  get_absent(j, "macs", out.macs);
  get(j, "delta_latency_pct", out.delta_latency_pct);
  get(j, "delta_top1_pp", out.delta_top1_pp);
  get(j, "delta_top1_low_pp", out.delta_top1_low_pp);
  get_absent(j, "outside_trust", out.outside_trust);
  get_null(j, "measured_latency_us", out.measured_latency_us);
  get(j, "top1", out.top1);
  get(j, "top1_low", out.top1_low);
  get(j, "top1_high", out.top1_high);
  get(j, "support_distance", out.support_distance);
}

void get_value(const Json& j, BaselineProposals& out) {
  get(j, "baseline", out.baseline);
  get(j, "baseline_latency_us", out.baseline_latency_us);
  get_null(j, "baseline_top1", out.baseline_top1);
  get_null(j, "baseline_published_top1", out.baseline_published_top1);
  get_absent(j, "baseline_objective", out.baseline_objective);
  get_absent(j, "baseline_params", out.baseline_params);
  get_absent(j, "baseline_macs", out.baseline_macs);
  get_null(j, "baseline_measured_latency_us", out.baseline_measured_latency_us);
  get(j, "dominating", out.dominating);
  get(j, "promising_unproven", out.promising_unproven);
}

void get_value(const Json& j, ProofRow& out) {
  get(j, "name", out.name);
  get(j, "predicted_us", out.predicted_us);
  get(j, "measured_us", out.measured_us);
  get(j, "cv", out.cv);
  get_absent(j, "noisy", out.noisy);
  get_absent(j, "timing", out.timing);
  get(j, "predicted_rank", out.predicted_rank);
  get(j, "measured_rank", out.measured_rank);
}

void get_value(const Json& j, Proof& out) {
  get(j, "threads", out.threads);
  get(j, "rows", out.rows);
  get(j, "spearman", out.spearman);
  get_absent(j, "not_measured", out.not_measured);
  get_absent(j, "note", out.note);
  get_absent(j, "interference", out.interference);
}

void get_value(const Json& j, LayerRow& out) {
  get(j, "name", out.op.name);
  get(j, "op", out.op.op);
  get(j, "macs", out.op.macs);
  get(j, "stage", out.stage);
  get(j, "op_class", out.op.op_class);
  get(j, "predicted_us", out.op.predicted_us.emplace());
  get_null(j, "measured_us", out.op.measured_us);
}

void get_value(const Json& j, Layers& out) {
  get(j, "model", out.model);
  get(j, "ops", out.ops);
}

void get_value(const Json& j, PredictorPoint& out) {
  get(j, "model", out.model);
  get(j, "family", out.family);
  get(j, "predicted_us", out.predicted_us);
  get(j, "actual_us", out.actual_us);
  get_null(j, "low_us", out.low_us);
  get_null(j, "high_us", out.high_us);
}

void get_value(const Json& j, PredictorInterval& out) {
  get(j, "level", out.level);
  get(j, "method", out.method);
}

void get_value(const Json& j, HeldOutScores& out) {
  get(j, "mape", out.mape);
  get(j, "within_10", out.within_10);
  get(j, "spearman", out.spearman);
}

void get_value(const Json& j, HeldOutMethod& out) {
  get(j, "method", out.method);
  get(j, "chosen", out.chosen);
  get(j, "lomo", out.lomo);
  get_null(j, "lofo", out.lofo);
}

void get_value(const Json& j, PredictorAccuracy& out) {
  get(j, "mape", out.mape);
  get(j, "within_10", out.within_10);
  get(j, "spearman", out.spearman);
  get(j, "points", out.points);
  get(j, "against", out.against);
  get_null(j, "held_out", out.held_out);
  get_null(j, "method", out.method);
  get_null(j, "interval", out.interval);
  get_null(j, "methods", out.methods);
}

void get_value(const Json& j, RankCorrelations& out) {
  get(j, "latency_source", out.latency_source);
  get_absent(j, "models", out.models);
  get(j, "macs", out.macs);
  get(j, "params", out.params);
  get_null(j, "prediction", out.prediction);
}

void get_value(const Json& j, OperatorRow& out) {
  get(j, "operator", out.operator_name);
  get_absent(j, "channels", out.channels);
  get_absent(j, "resolution", out.resolution);
  get(j, "macs", out.macs);
  get(j, "latency_us", out.latency_us);
  get(j, "macps", out.macps);
}

void get_value(const Json& j, EmulatedOp& out) {
  get(j, "op", out.op);
  get(j, "how", out.how);
}

void get_value(const Json& j, Results& out) {
  get(j, "schema", out.schema);
  get(j, "created", out.created);
  get(j, "tool", out.tool);
  get(j, "device", out.device);
  get(j, "environment", out.environment);
  get(j, "accuracy_model", out.accuracy_model);
  get(j, "zoo", out.zoo);
  get(j, "design_rules", out.design_rules);
  get_absent(j, "design_rules_detail", out.design_rules_detail);
  get(j, "block_macps", out.block_macps);
  get_null(j, "fused_crossover_channels", out.fused_crossover_channels);
  get(j, "fused_vs_unfused", out.fused_vs_unfused);
  get(j, "roofline", out.roofline);
  get(j, "search", out.search);
  get(j, "capacity_matched", out.capacity_matched);
  get(j, "pareto", out.pareto);
  get(j, "proposals", out.proposals);
  get_null(j, "proof", out.proof);
  get(j, "layers", out.layers);
  get_null(j, "predictor_accuracy", out.predictor_accuracy);
  get(j, "rank_correlations", out.rank_correlations);
  get_null(j, "operator_table", out.operator_table);
  get(j, "emulated_ops", out.emulated_ops);
  get(j, "missing", out.missing);
  get_absent(j, "elapsed_s", out.elapsed_s);
}

}  // namespace results::io

Results results_from_json(const Json& j, const std::string& file) {
  validate_results(j, file);
  Results r;
  results::io::get_value(j, r);
  r.machine_notes = machine_notes_from_json(r.device.provenance, r.environment);
  return r;
}

results::MachineNotes machine_notes_from_json(const Json& provenance, const Json& environment) {
  results::MachineNotes out;
  // A predictor fitted on a profile during which the machine changed speed (fit's provenance, see
  // profiler/measure/machine_speed.hpp).
  if (provenance.is_object() && provenance.contains("machine_speed")) {
    const Json& speed = provenance["machine_speed"];
    if (speed.is_object() && speed.value("slowed", false) == true && speed.contains("spread") &&
        speed["spread"].is_number())
      out.slowed_spread = speed["spread"].get<double>();
  }
  if (!environment.is_object()) return out;
  // Times measured under an emulator (profiler/measure/emulation.hpp).
  out.emulated = environment.contains("emulated") && environment["emulated"] == true;
  if (environment.contains("emulation_signs") && environment["emulation_signs"].is_string())
    out.emulation_signs = environment["emulation_signs"].get<std::string>();
  // Measurements too many of which were noisy (profiler/profile/interference.hpp's brief(), per source).
  const Json& noisy = environment.contains("noisy_measurements") ? environment["noisy_measurements"] : Json(nullptr);
  if (noisy.is_object())
    for (const auto& [source, n] : noisy.items())
      if (n.is_object() && n.value("above_threshold", false) && n.contains("summary") && n["summary"].is_string())
        out.noisy.push_back({source, n["summary"].get<std::string>()});
  return out;
}

}  // namespace cpx

#include "reports/schema.hpp"

#include <cmath>

namespace cpx::reports {

namespace {

// reports/results-schema.md, field for field. A leaf names a kind; a trailing "?" allows null:
//   str, int (>= 0), count (>= 1), num (finite), nonneg, pos (> 0), top1 ([0, 100]), frac ([0, 1]),
//   corr ([-1, 1]), bool, obj (any object), any, enum:a|b.
// An object lists its required fields ("?": true makes the whole object nullable); [x] is an array of
// x and [x, "?"] a nullable one.
constexpr const char* shape_text = R"json({
  "schema": "str",
  "created": "str",
  "tool": {"name": "str", "version": "str", "command": "str"},
  "device": {"name": "str", "runtime": "str", "measured": "bool", "threads": "count", "provenance": "obj"},
  "environment": "obj?",
  "accuracy_model": {
    "name": "str", "kind": "enum:proxy|user|macs", "description": "str", "loo_mae_pp": "nonneg?", "lofo_mae_pp": "nonneg?",
    "interval": {"?": true, "level": "frac", "half_width_pp": "nonneg", "method": "str"},
    "support": {"?": true, "threshold": "nonneg", "distance": "str"},
    "feature_sets_tried": [{"features": ["str"], "loo_mae_pp": "nonneg", "lofo_mae_pp": "nonneg", "chosen": "bool"}],
    "points": [{"model": "str", "family": "str", "published_top1": "top1", "fitted_top1": "top1?",
                "loo_top1": "top1?", "lofo_top1": "top1?", "support_nn_distance": "nonneg?"}]
  },
  "zoo": [{"name": "str", "family": "str", "resolution": "count", "params": "nonneg", "macs": "pos",
           "published_top1": "top1?", "estimated_top1": "top1?", "estimated_top1_low": "num?", "estimated_top1_high": "num?",
           "support_distance": "nonneg?", "inside_support": "bool?", "predicted_latency_us": "pos?",
           "published_latency_us": "pos?", "measured_latency_us": "pos?", "predicted_macps": "pos?"}],
  "design_rules": [{"id": "str", "statement": "str", "value": "any", "unit": "str?",
                    "source": "enum:predictor|profile", "paper_claim": "str?", "agrees_with_paper": "bool?",
                    "proposals_follow": "str?"}],
  "block_macps": [{"variant": "str", "channels": "count", "resolution": "count", "macps": "pos"}],
  "fused_crossover_channels": "pos?",
  "roofline": {
    "peak_macps": "pos?", "bandwidth_bytes_per_s": "pos?", "source": "str?",
    "points": [{"model": "str", "op": "str", "op_class": "str", "intensity_macs_per_byte": "pos", "macps": "pos",
                "source": "enum:predicted|measured"}]
  },
  "search": {
    "algorithm": "str", "seed": "int", "space": "str", "evaluations": "int", "evaluations_per_second": "nonneg",
    "population": "count", "generations": "int",
    "constraints": {"max_latency_us": "pos?", "max_params": "pos?", "max_macs": "pos?"},
    "hypervolume": {"nsga2": "nonneg", "random": "nonneg", "ratio": "nonneg?",
                    "reference_point": {"latency_us": "pos", "top1": "top1?"}},
    "random_front": [{"latency_us": "pos", "top1": "top1?"}]
  },
  "capacity_matched": [{"baseline": "str", "baseline_latency_us": "pos", "baseline_params": "pos", "baseline_macs": "pos",
                        "baseline_published_top1": "top1?", "baseline_measured_latency_us": "pos?", "tolerance": "frac",
                        "fixed": "str", "varied": ["str"], "space_points": "pos?", "method": "enum:exhaustive|NSGA-II?",
                        "evaluations": "int", "seed": "int", "front_size": "int", "not_a_point": "str?",
                        "configurations": [{"id": "str", "file": "str", "summary": "str", "params": "pos", "macs": "pos",
                                            "params_ratio": "pos", "macs_ratio": "pos", "predicted_latency_us": "pos",
                                            "speedup": "pos", "top1": "top1?", "top1_low": "num?", "top1_high": "num?",
                                            "support_distance": "nonneg?",
                                            "domination": "enum:earned|promising_unproven|none",
                                            "measured_latency_us": "pos?"}]}],
  "pareto": [{"id": "str", "file": "str", "summary": "str", "params": "nonneg", "macs": "pos",
              "predicted_latency_us": "pos", "estimated_top1": "top1?", "estimated_top1_low": "num?",
              "estimated_top1_high": "num?", "support_distance": "nonneg?", "measured_latency_us": "pos?",
              "uncalibrated_share": "frac?", "uncalibrated_kinds": "str?"}],
  "proposals": [{"baseline": "str", "baseline_latency_us": "pos", "baseline_top1": "top1?",
                 "baseline_published_top1": "top1?", "baseline_measured_latency_us": "pos?",
                 "dominating": [{"id": "str", "latency_us": "pos", "top1": "top1", "top1_low": "num", "top1_high": "num",
                                 "support_distance": "nonneg", "delta_latency_pct": "num", "delta_top1_pp": "num",
                                 "delta_top1_low_pp": "nonneg", "measured_latency_us": "pos?"}],
                 "promising_unproven": [{"id": "str", "latency_us": "pos", "top1": "top1", "top1_low": "num",
                                         "top1_high": "num", "support_distance": "nonneg", "delta_latency_pct": "num",
                                         "delta_top1_pp": "num", "delta_top1_low_pp": "num",
                                         "measured_latency_us": "pos?"}]}],
  "proof": {"?": true, "threads": "count",
            "rows": [{"name": "str", "predicted_us": "pos", "measured_us": "pos", "cv": "nonneg",
                      "predicted_rank": "count", "measured_rank": "count"}],
            "spearman": "corr"},
  "layers": {"model": "str",
             "ops": [{"name": "str", "stage": "str", "op_class": "str", "macs": "nonneg", "predicted_us": "nonneg",
                      "measured_us": "nonneg?"}]},
  "predictor_accuracy": {"?": true, "against": "str", "held_out": "enum:lofo|lomo?", "method": "str?",
                         "interval": {"?": true, "level": "frac", "method": "str"},
                         "points": [{"model": "str", "family": "str", "predicted_us": "pos", "actual_us": "pos",
                                     "low_us": "pos?", "high_us": "pos?"}],
                         "mape": "nonneg", "within_10": "frac", "spearman": "corr",
                         "methods": [{"method": "str", "chosen": "bool",
                                      "lomo": {"mape": "nonneg", "within_10": "frac", "spearman": "corr"},
                                      "lofo": {"?": true, "mape": "nonneg", "within_10": "frac", "spearman": "corr"}}, "?"]},
  "rank_correlations": {"latency_source": "enum:measured|published|predicted", "macs": "corr", "params": "corr",
                        "prediction": "corr?"},
  "operator_table": [{"operator": "str", "macs": "nonneg", "latency_us": "pos", "macps": "nonneg"}, "?"],
  "emulated_ops": [{"op": "str", "how": "str"}],
  "missing": ["str"]
})json";

const Json& shape() {
  static const Json s = Json::parse(shape_text);
  return s;
}

void check_number(const Json& v, const Where& w, double lo, double hi, const char* what) {
  if (!v.is_number()) w.fail(v, "expected a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) w.fail(v, std::string("expected ") + what);
}

void check(const Json& v, const Json& spec, const Where& w);

void check_leaf(const Json& v, std::string kind, const Where& w) {
  if (kind.back() == '?') {
    if (v.is_null()) return;
    kind.pop_back();
  }
  const double inf = HUGE_VAL;
  if (kind == "str") {
    if (!v.is_string()) w.fail(v, "expected a string");
  } else if (kind == "bool") {
    if (!v.is_boolean()) w.fail(v, "expected true or false");
  } else if (kind == "obj") {
    if (!v.is_object()) w.fail(v, "expected an object");
  } else if (kind == "any") {
  } else if (kind == "int" || kind == "count") {
    const double lo = kind == "int" ? 0 : 1;
    check_number(v, w, lo, 9e15, kind == "int" ? "an integer >= 0" : "an integer >= 1");
    if (v.get<double>() != std::floor(v.get<double>())) w.fail(v, "expected an integer");
  } else if (kind == "num") {
    check_number(v, w, -inf, inf, "a finite number");
  } else if (kind == "nonneg") {
    check_number(v, w, 0, inf, "a number >= 0");
  } else if (kind == "pos") {
    check_number(v, w, 0, inf, "a number > 0");
    if (v.get<double>() == 0) w.fail(v, "expected a number > 0");
  } else if (kind == "top1") {
    check_number(v, w, 0, 100, "a top-1 accuracy in [0, 100] %");
  } else if (kind == "frac") {
    check_number(v, w, 0, 1, "a fraction in [0, 1]");
  } else if (kind == "corr") {
    check_number(v, w, -1, 1, "a correlation in [-1, 1]");
  } else if (kind.rfind("enum:", 0) == 0) {
    const std::string options = kind.substr(5);
    if (v.is_string()) {
      size_t start = 0;
      while (start <= options.size()) {
        const size_t end = std::min(options.find('|', start), options.size());
        if (options.compare(start, end - start, v.get<std::string>()) == 0) return;
        start = end + 1;
      }
    }
    std::string list = options;
    for (auto& c : list)
      if (c == '|') c = ',';
    w.fail(v, "expected one of " + list);
  } else {
    throw std::logic_error("results shape: unknown kind " + kind);
  }
}

void check(const Json& v, const Json& spec, const Where& w) {
  if (spec.is_string()) return check_leaf(v, spec.get<std::string>(), w);
  const bool nullable = spec.is_array() ? spec.size() == 2 : spec.contains("?");
  if (nullable && v.is_null()) return;
  if (spec.is_array()) {
    if (!v.is_array()) w.fail(v, nullable ? "expected an array or null" : "expected an array");
    for (size_t i = 0; i < v.size(); ++i) check(v[i], spec[0], w[i]);
    return;
  }
  if (!v.is_object()) w.fail(v, nullable ? "expected an object or null" : "expected an object");
  for (const auto& [key, sub] : spec.items()) {
    if (key == "?") continue;
    if (!v.contains(key)) (w / key).fail("missing required field");
    check(v.at(key), sub, w / key);
  }
}

}  // namespace

void validate_results(const Json& results, const std::string& results_file) {
  const Where top(results_file);
  if (!results.is_object()) top.fail(results, "expected the explorer's results object");
  // The version first: a file of another version is reported as such, not as a missing field.
  if (!results.contains("schema")) (top / "schema").fail(std::string("missing required field (expected \"") + results_schema + "\")");
  check_file_version(top / "schema", results.at("schema"), {results_version});
  check(results, shape(), top);
}

}  // namespace cpx::reports

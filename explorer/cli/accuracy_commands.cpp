// accuracy: the top-1 estimator the search uses, as calibrate shows the latency predictor: every feature
// set tried with its held-out errors, the chosen one, its interval and support, and every fitted point.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "explorer/accuracy.hpp"
#include "explorer/cli/commands.hpp"
#include "space/results_part.hpp"

namespace cpx::cli {

namespace {

void run_accuracy(const std::string& source, bool as_json) {
  const explorer::AccuracyModel m = source == "proxy" ? explorer::fit_proxy() : explorer::fit_user(source);
  if (as_json) {
    std::cout << results::accuracy_model_to_json(explorer::to_results(m)).dump(2) << "\n";
    return;
  }
  std::printf("%s: %s\n\n", m.name.c_str(), m.description.c_str());
  std::printf("feature sets tried (MAE in pp; model-out = leave one model out, family-out = leave one family out):\n");
  std::printf("  %-11s %-80s %9s %10s\n", "form", "features", "model-out", "family-out");
  for (const explorer::FeatureSetTried& c : m.candidates) {
    std::string names;
    for (const auto& f : c.features) names += (names.empty() ? "" : " + ") + f;
    std::printf("%s %-11s %-80s %9.2f %10.2f\n", c.chosen ? "*" : " ", c.form.c_str(), names.c_str(), c.loo_mae_pp,
                c.lofo_mae_pp);
  }
  std::printf(
      "\nforms, each with its best feature set, and extrapolation held out (the largest and the smallest tenth by "
      "MACs, fitted on the rest; MAE in pp):\n");
  std::printf("  %-11s %10s %14s %15s %14s\n", "form", "family-out", "largest tenth", "smallest tenth",
              "extrapolation");
  for (const explorer::FormScore& f : m.forms)
    std::printf("%s %-11s %10.2f %14.2f %15.2f %14.2f\n", f.chosen ? "*" : " ", f.form.c_str(), f.lofo_mae_pp,
                f.largest_tenth_mae_pp, f.smallest_tenth_mae_pp, f.extrapolation_mae_pp);
  std::printf("\nchosen: %s (lowest extrapolation MAE), model-out MAE %.2f pp, family-out MAE %.2f pp\n",
              m.form.c_str(), *m.loo_mae_pp, *m.lofo_mae_pp);
  for (const auto& e : m.edges) {
    std::printf("  %s held out (MAE %.2f pp):", e.edge.c_str(), e.mae_pp);
    for (size_t i = 0; i < e.models.size(); ++i) std::printf(" %s %+.2f", e.models[i].c_str(), e.residual_pp[i]);
    std::printf(" pp\n");
  }
  std::printf("slopes:");
  for (size_t j = 0; j < m.features.size(); ++j) std::printf(" %s %+.3f", m.features[j].c_str(), m.slopes[j]);
  for (const auto& [f, k] : m.knots) std::printf(" (%s knot %.3f)", f.c_str(), k);
  std::printf("\noffsets:");
  for (const auto& [f, v] : m.offsets) std::printf(" %s %.2f", f.c_str(), v);
  std::printf(" (mean %.2f, for unknown families)\n", m.mean_offset);
  std::printf(
      "interval: %.0f%%, +-(%.2f + %.2f x support distance) pp (split-conformal on held-out residuals scaled by "
      "distance)\n",
      100 * m.interval_level, m.interval_base_pp, m.interval_per_distance_pp);
  std::printf(
      "support: nearest fitted point in standardised features, threshold %.2f (the largest nearest-other-point "
      "distance of the fitted points)\n",
      m.support_threshold);
  for (size_t j = 0; j < explorer::range_features.size(); ++j)
    std::printf("range: %s %.3g .. %.3g published, %.3g .. %.3g with the margins the extrapolation test earned\n",
                j == 0 ? "MACs" : "params", std::exp(m.range_low[j]), std::exp(m.range_high[j]),
                std::exp(m.range_low[j] - m.margin_low[j]), std::exp(m.range_high[j] + m.margin_high[j]));
  std::printf(
      "a family's offset is carried past its own published range by at most x%.2f (MACs) and x%.2f (params) "
      "above, x%.2f and x%.2f below (each family's largest and smallest member held out)\n",
      std::exp(m.family_margin_high[0]), std::exp(m.family_margin_high[1]), std::exp(m.family_margin_low[0]),
      std::exp(m.family_margin_low[1]));
  std::printf("\n");
  std::printf("%-18s %-14s %7s %7s %9s %10s %8s\n", "model", "family", "top1", "fitted", "model-out", "family-out",
              "nn_dist");
  for (const auto& p : m.points)
    std::printf("%-18s %-14s %7.2f %7.2f %9.2f %10.2f %8.2f\n", p.model.c_str(), p.family.c_str(), p.top1,
                p.fitted_top1, p.loo_top1, p.lofo_top1, p.nn_distance);
}

}  // namespace

void add_accuracy_commands(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("accuracy", "The top-1 estimator: feature sets tried with held-out errors, interval, support");
  auto source = std::make_shared<std::string>("proxy");
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("--accuracy", *source, "proxy (published zoo top-1), or a CSV of model,top1 to refit with")
      ->capture_default_str();
  cmd->add_flag("--json", *as_json, "Print the estimator as JSON (what results.json holds as accuracy_model)");
  cmd->callback([=] { run_accuracy(*source, *as_json); });
}

}  // namespace cpx::cli

#include "predictor/calibrate_held_out.hpp"

#include <cmath>
#include <map>

#include "predictor/statistics.hpp"

namespace cpx::predictor {

HeldOutFigures held_out_figures(const std::vector<double>& pred, const Eigen::VectorXd& y,
                                const std::vector<std::string>& group, const ErrorBounds& error_bounds) {
  // A few published points: ±10% is as fine as the table goes (no within_5pct).
  const Accuracy a = accuracy_of(pred, std::vector<double>(y.data(), y.data() + y.size()));
  std::vector<double> err(pred.size());
  for (size_t i = 0; i < pred.size(); ++i) err[i] = pred[i] / y(static_cast<Eigen::Index>(i)) - 1;
  const auto bounds = error_bounds(err, group);
  double covered = 0;
  for (size_t i = 0; i < err.size(); ++i) covered += err[i] >= bounds[i][0] && err[i] <= bounds[i][1];
  return {a.mape, a.within_10pct, a.spearman, covered / static_cast<double>(err.size())};
}

namespace {

// How sure a calibration from few networks can be: the standard errors of its chosen model's held-out MAPE
// (over groups) and of an 80% interval's coverage (binomial, over points).
Sureness sureness(const std::vector<double>& held, const Eigen::VectorXd& y, const std::vector<std::string>& group,
                  size_t families) {
  std::map<std::string, std::pair<double, double>> by_group;  // Σ|e|, count
  for (size_t i = 0; i < held.size(); ++i) {
    auto& g = by_group[group[i]];
    g.first += std::abs(held[i] / y(static_cast<Eigen::Index>(i)) - 1);
    g.second += 1;
  }
  double mean = 0, sq = 0;
  for (const auto& [g, v] : by_group) mean += v.first / v.second / static_cast<double>(by_group.size());
  for (const auto& [g, v] : by_group) sq += std::pow(v.first / v.second - mean, 2);
  const double G = static_cast<double>(by_group.size()), n = static_cast<double>(held.size());
  Sureness out;
  out.networks = static_cast<int64_t>(held.size());
  out.families = static_cast<int64_t>(families);
  if (G > 1) out.mape_standard_error = std::sqrt(sq / (G - 1) / G);
  out.coverage_standard_error = std::sqrt(interval_level * (1 - interval_level) / n);
  if (held.size() < 10 || families < 3)
    out.warning =
        "only " + std::to_string(held.size()) + " networks in " + std::to_string(families) +
        " families: the held-out figures rest on few cases (see the standard errors), and nothing is known of "
        "kinds of work these networks do not exercise";
  return out;
}

}  // namespace

CalibrationHeldOut held_out_record(const Calibration& out, std::optional<CalibrationMethod> forced, MethodChoice choice,
                                   std::optional<NestedScore> nested, const std::vector<std::string>& models,
                                   const std::vector<std::string>& family, const std::vector<double>& held,
                                   const Eigen::VectorXd& y, const std::vector<std::string>& group,
                                   const ErrorBounds& bounds) {
  CalibrationHeldOut h;
  for (const HeldOutScores& s : out.held_out)
    h.methods.push_back(
        {s.method, held_out_figures(s.lomo_us, y, models, bounds),
         s.lofo_us.empty() ? std::nullopt : std::optional(held_out_figures(s.lofo_us, y, family, bounds))});
  const bool by_family = !out.held_out.front().lofo_us.empty();
  const std::vector<std::string> names = calibration_method_names();
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  h.chosen = out.chosen;
  h.chosen_by = !forced
                    ? "the simplest candidate (" + list + ") whose mean " + (by_family ? "per-family" : "per-model") +
                          " held-out error is within one standard error (of the paired per-group differences) of the "
                          "best's, and not above " +
                          names.front() + "'s"
                    : "--method " + std::string(to_string(*forced)) + " (forced; every candidate still scored)";
  h.choice = std::move(choice);
  h.nested = std::move(nested);
  for (const auto& f : family) ++h.families[f];
  h.family_rule =
      "the CSV's family column; a parenthesised variant (\"FasterNet (ablation)\") is its family (\"FasterNet\")";
  h.points = static_cast<int64_t>(held.size());
  h.sureness = sureness(held, y, group, h.families.size());
  return h;
}

}  // namespace cpx::predictor

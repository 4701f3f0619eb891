// The accuracy model as the results document's accuracy_model (space/results.hpp): struct to struct, so that the
// model reaches results.json and `accuracy --json` through the document's one writer, never as JSON of its own.
// The per-family and per-feature maps are open objects in the document (their keys are names, not fields).
#include <stdexcept>
#include <string>

#include "explorer/accuracy.hpp"

namespace cpx::explorer {

namespace {

results::AccuracyKind kind_of(AccuracyKind k) {
  switch (k) {
    case AccuracyKind::proxy: return results::AccuracyKind::proxy;
    case AccuracyKind::user: return results::AccuracyKind::user;
    case AccuracyKind::macs: return results::AccuracyKind::macs;
  }
  throw std::logic_error("accuracy kind " + std::to_string(static_cast<int>(k)) + " has no case");
}

// One figure per range feature, keyed by its name.
Json per_range_feature(const std::array<double, range_features.size()>& v) {
  Json out = Json::object();
  for (size_t j = 0; j < range_features.size(); ++j) out[range_features[j]] = v[j];
  return out;
}

results::AccuracyPoint point_row(const AccuracyPoint& p) {
  results::AccuracyPoint out;
  out.model = p.model;
  out.family = p.family;
  out.source = p.source;
  out.published_top1 = p.top1;
  out.fitted_top1 = p.fitted_top1;
  out.loo_top1 = p.loo_top1;
  out.lofo_top1 = p.lofo_top1;
  out.macs = p.features.macs;
  out.params = p.features.params;
  out.weight_layers = p.features.layers;
  out.support_nn_distance = p.nn_distance;
  out.support_lofo_distance = std::optional<double>(p.lofo_distance);
  return out;
}

results::AccuracyExtrapolation extrapolation_row(const EdgeHeldOut& e) {
  results::AccuracyExtrapolation out;
  out.edge = e.edge;
  out.models = e.models;
  out.residual_pp = e.residual_pp;
  out.support_distance = e.distance;
  out.mae_pp = e.mae_pp;
  out.median_overshoot = per_range_feature(e.overshoot);
  return out;
}

results::AccuracySupport support_of(const AccuracyModel& m) {
  results::AccuracySupport s;
  s.features = std::vector<std::string>(support_features.begin(), support_features.end());
  s.mean = std::vector<double>(m.support_mean.begin(), m.support_mean.end());
  s.sd = std::vector<double>(m.support_sd.begin(), m.support_sd.end());
  s.distance =
      "Euclidean distance to the nearest fitted point in features standardised by the points' mean and standard "
      "deviation";
  s.threshold = m.support_threshold;
  s.threshold_rule = "the largest distance of any fitted point to its nearest other point";
  Json range = Json::object();
  for (size_t j = 0; j < range_features.size(); ++j)
    range[range_features[j]] = {{"low", m.range_low[j]},
                                {"high", m.range_high[j]},
                                {"margin_low", m.margin_low[j]},
                                {"margin_high", m.margin_high[j]}};
  s.range = range;
  results::FamilyRange family_range;
  family_range.margin_low = per_range_feature(m.family_margin_low);
  family_range.margin_high = per_range_feature(m.family_margin_high);
  if (!m.family_low.empty()) {
    Json families = Json::object();
    for (const auto& [family, low] : m.family_low) {
      Json f = Json::object();
      for (size_t j = 0; j < range_features.size(); ++j) f[range_features[j]] = {low[j], m.family_high.at(family)[j]};
      families[family] = f;
    }
    family_range.families = families;
  }
  s.family_range = family_range;
  s.range_rule =
      "log MACs and log params within the fitted points' range, widened at each edge by the median amount that "
      "edge's held-out tenth lay beyond the rest, when that tenth's MAE was at most the family-held-out MAE (else by "
      "nothing); and, for a network that takes a family's offset, within that family's range, widened by the same "
      "rule from each family's largest (smallest) member held out against its siblings";
  s.outside = "estimated top-1 unknown (null); the search treats the network as infeasible";
  return s;
}

results::AccuracyInterval interval_of(const AccuracyModel& m) {
  results::AccuracyInterval i;
  i.level = m.interval_level;
  i.half_width_pp = m.interval_base_pp;
  i.per_distance_pp = m.interval_per_distance_pp;
  i.method =
      "half width = half_width_pp + per_distance_pp x support distance: a line a + b d (a, b >= 0; a at least a "
      "quarter of the mean) fitted to the held-out |residuals| (family held out, and both extrapolation tenths) "
      "against their distance to the points that fitted them, scaled by the ceil(level (n+1))-th smallest |residual| "
      "/ (a + b d)";
  return i;
}

// The fit's summary: the forms and every feature set tried, with their errors and which was chosen.
void add_fit_summary(const AccuracyModel& m, results::AccuracyModel& out) {
  std::vector<results::AccuracyForm> forms;
  for (const FormScore& f : m.forms)
    forms.push_back({f.form, f.features, f.loo_mae_pp, f.lofo_mae_pp, f.largest_tenth_mae_pp, f.smallest_tenth_mae_pp,
                     f.extrapolation_mae_pp, f.chosen});
  out.forms = forms;
  for (const FeatureSetTried& c : m.candidates)
    out.feature_sets_tried.push_back({c.form, c.features, c.loo_mae_pp, c.lofo_mae_pp, c.slopes, c.chosen});
}

}  // namespace

results::AccuracyModel to_results(const AccuracyModel& m) {
  results::AccuracyModel out;
  out.name = m.name;
  out.kind = kind_of(m.kind);
  out.description = m.description;
  out.form = m.form;
  out.features = m.features;
  out.knots = Json(m.knots);
  Json slopes = Json::object();
  for (size_t j = 0; j < m.features.size(); ++j) slopes[m.features[j]] = m.slopes[j];
  out.slopes = slopes;
  out.offsets = Json(m.offsets);
  out.mean_offset = m.mean_offset;
  out.offset_rule = "each family its own; a CPUBone search-space candidate the CPUBone one; an unknown family the mean";
  out.loo_mae_pp = m.loo_mae_pp;
  out.lofo_mae_pp = m.lofo_mae_pp;
  out.choice =
      "per form, the feature set with the lowest leave-one-family-out MAE (a family held out is predicted with the "
      "mean offset); slopes on log_macs, log_params and their capped twins constrained >= 0; between the forms, the "
      "lower extrapolation MAE (mean of the largest and smallest tenths by MACs, each predicted by a fit on the rest), "
      "a tie to linear";
  add_fit_summary(m, out);
  out.extrapolation.emplace();
  if (m.kind != AccuracyKind::macs) {
    for (const auto& e : m.edges) out.extrapolation->push_back(extrapolation_row(e));
    out.interval = interval_of(m);
    out.support = support_of(m);
  }
  for (const auto& p : m.points) out.points.push_back(point_row(p));
  out.grouping_penalty_pp = results::GroupingPenalty{0.3, 0.7, "CPUBone paper ablation (claim 5)"};
  return out;
}

}  // namespace cpx::explorer

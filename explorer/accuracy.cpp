#include "explorer/accuracy.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "profiler/interop/onnx.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::explorer {

namespace {

using profiler::median;

// The CPUBone paper's grouping ablation, relative to groups 2 (claim 5). Not extrapolated beyond 8.
double grouping_cost_pp(int64_t groups) {
  if (groups <= 2) return 0;
  if (groups < 8) return 0.3;
  return 0.7;
}

// The search space is CPUBone's, so its candidates ("explored") take the CPUBone offset.
std::string offset_family(const std::string& family) { return family == "explored" ? "CPUBone" : family; }

// The saturating form's capped twin of a capacity feature: min(feature, knot), the knot at the fitted
// points' median. With slopes b >= 0 on the feature and a >= 0 on its twin, the estimate rises at a + b up
// to the knot and at b past it: monotone and concave.
constexpr std::string_view capped_suffix = "_capped";
// estimate() reads the range features' standard deviations from the support's first columns.
static_assert(std::string_view(range_features[0]) == support_features[0] &&
              std::string_view(range_features[1]) == support_features[1]);

bool is_capacity(std::string_view feature_name) {
  return feature_name.starts_with("log_macs") || feature_name.starts_with("log_params");
}

double value(const Capacity& c, const std::string& name, const std::map<std::string, double>& knots) {
  if (!name.ends_with(capped_suffix)) return feature(c, name);
  return std::min(feature(c, std::string_view(name).substr(0, name.size() - capped_suffix.size())), knots.at(name));
}

// The fit's features in a form: a saturating form adds the capped twin of each capacity feature.
std::vector<std::string> form_features(const std::vector<std::string>& names, const std::string& form) {
  std::vector<std::string> out = names;
  if (form == "saturating")
    for (const auto& n : names)
      if (is_capacity(n)) out.push_back(n + std::string(capped_suffix));
  return out;
}

// Offsets per family plus slopes: what one least-squares fit gives.
struct LinearFit {
  std::vector<std::string> names;
  std::map<std::string, double> knots;
  std::vector<double> slopes;
  std::map<std::string, double> offsets;
  double mean_offset = 0;

  double predict(const Capacity& c, const std::string& family) const {
    const auto it = offsets.find(family);
    double v = it != offsets.end() ? it->second : mean_offset;
    for (size_t j = 0; j < names.size(); ++j) v += slopes[j] * value(c, names[j], knots);
    return v - c.grouping_penalty_pp;
  }
};

// Least squares of top1 + grouping penalty on one-hot family offsets and the named features, with the
// capacity slopes constrained >= 0. The constrained optimum is the unconstrained optimum with some set
// of capacity slopes held at 0, and there are at most four capacity slopes, so trying every such set
// and keeping the best feasible one is exact. Knots come from pts alone.
LinearFit solve(const std::vector<const AccuracyPoint*>& pts, const std::vector<std::string>& names) {
  LinearFit f;
  f.names = names;
  for (const auto& n : names) {
    if (!n.ends_with(capped_suffix)) continue;
    std::vector<double> v;
    for (const auto* p : pts)
      v.push_back(feature(p->features, std::string_view(n).substr(0, n.size() - capped_suffix.size())));
    f.knots[n] = median(v);
  }
  std::map<std::string, Eigen::Index> fam;
  for (const auto* p : pts) fam.try_emplace(p->family, static_cast<Eigen::Index>(fam.size()));
  const Eigen::Index n = static_cast<Eigen::Index>(pts.size()), nf = static_cast<Eigen::Index>(fam.size());
  const Eigen::Index k = static_cast<Eigen::Index>(names.size());
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, nf + k);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const AccuracyPoint& p = *pts[static_cast<size_t>(i)];
    a(i, fam.at(p.family)) = 1;
    for (Eigen::Index j = 0; j < k; ++j) a(i, nf + j) = value(p.features, names[static_cast<size_t>(j)], f.knots);
    b(i) = p.top1 + p.features.grouping_penalty_pp;  // the penalty is known, not fitted
  }
  std::vector<Eigen::Index> constrained;
  for (Eigen::Index j = 0; j < k; ++j)
    if (is_capacity(names[static_cast<size_t>(j)])) constrained.push_back(j);
  Eigen::VectorXd best;
  double best_sse = INFINITY;
  for (unsigned zero = 0; zero < (1u << constrained.size()); ++zero) {
    std::vector<Eigen::Index> cols;
    for (Eigen::Index c = 0; c < nf + k; ++c) {
      const auto at = std::find(constrained.begin(), constrained.end(), c - nf);
      if (c >= nf && at != constrained.end() && (zero & (1u << (at - constrained.begin())))) continue;
      cols.push_back(c);
    }
    Eigen::MatrixXd sub(n, static_cast<Eigen::Index>(cols.size()));
    for (size_t c = 0; c < cols.size(); ++c) sub.col(static_cast<Eigen::Index>(c)) = a.col(cols[c]);
    const Eigen::VectorXd s = sub.completeOrthogonalDecomposition().solve(b);
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(nf + k);
    for (size_t c = 0; c < cols.size(); ++c) theta(cols[c]) = s(static_cast<Eigen::Index>(c));
    if (std::any_of(constrained.begin(), constrained.end(), [&](Eigen::Index j) { return theta(nf + j) < 0; }))
      continue;
    const double sse = (a * theta - b).squaredNorm();
    if (sse < best_sse - 1e-12) best_sse = sse, best = theta;
  }
  // all-zero capacity slopes are always feasible, so best is set
  for (const auto& [name, col] : fam) {
    f.offsets[name] = best(col);
    f.mean_offset += best(col) / static_cast<double>(nf);
  }
  for (Eigen::Index j = 0; j < k; ++j) f.slopes.push_back(best(nf + j));
  return f;
}

std::vector<const AccuracyPoint*> all_of(const std::vector<AccuracyPoint>& points) {
  std::vector<const AccuracyPoint*> v;
  for (const auto& p : points) v.push_back(&p);
  return v;
}

struct HeldOut {
  std::vector<double> loo, lofo;  // per point
  double loo_mae = 0, lofo_mae = 0;
};

HeldOut held_out(const std::vector<AccuracyPoint>& points, const std::vector<std::string>& names) {
  HeldOut h;
  const size_t n = points.size();
  h.loo.resize(n);
  h.lofo.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<const AccuracyPoint*> rest;
    for (size_t j = 0; j < n; ++j)
      if (j != i) rest.push_back(&points[j]);
    h.loo[i] = solve(rest, names).predict(points[i].features, points[i].family);
    h.loo_mae += std::abs(h.loo[i] - points[i].top1) / static_cast<double>(n);
  }
  std::map<std::string, std::vector<size_t>> families;
  for (size_t i = 0; i < n; ++i) families[points[i].family].push_back(i);
  for (const auto& [family, members] : families) {
    std::vector<const AccuracyPoint*> rest;
    for (const auto& p : points)
      if (p.family != family) rest.push_back(&p);
    const LinearFit f = solve(rest, names);
    for (size_t i : members) {
      h.lofo[i] = f.predict(points[i].features, "");  // an unseen family: the mean offset
      h.lofo_mae += std::abs(h.lofo[i] - points[i].top1) / static_cast<double>(n);
    }
  }
  return h;
}

using SupportRow = std::array<double, support_features.size()>;

// Support rows standardised by the mean and standard deviation of the fitted points' features.
struct Standardiser {
  SupportRow mean{}, sd{};
  explicit Standardiser(const std::vector<AccuracyPoint>& points) {
    const double n = static_cast<double>(points.size());
    for (const auto& p : points)
      for (size_t j = 0; j < mean.size(); ++j) mean[j] += feature(p.features, support_features[j]) / n;
    for (const auto& p : points)
      for (size_t j = 0; j < mean.size(); ++j)
        sd[j] += std::pow(feature(p.features, support_features[j]) - mean[j], 2) / n;
    for (auto& s : sd) s = s > 1e-12 ? std::sqrt(s) : 1.0;
  }
  Standardiser(const SupportRow& m, const SupportRow& s) : mean(m), sd(s) {}
  SupportRow operator()(const Capacity& c) const {
    SupportRow r{};
    for (size_t j = 0; j < r.size(); ++j) r[j] = (feature(c, support_features[j]) - mean[j]) / sd[j];
    return r;
  }
};

double distance(const SupportRow& a, const SupportRow& b) {
  double d = 0;
  for (size_t j = 0; j < a.size(); ++j) d += (a[j] - b[j]) * (a[j] - b[j]);
  return std::sqrt(d);
}

// The distance from c to the nearest of pts.
double nearest(const Capacity& c, const std::vector<const AccuracyPoint*>& pts, const Standardiser& z) {
  const SupportRow r = z(c);
  double d = INFINITY;
  for (const auto* p : pts) d = std::min(d, distance(r, z(p->features)));
  return d;
}

// How far x lies beyond the edge of pts' range in one range feature (0 inside).
double overshoot(const Capacity& x, const std::vector<const AccuracyPoint*>& pts, size_t j, bool above) {
  double edge = above ? -INFINITY : INFINITY;
  for (const auto* q : pts)
    edge = above ? std::max(edge, feature(q->features, range_features[j]))
                 : std::min(edge, feature(q->features, range_features[j]));
  const double v = feature(x, range_features[j]);
  return std::max(0.0, above ? v - edge : edge - v);
}

std::vector<size_t> by_macs(const std::vector<AccuracyPoint>& points, const std::vector<size_t>& among,
                            bool largest_first) {
  std::vector<size_t> order = among;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return points[a].features.macs < points[b].features.macs; });
  if (largest_first) std::reverse(order.begin(), order.end());
  return order;
}

// The largest (or smallest) tenth of the points by MACs, held out together and predicted by a fit on the
// rest; the overshoot is beyond the rest's range.
EdgeHeldOut edge_held_out(const std::vector<AccuracyPoint>& points, const std::vector<std::string>& names, bool largest,
                          const Standardiser& z) {
  std::vector<size_t> all(points.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::vector<size_t> order = by_macs(points, all, largest);
  const size_t t = (points.size() + 9) / 10;
  std::vector<const AccuracyPoint*> rest;
  for (size_t i = t; i < order.size(); ++i) rest.push_back(&points[order[i]]);
  const LinearFit f = solve(rest, names);
  EdgeHeldOut e;
  e.edge = largest ? "largest" : "smallest";
  std::array<std::vector<double>, range_features.size()> over;
  for (size_t i = 0; i < t; ++i) {
    const AccuracyPoint& p = points[order[i]];
    e.models.push_back(p.model);
    e.residual_pp.push_back(f.predict(p.features, p.family) - p.top1);
    e.distance.push_back(nearest(p.features, rest, z));
    e.mae_pp += std::abs(e.residual_pp.back()) / static_cast<double>(t);
    for (size_t j = 0; j < range_features.size(); ++j) over[j].push_back(overshoot(p.features, rest, j, largest));
  }
  for (size_t j = 0; j < range_features.size(); ++j) e.overshoot[j] = median(over[j]);
  return e;
}

// Within a family: each family of at least 3 points has its largest (or smallest) member held out and
// predicted, with the offset its siblings give, by a fit on every other point; the overshoot is beyond the
// siblings' range. This tests what a family's offset claims past the family's published models.
EdgeHeldOut family_edge_held_out(const std::vector<AccuracyPoint>& points, const std::vector<std::string>& names,
                                 bool largest, const Standardiser& z) {
  std::map<std::string, std::vector<size_t>> families;
  for (size_t i = 0; i < points.size(); ++i) families[points[i].family].push_back(i);
  EdgeHeldOut e;
  e.edge = largest ? "family largest" : "family smallest";
  std::array<std::vector<double>, range_features.size()> over;
  for (const auto& [family, members] : families) {
    if (members.size() < 3) continue;
    const size_t held = by_macs(points, members, largest).front();
    std::vector<const AccuracyPoint*> rest, siblings;
    for (size_t i = 0; i < points.size(); ++i) {
      if (i == held) continue;
      rest.push_back(&points[i]);
      if (points[i].family == family) siblings.push_back(&points[i]);
    }
    const AccuracyPoint& p = points[held];
    e.models.push_back(p.model);
    e.residual_pp.push_back(solve(rest, names).predict(p.features, p.family) - p.top1);
    e.distance.push_back(nearest(p.features, rest, z));
    for (size_t j = 0; j < range_features.size(); ++j) over[j].push_back(overshoot(p.features, siblings, j, largest));
  }
  if (e.models.empty()) return e;  // no family of 3: no margin is earned
  for (double r : e.residual_pp) e.mae_pp += std::abs(r) / static_cast<double>(e.models.size());
  for (size_t j = 0; j < range_features.size(); ++j) e.overshoot[j] = median(over[j]);
  return e;
}

// One form's feature set, chosen by leave-one-family-out error, and its extrapolation held out.
struct FormFit {
  std::string form;
  std::vector<std::string> features;  // with the capped twins
  LinearFit all;
  HeldOut held;
  std::vector<EdgeHeldOut> edges;
  double edge_mae() const { return 0.5 * (edges[0].mae_pp + edges[1].mae_pp); }
};

FormFit fit_form(const std::vector<AccuracyPoint>& points, const std::string& form, const Standardiser& z,
                 std::vector<FeatureSetTried>& tried) {
  std::optional<FormFit> best;
  for (unsigned mask = 1; mask < (1u << fit_features.size()); ++mask) {
    if (!(mask & 3u)) continue;  // every set has a capacity feature
    std::vector<std::string> base;
    for (size_t f = 0; f < fit_features.size(); ++f)
      if (mask & (1u << f)) base.push_back(fit_features[f]);
    const std::vector<std::string> names = form_features(base, form);
    HeldOut h = held_out(points, names);
    LinearFit all = solve(all_of(points), names);
    tried.push_back({form, names, h.loo_mae, h.lofo_mae, all.slopes, false});
    // Ties (within 0.001 pp) go to the smaller set.
    if (!best || h.lofo_mae < best->held.lofo_mae - 1e-3 ||
        (h.lofo_mae <= best->held.lofo_mae + 1e-3 && names.size() < best->features.size()))
      best = FormFit{form, names, std::move(all), std::move(h), {}};
  }
  best->edges = {edge_held_out(points, best->features, true, z), edge_held_out(points, best->features, false, z)};
  return std::move(*best);
}

// The interval's half width as a line in the support distance: |residual| ~ a + b d (a, b >= 0, least
// squares over every held-out residual), scaled by the split-conformal quantile of |residual| / (a + b d).
struct IntervalLine {
  double base_pp = 0, per_distance_pp = 0;
};
IntervalLine distance_interval(const std::vector<std::pair<double, double>>& distance_abs_residual, double level) {
  const double n = static_cast<double>(distance_abs_residual.size());
  double sd = 0, sr = 0, sdd = 0, sdr = 0;
  for (const auto& [d, r] : distance_abs_residual) sd += d, sr += r, sdd += d * d, sdr += d * r;
  double b = (n * sdd - sd * sd) > 1e-12 ? (n * sdr - sd * sr) / (n * sdd - sd * sd) : 0;
  double a = (sr - b * sd) / n;
  if (b < 0) b = 0, a = sr / n;
  // The width at distance 0 is at least a quarter of the mean |residual|: a point on a published one is
  // still estimated, not measured.
  a = std::max(a, 0.25 * sr / n);
  std::vector<double> score;
  for (const auto& [d, r] : distance_abs_residual) score.push_back(r / (a + b * d));
  std::sort(score.begin(), score.end());
  const size_t k = static_cast<size_t>(std::ceil(level * (n + 1)));
  const double q = score[std::min(k, score.size()) - 1];
  return {q * a, q * b};
}

AccuracyModel fit(std::vector<AccuracyPoint> points, std::string name, AccuracyKind kind, std::string description) {
  if (points.size() < 4)
    throw InputError(name + ": " + std::to_string(points.size()) +
                     " accuracy points: need at least 4 to fit and validate");
  std::map<std::string, int> per_family;
  for (const auto& p : points) ++per_family[p.family];
  if (per_family.size() < 2)
    throw InputError(name + ": all accuracy points are of one family: need two to hold one out");
  AccuracyModel m;
  const Standardiser z(points);
  m.support_mean = z.mean;
  m.support_sd = z.sd;
  // The form with the lower extrapolation error (mean of the largest and smallest tenths) is chosen; a tie
  // (within 0.001 pp) goes to the linear one.
  std::vector<FormFit> forms;
  for (const char* form : {"linear", "saturating"}) forms.push_back(fit_form(points, form, z, m.candidates));
  const FormFit& chosen = forms[1].edge_mae() < forms[0].edge_mae() - 1e-3 ? forms[1] : forms[0];
  for (const auto& f : forms)
    m.forms.push_back({f.form, f.features, f.held.loo_mae, f.held.lofo_mae, f.edges[0].mae_pp, f.edges[1].mae_pp,
                       f.edge_mae(), &f == &chosen});
  for (auto& c : m.candidates) c.chosen = c.form == chosen.form && c.features == chosen.features;
  m.form = chosen.form;
  m.features = chosen.features;
  m.knots = chosen.all.knots;
  m.slopes = chosen.all.slopes;
  m.offsets = chosen.all.offsets;
  m.mean_offset = chosen.all.mean_offset;
  m.edges = chosen.edges;
  m.edges.push_back(family_edge_held_out(points, chosen.features, true, z));
  m.edges.push_back(family_edge_held_out(points, chosen.features, false, z));
  const HeldOut& best = chosen.held;

  // Every held-out residual with its support distance: family held out (to the nearest point of another
  // family) and both edges (to the nearest point of the rest).
  std::vector<std::pair<double, double>> distance_abs_residual;
  for (size_t i = 0; i < points.size(); ++i) {
    points[i].fitted_top1 = chosen.all.predict(points[i].features, points[i].family);
    points[i].loo_top1 = best.loo[i];
    points[i].lofo_top1 = best.lofo[i];
    std::vector<const AccuracyPoint*> others;
    for (const auto& q : points)
      if (q.family != points[i].family) others.push_back(&q);
    points[i].lofo_distance = nearest(points[i].features, others, z);
    distance_abs_residual.emplace_back(points[i].lofo_distance, std::abs(best.lofo[i] - points[i].top1));
  }
  for (const auto& e : m.edges)
    for (size_t i = 0; i < e.models.size(); ++i)
      distance_abs_residual.emplace_back(e.distance[i], std::abs(e.residual_pp[i]));
  const IntervalLine line = distance_interval(distance_abs_residual, m.interval_level);
  m.interval_base_pp = line.base_pp;
  m.interval_per_distance_pp = line.per_distance_pp;

  // Support: the threshold is the largest distance of any point to its nearest other point, so each point
  // lies inside the others' support.
  m.points = std::move(points);
  for (size_t i = 0; i < m.points.size(); ++i) {
    std::vector<const AccuracyPoint*> others;
    for (size_t j = 0; j < m.points.size(); ++j)
      if (j != i) others.push_back(&m.points[j]);
    m.points[i].nn_distance = nearest(m.points[i].features, others, z);
    m.support_threshold = std::max(m.support_threshold, m.points[i].nn_distance);
  }
  // Range: an edge's margin is the median overshoot of its held-out points beyond the range they were
  // held out of, earned only when they were predicted at least as well as a family held out; otherwise 0.
  // The tenths set the margins of the whole range, the family edges those of each family's own range.
  auto earned = [&](const EdgeHeldOut& e, size_t j) {
    return !e.models.empty() && e.mae_pp <= best.lofo_mae ? e.overshoot[j] : 0.0;
  };
  for (size_t j = 0; j < range_features.size(); ++j) {
    m.range_low[j] = INFINITY;
    m.range_high[j] = -INFINITY;
    for (const auto& p : m.points) {
      const double x = feature(p.features, range_features[j]);
      m.range_low[j] = std::min(m.range_low[j], x);
      m.range_high[j] = std::max(m.range_high[j], x);
      auto [low, new_low] = m.family_low.try_emplace(p.family);
      auto [high, new_high] = m.family_high.try_emplace(p.family);
      if (new_low) low->second.fill(INFINITY);
      if (new_high) high->second.fill(-INFINITY);
      low->second[j] = std::min(low->second[j], x);
      high->second[j] = std::max(high->second[j], x);
    }
    m.margin_high[j] = earned(m.edges[0], j);
    m.margin_low[j] = earned(m.edges[1], j);
    m.family_margin_high[j] = earned(m.edges[2], j);
    m.family_margin_low[j] = earned(m.edges[3], j);
  }
  m.name = std::move(name);
  m.kind = kind;
  m.description = std::move(description);
  m.loo_mae_pp = best.loo_mae;
  m.lofo_mae_pp = best.lofo_mae;
  return m;
}

AccuracyPoint point_of(const std::string& model, const std::string& source, double top1, int64_t resolution = 0) {
  const Network net = profiler::load_any_model(model, resolution);
  const ZooEntry* z = find_zoo(model);
  AccuracyPoint p;
  p.model = model;
  p.family = offset_family(z ? z->family : net.family);
  p.source = source;
  p.top1 = top1;
  p.features = capacity(net, count(net));
  return p;
}

// Every zoo model with a published top-1, at its published resolution.
std::vector<AccuracyPoint> published_points() {
  std::vector<AccuracyPoint> out;
  for (const ZooEntry& e : zoo()) {
    const auto top1 = e.top1();
    if (!top1 || e.published_name.empty()) continue;
    out.push_back(point_of(e.name, "published (" + e.published_name + ")", *top1, e.resolution));
  }
  return out;
}

}  // namespace

double feature(const Capacity& c, CapacityFeature f) {
  switch (f) {
    case CapacityFeature::log_macs: return c.log_macs;
    case CapacityFeature::log_params: return c.log_params;
    case CapacityFeature::log_params_per_mac: return c.log_params - c.log_macs;
    case CapacityFeature::log_layers: return c.log_layers;
    case CapacityFeature::macs_log2_stride: return c.macs_log2_stride;
    case CapacityFeature::width_growth: return c.width_growth;
    case CapacityFeature::macs_log2_width: return c.macs_log2_width;
  }
  throw std::logic_error("capacity feature " + std::to_string(static_cast<int>(f)) + " has no case");
}

double feature(const Capacity& c, std::string_view name) {
  const std::optional<CapacityFeature> f = capacity_feature_names.find(name);
  if (!f) throw std::logic_error("unknown capacity feature " + std::string(name));
  return feature(c, *f);
}

CapacitySums& CapacitySums::operator+=(const CapacitySums& o) {
  macs += o.macs;
  params += o.params;
  layers += o.layers;
  grouped_macs += o.grouped_macs;
  penalty_pp_macs += o.penalty_pp_macs;
  wmacs += o.wmacs;
  wmacs_lh += o.wmacs_lh;
  wmacs_lh2 += o.wmacs_lh2;
  wmacs_lc += o.wmacs_lc;
  wmacs_lc_lh += o.wmacs_lc_lh;
  return *this;
}

Capacity CapacitySums::finish(int64_t input_height, std::string family) const {
  Capacity c;
  c.macs = macs;
  c.params = params;
  c.layers = layers;
  c.log_macs = std::log(std::max(1.0, macs));
  c.log_params = std::log(std::max(1.0, params));
  c.log_layers = std::log(std::max(1.0, layers));
  c.grouping_penalty_pp = grouped_macs > 0 ? penalty_pp_macs / grouped_macs : 0;
  if (wmacs > 0) {
    const double lh = wmacs_lh / wmacs, lc = wmacs_lc / wmacs;
    const double var = wmacs_lh2 / wmacs - lh * lh, cov = wmacs_lc_lh / wmacs - lc * lh;
    c.macs_log2_stride = std::log2(static_cast<double>(std::max<int64_t>(1, input_height))) - lh;
    c.width_growth = var > 1e-9 ? -cov / var : 0;  // stride grows as height shrinks
    c.macs_log2_width = lc;
  }
  c.family = std::move(family);
  return c;
}

CapacitySums capacity_sums(const Network& net, const NetworkCount& counts) {
  CapacitySums s;
  s.macs = static_cast<double>(counts.total.macs);
  s.params = static_cast<double>(counts.total.params);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const auto* conv = net.ops[i].as<Conv2d>();
    if (!conv && !net.ops[i].as<FullyConnected>()) continue;
    s.layers += 1;
    const double m = static_cast<double>(counts.layers[i].cost.macs);
    const ShapeNhwc& out = net.shapes[i];
    const double lh = 0.5 * std::log2(static_cast<double>(out.h * out.w)), lc = std::log2(static_cast<double>(out.c));
    s.wmacs += m;
    s.wmacs_lh += m * lh;
    s.wmacs_lh2 += m * lh * lh;
    s.wmacs_lc += m * lc;
    s.wmacs_lc_lh += m * lc * lh;
    if (!conv || conv->groups == 1 || conv->groups == conv->out_channels) continue;
    s.grouped_macs += m;
    s.penalty_pp_macs += m * grouping_cost_pp(conv->groups);
  }
  return s;
}

Capacity capacity(const Network& net, const NetworkCount& counts) {
  return capacity_sums(net, counts).finish(net.input.h, net.family);
}

Estimate AccuracyModel::estimate(const Capacity& c) const {
  if (kind == AccuracyKind::macs) throw std::logic_error("macs-as-capacity makes no top-1 estimate");
  Estimate e;
  const std::string family = offset_family(c.family);
  e.offset = offsets.count(family) ? family : "mean";
  e.top1 = LinearFit{features, knots, slopes, offsets, mean_offset}.predict(c, family);
  const Standardiser z(support_mean, support_sd);
  std::vector<const AccuracyPoint*> fitted;
  for (const auto& p : points) fitted.push_back(&p);
  e.support_distance = nearest(c, fitted, z);
  e.low = e.top1 - half_width_pp(e.support_distance);
  e.high = e.top1 + half_width_pp(e.support_distance);
  char why[200];
  if (e.support_distance > support_threshold) {
    e.beyond += e.support_distance - support_threshold;
    std::snprintf(why, sizeof why, "support distance %.2f above the threshold %.2f", e.support_distance,
                  support_threshold);
    e.outside_why = why;
  }
  for (size_t j = 0; j < range_features.size(); ++j) {
    const double x = feature(c, range_features[j]), high = range_high[j] + margin_high[j],
                 low = range_low[j] - margin_low[j];
    if (x <= high && x >= low) continue;
    // range_features are the first support features, so their standard deviations are the support's.
    e.beyond += (x > high ? x - high : low - x) / support_sd[j];
    const char* what = j == 0 ? "MACs" : "params";
    std::snprintf(why, sizeof why, "%s %.3g %s the published range's %.3g (with its margin)", what, std::exp(x),
                  x > high ? "above" : "below", std::exp(x > high ? high : low));
    e.outside_why += (e.outside_why.empty() ? "" : "; ") + std::string(why);
  }
  if (e.offset != "mean") {
    const auto& fam_low = family_low.at(e.offset);
    const auto& fam_high = family_high.at(e.offset);
    for (size_t j = 0; j < range_features.size(); ++j) {
      const double x = feature(c, range_features[j]), high = fam_high[j] + family_margin_high[j],
                   low = fam_low[j] - family_margin_low[j];
      if (x <= high && x >= low) continue;
      e.beyond += (x > high ? x - high : low - x) / support_sd[j];
      std::snprintf(why, sizeof why,
                    "%s %.3g %s %s's published range's %.3g (with its margin): its offset is not carried "
                    "that far",
                    j == 0 ? "MACs" : "params", std::exp(x), x > high ? "above" : "below", e.offset.c_str(),
                    std::exp(x > high ? high : low));
      e.outside_why += (e.outside_why.empty() ? "" : "; ") + std::string(why);
    }
  }
  e.inside = e.beyond == 0;
  return e;
}

double AccuracyModel::objective(const Capacity& c) const {
  if (kind == AccuracyKind::macs) return c.macs / 1e6;
  return estimate(c).top1;
}

std::optional<double> AccuracyModel::top1(const Capacity& c) const {
  if (kind == AccuracyKind::macs) return std::nullopt;
  const Estimate e = estimate(c);
  if (!e.inside) return std::nullopt;
  return e.top1;
}

double AccuracyModel::outside(const Capacity& c) const {
  if (kind == AccuracyKind::macs) return 0;
  return estimate(c).beyond;
}

EdgeHeldOut hold_out_edge(const std::vector<AccuracyPoint>& points, const std::vector<std::string>& features,
                          bool largest, bool per_family) {
  const Standardiser z(points);
  return per_family ? family_edge_held_out(points, features, largest, z) : edge_held_out(points, features, largest, z);
}

AccuracyModel fit_proxy() {
  // The published points are the zoo's, compiled in, so the fit (most of a second; far more under the
  // sanitizers, where a test process asks for it in case after case) is made once a process.
  static const AccuracyModel fitted =
      fit(published_points(), "proxy-zoo-v2", AccuracyKind::proxy,
          "ESTIMATE, not a trained accuracy: fit of the published ImageNet top-1 of every zoo model that has one, "
          "with a per-family offset and capacity slopes (log MACs and log params, >= 0; linear or saturating, chosen "
          "by extrapolation held out), the feature set chosen by leave-one-family-out error, minus the paper's "
          "grouping ablation (g4 -0.3 pp, g8 -0.7 pp)");
  return fitted;
}

AccuracyModel fit_user(const std::string& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) throw InputError(csv_path + ": cannot open file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto rows = parse_csv(text);
  if (rows.empty()) throw InputError(csv_path + ": empty CSV");
  auto col = [&](const std::string& n) -> size_t {
    for (size_t i = 0; i < rows[0].size(); ++i)
      if (rows[0][i] == n) return i;
    throw InputError(csv_path + ": header = \"" + n + "\": no such column (need model, top1)");
  };
  const size_t model = col("model"), top1 = col("top1");
  std::vector<AccuracyPoint> user;
  std::vector<size_t> rows_of;  // parallel to user: the CSV row each came from
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::string at = csv_path + ": row " + std::to_string(r + 1);
    if (row.size() != rows[0].size())
      throw InputError(at + " has " + std::to_string(row.size()) + " fields, header has " +
                       std::to_string(rows[0].size()));
    double v = 0;
    try {
      size_t used = 0;
      v = std::stod(row[top1], &used);
      if (used != row[top1].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) { throw InputError(at + ".top1 = \"" + row[top1] + "\": not a number"); }
    if (!std::isfinite(v) || v <= 0 || v > 100)
      throw InputError(at + ".top1 = " + row[top1] + ": expected a top-1 in (0, 100]");
    std::string name = row[model];
    if (!find_zoo(name) && std::filesystem::path(name).is_relative())
      name = (std::filesystem::path(csv_path).parent_path() / name).string();
    for (size_t earlier = 0; earlier < user.size(); ++earlier)
      if (user[earlier].model == name)
        throw InputError(at + ".model = \"" + row[model] + "\": duplicate (row " +
                         std::to_string(rows_of[earlier] + 1) + " has it): one measured top-1 per model");
    try {
      user.push_back(point_of(name, csv_path, v));
      rows_of.push_back(r);
    } catch (const InputError& e) { throw InputError(at + ".model = \"" + row[model] + "\": " + e.what()); }
  }
  std::vector<AccuracyPoint> points = user;
  for (const auto& p : published_points())
    if (std::none_of(user.begin(), user.end(), [&](const AccuracyPoint& u) { return u.model == p.model; }))
      points.push_back(p);
  return fit(points, "user-" + std::filesystem::path(csv_path).stem().string(), AccuracyKind::user,
             "ESTIMATE refitted with " + std::to_string(user.size()) + " measured accuracies from " + csv_path +
                 " plus the published zoo points, fitted, chosen and checked as the proxy is");
}

AccuracyModel macs_capacity() {
  AccuracyModel m;
  m.name = "macs-as-capacity";
  m.kind = AccuracyKind::macs;
  m.description = "no accuracy estimate: the second objective is MACs (more MACs = more capacity)";
  return m;
}

}  // namespace cpx::explorer

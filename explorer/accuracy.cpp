#include "explorer/accuracy.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::explorer {

namespace {

// The CPUBone paper's grouping ablation, relative to groups 2 (claim 5). Not extrapolated beyond 8.
double grouping_cost_pp(int64_t groups) {
  if (groups <= 2) return 0;
  if (groups < 8) return 0.3;
  return 0.7;
}

// The search space is CPUBone's, so its candidates ("explored") take the CPUBone offset.
std::string offset_family(const std::string& family) { return family == "explored" ? "CPUBone" : family; }

bool is_capacity(std::string_view feature_name) { return feature_name == "log_macs" || feature_name == "log_params"; }

// Offsets per family plus slopes: what one least-squares fit gives.
struct LinearFit {
  std::vector<double> slopes;
  std::map<std::string, double> offsets;
  double mean_offset = 0;

  double predict(const Capacity& c, const std::vector<std::string>& names, const std::string& family) const {
    const auto it = offsets.find(family);
    double v = it != offsets.end() ? it->second : mean_offset;
    for (size_t j = 0; j < names.size(); ++j) v += slopes[j] * feature(c, names[j]);
    return v - c.grouping_penalty_pp;
  }
};

// Least squares of top1 + grouping penalty on one-hot family offsets and the named features, with the
// capacity slopes constrained >= 0. The constrained optimum is the unconstrained optimum with some set
// of capacity slopes held at 0, and there are at most two capacity slopes, so trying every such set
// and keeping the best feasible one is exact.
LinearFit solve(const std::vector<const AccuracyPoint*>& pts, const std::vector<std::string>& names) {
  std::map<std::string, Eigen::Index> fam;
  for (const auto* p : pts) fam.try_emplace(p->family, static_cast<Eigen::Index>(fam.size()));
  const Eigen::Index n = static_cast<Eigen::Index>(pts.size()), nf = static_cast<Eigen::Index>(fam.size());
  const Eigen::Index k = static_cast<Eigen::Index>(names.size());
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, nf + k);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const AccuracyPoint& p = *pts[static_cast<size_t>(i)];
    a(i, fam.at(p.family)) = 1;
    for (Eigen::Index j = 0; j < k; ++j) a(i, nf + j) = feature(p.features, names[static_cast<size_t>(j)]);
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
    if (std::any_of(constrained.begin(), constrained.end(), [&](Eigen::Index j) { return theta(nf + j) < 0; })) continue;
    const double sse = (a * theta - b).squaredNorm();
    if (sse < best_sse - 1e-12) best_sse = sse, best = theta;
  }
  LinearFit f;  // all-zero capacity slopes are always feasible, so best is set
  for (const auto& [name, col] : fam) {
    f.offsets[name] = best(col);
    f.mean_offset += best(col) / static_cast<double>(nf);
  }
  for (Eigen::Index j = 0; j < k; ++j) f.slopes.push_back(best(nf + j));
  return f;
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
    h.loo[i] = solve(rest, names).predict(points[i].features, names, points[i].family);
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
      h.lofo[i] = f.predict(points[i].features, names, "");  // an unseen family: the mean offset
      h.lofo_mae += std::abs(h.lofo[i] - points[i].top1) / static_cast<double>(n);
    }
  }
  return h;
}

std::array<double, support_features.size()> support_row(const Capacity& c) {
  std::array<double, support_features.size()> r{};
  for (size_t j = 0; j < r.size(); ++j) r[j] = feature(c, support_features[j]);
  return r;
}

double distance(const std::array<double, support_features.size()>& a, const std::array<double, support_features.size()>& b) {
  double d = 0;
  for (size_t j = 0; j < a.size(); ++j) d += (a[j] - b[j]) * (a[j] - b[j]);
  return std::sqrt(d);
}

AccuracyModel fit(std::vector<AccuracyPoint> points, std::string name, std::string kind, std::string description) {
  if (points.size() < 4)
    throw InputError(name + ": " + std::to_string(points.size()) + " accuracy points: need at least 4 to fit and validate");
  std::map<std::string, int> per_family;
  for (const auto& p : points) ++per_family[p.family];
  if (per_family.size() < 2) throw InputError(name + ": all accuracy points are of one family: need two to hold one out");
  AccuracyModel m;
  std::optional<HeldOut> best;
  for (unsigned mask = 1; mask < (1u << fit_features.size()); ++mask) {
    if (!(mask & 3u)) continue;  // every set has a capacity feature
    std::vector<std::string> names;
    for (size_t f = 0; f < fit_features.size(); ++f)
      if (mask & (1u << f)) names.push_back(fit_features[f]);
    HeldOut h = held_out(points, names);
    const LinearFit all = solve([&] {
      std::vector<const AccuracyPoint*> v;
      for (const auto& p : points) v.push_back(&p);
      return v;
    }(), names);
    m.candidates.push_back({{"features", names}, {"loo_mae_pp", h.loo_mae}, {"lofo_mae_pp", h.lofo_mae},
                            {"slopes", all.slopes}});
    // Ties (within 0.001 pp) go to the smaller set.
    if (!best || h.lofo_mae < best->lofo_mae - 1e-3 || (h.lofo_mae <= best->lofo_mae + 1e-3 && names.size() < m.features.size())) {
      best = std::move(h);
      m.features = names;
      m.slopes = all.slopes;
      m.offsets = all.offsets;
      m.mean_offset = all.mean_offset;
    }
  }
  for (auto& c : m.candidates) c["chosen"] = c["features"] == Json(m.features);
  const LinearFit chosen{m.slopes, m.offsets, m.mean_offset};
  std::vector<double> abs_residual;
  for (size_t i = 0; i < points.size(); ++i) {
    points[i].fitted_top1 = chosen.predict(points[i].features, m.features, points[i].family);
    points[i].loo_top1 = best->loo[i];
    points[i].lofo_top1 = best->lofo[i];
    abs_residual.push_back(std::abs(best->lofo[i] - points[i].top1));
  }
  // Split-conformal: the ceil(level (n+1))-th smallest held-out |residual| (the largest if that is past n).
  std::sort(abs_residual.begin(), abs_residual.end());
  const size_t k = static_cast<size_t>(std::ceil(m.interval_level * static_cast<double>(points.size() + 1)));
  m.interval_half_width_pp = abs_residual[std::min(k, abs_residual.size()) - 1];

  // Support: standardise with the points' mean and standard deviation; the threshold is the largest
  // distance of any point to its nearest other point, so each point lies inside the others' support.
  const double n = static_cast<double>(points.size());
  for (const auto& p : points) {
    const auto r = support_row(p.features);
    for (size_t j = 0; j < r.size(); ++j) m.support_mean[j] += r[j] / n;
  }
  for (const auto& p : points) {
    const auto r = support_row(p.features);
    for (size_t j = 0; j < r.size(); ++j) m.support_sd[j] += (r[j] - m.support_mean[j]) * (r[j] - m.support_mean[j]) / n;
  }
  for (auto& s : m.support_sd) s = s > 1e-12 ? std::sqrt(s) : 1.0;
  m.points = std::move(points);
  std::vector<std::array<double, support_features.size()>> z;
  for (const auto& p : m.points) {
    auto r = support_row(p.features);
    for (size_t j = 0; j < r.size(); ++j) r[j] = (r[j] - m.support_mean[j]) / m.support_sd[j];
    z.push_back(r);
  }
  for (size_t i = 0; i < z.size(); ++i) {
    double d = INFINITY;
    for (size_t j = 0; j < z.size(); ++j)
      if (j != i) d = std::min(d, distance(z[i], z[j]));
    m.points[i].nn_distance = d;
    m.support_threshold = std::max(m.support_threshold, d);
  }
  m.name = std::move(name);
  m.kind = std::move(kind);
  m.description = std::move(description);
  m.loo_mae_pp = best->loo_mae;
  m.lofo_mae_pp = best->lofo_mae;
  return m;
}

AccuracyPoint point_of(const std::string& model, const std::string& source, double top1, int64_t resolution = 0) {
  const Network net = load_model(model, resolution);
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

double feature(const Capacity& c, std::string_view name) {
  if (name == "log_macs") return c.log_macs;
  if (name == "log_params") return c.log_params;
  if (name == "log_params_per_mac") return c.log_params - c.log_macs;
  if (name == "log_layers") return c.log_layers;
  if (name == "macs_log2_stride") return c.macs_log2_stride;
  if (name == "width_growth") return c.width_growth;
  if (name == "macs_log2_width") return c.macs_log2_width;
  throw std::logic_error("unknown capacity feature " + std::string(name));
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
  if (kind == "macs") throw std::logic_error("macs-as-capacity makes no top-1 estimate");
  Estimate e;
  const std::string family = offset_family(c.family);
  e.offset = offsets.count(family) ? family : "mean";
  e.top1 = LinearFit{slopes, offsets, mean_offset}.predict(c, features, family);
  e.low = e.top1 - interval_half_width_pp;
  e.high = e.top1 + interval_half_width_pp;
  auto r = support_row(c);
  for (size_t j = 0; j < r.size(); ++j) r[j] = (r[j] - support_mean[j]) / support_sd[j];
  e.support_distance = INFINITY;
  for (const auto& p : points) {
    auto q = support_row(p.features);
    for (size_t j = 0; j < q.size(); ++j) q[j] = (q[j] - support_mean[j]) / support_sd[j];
    e.support_distance = std::min(e.support_distance, distance(r, q));
  }
  e.inside = e.support_distance <= support_threshold;
  return e;
}

double AccuracyModel::objective(const Capacity& c) const {
  if (kind == "macs") return c.macs / 1e6;
  return estimate(c).top1;
}

std::optional<double> AccuracyModel::top1(const Capacity& c) const {
  if (kind == "macs") return std::nullopt;
  const Estimate e = estimate(c);
  if (!e.inside) return std::nullopt;
  return e.top1;
}

double AccuracyModel::outside(const Capacity& c) const {
  if (kind == "macs") return 0;
  return std::max(0.0, estimate(c).support_distance - support_threshold);
}

Json AccuracyModel::to_json() const {
  Json pts = Json::array();
  for (const auto& p : points)
    pts.push_back({{"model", p.model}, {"family", p.family}, {"source", p.source}, {"published_top1", p.top1},
                   {"fitted_top1", p.fitted_top1}, {"loo_top1", p.loo_top1}, {"lofo_top1", p.lofo_top1},
                   {"macs", p.features.macs}, {"params", p.features.params}, {"weight_layers", p.features.layers},
                   {"support_nn_distance", p.nn_distance}});
  Json slope = Json::object();
  for (size_t j = 0; j < features.size(); ++j) slope[features[j]] = slopes[j];
  Json support = nullptr, interval = nullptr;
  if (kind != "macs") {
    support = {{"features", support_features},
               {"mean", support_mean},
               {"sd", support_sd},
               {"distance", "Euclidean distance to the nearest fitted point in features standardised by the points' "
                            "mean and standard deviation"},
               {"threshold", support_threshold},
               {"threshold_rule", "the largest distance of any fitted point to its nearest other point"},
               {"outside", "estimated top-1 unknown (null); the search treats the network as infeasible"}};
    interval = {{"level", interval_level},
                {"half_width_pp", interval_half_width_pp},
                {"method", "split-conformal: the ceil(level (n+1))-th smallest |leave-one-family-out residual| of the "
                           "chosen feature set, added to and subtracted from the point estimate"}};
  }
  auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"name", name}, {"kind", kind}, {"description", description}, {"features", features}, {"slopes", slope},
          {"offsets", offsets}, {"mean_offset", mean_offset},
          {"offset_rule", "each family its own; a CPUBone search-space candidate the CPUBone one; an unknown family the mean"},
          {"loo_mae_pp", opt(loo_mae_pp)}, {"lofo_mae_pp", opt(lofo_mae_pp)},
          {"choice", "the feature set with the lowest leave-one-family-out MAE (a family held out is predicted with the "
                     "mean offset); slopes on log_macs and log_params constrained >= 0 in the fit"},
          {"interval", interval}, {"support", support}, {"points", pts}, {"feature_sets_tried", candidates},
          {"grouping_penalty_pp", {{"groups 4", 0.3}, {"groups 8", 0.7}, {"source", "CPUBone paper ablation (claim 5)"}}}};
}

AccuracyModel fit_proxy() {
  return fit(published_points(), "proxy-zoo-v2", "proxy",
             "ESTIMATE, not a trained accuracy: linear fit of the published ImageNet top-1 of every zoo model that has "
             "one, with a per-family offset and capacity slopes (log MACs and log params constrained >= 0), the feature "
             "set chosen by leave-one-family-out error, minus the paper's grouping ablation (g4 -0.3 pp, g8 -0.7 pp)");
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
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::string at = csv_path + ": row " + std::to_string(r + 1);
    if (row.size() != rows[0].size()) throw InputError(at + " has " + std::to_string(row.size()) + " fields, header has " + std::to_string(rows[0].size()));
    double v = 0;
    try {
      size_t used = 0;
      v = std::stod(row[top1], &used);
      if (used != row[top1].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw InputError(at + ".top1 = \"" + row[top1] + "\": not a number");
    }
    if (!std::isfinite(v) || v <= 0 || v > 100) throw InputError(at + ".top1 = " + row[top1] + ": expected a top-1 in (0, 100]");
    std::string name = row[model];
    if (!find_zoo(name) && std::filesystem::path(name).is_relative())
      name = (std::filesystem::path(csv_path).parent_path() / name).string();
    try {
      user.push_back(point_of(name, csv_path, v));
    } catch (const InputError& e) {
      throw InputError(at + ".model = \"" + row[model] + "\": " + e.what());
    }
  }
  std::vector<AccuracyPoint> points = user;
  for (const auto& p : published_points())
    if (std::none_of(user.begin(), user.end(), [&](const AccuracyPoint& u) { return u.model == p.model; })) points.push_back(p);
  return fit(points, "user-" + std::filesystem::path(csv_path).stem().string(), "user",
             "ESTIMATE refitted with " + std::to_string(user.size()) + " measured accuracies from " + csv_path +
                 " plus the published zoo points, fitted, chosen and checked as the proxy is");
}

AccuracyModel macs_capacity() {
  AccuracyModel m;
  m.name = "macs-as-capacity";
  m.kind = "macs";
  m.description = "no accuracy estimate: the second objective is MACs (more MACs = more capacity)";
  return m;
}

}  // namespace cpx::explorer

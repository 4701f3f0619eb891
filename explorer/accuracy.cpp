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

constexpr const char* all_features[] = {"log_macs", "log_params", "log_layers"};

double feature(const Capacity& c, const std::string& name) {
  if (name == "log_macs") return c.log_macs;
  if (name == "log_params") return c.log_params;
  return c.log_layers;
}

// Least squares with a small ridge on the slopes (not the intercept): the points are few and collinear.
std::vector<double> solve(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  const Eigen::Index n = static_cast<Eigen::Index>(x.size()), k = static_cast<Eigen::Index>(x[0].size()) + 1;
  Eigen::MatrixXd a(n, k);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    a(i, 0) = 1;
    for (Eigen::Index j = 1; j < k; ++j) a(i, j) = x[static_cast<size_t>(i)][static_cast<size_t>(j - 1)];
    b(i) = y[static_cast<size_t>(i)];
  }
  Eigen::MatrixXd reg = Eigen::MatrixXd::Identity(k, k) * 1e-3;
  reg(0, 0) = 0;
  const Eigen::VectorXd theta = (a.transpose() * a + reg).ldlt().solve(a.transpose() * b);
  return {theta.data(), theta.data() + theta.size()};
}

double linear(const std::vector<double>& theta, const std::vector<double>& x) {
  double v = theta[0];
  for (size_t j = 0; j < x.size(); ++j) v += theta[j + 1] * x[j];
  return v;
}

// Fits every non-empty feature subset, keeps the one with the lowest leave-one-out MAE.
AccuracyModel fit(std::vector<AccuracyPoint> points, std::string name, std::string kind, std::string description) {
  if (points.size() < 4)
    throw InputError(name + ": " + std::to_string(points.size()) + " accuracy points: need at least 4 to fit and validate");
  AccuracyModel best;
  double best_mae = INFINITY;
  for (unsigned mask = 1; mask < 8; ++mask) {
    std::vector<std::string> names;
    for (unsigned f = 0; f < 3; ++f)
      if (mask & (1u << f)) names.push_back(all_features[f]);
    if (names.size() + 2 > points.size()) continue;
    auto row = [&](const AccuracyPoint& p) {
      std::vector<double> x;
      for (const auto& n : names) x.push_back(feature(p.features, n));
      return x;
    };
    std::vector<std::vector<double>> xs;
    std::vector<double> ys;
    for (const auto& p : points) {
      xs.push_back(row(p));
      ys.push_back(p.top1 + p.features.grouping_penalty_pp);  // the penalty is known, not fitted
    }
    double mae = 0;
    std::vector<double> loo(points.size());
    for (size_t i = 0; i < points.size(); ++i) {
      auto x = xs;
      auto y = ys;
      x.erase(x.begin() + static_cast<ptrdiff_t>(i));
      y.erase(y.begin() + static_cast<ptrdiff_t>(i));
      loo[i] = linear(solve(x, y), xs[i]) - points[i].features.grouping_penalty_pp;
      mae += std::abs(loo[i] - points[i].top1) / static_cast<double>(points.size());
    }
    const std::vector<double> theta = solve(xs, ys);
    const bool monotone = std::all_of(theta.begin() + 1, theta.end(), [](double t) { return t >= 0; });
    best.candidates.push_back({{"features", names}, {"loo_mae_pp", mae}, {"slopes", std::vector<double>(theta.begin() + 1, theta.end())},
                               {"qualifies", monotone}});
    if (monotone && mae < best_mae) {
      best_mae = mae;
      best.features = names;
      best.theta = theta;
      best.range.clear();
      for (const auto& n : names) {
        double lo = INFINITY, hi = -INFINITY;
        for (const auto& p : points) lo = std::min(lo, feature(p.features, n)), hi = std::max(hi, feature(p.features, n));
        best.range.push_back({lo, hi});
      }
      for (size_t i = 0; i < points.size(); ++i) {
        points[i].fitted_top1 = linear(theta, xs[i]) - points[i].features.grouping_penalty_pp;
        points[i].loo_top1 = loo[i];
      }
      best.points = points;
    }
  }
  if (best.features.empty()) throw InputError(name + ": no feature set fits these accuracies with non-negative slopes");
  for (size_t f = 0; f < 3; ++f) {
    best.trust[f] = {INFINITY, -INFINITY};
    for (const auto& p : points) {
      best.trust[f][0] = std::min(best.trust[f][0], feature(p.features, all_features[f]));
      best.trust[f][1] = std::max(best.trust[f][1], feature(p.features, all_features[f]));
    }
  }
  best.name = std::move(name);
  best.kind = std::move(kind);
  best.description = std::move(description);
  best.loo_mae_pp = best_mae;
  return best;
}

AccuracyPoint point_of(const std::string& model, const std::string& source, double top1, int64_t resolution = 0) {
  const Network net = load_model(model, resolution);
  const ZooEntry* z = find_zoo(model);
  return {model, z ? z->family : net.family, source, top1, capacity(net, count(net)), 0, 0};
}

std::vector<AccuracyPoint> published_points() {
  std::vector<AccuracyPoint> out;
  for (const ZooEntry& e : zoo()) {
    if (e.family != "CPUBone" && e.family != "LowFormer") continue;
    const auto top1 = e.top1();
    if (!top1 || e.published_name.empty()) continue;
    out.push_back(point_of(e.name, "published (" + e.published_name + ")", *top1, e.resolution));
  }
  return out;
}

}  // namespace

CapacitySums& CapacitySums::operator+=(const CapacitySums& o) {
  macs += o.macs;
  params += o.params;
  layers += o.layers;
  grouped_macs += o.grouped_macs;
  penalty_pp_macs += o.penalty_pp_macs;
  return *this;
}

Capacity CapacitySums::finish() const {
  Capacity c;
  c.macs = macs;
  c.params = params;
  c.log_macs = std::log(std::max(1.0, macs));
  c.log_params = std::log(std::max(1.0, params));
  c.log_layers = std::log(std::max(1.0, layers));
  c.grouping_penalty_pp = grouped_macs > 0 ? penalty_pp_macs / grouped_macs : 0;
  return c;
}

CapacitySums capacity_sums(const Network& net, const NetworkCount& counts) {
  CapacitySums s;
  s.macs = static_cast<double>(counts.total.macs);
  s.params = static_cast<double>(counts.total.params);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const auto* conv = net.ops[i].as<Conv2d>();
    if (conv || net.ops[i].as<FullyConnected>()) s.layers += 1;
    if (!conv || conv->groups == 1 || conv->groups == conv->out_channels) continue;
    const double m = static_cast<double>(counts.layers[i].cost.macs);
    s.grouped_macs += m;
    s.penalty_pp_macs += m * grouping_cost_pp(conv->groups);
  }
  return s;
}

Capacity capacity(const Network& net, const NetworkCount& counts) { return capacity_sums(net, counts).finish(); }

double AccuracyModel::objective(const Capacity& c) const {
  if (kind == "macs") return c.macs / 1e6;
  return *top1(c);
}

std::optional<double> AccuracyModel::top1(const Capacity& c) const {
  if (kind == "macs") return std::nullopt;
  std::vector<double> x;
  for (size_t j = 0; j < features.size(); ++j) x.push_back(std::clamp(feature(c, features[j]), range[j][0], range[j][1]));
  return linear(theta, x) - c.grouping_penalty_pp;
}

double AccuracyModel::outside(const Capacity& c) const {
  if (kind == "macs") return 0;
  double d = 0;
  for (size_t f = 0; f < 3; ++f) {
    const double v = feature(c, all_features[f]);
    d += std::max(0.0, trust[f][0] - v) + std::max(0.0, v - trust[f][1]);
  }
  return d;
}

Json AccuracyModel::to_json() const {
  Json pts = Json::array();
  for (const auto& p : points)
    pts.push_back({{"model", p.model}, {"family", p.family}, {"source", p.source}, {"published_top1", p.top1},
                   {"fitted_top1", p.fitted_top1}, {"loo_top1", p.loo_top1}, {"macs", p.features.macs},
                   {"params", p.features.params}});
  Json ranges = Json::array();
  for (const auto& r : range) ranges.push_back(r);
  return {{"name", name}, {"kind", kind}, {"description", description}, {"features", features}, {"theta", theta},
          {"feature_range", ranges},
          {"trust_region", {{"macs", {std::exp(trust[0][0]), std::exp(trust[0][1])}},
                            {"params", {std::exp(trust[1][0]), std::exp(trust[1][1])}},
                            {"weight_layers", {std::exp(trust[2][0]), std::exp(trust[2][1])}}}}, {"loo_mae_pp", loo_mae_pp ? Json(*loo_mae_pp) : Json(nullptr)}, {"points", pts},
          {"feature_sets_tried", candidates},
          {"grouping_penalty_pp", {{"groups 4", 0.3}, {"groups 8", 0.7}, {"source", "CPUBone paper ablation (claim 5)"}}}};
}

AccuracyModel fit_proxy() {
  return fit(published_points(), "proxy-cpubone-lowformer-v1", "proxy",
             "ESTIMATE, not a trained accuracy: linear fit of published ImageNet top-1 of CPUBone and LowFormer "
             "models on capacity features (chosen by leave-one-out error), clamped to their range, minus the "
             "paper's grouping ablation (g4 -0.3 pp, g8 -0.7 pp)");
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
                 " plus the published CPUBone/LowFormer points, same features and grouping penalty as the proxy");
}

AccuracyModel macs_capacity() {
  AccuracyModel m;
  m.name = "macs-as-capacity";
  m.kind = "macs";
  m.description = "no accuracy estimate: the second objective is MACs (more MACs = more capacity)";
  return m;
}

}  // namespace cpx::explorer

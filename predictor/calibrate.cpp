#include "predictor/calibrate.hpp"

#include "predictor/calibrate_checks.hpp"
#include "predictor/calibrate_held_out.hpp"
#include "predictor/calibrate_interval.hpp"
#include "predictor/calibration_choice.hpp"
#include "predictor/group_fit.hpp"
#include "predictor/interval.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

#include "profiler/profile/order_statistics.hpp"
#include "space/count.hpp"

#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

namespace {

// The host model as a `method` device at unit factors (exponent 1, no dispatch time), evaluated at 1 host
// thread: it predicts the network the device's runtime runs.
Predictor host_as_device(const Predictor& host, const Hardware& hardware, CalibrationMethod method,
                         const Ceilings& host_ceilings = {}) {
  Predictor d = host;
  d.device = hardware.device;
  d.calibrated = Calibrated{};
  d.calibrated->hardware = hardware;
  d.calibrated->method = method;
  d.calibrated->host_threads = 1;
  d.calibrated->host = host_ceilings;
  return d;
}

// Per-class host times of each network as the device's runtime runs it (rows: points, columns: classes).
Eigen::MatrixXd class_times(const Predictor& host, const Hardware& hardware,
                            const std::vector<PublishedPoint>& points) {
  const Predictor unit = host_as_device(host, hardware, CalibrationMethod::uniform_scale);
  Eigen::MatrixXd T = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(points.size()), op_class_count);
  for (size_t i = 0; i < points.size(); ++i) {
    const NetworkPrediction p = predict(unit, points[i].net, hardware.threads);
    for (const auto& op : p.ops) {
      T(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(op.op_class)) += op.latency_us - op.activation_us;
      T(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(OpClass::elementwise)) += op.activation_us;
    }
  }
  return T;
}

struct Fit {
  Eigen::VectorXd scale;
  double common = 0;
};

// Weighted least squares on relative errors, ridge towards the common factor, then non-negativity by
// dropping negative classes to the common factor and refitting the rest (at most C passes).
Fit fit_scales(const Eigen::MatrixXd& T, const Eigen::VectorXd& y) {
  const Eigen::Index n = T.rows(), C = T.cols();
  const Eigen::VectorXd total = T.rowwise().sum();
  const Eigen::VectorXd w = y.array().square().inverse();
  Fit f;
  f.common = (total.array() * y.array() * w.array()).sum() / (total.array().square() * w.array()).sum();
  Eigen::VectorXd s = Eigen::VectorXd::Constant(C, f.common);
  std::vector<bool> free(static_cast<size_t>(C));
  for (Eigen::Index c = 0; c < C; ++c) free[static_cast<size_t>(c)] = T.col(c).sum() > 0;
  for (Eigen::Index pass = 0; pass < C; ++pass) {
    const Eigen::MatrixXd A = T.transpose() * w.asDiagonal() * T;
    // Few points: strong pull towards one factor; many points: let classes differ.
    const double alpha = n < 2 * C ? 1.0 : 0.1;
    const double lambda = alpha * A.trace() / static_cast<double>(C);
    Eigen::MatrixXd M = A;
    Eigen::VectorXd b = T.transpose() * w.asDiagonal() * y;
    for (Eigen::Index c = 0; c < C; ++c) {
      if (free[static_cast<size_t>(c)]) {
        M(c, c) += lambda;
        b(c) += lambda * f.common;
      } else {  // fixed at the common factor
        M.row(c).setZero();
        M(c, c) = 1;
        b(c) = f.common;
      }
    }
    // Fixed columns must not influence the free ones through the coupling terms.
    for (Eigen::Index c = 0; c < C; ++c)
      if (!free[static_cast<size_t>(c)])
        for (Eigen::Index r = 0; r < C; ++r)
          if (r != c && free[static_cast<size_t>(r)]) {
            b(r) -= M(r, c) * f.common;
            M(r, c) = 0;
          }
    s = M.ldlt().solve(b);
    bool changed = false;
    for (Eigen::Index c = 0; c < C; ++c)
      if (free[static_cast<size_t>(c)] && s(c) < 0) {
        free[static_cast<size_t>(c)] = false;
        changed = true;
      }
    if (!changed) break;
  }
  for (Eigen::Index c = 0; c < C; ++c) s(c) = std::max(0.0, s(c));
  f.scale = s;
  return f;
}

// The exponent on the host efficiency and the per-op dispatch time are searched on fixed grids: exponents
// 0.5 to 3 by 0.25, dispatch 0 or 0.5 us to 1 ms by doublings. Each pair gets its own group factors; the
// pair of least training objective wins, so the held-out folds choose them without the held-out rows.
// The two terms themselves were added after an offline look at the shipped devices' held-out errors
// (docs/log/predictor.md, moved from code comments): a choice of structure made on these six columns,
// which their held-out figures therefore flatter a little.
constexpr std::array<double, 11> efficiency_exponents{0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3};
std::vector<double> dispatch_grid_us() {
  std::vector<double> out{0};
  for (double us = 0.5; us <= 1024; us *= 2) out.push_back(us);
  return out;
}

struct TransferFit {
  Eigen::VectorXd theta;
  size_t exponent = 0;  // index into efficiency_exponents
  double dispatch_us_per_op = 0;
};

// G_by_exponent[a]: per-group device times at factor 1 with exponent a; ops: each point's op count.
TransferFit fit_transfer(const std::vector<Eigen::MatrixXd>& G_by_exponent, const Eigen::VectorXd& ops,
                         const Eigen::VectorXd& y) {
  TransferFit best;
  double best_objective = INFINITY;
  for (size_t a = 0; a < G_by_exponent.size(); ++a)
    for (double dispatch : dispatch_grid_us()) {
      const Eigen::VectorXd offset = ops * dispatch;
      if ((offset.array() >= y.array()).any()) break;  // the dispatch alone would exceed a published time
      const GroupFit g = fit_groups(G_by_exponent[a], y, offset, towards_one());
      if (g.objective < best_objective) {
        best_objective = g.objective;
        best = {g.theta, a, dispatch};
      }
    }
  return best;
}

// group_times at each of efficiency_exponents.
std::vector<Eigen::MatrixXd> group_times_by_exponent(Predictor transfer, const std::vector<PublishedPoint>& points) {
  std::vector<Eigen::MatrixXd> out;
  for (double a : efficiency_exponents) {
    transfer.calibrated->efficiency_exponent = a;
    out.push_back(group_times(transfer, points));
  }
  return out;
}

Eigen::MatrixXd rows(const Eigen::MatrixXd& M, const std::vector<Eigen::Index>& idx) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(idx.size()), M.cols());
  for (size_t k = 0; k < idx.size(); ++k) out.row(static_cast<Eigen::Index>(k)) = M.row(idx[k]);
  return out;
}

std::vector<Eigen::Index> all_rows(Eigen::Index n) {
  std::vector<Eigen::Index> out(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) out[static_cast<size_t>(i)] = i;
  return out;
}

// A model: fitted on the `train` rows only, it predicts every row (microseconds).
using Model = CandidateModel;

std::vector<std::string> models_of(const std::vector<PublishedPoint>& points) {
  std::vector<std::string> out;
  for (const auto& p : points) out.push_back(p.model);
  return out;
}

HeldOutScores held_out(CalibrationMethod method, const Model& model, const Eigen::VectorXd& y,
                       const std::vector<std::string>& model_names, const std::vector<std::string>& family) {
  HeldOutScores s;
  s.method = method;
  const std::vector<Eigen::Index> all = all_rows(y.size());
  s.lomo_us = held_out_by_group(model, all, model_names);
  if (std::set<std::string>(family.begin(), family.end()).size() < 2) return s;
  s.lofo_us = held_out_by_group(model, all, family);
  return s;
}

// One provenance row per published point: its figure, the fitted and held-out predictions of every method.
Json published_rows(const std::vector<PublishedPoint>& points, const std::vector<std::string>& family,
                    const Calibration& out, const std::vector<double>& held) {
  Json pts = Json::array();
  for (size_t i = 0; i < points.size(); ++i) {
    // held_out_ms: the device's own model, held out as its interval is (what the job's accuracy chart shows).
    Json r = {{"model", points[i].model},
              {"family", family[i]},
              {"latency_ms", points[i].latency_ms},
              {"fitted_ms", out.fitted_us[i] / 1e3},
              {"held_out_ms", held[i] / 1e3}};
    for (const auto& s : out.held_out) {
      const std::string name(to_string(s.method));
      r[name + "_lomo_ms"] = s.lomo_us[i] / 1e3;
      r[name + "_lofo_ms"] = s.lofo_us.empty() ? Json(nullptr) : Json(s.lofo_us[i] / 1e3);
    }
    pts.push_back(std::move(r));
  }
  return pts;
}

// The device file's provenance: where its points came from, per point what each method predicted, the host
// model it carries, and how each method and the runtime's lowering work.
Json calibration_provenance(const Predictor& host, const Hardware& hardware, const std::string& source, Json published,
                            Json class_scales, Json group_prior) {
  const Provenance& hp = host.provenance;
  Json host_model = {{"environment", hp.environment},
                     {"profile_complete", hp.profile_complete},
                     {"fitted_on", hp.fitted_on},
                     {"selection", hp.selection.value_or("")},
                     {"zoo_families_fitted", hp.zoo_families_fitted}};
  if (!hp.environment_recorded) host_model.erase("environment");  // a host model that carried none
  return {
      {"calibrated_from", source},
      {"published", std::move(published)},
      {"class_scales", class_scales},
      {"host_model", std::move(host_model)},
      {"transfer",
       "device op time = group factor x device roofline time / host efficiency^efficiency_exponent + "
       "dispatch_us_per_op; host efficiency = host roofline "
       "time / host predicted time at 1 thread, clamped into (0, 1]; roofline time = max(MACs / peak_macps, bytes / "
       "bandwidth); device peak = fp32 peak of the cores its runtime used (hardware), bandwidth = its DRAM's. "
       "Multi-thread scaling is not modelled beyond the summed core peaks: the group factors absorb it. "
       "Group factors: ridge towards 1 in log space (lambda 0.01 on the mean squared log error); the exponent "
       "(0.5 to 3 by 0.25) and the dispatch time (0, or 0.5 us to 1 ms by doublings) are the grid pair of least "
       "training objective, chosen inside every held-out fold on its training points only."},
      {"group_scale",
       "device op time = group factor x host predicted time at 1 thread; group factors: ridge towards their "
       "common factor in log space (lambda 0.01 on the mean squared log error, on the deviations only)"},
      {"runtime_fuses_relu", hardware.runtime_fuses_relu},
      {"lowering",
       hardware.runtime_fuses_relu
           ? "every method prices the network as the host executor runs it, ReLU and ReLU6 inside their conv"
           : "every method prices each ReLU or ReLU6 of a conv or linear layer as a pass of its own (the host's "
             "elementwise model, in the elementwise group): the device's runtime does not fuse them"},
      {"group_prior", std::move(group_prior)}};
}

// Least squares on relative errors of y ≈ k·x: k = Σ(x/y) ÷ Σ(x/y)².
double relative_scale(const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
  const Eigen::VectorXd r = x.array() / y.array();
  return r.sum() / r.squaredNorm();
}

// y ≈ X·θ with θ ≥ 0, least squares on relative errors: every subset of X's few columns solved
// unconstrained, the feasible one of least error kept (an exact non-negative least squares for 3 columns).
Eigen::VectorXd nonnegative_relative_fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  const Eigen::MatrixXd A = y.array().inverse().matrix().asDiagonal() * X;
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(y.size());
  Eigen::VectorXd best = Eigen::VectorXd::Zero(X.cols());
  double best_sse = INFINITY;
  for (unsigned mask = 1; mask < (1u << X.cols()); ++mask) {
    std::vector<Eigen::Index> cols;
    for (Eigen::Index c = 0; c < X.cols(); ++c)
      if ((mask >> c) & 1u) cols.push_back(c);
    Eigen::MatrixXd S(A.rows(), static_cast<Eigen::Index>(cols.size()));
    for (size_t k = 0; k < cols.size(); ++k) S.col(static_cast<Eigen::Index>(k)) = A.col(cols[k]);
    const Eigen::VectorXd norm = S.colwise().norm().transpose();  // MACs, bytes and ops differ by 1e7
    if ((norm.array() <= 0).any()) continue;
    const Eigen::VectorXd t =
        (S * norm.cwiseInverse().asDiagonal()).colPivHouseholderQr().solve(ones).cwiseQuotient(norm);
    if ((t.array() < 0).any() || !t.allFinite()) continue;
    const double sse = (S * t - ones).squaredNorm();
    if (sse < best_sse) {
      best_sse = sse;
      best.setZero();
      for (size_t k = 0; k < cols.size(); ++k) best(cols[k]) = t(static_cast<Eigen::Index>(k));
    }
  }
  return best;
}

// Per point: Σ MACs, Σ bytes and the op count, as predict() prices a device's ops (every op of the network).
Eigen::MatrixXd linear_features(const std::vector<PublishedPoint>& points, bool runtime_fuses_relu) {
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(points.size()), 3);
  for (size_t i = 0; i < points.size(); ++i)
    for (size_t k = 0; k < points[i].net.ops.size(); ++k) {
      const OpFeatures f =
          op_features(points[i].net, k, 1, runtime_fuses_relu ? ActivationFusion::relu : ActivationFusion::none);
      X.row(static_cast<Eigen::Index>(i)) += Eigen::RowVector3d(f.macs, f.bytes, 1);
    }
  return X;
}

// What every method fits on, per point, computed once.
struct CalibrationData {
  Eigen::MatrixXd T;  // host time per op class (class_times)
  Eigen::MatrixXd H;  // host time per op group
  Eigen::VectorXd host_total;
  Eigen::MatrixXd X;                           // MACs, bytes and op count (linear_features)
  Eigen::VectorXd macs, ops;                   // X's first and last columns
  Eigen::VectorXd y;                           // the published latencies, microseconds
  std::vector<Eigen::MatrixXd> G_by_exponent;  // the transfer's group times at each efficiency exponent
  GroupPrior prior;                            // group_prior's (no spreads: none, and group_prior is group_scale)
};

CalibrationData calibration_data(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware,
                                 const std::vector<PublishedPoint>& points, const std::string& source,
                                 GroupPrior prior) {
  CalibrationData d;
  d.prior = std::move(prior);
  d.T = class_times(host, hardware, points);
  d.H = group_sums(d.T);
  d.host_total = d.H.rowwise().sum();
  d.y = published_us(points, source);
  d.X = linear_features(points, hardware.runtime_fuses_relu);
  d.macs = d.X.col(0);
  d.ops = d.X.col(2);
  d.G_by_exponent = group_times_by_exponent(
      host_as_device(host, hardware, CalibrationMethod::hardware_transfer, host_ceilings), points);
  return d;
}

using Rows = std::vector<Eigen::Index>;

GroupFit group_scale_fit(const CalibrationData& d, const Rows& train) {
  return fit_groups(rows(d.H, train), d.y(train), Eigen::VectorXd::Zero(static_cast<Eigen::Index>(train.size())),
                    towards_common());
}

GroupFit group_prior_fit(const CalibrationData& d, const Rows& train) {
  return fit_groups(rows(d.H, train), d.y(train), Eigen::VectorXd::Zero(static_cast<Eigen::Index>(train.size())),
                    towards_prior(d.prior, train.size()));
}

void set_group_factors(Predictor& p, const Eigen::VectorXd& theta) {
  for (size_t g = 0; g < op_group_count; ++g)
    p.calibrated->group_factor[g] = std::exp(theta(static_cast<Eigen::Index>(g)));
}

Eigen::VectorXd transfer_held_out(const CalibrationData& d, const Rows& train) {
  std::vector<Eigen::MatrixXd> G_train;
  for (const auto& G : d.G_by_exponent) G_train.push_back(rows(G, train));
  const TransferFit f = fit_transfer(G_train, d.ops(train), d.y(train));
  return d.G_by_exponent[f.exponent] * f.theta.array().exp().matrix() + d.ops * f.dispatch_us_per_op;
}

void apply_transfer(const CalibrationData& d, Predictor& p, Json&) {
  const TransferFit f = fit_transfer(d.G_by_exponent, d.ops, d.y);
  set_group_factors(p, f.theta);
  p.calibrated->efficiency_exponent = efficiency_exponents[f.exponent];
  p.calibrated->dispatch_us_per_op = f.dispatch_us_per_op;
}

// The host model's classes scaled, and its per-network overhead by their common factor.
void apply_class_scales(const CalibrationData& d, Predictor& p, Json& class_scales) {
  const Fit f = fit_scales(d.T, d.y);
  class_scales = Json::object();
  for (size_t k = 0; k < op_class_count; ++k) {
    if (p.classes[k]) p.classes[k]->scale *= f.scale(static_cast<Eigen::Index>(k));
    class_scales[std::string(to_string(static_cast<OpClass>(k)))] = f.scale(static_cast<Eigen::Index>(k));
  }
  for (auto& [t, us] : p.network_overhead_us) us *= f.common;
}

// A calibration method (its name: method_names, predictor/calibration_method.hpp): how predict() prices a device
// it made, `fit` (fitted on the `train` rows only, it predicts every row in microseconds: what the method is
// scored and chosen by) and `apply` (fitted on every row, it writes its parameters into the device made by
// host_as_device; class_scales: what the provenance records of a per-class fit).
struct MethodRow {
  CalibrationMethod method;
  DevicePricing pricing;
  Eigen::VectorXd (*fit)(const CalibrationData& d, const Rows& train);
  void (*apply)(const CalibrationData& d, Predictor& device, Json& class_scales);
};

// The methods in their order of complexity, simplest first: the one place that order is set. The choice
// (predictor/calibration_choice.hpp) keeps the earliest row within one standard error of the best and never
// one worse than the first row; the held-out tables, --method's choices and Python's calibration_candidates()
// list the rows in this order.
constexpr MethodRow calibration_methods[]{
    {CalibrationMethod::macs_only, DevicePricing::linear,
     [](const CalibrationData& d, const Rows& train) -> Eigen::VectorXd {
       return d.macs * relative_scale(d.macs(train), d.y(train));
     },
     [](const CalibrationData& d, Predictor& p, Json&) {
       p.calibrated->linear = {relative_scale(d.macs, d.y), 0, 0};
     }},
    {CalibrationMethod::host_scale, DevicePricing::group_scaled,
     [](const CalibrationData& d, const Rows& train) -> Eigen::VectorXd {
       return d.host_total * relative_scale(d.host_total(train), d.y(train));
     },
     [](const CalibrationData& d, Predictor& p, Json&) {
       p.calibrated->group_factor.fill(relative_scale(d.host_total, d.y));
     }},
    {CalibrationMethod::physical, DevicePricing::linear,
     [](const CalibrationData& d, const Rows& train) -> Eigen::VectorXd {
       return d.X * nonnegative_relative_fit(rows(d.X, train), d.y(train));
     },
     [](const CalibrationData& d, Predictor& p, Json&) {
       const Eigen::VectorXd theta = nonnegative_relative_fit(d.X, d.y);
       p.calibrated->linear = {theta(0), theta(1), theta(2)};
     }},
    {CalibrationMethod::group_prior, DevicePricing::group_scaled,
     [](const CalibrationData& d, const Rows& train) -> Eigen::VectorXd {
       return d.H * group_prior_fit(d, train).theta.array().exp().matrix();
     },
     [](const CalibrationData& d, Predictor& p, Json&) {
       set_group_factors(p, group_prior_fit(d, all_rows(d.y.size())).theta);
     }},
    {CalibrationMethod::group_scale, DevicePricing::group_scaled,
     [](const CalibrationData& d, const Rows& train) -> Eigen::VectorXd {
       return d.H * group_scale_fit(d, train).theta.array().exp().matrix();
     },
     [](const CalibrationData& d, Predictor& p, Json&) {
       set_group_factors(p, group_scale_fit(d, all_rows(d.y.size())).theta);
     }},
    {CalibrationMethod::hardware_transfer, DevicePricing::transferred, transfer_held_out, apply_transfer},
    {CalibrationMethod::uniform_scale, DevicePricing::class_scaled,
     [](const CalibrationData& d, const Rows& train) -> Eigen::VectorXd {
       return d.T * fit_scales(rows(d.T, train), d.y(train)).scale;
     },
     apply_class_scales},
};

const MethodRow& row_of(CalibrationMethod m) {
  for (const MethodRow& r : calibration_methods)
    if (r.method == m) return r;
  throw std::logic_error("calibration method " + std::to_string(static_cast<int>(m)) +
                         " has no row in calibration_methods");
}

// The names, simplest first, comma-separated: for messages.
std::string method_list() {
  std::string out;
  for (const MethodRow& r : calibration_methods) out += (out.empty() ? "" : ", ") + std::string(to_string(r.method));
  return out;
}

}  // namespace

DevicePricing pricing_of(CalibrationMethod m) { return row_of(m).pricing; }

CalibrationMethod calibration_method_from(std::string_view name, std::string_view flag) {
  if (const auto m = find_calibration_method(name)) return *m;
  throw InputError(std::string(flag) + " = \"" + std::string(name) + "\": not a calibration method (" + method_list() +
                   ")");
}

std::vector<std::string> calibration_method_names() {
  std::vector<std::string> out;
  for (const MethodRow& r : calibration_methods) out.emplace_back(to_string(r.method));
  return out;
}

std::string timings_in_words(const Calibrated& c) {
  if (c.timed_by == TimedBy::published) return "published latencies";
  if (c.timed_by == TimedBy::zero_shot) return "zero-shot from the hardware description, no timings";
  return std::string(c.timed_by == TimedBy::project ? "this project's timings" : "your timings") + ": " +
         c.timed_runtime + ", " + std::to_string(c.hardware.threads) +
         (c.hardware.threads == 1 ? " thread" : " threads");
}

std::string interval_source_in_words(const Calibrated& c) {
  // A zero-shot device (TimedBy::zero_shot, or its prior updated by a few timings) has no held-out record.
  if (c.timed_by == TimedBy::zero_shot || !c.held_out)
    return "the shipped devices' zero-shot errors, each device left out of the prior in turn";
  if (c.timed_by == TimedBy::project) return "this project's held-out timings";
  return c.timed_by == TimedBy::published ? "held-out published figures" : "your held-out timings";
}

namespace {

// Each point's host-predicted time by kind of work, as shares of its total.
std::vector<std::map<OpKind, double>> kind_shares(const Predictor& host, const Hardware& hardware,
                                                  const std::vector<PublishedPoint>& points) {
  const Predictor unit = host_as_device(host, hardware, CalibrationMethod::uniform_scale);
  std::vector<std::map<OpKind, double>> out;
  for (const auto& p : points) {
    std::map<OpKind, double> t = host_time_by_kind_us(p.net, predict(unit, p.net, hardware.threads));
    double total = 0;
    for (const auto& [k, us] : t) total += us;
    for (auto& [k, us] : t) us = total > 0 ? us / total : 0;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

GroupPrior group_prior(const Predictor& host, const std::vector<PriorSource>& sources) {
  GroupPrior out;
  std::vector<Eigen::VectorXd> theta;
  std::vector<std::array<bool, op_group_count>> exercised;
  double squared = 0;
  size_t residuals = 0;
  for (const PriorSource& s : sources) {
    // The source's networks this host model prices: a host profiled without some class (a quick profile
    // has no transposed conv) leaves out the networks that need it, not the calibration.
    std::vector<PublishedPoint> priced;
    std::vector<Eigen::RowVectorXd> time_rows;  // each priced point's class times, computed once
    for (const PublishedPoint& p : s.points) try {
        time_rows.push_back(class_times(host, s.hardware, {p}).row(0));
        priced.push_back(p);
      } catch (const InputError&) { out.points_unpriced += 1; }
    if (priced.size() < prior_min_points) continue;
    Eigen::MatrixXd T(static_cast<Eigen::Index>(priced.size()), op_class_count);
    for (size_t i = 0; i < time_rows.size(); ++i) T.row(static_cast<Eigen::Index>(i)) = time_rows[i];
    const Eigen::MatrixXd H = group_sums(T);
    const Eigen::VectorXd y = published_us(priced, s.device);
    const GroupFit f = fit_groups(H, y, Eigen::VectorXd::Zero(y.size()), towards_common());
    const Eigen::VectorXd p = H * f.theta.array().exp().matrix();
    squared += (p.array().log() - y.array().log()).square().sum();
    residuals += static_cast<size_t>(y.size());
    const Eigen::VectorXd share = H.colwise().sum().transpose() / H.sum();
    std::array<bool, op_group_count> e{};
    for (size_t g = 0; g < op_group_count; ++g) e[g] = share(static_cast<Eigen::Index>(g)) >= prior_min_share;
    theta.push_back(f.theta);
    exercised.push_back(e);
    out.devices.push_back(s.device);
  }
  if (theta.size() < prior_min_sources) {
    GroupPrior none;
    none.points_unpriced = out.points_unpriced;
    return none;
  }
  out.residual_variance = squared / static_cast<double>(residuals);
  // Each source's common level: the mean log factor over the groups every source exercises.
  std::array<bool, op_group_count> everywhere;
  everywhere.fill(true);
  for (const auto& e : exercised)
    for (size_t g = 0; g < op_group_count; ++g) everywhere[g] = everywhere[g] && e[g];
  std::array<std::vector<double>, op_group_count> deviations;
  for (size_t d = 0; d < theta.size(); ++d) {
    double level = 0, count = 0;
    for (size_t g = 0; g < op_group_count; ++g)
      if (everywhere[g]) level += theta[d](static_cast<Eigen::Index>(g)), count += 1;
    if (count == 0) return GroupPrior{};
    for (size_t g = 0; g < op_group_count; ++g)
      if (exercised[d][g]) deviations[g].push_back(theta[d](static_cast<Eigen::Index>(g)) - level / count);
  }
  for (size_t g = 0; g < op_group_count; ++g) {
    const std::vector<double>& v = deviations[g];
    if (v.size() < prior_min_sources) continue;
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double sq = 0;
    for (double x : v) sq += (x - mean) * (x - mean);
    out.deviation[g] = mean;
    // A floor of 0.05 (5% in a factor): sources that happen to agree exactly must not pin the group.
    out.spread[g] = std::max(std::sqrt(sq / static_cast<double>(v.size() - 1)), 0.05);
  }
  return out;
}

namespace {

Json prior_json(const GroupPrior& p) {
  if (p.devices.empty()) return nullptr;
  Json deviation = Json::object(), spread = Json::object();
  for (size_t g = 0; g < op_group_count; ++g)
    if (p.spread[g] > 0) {
      deviation[std::string(to_string(static_cast<OpGroup>(g)))] = p.deviation[g];
      spread[std::string(to_string(static_cast<OpGroup>(g)))] = p.spread[g];
    }
  return {
      {"devices", p.devices},
      {"log_deviation", deviation},
      {"log_spread", spread},
      {"residual_variance", p.residual_variance},
      {"points_unpriced", p.points_unpriced},
      {"how",
       "each device's group_scale fit on its own points against this host model; per group, its log factor less the "
       "device's mean over the groups every device exercises, averaged over the devices (those with the group at "
       "1% of their host time or more, 3 at least); group_prior's weight on a group = residual_variance / (points x "
       "spread^2)"}};
}

}  // namespace

Calibration calibrate(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware,
                      const std::vector<PublishedPoint>& points, const std::string& source, const std::string& rebuild,
                      std::optional<CalibrationMethod> method, const IntervalOptions& interval,
                      const std::vector<PriorSource>& prior) {
  if (points.size() < 3)
    throw InputError(source + ": needs at least 3 whole-network latencies, got " + std::to_string(points.size()) +
                     " (with fewer, calibrate zero-shot: the hardware description's prior, updated by them)");
  if (host.calibrated)
    throw InputError("calibrate: the host model must be a measured predictor, not the calibrated device " +
                     host.device);
  if (!(host_ceilings.peak_macps > 0) || !(host_ceilings.bandwidth_bytes_per_s > 0))
    throw InputError(
        "calibrate: the host's probed peak_macps and bandwidth_bytes_per_s are needed (profile the host again)");
  for (const auto& p : points)
    if (p.net.ops.empty())
      throw InputError(source + ": " + p.model + ": no network to price (not a zoo model or network file)");
  const CalibrationData data =
      calibration_data(host, host_ceilings, hardware, points, source, group_prior(host, prior));
  const Eigen::VectorXd& y = data.y;
  std::vector<std::string> family;
  for (const auto& p : points) family.push_back(p.family.empty() ? p.model : p.family);
  const std::vector<std::string> models = models_of(points);

  // The candidates are the table's rows in its order, simplest first, as choose_candidate takes them.
  std::vector<Candidate> candidates;
  for (const MethodRow& m : calibration_methods)
    candidates.push_back(
        {std::string(to_string(m.method)), [&data, fit = m.fit](const Rows& train) { return fit(data, train); }});
  Calibration out;
  for (size_t k = 0; k < candidates.size(); ++k)
    out.held_out.push_back(held_out(calibration_methods[k].method, candidates[k].model, y, models, family));
  const bool by_family = !out.held_out[0].lofo_us.empty();
  const std::vector<std::string>& group = by_family ? family : models;
  const ErrorBounds bounds = interval_error_bounds(interval);  // every coverage figure, the device's interval method's
  size_t chosen = 0;
  MethodChoice choice;
  std::optional<NestedScore> nested_score;
  if (method) {
    chosen = static_cast<size_t>(&row_of(*method) - calibration_methods);
    choice.forced = *method;
  } else {
    const CandidateChoice ch = choose_candidate(candidates, y, all_rows(y.size()), group);
    chosen = ch.chosen;
    for (size_t k = 0; k < candidates.size(); ++k)
      choice.scores.emplace_back(calibration_methods[k].method, ch.score[k]);
    choice.best = calibration_methods[ch.best].method;
    choice.standard_error = ch.standard_error;
    // The choice held out: each group predicted by the candidate chosen without it.
    const NestedPredictions nested = nested_held_out(candidates, y, group);
    (by_family ? out.nested.lofo_us : out.nested.lomo_us) = nested.predicted;
    std::map<CalibrationMethod, std::set<std::string>> picked;
    for (size_t i = 0; i < group.size(); ++i) picked[calibration_methods[nested.chosen[i]].method].insert(group[i]);
    NestedScore& n = nested_score.emplace();
    n.by_family = by_family;
    n.figures = held_out_figures(nested.predicted, y, group, bounds);
    for (const auto& [m, groups] : picked)
      n.chosen_without.emplace_back(m, std::vector<std::string>(groups.begin(), groups.end()));
    // Listed by method name, as device files always have.
    std::sort(n.chosen_without.begin(), n.chosen_without.end(),
              [](const auto& a, const auto& b) { return to_string(a.first) < to_string(b.first); });
  }
  out.chosen = calibration_methods[chosen].method;

  Predictor& d = out.device;
  d = host_as_device(host, hardware, out.chosen, host_ceilings);
  Json class_scales = nullptr;
  Eigen::VectorXd fitted = candidates[chosen].model(all_rows(y.size()));  // the chosen model fitted on every point
  calibration_methods[chosen].apply(data, d, class_scales);
  Calibrated& c = *d.calibrated;
  d.device = hardware.device;
  // What the predictions describe: the timed runtime on that hardware (e.g. "... on Raspberry Pi 5 ...").
  d.runtime = hardware.runtime + " on " + hardware.description + ", " +
              timings_in_words(*d.calibrated);  // published; calibrate_device may say the user's
  out.fitted_us.assign(fitted.data(), fitted.data() + fitted.size());

  const std::vector<double>& held = by_family ? out.held_out[chosen].lofo_us : out.held_out[chosen].lomo_us;
  c.rebuild = rebuild;
  c.calibration_sizes =
      Calibrated::SizeRange{data.macs.minCoeff(), data.macs.maxCoeff(), relative_scale(data.macs, data.y)};
  size_interval(c, kind_shares(host, hardware, points), held, y, group, by_family, std::string(to_string(out.chosen)),
                out.held_out[chosen].lomo_us, models, interval);
  c.held_out =
      held_out_record(out, method, std::move(choice), std::move(nested_score), models, family, held, y, group, bounds);
  // What is wrong but not impossible is written, and said (predictor/calibrate_checks.hpp).
  for (const Outlier& o : outliers(points, out.held_out[chosen].lomo_us, source))
    c.held_out->warnings.push_back(o.warning);
  for (std::string& w : method_warnings(*c.held_out)) c.held_out->warnings.push_back(std::move(w));
  for (std::string& w : unit_warnings(points, hardware, source)) c.held_out->warnings.push_back(std::move(w));
  d.provenance =
      provenance_from_json(calibration_provenance(host, hardware, source, published_rows(points, family, out, held),
                                                  class_scales, prior_json(data.prior)),
                           Where("calibrate " + hardware.device, "provenance"));
  return out;
}

}  // namespace cpx::predictor

// predictor/transfer_fit.hpp: the transfer's pieces above, for the zero-shot prior.
#include "predictor/transfer_fit.hpp"

namespace cpx::predictor {

std::vector<double> transfer_exponents() { return {efficiency_exponents.begin(), efficiency_exponents.end()}; }
std::vector<double> transfer_dispatch_grid_us() { return dispatch_grid_us(); }

Predictor transfer_device(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware) {
  return host_as_device(host, hardware, CalibrationMethod::hardware_transfer, host_ceilings);
}

std::vector<Eigen::MatrixXd> transfer_group_times(const Predictor& host, const Ceilings& host_ceilings,
                                                  const Hardware& hardware, const std::vector<PublishedPoint>& points) {
  return group_times_by_exponent(transfer_device(host, host_ceilings, hardware), points);
}

Eigen::VectorXd transfer_op_counts(const std::vector<PublishedPoint>& points, bool runtime_fuses_relu) {
  return linear_features(points, runtime_fuses_relu).col(2);
}

TransferGroupFit fit_transfer_groups(const Eigen::MatrixXd& G, const Eigen::VectorXd& y,
                                     const Eigen::VectorXd& offset) {
  const GroupFit f = fit_groups(G, y, offset, towards_one());
  return {f.theta, f.objective};
}

}  // namespace cpx::predictor

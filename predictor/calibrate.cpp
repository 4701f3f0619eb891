#include "predictor/calibrate.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>

#include "profiler/rank.hpp"
#include "space/count.hpp"

#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

namespace {

// The host model as a `method` device at unit factors (exponent 1, no dispatch time), evaluated at 1 host
// thread: it predicts the network the device's runtime runs.
Predictor host_as_device(const Predictor& host, const Hardware& hardware, const std::string& method, const Ceilings& host_ceilings = {}) {
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
Eigen::MatrixXd class_times(const Predictor& host, const Hardware& hardware, const std::vector<PublishedPoint>& points) {
  const Predictor unit = host_as_device(host, hardware, "uniform_scale");
  Eigen::MatrixXd T = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(points.size()), op_class_count);
  for (size_t i = 0; i < points.size(); ++i) {
    const ZooEntry* e = find_zoo(points[i].model);
    if (!e) throw InputError(points[i].model + ": not a zoo model");
    const Network net = e->build(0);
    const NetworkPrediction p = predict(unit, net, hardware.threads);
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

// Published latency of point i in microseconds.
Eigen::VectorXd published_us(const std::vector<PublishedPoint>& points, const std::string& source) {
  Eigen::VectorXd y(static_cast<Eigen::Index>(points.size()));
  for (size_t i = 0; i < points.size(); ++i) {
    if (!(points[i].latency_ms > 0) || !std::isfinite(points[i].latency_ms))
      throw InputError(source + ": " + points[i].model + " latency_ms = " + std::to_string(points[i].latency_ms) + ": must be positive");
    y(static_cast<Eigen::Index>(i)) = points[i].latency_ms * 1e3;
  }
  return y;
}

// Per-group device times at factor 1 (rows: points, columns: OpGroup).
Eigen::MatrixXd group_times(const Predictor& transfer, const std::vector<PublishedPoint>& points) {
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(points.size()), op_group_count);
  for (size_t i = 0; i < points.size(); ++i) {
    const NetworkPrediction p = predict(transfer, find_zoo(points[i].model)->build(0), transfer.calibrated->hardware.threads);
    for (const auto& op : p.ops) {
      G(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(op_group(op.op_class))) += op.latency_us - op.activation_us;
      G(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(OpGroup::elementwise)) += op.activation_us;
    }
  }
  return G;
}

// Per-group sums of per-class times (rows: points, columns: OpGroup).
Eigen::MatrixXd group_sums(const Eigen::MatrixXd& T) {
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(T.rows(), op_group_count);
  for (size_t c = 0; c < op_class_count; ++c)
    G.col(static_cast<Eigen::Index>(op_group(static_cast<OpClass>(c)))) += T.col(static_cast<Eigen::Index>(c));
  return G;
}

// Ridge in log space: a group factor of 2 costs as much as a 7% RMS log error on every point (chosen before
// looking at any held-out figure).
constexpr double group_ridge = 0.01;

// Where the ridge pulls the log factors. towards_one: the transfer's factors, 1 where the device keeps the
// host's efficiency. towards_common: the group scale's, whose common level (20 to 30 for an A72 against
// this host) is free and only the groups' deviations from it are penalised; a group without time in the
// training points gets the common factor.
enum class Ridge { towards_one, towards_common };

struct GroupFit {
  Eigen::VectorXd theta;  // log factors
  double objective = 0;
};

// log factors θ minimising mean_i (log(Σ_k e^θk G_ik + offset_i) − log y_i)² + λ θᵀPθ, by damped
// Gauss-Newton; P = I (towards one) or I − 11ᵀ/K (towards the common factor: Σ_k (θ_k − mean θ)²).
GroupFit fit_groups(const Eigen::MatrixXd& G, const Eigen::VectorXd& y, const Eigen::VectorXd& offset, Ridge ridge = Ridge::towards_one) {
  const Eigen::Index n = G.rows(), K = G.cols();
  Eigen::MatrixXd P = Eigen::MatrixXd::Identity(K, K);
  if (ridge == Ridge::towards_common) P.array() -= 1.0 / static_cast<double>(K);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(K);
  if (ridge == Ridge::towards_common) {  // start at the least-squares common factor, so the first steps are not huge
    const Eigen::VectorXd total = G.rowwise().sum();
    const double k = (y.array() - offset.array()).cwiseMax(0).matrix().dot(total) / std::max(total.squaredNorm(), 1e-300);
    if (k > 0) theta.setConstant(std::log(k));
  }
  auto objective = [&](const Eigen::VectorXd& t) {
    const Eigen::VectorXd p = G * t.array().exp().matrix() + offset;
    return (p.array().log() - y.array().log()).square().sum() / static_cast<double>(n) + group_ridge * t.dot(P * t);
  };
  double f = objective(theta);
  for (int iter = 0; iter < 300; ++iter) {
    const Eigen::VectorXd e = theta.array().exp();
    const Eigen::VectorXd p = G * e + offset;
    const Eigen::VectorXd r = p.array().log() - y.array().log();
    Eigen::MatrixXd J = G;
    for (Eigen::Index i = 0; i < n; ++i) J.row(i) = (G.row(i).array() * e.transpose().array() / p(i)).matrix();
    const Eigen::VectorXd grad = J.transpose() * r / static_cast<double>(n) + group_ridge * P * theta;
    const Eigen::MatrixXd H = J.transpose() * J / static_cast<double>(n) + group_ridge * P + 1e-12 * Eigen::MatrixXd::Identity(K, K);
    const Eigen::VectorXd step = H.ldlt().solve(-grad);
    double a = 1;
    while (a > 1e-6 && !(objective(theta + a * step) < f)) a /= 2;
    if (a <= 1e-6) break;
    theta += a * step;
    const double nf = objective(theta);
    if (f - nf < 1e-14) break;
    f = nf;
  }
  return {theta, f};
}

// The exponent on the host efficiency and the per-op dispatch time are searched on fixed grids: exponents
// 0.5 to 3 by 0.25, dispatch 0 or 0.5 us to 1 ms by doublings. Each pair gets its own group factors; the
// pair of least training objective wins, so the held-out folds choose them without the held-out rows.
// The two terms themselves were added after an offline look at the shipped devices' held-out errors
// (session 14, exponents up to 2): a choice of structure made on these six columns, which their held-out
// figures therefore flatter a little.
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
TransferFit fit_transfer(const std::vector<Eigen::MatrixXd>& G_by_exponent, const Eigen::VectorXd& ops, const Eigen::VectorXd& y) {
  TransferFit best;
  double best_objective = INFINITY;
  for (size_t a = 0; a < G_by_exponent.size(); ++a)
    for (double dispatch : dispatch_grid_us()) {
      const Eigen::VectorXd offset = ops * dispatch;
      if ((offset.array() >= y.array()).any()) break;  // the dispatch alone would exceed a published time
      const GroupFit g = fit_groups(G_by_exponent[a], y, offset);
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
using Model = std::function<Eigen::VectorXd(const std::vector<Eigen::Index>& train)>;

Json figures(const std::vector<double>& pred, const Eigen::VectorXd& y) {
  Json f = accuracy_scores(pred, std::vector<double>(y.data(), y.data() + y.size()));
  f.erase("within_5pct");  // a few published points: ±10% is as fine as the table goes
  return f;
}

HeldOutScores held_out(const std::string& name, const Model& model, const Eigen::VectorXd& y, const std::vector<std::string>& family) {
  const Eigen::Index n = y.size();
  HeldOutScores s;
  s.method = name;
  s.lomo_us.resize(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    std::vector<Eigen::Index> train;
    for (Eigen::Index r = 0; r < n; ++r)
      if (r != i) train.push_back(r);
    s.lomo_us[static_cast<size_t>(i)] = model(train)(i);
  }
  std::vector<std::string> families(family);
  std::sort(families.begin(), families.end());
  families.erase(std::unique(families.begin(), families.end()), families.end());
  s.figures = {{"lomo", figures(s.lomo_us, y)}, {"lofo", nullptr}};
  if (families.size() < 2) return s;
  s.lofo_us.resize(static_cast<size_t>(n));
  for (const auto& f : families) {
    std::vector<Eigen::Index> train;
    for (Eigen::Index r = 0; r < n; ++r)
      if (family[static_cast<size_t>(r)] != f) train.push_back(r);
    const Eigen::VectorXd pred = model(train);
    for (Eigen::Index r = 0; r < n; ++r)
      if (family[static_cast<size_t>(r)] == f) s.lofo_us[static_cast<size_t>(r)] = pred(r);
  }
  s.figures["lofo"] = figures(s.lofo_us, y);
  return s;
}

// The interval: the 10th and 90th percentiles of the chosen model's held-out relative errors (by family
// when there are two or more families). Its coverage is checked the same way it will be used: each
// family's points against the percentiles of the other families' errors.
void set_interval(Calibrated& c, const std::vector<double>& held, const Eigen::VectorXd& y, const std::vector<std::string>& group,
                  bool by_family, const std::string& chosen) {
  std::vector<double> err(held.size());
  for (size_t i = 0; i < held.size(); ++i) err[i] = held[i] / y(static_cast<Eigen::Index>(i)) - 1;
  const double lo_q = (1 - interval_level) / 2, hi_q = 1 - lo_q;
  const auto bounds = held_out_error_bounds(err, group);
  double covered = 0;
  for (size_t i = 0; i < err.size(); ++i) covered += err[i] >= bounds[i][0] && err[i] <= bounds[i][1];
  c.error_low = quantile(err, lo_q);
  c.error_high = quantile(err, hi_q);
  c.interval = {{"level", interval_level},
                {"method", std::string("10th to 90th percentile of the ") + (by_family ? "leave-one-family-out" : "leave-one-model-out") +
                               " relative errors (predicted / published - 1) of the " + chosen +
                               " model; latency_us_low = latency_us / (1 + error_high), latency_us_high = latency_us / (1 + error_low)"},
                {"error_low", c.error_low},
                {"error_high", c.error_high},
                {"coverage", {{"share", covered / static_cast<double>(err.size())},
                              {"how", std::string("each ") + (by_family ? "family's" : "model's") +
                                          " points against the percentiles of the others' held-out errors"}}}};
}

// One provenance row per published point: its figure, the fitted and held-out predictions of every method.
Json published_rows(const std::vector<PublishedPoint>& points, const std::vector<std::string>& family,
                    const Calibration& out, const std::vector<double>& held) {
  Json pts = Json::array();
  for (size_t i = 0; i < points.size(); ++i) {
    // held_out_ms: the device's own model, held out as its interval is (what the job's accuracy chart shows).
    Json r = {{"model", points[i].model}, {"family", family[i]}, {"latency_ms", points[i].latency_ms}, {"fitted_ms", out.fitted_us[i] / 1e3},
              {"held_out_ms", held[i] / 1e3}};
    for (const auto& s : out.held_out) {
      r[s.method + "_lomo_ms"] = s.lomo_us[i] / 1e3;
      r[s.method + "_lofo_ms"] = s.lofo_us.empty() ? Json(nullptr) : Json(s.lofo_us[i] / 1e3);
    }
    pts.push_back(std::move(r));
  }
  return pts;
}

// The device file's provenance: where its points came from, per point what each method predicted, the host
// model it carries, and how each method and the runtime's lowering work.
Json calibration_provenance(const Predictor& host, const Hardware& hardware, const std::string& source, Json published,
                            Json class_scales) {
  const Json hp = host.provenance.is_object() ? host.provenance : Json::object();
  return {{"calibrated_from", source},
          {"published", std::move(published)},
          {"class_scales", class_scales},
          {"host_model", {{"environment", hp.value("environment", Json::object())},
                          {"profile_complete", hp.value("profile_complete", false)},
                          {"fitted_on", hp.value("fitted_on", "")},
                          {"selection", hp.value("selection", "")},
                          {"zoo_families_fitted", hp.value("zoo_families_fitted", Json::array())}}},
          {"transfer", "device op time = group factor x device roofline time / host efficiency^efficiency_exponent + "
                       "dispatch_us_per_op; host efficiency = host roofline "
                       "time / host predicted time at 1 thread, clamped into (0, 1]; roofline time = max(MACs / peak_macps, bytes / "
                       "bandwidth); device peak = fp32 peak of the cores its runtime used (hardware), bandwidth = its DRAM's. "
                       "Multi-thread scaling is not modelled beyond the summed core peaks: the group factors absorb it. "
                       "Group factors: ridge towards 1 in log space (lambda 0.01 on the mean squared log error); the exponent "
                       "(0.5 to 3 by 0.25) and the dispatch time (0, or 0.5 us to 1 ms by doublings) are the grid pair of least "
                       "training objective, chosen inside every held-out fold on its training points only."},
          {"group_scale", "device op time = group factor x host predicted time at 1 thread; group factors: ridge towards their "
                          "common factor in log space (lambda 0.01 on the mean squared log error, on the deviations only)"},
          {"runtime_fuses_relu", hardware.runtime_fuses_relu},
          {"lowering", hardware.runtime_fuses_relu
                           ? "every method prices the network as the host executor runs it, ReLU and ReLU6 inside their conv"
                           : "every method prices each ReLU or ReLU6 of a conv or linear layer as a pass of its own (the host's "
                             "elementwise model, in the elementwise group): the device's runtime does not fuse them"}};
}

}  // namespace

Calibration calibrate(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware,
                      const std::vector<PublishedPoint>& points, const std::string& source, const std::string& rebuild) {
  if (points.size() < 3) throw InputError(source + ": needs at least 3 published latencies of zoo models, got " + std::to_string(points.size()));
  if (host.calibrated) throw InputError("calibrate: the host model must be a measured predictor, not the calibrated device " + host.device);
  if (!(host_ceilings.peak_macps > 0) || !(host_ceilings.bandwidth_bytes_per_s > 0))
    throw InputError("calibrate: the host's probed peak_macps and bandwidth_bytes_per_s are needed (profile the host again)");
  const Eigen::MatrixXd T = class_times(host, hardware, points);
  const Eigen::MatrixXd H = group_sums(T);
  const Eigen::VectorXd y = published_us(points, source);
  std::vector<std::string> family;
  for (const auto& p : points) family.push_back(p.family.empty() ? p.model : p.family);

  const Predictor transfer = host_as_device(host, hardware, "hardware_transfer", host_ceilings);
  const std::vector<Eigen::MatrixXd> G_by_exponent = group_times_by_exponent(transfer, points);
  Eigen::VectorXd macs(y.size()), ops(y.size());
  for (size_t i = 0; i < points.size(); ++i) {
    const Network net = find_zoo(points[i].model)->build(0);
    macs(static_cast<Eigen::Index>(i)) = static_cast<double>(count(net).total.macs);
    ops(static_cast<Eigen::Index>(i)) = static_cast<double>(net.ops.size());
  }

  const auto transfer_predict = [&](const TransferFit& f) -> Eigen::VectorXd {
    return G_by_exponent[f.exponent] * f.theta.array().exp().matrix() + ops * f.dispatch_us_per_op;
  };
  const Model transfer_model = [&](const std::vector<Eigen::Index>& train) -> Eigen::VectorXd {
    std::vector<Eigen::MatrixXd> G_train;
    for (const auto& G : G_by_exponent) G_train.push_back(rows(G, train));
    return transfer_predict(fit_transfer(G_train, ops(train), y(train)));
  };
  const Model uniform_model = [&](const std::vector<Eigen::Index>& train) -> Eigen::VectorXd {
    return T * fit_scales(rows(T, train), y(train)).scale;
  };
  const auto group_scale_fit = [&](const std::vector<Eigen::Index>& train) {
    return fit_groups(rows(H, train), y(train), Eigen::VectorXd::Zero(static_cast<Eigen::Index>(train.size())), Ridge::towards_common);
  };
  const Model group_model = [&](const std::vector<Eigen::Index>& train) -> Eigen::VectorXd {
    return H * group_scale_fit(train).theta.array().exp().matrix();
  };
  const Model macs_model = [&](const std::vector<Eigen::Index>& train) -> Eigen::VectorXd {
    // Least squares on relative errors: k = Σ m/y ÷ Σ (m/y)².
    const Eigen::VectorXd r = macs(train).array() / y(train).array();
    return macs * (r.sum() / r.squaredNorm());
  };
  Calibration out;
  out.held_out = {held_out("hardware_transfer", transfer_model, y, family), held_out("uniform_scale", uniform_model, y, family),
                  held_out("group_scale", group_model, y, family), held_out("macs_only", macs_model, y, family)};
  const bool by_family = !out.held_out[0].lofo_us.empty();
  const char* scheme = by_family ? "lofo" : "lomo";
  auto mape = [&](const HeldOutScores& s) { return s.figures[scheme]["mape"].get<double>(); };
  // Ties (within rounding) go to the earlier of transfer, uniform scale, group scale.
  size_t chosen = 0;
  for (size_t m : {size_t{1}, size_t{2}})
    if (mape(out.held_out[m]) < mape(out.held_out[chosen]) - 1e-9) chosen = m;
  out.chosen = out.held_out[chosen].method;

  Eigen::VectorXd fitted;  // the chosen model fitted on every point, once
  Predictor& d = out.device;
  Json class_scales = nullptr;
  if (chosen == 0) {
    d = transfer;
    const TransferFit f = fit_transfer(G_by_exponent, ops, y);
    fitted = transfer_predict(f);
    for (size_t g = 0; g < op_group_count; ++g) d.calibrated->group_factor[g] = std::exp(f.theta(static_cast<Eigen::Index>(g)));
    d.calibrated->efficiency_exponent = efficiency_exponents[f.exponent];
    d.calibrated->dispatch_us_per_op = f.dispatch_us_per_op;
  } else if (chosen == 2) {
    d = host;
    const Eigen::VectorXd theta = group_scale_fit(all_rows(y.size())).theta;
    fitted = H * theta.array().exp().matrix();
    d.calibrated = transfer.calibrated;
    d.calibrated->method = "group_scale";
    for (size_t g = 0; g < op_group_count; ++g) d.calibrated->group_factor[g] = std::exp(theta(static_cast<Eigen::Index>(g)));
  } else {
    d = host;
    const Fit f = fit_scales(T, y);
    fitted = T * f.scale;
    class_scales = Json::object();
    for (size_t c = 0; c < op_class_count; ++c) {
      if (d.classes[c]) d.classes[c]->scale *= f.scale(static_cast<Eigen::Index>(c));
      class_scales[std::string(to_string(static_cast<OpClass>(c)))] = f.scale(static_cast<Eigen::Index>(c));
    }
    for (auto& [t, us] : d.network_overhead_us) us *= f.common;
    d.calibrated = transfer.calibrated;
    d.calibrated->method = "uniform_scale";
    d.calibrated->efficiency_exponent = 1;  // unused by uniform_scale
    d.calibrated->dispatch_us_per_op = 0;
  }
  d.device = hardware.device;
  // What the predictions describe: the published runtime on that hardware (e.g. "... on Raspberry Pi 5 ...").
  d.runtime = hardware.runtime + " on " + hardware.description + ", published latencies";
  out.fitted_us.assign(fitted.data(), fitted.data() + fitted.size());

  const std::vector<double>& held = by_family ? out.held_out[chosen].lofo_us : out.held_out[chosen].lomo_us;
  Calibrated& c = *d.calibrated;
  c.rebuild = rebuild;
  std::vector<std::string> group = family;
  if (!by_family)
    for (size_t i = 0; i < points.size(); ++i) group[i] = points[i].model;
  set_interval(c, held, y, group, by_family, out.chosen);
  Json methods = Json::object();
  for (const auto& s : out.held_out) methods[s.method] = s.figures;
  std::map<std::string, int> per_family;
  for (const auto& f : family) ++per_family[f];
  c.held_out = {{"methods", methods},
                {"chosen", out.chosen},
                {"chosen_by", std::string("lower ") + (by_family ? "leave-one-family-out" : "leave-one-model-out (one family only)") +
                                  " MAPE of hardware_transfer, group_scale and uniform_scale; macs_only is the floor"},
                {"families", per_family},
                {"family_rule", "the CSV's family column; a parenthesised variant (\"FasterNet (ablation)\") is its family (\"FasterNet\")"},
                {"points", points.size()}};
  d.provenance = calibration_provenance(host, hardware, source, published_rows(points, family, out, held), class_scales);
  return out;
}

Json accuracy_scores(const std::vector<double>& predicted, const std::vector<double>& actual) {
  if (predicted.size() != actual.size() || actual.empty()) throw std::logic_error("accuracy_scores: one prediction per actual latency");
  double ape = 0, within5 = 0, within10 = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double e = std::abs(predicted[i] - actual[i]) / actual[i];
    ape += e;
    within5 += e <= 0.05;
    within10 += e <= 0.10;
  }
  const double n = static_cast<double>(actual.size());
  return {{"mape", ape / n}, {"within_5pct", within5 / n}, {"within_10pct", within10 / n},
          {"spearman", profiler::spearman(predicted, actual)}};
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

std::vector<std::array<double, 2>> held_out_error_bounds(const std::vector<double>& error, const std::vector<std::string>& group) {
  if (error.size() != group.size()) throw std::logic_error("held_out_error_bounds: one group per error");
  const double lo_q = (1 - interval_level) / 2, hi_q = 1 - lo_q;
  std::vector<std::array<double, 2>> out(error.size());
  for (size_t i = 0; i < error.size(); ++i) {
    std::vector<double> others;
    for (size_t k = 0; k < error.size(); ++k)
      if (group[k] != group[i]) others.push_back(error[k]);
    if (others.empty()) throw std::logic_error("held_out_error_bounds: one group only, nothing to hold it out against");
    out[i] = {quantile(others, lo_q), quantile(others, hi_q)};
  }
  return out;
}

std::vector<PublishedPoint> read_published(const std::string& path, const std::string& column) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto rows = parse_csv(text);
  if (rows.empty()) throw InputError(path + ": empty CSV");
  const auto& header = rows[0];
  auto col = [&](const std::string& name) -> size_t {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw InputError(path + ": header = \"" + name + "\": no such column");
  };
  const size_t model = col("model"), value = col(column.empty() ? "latency_ms" : column);
  std::vector<PublishedPoint> points;
  std::vector<std::pair<std::string, int>> seen;  // zoo name, rank of the row used (0 = reported)
  const size_t kind = column.empty() ? SIZE_MAX : col("value_kind");
  size_t family_col = SIZE_MAX, source_col = SIZE_MAX;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "family") family_col = i;
    if (header[i] == "source") source_col = i;
  }
  if (!column.empty() && family_col == SIZE_MAX) col("family");  // the published-figures format always has it
  auto family_of = [&](const std::vector<std::string>& row) {
    if (family_col == SIZE_MAX) return std::string();
    const std::string& f = row[family_col];
    const size_t paren = f.find(" (");
    return paren == std::string::npos ? f : f.substr(0, paren);
  };
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != header.size())
      throw InputError(path + ": row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) + " fields, header has " + std::to_string(header.size()));
    if (row[value].empty()) continue;
    double ms = 0;
    try {
      size_t used = 0;
      ms = std::stod(row[value], &used);
      if (used != row[value].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw InputError(path + ": row " + std::to_string(r + 1) + "." + header[value] + " = \"" + row[value] + "\": not a number");
    }
    if (!(ms > 0) || !std::isfinite(ms))
      throw InputError(path + ": row " + std::to_string(r + 1) + "." + header[value] + " = " + row[value] + ": must be positive");
    std::string name;
    if (find_zoo(row[model])) name = row[model];
    for (const auto& e : zoo())
      if (name.empty() && e.published_as(row[model], source_col == SIZE_MAX ? std::string() : row[source_col])) name = e.name;
    if (name.empty()) {
      if (column.empty()) throw InputError(path + ": row " + std::to_string(r + 1) + ".model = \"" + row[model] + "\": not a zoo model");
      continue;  // the published file covers many models the zoo does not build
    }
    const int rank = kind != SIZE_MAX && row[kind] == "reported" ? 0 : 1;
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == name; });
    if (it != seen.end()) {
      // A plain file is the user's own list: two figures for one model is a mistake, not a choice.
      if (column.empty())
        throw InputError(path + ": row " + std::to_string(r + 1) + ".model = \"" + row[model] + "\": duplicate model");
      if (rank >= it->second) continue;  // keep the reported figure over a digitised one
      const size_t idx = static_cast<size_t>(it - seen.begin());
      points[idx].latency_ms = ms;
      it->second = rank;
      continue;
    }
    seen.emplace_back(name, rank);
    points.push_back({name, ms, family_of(row)});
  }
  return points;
}

}  // namespace cpx::predictor

// The group fits (group_fit.hpp).
#include "predictor/group_fit.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "space/error.hpp"

namespace cpx::predictor {

namespace {

// Ridge in log space: a group factor of 2 costs as much as a 7% RMS log error on every point (chosen before
// looking at any held-out figure).
constexpr double group_ridge = 0.01;

}  // namespace

Eigen::VectorXd published_us(const std::vector<PublishedPoint>& points, const std::string& source) {
  Eigen::VectorXd y(static_cast<Eigen::Index>(points.size()));
  for (size_t i = 0; i < points.size(); ++i) {
    if (!(points[i].latency_ms > 0) || !std::isfinite(points[i].latency_ms))
      throw InputError(source + ": " + points[i].model + " latency_ms = " + std::to_string(points[i].latency_ms) +
                       ": must be positive");
    y(static_cast<Eigen::Index>(i)) = points[i].latency_ms * 1e3;
  }
  return y;
}

Eigen::MatrixXd group_times(const Predictor& transfer, const std::vector<PublishedPoint>& points) {
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(points.size()), op_group_count);
  for (size_t i = 0; i < points.size(); ++i) {
    const NetworkPrediction p = predict(transfer, points[i].net, transfer.calibrated->hardware.threads);
    for (const auto& op : p.ops) {
      G(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(op_group(op.op_class))) +=
          op.latency_us - op.activation_us;
      G(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(OpGroup::elementwise)) += op.activation_us;
    }
  }
  return G;
}

Eigen::MatrixXd group_sums(const Eigen::MatrixXd& T) {
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(T.rows(), op_group_count);
  for (size_t c = 0; c < op_class_count; ++c)
    G.col(static_cast<Eigen::Index>(op_group(static_cast<OpClass>(c)))) += T.col(static_cast<Eigen::Index>(c));
  return G;
}

GroupPenalty towards_one() {
  return {group_ridge * Eigen::MatrixXd::Identity(op_group_count, op_group_count),
          Eigen::VectorXd::Zero(op_group_count), false};
}

GroupPenalty towards_common() {
  Eigen::MatrixXd P = Eigen::MatrixXd::Identity(op_group_count, op_group_count);
  P.array() -= 1.0 / static_cast<double>(op_group_count);
  return {group_ridge * P, Eigen::VectorXd::Zero(op_group_count), true};
}

// The prior's weight on a group is s² / (n σ²): s² the residual variance of a group-scaled host model on a
// device (the sources' own), σ the group's spread across the sources, n the points being fitted; so n
// points count as much as the sources' agreement does, and the prior gives way as n grows. A group the
// sources say nothing of keeps group_scale's ridge.
GroupPenalty towards_prior(const GroupPrior& prior, size_t points) {
  Eigen::VectorXd w(op_group_count), target = Eigen::VectorXd::Zero(op_group_count);
  for (size_t g = 0; g < op_group_count; ++g) {
    const auto k = static_cast<Eigen::Index>(g);
    const double sigma = prior.spread[g];
    w(k) = sigma > 0 ? prior.residual_variance / (static_cast<double>(points) * sigma * sigma) : group_ridge;
    if (sigma > 0) target(k) = prior.deviation[g];
  }
  const Eigen::MatrixXd P = Eigen::MatrixXd(w.asDiagonal()) - w * w.transpose() / w.sum();
  return {P, target, true};
}

GroupFit fit_groups(const Eigen::MatrixXd& G, const Eigen::VectorXd& y, const Eigen::VectorXd& offset,
                    const GroupPenalty& penalty) {
  const Eigen::Index n = G.rows(), K = G.cols();
  const Eigen::MatrixXd& P = penalty.P;
  const Eigen::VectorXd& t = penalty.target;
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(K);
  if (penalty.free_common) {  // start at the least-squares common factor, so the first steps are not huge
    const Eigen::VectorXd total = G.rowwise().sum();
    const double k =
        (y.array() - offset.array()).cwiseMax(0).matrix().dot(total) / std::max(total.squaredNorm(), 1e-300);
    if (k > 0) theta.setConstant(std::log(k));
  }
  auto objective = [&](const Eigen::VectorXd& th) {
    const Eigen::VectorXd p = G * th.array().exp().matrix() + offset;
    return (p.array().log() - y.array().log()).square().sum() / static_cast<double>(n) + (th - t).dot(P * (th - t));
  };
  double f = objective(theta);
  for (int iter = 0; iter < 300; ++iter) {
    const Eigen::VectorXd e = theta.array().exp();
    const Eigen::VectorXd p = G * e + offset;
    const Eigen::VectorXd r = p.array().log() - y.array().log();
    Eigen::MatrixXd J = G;
    for (Eigen::Index i = 0; i < n; ++i) J.row(i) = (G.row(i).array() * e.transpose().array() / p(i)).matrix();
    const Eigen::VectorXd grad = J.transpose() * r / static_cast<double>(n) + P * (theta - t);
    const Eigen::MatrixXd H = J.transpose() * J / static_cast<double>(n) + P + 1e-12 * Eigen::MatrixXd::Identity(K, K);
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

}  // namespace cpx::predictor

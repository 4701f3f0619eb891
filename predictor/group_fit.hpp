// The group fits that calibrate's group_scale, group_prior and hardware_transfer share (and the prior
// across devices, group_prior, fits with): each network's device time per op group, and log group factors
// fitted to whole-network latencies under a penalty. Internal to the predictor library: it exposes Eigen.
#pragma once

#include <Eigen/Dense>
#include <string>
#include <vector>

#include "predictor/calibration.hpp"

namespace cpx::predictor {

// Published latency of each point in microseconds; fails naming `source` and the model for one not positive.
Eigen::VectorXd published_us(const std::vector<PublishedPoint>& points, const std::string& source);
// Per-group device times of `transfer` at factor 1 (rows: points, columns: OpGroup).
Eigen::MatrixXd group_times(const Predictor& transfer, const std::vector<PublishedPoint>& points);
// Per-group sums of per-class times T (rows: points, columns: OpGroup).
Eigen::MatrixXd group_sums(const Eigen::MatrixXd& T);

// Where the penalty pulls the log factors θ: (θ − target)ᵀ P (θ − target) is added to the mean squared log
// error. towards_one (the transfer's factors, 1 where the device keeps the host's efficiency): P = λI, target
// 0. towards_common (the group scale's, whose common level, 20 to 30 for an A72 against this host, is free):
// P = λ(I − 11ᵀ/K), only the groups' deviations from it are penalised, and a group without time in the
// training points gets the common factor. A prior (group_prior): P = W − wwᵀ/Σw with W = diag(w), the
// deviations from the weighted common level pulled towards the prior's.
struct GroupPenalty {
  Eigen::MatrixXd P;
  Eigen::VectorXd target;
  bool free_common = false;  // P leaves the common level free: start at the least-squares common factor
};

GroupPenalty towards_one();
GroupPenalty towards_common();
// The prior's weight on a group is s² / (n σ²) (group_fit.cpp), so that the prior gives way as the points grow.
GroupPenalty towards_prior(const GroupPrior& prior, size_t points);

struct GroupFit {
  Eigen::VectorXd theta;  // log factors
  double objective = 0;
};

// log factors θ minimising mean_i (log(Σ_k e^θk G_ik + offset_i) − log y_i)² + (θ − t)ᵀP(θ − t), by
// damped Gauss-Newton.
GroupFit fit_groups(const Eigen::MatrixXd& G, const Eigen::VectorXd& y, const Eigen::VectorXd& offset,
                    const GroupPenalty& penalty);

}  // namespace cpx::predictor

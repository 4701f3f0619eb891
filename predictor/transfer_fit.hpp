// hardware_transfer's fitting pieces (predictor/calibrate.cpp), for the zero-shot prior
// (predictor/zero_shot.hpp), which fits the same model on other devices' points at one exponent and
// dispatch time shared by all of them. Internal to the predictor library: it exposes Eigen.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "predictor/calibration.hpp"

namespace cpx::predictor {

// The grids the transfer's efficiency exponent and per-op dispatch time are searched on.
std::vector<double> transfer_exponents();
std::vector<double> transfer_dispatch_grid_us();

// A hardware_transfer device on `hardware` at unit group factors, exponent 1 and no dispatch time.
Predictor transfer_device(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware);

// Per exponent of transfer_exponents(): each point's device time per op group at unit factors (rows: points).
std::vector<Eigen::MatrixXd> transfer_group_times(const Predictor& host, const Ceilings& host_ceilings,
                                                  const Hardware& hardware, const std::vector<PublishedPoint>& points);
// Each point's op count as predict() prices the device's ops (the dispatch time's multiplier).
Eigen::VectorXd transfer_op_counts(const std::vector<PublishedPoint>& points, bool runtime_fuses_relu);

// The transfer's log group factors on G (offset: the dispatch time per point), ridge towards 1, and the
// mean squared log error plus penalty they reach.
struct TransferGroupFit {
  Eigen::VectorXd theta;
  double objective = 0;
};
TransferGroupFit fit_transfer_groups(const Eigen::MatrixXd& G, const Eigen::VectorXd& y, const Eigen::VectorXd& offset);

}  // namespace cpx::predictor

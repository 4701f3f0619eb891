// How a calibration sizes its interval (predictor/interval.hpp's methods on the chosen model's held-out
// errors) and what widens it: calibrate's own part, apart so that calibrate.cpp stays one job.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "predictor/calibrate_held_out.hpp"
#include "predictor/calibration.hpp"

namespace cpx::predictor {

// Sets c's interval (its errors, the seen family's and how they were sized) by `interval`'s method from the chosen
// model's held-out predictions `held` (by `group`: families when by_family) and leave-one-model-out ones
// `lomo`, and how work the calibration networks barely exercised widens it (kind_share and kind_spread, or
// the factor F). shares: each point's host-predicted time by kind of work, as shares of its total.
void size_interval(Calibrated& c, const std::vector<std::map<OpKind, double>>& shares, const std::vector<double>& held,
                   const Eigen::VectorXd& y, const std::vector<std::string>& group, bool by_family,
                   const std::string& chosen, const std::vector<double>& lomo, const std::vector<std::string>& models,
                   const IntervalOptions& interval);

// The bounds `interval`'s method gives each point, its group held out (what the device's coverage is
// checked with): the percentiles of the other groups' errors, or the pooled Student-t interval sized
// without the group, the pool's prior that of interval.evidence.
ErrorBounds interval_error_bounds(const IntervalOptions& interval);

// Each calibration point's bounds on its relative error (predicted / actual - 1), its group held out as
// the device's interval method holds a family out (the job's accuracy chart; the file's coverage figure).
std::vector<std::array<double, 2>> held_out_bounds(const Calibrated& c, const std::vector<double>& error,
                                                   const std::vector<std::string>& group);

}  // namespace cpx::predictor

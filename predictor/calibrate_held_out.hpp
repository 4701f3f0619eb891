// The device file's held-out record (predictor/calibration_held_out.hpp) from a calibration's held-out
// predictions: calibrate's own part, apart so that calibrate.cpp stays one job.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "predictor/calibration.hpp"

namespace cpx::predictor {

// Each point's bounds on its relative error from the interval sized without its group: the device's
// interval method (interval_error_bounds, predictor/calibrate_interval.hpp).
using ErrorBounds = std::function<std::vector<std::array<double, 2>>(const std::vector<double>& error,
                                                                     const std::vector<std::string>& group)>;

// Held-out predictions `pred` against the published `y`, each point held out with its `group`: MAPE, the
// share within 10%, Spearman, and the coverage of the interval_level interval each point gets from
// `bounds` (the device's interval method, sized on the other groups' held-out errors): so that the chosen
// method's figure held out as the device's interval is (by family when there are families) is the
// device's own coverage (DeviceInterval::coverage), one definition, one number (issue 71).
HeldOutFigures held_out_figures(const std::vector<double>& pred, const Eigen::VectorXd& y,
                                const std::vector<std::string>& group, const ErrorBounds& bounds);

// The side-by-side table: every candidate's figures (out.held_out, by model and, with two families or more,
// by family), the choice (`forced` when calibrate was given the method) and how it was made, its nested
// score, the families and how sure so few points can make it. `held`: the chosen model's held-out
// predictions by `group` (families when by_family, else models); `bounds`: as held_out_figures takes them.
CalibrationHeldOut held_out_record(const Calibration& out, std::optional<CalibrationMethod> forced, MethodChoice choice,
                                   std::optional<NestedScore> nested, const std::vector<std::string>& models,
                                   const std::vector<std::string>& family, const std::vector<double>& held,
                                   const Eigen::VectorXd& y, const std::vector<std::string>& group,
                                   const ErrorBounds& bounds);

}  // namespace cpx::predictor

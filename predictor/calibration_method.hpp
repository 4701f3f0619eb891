// A calibrated device's method, as the program holds it. Its name, how it fits, what it writes into the
// device and how predict() prices its ops are one row of the table in predictor/calibrate.cpp
// (calibration_methods), whose order is the methods' order of complexity, simplest first; the functions
// below read that table, so the enum's own order means nothing but that of method_names. The names are what
// the CLI's --method, Python's calibration_candidates() and the device files' "method" say.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "space/names.hpp"

namespace cpx::predictor {

enum class CalibrationMethod {
  macs_only,
  host_scale,
  physical,
  group_prior,
  group_scale,
  hardware_transfer,
  uniform_scale
};

// How predict() prices each op of a device calibrated by a method.
enum class DevicePricing {
  linear,        // Calibrated::linear · (MACs, bytes, 1)
  group_scaled,  // the host time times its op group's factor
  transferred,   // the host's roofline efficiency carried to the device's ceilings, times its group's factor
  class_scaled,  // the host model, its classes' scales fitted (ClassModel::scale), the host's network overhead
};

inline constexpr Names<CalibrationMethod, 7> method_names{{{CalibrationMethod::macs_only, "macs_only"},
                                                           {CalibrationMethod::host_scale, "host_scale"},
                                                           {CalibrationMethod::physical, "physical"},
                                                           {CalibrationMethod::group_prior, "group_prior"},
                                                           {CalibrationMethod::group_scale, "group_scale"},
                                                           {CalibrationMethod::hardware_transfer, "hardware_transfer"},
                                                           {CalibrationMethod::uniform_scale, "uniform_scale"}}};
inline std::string_view to_string(CalibrationMethod m) { return method_names.name_of(m); }
DevicePricing pricing_of(CalibrationMethod m);
inline std::optional<CalibrationMethod> find_calibration_method(std::string_view name) {
  return method_names.find(name);
}
// find_calibration_method, or an InputError: `flag` = "name": not a calibration method (the names).
CalibrationMethod calibration_method_from(std::string_view name, std::string_view flag);
// Every method's name, simplest first.
std::vector<std::string> calibration_method_names();

// Whose timings a device is calibrated from: figures others published (a CSV read with --column), the user's
// own (a model,latency_ms CSV, with the runtime and threads they timed with), this project's (the same, timed
// on the project's machine for a shipped device, which must not call them the user's), or nobody's: a
// zero-shot device (predictor/zero_shot.hpp). What predict and the reports call the device's figures.
enum class TimedBy { published, user, project, zero_shot };
inline constexpr Names<TimedBy, 4> timed_by_names{{{TimedBy::published, "published"},
                                                   {TimedBy::user, "user"},
                                                   {TimedBy::project, "project"},
                                                   {TimedBy::zero_shot, "zero_shot"}}};
inline bool timed_by_someone(TimedBy t) { return t == TimedBy::user || t == TimedBy::project; }
inline std::string_view to_string(TimedBy t) { return timed_by_names.name_of(t); }
inline std::optional<TimedBy> find_timed_by(std::string_view name) { return timed_by_names.find(name); }

}  // namespace cpx::predictor

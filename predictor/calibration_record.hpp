// What a calibrated device file says of its interval, as structs: its "interval" (the errors a prediction
// is reported with and how they were sized) and its "uncalibrated" (how work the calibration networks
// barely ran widens a prediction). predictor/calibrate_interval.cpp fills them; to_json and the readers
// below are the device file's (predictor_json.cpp) and what `calibrate` prints reads their fields.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "predictor/interval.hpp"
#include "predictor/statistics.hpp"
#include "space/error.hpp"

namespace cpx::predictor {

// The relative errors (predicted / actual - 1) a device file's interval may hold: a prediction 100x too
// fast or 11x too slow is no interval but a calibration that failed (calibrate refuses to write it,
// predictor/calibrate_checks.hpp; the reader refuses it).
inline constexpr double device_error_min = -0.99, device_error_max = 10;

struct DeviceInterval {
  double level = interval_level;
  std::string method;  // how the errors were sized, in words
  // A prediction p is reported as [p / (1 + error_high), p / (1 + error_low)], error = predicted /
  // published - 1 on held-out points: for a network of a family the calibration never saw.
  double error_low = 0, error_high = 0;
  struct Coverage {
    double share = 0;  // of the calibration points inside the interval sized without their group
    std::string how;
  };
  Coverage coverage;
  IntervalMethod interval_method = IntervalMethod::percentile;
  // pooled_t: the numbers behind the pooled interval (LogInterval::how); its prior is what held_out_bounds
  // needs (the file holds its variance and weight, pooled_variance and prior_dof, and its pooled_devices).
  std::optional<PooledSizing> pooled;
  // pooled_t by family: the interval for a network of a family among the calibration's, from the chosen
  // model's leave-one-model-out errors, its own points only.
  struct SeenFamily {
    double error_low = 0, error_high = 0;
    std::string how;
  };
  std::optional<SeenFamily> seen_family;
};
Json to_json(const DeviceInterval& i);
DeviceInterval device_interval_from_json(const Json& j, const Where& where);

// Exactly one of `factor` (a share of the time uncertain by a factor F) and `spread` (each kind of work as
// uncertain as the other devices differ on it: the pooled method with shipped devices to compare).
struct UncalibratedSizing {
  std::string rule;
  struct Factor {
    int64_t cases = 0;                                           // held-out points with enough such work to size F on
    bool sized = false;                                          // fewer than 3 cases: F assumed
    std::optional<double> coverage_unwidened, coverage_widened;  // of the cases, when sized
  };
  std::optional<Factor> factor;
  struct Spread {
    std::vector<std::string> devices;                            // the devices compared
    std::map<OpKind, std::map<std::string, double>> deviations;  // per kind, per device: its log deviation
  };
  std::optional<Spread> spread;
};
// The factor form's JSON repeats F, as device files always have: F itself is the device's
// (Calibrated::uncalibrated_factor), passed in, and a file whose two copies differ is refused.
Json to_json(const UncalibratedSizing& u, double factor);
UncalibratedSizing uncalibrated_sizing_from_json(const Json& j, const Where& where, double factor);

}  // namespace cpx::predictor

// What the main job knows of a device's latencies besides its predictor (the calibration's published points
// and their held-out predictions, the host profile's measured zoo), and the predictor's accuracy scored on
// them for results.json's `predictor_accuracy`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "predictor/devices.hpp"
#include "profiler/profile/profile.hpp"
#include "space/results.hpp"

namespace cpx::explorer {

// A published point of a calibrated device with the prediction the calibration made with it held out, and
// the interval a user who never saw it would have got (from the other points' held-out errors).
struct HeldOutPoint {
  std::string family;
  double actual_us = 0, predicted_us = 0, low_us = 0, high_us = 0;
};

// Latencies of zoo models on the device that do not come from its predictor.
struct KnownLatencies {
  std::map<std::string, double> published_us;    // calibrated devices list the points they rest on
  std::map<std::string, HeldOutPoint> held_out;  // by model, for those same points
  bool by_family = false;                        // held_out is leave-one-family-out (else leave-one-model-out)
  std::map<std::string, double> measured_us;     // host profile's zoo section, never used in fitting
};

// The device's known latencies at `threads`; `profile` is the host's measured profile, or null.
KnownLatencies known_latencies(const predictor::Predictor& pred, const profiler::Profile* profile, int64_t threads);

// Predictor accuracy: on the host (`host`) against the zoo models measured here whose families the fit
// never saw, on a calibrated device against the calibration's held-out predictions. Appends to `missing`
// what it cannot give.
std::optional<results::PredictorAccuracy> predictor_accuracy(const predictor::Predictor& pred,
                                                             const std::string& device, bool host,
                                                             const std::vector<results::ZooRow>& zoo_rows,
                                                             const KnownLatencies& known,
                                                             std::vector<std::string>& missing);

}  // namespace cpx::explorer

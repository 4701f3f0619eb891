// Devices you do not own: the host-shaped predictor scaled per operator class to fit published
// whole-network latencies. Latency(net) ≈ Σ_c s_c · T_c(net), T_c = the host model's time for the ops
// of class c; the s_c are non-negative and regularised towards one common factor, because a handful of
// published points cannot pin down thirteen classes.
#pragma once

#include "predictor/predictor.hpp"

namespace cpx::predictor {

struct PublishedPoint {
  std::string model;  // zoo name
  double latency_ms = 0;
};

struct Calibration {
  Predictor device;
  double common_factor = 0;
  double loo_mape = 0;       // leave-one-model-out, over the points
  std::vector<double> loo_errors;  // per point, relative
};

// `host` predicts 1-thread host times; `runtime` says what the published figures describe.
Calibration calibrate(const Predictor& host, const std::string& device, const std::string& runtime,
                      const std::vector<PublishedPoint>& points, const std::string& source);

}  // namespace cpx::predictor

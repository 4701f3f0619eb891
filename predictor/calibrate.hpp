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

// Published whole-network latencies from a CSV: either the project's published-figures format (columns
// "model" and `column`, model names as the sources write them; rows of models the zoo does not build are
// skipped, a reported figure wins over a digitised one) or, with an empty `column`, a plain
// "model,latency_ms" file with zoo names.
std::vector<PublishedPoint> read_published(const std::string& path, const std::string& column);

// `host` predicts 1-thread host times; `runtime` says what the published figures describe.
Calibration calibrate(const Predictor& host, const std::string& device, const std::string& runtime,
                      const std::vector<PublishedPoint>& points, const std::string& source);

}  // namespace cpx::predictor

// What a calibration takes (the published points, the other devices a prior learns from) and what it gives
// (Calibration): the types calibrate.hpp's functions and its parts (calibrate_checks, calibrate_held_out,
// calibrate_interval) share, below all of them so that none of those parts includes calibrate.hpp.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "predictor/predictor.hpp"

namespace cpx::predictor {

struct PublishedPoint {
  std::string model;  // zoo name, or the network file as the CSV names it
  double latency_ms = 0;
  std::string family;   // held out together; "" = the model is its own family
  Network net;          // what was timed
  int64_t threads = 0;  // the CSV's threads column; 0 = not given (the hardware description's)
  std::string at;       // where the figure is in its CSV, e.g. "row 5.latency_ms"; "" = not from a CSV
};

// Another device's whole-network latencies, for group_prior: its hardware (threads, runtime lowering) and
// its published points (zoo networks).
struct PriorSource {
  std::string device;
  Hardware hardware;
  std::vector<PublishedPoint> points;
};

// What other devices say about op groups on CPUs, relative to the host model being calibrated against: each
// source's group_scale fit on its own points, each group's log factor less the source's common level (the
// mean over the groups every source exercises). A group counts for a source when it holds at least
// prior_min_share of the source's host time; deviation and spread need prior_min_sources sources.
struct GroupPrior {
  std::array<double, op_group_count> deviation{};  // mean over the sources (log)
  std::array<double, op_group_count> spread{};     // their standard deviation (log); 0 = no prior for the group
  double residual_variance = 0;  // the sources' own fits: mean squared log residual, pooled over their points
  std::vector<std::string> devices;
  size_t points_unpriced = 0;  // the sources' networks left out: the host model has no model for a class they need
};
inline constexpr double prior_min_share = 0.01;
inline constexpr size_t prior_min_sources = 3, prior_min_points = 8;

// One model's held-out predictions, per point (their figures are the device's held_out record,
// Calibrated::held_out). Leave-one-family-out is empty when the points come from fewer than two families.
struct HeldOutPredictions {
  std::vector<double> lomo_us, lofo_us;  // leave-one-model-out, leave-one-family-out predictions
};
struct HeldOutScores : HeldOutPredictions {
  CalibrationMethod method = CalibrationMethod::macs_only;
};

struct Calibration {
  Predictor device;
  std::vector<HeldOutScores> held_out;  // one per method, simplest first (calibration_method_names' order)
  CalibrationMethod chosen = CalibrationMethod::macs_only;
  HeldOutPredictions
      nested;  // the choice itself held out (lofo_us; lomo_us when there is one family); empty when forced
  std::vector<double> fitted_us;  // the chosen model on all points
};

}  // namespace cpx::predictor

// Held-out scoring shared by fit, calibrate, validate and the job: accuracy figures, quantiles and the
// interval level.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "space/error.hpp"

namespace cpx::predictor {

// Predictions against actual latencies: MAPE (a fraction), the shares within ±5% and ±10%, and Spearman.
// The one scoring of calibrate's held-out table, validate and the job's accuracy figures; its JSON (to_json,
// the only writer) has the fields' names, in this order.
struct Accuracy {
  double mape = 0, within_5pct = 0, within_10pct = 0, spearman = 0;
};
Accuracy accuracy_of(const std::vector<double>& predicted, const std::vector<double>& actual);
Json to_json(const Accuracy& a);
// to_json(accuracy_of(...)), for the writers that put the figures straight into a document.
inline Json accuracy_scores(const std::vector<double>& predicted, const std::vector<double>& actual) {
  return to_json(accuracy_of(predicted, actual));
}

// The level of every interval: a calibrated device's, and a host model's (Predictor::interval).
inline constexpr double interval_level = 0.8;
// The q-quantile of v (0 <= q <= 1, v not empty), linear between order statistics.
double quantile(std::vector<double> v, double q);

// Each point's relative-error bounds (predicted / actual - 1) as a user who never saw its group would get
// them: the lower and upper (1 - interval_level) / 2 quantiles of the other groups' held-out errors. A group
// is a family (leave-one-family-out) or a model (leave-one-model-out); at least two groups are needed.
std::vector<std::array<double, 2>> held_out_error_bounds(const std::vector<double>& error,
                                                         const std::vector<std::string>& group);

}  // namespace cpx::predictor

// Devices you do not own, calibrated from published whole-network latencies. Four models, scored side
// by side on held-out points, each pricing the network the device's runtime runs (an eager runtime's ReLU
// is a pass of its own: Hardware::runtime_fuses_relu):
//  - hardware_transfer: each op's host roofline efficiency (host roofline time / host predicted time, in
//    (0, 1]), raised to a fitted exponent, carried to the device's ceilings from its hardware description,
//    then one factor per op group (see OpGroup), ridge towards 1 in log space, plus a fitted dispatch time
//    per op (Calibrated::efficiency_exponent, dispatch_us_per_op), all fitted on the published points;
//  - uniform_scale (the baseline): the host model scaled per operator class, Latency(net) ≈ Σ_c s_c·T_c(net),
//    non-negative, regularised towards one common factor;
//  - group_scale: the host model scaled per op group, log factors regularised towards their common one.
//    Where a runtime's depthwise convs or activation passes lose far more against this host than its
//    GEMMs do (FasterNet's PyTorch columns), the group factors say so; the transfer's ridge towards 1 and
//    the per-class uniform scale's stronger pull (14 classes on 18-21 points) keep them near one factor;
//  - macs_only (the floor): latency = MACs ÷ one fitted MACpS.
// The device predicts with whichever of the first three has the lower leave-one-family-out MAPE (held-out,
// never in-sample), and carries an interval from that model's held-out errors.
#pragma once

#include <array>

#include "predictor/predictor.hpp"

namespace cpx::predictor {

struct PublishedPoint {
  std::string model;  // zoo name
  double latency_ms = 0;
  std::string family;  // held out together; "" = the model is its own family
};

// One model's held-out predictions, per point, and their figures. Leave-one-family-out is empty when the
// points come from fewer than two families.
struct HeldOutScores {
  std::string method;
  std::vector<double> lomo_us, lofo_us;  // leave-one-model-out, leave-one-family-out predictions
  Json figures;  // {lomo: {mape, within_10pct, spearman}, lofo: {...} or null}
};

struct Calibration {
  Predictor device;
  std::vector<HeldOutScores> held_out;  // hardware_transfer, uniform_scale, group_scale, macs_only
  std::string chosen;
  std::vector<double> fitted_us;  // the chosen model on all points
};

// Published whole-network latencies from a CSV: either the project's published-figures format (columns
// "model", "family" and `column`, model names as the sources write them; rows of models the zoo does not
// build are skipped, a reported figure wins over a digitised one) or, with an empty `column`, a plain
// "model,latency_ms" file with zoo names (and an optional "family" column). A family's parenthesised
// variant ("FasterNet (ablation)") is the same family ("FasterNet"): the same blocks, other widths.
std::vector<PublishedPoint> read_published(const std::string& path, const std::string& column);

// `host` is the host model, `host_ceilings` its probed peak and bandwidth at 1 thread (the thread count the
// host model is evaluated at for every device: the device's ceilings cover the threads its runtime used).
// `rebuild` is the command that rebuilds the device file (stored in it).
Calibration calibrate(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware,
                      const std::vector<PublishedPoint>& points, const std::string& source, const std::string& rebuild);

// Predictions against actual latencies: MAPE (a fraction), the shares within ±5% and ±10%, and Spearman.
// The one scoring of calibrate's held-out table, validate and the job's accuracy figures.
Json accuracy_scores(const std::vector<double>& predicted, const std::vector<double>& actual);

// The level of every interval: a calibrated device's, and a host model's (Predictor::interval).
inline constexpr double interval_level = 0.8;
// The q-quantile of v (0 <= q <= 1, v not empty), linear between order statistics.
double quantile(std::vector<double> v, double q);

// Each point's relative-error bounds (predicted / actual - 1) as a user who never saw its group would get
// them: the lower and upper (1 - interval_level) / 2 quantiles of the other groups' held-out errors. A group
// is a family (leave-one-family-out) or a model (leave-one-model-out); at least two groups are needed.
std::vector<std::array<double, 2>> held_out_error_bounds(const std::vector<double>& error, const std::vector<std::string>& group);

}  // namespace cpx::predictor

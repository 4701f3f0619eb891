// Devices you do not own, calibrated from whole-network latencies: published figures, or the user's own
// networks timed on the device. Seven candidate models, each pricing the network the device's runtime runs
// (an eager runtime's ReLU is a pass of its own: Hardware::runtime_fuses_relu), from simplest to richest
// (each is a row of calibrate.cpp's calibration_methods, in this order; predictor/calibration_method.hpp):
//  - macs_only (the floor): latency = MACs ÷ one fitted MACpS;
//  - host_scale: the host model's time of the whole network times one fitted factor;
//  - physical: MACs at one MACpS + bytes at one bandwidth + a time per op (three non-negative numbers);
//  - group_prior: group_scale's model, each group's log factor pulled towards where the other devices put it
//    relative to their common factor, as strongly as those devices agree and as weakly as this device's
//    points are many (GroupPrior): from few networks the devices' shared shape, from many the device's own;
//  - group_scale: the host model scaled per op group, log factors regularised towards their common one;
//  - hardware_transfer: each op's host roofline efficiency (host roofline time / host predicted time, in
//    (0, 1]), raised to a fitted exponent, carried to the device's ceilings from its hardware description,
//    then one factor per op group (see OpGroup), ridge towards 1 in log space, plus a fitted dispatch time
//    per op (Calibrated::efficiency_exponent, dispatch_us_per_op);
//  - uniform_scale: the host model scaled per operator class, non-negative, regularised towards one
//    common factor.
// Each is scored held out by model and by family. The device keeps the simplest candidate whose family-held-
// out error is within one standard error of the best (predictor/calibration_choice.hpp), and never one
// worse than MACs alone; the choice itself is scored nested (each family predicted by the candidate chosen
// without it). The interval comes from the chosen model's held-out errors (pooled with the other devices'
// by default, predictor/interval.hpp), widened for a network whose time lies in kinds of work the
// calibration networks barely exercised (predictor/op_kinds.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "predictor/calibration.hpp"
#include "predictor/interval.hpp"
#include "predictor/statistics.hpp"

namespace cpx::predictor {

// Whole-network latencies from a CSV: either the project's published-figures format (columns "model",
// "family" and `column`, model names as the sources write them; rows of models the zoo does not build are
// skipped, a reported figure wins over a digitised one) or, with an empty `column`, the user's own
// "model,latency_ms" file (the model column may be called "network"): model = a zoo name or a network file (network or
// macro JSON, or .onnx; relative paths resolve against the CSV's folder), optional "family" and "threads" columns (one
// thread count for every row). A family's parenthesised variant ("FasterNet (ablation)") is the same family
// ("FasterNet"): the same blocks, other widths. Bad rows are InputErrors naming the row and field.
std::vector<PublishedPoint> read_published(const std::string& path, const std::string& column);

// `host` is the host model, `host_ceilings` its probed peak and bandwidth at 1 thread (the thread count the
// host model is evaluated at for every device: the device's ceilings cover the threads its runtime used).
// `rebuild` is the command that rebuilds the device file (stored in it). `method`: the method to use
// instead of choosing (every candidate is still scored); none = choose.
// `interval`: how the interval is sized, and what the other devices say (calibrate_device gathers it from
// the shipped devices, leaving out the one of this device's name). `prior`: the other devices whose points
// group_prior learns from (calibrate_device: the shipped ones, the same one left out); none: group_prior is
// group_scale.
Calibration calibrate(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware,
                      const std::vector<PublishedPoint>& points, const std::string& source, const std::string& rebuild,
                      std::optional<CalibrationMethod> method = std::nullopt, const IntervalOptions& interval = {},
                      const std::vector<PriorSource>& prior = {});

// The prior group_prior pulls towards, from `sources` priced by `host` (each at its own hardware).
GroupPrior group_prior(const Predictor& host, const std::vector<PriorSource>& sources);

}  // namespace cpx::predictor

// What a calibration's networks exercise, and how much of a prediction rests on work they did not. A device
// calibrated from a dozen whole-network latencies knows only the kinds of work those networks spend their
// time in: a network that spends its time elsewhere (7x7 depthwise convs, GELU, attention on a device
// calibrated on plain CNNs) is predicted from the host's relative costs, transferred, and deserves a wider
// interval that says so.
//
// Kinds are finer than the predictor's op classes where devices differ: depthwise convs by kernel size,
// each transcendental activation on its own (an unfused activation of a conv is a pass of that kind), norms,
// attention, pooling. Shares are of the host model's predicted time (the one model every method carries),
// so they do not depend on which method a device uses.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "space/network.hpp"

namespace cpx::predictor {

// The kind of op i's own work, e.g. "depthwise 7x7", "dense conv 3x3", "gelu", "attention".
std::string op_kind(const Network& net, size_t op);
// The kind of the activation pass op i applies to its output ("gelu", "relu", ...; "none" if it has none).
std::string activation_kind(const Network& net, size_t op);

// A calibration's kinds: each kind's mean share of its networks' predicted time (every network weighs the
// same). A kind below calibrated_kind_share is one the calibration barely exercised.
inline constexpr double calibrated_kind_share = 0.01;

// The share of `times` in kinds the calibration barely exercised, and those kinds by share (largest first).
struct Uncalibrated {
  double share = 0;
  std::vector<std::pair<std::string, double>> kinds;
};
Uncalibrated uncalibrated_work(const std::map<std::string, double>& times_us, const std::map<std::string, double>& kind_share);

}  // namespace cpx::predictor

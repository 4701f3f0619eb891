// The caveats of a prediction as lines of text, from the prediction itself, so that the text form and
// Python (a warnings.warn each) say everything `predict --json` says: `predict resnet50 --device pixel7pro`
// once printed an interval alone while only --json had "held out by model within the CPUBone family only".
#pragma once

#include <string>
#include <vector>

#include "predictor/predictor.hpp"

namespace cpx::predictor {

// One line per caveat of the prediction `pred` of network `model` (with `outside`, outside_profile of the
// same), in this order: the interval's warning; the share of the time in work the device's calibration
// networks barely exercised (uncalibrated, every one of its kinds, and whether and how much the interval
// was widened for it); the network's MACs outside the calibration networks' (outside_calibration_sizes);
// the ops outside the profiled ranges; the work a zoo network leaves out of its original
// (`unmodelled_work`, "" for none). Empty when it has none of them.
std::vector<std::string> prediction_notes(const NetworkPrediction& pred, const OutsideOps& outside,
                                          const std::string& model, const std::string& unmodelled_work = "");

}  // namespace cpx::predictor

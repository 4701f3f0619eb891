// The caveats of a prediction as lines of text, from its `predict --json` document, so that the text form
// and Python (a warnings.warn each) say everything the JSON says: `predict resnet50 --device pixel7pro` once
// printed an interval alone while only --json had "held out by model within the CPUBone family only".
#pragma once

#include <string>
#include <vector>

#include "space/error.hpp"

namespace cpx::predictor {

// One line per caveat of `prediction` (prediction_json's document, plus the CLI's unmodelled_work), in
// this order: the interval's warning; the share of the time in work the device's calibration networks
// barely exercised (uncalibrated_share, every one of uncalibrated_kinds, and whether and how much the
// interval was widened for it); the ops outside the profiled ranges (outside_profile); the work a zoo
// network leaves out of its original (unmodelled_work). Empty when it has none of them.
std::vector<std::string> prediction_notes(const Json& prediction);

}  // namespace cpx::predictor

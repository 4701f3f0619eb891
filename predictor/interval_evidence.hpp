// Gathering what calibrated devices say about intervals (predictor/interval.hpp) from their files.
#pragma once

#include <vector>

#include "predictor/interval.hpp"
#include "predictor/predictor.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

// Each calibrated device's held-out errors (its provenance's published points: held_out_ms against
// latency_ms, grouped by family) and each kind of work's spread across the devices on the `reference`
// networks: per device, log(Σ device time of the kind / Σ host time of the kind) less log(Σ device time /
// Σ host time), the host being the model the device carries; the spread is the median of its absolute
// value over the devices that price the kind (the typical device's deviation).
IntervalEvidence interval_evidence(const std::vector<Predictor>& devices,
                                   const std::vector<const ZooEntry*>& reference);

}  // namespace cpx::predictor

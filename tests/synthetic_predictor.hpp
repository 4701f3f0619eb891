// A host predictor whose every op of every class takes exactly `us` microseconds (theta = [log us, 0, ...]):
// tests of the model's mechanics and of calibration, whose answers are then known.
#pragma once

#include <cmath>

#include "predictor/predictor.hpp"

// The host ceilings the calibration tests give calibrate (peak MACpS, bandwidth bytes/s).
inline const cpx::predictor::Ceilings test_host{50e9, 20e9};

inline cpx::predictor::Predictor constant_predictor(double us) {
  using namespace cpx::predictor;
  Predictor p;
  p.device = "synthetic";
  for (size_t c = 0; c < op_class_count; ++c) {
    ClassModel m;
    m.theta[0] = std::log(us);
    m.lo.fill(-1e9);
    m.hi.fill(1e9);
    p.classes[c] = m;
  }
  p.network_overhead_us[1] = 5.0;
  return p;
}

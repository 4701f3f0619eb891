// What the XNNPACK snapshot the executor is built on (Debian 0.0~git20220216) can run natively, stated
// once for the executor (which routes around the gaps), the predictor (which models them as their own
// classes) and the tests. Header-only and without XNNPACK, so that code built without the executor can
// use it too.
#pragma once

#include <cstdint>

namespace cpx::profiler {

// f32 depthwise microkernels exist for these tap counts only (1: the per-channel multiply-add); other
// kernels (7x7, 1x5, 2x3, ...) the executor runs as its own loops.
inline bool xnnpack_has_depthwise_microkernel(int64_t taps) {
  return taps == 1 || taps == 3 || taps == 4 || taps == 9 || taps == 25;
}

}  // namespace cpx::profiler

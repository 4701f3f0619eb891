// What the XNNPACK snapshot the executor is built on (Debian 0.0~git20220216) can run natively, stated
// once for the executor (which routes around the gaps), the predictor (which models them as their own
// classes) and the tests. Header-only and without XNNPACK, so that code built without the executor can
// use it too.
#pragma once

#include <cstdint>

#include "space/ops/conv2d.hpp"

namespace cpx::profiler {

// f32 depthwise microkernels exist for these tap counts only (1: the per-channel multiply-add); other
// kernels (7x7, 1x5, 2x3, ...) the executor runs as its own loops.
inline bool xnnpack_has_depthwise_microkernel(int64_t taps) {
  return taps == 1 || taps == 3 || taps == 4 || taps == 9 || taps == 25;
}

// Whether a depthwise conv (one channel in and out per group) that XNNPACK has a microkernel for runs as
// the executor's loops all the same: 3x3 and 5x5, where the loops (four output pixels per step, inputs
// sliding between taps at stride 1) ran faster than XNNPACK's microkernels (MobileNetV3, docs/log/executor.md),
// and any followed by hardswish, which the loops fuse into their store, where XNNPACK's microkernels fuse
// only a clamp and its hardswish operator is a second pass over the whole output. Kept apart from
// runs_depthwise_loops, which the predictor's features read as "no XNNPACK microkernel".
inline bool runs_depthwise_loops_instead(int64_t in_per_group, int64_t out_per_group, int64_t taps, bool hardswish) {
  return in_per_group == 1 && out_per_group == 1 && (hardswish || taps == 9 || taps == 25);
}

// Whether the executor runs a conv with one input channel per group as its own depthwise loops: tap counts
// without an XNNPACK microkernel, and channel multipliers 2-8 at any tap count (XNNPACK's microkernels are
// for one output per input channel; it runs a multiplier as a grouped GEMM of that many columns, 3.4-12x
// slower than the loops on FastViT's 7x7 m = 2 downsampling convs at 2 threads). Larger multipliers are wide enough for
// the GEMM.
inline bool runs_depthwise_loops(int64_t in_per_group, int64_t out_per_group, int64_t taps) {
  if (in_per_group != 1) return false;
  if (out_per_group == 1) return !xnnpack_has_depthwise_microkernel(taps);
  return out_per_group <= 8;
}

// Whether the executor runs a grouped conv with few channels per group as its own loops (the depthwise
// loops, each output channel summing its group's inputs): the same number in and out per group, 2 or 4
// (a group never straddles a vector of 4, 8 or 16 lanes). XNNPACK runs these as a grouped GEMM of that many columns,
// several times slower than the loops. With 8 per group the loops (seven rotations per tap) fall below
// igemm on the profile's shapes, so 8 stays where it was (docs/log/executor.md, Executor kernel figures).
inline bool runs_grouped_loops(int64_t in_per_group, int64_t out_per_group, int64_t groups) {
  return groups > 1 && in_per_group == out_per_group && (in_per_group == 2 || in_per_group == 4);
}

// Whether the executor runs this conv as its own loops (any of the three above); a dilated conv never:
// the loops slide their inputs between adjacent taps, so it goes to XNNPACK's convolution.
inline bool runs_conv_loops(const Conv2d& c, int64_t in_channels) {
  const int64_t in_per_group = in_channels / c.groups, out_per_group = c.out_channels / c.groups;
  const int64_t taps = c.kernel[0] * c.kernel[1];
  return !c.dilated() &&
         (runs_depthwise_loops(in_per_group, out_per_group, taps) ||
          runs_grouped_loops(in_per_group, out_per_group, c.groups) ||
          runs_depthwise_loops_instead(in_per_group, out_per_group, taps, c.activation == Activation::hardswish));
}

}  // namespace cpx::profiler

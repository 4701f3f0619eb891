// Naive reference implementations of every op kind: plain loops, double accumulation, no XNNPACK.
// The executor is tested against these; they define what each op computes.
#pragma once

#include <vector>

#include "profiler/executor/weights.hpp"
#include "space/network.hpp"

namespace cpx::profiler {

// Runs the whole network on `input` (dense NHWC) and returns every op's output (dense NHWC), in op order.
std::vector<std::vector<float>> reference_run(const Network& net, const NetworkWeights& weights,
                                              const std::vector<float>& input);

}  // namespace cpx::profiler

// Which ops the executor computes inside an earlier op's kernel. The plan (profiler/plan.cpp) applies
// these fusions and the host predictor mirrors them (an op fused away costs nothing of its own), so the
// rule lives here, free of the executor, where both can call it.
//
// Two fusions, both exact in float32 (the same additions and clamps in the same order):
//  - an add followed by relu/relu6: the add's XNNPACK operator applies the clamp to its output;
//  - a conv or fully connected op that runs on our AVX-512 igemm with no activation of its own, followed
//    by an add of a tensor computed before it (a residual) and optionally relu/relu6: igemm's last store
//    adds the residual and clamps. ONNX Runtime fuses the same pattern (FusedConv with Sum); it saves one
//    write and two reads of the tensor per pass, about a tenth of ResNet-50's time at 2 threads.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "space/network.hpp"

namespace cpx::profiler {

// Whether igemm takes a conv or linear with these channels per group, on a machine that has it: at least
// two vectors of output channels per group (below that a 6-row tile is load-bound like XNNPACK's 7x16).
inline bool igemm_shape(int64_t in_per_group, int64_t out_per_group) { return in_per_group >= 2 && out_per_group >= 32; }

// What an op's kernel computes after its own result: add ops[residual_add]'s other input, then apply
// ops[activation]'s relu or relu6.
struct Epilogue {
  std::optional<size_t> residual_add;
  std::optional<size_t> activation;
  bool empty() const { return !residual_add && !activation; }
};

struct Fusions {
  std::vector<std::optional<size_t>> into;  // per op: the op whose kernel computes it
  std::vector<Epilogue> epilogue;           // per op
};

// `igemm`: the executor has the AVX-512 igemm (igemm_available() on this machine; a profile's
// environment records it for the predictor).
Fusions plan_fusions(const Network& net, bool igemm);

}  // namespace cpx::profiler

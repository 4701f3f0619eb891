// Which ops the executor computes inside an earlier op's kernel. The plan (profiler/executor/plan.cpp) applies
// these fusions and the host predictor mirrors them (an op fused away costs nothing of its own), so the
// rule lives here, free of the executor, where both can call it.
//
// Two fusions, both exact in float32 (the same additions and clamps in the same order):
//  - an add followed by relu/relu6: the add's XNNPACK operator applies the clamp to its output;
//  - a conv or fully connected op that runs on our igemm with no activation of its own, followed
//    by an add of a tensor computed before it (a residual) and optionally relu/relu6: igemm's last store
//    adds the residual and clamps. ONNX Runtime fuses the same pattern (FusedConv with Sum); it saves one
//    write and two reads of the tensor per pass, about a tenth of ResNet-50's time at 2 threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "profiler/profile/xnnpack_caps.hpp"
#include "space/error.hpp"
#include "space/network.hpp"

namespace cpx::profiler {

// Which convs and linears (groups 1, or grouped) the executor runs on our igemm rather than XNNPACK:
//  - from two of the tile's vectors of output channels per group (min_out_per_group: 32 with the AVX-512
//    tile, 16 with the AVX2 one): below that a 6-row tile is load-bound like XNNPACK's 7x16, and narrower
//    shapes timed slower on igemm at 1 thread. On AVX2, XNNPACK's 2022 GEMM ran the 16-31 channel 1x1 convs of
//    MobileNets and stems at a third to a half of igemm's speed (docs/log/executor.md, Executor kernel figures);
//  - a grouped conv on several threads from 8 per group: XNNPACK splits a grouped conv's work between
//    threads by group, so it barely speeds up past 1 thread, and each core then holds part of every
//    pixel's channels, which slows the next op (split by pixels). igemm splits by pixels, and grouped
//    stacks ran faster on it at 2 threads (docs/log/executor.md, Executor kernel figures).
struct IgemmRule {
  bool available = false;          // the machine has an igemm tile (profiler::igemm_available)
  int64_t min_out_per_group = 32;  // two of its vectors
  // Its vector in floats (16 with AVX-512, 8 with AVX2): it computes whole vectors of output channels.
  int64_t vector_floats() const { return min_out_per_group / 2; }
  // Its widest panel of output columns: four vectors with the AVX-512 tile (6x64), two with AVX2's (6x16).
  int64_t panel_max() const { return vector_floats() * (vector_floats() >= 16 ? 4 : 2); }
  // The panel a conv with `out_per_group` output channels per group is packed into (igemm_computed_share's).
  int64_t panel(int64_t out_per_group) const {
    return std::min(panel_max(), (out_per_group + vector_floats() - 1) / vector_floats() * vector_floats());
  }
  // Whether igemm takes this shape where it is available (the predictor's feature reads it on any machine).
  bool shape(int64_t in_per_group, int64_t out_per_group, int64_t groups, size_t threads) const {
    if (in_per_group < 2) return false;
    return out_per_group >= min_out_per_group || (groups > 1 && threads > 1 && out_per_group >= 8);
  }
  bool takes(int64_t in_per_group, int64_t out_per_group, int64_t groups, size_t threads) const {
    return available && shape(in_per_group, out_per_group, groups, threads);
  }
  // The same for a conv reading `in_channels`, dilated or not: igemm's indirection points each tap at its
  // input pixel, so an atrous conv costs it nothing more (XNNPACK's convolution ran DeepLabV3's ASPP convs at
  // 75 GMACpS against igemm's 90-100 on the same shapes undilated: docs/log/executor.md).
  bool shape(const Conv2d& c, int64_t in_channels, size_t threads) const {
    return shape(in_channels / c.groups, c.out_channels / c.groups, c.groups, threads);
  }
  bool takes(const Conv2d& c, int64_t in_channels, size_t threads) const {
    return available && shape(c, in_channels, threads);
  }
};

// Whether the executor's kernel for a conv or fully connected op applies its hardswish in the store of its own
// result instead of as a second pass over the output: our igemm (kernels/igemm.cpp) and our conv loops
// (kernels/depthwise_conv.cpp) do; XNNPACK's convolution and fully connected operators fuse only a clamp and
// run hardswish as an operator of its own. The predictor's features read it (no elementwise pass for such an
// op), so that the hardswish of an igemm conv is neither priced twice nor taken off its measured time.
inline bool kernel_fuses_hardswish(const Conv2d& c, int64_t in_channels, const IgemmRule& igemm, size_t threads) {
  return c.activation == Activation::hardswish &&
         (runs_conv_loops(c, in_channels) || igemm.takes(c, in_channels, threads));
}
inline bool kernel_fuses_hardswish(const FullyConnected& f, int64_t in_features, const IgemmRule& igemm,
                                   size_t threads) {
  return f.activation == Activation::hardswish && igemm.takes(in_features, f.out_features, 1, threads);
}

// The rule of the machine a measurement's environment (its JSON: "igemm", "igemm_min_out_per_group", which every
// environment the profiler captures carries) was taken on; a missing or malformed field is an InputError
// naming it under `where`, the environment's place in its file.
IgemmRule igemm_rule_of(const Json& environment, const Where& where);

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

// Whether the plan gives an op's output its input's storage, so that no kernel moves anything: a reshape
// (a view of dense NHWC data). The plan aliases it, and the host predictor prices it at 0 and does not fit on
// its timer's readings (0.05-2 us in the zoo's networks).
inline bool runs_as_view(const OpAttrs& attrs) { return std::holds_alternative<Reshape>(attrs); }

// `igemm`: the executor's (igemm_rule() on this machine; a profile's environment records it for the
// predictor, igemm_rule_of); `threads`: the executor's (the rule depends on them).
Fusions plan_fusions(const Network& net, const IgemmRule& igemm, size_t threads);

}  // namespace cpx::profiler

// The executor's registry: one make_kernel overload per op kind of space/op.hpp, each defined in its own
// file in this folder. A kind without an overload does not compile.
#pragma once

#include "profiler/executor/kernel.hpp"
#include "profiler/profile/xnnpack_caps.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const Conv2d& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const FullyConnected& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Matmul& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Softmax& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const ActivationOp& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const BatchNorm& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const GroupNorm& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const LayerNorm& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Add& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Subtract& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Multiply& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const GlobalAvgPool& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const AvgPool& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const MaxPool& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const UpsampleNearest& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Reshape& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Slice& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Concat& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Pad& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const ConvTranspose2d& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const ResizeBilinear& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const LayerScale& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const PRelu& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Affine& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const AttentionBias& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const HeadMix& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const ChannelShuffle& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const PixelShuffle& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const Clamp& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const ClassToken& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_kernel(const WindowPartition& op, const KernelArgs& args);

// Depthwise conv2d whose tap count has no XNNPACK microkernel or with a channel multiplier, and grouped
// conv2d with 2 or 4 channels per group (xnnpack_caps.hpp), as loops (depthwise_conv.cpp); conv2d.cpp
// routes those here.
std::unique_ptr<Kernel> make_depthwise_loops_kernel(const Conv2d& op, const KernelArgs& args);

// Applies `activation` to `view` in place (after a conv or linear whose clamp could not fuse it).
// Returns nullptr for none/relu/relu6 (fused as a clamp by the producer, see clamp_range).
std::unique_ptr<Kernel> make_activation_kernel(Activation activation, const TensorView& view, pthreadpool_t pool);

// The output clamp an XNNPACK producer can fuse for `activation` (relu, relu6), else (-inf, +inf).
std::pair<float, float> clamp_range(Activation activation);

}  // namespace cpx::profiler

// What the predictor knows about an operator: its class and a few numbers that explain how fast a CPU
// runs it. Computed from the network alone (shapes and attributes), never from a measurement.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "profiler/profile/fusion.hpp"
#include "space/network.hpp"

namespace cpx::predictor {

// Operator classes with their own MACpS behaviour. Ops that do no MACs are modelled by bytes moved.
// conv_depthwise_generic: depthwise kernels with no XNNPACK microkernel for their tap count (7x7, 1x5,
// ...), which the executor runs as its own loops (profiler/executor/kernels/depthwise_conv.cpp), at another MACpS.
// fully_connected: one row (classifier heads); on token rows it is a GEMM and in conv_pointwise.
enum class OpClass {
  conv_dense,
  conv_grouped,
  conv_depthwise,
  conv_depthwise_generic,
  conv_pointwise,
  conv_transpose,
  fully_connected,
  matmul,
  softmax,
  norm,
  elementwise,
  pooling,
  resize,
  data_movement,
  count_
};
inline constexpr size_t op_class_count = static_cast<size_t>(OpClass::count_);
std::string_view to_string(OpClass c);
OpClass op_class_from_string(std::string_view name, const Where& where);

// Base features, all finite; logs are natural logs of quantities >= 1. The regression uses them and all
// their pairwise products (see basis()), so efficiency can bend with size and threads.
inline constexpr size_t base_feature_count = 13;
inline constexpr size_t isolated_feature = 12;
inline constexpr size_t feature_count = 1 + base_feature_count + base_feature_count * (base_feature_count + 1) / 2;
struct OpFeatures {
  OpClass op_class = OpClass::elementwise;
  double macs = 0;          // multiply-accumulates
  double bytes = 0;         // fp32 weights + input + output activations
  double weight_bytes = 0;  // fp32 weights
  // [0] log macs (or log bytes for MAC-free ops), [1] log bytes, [2] log in channels per group,
  // [3] log out channels per group, [4] log output pixels (rows of a fully connected op), [5] log kernel
  // taps, [6] stride > 1, [7] log threads, [8] log weight bytes (weights past the L2 cache stream from
  // memory), [9] log arithmetic intensity, [10] and [11]: variant flags within the class (group vs layer
  // norm, transcendental activation vs binary op, bilinear vs nearest, global vs max pool, concat vs pad,
  // a depthwise kernel without a fast XNNPACK microkernel; [11] of a conv or fully connected op: a shape
  // the executor runs on its igemm rather than XNNPACK, profiler::IgemmRule::shape), [12] measured in isolation: 1 for
  // training samples timed in a one-block or one-op network (with cold caches, NetworkRun::cold_caches, but still
  // without the ops around them), 0 for ops timed inside whole networks, for an op of such a one-block or
  // one-op network that read only what earlier ops wrote and whose kind fit counts warm then (activations,
  // data movement, depthwise convs: fit's reads_cold_data), and for every prediction (ops run inside
  // networks).
  std::array<double, base_feature_count> base{};
  // XNNPACK fuses only min/max clamps into its GEMMs; any other activation of a conv or fully connected op
  // is a second pass over the output. That pass is an elementwise op and is predicted by the elementwise
  // model from these features, so a conv with SiLU costs what the profile measured SiLU to cost, even if
  // no conv of the profile used SiLU.
  bool has_activation = false;
  std::array<double, base_feature_count> activation{};
};

// [1, base..., base_i·base_j for i <= j]
std::array<double, feature_count> basis(const OpFeatures& f);

// Which activations of a conv or linear op the runtime whose network is priced applies inside that op's
// kernel; any other is a pass of its own (has_activation), priced by the elementwise model.
enum class ActivationFusion {
  executor,  // this project's executor: ReLU and ReLU6 as the GEMM's clamp, and hardswish in the store of its
             // own kernels (profiler::kernel_fuses_hardswish)
  relu,      // ReLU and ReLU6 only (a device whose Hardware::runtime_fuses_relu)
  none,      // an eager runtime: even a ReLU is a pass of its own
};
// The default fusion is relu's: the executor's needs its igemm rule (`igemm`) to say which kernel runs.

// igemm: which shapes the modelled executor ran on its igemm (feature [11]): the rule of the profile's
// environment (profiler::igemm_rule_of); the default: no igemm, and the 32-channel rule for the feature.
OpFeatures op_features(const OpAttrs& op, std::span<const ShapeNhwc> in, const ShapeNhwc& out, int64_t threads,
                       ActivationFusion fusion = ActivationFusion::relu, const profiler::IgemmRule& igemm = {});
OpFeatures op_features(const Network& net, size_t op, int64_t threads, ActivationFusion fusion = ActivationFusion::relu,
                       const profiler::IgemmRule& igemm = {});
std::array<std::string, feature_count> feature_names();

}  // namespace cpx::predictor

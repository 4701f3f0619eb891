// The operator registry: every op kind of the space, one line each. Dispatch is by type, never by name,
// and every per-kind function is an overload set without a catch-all, so a new kind compiles only once
// it has all of them:
//   space/ops/<kind>.hpp          the struct (see space/ops/common.hpp), plus its line in OpAttrs below
//   profiler/executor/kernels/<kind>.cpp   make_kernel, declared in profiler/executor/kernels/kernels.hpp
//   profiler/executor/reference.cpp        compute (the definition the executor is tested against)
//   profiler/executor/weights.cpp          weights_of, or the kind joins the list of kinds without weights
//   predictor/features.cpp        op_class
//   profiler/interop/onnx/export.cpp      emit
//   profiler/interop/torch.cpp            the PyTorch expression (Generator::operator())
//   profiler/interop/onnx/import.cpp      entry: the ONNX pattern import recognises (import_patterns.cpp,
//                                 import_ops.cpp), or why it is not importable
// Tests: an executor sweep (tests/test_executor.cpp), the reference by hand and weights
// (test_weights.cpp), counts (test_counting.cpp), and a case in the ONNX round trip of every kind
// (test_onnx.cpp), and a network using it in the PyTorch export test (test_torch.cpp); both fail while a
// kind is missing from them.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "space/ops/activation_op.hpp"
#include "space/ops/affine.hpp"
#include "space/ops/attention_bias.hpp"
#include "space/ops/batch_norm.hpp"
#include "space/ops/channel_shuffle.hpp"
#include "space/ops/channels.hpp"
#include "space/ops/clamp.hpp"
#include "space/ops/class_token.hpp"
#include "space/ops/conv2d.hpp"
#include "space/ops/conv_transpose2d.hpp"
#include "space/ops/elementwise.hpp"
#include "space/ops/fully_connected.hpp"
#include "space/ops/group_norm.hpp"
#include "space/ops/head_mix.hpp"
#include "space/ops/layer_norm.hpp"
#include "space/ops/layer_scale.hpp"
#include "space/ops/matmul.hpp"
#include "space/ops/pad.hpp"
#include "space/ops/pixel_shuffle.hpp"
#include "space/ops/pooling.hpp"
#include "space/ops/prelu.hpp"
#include "space/ops/reshape.hpp"
#include "space/ops/resize_bilinear.hpp"
#include "space/ops/softmax.hpp"
#include "space/ops/upsample_nearest.hpp"
#include "space/ops/window_partition.hpp"

namespace cpx {

using OpAttrs = std::variant<Conv2d, FullyConnected, Matmul, Softmax, ActivationOp, BatchNorm, GroupNorm, LayerNorm,
                             Add, Subtract, Multiply, GlobalAvgPool, AvgPool, MaxPool, UpsampleNearest, Reshape, Slice,
                             Concat, Pad, ConvTranspose2d, ResizeBilinear, LayerScale, AttentionBias, HeadMix,
                             ChannelShuffle, PRelu, Affine, PixelShuffle, Clamp, ClassToken, WindowPartition>;

// One node of an expanded network. Its output tensor is named after the op.
struct Op {
  std::string name;
  std::vector<std::string> inputs;
  OpAttrs attrs;

  std::string_view kind() const {
    return std::visit([](const auto& a) { return std::decay_t<decltype(a)>::kind; }, attrs);
  }
  template <typename T>
  const T* as() const {
    return std::get_if<T>(&attrs);
  }
};

// Kernel geometry of conv and pooling ops; nullopt for the rest.
inline std::optional<Window> window_of(const OpAttrs& attrs) {
  return std::visit(
      [](const auto& a) -> std::optional<Window> {
        if constexpr (requires { a.window(); }) return a.window();
        else return std::nullopt;
      },
      attrs);
}

// Parses `{"op": kind, ...attributes}` into the matching alternative; unknown kinds are errors.
OpAttrs read_op_attrs(ObjectReader& r);
int op_arity(const OpAttrs& attrs);
std::vector<std::string_view> op_kinds();

}  // namespace cpx

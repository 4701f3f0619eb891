// The operator registry: every op kind of the space, one line each. Adding a kind = one file in
// space/ops/ plus one line here (and its executor in profiler/). Dispatch is by type, never by name.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "space/ops/activation_op.hpp"
#include "space/ops/attention_bias.hpp"
#include "space/ops/batch_norm.hpp"
#include "space/ops/channels.hpp"
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
#include "space/ops/pooling.hpp"
#include "space/ops/reshape.hpp"
#include "space/ops/resize_bilinear.hpp"
#include "space/ops/softmax.hpp"
#include "space/ops/upsample_nearest.hpp"

namespace cpx {

using OpAttrs = std::variant<Conv2d, FullyConnected, Matmul, Softmax, ActivationOp, BatchNorm, GroupNorm, LayerNorm,
                             Add, Multiply, GlobalAvgPool, AvgPool, MaxPool, UpsampleNearest, Reshape, Slice, Concat,
                             Pad, ConvTranspose2d, ResizeBilinear, LayerScale, AttentionBias, HeadMix>;

// One node of an expanded network. Its output tensor is named after the op.
struct Op {
  std::string name;
  std::vector<std::string> inputs;
  OpAttrs attrs;

  std::string_view kind() const {
    return std::visit([](const auto& a) { return std::decay_t<decltype(a)>::kind; }, attrs);
  }
  template <typename T>
  const T* as() const { return std::get_if<T>(&attrs); }
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

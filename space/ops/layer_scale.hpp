// Layer scale: y = γ ⊙ x with a learned per-channel γ (C params), on residual branches of
// EfficientFormerV2, FastViT and EfficientMod. Not folded: PyTorch counts γ as parameters.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct LayerScale {
  static constexpr std::string_view kind = "layer_scale";
  static constexpr int arity = 1;

  static LayerScale read(ObjectReader&) { return {}; }
  void write(Json&) const {}
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where&) const { return in[0]; }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc&, const Where&) const { return {0, in[0].c, in[0].c}; }
};

}  // namespace cpx

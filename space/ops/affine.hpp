// y = scale·x + shift with two constants and no parameters: PyTorch code's arithmetic with a number
// (x / 2, x * 0.5, x + 1, 1 - x), which its ONNX export writes as a Mul, Div, Add or Sub of a scalar.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct Affine {
  static constexpr std::string_view kind = "affine";
  static constexpr int arity = 1;

  double scale = 1;
  double shift = 0;

  static Affine read(ObjectReader& r) {
    return {r.number("scale", -max_constant, max_constant, 1.0), r.number("shift", -max_constant, max_constant, 0.0)};
  }
  void write(Json& j) const {
    j["scale"] = scale;
    j["shift"] = shift;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where&) const { return in[0]; }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }

  // Past float's range a constant is no number the executor can hold.
  static constexpr double max_constant = 3.4e38;
};

}  // namespace cpx

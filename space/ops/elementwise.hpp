// Elementwise add, subtract and multiply of two tensors (subtract: inputs[0] - inputs[1]). inputs[1] may also be N x 1
// x 1 x C, broadcast over the pixels of inputs[0] (squeeze-and-excitation gates).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

template <typename Tag>
struct Binary {
  static constexpr std::string_view kind = Tag::kind;
  static constexpr int arity = 2;

  static Binary read(ObjectReader&) { return {}; }
  void write(Json&) const {}
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    const ShapeNhwc& a = in[0];
    const ShapeNhwc& b = in[1];
    const bool same = a == b;
    const bool channel_broadcast = b.n == a.n && b.h == 1 && b.w == 1 && b.c == a.c;
    if (!same && !channel_broadcast)
      where.fail("inputs are " + a.str() + " and " + b.str() + ": they must match, or inputs[1] must be " +
                 std::to_string(a.n) + "x1x1x" + std::to_string(a.c));
    return a;
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

struct AddTag {
  static constexpr std::string_view kind = "add";
};
struct SubtractTag {
  static constexpr std::string_view kind = "subtract";
};
struct MultiplyTag {
  static constexpr std::string_view kind = "multiply";
};
using Add = Binary<AddTag>;
using Subtract = Binary<SubtractTag>;
using Multiply = Binary<MultiplyTag>;

}  // namespace cpx

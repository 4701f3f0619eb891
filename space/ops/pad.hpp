// Explicit zero padding of height and width. Convs and pools carry their own padding; this op is for
// graphs that pad as a separate step.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct Pad {
  static constexpr std::string_view kind = "pad";
  static constexpr int arity = 1;

  Padding padding;

  static Pad read(ObjectReader& r) { return {read_padding(r.raw("padding"), r.at("padding"))}; }
  void write(Json& j) const { j["padding"] = padding.to_json(); }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    return checked_shape(
        {in[0].n, in[0].h + padding.top + padding.bottom, in[0].w + padding.left + padding.right, in[0].c}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx

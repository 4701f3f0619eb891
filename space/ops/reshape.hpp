// Reinterprets the row-major NHWC buffer with another NHWC shape of the same element count
// (e.g. flatten N x H x W x C to N x 1 x 1 x HWC). No data moves.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct Reshape {
  static constexpr std::string_view kind = "reshape";
  static constexpr int arity = 1;

  ShapeNhwc shape;

  static Reshape read(ObjectReader& r) {
    const Json& j = r.raw("shape_nhwc");
    const Where w = r.at("shape_nhwc");
    if (!j.is_array() || j.size() != 4) w.fail(j, "expected [n, h, w, c]");
    std::array<int64_t, 4> d{};
    for (size_t i = 0; i < 4; ++i) {
      if (!j[i].is_number_integer() || j[i].get<int64_t>() <= 0 || j[i].get<int64_t>() > limits::max_tensor_elements)
        w[i].fail(j[i], "expected a positive integer");
      d[i] = j[i].get<int64_t>();
    }
    return {{d[0], d[1], d[2], d[3]}};
  }
  void write(Json& j) const { j["shape_nhwc"] = shape.to_json(); }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    int64_t elements = 0;
    if (__builtin_mul_overflow(shape.n * shape.h, shape.w, &elements) ||
        __builtin_mul_overflow(elements, shape.c, &elements) || elements != in[0].elements())
      (where / "shape_nhwc")
          .fail(shape.to_json(),
                "does not hold the " + std::to_string(in[0].elements()) + " elements of the " + in[0].str() + " input");
    return checked_shape(shape, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx

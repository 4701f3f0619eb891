// Nearest-neighbour upsampling by integer factors: every input pixel becomes a scale_h x scale_w block.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct UpsampleNearest {
  static constexpr std::string_view kind = "upsample_nearest";
  static constexpr int arity = 1;

  std::array<int64_t, 2> scale{2, 2};

  static UpsampleNearest read(ObjectReader& r) {
    return {read_pair(r.raw("scale"), r.at("scale"), 1, limits::max_kernel)};
  }
  void write(Json& j) const { j["scale"] = scale; }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    return checked_shape({in[0].n, in[0].h * scale[0], in[0].w * scale[1], in[0].c}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx

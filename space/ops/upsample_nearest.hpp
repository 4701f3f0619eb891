// Nearest-neighbour upsampling: by integer factors (`scale`: every input pixel becomes a scale_h x scale_w
// block) or to an output `size` with PyTorch's rule, source index = floor(dst · in / out).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct UpsampleNearest {
  static constexpr std::string_view kind = "upsample_nearest";
  static constexpr int arity = 1;

  std::array<int64_t, 2> scale{2, 2};
  std::array<int64_t, 2> size{0, 0};  // {0, 0}: use scale

  static UpsampleNearest read(ObjectReader& r) {
    UpsampleNearest u;
    if (r.has("size")) {
      u.size = read_pair(r.raw("size"), r.at("size"), 1, limits::max_spatial);
      u.scale = {0, 0};
      if (r.has("scale")) r.at("scale").fail(r.raw("scale"), "give either scale or size, not both");
    } else {
      u.scale = read_pair(r.raw("scale"), r.at("scale"), 1, limits::max_kernel);
    }
    return u;
  }
  void write(Json& j) const {
    if (size[0] > 0) j["size"] = size;
    else j["scale"] = scale;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    if (size[0] > 0) return checked_shape({in[0].n, size[0], size[1], in[0].c}, where);
    return checked_shape({in[0].n, in[0].h * scale[0], in[0].w * scale[1], in[0].c}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx

// Bilinear resize to a fixed output size. align_corners false: half-pixel centres with edge clamping
// (PyTorch align_corners=False, nn.Upsample(mode="bilinear")); true: corner pixels aligned.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct ResizeBilinear {
  static constexpr std::string_view kind = "resize_bilinear";
  static constexpr int arity = 1;

  std::array<int64_t, 2> size{1, 1};  // output height, width
  bool align_corners = false;

  static ResizeBilinear read(ObjectReader& r) {
    return {read_pair(r.raw("size"), r.at("size"), 1, limits::max_spatial), r.boolean("align_corners", false)};
  }
  void write(Json& j) const {
    j["size"] = size;
    j["align_corners"] = align_corners;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    return checked_shape({in[0].n, size[0], size[1], in[0].c}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx

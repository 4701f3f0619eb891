// PyTorch's pixel_shuffle (nn.PixelShuffle(r)), the upsampling of super-resolution nets (ESPCN) and some
// decoders: each pixel's C·r² channels become an r x r block of C channels, in PyTorch's channel order
// (ONNX DepthToSpace mode CRD): output (y·r + i, x·r + j, c) is input (y, x, c·r² + i·r + j).
// Data movement, no MACs.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct PixelShuffle {
  static constexpr std::string_view kind = "pixel_shuffle";
  static constexpr int arity = 1;

  int64_t upscale = 2;  // r; 1 would be a copy, which XNNPACK's depth_to_space rejects too

  static PixelShuffle read(ObjectReader& r) { return {r.integer("upscale", 2, limits::max_kernel)}; }
  void write(Json& j) const { j["upscale"] = upscale; }
  // Checks the range too: the ONNX importer builds this op without the JSON reader.
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    if (upscale < 2 || upscale > limits::max_kernel)
      (where / "upscale").fail(upscale, "out of range [2, " + std::to_string(limits::max_kernel) + "]");
    const int64_t block = upscale * upscale;
    if (in[0].c % block != 0)
      (where / "upscale")
          .fail(upscale, "its square " + std::to_string(block) + " does not divide " + std::to_string(in[0].c) +
                             " input channels");
    return checked_shape({in[0].n, in[0].h * upscale, in[0].w * upscale, in[0].c / block}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

}  // namespace cpx

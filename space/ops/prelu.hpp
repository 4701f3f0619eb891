// PReLU: y = x where x >= 0, a·x below, with a learned slope a per channel (C params) or one slope for
// every channel (`shared`, PyTorch's nn.PReLU() default: 1 param). Face-recognition (MobileFaceNet) and
// ENet-style backbones use it.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct PRelu {
  static constexpr std::string_view kind = "prelu";
  static constexpr int arity = 1;

  bool shared = false;  // one slope for every channel

  static PRelu read(ObjectReader& r) { return {r.boolean("shared", false)}; }
  void write(Json& j) const { j["shared"] = shared; }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where&) const { return in[0]; }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc&, const Where&) const {
    const int64_t slopes = shared ? 1 : in[0].c;
    return {0, slopes, slopes};
  }
};

}  // namespace cpx

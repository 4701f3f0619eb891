// "Talking heads": a linear map across attention heads at every (query, key) position (EfficientFormerV2).
// Input N x hq x wq x (heads·Lk) as matmul lays scores out; out[q, h'·Lk + s] = Σ_h W[h', h]·x[q, h·Lk + s] + b[h'].
// Weights: W [heads][heads], b [heads]. A 1x1 conv over the head axis in PyTorch's NCHW view.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct HeadMix {
  static constexpr std::string_view kind = "head_mix";
  static constexpr int arity = 1;

  int64_t heads = 1;
  bool bias = true;

  static HeadMix read(ObjectReader& r) { return {r.integer("heads", 1, 4096), r.boolean("bias", true)}; }
  void write(Json& j) const {
    j["heads"] = heads;
    j["bias"] = bias;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    if (in[0].c % heads != 0)
      (where / "heads").fail(heads, "does not divide the " + std::to_string(in[0].c) + " score channels");
    return in[0];
  }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc&, const Where& where) const {
    const int64_t p = heads * heads + (bias ? heads : 0);
    // heads² multiply-adds for each (query, key) position, as a 1x1 conv over heads counts them.
    return {checked_mul(checked_mul(in[0].n * in[0].h * in[0].w, in[0].c / heads, where), heads * heads, where), p, p};
  }
};

}  // namespace cpx

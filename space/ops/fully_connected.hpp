// Linear layer over the channel axis, applied at every pixel (usually after a global pool, on 1x1).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct FullyConnected {
  static constexpr std::string_view kind = "fully_connected";
  static constexpr int arity = 1;

  int64_t out_features = 0;
  bool bias = false;
  bool batch_norm = false;  // BatchNorm1d after the linear; folded at inference
  Activation activation = Activation::none;

  static FullyConnected read(ObjectReader& r) {
    FullyConnected f;
    f.out_features = r.integer("out_features", 1, limits::max_channels);
    f.bias = r.boolean("bias", false);
    f.batch_norm = r.boolean("batch_norm", false);
    if (r.has("activation")) f.activation = read_activation(r.raw("activation"), r.at("activation"));
    return f;
  }
  void write(Json& j) const {
    j["out_features"] = out_features;
    j["bias"] = bias;
    j["batch_norm"] = batch_norm;
    j["activation"] = to_string(activation);
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    return checked_shape({in[0].n, in[0].h, in[0].w, out_features}, where);
  }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc& out, const Where& where) const {
    const int64_t weights = checked_mul(in[0].c, out_features, where);
    Cost c;
    c.macs = checked_mul(out.n * out.h * out.w, weights, where);
    c.params = weights + (bias ? out_features : 0) + (batch_norm ? 2 * out_features : 0);
    c.params_inference = weights + ((bias || batch_norm) ? out_features : 0);
    return c;
  }
};

}  // namespace cpx

// Transposed 2-D convolution (PyTorch ConvTranspose2d): every input pixel scatters a kernel-sized patch
// with the given stride; `padding` crops the full output (top, bottom, left, right) and output_padding
// adds rows/columns at the bottom/right. out = (in − 1)·stride − pad_before − pad_after + kernel + output_padding.
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct ConvTranspose2d {
  static constexpr std::string_view kind = "conv_transpose2d";
  static constexpr int arity = 1;

  int64_t out_channels = 0;
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  Padding padding;
  std::array<int64_t, 2> output_padding{0, 0};
  int64_t groups = 1;
  bool bias = false;
  bool batch_norm = false;
  Activation activation = Activation::none;

  static ConvTranspose2d read(ObjectReader& r) {
    ConvTranspose2d c;
    c.out_channels = r.integer("out_channels", 1, limits::max_channels);
    c.kernel = read_pair(r.raw("kernel"), r.at("kernel"), 1, limits::max_kernel);
    if (r.has("stride")) c.stride = read_pair(r.raw("stride"), r.at("stride"), 1, limits::max_kernel);
    if (r.has("padding")) c.padding = read_padding(r.raw("padding"), r.at("padding"));
    if (r.has("output_padding")) c.output_padding = read_pair(r.raw("output_padding"), r.at("output_padding"), 0, limits::max_kernel);
    c.groups = r.integer("groups", 1, limits::max_channels, 1);
    c.bias = r.boolean("bias", false);
    c.batch_norm = r.boolean("batch_norm", false);
    if (r.has("activation")) c.activation = read_activation(r.raw("activation"), r.at("activation"));
    if (c.out_channels % c.groups != 0)
      r.at("groups").fail(c.groups, "does not divide out_channels " + std::to_string(c.out_channels));
    return c;
  }
  void write(Json& j) const {
    j["out_channels"] = out_channels;
    j["kernel"] = kernel;
    j["stride"] = stride;
    j["padding"] = padding.to_json();
    j["output_padding"] = output_padding;
    j["groups"] = groups;
    j["bias"] = bias;
    j["batch_norm"] = batch_norm;
    j["activation"] = to_string(activation);
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    const ShapeNhwc& x = in[0];
    require_groups_divide(groups, x.c, where);
    if (output_padding[0] >= stride[0] || output_padding[1] >= stride[1])
      (where / "output_padding").fail(output_padding, "must be smaller than the stride");
    const int64_t oh = (x.h - 1) * stride[0] - padding.top - padding.bottom + kernel[0] + output_padding[0];
    const int64_t ow = (x.w - 1) * stride[1] - padding.left - padding.right + kernel[1] + output_padding[1];
    if (oh <= 0 || ow <= 0) (where / "padding").fail(padding.to_json(), "crops the whole output");
    return checked_shape({x.n, oh, ow, out_channels}, where);
  }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc&, const Where& where) const {
    // Cout·kh·kw·Cin/groups = Cin·(Cout/groups)·kh·kw: each input channel meets the weights of its group.
    const int64_t weights = checked_mul(out_channels, weight_shape(in[0].c).per_output_channel(), where);
    Cost c;
    // Every input pixel meets every weight of its group once (cropped outputs included, as PyTorch counters do).
    c.macs = checked_mul(in[0].n * in[0].h * in[0].w, weights, where);
    c.params = weights + (bias ? out_channels : 0) + (batch_norm ? 2 * out_channels : 0);
    c.params_inference = weights + ((bias || batch_norm) ? out_channels : 0);
    return c;
  }
  Window window() const { return {kernel, stride, padding, groups}; }
  ConvWeightShape weight_shape(int64_t in_channels) const { return {out_channels, kernel[0], kernel[1], in_channels / groups}; }
};

}  // namespace cpx

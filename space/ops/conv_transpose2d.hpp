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
    read_conv_fields(r, c);
    if (r.has("output_padding"))
      c.output_padding = read_pair(r.raw("output_padding"), r.at("output_padding"), 0, limits::max_kernel);
    return c;
  }
  void write(Json& j) const {
    write_conv_fields(j, *this);
    j["output_padding"] = output_padding;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    const ShapeNhwc& x = in[0];
    require_groups_divide(groups, x.c, where);
    require_window(kernel, stride, padding, where);
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
  ConvWeightShape weight_shape(int64_t in_channels) const {
    return {out_channels, kernel[0], kernel[1], in_channels / groups};
  }
};

}  // namespace cpx

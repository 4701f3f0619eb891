// 2-D convolution with groups, per-side zero padding, dilation, and an optional folded BatchNorm and activation.
// Depthwise and pointwise convolutions are classified cases of it (see conv_class).
#pragma once

#include "space/names.hpp"
#include "space/ops/common.hpp"

namespace cpx {

struct Conv2d {
  static constexpr std::string_view kind = "conv2d";
  static constexpr int arity = 1;

  int64_t out_channels = 0;
  std::array<int64_t, 2> kernel{1, 1};  // height, width
  std::array<int64_t, 2> stride{1, 1};
  Padding padding;
  int64_t groups = 1;
  // Taps `dilation` pixels apart (DeepLab's atrous convs): the window spans (kernel - 1) * dilation + 1
  // pixels with the same MACs per output. Written only when not 1, so every older file reads the same.
  std::array<int64_t, 2> dilation{1, 1};
  bool bias = false;
  bool batch_norm = false;  // a BatchNorm follows; folded into weights and bias at inference
  Activation activation = Activation::none;

  static Conv2d read(ObjectReader& r) {
    Conv2d c;
    read_conv_fields(r, c);
    if (r.has("dilation")) c.dilation = read_pair(r.raw("dilation"), r.at("dilation"), 1, limits::max_kernel);
    return c;
  }
  void write(Json& j) const {
    write_conv_fields(j, *this);
    if (dilated()) j["dilation"] = dilation;
  }
  bool dilated() const { return dilation[0] != 1 || dilation[1] != 1; }
  // The pixels one window spans along each axis.
  std::array<int64_t, 2> span() const { return {(kernel[0] - 1) * dilation[0] + 1, (kernel[1] - 1) * dilation[1] + 1}; }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    const ShapeNhwc& x = in[0];
    require_groups_divide(groups, x.c, where);
    require_window(kernel, stride, padding, where);
    for (int64_t d : dilation)
      if (d < 1 || d > limits::max_kernel)
        (where / "dilation").fail(dilation, "out of range [1, " + std::to_string(limits::max_kernel) + "]");
    const std::array<int64_t, 2> k = span();
    const int64_t oh = window_output(x.h, padding.top, padding.bottom, k[0], stride[0]);
    const int64_t ow = window_output(x.w, padding.left, padding.right, k[1], stride[1]);
    if (oh <= 0 || ow <= 0)
      (where / "kernel")
          .fail(kernel, "does not fit the padded " + std::to_string(x.h) + "x" + std::to_string(x.w) + " input");
    if (padding.top >= k[0] || padding.bottom >= k[0] || padding.left >= k[1] || padding.right >= k[1])
      (where / "padding")
          .fail(padding.to_json(),
                dilated() ? "must be smaller than the dilated kernel's span" : "must be smaller than the kernel");
    return checked_shape({x.n, oh, ow, out_channels}, where);
  }
  Cost cost(std::span<const ShapeNhwc> in, const ShapeNhwc& out, const Where& where) const {
    const ConvWeightShape w = weight_shape(in[0].c);
    const int64_t weights = checked_mul(out_channels, w.per_output_channel(), where);
    Cost c;
    c.macs = checked_mul(out.elements(), w.per_output_channel(), where);
    c.params = weights + (bias ? out_channels : 0) + (batch_norm ? 2 * out_channels : 0);
    c.params_inference = weights + ((bias || batch_norm) ? out_channels : 0);
    return c;
  }
  Window window() const { return {kernel, stride, padding, groups, dilation}; }
  ConvWeightShape weight_shape(int64_t in_channels) const {
    return {out_channels, kernel[0], kernel[1], in_channels / groups};
  }
};

// Operator classes whose achieved MACpS differ most: depthwise (one input channel per group),
// pointwise (1x1, dense), grouped (several channels per group), dense (everything else).
enum class ConvClass { dense, grouped, depthwise, pointwise };

inline ConvClass conv_class(const Conv2d& c, int64_t in_channels) {
  if (c.groups == in_channels && c.groups > 1) return ConvClass::depthwise;
  if (c.groups > 1) return ConvClass::grouped;
  if (c.kernel[0] == 1 && c.kernel[1] == 1) return ConvClass::pointwise;
  return ConvClass::dense;
}

inline constexpr Names<ConvClass, 4> conv_class_names{{{ConvClass::dense, "dense"},
                                                       {ConvClass::grouped, "grouped"},
                                                       {ConvClass::depthwise, "depthwise"},
                                                       {ConvClass::pointwise, "pointwise"}}};
inline std::string_view to_string(ConvClass c) { return conv_class_names.name_of(c); }

}  // namespace cpx

// Pooling: global average (N x H x W x C -> N x 1 x 1 x C) and windowed average or max pooling.
// Average pooling divides by the full window, counting padded zeros (PyTorch's count_include_pad=True).
#pragma once

#include "space/ops/common.hpp"

namespace cpx {

struct GlobalAvgPool {
  static constexpr std::string_view kind = "global_avg_pool";
  static constexpr int arity = 1;

  static GlobalAvgPool read(ObjectReader&) { return {}; }
  void write(Json&) const {}
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where&) const { return {in[0].n, 1, 1, in[0].c}; }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
};

template <typename Tag>
struct Pool2d {
  static constexpr std::string_view kind = Tag::kind;
  static constexpr int arity = 1;

  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  Padding padding;

  static Pool2d read(ObjectReader& r) {
    Pool2d p;
    p.kernel = read_pair(r.raw("kernel"), r.at("kernel"), 1, limits::max_kernel);
    p.stride = r.has("stride") ? read_pair(r.raw("stride"), r.at("stride"), 1, limits::max_kernel) : p.kernel;
    if (r.has("padding")) p.padding = read_padding(r.raw("padding"), r.at("padding"));
    return p;
  }
  void write(Json& j) const {
    j["kernel"] = kernel;
    j["stride"] = stride;
    j["padding"] = padding.to_json();
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    const ShapeNhwc& x = in[0];
    require_window(kernel, stride, padding, where);
    const int64_t oh = window_output(x.h, padding.top, padding.bottom, kernel[0], stride[0]);
    const int64_t ow = window_output(x.w, padding.left, padding.right, kernel[1], stride[1]);
    if (oh <= 0 || ow <= 0)
      (where / "kernel").fail(kernel, "does not fit the padded " + std::to_string(x.h) + "x" + std::to_string(x.w) + " input");
    if (padding.top >= kernel[0] || padding.bottom >= kernel[0] || padding.left >= kernel[1] || padding.right >= kernel[1])
      (where / "padding").fail(padding.to_json(), "must be smaller than the kernel");
    return checked_shape({x.n, oh, ow, x.c}, where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
  Window window() const { return {kernel, stride, padding, 1}; }
};

struct AvgPoolTag { static constexpr std::string_view kind = "avg_pool"; };
struct MaxPoolTag { static constexpr std::string_view kind = "max_pool"; };
using AvgPool = Pool2d<AvgPoolTag>;
using MaxPool = Pool2d<MaxPoolTag>;

}  // namespace cpx

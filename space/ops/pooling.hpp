// Pooling: global average (N x H x W x C -> N x 1 x 1 x C) and windowed average or max pooling.
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

// The window both pools share (kernel, stride, padding), read, written and checked alike. The output is
// the floor one, so no window runs past the padded input: PyTorch's ceil_mode is extra padding at the end.
namespace pool_window {

template <typename P>
void read(P& p, ObjectReader& r) {
  p.kernel = read_pair(r.raw("kernel"), r.at("kernel"), 1, limits::max_kernel);
  p.stride = r.has("stride") ? read_pair(r.raw("stride"), r.at("stride"), 1, limits::max_kernel) : p.kernel;
  if (r.has("padding")) p.padding = read_padding(r.raw("padding"), r.at("padding"));
}

template <typename P>
void write(const P& p, Json& j) {
  j["kernel"] = p.kernel;
  j["stride"] = p.stride;
  j["padding"] = p.padding.to_json();
}

// Padding below the kernel keeps at least one input cell in every window.
template <typename P>
ShapeNhwc infer(const P& p, const ShapeNhwc& x, const Where& where) {
  require_window(p.kernel, p.stride, p.padding, where);
  const int64_t oh = window_output(x.h, p.padding.top, p.padding.bottom, p.kernel[0], p.stride[0]);
  const int64_t ow = window_output(x.w, p.padding.left, p.padding.right, p.kernel[1], p.stride[1]);
  if (oh <= 0 || ow <= 0)
    (where / "kernel")
        .fail(p.kernel, "does not fit the padded " + std::to_string(x.h) + "x" + std::to_string(x.w) + " input");
  if (p.padding.top >= p.kernel[0] || p.padding.bottom >= p.kernel[0] || p.padding.left >= p.kernel[1] ||
      p.padding.right >= p.kernel[1])
    (where / "padding").fail(p.padding.to_json(), "must be smaller than the kernel");
  return checked_shape({x.n, oh, ow, x.c}, where);
}

}  // namespace pool_window

// Average pooling over zero-padded input. count_include_pad (PyTorch's and ONNX's name) says whether the
// padded cells count in the divisor: true, the default, divides every window by kh·kw; false by the
// window's cells inside the input. Written only when false, so every file from before it reads the same.
struct AvgPool {
  static constexpr std::string_view kind = "avg_pool";
  static constexpr int arity = 1;

  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  Padding padding;
  bool count_include_pad = true;

  static AvgPool read(ObjectReader& r) {
    AvgPool p;
    pool_window::read(p, r);
    p.count_include_pad = r.boolean("count_include_pad", true);
    return p;
  }
  void write(Json& j) const {
    pool_window::write(*this, j);
    if (!count_include_pad) j["count_include_pad"] = false;
  }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    return pool_window::infer(*this, in[0], where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
  Window window() const { return {kernel, stride, padding, 1}; }
  // The divisor of a window holding `inside` input cells.
  int64_t divisor(int64_t inside) const { return count_include_pad ? kernel[0] * kernel[1] : inside; }
};

// Max pooling; padded cells are -inf, never the maximum.
struct MaxPool {
  static constexpr std::string_view kind = "max_pool";
  static constexpr int arity = 1;

  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  Padding padding;

  static MaxPool read(ObjectReader& r) {
    MaxPool p;
    pool_window::read(p, r);
    return p;
  }
  void write(Json& j) const { pool_window::write(*this, j); }
  ShapeNhwc infer(std::span<const ShapeNhwc> in, const Where& where) const {
    return pool_window::infer(*this, in[0], where);
  }
  Cost cost(std::span<const ShapeNhwc>, const ShapeNhwc&, const Where&) const { return {}; }
  Window window() const { return {kernel, stride, padding, 1}; }
};

}  // namespace cpx

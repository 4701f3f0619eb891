// Tensor shapes. Every tensor in the space is NHWC, float32.
#pragma once

#include <array>
#include <cstdint>

#include "space/error.hpp"

namespace cpx {

inline constexpr int64_t bytes_per_element = 4;  // float32 everywhere

struct ShapeNhwc {
  int64_t n = 1, h = 1, w = 1, c = 1;

  int64_t elements() const { return n * h * w * c; }
  int64_t pixels() const { return h * w; }
  friend bool operator==(const ShapeNhwc&, const ShapeNhwc&) = default;
  Json to_json() const { return Json::array({n, h, w, c}); }
  std::string str() const {
    return std::to_string(n) + "x" + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
  }
};

// Fails unless every dimension is positive and within limits, so later arithmetic cannot overflow.
inline ShapeNhwc checked_shape(ShapeNhwc s, const Where& where) {
  auto dim = [&](int64_t v, int64_t max, const char* what) {
    if (v <= 0)
      where.fail(std::string(what) + " would be " + std::to_string(v) + ": the input is too small for this op");
    if (v > max)
      where.fail(std::string(what) + " would be " + std::to_string(v) + ": larger than the limit " +
                 std::to_string(max));
  };
  dim(s.n, limits::max_batch, "batch");
  dim(s.h, limits::max_spatial, "output height");
  dim(s.w, limits::max_spatial, "output width");
  dim(s.c, limits::max_channels * 64, "output channels");
  if (s.elements() > limits::max_tensor_elements)
    where.fail("output " + s.str() + " has more than " + std::to_string(limits::max_tensor_elements) + " elements");
  return s;
}

// Zero padding added around a 2-D window op; CPUBone's 2x2/s1 convs use top=1 left=1 bottom=0 right=0.
struct Padding {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  friend bool operator==(const Padding&, const Padding&) = default;
  // Side by side: one padding applied after another (a Pad folded into a window op, say).
  friend Padding operator+(const Padding& a, const Padding& b) {
    return {a.top + b.top, a.bottom + b.bottom, a.left + b.left, a.right + b.right};
  }
  bool symmetric() const { return top == bottom && left == right && top == left; }
  Json to_json() const { return Json::array({top, bottom, left, right}); }
  std::string str() const {
    if (symmetric()) return std::to_string(top);
    return "t" + std::to_string(top) + "b" + std::to_string(bottom) + "l" + std::to_string(left) + "r" +
           std::to_string(right);
  }
};

// JSON: an integer (all sides) or [top, bottom, left, right].
inline Padding read_padding(const Json& j, const Where& where) {
  auto one = [&](const Json& v, const Where& w) -> int64_t {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > limits::max_kernel)
      w.fail(v, "expected an integer in [0, " + std::to_string(limits::max_kernel) + "]");
    return v.get<int64_t>();
  };
  if (j.is_array()) {
    if (j.size() != 4) where.fail(j, "expected an integer or [top, bottom, left, right]");
    return {one(j[0], where[0]), one(j[1], where[1]), one(j[2], where[2]), one(j[3], where[3])};
  }
  const int64_t p = one(j, where);
  return {p, p, p, p};
}

// Output size of a sliding window along one axis; <= 0 when the window does not fit.
inline int64_t window_output(int64_t in, int64_t pad_before, int64_t pad_after, int64_t kernel, int64_t stride) {
  const int64_t span = in + pad_before + pad_after - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

}  // namespace cpx

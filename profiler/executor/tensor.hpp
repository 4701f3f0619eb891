// Float32 NHWC tensors as kernels see them: a pointer, a shape and a pixel stride. A stride wider than
// the channel count makes the view a channel slice of a wider tensor (XNNPACK reads and writes those).
#pragma once

#include <cstddef>

#include "space/shape.hpp"

namespace cpx::profiler {

struct TensorView {
  float* data = nullptr;
  ShapeNhwc shape;
  int64_t pixel_stride = 0;  // floats between consecutive pixels, >= shape.c

  int64_t pixels() const { return shape.n * shape.h * shape.w; }
  bool dense() const { return pixel_stride == shape.c; }
  float* pixel(int64_t p) const { return data + p * pixel_stride; }
};

inline TensorView dense_view(float* data, ShapeNhwc shape) { return {data, shape, shape.c}; }

}  // namespace cpx::profiler

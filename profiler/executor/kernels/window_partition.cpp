// window_partition: row copies (loops of memcpy, ours: XNNPACK has no rolled window gather), one window per
// pthreadpool item. Each window row is one run of window_w pixels of the map, two where the cyclic shift
// wraps it past the map's right edge; dense tensors copy a run as one memcpy, channel views pixel by pixel.
#include <algorithm>
#include <cstring>

#include "profiler/executor/kernels/kernels.hpp"

namespace cpx::profiler {

namespace {

class WindowPartitionKernel final : public Kernel {
 public:
  WindowPartitionKernel(const WindowPartition& op, const KernelArgs& args)
      : op_(op), map_(op.reverse ? args.output : args.inputs[0]), win_(op.reverse ? args.inputs[0] : args.output) {
    implementation_ = {"emulated: row copies (memcpy loops over windows, ours)", true};
  }

  void run(pthreadpool_t pool) override {
    pthreadpool_parallelize_1d(
        pool, [](void* self, size_t w) { static_cast<WindowPartitionKernel*>(self)->window(static_cast<int64_t>(w)); },
        this, static_cast<size_t>(win_.shape.n), 0);
  }

 private:
  // Copies `count` pixels between map pixel `m` and window pixel `k` (each a run along W).
  void copy(int64_t m, int64_t k, int64_t count, int64_t k_step) const {
    const int64_t c = map_.shape.c;
    for (int64_t p = 0; p < count; ++p) {
      float* map_pixel = map_.pixel(m + p);
      float* win_pixel = win_.pixel(k + p * k_step);
      if (op_.reverse) std::memcpy(map_pixel, win_pixel, static_cast<size_t>(c) * sizeof(float));
      else std::memcpy(win_pixel, map_pixel, static_cast<size_t>(c) * sizeof(float));
    }
  }

  void window(int64_t w) const {
    const int64_t per_image = op_.windows(), n = w / per_image, i = w % per_image / op_.grid[1], j = w % op_.grid[1];
    // The rolled grid is GH x GW; a reverse's map may be cropped to H x W within it (pixels past it dropped).
    const int64_t GH = op_.grid_h(), GW = op_.grid_w(), H = map_.shape.h, W = map_.shape.w, wh = op_.window[0],
                  ww = op_.window[1];
    for (int64_t r = 0; r < wh; ++r) {
      const int64_t y = (i * wh + r + op_.shift[0]) % GH, x0 = (j * ww + op_.shift[1]) % GW;
      if (y >= H) continue;
      const int64_t first = std::min(ww, GW - x0);  // pixels before the wrap
      // Window pixel (r, s) is at r·ww + s, or s·wh + r when column-major.
      const int64_t k0 = w * wh * ww + (op_.column_major ? r : r * ww), k_step = op_.column_major ? wh : 1;
      copy((n * H + y) * W + x0, k0, std::max<int64_t>(0, std::min(first, W - x0)), k_step);
      if (first < ww) copy((n * H + y) * W, k0 + first * k_step, std::min(ww - first, W), k_step);
    }
  }

  WindowPartition op_;
  TensorView map_, win_;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const WindowPartition& op, const KernelArgs& args) {
  return std::make_unique<WindowPartitionKernel>(op, args);
}

}  // namespace cpx::profiler

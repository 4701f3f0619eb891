// upsample_nearest: a copy loop over rows. XNNPACK has no nearest resize; a deconvolution with a kernel
// of ones is exact for integer factors but far slower than these memcpys
// (docs/log/executor.md#executor-kernel-figures).
//   scale mode: every input row becomes scale_h output rows, every pixel scale_w pixels.
//   size mode: PyTorch's nearest rule, source index = floor(dst·in/out) (in exact integer arithmetic;
//   PyTorch computes dst·(float)(in/out), which agrees except where float rounding lands just below an
//   integer). Output rows with the same source row as the row before are copied from that row.
#include <cstring>

#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

class UpsampleNearestKernel final : public Kernel {
 public:
  UpsampleNearestKernel(const UpsampleNearest& op, const KernelArgs& args)
      : in_(args.inputs[0]), out_(args.output), scale_h_(op.scale[0]), scale_w_(op.scale[1]), sized_(op.size[0] > 0) {
    implementation_ = {"emulated: memcpy loop", true};
    if (sized_) {
      // Source column of each output column, and source row of each output row.
      src_x_.resize(static_cast<size_t>(out_.shape.w));
      for (int64_t x = 0; x < out_.shape.w; ++x) src_x_[static_cast<size_t>(x)] = x * in_.shape.w / out_.shape.w;
      src_y_.resize(static_cast<size_t>(out_.shape.h));
      for (int64_t y = 0; y < out_.shape.h; ++y) src_y_[static_cast<size_t>(y)] = y * in_.shape.h / out_.shape.h;
      rows_ = out_.shape.n * out_.shape.h;
      tile_ = tile_for(args.pool, rows_, out_.shape.w * in_.shape.c);
    } else {
      rows_ = in_.shape.n * in_.shape.h;
      tile_ = tile_for(args.pool, rows_, out_.shape.w * scale_h_ * in_.shape.c);
    }
  }

  void run(pthreadpool_t pool) override {
    if (sized_) {
      parallel_for(pool, rows_, tile_, [this](size_t begin, size_t end) {
        for (size_t row = begin; row < end; ++row) sized_row(static_cast<int64_t>(row), row > begin);
      });
    } else {
      parallel_for(pool, rows_, tile_, [this](size_t begin, size_t end) {
        for (size_t row = begin; row < end; ++row) copy_row(static_cast<int64_t>(row));
      });
    }
  }

 private:
  size_t pixel_bytes() const { return static_cast<size_t>(in_.shape.c) * sizeof(float); }

  // Copies output row `from` (over all samples) to output row `to`.
  void repeat_row(int64_t from, int64_t to) const {
    const int64_t out_w = out_.shape.w;
    if (out_.dense()) {
      std::memcpy(out_.pixel(to * out_w), out_.pixel(from * out_w), static_cast<size_t>(out_w) * pixel_bytes());
    } else {
      for (int64_t x = 0; x < out_w; ++x)
        std::memcpy(out_.pixel(to * out_w + x), out_.pixel(from * out_w + x), pixel_bytes());
    }
  }

  // Input row r (over all samples) becomes output rows r·sh .. r·sh + sh - 1.
  void copy_row(int64_t row) const {
    const int64_t w = in_.shape.w, out_w = out_.shape.w;
    const int64_t first = row * scale_h_ * out_w;  // first output pixel
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < scale_w_; ++k)
        std::memcpy(out_.pixel(first + x * scale_w_ + k), in_.pixel(row * w + x), pixel_bytes());
    for (int64_t j = 1; j < scale_h_; ++j) repeat_row(row * scale_h_, row * scale_h_ + j);
  }

  // Output row `row` (over all samples); `previous_done`: row − 1 was written by this same tile.
  void sized_row(int64_t row, bool previous_done) const {
    const int64_t out_h = out_.shape.h, out_w = out_.shape.w;
    const int64_t n = row / out_h, y = row % out_h;
    const int64_t sy = src_y_[static_cast<size_t>(y)];
    if (previous_done && y > 0 && src_y_[static_cast<size_t>(y - 1)] == sy) {
      repeat_row(row - 1, row);
      return;
    }
    const int64_t in_row = (n * in_.shape.h + sy) * in_.shape.w;  // first input pixel of the source row
    for (int64_t x = 0; x < out_w; ++x)
      std::memcpy(out_.pixel(row * out_w + x), in_.pixel(in_row + src_x_[static_cast<size_t>(x)]), pixel_bytes());
  }

  TensorView in_, out_;
  int64_t scale_h_, scale_w_;
  bool sized_;
  std::vector<int64_t> src_x_, src_y_;
  size_t rows_ = 0, tile_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const UpsampleNearest& op, const KernelArgs& args) {
  return std::make_unique<UpsampleNearestKernel>(op, args);
}

}  // namespace cpx::profiler

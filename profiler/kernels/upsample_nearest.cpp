// upsample_nearest by integer factors: a copy loop over input rows. XNNPACK has no nearest resize; a
// deconvolution with a kernel of ones is exact but measured 50-100x slower than these memcpys.
#include <cstring>

#include "profiler/kernels/kernels.hpp"
#include "profiler/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

class UpsampleNearestKernel final : public Kernel {
 public:
  UpsampleNearestKernel(const UpsampleNearest& op, const KernelArgs& args)
      : in_(args.inputs[0]), out_(args.output), scale_h_(op.scale[0]), scale_w_(op.scale[1]) {
    implementation_ = {"emulated: memcpy loop", true};
    rows_ = in_.shape.n * in_.shape.h;
    tile_ = tile_for(args.pool, rows_, out_.shape.w * scale_h_ * in_.shape.c);
  }

  void run(pthreadpool_t pool) override {
    parallel_for(pool, rows_, tile_, [this](size_t begin, size_t end) {
      for (size_t row = begin; row < end; ++row) copy_row(static_cast<int64_t>(row));
    });
  }

 private:
  // Input row r (over all samples) becomes output rows r·sh .. r·sh + sh - 1.
  void copy_row(int64_t row) const {
    const int64_t w = in_.shape.w, out_w = out_.shape.w;
    const size_t pixel_bytes = static_cast<size_t>(in_.shape.c) * sizeof(float);
    const int64_t first = row * scale_h_ * out_w;  // first output pixel
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < scale_w_; ++k)
        std::memcpy(out_.pixel(first + x * scale_w_ + k), in_.pixel(row * w + x), pixel_bytes);
    for (int64_t j = 1; j < scale_h_; ++j) {
      if (out_.dense()) {
        std::memcpy(out_.pixel(first + j * out_w), out_.pixel(first), static_cast<size_t>(out_w) * pixel_bytes);
      } else {
        for (int64_t x = 0; x < out_w; ++x)
          std::memcpy(out_.pixel(first + j * out_w + x), out_.pixel(first + x), pixel_bytes);
      }
    }
  }

  TensorView in_, out_;
  int64_t scale_h_, scale_w_;
  size_t rows_ = 0, tile_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const UpsampleNearest& op, const KernelArgs& args) {
  return std::make_unique<UpsampleNearestKernel>(op, args);
}

}  // namespace cpx::profiler

// matmul (attention's Q·Kᵀ and P·V): XNNPACK has no product of two activations, so each head is an
// Eigen GEMM on strided maps of the channel views (no copies), heads (and row blocks when there are
// fewer heads than threads) spread over the pool.
#include <Eigen/Core>

#include "profiler/kernels/kernels.hpp"
#include "profiler/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstView = Eigen::Map<const RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;
using View = Eigen::Map<RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;

class MatmulKernel final : public Kernel {
 public:
  MatmulKernel(const Matmul& op, const KernelArgs& args)
      : op_(op), a_(args.inputs[0]), b_(args.inputs[1]), out_(args.output), scale_(static_cast<float>(op.scale)) {
    implementation_ = {"emulated: Eigen GEMM per head", true};
    tokens_a_ = a_.shape.pixels();
    tokens_b_ = b_.shape.pixels();
    cols_ = op.transpose_b ? tokens_b_ : op.b.size;
    // One task per (sample, head, row block); rows are split only when heads alone cannot feed every thread.
    const int64_t threads = args.pool ? static_cast<int64_t>(pthreadpool_get_threads_count(args.pool)) : 1;
    const int64_t matrices = a_.shape.n * op.heads;
    const int64_t blocks = std::min(tokens_a_, (threads + matrices - 1) / matrices);
    rows_per_block_ = (tokens_a_ + blocks - 1) / blocks;
    blocks_ = (tokens_a_ + rows_per_block_ - 1) / rows_per_block_;
    tasks_ = matrices * blocks_;
    // Tiny products (small images) are grouped so that waking a thread does not cost more than the work.
    constexpr int64_t min_tile_macs = 32768;
    const int64_t task_macs = rows_per_block_ * cols_ * op.a.size;
    tile_ = static_cast<size_t>(std::max<int64_t>(1, min_tile_macs / task_macs));
  }

  void run(pthreadpool_t pool) override {
    parallel_for(pool, tasks_, tile_, [this](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) compute(static_cast<int64_t>(t));
    });
  }

 private:
  void compute(int64_t task) const {
    const int64_t block = task % blocks_;
    const int64_t head = task / blocks_ % op_.heads;
    const int64_t sample = task / blocks_ / op_.heads;
    const int64_t row0 = block * rows_per_block_;
    const int64_t rows = std::min(rows_per_block_, tokens_a_ - row0);
    const int64_t a_offset = head * (a_.shape.c / op_.heads) + op_.a.offset;
    const int64_t b_offset = head * (b_.shape.c / op_.heads) + op_.b.offset;

    const ConstView a(a_.pixel(sample * tokens_a_ + row0) + a_offset, rows, op_.a.size,
                      Eigen::OuterStride<>(a_.pixel_stride));
    const ConstView b(b_.pixel(sample * tokens_b_) + b_offset, tokens_b_, op_.b.size,
                      Eigen::OuterStride<>(b_.pixel_stride));
    View out(out_.pixel(sample * tokens_a_ + row0) + head * cols_, rows, cols_,
             Eigen::OuterStride<>(out_.pixel_stride));
    // (scale·A)·B: Eigen folds the scalar into the GEMM's alpha instead of making a scaled copy.
    if (op_.transpose_b) out.noalias() = (scale_ * a) * b.transpose();
    else out.noalias() = (scale_ * a) * b;
  }

  Matmul op_;
  TensorView a_, b_, out_;
  float scale_;
  int64_t tokens_a_ = 0, tokens_b_ = 0, cols_ = 0;
  int64_t rows_per_block_ = 1, blocks_ = 1, tasks_ = 0;
  size_t tile_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const Matmul& op, const KernelArgs& args) {
  return std::make_unique<MatmulKernel>(op, args);
}

}  // namespace cpx::profiler

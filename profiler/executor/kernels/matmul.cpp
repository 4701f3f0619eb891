// matmul (attention's Q·Kᵀ and P·V): XNNPACK has no product of two activations. Where igemm runs
// (AVX-512, or AVX2 with FMA), each head's B (scaled) is packed on every run into igemm's panels and
// multiplied by igemm's tile (faster than Eigen built for the x86-64 baseline, which a portable binary has
// to be: docs/log/executor.md#executor-kernel-figures); elsewhere each head
// is an Eigen GEMM on strided maps of the channel views. Heads (and row blocks when there are fewer heads
// than threads) are spread over the pool.
#include <Eigen/Core>

#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstView = Eigen::Map<const RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;
using View = Eigen::Map<RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;

class MatmulKernel final : public Kernel {
 public:
  MatmulKernel(const Matmul& op, const KernelArgs& args)
      : op_(op), a_(args.inputs[0]), b_(args.inputs[1]), out_(args.output), scale_(static_cast<float>(op.scale)) {
    tokens_a_ = a_.shape.pixels();
    tokens_b_ = b_.shape.pixels();
    cols_ = op.transpose_b ? tokens_b_ : op.b.size;
    const int64_t matrices = a_.shape.n * op.heads;
    if (igemm_available())
      for (int64_t m = 0; m < matrices; ++m) packed_.emplace_back(op.a.size, cols_);
    implementation_ = {packed_.empty() ? "emulated: Eigen GEMM per head"
                                       : "emulated: igemm " + igemm_tile() + " per head (B packed per run)",
                       true};
    // One task per (sample, head, row block); rows are split only when heads alone cannot feed every thread.
    const int64_t threads = static_cast<int64_t>(pool_threads(args.pool));
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
    if (!packed_.empty())
      parallel_for(pool, packed_.size(), 1, [this](size_t begin, size_t end) {
        for (size_t m = begin; m < end; ++m) pack(static_cast<int64_t>(m));
      });
    parallel_for(pool, tasks_, tile_, [this](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) compute(static_cast<int64_t>(t));
    });
  }

 private:
  // B of matrix m = (sample, head), times the scale: k = a.size rows of cols_ columns.
  void pack(int64_t m) {
    const int64_t head = m % op_.heads, sample = m / op_.heads;
    const float* b = b_.pixel(sample * tokens_b_) + head * (b_.shape.c / op_.heads) + op_.b.offset;
    // Q·Kᵀ: B = Kᵀ, element (kk, j) = K[token j][channel kk]; P·V: element (kk, j) = V[token kk][channel j].
    if (op_.transpose_b) packed_[static_cast<size_t>(m)].pack(b, 1, b_.pixel_stride, scale_, nullptr);
    else packed_[static_cast<size_t>(m)].pack(b, b_.pixel_stride, 1, scale_, nullptr);
  }

  void compute(int64_t task) const {
    const int64_t block = task % blocks_;
    const int64_t head = task / blocks_ % op_.heads;
    const int64_t sample = task / blocks_ / op_.heads;
    const int64_t row0 = block * rows_per_block_;
    const int64_t rows = std::min(rows_per_block_, tokens_a_ - row0);
    const int64_t a_offset = head * (a_.shape.c / op_.heads) + op_.a.offset;
    const int64_t b_offset = head * (b_.shape.c / op_.heads) + op_.b.offset;

    float* c = out_.pixel(sample * tokens_a_ + row0) + head * cols_;
    if (!packed_.empty()) {
      packed_[static_cast<size_t>(sample * op_.heads + head)].multiply(a_.pixel(sample * tokens_a_ + row0) + a_offset,
                                                                       a_.pixel_stride, rows, c, out_.pixel_stride);
      return;
    }
    const ConstView a(a_.pixel(sample * tokens_a_ + row0) + a_offset, rows, op_.a.size,
                      Eigen::OuterStride<>(a_.pixel_stride));
    const ConstView b(b_.pixel(sample * tokens_b_) + b_offset, tokens_b_, op_.b.size,
                      Eigen::OuterStride<>(b_.pixel_stride));
    View out(c, rows, cols_, Eigen::OuterStride<>(out_.pixel_stride));
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
  std::vector<GemmPanels> packed_;  // per (sample, head), with AVX-512
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const Matmul& op, const KernelArgs& args) {
  return std::make_unique<MatmulKernel>(op, args);
}

}  // namespace cpx::profiler

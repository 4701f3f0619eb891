// group_norm: per sample and group, mean and biased variance over (C/G) x H x W, then gamma/beta per
// channel. XNNPACK has no norms, so three steps on the pool: partial sums over tiles of pixels, a tiny
// serial combine, and the affine over tiles of pixels.
#include <Eigen/Core>

#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

using Floats = Eigen::Map<const Eigen::ArrayXf>;

class GroupNormKernel final : public Kernel {
 public:
  GroupNormKernel(const GroupNorm& op, const KernelArgs& args)
      : in_(args.inputs[0]),
        out_(args.output),
        gamma_(args.weights.weight),
        beta_(args.weights.bias),
        groups_(op.groups),
        eps_(op.eps) {
    implementation_ = {"emulated: loops (partial sums per pixel tile, then Eigen affine)", true};
    const int64_t c = in_.shape.c;
    expect_size(gamma_, c, "group_norm gamma");
    expect_size(beta_, c, "group_norm beta");
    pixels_ = in_.shape.pixels();
    // Statistics tiles: a few per thread, but not smaller than ~4K floats.
    chunk_pixels_ = static_cast<int64_t>(tile_for(args.pool, pixels_, c));
    chunks_ = (pixels_ + chunk_pixels_ - 1) / chunk_pixels_;
    partial_.resize(static_cast<size_t>(in_.shape.n * chunks_ * groups_));
    mean_.resize(static_cast<size_t>(in_.shape.n * c));
    scale_.resize(mean_.size());
    apply_tile_ = tile_for(args.pool, in_.pixels(), c);
  }

  void run(pthreadpool_t pool) override {
    parallel_for(pool, in_.shape.n * chunks_, 1, [this](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) partial_sums(static_cast<int64_t>(t));
    });
    combine();
    parallel_for(pool, in_.pixels(), apply_tile_, [this](size_t begin, size_t end) {
      const Eigen::Index c = in_.shape.c;
      const Floats beta(beta_.data(), c);
      for (size_t p = begin; p < end; ++p) {
        const size_t sample = p / pixels_;
        const Floats mean(mean_.data() + sample * c, c), scale(scale_.data() + sample * c, c);
        Eigen::Map<Eigen::ArrayXf>(out_.pixel(p), c) = (Floats(in_.pixel(p), c) - mean) * scale + beta;
      }
    });
  }

 private:
  // Sums of (x - pivot) and (x - pivot)² of one group; the pivot (a value of the group) keeps
  // E[x²] - E[x]² free of cancellation when the mean is large against the spread.
  struct Sums {
    double sum = 0, squares = 0;
  };

  float pivot(int64_t sample, int64_t group) const {
    return in_.pixel(sample * pixels_)[group * (in_.shape.c / groups_)];
  }

  void partial_sums(int64_t task) {
    const int64_t sample = task / chunks_, chunk = task % chunks_;
    const int64_t group_c = in_.shape.c / groups_;
    const int64_t first = chunk * chunk_pixels_, last = std::min(pixels_, first + chunk_pixels_);
    for (int64_t g = 0; g < groups_; ++g) {
      const float k = pivot(sample, g);
      Sums s;
      for (int64_t p = first; p < last; ++p) {
        // Float within a pixel's group (Eigen vectorises the sum), double across pixels.
        const Floats x(in_.pixel(sample * pixels_ + p) + g * group_c, group_c);
        s.sum += (x - k).sum();
        s.squares += (x - k).square().sum();
      }
      partial_[static_cast<size_t>(task * groups_ + g)] = s;
    }
  }

  void combine() {
    const int64_t c = in_.shape.c, group_c = c / groups_;
    const double count = static_cast<double>(pixels_ * group_c);
    for (int64_t sample = 0; sample < in_.shape.n; ++sample) {
      for (int64_t g = 0; g < groups_; ++g) {
        Sums s;
        for (int64_t chunk = 0; chunk < chunks_; ++chunk) {
          const Sums& part = partial_[static_cast<size_t>((sample * chunks_ + chunk) * groups_ + g)];
          s.sum += part.sum;
          s.squares += part.squares;
        }
        const double shifted_mean = s.sum / count;
        const double variance = std::max(0.0, s.squares / count - shifted_mean * shifted_mean);
        const double mean = shifted_mean + pivot(sample, g);
        const double rstd = 1.0 / std::sqrt(variance + eps_);
        for (int64_t ch = g * group_c; ch < (g + 1) * group_c; ++ch) {
          mean_[static_cast<size_t>(sample * c + ch)] = static_cast<float>(mean);
          scale_[static_cast<size_t>(sample * c + ch)] = static_cast<float>(rstd * gamma_[static_cast<size_t>(ch)]);
        }
      }
    }
  }

  TensorView in_, out_;
  std::vector<float> gamma_, beta_;
  int64_t groups_;
  double eps_;
  int64_t pixels_ = 0;  // per sample
  int64_t chunk_pixels_ = 1, chunks_ = 1;
  std::vector<Sums> partial_;        // [sample][chunk][group]
  std::vector<float> mean_, scale_;  // [sample][channel]: the group's mean, gamma·rstd
  size_t apply_tile_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const GroupNorm& op, const KernelArgs& args) {
  return std::make_unique<GroupNormKernel>(op, args);
}

}  // namespace cpx::profiler

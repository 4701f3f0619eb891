// layer_norm over the channels of each pixel, then gamma/beta per channel. XNNPACK has no norms: a
// loop over tiles of pixels, each pixel's mean and variance in two passes (its C floats stay in L1).
#include <Eigen/Core>

#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

using Row = Eigen::Map<const Eigen::ArrayXf>;

class LayerNormKernel final : public Kernel {
 public:
  LayerNormKernel(const LayerNorm& op, const KernelArgs& args)
      : in_(args.inputs[0]),
        out_(args.output),
        gamma_(args.weights.weight),
        beta_(args.weights.bias),
        eps_(static_cast<float>(op.eps)) {
    implementation_ = {"emulated: Eigen loop per pixel (mean, variance, affine)", true};
    expect_size(gamma_, in_.shape.c, "layer_norm gamma");
    expect_size(beta_, in_.shape.c, "layer_norm beta");
    tile_ = tile_for(args.pool, in_.pixels(), in_.shape.c);
  }

  void run(pthreadpool_t pool) override {
    parallel_for(pool, in_.pixels(), tile_, [this](size_t begin, size_t end) {
      const Eigen::Index c = in_.shape.c;
      const Row gamma(gamma_.data(), c), beta(beta_.data(), c);
      for (size_t p = begin; p < end; ++p) {
        const Row x(in_.pixel(p), c);
        const float mean = x.mean();
        const float variance = (x - mean).square().mean();  // biased, as in PyTorch
        const float rstd = 1.0f / std::sqrt(variance + eps_);
        Eigen::Map<Eigen::ArrayXf>(out_.pixel(p), c) = (x - mean) * rstd * gamma + beta;
      }
    });
  }

 private:
  TensorView in_, out_;
  std::vector<float> gamma_, beta_;
  float eps_;
  size_t tile_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const LayerNorm& op, const KernelArgs& args) {
  return std::make_unique<LayerNormKernel>(op, args);
}

}  // namespace cpx::profiler

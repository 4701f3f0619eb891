// class_token: the learned tokens, then the input's pixels, per sample: XNNPACK copy_nc_x32 row copies
// (the tokens from our own copy of the weights, the pixels from the possibly strided input).
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

XnnOp copy_rows(int64_t channels, const float* in, int64_t in_stride, float* out, int64_t out_stride, int64_t rows,
                pthreadpool_t pool) {
  XnnOp copy;
  check_xnn(xnn_create_copy_nc_x32(channels, in_stride, out_stride, 0, copy.out()), "xnn_create_copy_nc_x32");
  check_xnn(xnn_setup_copy_nc_x32(copy.get(), rows, in, out, pool), "xnn_setup_copy_nc_x32");
  return copy;
}

class ClassTokenKernel final : public XnnKernel {
 public:
  ClassTokenKernel(const ClassToken& op, const KernelArgs& args)
      : XnnKernel("xnnpack copy_nc_x32 (tokens, then pixels, per sample)", false) {
    const TensorView& in = args.inputs[0];
    const TensorView& out = args.output;
    const int64_t c = in.shape.c;
    expect_size(args.weights.weight, op.tokens * c, "class_token tokens");
    // Our own copy (the weights may not outlive the plan), with XNNPACK's read slack.
    tokens_.assign(args.weights.weight.size() + XNN_EXTRA_BYTES / sizeof(float), 0.0f);
    std::copy(args.weights.weight.begin(), args.weights.weight.end(), tokens_.begin());
    const int64_t pixels = in.shape.h * in.shape.w;
    for (int64_t n = 0; n < in.shape.n; ++n) {
      float* row = out.pixel(n * out.shape.w);
      add(copy_rows(c, tokens_.data(), c, row, out.pixel_stride, op.tokens, args.pool));
      add(copy_rows(c, in.pixel(n * pixels), in.pixel_stride, row + op.tokens * out.pixel_stride, out.pixel_stride,
                    pixels, args.pool));
    }
  }

 private:
  std::vector<float> tokens_;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const ClassToken& op, const KernelArgs& args) {
  return std::make_unique<ClassTokenKernel>(op, args);
}

}  // namespace cpx::profiler

// prelu, y = x >= 0 ? x : a[c]·x: XNNPACK's PReLU operator, which takes a slope per channel (a shared
// slope is given to it C times).
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const PRelu& p, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t c = in.shape.c;
  expect_size(args.weights.weight, p.shared ? 1 : c, "prelu slopes");
  const std::vector<float> slopes =
      p.shared ? std::vector<float>(static_cast<size_t>(c), args.weights.weight[0]) : args.weights.weight;
  XnnOp op;  // the slopes are packed at create
  check_xnn(
      xnn_create_prelu_nc_f32(static_cast<size_t>(c), in.pixel_stride, out.pixel_stride, slopes.data(), 0, op.out()),
      "xnn_create_prelu_nc_f32");
  check_xnn(xnn_setup_prelu_nc_f32(op.get(), static_cast<size_t>(in.pixels()), in.data, out.data, args.pool),
            "xnn_setup_prelu_nc_f32");
  auto kernel = std::make_unique<XnnKernel>(
      p.shared ? "xnnpack prelu_nc_f32 (one slope, given per channel)" : "xnnpack prelu_nc_f32", false);
  kernel->add(std::move(op));
  return kernel;
}

}  // namespace cpx::profiler

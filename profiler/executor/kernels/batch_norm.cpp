// batch_norm at inference, y = scale[c]·x + shift[c]: an XNNPACK 1x1 depthwise convolution, which
// XNNPACK runs with its per-channel multiply-add microkernel (vmulcaddc).
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const BatchNorm&, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t c = in.shape.c;
  expect_size(args.weights.weight, c, "batch_norm scale");  // = the [C][1][1][1] depthwise weight
  expect_size(args.weights.bias, c, "batch_norm shift");

  XnnOp conv;
  check_xnn(xnn_create_convolution2d_nhwc_f32(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, u32(c), 1, 1, in.pixel_stride,
                                              out.pixel_stride, args.weights.weight.data(), args.weights.bias.data(),
                                              no_min, no_max, 0, conv.out()),
            "xnn_create_convolution2d_nhwc_f32");
  check_xnn(xnn_setup_convolution2d_nhwc_f32(conv.get(), in.shape.n, in.shape.h, in.shape.w, in.data, out.data,
                                             args.pool),
            "xnn_setup_convolution2d_nhwc_f32");
  auto kernel = std::make_unique<XnnKernel>(
      "xnnpack convolution2d_nhwc_f32 (1x1 depthwise: per-channel scale and shift)", false);
  kernel->add(std::move(conv));
  return kernel;
}

}  // namespace cpx::profiler

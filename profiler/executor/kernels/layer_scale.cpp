// layer_scale, y = γ[c]·x: an XNNPACK 1x1 depthwise convolution with weights γ and no bias, which
// XNNPACK runs with its per-channel multiply-add microkernel (vmulcaddc), as batch_norm.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const LayerScale&, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t c = in.shape.c;
  expect_size(args.weights.weight, c, "layer_scale gamma");  // = the [C][1][1][1] depthwise weight

  XnnOp conv;
  check_xnn(xnn_create_convolution2d_nhwc_f32(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, u32(c), 1, 1, in.pixel_stride,
                                              out.pixel_stride, args.weights.weight.data(), nullptr, no_min, no_max,
                                              0, conv.out()),
            "xnn_create_convolution2d_nhwc_f32");
  check_xnn(xnn_setup_convolution2d_nhwc_f32(conv.get(), in.shape.n, in.shape.h, in.shape.w, in.data, out.data,
                                             args.pool),
            "xnn_setup_convolution2d_nhwc_f32");
  auto kernel =
      std::make_unique<XnnKernel>("xnnpack convolution2d_nhwc_f32 (1x1 depthwise: per-channel scale)", false);
  kernel->add(std::move(conv));
  return kernel;
}

}  // namespace cpx::profiler

// The per-channel affine every scale-and-shift op runs on (xnn_op.hpp), and affine, y = scale·x + shift
// with two constants, on it.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

XnnOp channel_affine(const TensorView& in, const TensorView& out, const float* scale, const float* shift, float lo,
                     float hi, pthreadpool_t pool) {
  XnnOp conv;
  check_xnn(xnn_create_convolution2d_nhwc_f32(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, u32(in.shape.c), 1, 1, in.pixel_stride,
                                              out.pixel_stride, scale, shift, lo, hi, 0, conv.out()),
            "xnn_create_convolution2d_nhwc_f32");
  check_xnn(xnn_setup_convolution2d_nhwc_f32(conv.get(), in.shape.n, in.shape.h, in.shape.w, in.data, out.data, pool),
            "xnn_setup_convolution2d_nhwc_f32");
  return conv;
}

std::unique_ptr<Kernel> make_kernel(const Affine& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const size_t c = static_cast<size_t>(in.shape.c);
  const std::vector<float> scale(c, static_cast<float>(op.scale)), shift(c, static_cast<float>(op.shift));
  auto kernel =
      std::make_unique<XnnKernel>("xnnpack convolution2d_nhwc_f32 (1x1 depthwise: one scale and shift)", false);
  kernel->add(channel_affine(in, args.output, scale.data(), shift.data(), no_min, no_max, args.pool));
  return kernel;
}

}  // namespace cpx::profiler

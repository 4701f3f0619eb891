// batch_norm at inference, y = scale[c]·x + shift[c]: channel_affine.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const BatchNorm&, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t c = in.shape.c;
  expect_size(args.weights.weight, c, "batch_norm scale");  // = the [C][1][1][1] depthwise weight
  expect_size(args.weights.bias, c, "batch_norm shift");

  auto kernel =
      std::make_unique<XnnKernel>("xnnpack convolution2d_nhwc_f32 (1x1 depthwise: per-channel scale and shift)", false);
  kernel->add(channel_affine(in, out, args.weights.weight.data(), args.weights.bias.data(), no_min, no_max, args.pool));
  return kernel;
}

}  // namespace cpx::profiler

// layer_scale, y = γ[c]·x: channel_affine without a shift.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const LayerScale&, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t c = in.shape.c;
  expect_size(args.weights.weight, c, "layer_scale gamma");  // = the [C][1][1][1] depthwise weight

  auto kernel = std::make_unique<XnnKernel>("xnnpack convolution2d_nhwc_f32 (1x1 depthwise: per-channel scale)", false);
  kernel->add(channel_affine(in, out, args.weights.weight.data(), nullptr, no_min, no_max, args.pool));
  return kernel;
}

}  // namespace cpx::profiler

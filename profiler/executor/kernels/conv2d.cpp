// conv2d: one XNNPACK convolution (dense, grouped and depthwise alike), relu/relu6 fused as its output
// clamp, any other activation run in place afterwards.
#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {
std::unique_ptr<Kernel> make_xnnpack_conv(const Conv2d& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const ConvWeightShape w = op.weight_shape(in.shape.c);
  const bool bias = !args.weights.bias.empty();
  // Fusion plans epilogues for igemm's convs only (IgemmRule::takes); this operator would drop one.
  if (args.residual.data || args.clamp != Activation::none)
    throw std::logic_error("conv2d " + args.op.name + ": XNNPACK's convolution cannot take a fused epilogue");
  const auto [lo, hi] = clamp_range(op.activation);
  XnnOp conv;
  check_xnn(
      xnn_create_convolution2d_nhwc_f32(
          u32(op.padding.top), u32(op.padding.right), u32(op.padding.bottom), u32(op.padding.left), u32(op.kernel[0]),
          u32(op.kernel[1]), u32(op.stride[0]), u32(op.stride[1]), u32(op.dilation[0]), u32(op.dilation[1]),
          u32(op.groups), w.in_per_group, op.out_channels / op.groups, in.pixel_stride, out.pixel_stride,
          args.weights.weight.data(), bias ? args.weights.bias.data() : nullptr, lo, hi, 0, conv.out()),
      "xnn_create_convolution2d_nhwc_f32");
  check_xnn(
      xnn_setup_convolution2d_nhwc_f32(conv.get(), in.shape.n, in.shape.h, in.shape.w, in.data, out.data, args.pool),
      "xnn_setup_convolution2d_nhwc_f32");
  return with_activation(std::move(conv), "convolution2d_nhwc_f32", op.activation, out, args.pool);
}
}  // namespace

std::unique_ptr<Kernel> make_kernel(const Conv2d& op, const KernelArgs& args) {
  const int64_t in_channels = args.inputs[0].shape.c;
  // Our weight layout [Cout][kh][kw][Cin/groups] is XNNPACK's grouped layout [groups][Cout/g][kh][kw][Cin/g].
  expect_size(args.weights.weight, op.weight_shape(in_channels).elements(), "conv2d weight");
  if (!args.weights.bias.empty()) expect_size(args.weights.bias, op.out_channels, "conv2d bias");
  // Depthwise (groups = C, one channel in and out per group) goes through XNNPACK's generic call: it
  // timed equal to XNN_FLAG_DEPTHWISE_CONVOLUTION on 2x2, 3x3, 5x5 and 7x7 at 1 and 2 threads (XNNPACK
  // picks its depthwise microkernel either way; the flag only changes the weight layout), and our
  // [C][kh][kw][1] weights need no transpose. XNNPACK has depthwise microkernels for 3, 4, 9 and 25 taps
  // only; other sizes (7x7) run as a grouped GEMM, far slower than 5x5, so they go to our loops, as
  // do channel multipliers, 3x3 and 5x5 depthwise convs and any followed by hardswish (runs_conv_loops).
  // Dilated convs (DeepLab's atrous convs): igemm's indirection takes any dilation; our depthwise loops
  // assume adjacent taps, so a dilated depthwise conv goes to XNNPACK.
  if (runs_conv_loops(op, in_channels)) return make_depthwise_loops_kernel(op, args);
  if (igemm_rule().takes(op, in_channels, pool_threads(args.pool))) return make_igemm_kernel(op, args);
  return make_xnnpack_conv(op, args);
}

}  // namespace cpx::profiler

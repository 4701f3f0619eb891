// conv_transpose2d: one XNNPACK deconvolution (dense, grouped and depthwise alike), relu/relu6 fused as
// its output clamp, any other activation run in place afterwards (as conv2d).
//
// Semantics match PyTorch ConvTranspose2d: input pixel (iy, ix) adds w[o][ky][kx][i]·x[i] to the full
// output at (iy·s + ky, ix·s + kx), no kernel flip; XNNPACK's four paddings crop that full output
// (top, right, bottom, left), and its setup-time "adjustment" is output_padding (extra rows/columns at
// the bottom/right, < stride). Output = (in − 1)·s − pad_before − pad_after + k + output_padding.
// XNNPACK splits stride > 1 (with stride <= kernel) into stride² sub-convolutions, so no MAC is spent
// on the zeros a naive zero-insertion would multiply.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const ConvTranspose2d& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const ConvWeightShape w = op.weight_shape(in.shape.c);
  const int64_t in_per_group = w.in_per_group;
  const int64_t out_per_group = op.out_channels / op.groups;
  // Our weight layout [Cout][kh][kw][Cin/groups] is XNNPACK's deconvolution layout
  // [groups][Cout/g][kh][kw][Cin/g] (PyTorch's [Cin][Cout/g][kh][kw], transposed per group).
  expect_size(args.weights.weight, w.elements(), "conv_transpose2d weight");
  const bool bias = !args.weights.bias.empty();
  if (bias) expect_size(args.weights.bias, op.out_channels, "conv_transpose2d bias");

  const auto [lo, hi] = clamp_range(op.activation);
  XnnOp deconv;
  check_xnn(xnn_create_deconvolution2d_nhwc_f32(
                u32(op.padding.top), u32(op.padding.right), u32(op.padding.bottom), u32(op.padding.left),
                u32(op.kernel[0]), u32(op.kernel[1]), u32(op.stride[0]), u32(op.stride[1]), 1, 1, u32(op.groups),
                in_per_group, out_per_group, in.pixel_stride, out.pixel_stride, args.weights.weight.data(),
                bias ? args.weights.bias.data() : nullptr, lo, hi, 0, deconv.out()),
            "xnn_create_deconvolution2d_nhwc_f32");
  check_xnn(
      xnn_setup_deconvolution2d_nhwc_f32(deconv.get(), in.shape.n, in.shape.h, in.shape.w, u32(op.output_padding[0]),
                                         u32(op.output_padding[1]), in.data, out.data, args.pool),
      "xnn_setup_deconvolution2d_nhwc_f32");
  return with_activation(std::move(deconv), "deconvolution2d_nhwc_f32", op.activation, out, args.pool);
}

}  // namespace cpx::profiler

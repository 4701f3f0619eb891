// fully_connected: one XNNPACK fully connected operator over every pixel (batch = n·h·w rows of C), or
// a 1x1 convolution over them where that operator is wrong (below); relu/relu6 fused as its output
// clamp, any other activation run in place afterwards.
#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const FullyConnected& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  expect_size(args.weights.weight, op.out_features * in.shape.c, "fully_connected weight");  // [out][in]
  const bool bias = !args.weights.bias.empty();
  if (bias) expect_size(args.weights.bias, op.out_features, "fully_connected bias");

  if (igemm_prefers(in.shape.c, op.out_features, 1, pool_threads(args.pool))) return make_igemm_kernel(op, args);
  const auto [lo, hi] = clamp_range(op.activation);
  // This XNNPACK's fully_connected_nc_f32 computes every output column after the first 16 wrongly when
  // the input width is not a multiple of 4 and a pool of 2+ threads splits the columns (seen on an AMD
  // EPYC with AVX2; the same op as a 1x1 convolution, whose weights are the same [out][in], was exact:
  // docs/log/predictor.md, moved from code comments). Such layers run as that convolution, at every
  // thread count, so that a profile's 1- and 2-thread times are of one implementation.
  if (in.shape.c % 4 != 0) {
    XnnOp conv;
    check_xnn(xnn_create_convolution2d_nhwc_f32(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, u32(in.shape.c), u32(op.out_features),
                                                in.pixel_stride, out.pixel_stride, args.weights.weight.data(),
                                                bias ? args.weights.bias.data() : nullptr, lo, hi, 0, conv.out()),
              "xnn_create_convolution2d_nhwc_f32");
    check_xnn(xnn_setup_convolution2d_nhwc_f32(conv.get(), in.pixels(), 1, 1, in.data, out.data, args.pool),
              "xnn_setup_convolution2d_nhwc_f32");
    return with_activation(
        std::move(conv),
        "convolution2d_nhwc_f32 (1x1: a fully connected layer whose input width is not a multiple of 4)", op.activation,
        out, args.pool);
  }
  XnnOp fc;
  check_xnn(xnn_create_fully_connected_nc_f32(in.shape.c, op.out_features, in.pixel_stride, out.pixel_stride,
                                              args.weights.weight.data(), bias ? args.weights.bias.data() : nullptr, lo,
                                              hi, 0, fc.out()),
            "xnn_create_fully_connected_nc_f32");
  check_xnn(xnn_setup_fully_connected_nc_f32(fc.get(), in.pixels(), in.data, out.data, args.pool),
            "xnn_setup_fully_connected_nc_f32");
  return with_activation(std::move(fc), "fully_connected_nc_f32", op.activation, out, args.pool);
}

}  // namespace cpx::profiler

// fully_connected: one XNNPACK fully connected operator over every pixel (batch = n·h·w rows of C),
// relu/relu6 fused as its output clamp, any other activation run in place afterwards.
#include "profiler/kernels/igemm.hpp"
#include "profiler/kernels/kernels.hpp"
#include "profiler/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const FullyConnected& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  expect_size(args.weights.weight, op.out_features * in.shape.c, "fully_connected weight");  // [out][in]
  const bool bias = !args.weights.bias.empty();
  if (bias) expect_size(args.weights.bias, op.out_features, "fully_connected bias");

  if (igemm_prefers(in.shape.c, op.out_features, 1, pool_threads(args.pool))) return make_igemm_kernel(op, args);
  const auto [lo, hi] = clamp_range(op.activation);
  XnnOp fc;
  check_xnn(xnn_create_fully_connected_nc_f32(in.shape.c, op.out_features, in.pixel_stride, out.pixel_stride,
                                              args.weights.weight.data(), bias ? args.weights.bias.data() : nullptr,
                                              lo, hi, 0, fc.out()),
            "xnn_create_fully_connected_nc_f32");
  check_xnn(xnn_setup_fully_connected_nc_f32(fc.get(), in.pixels(), in.data, out.data, args.pool),
            "xnn_setup_fully_connected_nc_f32");
  return with_activation(std::move(fc), "fully_connected_nc_f32", op.activation, out, args.pool);
}

}  // namespace cpx::profiler

// softmax over each of `groups` equal channel segments of every pixel: XNNPACK softmax on rows of C/groups.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

XnnOp softmax_op(size_t channels, size_t in_stride, size_t out_stride, size_t rows, const float* in, float* out,
                 pthreadpool_t pool) {
  XnnOp op;
  check_xnn(xnn_create_softmax_nc_f32(channels, in_stride, out_stride, 0, op.out()), "xnn_create_softmax_nc_f32");
  check_xnn(xnn_setup_softmax_nc_f32(op.get(), rows, in, out, pool), "xnn_setup_softmax_nc_f32");
  return op;
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const Softmax& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t segment = in.shape.c / op.groups;

  // The segments are evenly spaced rows when the views are dense (or there is one segment per pixel):
  // then one operator does every row. Otherwise one operator per segment, each on its channel view.
  if (op.groups == 1 || (in.dense() && out.dense())) {
    const int64_t in_stride = op.groups == 1 ? in.pixel_stride : segment;
    const int64_t out_stride = op.groups == 1 ? out.pixel_stride : segment;
    auto kernel = std::make_unique<XnnKernel>("xnnpack softmax_nc_f32", false);
    kernel->add(softmax_op(segment, in_stride, out_stride, in.pixels() * op.groups, in.data, out.data, args.pool));
    return kernel;
  }
  auto kernel = std::make_unique<XnnKernel>(
      "xnnpack softmax_nc_f32, one per channel group (" + std::to_string(op.groups) + ", strided views)", false);
  for (int64_t g = 0; g < op.groups; ++g)
    kernel->add(softmax_op(segment, in.pixel_stride, out.pixel_stride, in.pixels(), in.data + g * segment,
                           out.data + g * segment, args.pool));
  return kernel;
}

}  // namespace cpx::profiler

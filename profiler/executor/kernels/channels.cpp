// slice and concat along channels: XNNPACK copy_nc_x32 between strided channel views, one per input.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

// Copies `channels` floats of every pixel from `in` to `out` (each with its own pixel stride).
XnnOp copy_channels(int64_t channels, const float* in, int64_t in_stride, float* out, int64_t out_stride,
                    int64_t pixels, pthreadpool_t pool) {
  XnnOp copy;
  check_xnn(xnn_create_copy_nc_x32(channels, in_stride, out_stride, 0, copy.out()), "xnn_create_copy_nc_x32");
  check_xnn(xnn_setup_copy_nc_x32(copy.get(), pixels, in, out, pool), "xnn_setup_copy_nc_x32");
  return copy;
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const Slice& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  auto kernel = std::make_unique<XnnKernel>("xnnpack copy_nc_x32", false);
  kernel->add(copy_channels(op.end - op.begin, in.data + op.begin, in.pixel_stride, out.data, out.pixel_stride,
                            in.pixels(), args.pool));
  return kernel;
}

std::unique_ptr<Kernel> make_kernel(const Concat&, const KernelArgs& args) {
  const TensorView& out = args.output;
  auto kernel =
      std::make_unique<XnnKernel>("xnnpack copy_nc_x32 per input (" + std::to_string(args.inputs.size()) + ")", false);
  int64_t offset = 0;
  for (const TensorView& in : args.inputs) {
    kernel->add(copy_channels(in.shape.c, in.data, in.pixel_stride, out.data + offset, out.pixel_stride, in.pixels(),
                              args.pool));
    offset += in.shape.c;
  }
  return kernel;
}

}  // namespace cpx::profiler

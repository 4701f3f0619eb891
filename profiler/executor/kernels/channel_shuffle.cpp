// channel_shuffle: XNNPACK channel_shuffle_nc_x32 over every pixel (strided channel views allowed).
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const ChannelShuffle& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  XnnOp shuffle;
  check_xnn(xnn_create_channel_shuffle_nc_x32(op.groups, in.shape.c / op.groups, in.pixel_stride, out.pixel_stride, 0,
                                              shuffle.out()),
            "xnn_create_channel_shuffle_nc_x32");
  check_xnn(xnn_setup_channel_shuffle_nc_x32(shuffle.get(), in.pixels(), in.data, out.data, args.pool),
            "xnn_setup_channel_shuffle_nc_x32");
  auto kernel = std::make_unique<XnnKernel>("xnnpack channel_shuffle_nc_x32", false);
  kernel->add(std::move(shuffle));
  return kernel;
}

}  // namespace cpx::profiler

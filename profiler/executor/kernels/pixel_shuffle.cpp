// pixel_shuffle on XNNPACK's depth_to_space_nhwc_x32, which reads each pixel's channels in TensorFlow's
// order (ONNX DepthToSpace's DCR, block position first): output (y·r + i, x·r + j, c) is input channel
// (i·r + j)·C + c. PyTorch's pixel_shuffle (CRD) reads channel c·r² + i·r + j, so a channel shuffle first
// transposes each pixel's C x r² channels to r² x C (channel_shuffle_nc_x32, C groups of r²) into a
// scratch buffer: two operators, so emulated. With one output channel the two orders are one, and
// depth_to_space alone is the op.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

XnnOp depth_to_space(const float* in, size_t in_stride, const ShapeNhwc& in_shape, const TensorView& out, int64_t r,
                     pthreadpool_t pool) {
  XnnOp op;
  check_xnn(xnn_create_depth_to_space_nhwc_x32(static_cast<size_t>(out.shape.c), in_stride,
                                               static_cast<size_t>(out.pixel_stride), u32(r), 0, op.out()),
            "xnn_create_depth_to_space_nhwc_x32");
  check_xnn(
      xnn_setup_depth_to_space_nhwc_x32(op.get(), static_cast<size_t>(in_shape.n), static_cast<size_t>(in_shape.h),
                                        static_cast<size_t>(in_shape.w), in, out.data, pool),
      "xnn_setup_depth_to_space_nhwc_x32");
  return op;
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const PixelShuffle& p, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t c = out.shape.c, block = p.upscale * p.upscale;
  if (c == 1) {
    auto kernel = std::make_unique<XnnKernel>(
        "xnnpack depth_to_space_nhwc_x32 (one channel: PyTorch's order is XNNPACK's)", false);
    kernel->add(depth_to_space(in.data, static_cast<size_t>(in.pixel_stride), in.shape, out, p.upscale, args.pool));
    return kernel;
  }
  auto kernel = std::make_unique<XnnKernel>(
      "xnnpack channel_shuffle_nc_x32 (PyTorch's channel order to XNNPACK's) + xnnpack depth_to_space_nhwc_x32", true);
  float* reordered = kernel->scratch(static_cast<size_t>(in.pixels() * in.shape.c));
  XnnOp shuffle;
  check_xnn(xnn_create_channel_shuffle_nc_x32(static_cast<size_t>(c), static_cast<size_t>(block),
                                              static_cast<size_t>(in.pixel_stride), static_cast<size_t>(in.shape.c), 0,
                                              shuffle.out()),
            "xnn_create_channel_shuffle_nc_x32");
  check_xnn(
      xnn_setup_channel_shuffle_nc_x32(shuffle.get(), static_cast<size_t>(in.pixels()), in.data, reordered, args.pool),
      "xnn_setup_channel_shuffle_nc_x32");
  kernel->add(std::move(shuffle));
  kernel->add(depth_to_space(reordered, static_cast<size_t>(in.shape.c), in.shape, out, p.upscale, args.pool));
  return kernel;
}

}  // namespace cpx::profiler

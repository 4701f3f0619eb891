// resize_bilinear: one XNNPACK resize_bilinear2d_nhwc_f32. Its default mode (no flags) is half-pixel
// centres, src = max(0, (dst + 0.5)·in/out − 0.5), with the upper neighbour clamped to in − 1: PyTorch's
// align_corners=False with an output size (scale = in/out). XNN_FLAG_ALIGN_CORNERS gives
// src = dst·(in − 1)/(out − 1), and src = 0 for a one-pixel output: PyTorch's align_corners=True.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const ResizeBilinear& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  XnnOp resize;
  check_xnn(xnn_create_resize_bilinear2d_nhwc_f32(static_cast<size_t>(in.shape.c), in.pixel_stride, out.pixel_stride,
                                                  op.align_corners ? XNN_FLAG_ALIGN_CORNERS : 0, resize.out()),
            "xnn_create_resize_bilinear2d_nhwc_f32");
  check_xnn(xnn_setup_resize_bilinear2d_nhwc_f32(resize.get(), in.shape.n, in.shape.h, in.shape.w, out.shape.h,
                                                 out.shape.w, in.data, out.data, args.pool),
            "xnn_setup_resize_bilinear2d_nhwc_f32");
  auto kernel = std::make_unique<XnnKernel>(std::string("xnnpack resize_bilinear2d_nhwc_f32") +
                                                (op.align_corners ? " (align corners)" : " (half-pixel centres)"),
                                            false);
  kernel->add(std::move(resize));
  return kernel;
}

}  // namespace cpx::profiler

// Pooling. global_avg_pool and max_pool are the XNNPACK operators. XNNPACK's average pooling leaves
// padded cells out of the divisor, which is avg_pool with count_include_pad false. With count_include_pad
// true a padded avg_pool divides by the full window, so it runs as a depthwise convolution with weights
// 1/(kh·kw) when XNNPACK has a depthwise microkernel for that many taps, else as explicit zero padding
// into a scratch buffer followed by unpadded average pooling.
// XNNPACK rejects 1x1 pooling windows; those (a strided subsampling) are a depthwise 1x1 convolution.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

// Tap counts this XNNPACK has f32 depthwise microkernels for; other sizes fall back to a grouped GEMM,
// far slower (docs/log/executor.md#executor-kernel-figures).
bool has_depthwise_microkernel(int64_t taps) { return taps == 3 || taps == 4 || taps == 9 || taps == 25; }

bool padded(const Padding& p) { return p.top != 0 || p.bottom != 0 || p.left != 0 || p.right != 0; }

// A depthwise convolution with every weight equal to `weight` and no bias.
XnnOp constant_depthwise(const Window& window, float weight, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t c = in.shape.c;
  const std::vector<float> weights(static_cast<size_t>(c * window.kernel[0] * window.kernel[1]), weight);
  const Padding& p = window.padding;
  XnnOp conv;
  check_xnn(xnn_create_convolution2d_nhwc_f32(u32(p.top), u32(p.right), u32(p.bottom), u32(p.left),
                                              u32(window.kernel[0]), u32(window.kernel[1]), u32(window.stride[0]),
                                              u32(window.stride[1]), 1, 1, u32(c), 1, 1, in.pixel_stride,
                                              out.pixel_stride, weights.data(), nullptr, no_min, no_max, 0, conv.out()),
            "xnn_create_convolution2d_nhwc_f32");
  check_xnn(
      xnn_setup_convolution2d_nhwc_f32(conv.get(), in.shape.n, in.shape.h, in.shape.w, in.data, out.data, args.pool),
      "xnn_setup_convolution2d_nhwc_f32");
  return conv;
}

std::unique_ptr<Kernel> single(XnnOp op, std::string how) {
  auto kernel = std::make_unique<XnnKernel>(std::move(how), false);
  kernel->add(std::move(op));
  return kernel;
}

// XNNPACK's average pooling of `in` (`in_shape`, `in_stride` floats a pixel) with `padding` left out of
// the divisor.
XnnOp average_pooling(const AvgPool& op, const Padding& padding, const float* in, const ShapeNhwc& in_shape,
                      int64_t in_stride, const KernelArgs& args) {
  const Padding& p = padding;
  XnnOp pool;
  check_xnn(
      xnn_create_average_pooling2d_nhwc_f32(u32(p.top), u32(p.right), u32(p.bottom), u32(p.left), u32(op.kernel[0]),
                                            u32(op.kernel[1]), u32(op.stride[0]), u32(op.stride[1]), in_shape.c,
                                            in_stride, args.output.pixel_stride, no_min, no_max, 0, pool.out()),
      "xnn_create_average_pooling2d_nhwc_f32");
  check_xnn(xnn_setup_average_pooling2d_nhwc_f32(pool.get(), in_shape.n, in_shape.h, in_shape.w, in, args.output.data,
                                                 args.pool),
            "xnn_setup_average_pooling2d_nhwc_f32");
  return pool;
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const GlobalAvgPool&, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  XnnOp op;
  check_xnn(xnn_create_global_average_pooling_nwc_f32(in.shape.c, in.pixel_stride, out.pixel_stride, no_min, no_max, 0,
                                                      op.out()),
            "xnn_create_global_average_pooling_nwc_f32");
  // "NWC" with W = every pixel of a sample.
  check_xnn(
      xnn_setup_global_average_pooling_nwc_f32(op.get(), in.shape.n, in.shape.pixels(), in.data, out.data, args.pool),
      "xnn_setup_global_average_pooling_nwc_f32");
  return single(std::move(op), "xnnpack global_average_pooling_nwc_f32");
}

std::unique_ptr<Kernel> make_kernel(const MaxPool& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  if (op.kernel[0] * op.kernel[1] == 1)
    return single(constant_depthwise(op.window(), 1.0f, args),
                  "xnnpack convolution2d_nhwc_f32 (1x1 depthwise of ones: a 1x1 pool)");
  const Padding& p = op.padding;
  XnnOp pool;
  // XNNPACK's max pooling ignores padded cells, as the op requires (padding acts as -inf).
  check_xnn(xnn_create_max_pooling2d_nhwc_f32(u32(p.top), u32(p.right), u32(p.bottom), u32(p.left), u32(op.kernel[0]),
                                              u32(op.kernel[1]), u32(op.stride[0]), u32(op.stride[1]), 1, 1, in.shape.c,
                                              in.pixel_stride, out.pixel_stride, no_min, no_max, 0, pool.out()),
            "xnn_create_max_pooling2d_nhwc_f32");
  check_xnn(
      xnn_setup_max_pooling2d_nhwc_f32(pool.get(), in.shape.n, in.shape.h, in.shape.w, in.data, out.data, args.pool),
      "xnn_setup_max_pooling2d_nhwc_f32");
  return single(std::move(pool), "xnnpack max_pooling2d_nhwc_f32");
}

std::unique_ptr<Kernel> make_kernel(const AvgPool& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const int64_t taps = op.kernel[0] * op.kernel[1];
  const bool pad = padded(op.padding);
  if (taps == 1)  // never padded: padding is below the kernel
    return single(constant_depthwise(op.window(), 1.0f, args),
                  "xnnpack convolution2d_nhwc_f32 (1x1 depthwise of ones: a 1x1 pool)");
  if (!pad || !op.count_include_pad)
    return single(average_pooling(op, op.padding, in.data, in.shape, in.pixel_stride, args),
                  pad ? "xnnpack average_pooling2d_nhwc_f32 (padded cells left out of the divisor)"
                      : "xnnpack average_pooling2d_nhwc_f32");
  if (has_depthwise_microkernel(taps))
    return single(constant_depthwise(op.window(), 1.0f / static_cast<float>(taps), args),
                  "xnnpack convolution2d_nhwc_f32 (depthwise, weights 1/(kh*kw): counts padded zeros)");

  // Zeros written explicitly are counted by the unpadded pooling that follows.
  auto kernel = std::make_unique<XnnKernel>(
      "xnnpack constant_pad_nd_x32 into a scratch buffer + "
      "xnnpack average_pooling2d_nhwc_f32 (counts padded zeros)",
      true);
  require_dense(in, "avg_pool (padded, " + std::to_string(taps) + "-tap window)", "input");
  const Padding& p = op.padding;
  const ShapeNhwc pool_shape{in.shape.n, in.shape.h + p.top + p.bottom, in.shape.w + p.left + p.right, in.shape.c};
  float* padded_in = kernel->scratch(static_cast<size_t>(pool_shape.elements()));
  const size_t shape[4] = {static_cast<size_t>(in.shape.n), static_cast<size_t>(in.shape.h),
                           static_cast<size_t>(in.shape.w), static_cast<size_t>(in.shape.c)};
  const size_t before[4] = {0, static_cast<size_t>(p.top), static_cast<size_t>(p.left), 0};
  const size_t after[4] = {0, static_cast<size_t>(p.bottom), static_cast<size_t>(p.right), 0};
  const float zero = 0.0f;
  XnnOp pad_op;
  check_xnn(xnn_create_constant_pad_nd_x32(&zero, 0, pad_op.out()), "xnn_create_constant_pad_nd_x32");
  check_xnn(xnn_setup_constant_pad_nd_x32(pad_op.get(), 4, shape, before, after, in.data, padded_in, args.pool),
            "xnn_setup_constant_pad_nd_x32");
  kernel->add(std::move(pad_op));
  kernel->add(average_pooling(op, Padding{}, padded_in, pool_shape, in.shape.c, args));
  return kernel;
}

}  // namespace cpx::profiler

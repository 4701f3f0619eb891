// pad: zeros around height and width, XNNPACK constant_pad_nd_x32 (dense tensors only: it takes no strides).
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const Pad& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  require_dense(in, "pad", "input");
  require_dense(out, "pad", "output");
  const Padding& p = op.padding;
  const size_t shape[4] = {static_cast<size_t>(in.shape.n), static_cast<size_t>(in.shape.h),
                           static_cast<size_t>(in.shape.w), static_cast<size_t>(in.shape.c)};
  const size_t before[4] = {0, static_cast<size_t>(p.top), static_cast<size_t>(p.left), 0};
  const size_t after[4] = {0, static_cast<size_t>(p.bottom), static_cast<size_t>(p.right), 0};
  const float zero = 0.0f;  // read (as 32 bits) during create only
  XnnOp pad;
  check_xnn(xnn_create_constant_pad_nd_x32(&zero, 0, pad.out()), "xnn_create_constant_pad_nd_x32");
  check_xnn(xnn_setup_constant_pad_nd_x32(pad.get(), 4, shape, before, after, in.data, out.data, args.pool),
            "xnn_setup_constant_pad_nd_x32");
  auto kernel = std::make_unique<XnnKernel>("xnnpack constant_pad_nd_x32", false);
  kernel->add(std::move(pad));
  return kernel;
}

}  // namespace cpx::profiler

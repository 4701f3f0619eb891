// add and multiply: XNNPACK add_nd_f32 / multiply_nd_f32 with numpy broadcasting, which covers both
// cases of the space (equal shapes, and an N x 1 x 1 x C second input over the pixels of the first).
#include "profiler/kernels/kernels.hpp"
#include "profiler/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

using Create = xnn_status (*)(float, float, uint32_t, xnn_operator_t*);
using Setup = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t, const size_t*, const float*, const float*,
                             float*, pthreadpool_t);

std::unique_ptr<Kernel> binary(const std::string& kind, const std::string& name, Create create, Setup setup,
                               const KernelArgs& args) {
  const TensorView& a = args.inputs[0];
  const TensorView& b = args.inputs[1];
  const TensorView& out = args.output;
  // The ND operators take no strides.
  require_dense(a, kind, "first input");
  require_dense(b, kind, "second input");
  require_dense(out, kind, "output");
  const size_t a_shape[4] = {static_cast<size_t>(a.shape.n), static_cast<size_t>(a.shape.h),
                             static_cast<size_t>(a.shape.w), static_cast<size_t>(a.shape.c)};
  const size_t b_shape[4] = {static_cast<size_t>(b.shape.n), static_cast<size_t>(b.shape.h),
                             static_cast<size_t>(b.shape.w), static_cast<size_t>(b.shape.c)};
  XnnOp op;
  check_xnn(create(no_min, no_max, 0, op.out()), "xnn_create_" + name);
  check_xnn(setup(op.get(), 4, a_shape, 4, b_shape, a.data, b.data, out.data, args.pool), "xnn_setup_" + name);
  auto kernel = std::make_unique<XnnKernel>("xnnpack " + name, false);
  kernel->add(std::move(op));
  return kernel;
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const Add&, const KernelArgs& args) {
  return binary("add", "add_nd_f32", xnn_create_add_nd_f32, xnn_setup_add_nd_f32, args);
}

std::unique_ptr<Kernel> make_kernel(const Multiply&, const KernelArgs& args) {
  return binary("multiply", "multiply_nd_f32", xnn_create_multiply_nd_f32, xnn_setup_multiply_nd_f32, args);
}

}  // namespace cpx::profiler

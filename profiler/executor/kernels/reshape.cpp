// reshape: the plan gives the output the input's storage, so nothing moves. Should a caller bind two
// different buffers, the dense data is copied rather than silently left behind.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

class ViewKernel final : public Kernel {
 public:
  ViewKernel() { implementation_ = {"view (no data movement)", false}; }
  void run(pthreadpool_t) override {}
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const Reshape&, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  require_dense(in, "reshape", "input");
  require_dense(out, "reshape", "output");
  if (in.data == out.data) return std::make_unique<ViewKernel>();
  XnnOp copy;
  check_xnn(xnn_create_copy_nc_x32(1, 1, 1, 0, copy.out()), "xnn_create_copy_nc_x32");
  check_xnn(xnn_setup_copy_nc_x32(copy.get(), in.shape.elements(), in.data, out.data, args.pool),
            "xnn_setup_copy_nc_x32");
  auto kernel = std::make_unique<XnnKernel>("xnnpack copy_nc_x32 (reshape into a separate buffer)", false);
  kernel->add(std::move(copy));
  return kernel;
}

}  // namespace cpx::profiler

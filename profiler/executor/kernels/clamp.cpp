// clamp: XNNPACK's clamp_nc_f32 with the op's bounds as floats (an absent bound is ±infinity, which
// XNNPACK's clamp takes as no bound, as relu's [0, +inf) does).
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

std::unique_ptr<Kernel> make_kernel(const Clamp& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  XnnOp clamp;
  check_xnn(xnn_create_clamp_nc_f32(static_cast<size_t>(in.shape.c), static_cast<size_t>(in.pixel_stride),
                                    static_cast<size_t>(out.pixel_stride), static_cast<float>(op.min),
                                    static_cast<float>(op.max), 0, clamp.out()),
            "xnn_create_clamp_nc_f32");
  check_xnn(xnn_setup_clamp_nc_f32(clamp.get(), static_cast<size_t>(in.pixels()), in.data, out.data, args.pool),
            "xnn_setup_clamp_nc_f32");
  auto kernel = std::make_unique<XnnKernel>("xnnpack clamp_nc_f32", false);
  kernel->add(std::move(clamp));
  return kernel;
}

}  // namespace cpx::profiler

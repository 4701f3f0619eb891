// add and multiply: XNNPACK add_nd_f32 / multiply_nd_f32 with numpy broadcasting, which covers both
// cases of the space (equal shapes, and an N x 1 x 1 x C second input over the pixels of the first).
//
// XNNPACK parallelises these over every dimension but the innermost contiguous one, and flattens
// equal shapes into a single row, so an equal-shape add runs on one thread (measured: no faster with
// 2). With a multi-thread pool, equal shapes are therefore split into one operator per thread, each on
// its share of the elements, run side by side.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

using Create = xnn_status (*)(float, float, uint32_t, xnn_operator_t*);
using Setup = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t, const size_t*, const float*, const float*,
                             float*, pthreadpool_t);

// XNNPACK operators on disjoint parts of the tensors, each run single-threaded, in parallel.
class SlicedKernel final : public Kernel {
 public:
  SlicedKernel(std::string how, std::vector<XnnOp> ops) : ops_(std::move(ops)) {
    implementation_ = {std::move(how), false};
  }

  void run(pthreadpool_t pool) override {
    parallel_for(pool, ops_.size(), 1, [this](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) run_xnn(ops_[i].get(), nullptr);
    });
  }

 private:
  std::vector<XnnOp> ops_;
};

std::unique_ptr<Kernel> binary(const std::string& kind, const std::string& name, Create create, Setup setup,
                               const KernelArgs& args) {
  const TensorView& a = args.inputs[0];
  const TensorView& b = args.inputs[1];
  const TensorView& out = args.output;
  // The ND operators take no strides.
  require_dense(a, kind, "first input");
  require_dense(b, kind, "second input");
  require_dense(out, kind, "output");
  // A relu/relu6 after the op (fused by the plan) is the operator's output clamp.
  const std::pair<float, float> range = clamp_range(args.clamp);
  const std::string clamp =
      args.clamp == Activation::none ? "" : " with " + std::string(to_string(args.clamp)) + " as its output clamp";
  auto make_op = [&](size_t dims, const size_t* a_shape, const size_t* b_shape, size_t offset, pthreadpool_t pool) {
    XnnOp op;
    check_xnn(create(range.first, range.second, 0, op.out()), "xnn_create_" + name);
    check_xnn(setup(op.get(), dims, a_shape, dims, b_shape, a.data + offset, b.data + offset, out.data + offset, pool),
              "xnn_setup_" + name);
    return op;
  };

  const size_t threads = pool_threads(args.pool);
  const size_t elements = a.shape.elements();
  constexpr size_t min_slice_floats = 4096;  // below this a thread's wake-up costs more than its share
  if (a.shape == b.shape && threads > 1 && elements >= 2 * min_slice_floats) {
    // Slices are multiples of 16 floats, so that (the arena being 64-byte aligned) no two threads write
    // the same cache line.
    const size_t slice = ((elements + threads - 1) / threads + 15) / 16 * 16;
    std::vector<XnnOp> ops;
    for (size_t begin = 0; begin < elements; begin += slice) {
      const size_t size[1] = {std::min(slice, elements - begin)};
      ops.push_back(make_op(1, size, size, begin, nullptr));
    }
    std::string how =
        "xnnpack " + name + clamp + ", one per thread on " + std::to_string(ops.size()) + " element slices";
    return std::make_unique<SlicedKernel>(std::move(how), std::move(ops));
  }

  const size_t a_shape[4] = {static_cast<size_t>(a.shape.n), static_cast<size_t>(a.shape.h),
                             static_cast<size_t>(a.shape.w), static_cast<size_t>(a.shape.c)};
  const size_t b_shape[4] = {static_cast<size_t>(b.shape.n), static_cast<size_t>(b.shape.h),
                             static_cast<size_t>(b.shape.w), static_cast<size_t>(b.shape.c)};
  auto kernel = std::make_unique<XnnKernel>("xnnpack " + name + clamp, false);
  kernel->add(make_op(4, a_shape, b_shape, 0, args.pool));
  return kernel;
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const Add&, const KernelArgs& args) {
  return binary("add", "add_nd_f32", xnn_create_add_nd_f32, xnn_setup_add_nd_f32, args);
}

std::unique_ptr<Kernel> make_kernel(const Subtract&, const KernelArgs& args) {
  return binary("subtract", "subtract_nd_f32", xnn_create_subtract_nd_f32, xnn_setup_subtract_nd_f32, args);
}

std::unique_ptr<Kernel> make_kernel(const Multiply&, const KernelArgs& args) {
  return binary("multiply", "multiply_nd_f32", xnn_create_multiply_nd_f32, xnn_setup_multiply_nd_f32, args);
}

}  // namespace cpx::profiler

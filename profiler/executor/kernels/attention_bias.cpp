// attention_bias: scores + the gathered bias tensor (one value per query pixel, head and key, the same for
// every sample): XNNPACK add_nd_f32 with the bias as its second operand, broadcast over the batch.
//
// As for add (see elementwise.cpp), XNNPACK would run the N = 1 case as one flat row on one thread, so
// with a multi-thread pool the elements are split into one operator per slice, run side by side on
// single threads.
#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

class AttentionBiasKernel final : public Kernel {
 public:
  AttentionBiasKernel(const AttentionBias& a, const KernelArgs& args) {
    const TensorView& in = args.inputs[0];
    const TensorView& out = args.output;
    require_dense(in, "attention_bias", "input");
    require_dense(out, "attention_bias", "output");
    // One block of samples: one sample, or `windows` samples each with its own bias (Swin's masks).
    const size_t per_sample = static_cast<size_t>(in.shape.pixels() * in.shape.c * a.windows);  // h·w·c·windows
    expect_size(args.weights.weight, static_cast<int64_t>(per_sample), "attention_bias gathered bias");
    // Our own copy (the weights may not outlive the plan), with XNNPACK's read slack.
    bias_.assign(per_sample + XNN_EXTRA_BYTES / sizeof(float), 0.0f);
    std::copy(args.weights.weight.begin(), args.weights.weight.end(), bias_.begin());

    auto make_op = [&](size_t rows, size_t size, size_t offset, pthreadpool_t pool) {
      XnnOp op;
      check_xnn(xnn_create_add_nd_f32(no_min, no_max, 0, op.out()), "xnn_create_add_nd_f32");
      const size_t a_shape[2] = {rows, size}, b_shape[2] = {1, size};
      check_xnn(xnn_setup_add_nd_f32(op.get(), 2, a_shape, 2, b_shape, in.data + offset,
                                     bias_.data() + offset % per_sample, out.data + offset, pool),
                "xnn_setup_add_nd_f32");
      return op;
    };

    const size_t threads = pool_threads(args.pool);
    const size_t samples = static_cast<size_t>(in.shape.n / a.windows);
    constexpr size_t min_slice_floats = 4096;  // below this a thread's wake-up costs more than its share
    if (threads > 1 && per_sample >= 2 * min_slice_floats) {
      // Slices of each sample, multiples of 16 floats so that no two threads write one cache line.
      const size_t slice = ((per_sample + threads - 1) / threads + 15) / 16 * 16;
      for (size_t n = 0; n < samples; ++n)
        for (size_t begin = 0; begin < per_sample; begin += slice)
          ops_.push_back(make_op(1, std::min(slice, per_sample - begin), n * per_sample + begin, nullptr));
      sliced_ = true;
      implementation_ = {"xnnpack add_nd_f32 (gathered bias tensor), one per thread on " + std::to_string(ops_.size()) +
                             " element slices",
                         false};
    } else {
      ops_.push_back(make_op(samples, per_sample, 0, args.pool));
      implementation_ = {"xnnpack add_nd_f32 (gathered bias tensor)", false};
    }
  }

  void run(pthreadpool_t pool) override {
    if (!sliced_) {
      run_xnn(ops_[0].get(), pool);
      return;
    }
    parallel_for(pool, ops_.size(), 1, [this](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) run_xnn(ops_[i].get(), nullptr);
    });
  }

 private:
  std::vector<float> bias_;
  std::vector<XnnOp> ops_;
  bool sliced_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const AttentionBias& op, const KernelArgs& args) {
  return std::make_unique<AttentionBiasKernel>(op, args);
}

}  // namespace cpx::profiler

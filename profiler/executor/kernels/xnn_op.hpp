// Pieces shared by the kernels: ownership of XNNPACK operators, a kernel that runs a fixed list of
// them, a parallel loop for the hand-written (emulated) kernels, and argument checks.
//
// Implementation::emulated is false only when one XNNPACK operator computes the op's result exactly:
// possibly an operator of another kind with fixed weights (a 1x1 depthwise conv for batch_norm, which
// `how` then says), possibly one instance per disjoint part of the tensors (softmax per channel group,
// concat per input). It is true when several different operators are chained (conv + hardswish,
// pad + pool) or any code of ours computes part of the result.
#pragma once

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "profiler/executor/kernel.hpp"

namespace cpx::profiler {

// Owns one created XNNPACK operator. Create into out(), then set up through get().
class XnnOp {
 public:
  XnnOp() { ensure_xnnpack(); }  // kernels may be made without a Plan (tests), so initialise here too
  XnnOp(XnnOp&& other) noexcept : op_(std::exchange(other.op_, nullptr)) {}
  XnnOp& operator=(XnnOp&& other) noexcept {
    std::swap(op_, other.op_);
    return *this;
  }
  XnnOp(const XnnOp&) = delete;
  XnnOp& operator=(const XnnOp&) = delete;
  ~XnnOp() {
    if (op_) xnn_delete_operator(op_);
  }

  xnn_operator_t get() const { return op_; }
  xnn_operator_t* out() { return &op_; }

 private:
  xnn_operator_t op_ = nullptr;
};

// Runs a set-up operator. The message string is only built on failure: run() must not allocate.
inline void run_xnn(xnn_operator_t op, pthreadpool_t pool) {
  const xnn_status status = xnn_run_operator(op, pool);
  if (status != xnn_status_success) check_xnn(status, "xnn_run_operator");
}

// XNNPACK operators, created and set up by a factory, run in order; then optionally another kernel
// (an activation the operators could not fuse).
class XnnKernel : public Kernel {
 public:
  XnnKernel(std::string how, bool emulated) { implementation_ = {std::move(how), emulated}; }

  void add(XnnOp op) { ops_.push_back(std::move(op)); }
  void then(std::unique_ptr<Kernel> next) { next_ = std::move(next); }
  // An intermediate buffer between the kernel's operators, with XNNPACK's read slack. One per kernel.
  float* scratch(size_t floats) {
    scratch_.assign(floats + XNN_EXTRA_BYTES / sizeof(float), 0.0f);
    return scratch_.data();
  }

  void run(pthreadpool_t pool) override {
    for (const XnnOp& op : ops_) run_xnn(op.get(), pool);
    if (next_) next_->run(pool);
  }

 private:
  std::vector<XnnOp> ops_;
  std::unique_ptr<Kernel> next_;
  std::vector<float> scratch_;
};

// y = scale[c]·x + shift[c] (no shift when `shift` is null), clamped to [lo, hi], from `in` to `out` (the same
// view when in place): an XNNPACK 1x1 depthwise convolution, which XNNPACK runs with its per-channel
// multiply-add microkernel (vmulcaddc). The C scales and shifts are copied at create. batch_norm,
// layer_scale, affine and hardsigmoid run on it.
XnnOp channel_affine(const TensorView& in, const TensorView& out, const float* scale, const float* shift, float lo,
                     float hi, pthreadpool_t pool);

// One XNNPACK operator producing `output` (conv, fully connected), followed by `activation` unless the
// operator's output clamp (from clamp_range) already applied it. `producer_name` names the operator for
// Implementation::how. Defined in activation.cpp.
std::unique_ptr<Kernel> with_activation(XnnOp producer, const std::string& producer_name, Activation activation,
                                        const TensorView& output, pthreadpool_t pool);

// The threads a kernel runs on (a nullptr pool: the calling thread).
inline size_t pool_threads(pthreadpool_t pool) { return pool ? pthreadpool_get_threads_count(pool) : 1; }

// Calls fn(begin, end) on consecutive tiles of [0, range), spread over the pool's threads (nullptr:
// the calling thread). fn must be safe to run concurrently on disjoint tiles.
template <typename F>
void parallel_for(pthreadpool_t pool, size_t range, size_t tile, const F& fn) {
  pthreadpool_parallelize_1d_tile_1d(
      pool, [](void* context, size_t begin, size_t count) { (*static_cast<const F*>(context))(begin, begin + count); },
      const_cast<F*>(&fn), range, tile, 0);
}

// Tile size for parallel_for over `range` items of `floats_per_item` work each: about four tiles per
// thread for balance, but no tile under ~4K floats, where the dispatch would cost more than the work.
inline size_t tile_for(pthreadpool_t pool, size_t range, size_t floats_per_item) {
  constexpr size_t min_tile_floats = 4096;
  const size_t threads = pool_threads(pool);
  const size_t balanced = (range + 4 * threads - 1) / (4 * threads);
  const size_t min_items = (min_tile_floats + floats_per_item - 1) / std::max<size_t>(floats_per_item, 1);
  return std::max<size_t>({balanced, min_items, 1});
}

// XNNPACK takes kernel sizes, strides and paddings as uint32_t; the space bounds them far below 2^32.
inline uint32_t u32(int64_t v) { return static_cast<uint32_t>(v); }

inline constexpr float no_min = -std::numeric_limits<float>::infinity();
inline constexpr float no_max = std::numeric_limits<float>::infinity();

// Weights come from make_weights for this very op; a wrong size is a bug, not bad input.
inline void expect_size(const std::vector<float>& v, int64_t n, const std::string& what) {
  if (v.size() != static_cast<size_t>(n))
    throw std::logic_error(what + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(n));
}

// Ops XNNPACK offers only for dense tensors (no stride argument).
inline void require_dense(const TensorView& v, const std::string& op, const char* which) {
  if (!v.dense())
    throw Unsupported(op + ": the " + which + " is a strided channel view (pixel stride " +
                      std::to_string(v.pixel_stride) + ", " + std::to_string(v.shape.c) +
                      " channels); this kernel needs a dense tensor");
}

}  // namespace cpx::profiler

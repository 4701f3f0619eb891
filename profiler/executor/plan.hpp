// An execution plan: a network's ops as XNNPACK (or emulated) kernels over one activation arena.
#pragma once

#include <memory>
#include <span>

#include "profiler/executor/kernel.hpp"
#include "profiler/profile/fusion.hpp"
#include "space/network.hpp"

namespace cpx::profiler {

struct PlanOptions {
  size_t threads = 1;
  // Give every tensor its own buffer (for checking each op's output); otherwise buffers are reused as
  // soon as their last reader has run.
  bool keep_all_tensors = false;
};

class Plan {
 public:
  // Creates every kernel (packing `weights`) and binds it to its buffers. Throws Unsupported for an op
  // the executor cannot run.
  Plan(const Network& net, const NetworkWeights& weights, PlanOptions options = {});
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  void run();             // every op, in order
  void run_op(size_t i);  // one op; its inputs must have been computed
  size_t size() const { return kernels_.size(); }

  std::span<float> input();               // dense NHWC, to fill before run()
  std::span<const float> output() const;  // dense NHWC of the network output
  // Output of op i: valid after it ran and until its buffer is reused (always, with keep_all_tensors).
  std::span<const float> tensor(size_t i) const;

  const Implementation& implementation(size_t i) const { return kernels_[i]->implementation(); }
  // Ops computed inside another op's kernel (profiler/profile/fusion.hpp). The tensors of a fused group share one
  // buffer, which holds the group's last result: only that op's tensor() is its own output.
  const Fusions& fusions() const { return fusions_; }
  bool holds_own_output(size_t i) const;
  size_t threads() const { return threads_; }
  pthreadpool_t pool() const { return pool_; }  // the threads the kernels run on (nullptr: the caller's)
  int64_t arena_bytes() const { return static_cast<int64_t>(arena_bytes_); }

 private:
  float* address(size_t tensor) const;  // tensor 0 = input, i + 1 = ops[i]

  const Network& net_;
  size_t threads_;
  pthreadpool_t pool_ = nullptr;
  std::vector<size_t> offsets_;  // in floats, per tensor
  size_t arena_bytes_ = 0;
  std::unique_ptr<float[], void (*)(float*)> arena_{nullptr, nullptr};
  std::vector<std::unique_ptr<Kernel>> kernels_;
  Fusions fusions_;
};

}  // namespace cpx::profiler

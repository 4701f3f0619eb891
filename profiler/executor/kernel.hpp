// Executable kernels: one per op of a plan, created once (weights packed), then run many times.
// Every op kind has a make_kernel overload in profiler/executor/kernels/<kind>.cpp, declared in kernels/kernels.hpp.
#pragma once

#include <pthreadpool.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "profiler/executor/tensor.hpp"
#include "profiler/executor/weights.hpp"
#include "space/op.hpp"

namespace cpx::profiler {

// How an op is executed, stated in every output. XNNPACK ops are native; anything composed from
// several XNNPACK ops or written by hand (Eigen, loops) is emulated and says how.
struct Implementation {
  std::string how;        // e.g. "xnnpack convolution2d_nhwc_f32 + xnnpack hardswish_nc_f32"
  bool emulated = false;  // true when any part is not a single XNNPACK operator doing exactly this op
  // Set when another op's kernel computes this op (profiler/profile/fusion.hpp): its own run does nothing and
  // its time is inside that op's.
  std::optional<size_t> fused_into = std::nullopt;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(pthreadpool_t pool) = 0;
  const Implementation& implementation() const { return implementation_; }

 protected:
  Implementation implementation_;
};

// Everything a kernel factory needs. Buffers are final: kernels may bind pointers at creation.
struct KernelArgs {
  const Op& op;
  std::vector<TensorView> inputs;
  TensorView output;
  const OpWeights& weights;
  pthreadpool_t pool;  // for XNNPACK setup; the same pool is passed to run()
  // Where the plan fuses later ops into this one (profiler/profile/fusion.hpp): after its own result, add
  // `residual` (data set; the output's shape) and clamp for `clamp` (relu or relu6; none = no clamp).
  // Only the kernels the fusion rule names receive these; make_kernel refuses them elsewhere.
  TensorView residual{};
  Activation clamp = Activation::none;
};

std::unique_ptr<Kernel> make_kernel(const KernelArgs& args);

// An op the executor cannot run is an error, never a silent skip.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::runtime_error naming `what` unless status is xnn_status_success (0).
void check_xnn(int status, const std::string& what);

// xnn_initialize once per process.
void ensure_xnnpack();

// Version of the XNNPACK package the executor was built against (Debian package version).
std::string_view xnnpack_version();

}  // namespace cpx::profiler

// PyTorch out: a network of the space as the source of a self-contained nn.Module (torch and numpy
// only) over NCHW tensors, plus the executor's weights in the order its loader reads them, so that a
// proposal can be trained elsewhere and its seeded outputs checked against ours.
#pragma once

#include <string>

#include "profiler/executor/weights.hpp"
#include "space/network.hpp"

namespace cpx::profiler {

struct TorchExport {
  std::string source;   // Python: class Net(nn.Module), STATE, WEIGHTS_FILE, load()
  std::string weights;  // raw little-endian float32, every STATE entry in order
  int64_t params = 0;   // the module's parameter count (= count()'s params)
};

// `weights_file` is the file name the generated loader opens by default, next to the .py file. Every op
// kind has its own translation (no generic fallback); one that cannot be expressed is an InputError
// naming the op and its kind.
TorchExport export_torch(const Network& net, const NetworkWeights& weights, const std::string& weights_file);

}  // namespace cpx::profiler

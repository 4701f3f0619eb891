// How many weights and biases an op has, without making them: what a weights file or an ONNX file's
// initializers are checked against. Its own header, so that adding it did not touch weights.hpp.
#pragma once

#include <array>
#include <cstddef>

#include "space/network.hpp"

namespace cpx::profiler {

// The sizes of op i's weight and bias (those of make_op_weights), without making them for the large kinds
// (conv, transposed conv, linear).
std::array<size_t, 2> op_weight_sizes(const Network& net, size_t i);

}  // namespace cpx::profiler

#include "profiler/executor/kernels/vector.hpp"

namespace cpx::profiler {

std::string vector_width() { return std::string(isa_row(active_isa()).loops); }

int64_t loop_lanes(int64_t channels) {
  int64_t lanes = isa_row(active_isa()).vector_floats;
  while (lanes > 4 && channels < lanes) lanes /= 2;
  return lanes;
}

}  // namespace cpx::profiler

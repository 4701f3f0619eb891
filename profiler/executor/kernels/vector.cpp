#include "profiler/executor/kernels/vector.hpp"

namespace cpx::profiler {

std::string vector_width() { return std::string(isa_row(active_isa()).loops); }

}  // namespace cpx::profiler

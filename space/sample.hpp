// Random networks of the CPUBone design family (macro form), for validating predictors on networks no
// one fitted on. The same seed gives the same network.
#pragma once

#include <cstdint>

#include "space/macro.hpp"

namespace cpx {

// Widths, depths, block types (fused or unfused MBConv in stages 1-2), kernels 2/3, groups 1/2/4,
// expansions, attention on/off, the fused/unfused threshold, head widths and the resolution vary.
Macro sample_cpubone_like(uint64_t seed);

}  // namespace cpx

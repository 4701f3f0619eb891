// The executor's own loops (activations, head_mix, depthwise kernels XNNPACK lacks) are written with GCC
// vector types and built for AVX-512 and AVX2+FMA next to a baseline, picked at load time.
#pragma once

#include <cstddef>

#if defined(__x86_64__) && defined(__GNUC__)
#define CPX_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CPX_VECTOR_CLONES
#endif

namespace cpx::profiler {

// 16 floats: one AVX-512 register, two AVX2 ones, four SSE ones in the default clone.
typedef float Lanes __attribute__((vector_size(64)));
inline constexpr size_t lanes = 16;

}  // namespace cpx::profiler

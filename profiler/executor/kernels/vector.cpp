#include "profiler/executor/kernels/vector.hpp"

#include <algorithm>
#include <atomic>

namespace cpx::profiler {

namespace {

VectorLevel detect() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return VectorLevel::avx512;
  if (__builtin_cpu_supports("x86-64-v3")) return VectorLevel::avx2;
#endif
  return VectorLevel::baseline;
}

std::atomic<VectorLevel> level_in_use{cpu_vector_level()};

}  // namespace

VectorLevel cpu_vector_level() {
  static const VectorLevel level = detect();
  return level;
}

VectorLevel vector_level() { return level_in_use.load(std::memory_order_relaxed); }

void limit_vector_level(VectorLevel level) { level_in_use = std::min(level, cpu_vector_level()); }

std::string vector_width() {
  switch (vector_level()) {
    case VectorLevel::avx512: return "16 channels per vector (AVX-512)";
    case VectorLevel::avx2: return "8 channels per vector (AVX2)";
#if defined(__aarch64__)
    // AArch64 has no levels to dispatch: NEON is part of its baseline, and GCC lowers the 4-float type to it.
    default: return "4 channels per vector (baseline: NEON on arm64)";
#else
    default: return "4 channels per vector (baseline: SSE2 on x86-64)";
#endif
  }
}

}  // namespace cpx::profiler

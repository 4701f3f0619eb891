#include "profiler/executor/isa.hpp"

#include <cpuinfo.h>

#include <stdexcept>
#include <string>

namespace cpx::profiler {

namespace {

#if defined(__x86_64__)
// The vector loops are compiled for arch=x86-64-v3 and -v4 (vector.hpp), so a level needs every feature
// of its microarchitecture level, not only the vector ones the igemm tiles use. cpuinfo also checks that
// the OS saves the ymm and zmm state.
bool has_x86_64_v3() {
  return cpuinfo_has_x86_sse3() && cpuinfo_has_x86_ssse3() && cpuinfo_has_x86_sse4_1() && cpuinfo_has_x86_sse4_2() &&
         cpuinfo_has_x86_popcnt() && cpuinfo_has_x86_cmpxchg16b() && cpuinfo_has_x86_lahf_sahf() &&  // v2
         cpuinfo_has_x86_avx() && cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3() && cpuinfo_has_x86_bmi() &&
         cpuinfo_has_x86_bmi2() && cpuinfo_has_x86_f16c() && cpuinfo_has_x86_lzcnt() && cpuinfo_has_x86_movbe() &&
         cpuinfo_has_x86_xsave();
}

bool has_x86_64_v4() {
  return has_x86_64_v3() && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() && cpuinfo_has_x86_avx512cd() &&
         cpuinfo_has_x86_avx512dq() && cpuinfo_has_x86_avx512vl();
}
#endif

Isa detect() {
#if defined(__x86_64__)
  if (!cpuinfo_initialize()) return Isa::sse2;
  if (has_x86_64_v4()) return Isa::avx512;
  if (has_x86_64_v3()) return Isa::avx2;
  return Isa::sse2;
#elif defined(__aarch64__)
  return Isa::neon;
#else
  return Isa::unknown;
#endif
}

// Levels of one architecture are adjacent in the enum, lowest first.
bool same_architecture(Isa a, Isa b) {
  auto x86 = [](Isa i) { return i == Isa::sse2 || i == Isa::avx2 || i == Isa::avx512; };
  return a == b || (x86(a) && x86(b));
}

std::atomic<Isa> limit{Isa::unknown};  // Isa::unknown: no limit set

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  const Isa l = limit.load(std::memory_order_relaxed), d = detected_isa();
  return l != Isa::unknown && l < d ? l : d;  // limit_isa took only a level of d's architecture
}

void limit_isa(Isa level) {
  if (!same_architecture(level, detected_isa()))
    throw std::invalid_argument("limit_isa: " + std::string(isa_name(level)) + " is not a level of this build (" +
                                std::string(isa_name(detected_isa())) + ")");
  limit.store(level, std::memory_order_relaxed);
}

std::vector<Isa> runnable_isas() {
  const Isa d = detected_isa();
  if (d != Isa::avx2 && d != Isa::avx512) return {d};
  std::vector<Isa> levels;
  for (Isa i : {Isa::sse2, Isa::avx2, Isa::avx512})
    if (i <= d) levels.push_back(i);
  return levels;
}

}  // namespace cpx::profiler

// The instruction set our kernels run at, decided in one place (as XNNPACK's hardware config and ncnn's
// cpu.h do): one detector (cpuinfo, which XNNPACK itself reads), run once; a limit tests lower it by; and
// every reader (igemm, the vector loops, the FMA probe, the environment's `isa`) asks active_isa(), so
// the environment cannot record a level other than the one the kernels ran at.
//
// XNNPACK's own operators are outside it: the snapshot picks its microkernels from cpuinfo inside
// xnn_initialize and takes no limit.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace cpx::profiler {

// Vector levels. The x86-64 ones ascend: sse2 is the x86-64 baseline, avx2 is x86-64-v3 (AVX2, FMA3 and
// the rest of v3), avx512 is x86-64-v4 (AVX-512 F, BW, CD, DQ and VL). neon is arm64's one level (NEON
// with FMA is part of its baseline). unknown: a build for another architecture. A build runs only its own
// architecture's levels; the others are names a profile from another machine may carry.
enum class Isa { sse2, avx2, avx512, neon, unknown };

struct IsaRow {
  Isa isa;
  std::string_view name;   // Environment::isa, e.g. "x86-64 AVX-512F"
  std::string_view flag;   // as options and CPX_TEST_ISA spell it, e.g. "avx512"
  int64_t vector_floats;   // floats per vector register at this level
  std::string_view loops;  // what labels say of our vector loops at this level
};

inline constexpr auto isa_rows = std::to_array<IsaRow>({
    {Isa::sse2, "x86-64 SSE/AVX", "sse2", 4, "4 channels per vector (baseline: SSE2 on x86-64)"},
    {Isa::avx2, "x86-64 AVX2+FMA", "avx2", 8, "8 channels per vector (AVX2)"},
    {Isa::avx512, "x86-64 AVX-512F", "avx512", 16, "16 channels per vector (AVX-512)"},
    // AArch64 has no levels to dispatch: NEON is part of its baseline, and GCC lowers the 4-float type to it.
    {Isa::neon, "arm64 NEON+FMA", "neon", 4, "4 channels per vector (baseline: NEON on arm64)"},
    {Isa::unknown, "unknown architecture", "unknown", 4, "4 channels per vector (baseline)"},
});

// Rows are looked up by index: the table lists the levels in their order.
constexpr bool isa_rows_in_order() {
  for (size_t i = 0; i < isa_rows.size(); ++i)
    if (static_cast<size_t>(isa_rows[i].isa) != i) return false;
  return true;
}
static_assert(isa_rows_in_order());

constexpr const IsaRow& isa_row(Isa isa) { return isa_rows[static_cast<size_t>(isa)]; }
constexpr std::string_view isa_name(Isa isa) { return isa_row(isa).name; }

// The one lookup from a name, at the edge where an environment's `isa` is read back; nullopt for a name
// outside the table.
constexpr std::optional<Isa> isa_from_name(std::string_view name) {
  for (const IsaRow& r : isa_rows)
    if (name == r.name) return r.isa;
  return std::nullopt;
}

// The x86-64 level an option or CPX_TEST_ISA names ("sse2", "avx2", "avx512"); nullopt for any other.
constexpr std::optional<Isa> x86_isa_from_flag(std::string_view flag) {
  for (Isa i : {Isa::sse2, Isa::avx2, Isa::avx512})
    if (flag == isa_row(i).flag) return i;
  return std::nullopt;
}

// The highest level this CPU and build run, detected once (thread-safe).
Isa detected_isa();
// The level every kernel runs at: detected_isa(), unless lowered by limit_isa.
Isa active_isa();
// Runs every kernel at `level` or detected_isa(), whichever is lower, from now on; limit_isa(detected_isa())
// lifts it. Tests run each level the machine has against the same reference. Throws std::invalid_argument
// for a level of another architecture. Kernels built before a change keep the level they were built for.
void limit_isa(Isa level);
// The levels this machine runs, lowest first, ending with detected_isa().
std::vector<Isa> runnable_isas();

// Which levels our kernels have dispatched to since clear_dispatched(): every dispatch marks its level.
// Marking is a relaxed load and, the first time only, an or, so it stays on in every build at no
// measurable cost; tests read it to check that a forced level is the one that ran.
namespace detail {
inline std::atomic<uint32_t> dispatched{0};
}
inline void note_dispatch(Isa isa) {
  const uint32_t bit = 1u << static_cast<unsigned>(isa);
  if (!(detail::dispatched.load(std::memory_order_relaxed) & bit))
    detail::dispatched.fetch_or(bit, std::memory_order_relaxed);
}
inline bool dispatched(Isa isa) {
  return (detail::dispatched.load(std::memory_order_relaxed) >> static_cast<unsigned>(isa)) & 1u;
}
inline void clear_dispatched() { detail::dispatched.store(0, std::memory_order_relaxed); }

}  // namespace cpx::profiler

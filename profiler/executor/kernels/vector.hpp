// The executor's own loops (activations, head_mix, depthwise kernels XNNPACK lacks) are templates on a GCC
// vector type V as wide as one register: 16 floats under AVX-512 (x86-64-v4), 8 under AVX2+FMA (v3), 4
// under the SSE2 baseline. CPX_VECTOR_DISPATCH builds one instantiation per level, each inside a function
// compiled for that level, and calls the one for active_isa() (profiler/executor/isa.hpp): the CPU's
// highest, unless a test lowered it.
//
// Why not one 16-float type in target_clones (as the loops once had): under AVX2, GCC 12 keeps a vector
// wider than the registers in memory whenever it lives across loop iterations, and lowers a select on it
// to scalar max/min, which made the depthwise loops several times slower on an AVX2 EPYC
// (docs/log/executor.md, Executor kernel figures).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "profiler/executor/isa.hpp"

namespace cpx::profiler {

typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V4 __attribute__((vector_size(16)));

template <class V>
inline constexpr size_t lanes_of = sizeof(V) / sizeof(float);

// The vector of half V's lanes, for loops over fewer channels than V holds (V16 -> V8 -> V4).
template <class V>
struct Narrower;
template <>
struct Narrower<V16> {
  using type = V8;
};
template <>
struct Narrower<V8> {
  using type = V4;
};

// Helpers on V are always inlined into the level's function, so the vectors never cross a call in the
// baseline ABI (hence no -Wpsabi).
#pragma GCC diagnostic ignored "-Wpsabi"

template <class V>
[[gnu::always_inline]] inline V splat(float v) {
  return V{} + v;
}

// min(max(v, lo), hi) lane by lane.
template <class V>
[[gnu::always_inline]] inline V clamp(V v, float lo, float hi) {
  v = v < splat<V>(lo) ? splat<V>(lo) : v;
  return v > splat<V>(hi) ? splat<V>(hi) : v;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define CPX_TARGET_V4 __attribute__((target("arch=x86-64-v4")))
#define CPX_TARGET_V3 __attribute__((target("arch=x86-64-v3")))
#else
#define CPX_TARGET_V4
#define CPX_TARGET_V3
#endif

// What labels say of the loops at active_isa(): "8 channels per vector (AVX2)".
std::string vector_width();

// The lanes the depthwise loops run `channels` channels at under active_isa(): its vector's, halved while
// that is more than the channels (down to 4), as depthwise_row does.
int64_t loop_lanes(int64_t channels);

// Defines `name(params)`, which runs `impl<V>(args)` at active_isa()'s V (and marks that level
// dispatched), each instantiation inside a function compiled for its level. `params` and `args` are
// parenthesised lists: CPX_VECTOR_DISPATCH(row, row_impl, (const float* x, int n), (x, n)).
#define CPX_VECTOR_DISPATCH(name, impl, params, args)     \
  CPX_TARGET_V4 void name##_v4 params { impl<V16> args; } \
  CPX_TARGET_V3 void name##_v3 params { impl<V8> args; }  \
  void name##_v2 params { impl<V4> args; }                \
  void name params {                                      \
    const Isa isa = active_isa();                         \
    note_dispatch(isa);                                   \
    switch (isa) {                                        \
      case Isa::avx512: return name##_v4 args;            \
      case Isa::avx2: return name##_v3 args;              \
      default: return name##_v2 args;                     \
    }                                                     \
  }

}  // namespace cpx::profiler

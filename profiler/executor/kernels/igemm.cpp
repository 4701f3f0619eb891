// igemm: dense and grouped convolutions (and fully connected layers, as 1x1 convolutions) as an indirect
// GEMM with a register tile of 6 output pixels: 6x64 channels with AVX-512, 6x16 with AVX2+FMA.
//
// Why our own: XNNPACK's (snapshot 2022-02-16) AVX-512 f32 GEMM tile is 7x16. Per input channel it loads
// one 16-wide weight vector and broadcasts seven inputs for seven FMAs, so loads, not FMAs, bound it near
// 7/8 of the FMA peak; ResNet-50's 3x3 and 1x1 convolutions ran well below ONNX Runtime's MLAS kernels (24
// accumulators) under it. Here 6 broadcasts and 4 weight loads feed 24 FMAs. The structure is XNNPACK's
// own igemm: weights packed once per group into panels as wide as the tile (bias first, then
// [tap][input channel][panel]); an indirection table of input-pixel pointers per output pixel and tap
// (padding points at a zero row), so no im2col copy is made. Long reductions are cut into blocks whose
// weights stay in L2 while a chunk of pixel tiles streams past them; the output tile is the accumulator
// between blocks. Bias, relu and relu6 are fused into the last block's store.
//
// Without AVX-512, 16 ymm registers hold the tile: 6 rows x 16 columns is 12 accumulators, 2 weight
// vectors and 1 broadcast (15 registers). 4 x 24 (12 + 3 + 1) needs one broadcast load fewer per 12 FMAs,
// but in a tile-only microbenchmark on an AVX2 EPYC 6x16, 4x24 and 5x16 all ran at the FMA ceiling with
// weights and inputs in L1/L2 (3x32 needs 17 registers and spilled; docs/log/executor.md). 6x16 keeps
// the 6-row indirection of the AVX-512 tile, and 16-column panels pad none of the usual channel counts
// (multiples of 16), where 24-column ones would leave a partial panel.
//
// Only compiled for x86-64 (the tiles carry target("avx512f,fma") and target("avx2,fma"), so the rest of
// the library stays baseline); which one runs is active_isa()'s (profiler/executor/isa.hpp): AVX-512, else
// AVX2, else none (conv2d and fully_connected stay on XNNPACK, as on arm64). Labelled emulated: it is not
// an XNNPACK microkernel.
#include "profiler/executor/kernels/igemm.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CPX_IGEMM_X86 1
// GCC 12 warns inside _mm512_max_ps/_mm512_min_ps about their own _mm512_undefined_ps (a false positive;
// -Wuninitialized where the tile's phase is a constant).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

// Under AddressSanitizer the tiles' own loads and stores are not instrumented one by one (CPX_TILE_UNCHECKED):
// checked per load, with UBSan's pointer-overflow check on every step of the weights pointer, the reduction
// ran about ten times slower than in the Release build, and the sanitizer suite's profiles and networks spent
// most of their time there. Instead multiply_panel checks every region a tile will read or write, once,
// before it runs (check_tile_memory): the same bytes, reported by ASan itself.
#if defined(__SANITIZE_ADDRESS__)  // GCC
#define CPX_IGEMM_ASAN 1
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer)
#define CPX_IGEMM_ASAN 1
#endif
#endif
#if CPX_IGEMM_ASAN
#include <sanitizer/asan_interface.h>
#define CPX_TILE_UNCHECKED __attribute__((no_sanitize("address", "pointer-overflow")))
#else
#define CPX_TILE_UNCHECKED
#endif

namespace cpx::profiler {

#if CPX_IGEMM_X86

namespace {

constexpr int64_t mr = igemm_tile_pixels;  // output pixels per register tile (igemm_work.hpp, as the predictor)

AlignedFloats aligned_floats(size_t n) {
  auto* p = static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64));
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, n * sizeof(float));
  return AlignedFloats(p);
}

using Block = IgemmBlock;

// A tile's phase in a product cut into reduction blocks, a template argument of the tiles (bits), so that
// each tile is straight-line code around its reduction: the first block starts from the bias, the last
// adds the residual and stores as IgemmStore says.
constexpr int first_block = 1, last_block = 2;

// Asks for the lines a tile's epilogue will touch while its reduction runs: the output rows it stores (for
// writing, when the first block starts from the bias and so has not read them) and the residual rows it
// adds (last block). In NHWC a panel's part of a row is a short run (256 bytes at 64 columns) every
// c_stride floats, which the hardware prefetchers did not hide where the reduction is short: ResNet-50's
// 1x1 convs with a fused residual (K 64-128) lost most to ONNX Runtime in the per-node table, whose blocked
// layout reads and writes those tensors as contiguous streams (docs/log/executor.md, issue 60).
__attribute__((target("prfchw"), always_inline)) inline void prefetch_epilogue(int64_t rows_valid, int64_t columns,
                                                                               const float* c, int64_t c_stride,
                                                                               const float* residual, bool first,
                                                                               bool last) {
  for (int64_t r = 0; r < rows_valid; ++r)
    for (int64_t j = 0; j < columns; j += 16) {
      if (first) __builtin_prefetch(c + r * c_stride + j, 1, 3);
      if (last && residual) __builtin_prefetch(residual + r * c_stride + j, 0, 3);
    }
}

// One register tile: MR (<= mr) output pixels x NV*16 output channels (the last vector holds `tail` of
// them, 1..16, and is masked). A tile of fewer rows than mr computes only those: the last tile of a 7x7
// map (49 pixels, 8 tiles and 1) and a fully connected layer's one row are otherwise mr rows of work.
// rows_valid is MR (multiply_panel picks the tile by it); the loops that read it were kept as they were
// when it could be less, since GCC 12 allocated the 6-row reduction's registers worse without them.
// a: [taps][mr] input-pixel pointers of the block's first tap; a pointer equal to `zero` is padding and
// gets no offset. w: the block's packed weights, `w_stride` floats per input channel. Phase (a template
// argument, see Phase below): first, start from the bias (else from the output tile, the previous block's
// partial sums); last, add the residual (if any; laid out like c), store as `store` says and finish (the
// bounds come through memory: as float arguments GCC 12 kept them in vector registers across the
// reduction and spilled a weight vector).
template <int NV, int MR, int Phase>
__attribute__((target("avx512f,fma,prfchw"))) CPX_TILE_UNCHECKED void tile(
    int64_t rows_valid, const Block& b, const float* const* a, int64_t a_offset, const float* zero, const float* w,
    int64_t w_stride, const float* bias, float* c, int64_t c_stride, const float* residual, int tail,
    const IgemmStore* store) {
  constexpr bool first = Phase & first_block, last = Phase & last_block;
  const auto last_mask = static_cast<__mmask16>((1u << tail) - 1u);
  __m512 acc[MR][NV];
  float* crow[MR];
  for (int64_t r = 0; r < MR; ++r) crow[r] = c + (r < rows_valid ? r : rows_valid - 1) * c_stride;
  prefetch_epilogue(rows_valid, NV * 16, c, c_stride, residual, first, last);
  if (first) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m512 bv = _mm512_load_ps(bias + 16 * v);
#pragma GCC unroll 6
      for (int64_t r = 0; r < MR; ++r) acc[r][v] = bv;
    }
  } else {
#pragma GCC unroll 6
    for (int64_t r = 0; r < MR; ++r) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] =
            v == NV - 1 ? _mm512_maskz_loadu_ps(last_mask, crow[r] + 16 * v) : _mm512_loadu_ps(crow[r] + 16 * v);
    }
  }
  for (int64_t t = 0; t < b.taps; ++t) {
    const float* x[MR];
#pragma GCC unroll 6
    for (int64_t r = 0; r < MR; ++r) {
      const float* p = a[t * mr + r];
      x[r] = p == zero ? zero : p + a_offset;
    }
    for (int64_t k = 0; k < b.channels; ++k) {
      __m512 wv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) wv[v] = _mm512_load_ps(w + 16 * v);
      w += w_stride;
#pragma GCC unroll 6
      for (int64_t r = 0; r < MR; ++r) {
        const __m512 xv = _mm512_set1_ps(x[r][k]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(xv, wv[v], acc[r][v]);
      }
    }
  }
  // A row's index in a ternary, not std::min: std::min takes it by reference, which kept GCC 12 from
  // unrolling the loop before scalar replacement, and the accumulators then stayed an array on the stack,
  // stored and loaded back around the reduction in every tile (some 100 memory operations a tile).
  if (last && residual) {
#pragma GCC unroll 6
    for (int64_t r = 0; r < MR; ++r) {
      const float* res = residual + (r < rows_valid ? r : rows_valid - 1) * c_stride;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] = _mm512_add_ps(
            acc[r][v], v == NV - 1 ? _mm512_maskz_loadu_ps(last_mask, res + 16 * v) : _mm512_loadu_ps(res + 16 * v));
    }
  }
  if (last) {
    const __m512 vlo = _mm512_set1_ps(store->lo), vhi = _mm512_set1_ps(store->hi);
#pragma GCC unroll 6
    for (int64_t r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_min_ps(_mm512_max_ps(acc[r][v], vlo), vhi);
    if (store->hardswish) {
      const __m512 three = _mm512_set1_ps(3.0f), six = _mm512_set1_ps(6.0f), sixth = _mm512_set1_ps(1.0f / 6.0f);
#pragma GCC unroll 6
      for (int64_t r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          const __m512 gate = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(acc[r][v], three), _mm512_setzero_ps()), six);
          acc[r][v] = _mm512_mul_ps(_mm512_mul_ps(acc[r][v], gate), sixth);
        }
    }
  }
  // Rows past rows_valid alias the last valid row and are not stored. Unrolled with a test per row, so
  // that no accumulator is indexed by a run-time row: a loop to rows_valid kept all 24 in a stack array,
  // stored there after the bias and before the output and loaded back (some 100 memory operations a tile,
  // 40% of the time of a 1x1 conv over 16 channels; the reduction's own registers were unaffected).
#pragma GCC unroll 6
  for (int64_t r = 0; r < MR; ++r) {
    if (r >= rows_valid) continue;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if (v == NV - 1) _mm512_mask_storeu_ps(crow[r] + 16 * v, last_mask, acc[r][v]);
      else _mm512_storeu_ps(crow[r] + 16 * v, acc[r][v]);
    }
  }
}

// The mask of the first `tail` lanes, made afresh at each use: the asm (volatile, so never merged with
// another use) keeps GCC from holding one mask in a register across the reduction loop, where the 12
// accumulators, 2 weight vectors and the broadcast take 15 of the 16; GCC 12 otherwise spilled a weight
// vector and read it from the stack in every FMA row (the tile ran at 60% of its speed).
__attribute__((target("avx2"), always_inline)) inline __m256i tail_mask(int tail) {
  asm volatile("" : "+r"(tail));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The same with AVX2: NV*8 output channels, the last vector holding `tail` of them (1..8). Masked loads
// and stores only where the last vector is partial: a full one takes the plain instructions.
template <int NV, int MR, int Phase>
__attribute__((target("avx2,fma,prfchw"))) CPX_TILE_UNCHECKED void tile_avx2(
    int64_t rows_valid, const Block& b, const float* const* a, int64_t a_offset, const float* zero, const float* w,
    int64_t w_stride, const float* bias, float* c, int64_t c_stride, const float* residual, int tail,
    const IgemmStore* store) {
  constexpr bool first = Phase & first_block, last = Phase & last_block;
  const bool partial = tail < 8;
  __m256 acc[MR][NV];
  float* crow[MR];
  for (int64_t r = 0; r < MR; ++r) crow[r] = c + (r < rows_valid ? r : rows_valid - 1) * c_stride;
  prefetch_epilogue(rows_valid, NV * 8, c, c_stride, residual, first, last);
  if (first) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __m256 bv = _mm256_load_ps(bias + 8 * v);
#pragma GCC unroll 6
      for (int64_t r = 0; r < MR; ++r) acc[r][v] = bv;
    }
  } else {
    const __m256i mask = tail_mask(tail);
#pragma GCC unroll 6
    for (int64_t r = 0; r < MR; ++r) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v)
        acc[r][v] =
            v == NV - 1 && partial ? _mm256_maskload_ps(crow[r] + 8 * v, mask) : _mm256_loadu_ps(crow[r] + 8 * v);
    }
  }
  for (int64_t t = 0; t < b.taps; ++t) {
    const float* x[MR];
#pragma GCC unroll 6
    for (int64_t r = 0; r < MR; ++r) {
      const float* p = a[t * mr + r];
      x[r] = p == zero ? zero : p + a_offset;
    }
    for (int64_t k = 0; k < b.channels; ++k) {
      __m256 wv[NV];
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) wv[v] = _mm256_load_ps(w + 8 * v);
      w += w_stride;
#pragma GCC unroll 6
      for (int64_t r = 0; r < MR; ++r) {
        const __m256 xv = _mm256_broadcast_ss(x[r] + k);
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(xv, wv[v], acc[r][v]);
      }
    }
  }
  // The residual is added in a second pass over the stored tile: read inside this function's register
  // epilogue, it kept GCC 12 from holding the 12 accumulators in the 16 ymm registers (it stored every
  // accumulator after each FMA of the inner loop, halving the tile's speed).
  // Hardswish the same way, for the same reason.
  const bool second_pass = last && (residual || store->hardswish);
  if (last && !second_pass) {
    const __m256 vlo = _mm256_set1_ps(store->lo), vhi = _mm256_set1_ps(store->hi);
#pragma GCC unroll 6
    for (int64_t r = 0; r < MR; ++r)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_min_ps(_mm256_max_ps(acc[r][v], vlo), vhi);
  }
  // Rows past rows_valid alias the last valid row and are not stored. Unrolled with a test per row, so
  // that no accumulator is indexed by a run-time row (which would keep them all in memory).
  const __m256i mask = tail_mask(tail);
#pragma GCC unroll 6
  for (int64_t r = 0; r < MR; ++r) {
    if (r >= rows_valid) continue;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      if (v == NV - 1 && partial) _mm256_maskstore_ps(crow[r] + 8 * v, mask, acc[r][v]);
      else _mm256_storeu_ps(crow[r] + 8 * v, acc[r][v]);
    }
  }
  if (second_pass) {
    const __m256 vlo = _mm256_set1_ps(store->lo), vhi = _mm256_set1_ps(store->hi);
    const __m256 three = _mm256_set1_ps(3.0f), six = _mm256_set1_ps(6.0f), sixth = _mm256_set1_ps(1.0f / 6.0f);
    for (int64_t r = 0; r < rows_valid; ++r) {
      const float* res = residual ? residual + r * c_stride : nullptr;
      float* out = c + r * c_stride;
      for (int v = 0; v < NV; ++v) {
        const bool masked = v == NV - 1 && partial;
        __m256 y = masked ? _mm256_maskload_ps(out + 8 * v, mask) : _mm256_loadu_ps(out + 8 * v);
        if (res) y = _mm256_add_ps(y, masked ? _mm256_maskload_ps(res + 8 * v, mask) : _mm256_loadu_ps(res + 8 * v));
        y = _mm256_min_ps(_mm256_max_ps(y, vlo), vhi);
        if (store->hardswish) {
          const __m256 gate = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(y, three), _mm256_setzero_ps()), six);
          y = _mm256_mul_ps(_mm256_mul_ps(y, gate), sixth);
        }
        if (masked) _mm256_maskstore_ps(out + 8 * v, mask, y);
        else _mm256_storeu_ps(out + 8 * v, y);
      }
    }
  }
}

using TileFn = decltype(&tile<1, mr, 0>);

// A level's tiles by number of vectors (index 1..4), rows (index 1..mr) and phase (0..3); nullptr where it
// has none.
using TileTable = std::array<std::array<std::array<TileFn, 4>, mr + 1>, 5>;

template <template <int, int, int> class T, int NV, int MR>
constexpr std::array<TileFn, 4> phases() {
  return {T<NV, MR, 0>::fn, T<NV, MR, 1>::fn, T<NV, MR, 2>::fn, T<NV, MR, 3>::fn};
}
template <template <int, int, int> class T, int... NV>
constexpr TileTable tile_table(std::integer_sequence<int, NV...>) {
  TileTable t{};
  ((t[NV] = {std::array<TileFn, 4>{}, phases<T, NV, 1>(), phases<T, NV, 2>(), phases<T, NV, 3>(), phases<T, NV, 4>(),
             phases<T, NV, 5>(), phases<T, NV, 6>()}),
   ...);
  return t;
}
template <int NV, int MR, int Phase>
struct Avx512Tile {
  static constexpr TileFn fn = &tile<NV, MR, Phase>;
};
template <int NV, int MR, int Phase>
struct Avx2Tile {
  static constexpr TileFn fn = &tile_avx2<NV, MR, Phase>;
};

// One ISA's register tile: its level, its vector width, its panel (the tile's columns) and its functions by
// number of vectors and rows.
struct TileIsa {
  Isa isa;
  const char* name;  // Environment::igemm_tile's first word
  int64_t vector_floats, panel_max;
  TileTable by_shape;
};
constexpr TileIsa avx512_tile{Isa::avx512, "AVX-512", 16, 64,
                              tile_table<Avx512Tile>(std::integer_sequence<int, 1, 2, 3, 4>{})};
constexpr TileIsa avx2_tile{Isa::avx2, "AVX2", 8, 16, tile_table<Avx2Tile>(std::integer_sequence<int, 1, 2>{})};

// The tile of a level, or nullptr below AVX2.
const TileIsa* tile_of(Isa isa) {
  switch (isa) {
    case Isa::avx512: return &avx512_tile;
    case Isa::avx2: return &avx2_tile;
    default: return nullptr;
  }
}

const TileIsa* active_tile() { return tile_of(active_isa()); }

const TileIsa& required_tile() {
  const TileIsa* t = active_tile();
  if (!t)
    throw Unsupported("igemm: the level kernels run at (" + std::string(isa_name(active_isa())) + ") is below AVX2");
  return *t;
}

// Every region a tile of `rows_valid` rows will touch (see tile above): its input-pixel pointers, each
// pixel's `channels` inputs (or the zero row), its weight rows (`panel_width` floats each, w_stride apart),
// the bias (first block), the output rows (read unless first, written always) and the residual rows (last
// block), `columns` floats each. A no-op unless ASan is on.
void check_tile_memory(int64_t rows_valid, const Block& b, const float* const* a, int64_t a_offset, const float* zero,
                       const float* w, int64_t w_stride, int64_t panel_width, const float* bias, const float* c,
                       int64_t c_stride, const float* residual, int64_t columns, int phase) {
#if CPX_IGEMM_ASAN
  auto check = [](const void* begin, int64_t bytes, bool write) {
    if (bytes <= 0) return;
    if (void* bad = __asan_region_is_poisoned(const_cast<void*>(begin), static_cast<size_t>(bytes)))
      __asan_report_error(__builtin_return_address(0), __builtin_frame_address(0), __builtin_frame_address(0), bad,
                          write, sizeof(float));
  };
  constexpr int64_t f = sizeof(float);
  check(a, ((b.taps - 1) * mr + rows_valid) * static_cast<int64_t>(sizeof(float*)), false);
  for (int64_t t = 0; t < b.taps; ++t)
    for (int64_t r = 0; r < rows_valid; ++r) {
      const float* p = a[t * mr + r];
      check(p == zero ? zero : p + a_offset, b.channels * f, false);
    }
  if (b.taps * b.channels > 0) check(w, ((b.taps * b.channels - 1) * w_stride + panel_width) * f, false);
  if (phase & first_block) check(bias, panel_width * f, false);
  for (int64_t r = 0; r < rows_valid; ++r) {
    check(c + r * c_stride, columns * f, true);
    if ((phase & last_block) && residual) check(residual + r * c_stride, columns * f, false);
  }
#else
  (void)rows_valid, (void)b, (void)a, (void)a_offset, (void)zero, (void)w, (void)w_stride, (void)panel_width,
      (void)bias, (void)c, (void)c_stride, (void)residual, (void)columns, (void)phase;
#endif
}

// The taps of a tile's block that read an input pixel in some valid row (igemm_work.hpp's live_taps): a
// pointer equal to `zero` is padding.
LiveTaps tile_live_taps(const float* const* a, int64_t taps, int64_t rows, const float* zero) {
  return live_taps(taps, [&](int64_t t) {
    for (int64_t r = 0; r < rows; ++r)
      if (a[t * mr + r] != zero) return true;
    return false;
  });
}

}  // namespace

GemmPanels::GemmPanels(int64_t k, int64_t n) : k_(k), n_(n) {
  const TileIsa& isa = required_tile();
  isa_ = isa.isa;
  panel_ = std::min<int64_t>(isa.panel_max, (n + isa.vector_floats - 1) / isa.vector_floats * isa.vector_floats);
  panels_ = (n + panel_ - 1) / panel_;
  panel_floats_ = panel_ + k * panel_;
  data_ = aligned_floats(static_cast<size_t>(panels_ * panel_floats_));
  whole_k_ = {{0, 1, 0, k}};
}

void GemmPanels::pack(const float* b, int64_t stride_k, int64_t stride_n, float scale, const float* bias) {
  for (int64_t p = 0; p < panels_; ++p) {
    float* dst = data_.get() + p * panel_floats_;
    const int64_t cols = std::min(panel_, n_ - p * panel_);
    for (int64_t j = 0; j < cols; ++j) dst[j] = bias ? bias[p * panel_ + j] : 0.0f;
    for (int64_t kk = 0; kk < k_; ++kk) {
      const float* src = b + kk * stride_k + p * panel_ * stride_n;
      float* row = dst + panel_ + kk * panel_;
      for (int64_t j = 0; j < cols; ++j) row[j] = scale * src[j * stride_n];
    }
  }
}

void GemmPanels::multiply_panel(int64_t p, const float* const* a, int64_t tiles, int64_t rows, int64_t taps,
                                int64_t a_offset, const float* zero, float* c, int64_t c_stride, const float* residual,
                                const std::vector<Block>& blocks, const IgemmStore& store) const {
  const int64_t cols = std::min(panel_, n_ - p * panel_);
  const TileIsa& isa = *tile_of(isa_);  // the constructor's level, which packed the panels
  note_dispatch(isa_);
  const int vectors = static_cast<int>((cols + isa.vector_floats - 1) / isa.vector_floats);
  const int tail = static_cast<int>(cols - isa.vector_floats * (vectors - 1));
  const auto& by_rows = isa.by_shape[static_cast<size_t>(vectors)];
  const float* panel = data_.get() + p * panel_floats_;
  float* c_panel = c + p * panel_;
  const float* res_panel = residual ? residual + p * panel_ : nullptr;
  const int64_t channels = k_ / taps;
  for (size_t bi = 0; bi < blocks.size(); ++bi) {
    const Block& b = blocks[bi];
    const float* w = panel + panel_ + (b.tap0 * channels + b.c0) * panel_;
    const int phase = (bi == 0 ? first_block : 0) | (bi + 1 == blocks.size() ? last_block : 0);
    for (int64_t tl = 0; tl < tiles; ++tl) {
      const int64_t tile_rows = std::min(mr, rows - tl * mr);
      const float* const* tile_a = a + (tl * taps + b.tap0) * mr;
      Block tb = b;
      const float* tw = w;
      if (zero) {  // leave out the taps at either end of the block that read only padding (their products are 0)
        const LiveTaps live = tile_live_taps(tile_a, b.taps, tile_rows, zero);
        if (live.taps == 0 && phase == 0) continue;  // nothing to add to the partial sums in the output
        tb.tap0 += live.skip, tb.taps = live.taps;
        tile_a += live.skip * mr, tw += live.skip * b.channels * panel_;
      }
      float* tile_c = c_panel + tl * mr * c_stride;
      const float* tile_residual = res_panel ? res_panel + tl * mr * c_stride : nullptr;
      check_tile_memory(tile_rows, tb, tile_a, a_offset + b.c0, zero, tw, panel_, vectors * isa.vector_floats, panel,
                        tile_c, c_stride, tile_residual, cols, phase);
      by_rows[static_cast<size_t>(tile_rows)][static_cast<size_t>(phase)](tile_rows, tb, tile_a, a_offset + b.c0, zero,
                                                                          tw, panel_, panel, tile_c, c_stride,
                                                                          tile_residual, tail, &store);
    }
  }
}

void GemmPanels::multiply(const float* a, int64_t a_stride, int64_t rows, float* c, int64_t c_stride) const {
  for (int64_t r0 = 0; r0 < rows; r0 += mr) {
    const float* a_rows[mr];
    for (int64_t r = 0; r < mr; ++r) a_rows[r] = a + std::min(r0 + r, rows - 1) * a_stride;
    for (int64_t p = 0; p < panels_; ++p)
      multiply_panel(p, a_rows, 1, std::min(mr, rows - r0), 1, 0, nullptr, c + r0 * c_stride, c_stride, nullptr,
                     whole_k_, IgemmStore{});
  }
}

namespace {

// What the kernel needs of a convolution; a fully connected layer is the 1x1 case over n*h*w pixels.
struct Geometry {
  int64_t n, in_h, in_w, out_h, out_w, kh, kw, stride_h, stride_w, pad_top, pad_left;
  int64_t groups, in_per_group, out_per_group;
  int64_t in_stride, out_stride;           // floats between pixels
  int64_t dilation_h = 1, dilation_w = 1;  // a dilated (atrous) conv's taps: only the indirection differs
};

class IgemmKernel final : public Kernel {
 public:
  // A fused epilogue (args.residual, args.clamp) needs `activation` none: the residual comes before the clamp.
  IgemmKernel(const Geometry& g, const float* in, float* out, const std::vector<float>& weight,
              const std::vector<float>& bias, Activation activation, const KernelArgs& args)
      : g_(g), out_(out), residual_(args.residual.data) {
    const TensorView& out_view = args.output;
    pthreadpool_t pool = args.pool;
    const bool epilogue = residual_ || args.clamp != Activation::none;
    if (epilogue && activation != Activation::none)
      throw std::logic_error("igemm: a fused epilogue after an activation");
    if (residual_ && (args.residual.shape != out_view.shape || args.residual.pixel_stride != g.out_stride))
      throw std::logic_error("igemm: the fused residual is not laid out like the output");
    const int64_t taps = g.kh * g.kw, k = taps * g.in_per_group;
    // Our weight layout [Cout][kh][kw][Cin/g]: element (k, oc) of group gi's B at weight[(gi*opg + oc)*K + k].
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      weights_.emplace_back(k, g.out_per_group);
      weights_.back().pack(weight.data() + gi * g.out_per_group * k, 1, k, 1.0f,
                           bias.empty() ? nullptr : bias.data() + gi * g.out_per_group);
    }
    panels_ = weights_.front().panels();
    // Indirection: for each tile of mr output pixels, each tap, each row: the input pixel (group 0,
    // channel 0) or the zero row. Rows past the last pixel repeat it (never read: the last tile runs only
    // its valid rows).
    zero_ = aligned_floats(static_cast<size_t>(g.in_per_group + 16));
    pixels_ = g.n * g.out_h * g.out_w;
    tiles_ = (pixels_ + mr - 1) / mr;
    indirection_.resize(static_cast<size_t>(tiles_ * taps * mr));
    for (int64_t tl = 0; tl < tiles_; ++tl)
      for (int64_t r = 0; r < mr; ++r) {
        const int64_t p = std::min(tl * mr + r, pixels_ - 1);
        const int64_t b = p / (g.out_h * g.out_w), oy = p / g.out_w % g.out_h, ox = p % g.out_w;
        for (int64_t ky = 0; ky < g.kh; ++ky)
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            const bool inside = iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w;
            indirection_[static_cast<size_t>((tl * taps + ky * g.kw + kx) * mr + r)] =
                inside ? in + ((b * g.in_h + iy) * g.in_w + ix) * g.in_stride : zero_.get();
          }
      }
    // Without padding no tile has a tap to skip: multiply_panel then checks none (zero nullptr).
    padded_ = std::find(indirection_.begin(), indirection_.end(), zero_.get()) != indirection_.end();
    blocks_ = igemm_reduction_blocks(taps, g.in_per_group, weights_.front().panel());
    // Work items: (group, panel, chunk of tiles). Chunks keep a block's weights hot across up to 32 tiles
    // and leave about four items per thread; chunks of equal size, so that no thread is left one tile
    // (33 tiles were a chunk of 32 and one of 1 at 14x14).
    const int64_t threads = static_cast<int64_t>(pool_threads(pool));
    const int64_t columns = g.groups * panels_;
    const int64_t chunks_wanted = std::max({int64_t{1}, (4 * threads + columns - 1) / columns, (tiles_ + 31) / 32});
    tiles_per_chunk_ = (tiles_ + chunks_wanted - 1) / chunks_wanted;
    chunks_ = (tiles_ + tiles_per_chunk_ - 1) / tiles_per_chunk_;
    // Hardswish is fused into the store (it never meets a fused epilogue: that needs activation none).
    store_.hardswish = activation == Activation::hardswish;
    std::tie(store_.lo, store_.hi) = clamp_range(epilogue ? args.clamp : activation);
    if (!store_.hardswish) activation_ = make_activation_kernel(activation, out_view, pool);
    const std::string fused = std::string(residual_ ? " + residual add" : "") +
                              (args.clamp == Activation::none ? "" : " + " + std::string(to_string(args.clamp))) +
                              (store_.hardswish ? " + hardswish" : "");
    const TileIsa& tile = *tile_of(weights_.front().isa());
    implementation_ = {"emulated: igemm " + std::string(tile.name) + " 6x" + std::to_string(weights_.front().panel()) +
                           " (ours" +
                           (&tile == &avx512_tile ? "; XNNPACK's 7x16 tile is load-bound)" : ", not XNNPACK's GEMM)") +
                           (fused.empty() ? "" : ", fused in its store:" + fused) +
                           (activation_ ? " + " + activation_->implementation().how : std::string()),
                       true};
  }

  // Chunk-major: a thread's contiguous share of the items is a share of the pixels over all panels, so
  // each thread reads its part of the input (and of a fused residual) once, not the whole of it once per
  // panel it owns: faster than panel-major at 2 threads, equal at 1. Choosing per op the order whose full
  // read is the smaller (panel-major where the weights outweigh the input) measured no better
  // (docs/log/executor.md#executor-kernel-figures).
  void run(pthreadpool_t pool) override {
    pthreadpool_parallelize_2d(
        pool, [](void* self, size_t chunk, size_t column) { static_cast<IgemmKernel*>(self)->item(column, chunk); },
        this, static_cast<size_t>(chunks_), static_cast<size_t>(g_.groups * panels_), 0);
    if (activation_) activation_->run(pool);
  }

 private:
  void item(size_t column, size_t chunk) const {
    const int64_t gi = static_cast<int64_t>(column) / panels_, p = static_cast<int64_t>(column) % panels_;
    const int64_t t0 = static_cast<int64_t>(chunk) * tiles_per_chunk_, t1 = std::min(tiles_, t0 + tiles_per_chunk_);
    const int64_t taps = g_.kh * g_.kw;
    weights_[static_cast<size_t>(gi)].multiply_panel(
        p, indirection_.data() + t0 * taps * mr, t1 - t0, pixels_ - t0 * mr, taps, gi * g_.in_per_group,
        padded_ ? zero_.get() : nullptr, out_ + gi * g_.out_per_group + t0 * mr * g_.out_stride, g_.out_stride,
        residual_ ? residual_ + gi * g_.out_per_group + t0 * mr * g_.out_stride : nullptr, blocks_, store_);
  }

  Geometry g_;
  float* out_;
  const float* residual_;            // fused residual add: laid out like out_, or nullptr
  std::vector<GemmPanels> weights_;  // per group
  int64_t panels_ = 0, pixels_ = 0, tiles_ = 0, tiles_per_chunk_ = 1, chunks_ = 1;
  AlignedFloats zero_;
  bool padded_ = false;  // some tap of some pixel reads the zero row
  std::vector<const float*> indirection_;
  std::vector<Block> blocks_;
  IgemmStore store_;
  std::unique_ptr<Kernel> activation_;
};

}  // namespace

bool igemm_available() { return active_tile() != nullptr; }

namespace {
// override_igemm_rule's: set by a benchmark's main thread between plans, read when a plan is built.
std::optional<IgemmRule> rule_override;
}  // namespace

void override_igemm_rule(std::optional<IgemmRule> rule) { rule_override = rule; }

IgemmRule igemm_rule() {
  const TileIsa* t = active_tile();
  if (rule_override) return {t != nullptr && rule_override->available, rule_override->min_out_per_group};
  return t ? IgemmRule{true, 2 * t->vector_floats} : IgemmRule{};
}

std::string igemm_tile() {
  const TileIsa* t = active_tile();
  return t ? std::string(t->name) + " 6x" + std::to_string(t->panel_max) : std::string();
}

std::unique_ptr<Kernel> make_igemm_kernel(const Conv2d& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const ConvWeightShape w = op.weight_shape(in.shape.c);
  const Geometry g{in.shape.n,      in.shape.h,
                   in.shape.w,      out.shape.h,
                   out.shape.w,     op.kernel[0],
                   op.kernel[1],    op.stride[0],
                   op.stride[1],    op.padding.top,
                   op.padding.left, op.groups,
                   w.in_per_group,  op.out_channels / op.groups,
                   in.pixel_stride, out.pixel_stride,
                   op.dilation[0],  op.dilation[1]};
  return std::make_unique<IgemmKernel>(g, in.data, out.data, args.weights.weight, args.weights.bias, op.activation,
                                       args);
}

std::unique_ptr<Kernel> make_igemm_kernel(const FullyConnected& op, const KernelArgs& args) {
  const TensorView& in = args.inputs[0];
  const TensorView& out = args.output;
  const int64_t pixels = in.pixels();
  const Geometry g{
      1, pixels, 1, pixels, 1, 1, 1, 1, 1, 0, 0, 1, in.shape.c, op.out_features, in.pixel_stride, out.pixel_stride};
  return std::make_unique<IgemmKernel>(g, in.data, out.data, args.weights.weight, args.weights.bias, op.activation,
                                       args);
}

#else  // no x86 build of the kernel: conv2d, fully_connected and matmul stay on XNNPACK and Eigen

bool igemm_available() { return false; }
IgemmRule igemm_rule() { return {}; }
void override_igemm_rule(std::optional<IgemmRule>) {}
std::string igemm_tile() { return {}; }
GemmPanels::GemmPanels(int64_t, int64_t) { throw Unsupported("igemm: not built for this CPU"); }
void GemmPanels::pack(const float*, int64_t, int64_t, float, const float*) {}
void GemmPanels::multiply(const float*, int64_t, int64_t, float*, int64_t) const {}
void GemmPanels::multiply_panel(int64_t, const float* const*, int64_t, int64_t, int64_t, int64_t, const float*, float*,
                                int64_t, const float*, const std::vector<IgemmBlock>&, const IgemmStore&) const {}
std::unique_ptr<Kernel> make_igemm_kernel(const Conv2d&, const KernelArgs&) {
  throw Unsupported("igemm: not built for this CPU");
}
std::unique_ptr<Kernel> make_igemm_kernel(const FullyConnected&, const KernelArgs&) {
  throw Unsupported("igemm: not built for this CPU");
}

#endif

}  // namespace cpx::profiler

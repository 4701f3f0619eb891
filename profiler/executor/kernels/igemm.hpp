// Our indirect GEMM for dense and grouped convolutions and fully connected layers (igemm.cpp): an AVX-512
// register tile, or an AVX2+FMA one on CPUs without AVX-512.
#pragma once

#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "profiler/executor/isa.hpp"
#include "profiler/executor/kernel.hpp"
#include "profiler/profile/fusion.hpp"
#include "profiler/profile/igemm_work.hpp"

namespace cpx::profiler {

// True when this build has the kernel and active_isa() is AVX2 or AVX-512.
bool igemm_available();

// The tile that runs at active_isa(), e.g. "AVX-512 6x64" or "AVX2 6x16"; empty when !igemm_available().
std::string igemm_tile();

// Which shapes igemm takes on this machine (profiler/profile/fusion.hpp): from two of its tile's vectors.
IgemmRule igemm_rule();

// The kernel benchmark measures every engine on every shape (benchmarks/conv_shapes.cpp): from now on
// igemm_rule() returns `rule` instead (`available` still needs a tile at active_isa()), so that the plan's
// kernels and fusions follow it; nullopt restores the machine's rule. Plans built before keep their kernels.
// {true, 1} sends every conv with 2+ input channels per group to igemm; {false} sends them all to XNNPACK.
void override_igemm_rule(std::optional<IgemmRule> rule);

// Whether a conv or linear of this shape goes to igemm rather than XNNPACK on this machine.
inline bool igemm_prefers(int64_t in_per_group, int64_t out_per_group, int64_t groups, size_t threads) {
  return igemm_rule().takes(in_per_group, out_per_group, groups, threads);
}

// What the last block's store does after adding the residual: clamp into [lo, hi], then, with hardswish,
// x * clamp(x + 3, 0, 6) * (1/6), as the depthwise loops do (a fused activation needs no pass of its own
// over the output, which XNNPACK's hardswish operator is).
struct IgemmStore {
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  bool hardswish = false;
};

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;

// The right-hand side B (k x n) of C = A·B (+ bias), packed into panels of up to the tile's columns (64
// with AVX-512, 16 with AVX2): per panel the bias, then k rows of the panel's columns (zero-padded to a
// whole number of vectors: 16 floats with AVX-512, 8 with AVX2).
class GemmPanels {
 public:
  // Packs for active_isa()'s tile, which multiply then runs whatever the level by then. Throws Unsupported
  // when !igemm_available().
  GemmPanels(int64_t k, int64_t n);
  // B's element (kk, j) is b[kk * stride_k + j * stride_n], times scale; bias: n values or nullptr.
  void pack(const float* b, int64_t stride_k, int64_t stride_n, float scale, const float* bias);
  // C = A·B + bias for `rows` rows of A (a + r * a_stride, k floats each) into c (c_stride floats per row).
  void multiply(const float* a, int64_t a_stride, int64_t rows, float* c, int64_t c_stride) const;
  // Panel p for `tiles` tiles of 6 rows (`rows` valid rows from the first): a holds, per tile and tap, six
  // row pointers; a pointer equal to `zero` is padding, the others get a_offset added (zero nullptr: no
  // pointer is padding). Blocks in order, the output tile accumulating between them; the last adds `residual`
  // (laid out like c, or nullptr) and stores as `store` says. A tile skips the taps at either end of a block
  // that read only padding.
  void multiply_panel(int64_t p, const float* const* a, int64_t tiles, int64_t rows, int64_t taps, int64_t a_offset,
                      const float* zero, float* c, int64_t c_stride, const float* residual,
                      const std::vector<IgemmBlock>& blocks, const IgemmStore& store) const;
  int64_t panel() const { return panel_; }
  int64_t panels() const { return panels_; }
  Isa isa() const { return isa_; }

 private:
  Isa isa_ = Isa::unknown;
  int64_t k_ = 0, n_ = 0, panel_ = 0, panels_ = 0, panel_floats_ = 0;
  AlignedFloats data_;
  std::vector<IgemmBlock> whole_k_;  // multiply's one reduction block, made once: run() must not allocate
};

// Throws Unsupported when !igemm_available().
std::unique_ptr<Kernel> make_igemm_kernel(const Conv2d& op, const KernelArgs& args);
std::unique_ptr<Kernel> make_igemm_kernel(const FullyConnected& op, const KernelArgs& args);

}  // namespace cpx::profiler

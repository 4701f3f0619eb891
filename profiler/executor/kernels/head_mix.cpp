// head_mix ("talking heads"): out[q, h'·Lk + s] = Σ_h W[h', h]·x[q, h·Lk + s] + b[h'] at every query
// pixel q. XNNPACK cannot express it (the head axis is neither the innermost nor a strided-row axis a
// fully connected operator accepts), so: a loop over tiles of query pixels, each pixel a small
// register-blocked product W·X of its heads x Lk block (in L1), at this CPU's vector width (vector.hpp).
#include <cstring>

#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/vector.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

constexpr size_t max_block = 4;  // output heads computed together; W and b are padded to whole blocks

// One query pixel: y[h'][s] = b[h'] + Σ_h w[h'][h]·x[h][s], rows of `keys` floats. For each block of
// `Block` output heads and each run of one vector of keys, the Block accumulators stay in registers while
// the input heads stream past, so every x vector loaded feeds Block multiply-adds and each output is
// stored once (faster than heads² axpys over the rows: docs/log/executor.md#executor-kernel-figures). The
// last run overlaps the one before it when the vector width does not divide `keys` (it stores the same
// values again).
template <class V, size_t Block>
[[gnu::always_inline]] inline void mix_pixel(const float* __restrict x, float* __restrict y, const float* __restrict w,
                                             const float* __restrict b, size_t heads, size_t keys) {
  constexpr size_t lanes = lanes_of<V>;
  for (size_t o0 = 0; o0 < heads; o0 += Block) {
    const size_t outs = std::min(Block, heads - o0);
    const float* wb = w + o0 * heads;  // rows o0 .. o0 + Block of the padded W
    if (keys >= lanes) {
      for (size_t run = 0; run < keys; run += lanes) {
        const size_t s = std::min(run, keys - lanes);
        V acc[Block];
        for (size_t j = 0; j < Block; ++j) acc[j] = splat<V>(b[o0 + j]);
        for (size_t h = 0; h < heads; ++h) {
          V xv;
          std::memcpy(&xv, x + h * keys + s, sizeof xv);
          for (size_t j = 0; j < Block; ++j) acc[j] += wb[j * heads + h] * xv;
        }
        for (size_t j = 0; j < outs; ++j) std::memcpy(y + (o0 + j) * keys + s, &acc[j], sizeof(V));
      }
    } else {
      for (size_t s = 0; s < keys; ++s)
        for (size_t j = 0; j < outs; ++j) {
          float sum = b[o0 + j];
          for (size_t h = 0; h < heads; ++h) sum += wb[j * heads + h] * x[h * keys + s];
          y[(o0 + j) * keys + s] = sum;
        }
    }
  }
}

// `block` output heads at a time: the padding of W and b (1 to max_block).
template <class V>
[[gnu::always_inline]] inline void mix_pixel_impl(const float* __restrict x, float* __restrict y,
                                                  const float* __restrict w, const float* __restrict b, size_t heads,
                                                  size_t keys, size_t block) {
  switch (block) {
    case 1: return mix_pixel<V, 1>(x, y, w, b, heads, keys);
    case 2: return mix_pixel<V, 2>(x, y, w, b, heads, keys);
    case 3: return mix_pixel<V, 3>(x, y, w, b, heads, keys);
    default: return mix_pixel<V, 4>(x, y, w, b, heads, keys);
  }
}

CPX_VECTOR_DISPATCH(mix_one_pixel, mix_pixel_impl,
                    (const float* __restrict x, float* __restrict y, const float* __restrict w,
                     const float* __restrict b, size_t heads, size_t keys, size_t block),
                    (x, y, w, b, heads, keys, block))

class HeadMixKernel final : public Kernel {
 public:
  HeadMixKernel(const HeadMix& op, const KernelArgs& args)
      : in_(args.inputs[0]),
        out_(args.output),
        heads_(static_cast<size_t>(op.heads)),
        keys_(static_cast<size_t>(in_.shape.c / op.heads)) {
    implementation_ = {"emulated: vectorised loop per query pixel (heads x heads mix of its score rows)", true};
    expect_size(args.weights.weight, op.heads * op.heads, "head_mix weight");
    expect_size(args.weights.bias, op.bias ? op.heads : 0, "head_mix bias");
    // W and b padded with zero rows to whole blocks of output heads (the padded rows are never stored).
    block_ = std::min(heads_, max_block);
    const size_t padded = (heads_ + block_ - 1) / block_ * block_;
    w_.assign(padded * heads_, 0.0f);
    std::copy(args.weights.weight.begin(), args.weights.weight.end(), w_.begin());
    b_.assign(padded, 0.0f);
    std::copy(args.weights.bias.begin(), args.weights.bias.end(), b_.begin());
    tile_ = tile_for(args.pool, in_.pixels(), in_.shape.c * heads_);
  }

  void run(pthreadpool_t pool) override {
    parallel_for(pool, in_.pixels(), tile_, [this](size_t begin, size_t end) {
      for (size_t p = begin; p < end; ++p)
        mix_one_pixel(in_.pixel(p), out_.pixel(p), w_.data(), b_.data(), heads_, keys_, block_);
    });
  }

 private:
  TensorView in_, out_;
  size_t heads_, keys_;
  std::vector<float> w_, b_;
  size_t block_ = 1;
  size_t tile_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(const HeadMix& op, const KernelArgs& args) {
  return std::make_unique<HeadMixKernel>(op, args);
}

}  // namespace cpx::profiler

// Depthwise conv2d: 3x3 and 5x5 (faster here than XNNPACK's microkernels for them), any followed by
// hardswish (fused into the store, which XNNPACK's microkernels cannot: they fuse only a clamp), a tap count
// XNNPACK (snapshot 2022-02-16) has no microkernel for (7x7, 1x5, 5x1, ...), and depthwise with a channel
// multiplier (one input channel to m outputs per group: FastViT's 7x7
// downsampling and 3x3 head convs, m = 2) at any tap count, which XNNPACK only has as a grouped GEMM of
// m columns. XNNPACK runs those as a grouped GEMM, far slower than ONNX Runtime on FastViT and
// EfficientMod (docs/log/executor.md, Executor kernel figures). Here: rows of output pixels in parallel;
// per pixel, a register of channels (16 with AVX-512, 8 with AVX2) stays put while the kernel's taps
// stream past (weights repacked tap-major so each tap's weights for those channels are one load), at
// this CPU's vector width (vector.hpp). Labelled emulated in every output.
//
// The same loops run grouped convs with G = 2 or 4 channels in and out per group (runs_grouped_loops):
// output channel ch sums its group's G inputs, so per tap a vector of input channels is loaded once and
// rotated within each group of G lanes G - 1 times (a shuffle each), with weights repacked to match: for
// rotation k, lane ch holds W[ch][tap][(ch % G + k) % G]. XNNPACK's grouped GEMM of G columns ran such
// convs several times slower (docs/log/executor.md#executor-kernel-figures).
#include <cstring>
#include <utility>

#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/vector.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

struct Geometry {
  int64_t in_h, in_w, out_w, kh, kw, stride_h, stride_w, pad_top, pad_left;
  int64_t channels, multiplier;   // output channels; output channel ch reads input channel ch / multiplier
  int64_t group;                  // G: channels in and out per group (multiplier 1), 1 for depthwise
  int64_t in_stride, out_stride;  // floats between pixels
  float lo, hi;                   // fused output clamp
  bool hardswish;                 // fused hardswish after it (the clamp is then none)
};

template <class V>
[[gnu::always_inline]] inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The output of a vector of channels: the clamp, then hardswish x * min(max(x + 3, 0), 6) / 6 where it is
// fused, so that the activation costs no pass of its own over the output.
template <class V>
[[gnu::always_inline]] inline void store_out(const Geometry& g, float* p, V v) {
  v = clamp(v, g.lo, g.hi);
  if (g.hardswish) v = v * clamp(v + 3.0f, 0.0f, 6.0f) * (1.0f / 6.0f);
  std::memcpy(p, &v, sizeof v);
}

// The same for one channel.
inline float out_scalar(const Geometry& g, float v) {
  v = std::min(std::max(v, g.lo), g.hi);
  return g.hardswish ? v * std::min(std::max(v + 3.0f, 0.0f), 6.0f) * (1.0f / 6.0f) : v;
}

// Lanes 0, 0, 1, 1, 2, 2, ... of h.
template <class V, class Half, size_t... L>
[[gnu::always_inline]] inline V repeat_each_twice(Half h, std::index_sequence<L...>) {
  return __builtin_shufflevector(h, h, static_cast<int>(L / 2)...);
}

// The input channels of output channels [c0, c0 + lanes) as one vector, each repeated M times; x points
// at input channel c0 / M. M = 0: any multiplier, lane by lane.
template <class V, int M>
[[gnu::always_inline]] inline V load_input(const float* x, int64_t c0, int64_t m) {
  if constexpr (M == 1) {
    return load<V>(x);
  } else if constexpr (M == 2) {
    typedef float Half __attribute__((vector_size(sizeof(V) / 2)));
    Half h;
    std::memcpy(&h, x, sizeof h);
    return repeat_each_twice<V>(h, std::make_index_sequence<lanes_of<V>>{});
  } else {
    V v;
    for (int64_t l = 0; l < static_cast<int64_t>(lanes_of<V>); ++l) v[l] = x[(c0 + l) / m - c0 / m];
    return v;
  }
}

// The channels of v rotated by K within each group of G lanes: lane l takes lane (l / G) * G + (l % G +
// K) % G, the input that output channel l's weight of rotation K multiplies.
template <int G, int K, class V, size_t... L>
[[gnu::always_inline]] inline V rotate_in_groups(V v, std::index_sequence<L...>) {
  return __builtin_shufflevector(v, v, static_cast<int>((L / G) * G + (L % G + K) % G)...);
}

// A grouped conv's acc + the products of one tap for output channels [c0, c0 + lanes): x points at input
// channel c0 (the same channel layout in and out), w at the tap's G rotations, `c` floats apart.
template <int G, class V, size_t... K>
[[gnu::always_inline]] inline V tap_products(V acc, const float* x, const float* w, int64_t c, int64_t c0,
                                             std::index_sequence<K...>) {
  const V v = load<V>(x);
  ((acc += rotate_in_groups<G, static_cast<int>(K)>(v, std::make_index_sequence<lanes_of<V>>{}) *
           load<V>(w + static_cast<int64_t>(K) * c + c0)),
   ...);
  return acc;
}

// A grouped conv's output channel, one tap, lane by lane (channels that fill no vector).
inline float tap_scalar(const Geometry& g, const float* x, const float* w, int64_t ch) {
  float acc = 0;
  const int64_t base = ch / g.group * g.group, j = ch % g.group;
  for (int64_t k = 0; k < g.group; ++k) acc += x[base + (j + k) % g.group] * w[k * g.channels + ch];
  return acc;
}

// Output pixels computed together where all their taps lie inside the image: independent accumulators
// hide the FMA latency (one accumulator per pixel made the loop latency-bound, far behind ORT on 7x7)
// and each tap's weights are loaded once for all of them.
constexpr int64_t pixels_per_step = 4;

// One output row `oy` of one sample: `in` and `out` point at the sample's first pixel. Depthwise (G = 1)
// keeps its own spelling of every tap: with its taps through tap_products and tap_scalar, the depthwise
// loops ran slower (docs/log/executor.md, Executor kernel figures).
template <class V, int M, int G>
[[gnu::always_inline]] inline void depthwise_row_m(const Geometry& g, const float* __restrict in, float* __restrict out,
                                                   int64_t oy, const float* __restrict w,
                                                   const float* __restrict bias) {
  const int64_t c = g.channels, m = g.multiplier;
  constexpr int64_t lanes = static_cast<int64_t>(lanes_of<V>);
  const int64_t full = c - c % lanes;
  // Channels past the last full vector, with at least one full vector before them: one more vector ending
  // at the last channel, overlapping the one before (those channels are computed twice, to the same
  // values), instead of a scalar loop per channel and tap, which made channel counts just past a vector
  // multiple slow (docs/log/executor.md#executor-kernel-figures). Fewer than `lanes` stay scalar.
  const bool tail_vector = full < c && c >= lanes;
  // Taps inside the image: rows [ky0, ky1) and columns [kx0, kx1) of the kernel (padding contributes 0).
  const int64_t iy0 = oy * g.stride_h - g.pad_top;
  const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min(g.kh, g.in_h - iy0);
  auto x_at = [&](int64_t ky, int64_t ix) { return in + ((iy0 + ky) * g.in_w + ix) * g.in_stride; };
  auto w_at = [&](int64_t ky, int64_t kx) { return w + (ky * g.kw + kx) * G * c; };
  constexpr auto rotations = std::make_index_sequence<G>{};
  int64_t ox = 0;
  while (ox < g.out_w) {
    const int64_t ix0 = ox * g.stride_w - g.pad_left;
    const int64_t step_x = g.stride_w * g.in_stride;
    if (ox + pixels_per_step <= g.out_w && ix0 >= 0 && ix0 + (pixels_per_step - 1) * g.stride_w + g.kw <= g.in_w) {
      float* y = out + (oy * g.out_w + ox) * g.out_stride;
      auto four_pixels = [&](int64_t c0) __attribute__((always_inline)) {
        const V b = load<V>(bias + c0);
        V a0 = b, a1 = b, a2 = b, a3 = b;
        for (int64_t ky = ky0; ky < ky1; ++ky) {
          const float* x = x_at(ky, ix0) + (G == 1 ? c0 / m : c0);
          if constexpr (G == 1) {
            if (g.stride_w == 1) {
              // Stride 1: pixel p reads at tap kx what pixel 0 reads at tap kx + p, so the four inputs slide
              // by one pixel per tap: one new input and one weight load feed the four FMAs, not five loads.
              auto in_at = [&](int64_t i) __attribute__((always_inline)) {
                return load_input<V, M>(x + i * g.in_stride, c0, m);
              };
              V x0 = in_at(0), x1 = in_at(1), x2 = in_at(2);
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const V x3 = in_at(kx + 3);
                const V wv = load<V>(w_at(ky, kx) + c0);
                a0 += x0 * wv;
                a1 += x1 * wv;
                a2 += x2 * wv;
                a3 += x3 * wv;
                x0 = x1, x1 = x2, x2 = x3;
              }
              continue;
            }
          }
          for (int64_t kx = 0; kx < g.kw; ++kx, x += g.in_stride) {
            if constexpr (G == 1) {
              const V wv = load<V>(w_at(ky, kx) + c0);
              a0 += load_input<V, M>(x, c0, m) * wv;
              a1 += load_input<V, M>(x + step_x, c0, m) * wv;
              a2 += load_input<V, M>(x + 2 * step_x, c0, m) * wv;
              a3 += load_input<V, M>(x + 3 * step_x, c0, m) * wv;
            } else {
              const float* wt = w_at(ky, kx);
              a0 = tap_products<G>(a0, x, wt, c, c0, rotations);
              a1 = tap_products<G>(a1, x + step_x, wt, c, c0, rotations);
              a2 = tap_products<G>(a2, x + 2 * step_x, wt, c, c0, rotations);
              a3 = tap_products<G>(a3, x + 3 * step_x, wt, c, c0, rotations);
            }
          }
        }
        store_out(g, y + c0, a0);
        store_out(g, y + g.out_stride + c0, a1);
        store_out(g, y + 2 * g.out_stride + c0, a2);
        store_out(g, y + 3 * g.out_stride + c0, a3);
      };
      for (int64_t c0 = 0; c0 < full; c0 += lanes) four_pixels(c0);
      if (tail_vector) four_pixels(c - lanes);
      for (int64_t p = 0; p < pixels_per_step; ++p)
        for (int64_t ch = tail_vector ? c : full; ch < c; ++ch) {
          float acc = bias[ch];
          for (int64_t ky = ky0; ky < ky1; ++ky)
            for (int64_t kx = 0; kx < g.kw; ++kx)
              if constexpr (G == 1) acc += x_at(ky, ix0 + p * g.stride_w + kx)[ch / m] * w_at(ky, kx)[ch];
              else acc += tap_scalar(g, x_at(ky, ix0 + p * g.stride_w + kx), w_at(ky, kx), ch);
          y[p * g.out_stride + ch] = out_scalar(g, acc);
        }
      ox += pixels_per_step;
      continue;
    }
    // A pixel near the left or right border: only the taps inside.
    float* y = out + (oy * g.out_w + ox) * g.out_stride;
    const int64_t kx0 = std::max<int64_t>(0, -ix0), kx1 = std::min(g.kw, g.in_w - ix0);
    auto one_pixel = [&](int64_t c0) __attribute__((always_inline)) {
      V acc = load<V>(bias + c0);
      for (int64_t ky = ky0; ky < ky1; ++ky)
        for (int64_t kx = kx0; kx < kx1; ++kx)
          if constexpr (G == 1)
            acc += load_input<V, M>(x_at(ky, ix0 + kx) + c0 / m, c0, m) * load<V>(w_at(ky, kx) + c0);
          else acc = tap_products<G>(acc, x_at(ky, ix0 + kx) + c0, w_at(ky, kx), c, c0, rotations);
      store_out(g, y + c0, acc);
    };
    for (int64_t c0 = 0; c0 < full; c0 += lanes) one_pixel(c0);
    if (tail_vector) one_pixel(c - lanes);
    for (int64_t ch = tail_vector ? c : full; ch < c; ++ch) {
      float acc = bias[ch];
      for (int64_t ky = ky0; ky < ky1; ++ky)
        for (int64_t kx = kx0; kx < kx1; ++kx)
          if constexpr (G == 1) acc += x_at(ky, ix0 + kx)[ch / m] * w_at(ky, kx)[ch];
          else acc += tap_scalar(g, x_at(ky, ix0 + kx), w_at(ky, kx), ch);
      y[ch] = out_scalar(g, acc);
    }
    ++ox;
  }
}

// Grouped rows in functions of their own, so that depthwise_row's hold only the depthwise ones.
template <class V>
[[gnu::always_inline]] inline void grouped_row_impl(const Geometry& g, const float* __restrict in,
                                                    float* __restrict out, int64_t oy, const float* __restrict w,
                                                    const float* __restrict bias) {
  if constexpr (lanes_of < V >> 4)
    if (g.channels < static_cast<int64_t>(lanes_of<V>))
      return grouped_row_impl<typename Narrower<V>::type>(g, in, out, oy, w, bias);
  if (g.group == 2) return depthwise_row_m<V, 1, 2>(g, in, out, oy, w, bias);
  return depthwise_row_m<V, 1, 4>(g, in, out, oy, w, bias);
}

template <class V>
[[gnu::always_inline]] inline void depthwise_row_impl(const Geometry& g, const float* __restrict in,
                                                      float* __restrict out, int64_t oy, const float* __restrict w,
                                                      const float* __restrict bias) {
  // Fewer channels than V holds run at a narrower vector (loop_lanes) rather than one by one: at 16 lanes
  // GhostNet's 8- and 12-channel cheap convs took 14x ONNX Runtime's time (docs/log/executor.md, issue 60).
  if constexpr (lanes_of < V >> 4)
    if (g.channels < static_cast<int64_t>(lanes_of<V>))
      return depthwise_row_impl<typename Narrower<V>::type>(g, in, out, oy, w, bias);
  switch (g.multiplier) {
    case 1: return depthwise_row_m<V, 1, 1>(g, in, out, oy, w, bias);
    case 2: return depthwise_row_m<V, 2, 1>(g, in, out, oy, w, bias);
    default: return depthwise_row_m<V, 0, 1>(g, in, out, oy, w, bias);
  }
}

CPX_VECTOR_DISPATCH(grouped_row, grouped_row_impl,
                    (const Geometry& g, const float* __restrict in, float* __restrict out, int64_t oy,
                     const float* __restrict w, const float* __restrict bias),
                    (g, in, out, oy, w, bias))
CPX_VECTOR_DISPATCH(depthwise_row, depthwise_row_impl,
                    (const Geometry& g, const float* __restrict in, float* __restrict out, int64_t oy,
                     const float* __restrict w, const float* __restrict bias),
                    (g, in, out, oy, w, bias))

class DepthwiseKernel final : public Kernel {
 public:
  DepthwiseKernel(const Conv2d& op, const KernelArgs& args) : in_(args.inputs[0]), out_(args.output) {
    const int64_t c = out_.shape.c, taps = op.kernel[0] * op.kernel[1];
    const int64_t group = op.groups == in_.shape.c ? 1 : c / op.groups;
    const auto [lo, hi] = clamp_range(op.activation);
    const bool hardswish = op.activation == Activation::hardswish;
    g_ = {in_.shape.h,
          in_.shape.w,
          out_.shape.w,
          op.kernel[0],
          op.kernel[1],
          op.stride[0],
          op.stride[1],
          op.padding.top,
          op.padding.left,
          c,
          group == 1 ? c / in_.shape.c : 1,
          group,
          in_.pixel_stride,
          out_.pixel_stride,
          lo,
          hi,
          hardswish};
    // [C][kh][kw][G] -> [kh][kw][rotation k][C], lane ch of rotation k holding input (ch % G + k) % G.
    weights_.resize(static_cast<size_t>(taps * group * c));
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t k = 0; k < group; ++k)
          weights_[static_cast<size_t>((t * group + k) * c + ch)] =
              args.weights.weight[static_cast<size_t>((ch * taps + t) * group + (ch % group + k) % group)];
    bias_.assign(static_cast<size_t>(c), 0.0f);
    if (!args.weights.bias.empty()) std::copy(args.weights.bias.begin(), args.weights.bias.end(), bias_.begin());
    rows_ = out_.shape.n * out_.shape.h;
    tile_ = tile_for(args.pool, static_cast<size_t>(rows_), static_cast<size_t>(out_.shape.w * c * taps));
    if (!hardswish) activation_ = make_activation_kernel(op.activation, out_, args.pool);
    const std::string why = g_.multiplier > 1 ? "channel multiplier " + std::to_string(g_.multiplier) + ", " : "";
    const std::string size = std::to_string(op.kernel[0]) + "x" + std::to_string(op.kernel[1]);
    const bool xnnpack_has = g_.multiplier == 1 && xnnpack_has_depthwise_microkernel(taps);
    const std::string reason = !xnnpack_has ? "XNNPACK has no " + why + size + " depthwise microkernel"
                               : taps == 9 || taps == 25
                                   ? "faster than XNNPACK's " + size + " depthwise microkernel"
                                   : "XNNPACK's " + size + " depthwise microkernel fuses only a clamp";
    const int64_t lanes = loop_lanes(c);
    const std::string width =
        vector_width() + (lanes < isa_row(active_isa()).vector_floats
                              ? ", " + std::to_string(lanes) + " at a time for its " + std::to_string(c) + " channels"
                              : std::string());
    const std::string what = group > 1 ? "grouped loops, " + width + ", " + std::to_string(group) +
                                             " per group rotated in the vector (XNNPACK runs it as a grouped GEMM of " +
                                             std::to_string(group) + " columns)"
                                       : "depthwise loops, " + width + " (" + reason + ")";
    implementation_ = {"emulated: " + what + (hardswish ? ", hardswish fused in its store" : "") +
                           (activation_ ? " + " + activation_->implementation().how : std::string()),
                       true};
  }

  void run(pthreadpool_t pool) override {
    const int64_t oh = out_.shape.h;
    const int64_t in_sample = in_.shape.h * in_.shape.w, out_sample = out_.shape.h * out_.shape.w;
    parallel_for(pool, static_cast<size_t>(rows_), tile_, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {
        const int64_t n = static_cast<int64_t>(r) / oh, oy = static_cast<int64_t>(r) % oh;
        (g_.group > 1 ? grouped_row : depthwise_row)(g_, in_.pixel(n * in_sample), out_.pixel(n * out_sample), oy,
                                                     weights_.data(), bias_.data());
      }
    });
    if (activation_) activation_->run(pool);
  }

 private:
  TensorView in_, out_;
  Geometry g_{};
  std::vector<float> weights_, bias_;
  int64_t rows_ = 0;
  size_t tile_ = 1;
  std::unique_ptr<Kernel> activation_;
};

}  // namespace

std::unique_ptr<Kernel> make_depthwise_loops_kernel(const Conv2d& op, const KernelArgs& args) {
  const int64_t in_per_group = args.inputs[0].shape.c / op.groups, out_per_group = op.out_channels / op.groups;
  // grouped_row knows 2 and 4 per group only; any other grouped shape would run as 4 and be wrong.
  if (in_per_group != 1 && !runs_grouped_loops(in_per_group, out_per_group, op.groups))
    throw Unsupported("depthwise loops: a grouped conv with " + std::to_string(in_per_group) + " in and " +
                      std::to_string(out_per_group) + " out per group (they run 1 in per group, or 2 or 4 in and out)");
  expect_size(args.weights.weight, op.out_channels * op.kernel[0] * op.kernel[1] * in_per_group, "conv2d weight");
  if (!args.weights.bias.empty()) expect_size(args.weights.bias, op.out_channels, "conv2d bias");
  return std::make_unique<DepthwiseKernel>(op, args);
}

}  // namespace cpx::profiler

// The reference is the definition of each op, so it is written for obviousness, not speed: one function
// per op kind, plain index arithmetic on dense NHWC, every sum accumulated in double so that its own
// rounding error is negligible next to the float32 executor it checks.
#include "profiler/executor/reference.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <stdexcept>

namespace cpx::profiler {

namespace {

using Tensor = std::vector<float>;

// What one op sees: its input tensors with their shapes, its output shape and its weights.
struct Args {
  std::vector<const Tensor*> in;
  std::vector<ShapeNhwc> in_shape;
  ShapeNhwc out_shape;
  const OpWeights& weights;
};

// Offset of element (n, y, x, c) of a dense NHWC tensor.
size_t at(const ShapeNhwc& s, int64_t n, int64_t y, int64_t x, int64_t c) {
  return static_cast<size_t>(((n * s.h + y) * s.w + x) * s.c + c);
}

// Offset of channel c of pixel p (0 <= p < h·w) of sample n.
size_t at_pixel(const ShapeNhwc& s, int64_t n, int64_t p, int64_t c) {
  return static_cast<size_t>((n * s.pixels() + p) * s.c + c);
}

Tensor zeros(const ShapeNhwc& s) { return Tensor(static_cast<size_t>(s.elements()), 0.0f); }

// alpha: leaky_relu's and elu's (an op's own activation never takes one).
double activate(Activation a, double x, double alpha = 0) {
  switch (a) {
    case Activation::none: return x;
    case Activation::relu: return std::max(x, 0.0);
    case Activation::relu6: return std::clamp(x, 0.0, 6.0);
    case Activation::hardswish: return x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0;
    case Activation::hardsigmoid: return std::clamp(x + 3.0, 0.0, 6.0) / 6.0;
    case Activation::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::silu: return x / (1.0 + std::exp(-x));
    case Activation::gelu: return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2));
    case Activation::gelu_tanh: {
      const double k = std::sqrt(2.0 / std::numbers::pi);
      return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
    }
    case Activation::leaky_relu: return x < 0 ? alpha * x : x;
    case Activation::elu: return x < 0 ? alpha * std::expm1(x) : x;
    case Activation::tanh: return std::tanh(x);
    case Activation::softplus: return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
    case Activation::mish: return x * std::tanh(std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))));
  }
  throw std::logic_error("unknown activation");
}

Tensor compute(const Conv2d& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  const auto [out_channels, kh, kw, in_per_group] = op.weight_shape(is.c);
  const int64_t out_per_group = out_channels / op.groups;
  Tensor y = zeros(os);
  for (int64_t n = 0; n < os.n; ++n)
    for (int64_t oy = 0; oy < os.h; ++oy)
      for (int64_t ox = 0; ox < os.w; ++ox)
        for (int64_t o = 0; o < os.c; ++o) {
          const int64_t first_in = o / out_per_group * in_per_group;  // o's group reads these channels
          double sum = a.weights.bias.empty() ? 0.0 : a.weights.bias[static_cast<size_t>(o)];
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = oy * op.stride[0] - op.padding.top + ky * op.dilation[0];
            if (iy < 0 || iy >= is.h) continue;  // zero padding
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t ix = ox * op.stride[1] - op.padding.left + kx * op.dilation[1];
              if (ix < 0 || ix >= is.w) continue;
              for (int64_t ci = 0; ci < in_per_group; ++ci) {
                const double w = a.weights.weight[static_cast<size_t>(((o * kh + ky) * kw + kx) * in_per_group + ci)];
                sum += w * x[at(is, n, iy, ix, first_in + ci)];
              }
            }
          }
          y[at(os, n, oy, ox, o)] = static_cast<float>(activate(op.activation, sum));
        }
  return y;
}

Tensor compute(const FullyConnected& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const Tensor& x = *a.in[0];
  const int64_t pixels = is.n * is.h * is.w;
  Tensor y = zeros(a.out_shape);
  for (int64_t p = 0; p < pixels; ++p)
    for (int64_t o = 0; o < op.out_features; ++o) {
      double sum = a.weights.bias.empty() ? 0.0 : a.weights.bias[static_cast<size_t>(o)];
      for (int64_t i = 0; i < is.c; ++i) {
        const double w = a.weights.weight[static_cast<size_t>(o * is.c + i)];  // [out][in]
        sum += w * x[static_cast<size_t>(p * is.c + i)];
      }
      y[static_cast<size_t>(p * op.out_features + o)] = static_cast<float>(activate(op.activation, sum));
    }
  return y;
}

// Per head i: A_i[t][k] = A[t][i·segA + a.offset + k] over the tokens t of A, B_i likewise; see matmul.hpp.
Tensor compute(const Matmul& op, const Args& a) {
  const ShapeNhwc& as = a.in_shape[0];
  const ShapeNhwc& bs = a.in_shape[1];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& A = *a.in[0];
  const Tensor& B = *a.in[1];
  const int64_t seg_a = as.c / op.heads, seg_b = bs.c / op.heads;
  const int64_t tokens_a = as.pixels(), tokens_b = bs.pixels();
  const int64_t cols = op.transpose_b ? tokens_b : op.b.size;
  auto a_at = [&](int64_t n, int64_t i, int64_t t, int64_t k) -> double {
    return A[static_cast<size_t>((n * tokens_a + t) * as.c + i * seg_a + op.a.offset + k)];
  };
  auto b_at = [&](int64_t n, int64_t i, int64_t s, int64_t k) -> double {
    return B[static_cast<size_t>((n * tokens_b + s) * bs.c + i * seg_b + op.b.offset + k)];
  };
  Tensor y = zeros(os);
  for (int64_t n = 0; n < os.n; ++n)
    for (int64_t i = 0; i < op.heads; ++i)
      for (int64_t t = 0; t < tokens_a; ++t)
        for (int64_t j = 0; j < cols; ++j) {
          double sum = 0;
          if (op.transpose_b) {
            for (int64_t k = 0; k < op.a.size; ++k) sum += a_at(n, i, t, k) * b_at(n, i, j, k);  // A_i·B_iᵀ
          } else {
            for (int64_t s = 0; s < op.a.size; ++s) sum += a_at(n, i, t, s) * b_at(n, i, s, j);  // A_i·B_i
          }
          y[static_cast<size_t>((n * tokens_a + t) * os.c + i * cols + j)] = static_cast<float>(op.scale * sum);
        }
  return y;
}

Tensor compute(const Softmax& op, const Args& a) {
  const ShapeNhwc& s = a.in_shape[0];
  const Tensor& x = *a.in[0];
  const int64_t seg = s.c / op.groups;
  Tensor y = zeros(s);
  for (int64_t p = 0; p < s.n * s.h * s.w; ++p)
    for (int64_t g = 0; g < op.groups; ++g) {
      const size_t first = static_cast<size_t>(p * s.c + g * seg);
      const size_t last = first + static_cast<size_t>(seg);
      const double max =
          *std::max_element(x.begin() + static_cast<ptrdiff_t>(first), x.begin() + static_cast<ptrdiff_t>(last));
      double sum = 0;
      for (size_t k = first; k < last; ++k) sum += std::exp(x[k] - max);  // minus max: exp cannot overflow
      for (size_t k = first; k < last; ++k) y[k] = static_cast<float>(std::exp(x[k] - max) / sum);
    }
  return y;
}

Tensor compute(const ActivationOp& op, const Args& a) {
  Tensor y = *a.in[0];
  for (auto& v : y) v = static_cast<float>(activate(op.function, v, op.alpha));
  return y;
}

// The weights already hold the folded scale and shift (see make_weights).
Tensor compute(const BatchNorm&, const Args& a) {
  const int64_t c = a.in_shape[0].c;
  Tensor y = *a.in[0];
  for (size_t k = 0; k < y.size(); ++k) {
    const size_t ch = k % static_cast<size_t>(c);
    y[k] = static_cast<float>(static_cast<double>(a.weights.weight[ch]) * y[k] + a.weights.bias[ch]);
  }
  return y;
}

Tensor compute(const GroupNorm& op, const Args& a) {
  const ShapeNhwc& s = a.in_shape[0];
  const Tensor& x = *a.in[0];
  const int64_t per_group = s.c / op.groups;
  Tensor y = zeros(s);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t g = 0; g < op.groups; ++g) {
      // Statistics over this group's channels at every pixel of this sample; biased variance, as PyTorch.
      double sum = 0, count = 0;
      for (int64_t p = 0; p < s.pixels(); ++p)
        for (int64_t c = g * per_group; c < (g + 1) * per_group; ++c, ++count) sum += x[at_pixel(s, n, p, c)];
      const double mean = sum / count;
      double squares = 0;
      for (int64_t p = 0; p < s.pixels(); ++p)
        for (int64_t c = g * per_group; c < (g + 1) * per_group; ++c)
          squares += std::pow(x[at_pixel(s, n, p, c)] - mean, 2);
      const double inv_std = 1.0 / std::sqrt(squares / count + op.eps);
      for (int64_t p = 0; p < s.pixels(); ++p)
        for (int64_t c = g * per_group; c < (g + 1) * per_group; ++c) {
          const size_t k = at_pixel(s, n, p, c);
          y[k] = static_cast<float>((x[k] - mean) * inv_std * a.weights.weight[static_cast<size_t>(c)] +
                                    a.weights.bias[static_cast<size_t>(c)]);
        }
    }
  return y;
}

Tensor compute(const LayerNorm& op, const Args& a) {
  const ShapeNhwc& s = a.in_shape[0];
  const Tensor& x = *a.in[0];
  Tensor y = zeros(s);
  for (int64_t p = 0; p < s.n * s.h * s.w; ++p) {
    const size_t first = static_cast<size_t>(p * s.c);
    double sum = 0;
    for (int64_t c = 0; c < s.c; ++c) sum += x[first + static_cast<size_t>(c)];
    const double mean = sum / static_cast<double>(s.c);
    double squares = 0;
    for (int64_t c = 0; c < s.c; ++c) squares += std::pow(x[first + static_cast<size_t>(c)] - mean, 2);
    const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(s.c) + op.eps);
    for (size_t c = 0; c < static_cast<size_t>(s.c); ++c)
      y[first + c] = static_cast<float>((x[first + c] - mean) * inv_std * a.weights.weight[c] + a.weights.bias[c]);
  }
  return y;
}

// inputs[1] either has the shape of inputs[0] or is N x 1 x 1 x C, one value per sample and channel.
template <typename F>
Tensor binary(const Args& a, F f) {
  const ShapeNhwc& s = a.in_shape[0];
  const ShapeNhwc& bs = a.in_shape[1];
  const Tensor& x = *a.in[0];
  const Tensor& z = *a.in[1];
  Tensor y = zeros(s);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t p = 0; p < s.pixels(); ++p)
      for (int64_t c = 0; c < s.c; ++c) {
        const size_t k = at_pixel(s, n, p, c);
        const size_t kb = bs == s ? k : at_pixel(bs, n, 0, c);
        y[k] = static_cast<float>(f(static_cast<double>(x[k]), static_cast<double>(z[kb])));
      }
  return y;
}

Tensor compute(const Add&, const Args& a) {
  return binary(a, [](double u, double v) { return u + v; });
}
Tensor compute(const Subtract&, const Args& a) {
  return binary(a, [](double u, double v) { return u - v; });
}
Tensor compute(const Multiply&, const Args& a) {
  return binary(a, [](double u, double v) { return u * v; });
}

Tensor compute(const GlobalAvgPool&, const Args& a) {
  const ShapeNhwc& s = a.in_shape[0];
  const Tensor& x = *a.in[0];
  Tensor y = zeros(a.out_shape);
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t c = 0; c < s.c; ++c) {
      double sum = 0;
      for (int64_t p = 0; p < s.pixels(); ++p) sum += x[at_pixel(s, n, p, c)];
      y[static_cast<size_t>(n * s.c + c)] = static_cast<float>(sum / static_cast<double>(s.pixels()));
    }
  return y;
}

// Visits the in-image cells of the pooling window of output (oy, ox); padded cells are not visited.
template <typename Pool, typename F>
void for_window(const Pool& op, const ShapeNhwc& is, int64_t oy, int64_t ox, F f) {
  for (int64_t ky = 0; ky < op.kernel[0]; ++ky) {
    const int64_t iy = oy * op.stride[0] - op.padding.top + ky;
    if (iy < 0 || iy >= is.h) continue;
    for (int64_t kx = 0; kx < op.kernel[1]; ++kx) {
      const int64_t ix = ox * op.stride[1] - op.padding.left + kx;
      if (ix >= 0 && ix < is.w) f(iy, ix);
    }
  }
}

// Padded cells are zeros. The divisor is the full window when they count (count_include_pad), else the
// number of in-image cells visited.
Tensor compute(const AvgPool& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  Tensor y = zeros(os);
  for (int64_t n = 0; n < os.n; ++n)
    for (int64_t oy = 0; oy < os.h; ++oy)
      for (int64_t ox = 0; ox < os.w; ++ox)
        for (int64_t c = 0; c < os.c; ++c) {
          double sum = 0;
          int64_t inside = 0;
          for_window(op, is, oy, ox, [&](int64_t iy, int64_t ix) {
            sum += x[at(is, n, iy, ix, c)];
            ++inside;
          });
          y[at(os, n, oy, ox, c)] = static_cast<float>(sum / static_cast<double>(op.divisor(inside)));
        }
  return y;
}

// Padded cells are ignored (as if -inf); every window holds at least one real cell since padding < kernel.
Tensor compute(const MaxPool& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  Tensor y = zeros(os);
  for (int64_t n = 0; n < os.n; ++n)
    for (int64_t oy = 0; oy < os.h; ++oy)
      for (int64_t ox = 0; ox < os.w; ++ox)
        for (int64_t c = 0; c < os.c; ++c) {
          float max = -std::numeric_limits<float>::infinity();
          for_window(op, is, oy, ox, [&](int64_t iy, int64_t ix) { max = std::max(max, x[at(is, n, iy, ix, c)]); });
          y[at(os, n, oy, ox, c)] = max;
        }
  return y;
}

// scale mode: source = dst / scale; size mode: PyTorch's nearest rule, source = floor(dst·in/out).
Tensor compute(const UpsampleNearest& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  const bool sized = op.size[0] > 0;
  auto source_y = [&](int64_t oy) { return sized ? oy * is.h / os.h : oy / op.scale[0]; };
  auto source_x = [&](int64_t ox) { return sized ? ox * is.w / os.w : ox / op.scale[1]; };
  Tensor y = zeros(os);
  for (int64_t n = 0; n < os.n; ++n)
    for (int64_t oy = 0; oy < os.h; ++oy)
      for (int64_t ox = 0; ox < os.w; ++ox)
        for (int64_t c = 0; c < os.c; ++c) y[at(os, n, oy, ox, c)] = x[at(is, n, source_y(oy), source_x(ox), c)];
  return y;
}

// PyTorch's definition, as a scatter: input pixel (iy, ix) of channel g·Cin/g + i adds
// w[g·Cout/g + o][ky][kx][i]·x to the full output at (iy·s + ky, ix·s + kx) of channel g·Cout/g + o; the
// output is that full output shifted up/left by pad top/left, with rows/columns that no input reaches
// (output_padding) holding the bias only.
Tensor compute(const ConvTranspose2d& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  const auto [out_channels, kh, kw, in_per_group] = op.weight_shape(is.c);
  const int64_t out_per_group = out_channels / op.groups;
  std::vector<double> acc(static_cast<size_t>(os.elements()), 0.0);
  for (size_t k = 0; k < acc.size(); ++k)
    acc[k] = a.weights.bias.empty() ? 0.0 : a.weights.bias[k % static_cast<size_t>(os.c)];
  for (int64_t n = 0; n < is.n; ++n)
    for (int64_t iy = 0; iy < is.h; ++iy)
      for (int64_t ix = 0; ix < is.w; ++ix)
        for (int64_t ci = 0; ci < is.c; ++ci) {
          const double v = x[at(is, n, iy, ix, ci)];
          const int64_t g = ci / in_per_group, i = ci % in_per_group;
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t oy = iy * op.stride[0] + ky - op.padding.top;
            if (oy < 0 || oy >= os.h) continue;  // cropped
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t ox = ix * op.stride[1] + kx - op.padding.left;
              if (ox < 0 || ox >= os.w) continue;
              for (int64_t o = g * out_per_group; o < (g + 1) * out_per_group; ++o) {
                const double w = a.weights.weight[static_cast<size_t>(((o * kh + ky) * kw + kx) * in_per_group + i)];
                acc[at(os, n, oy, ox, o)] += w * v;
              }
            }
          }
        }
  Tensor y = zeros(os);
  for (size_t k = 0; k < y.size(); ++k) y[k] = static_cast<float>(activate(op.activation, acc[k]));
  return y;
}

// Source coordinate of output index `dst` along an axis of `in` -> `out` pixels (PyTorch's
// area_pixel_compute_source_index for a given output size): half-pixel centres clamped at 0, or corners aligned.
double bilinear_source(bool align_corners, int64_t dst, int64_t in, int64_t out) {
  if (align_corners)
    return out > 1 ? static_cast<double>(dst) * static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
  return std::max(0.0, (static_cast<double>(dst) + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5);
}

// Interpolates between source pixels i0 = floor(src) and i1 = min(i0 + 1, in − 1) on each axis.
Tensor compute(const ResizeBilinear& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  Tensor y = zeros(os);
  for (int64_t n = 0; n < os.n; ++n)
    for (int64_t oy = 0; oy < os.h; ++oy) {
      const double fy = bilinear_source(op.align_corners, oy, is.h, os.h);
      const int64_t y0 = std::min(static_cast<int64_t>(fy), is.h - 1), y1 = std::min(y0 + 1, is.h - 1);
      const double ly = fy - static_cast<double>(y0);
      for (int64_t ox = 0; ox < os.w; ++ox) {
        const double fx = bilinear_source(op.align_corners, ox, is.w, os.w);
        const int64_t x0 = std::min(static_cast<int64_t>(fx), is.w - 1), x1 = std::min(x0 + 1, is.w - 1);
        const double lx = fx - static_cast<double>(x0);
        for (int64_t c = 0; c < os.c; ++c) {
          auto v = [&](int64_t iy, int64_t ix) -> double { return x[at(is, n, iy, ix, c)]; };
          y[at(os, n, oy, ox, c)] = static_cast<float>((1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) +
                                                       ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1)));
        }
      }
    }
  return y;
}

Tensor compute(const Affine& op, const Args& a) {
  Tensor y = *a.in[0];
  for (auto& v : y) v = static_cast<float>(op.scale * v + op.shift);
  return y;
}

Tensor compute(const PRelu& p, const Args& a) {
  const size_t c = static_cast<size_t>(a.in_shape[0].c);
  Tensor y = *a.in[0];
  for (size_t k = 0; k < y.size(); ++k)
    if (y[k] < 0) y[k] = static_cast<float>(static_cast<double>(a.weights.weight[p.shared ? 0 : k % c]) * y[k]);
  return y;
}

Tensor compute(const LayerScale&, const Args& a) {
  const size_t c = static_cast<size_t>(a.in_shape[0].c);
  Tensor y = *a.in[0];
  for (size_t k = 0; k < y.size(); ++k) y[k] = static_cast<float>(static_cast<double>(a.weights.weight[k % c]) * y[k]);
  return y;
}

// The weight is the already gathered bias for one sample (`windows` samples), laid out like the scores (see
// make_weights).
Tensor compute(const AttentionBias& op, const Args& a) {
  const size_t per_sample = static_cast<size_t>(a.in_shape[0].pixels() * a.in_shape[0].c * op.windows);
  Tensor y = *a.in[0];
  for (size_t k = 0; k < y.size(); ++k)
    y[k] = static_cast<float>(static_cast<double>(y[k]) + a.weights.weight[k % per_sample]);
  return y;
}

// out[q, h'·Lk + s] = Σ_h W[h'][h]·x[q, h·Lk + s] + b[h'] at every query pixel q.
Tensor compute(const HeadMix& op, const Args& a) {
  const ShapeNhwc& s = a.in_shape[0];
  const Tensor& x = *a.in[0];
  const int64_t keys = s.c / op.heads;
  Tensor y = zeros(s);
  for (int64_t q = 0; q < s.n * s.pixels(); ++q)
    for (int64_t o = 0; o < op.heads; ++o)
      for (int64_t k = 0; k < keys; ++k) {
        double sum = a.weights.bias.empty() ? 0.0 : a.weights.bias[static_cast<size_t>(o)];
        for (int64_t h = 0; h < op.heads; ++h)
          sum += static_cast<double>(a.weights.weight[static_cast<size_t>(o * op.heads + h)]) *
                 x[static_cast<size_t>(q * s.c + h * keys + k)];
        y[static_cast<size_t>(q * s.c + o * keys + k)] = static_cast<float>(sum);
      }
  return y;
}

Tensor compute(const Reshape&, const Args& a) { return *a.in[0]; }  // same row-major data, new shape

Tensor compute(const Slice& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  Tensor y = zeros(os);
  for (int64_t p = 0; p < is.n * is.pixels(); ++p)
    for (int64_t c = 0; c < os.c; ++c)
      y[static_cast<size_t>(p * os.c + c)] = x[static_cast<size_t>(p * is.c + op.begin + c)];
  return y;
}

Tensor compute(const Concat&, const Args& a) {
  const ShapeNhwc& os = a.out_shape;
  Tensor y = zeros(os);
  for (int64_t p = 0; p < os.n * os.pixels(); ++p) {
    int64_t c_out = 0;
    for (size_t i = 0; i < a.in.size(); ++i) {
      const int64_t c_in = a.in_shape[i].c;
      for (int64_t c = 0; c < c_in; ++c, ++c_out)
        y[static_cast<size_t>(p * os.c + c_out)] = (*a.in[i])[static_cast<size_t>(p * c_in + c)];
    }
  }
  return y;
}

Tensor compute(const Pad& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const Tensor& x = *a.in[0];
  Tensor y = zeros(os);  // the border stays zero
  for (int64_t n = 0; n < is.n; ++n)
    for (int64_t iy = 0; iy < is.h; ++iy)
      for (int64_t ix = 0; ix < is.w; ++ix)
        for (int64_t c = 0; c < is.c; ++c)
          y[at(os, n, iy + op.padding.top, ix + op.padding.left, c)] = x[at(is, n, iy, ix, c)];
  return y;
}

// Channel c = g·C/groups + j of the input goes to channel j·groups + g: the groups x C/groups matrix transposed.
Tensor compute(const ChannelShuffle& op, const Args& a) {
  const ShapeNhwc& s = a.in_shape[0];
  const Tensor& x = *a.in[0];
  const int64_t per_group = s.c / op.groups;
  Tensor y = zeros(s);
  for (int64_t p = 0; p < s.n * s.pixels(); ++p)
    for (int64_t g = 0; g < op.groups; ++g)
      for (int64_t j = 0; j < per_group; ++j)
        y[static_cast<size_t>(p * s.c + j * op.groups + g)] = x[static_cast<size_t>(p * s.c + g * per_group + j)];
  return y;
}

// Output (y·r + i, x·r + j, c) is input (y, x, c·r² + i·r + j): PyTorch's pixel_shuffle.
Tensor compute(const PixelShuffle& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const ShapeNhwc& os = a.out_shape;
  const int64_t r = op.upscale;
  const Tensor& x = *a.in[0];
  Tensor y = zeros(os);
  for (int64_t n = 0; n < is.n; ++n)
    for (int64_t iy = 0; iy < is.h; ++iy)
      for (int64_t ix = 0; ix < is.w; ++ix)
        for (int64_t c = 0; c < os.c; ++c)
          for (int64_t i = 0; i < r; ++i)
            for (int64_t j = 0; j < r; ++j)
              y[at(os, n, iy * r + i, ix * r + j, c)] = x[at(is, n, iy, ix, (c * r + i) * r + j)];
  return y;
}

// The bounds as the float32 numbers PyTorch clamps a float tensor to (an absent one is ±infinity).
Tensor compute(const Clamp& op, const Args& a) {
  const float lo = static_cast<float>(op.min), hi = static_cast<float>(op.max);
  Tensor y = *a.in[0];
  for (auto& v : y) v = std::min(std::max(v, lo), hi);
  return y;
}

// Per sample: the tokens [tokens][C], then the input's pixels in order.
Tensor compute(const ClassToken& op, const Args& a) {
  const ShapeNhwc& is = a.in_shape[0];
  const Tensor& x = *a.in[0];
  const size_t c = static_cast<size_t>(is.c), per_sample = static_cast<size_t>(is.pixels()) * c;
  const size_t tokens = static_cast<size_t>(op.tokens) * c;
  Tensor y = zeros(a.out_shape);
  for (size_t n = 0; n < static_cast<size_t>(is.n); ++n) {
    std::copy(a.weights.weight.begin(), a.weights.weight.begin() + static_cast<std::ptrdiff_t>(tokens),
              y.begin() + static_cast<std::ptrdiff_t>(n * (tokens + per_sample)));
    std::copy(x.begin() + static_cast<std::ptrdiff_t>(n * per_sample),
              x.begin() + static_cast<std::ptrdiff_t>((n + 1) * per_sample),
              y.begin() + static_cast<std::ptrdiff_t>(n * (tokens + per_sample) + tokens));
  }
  return y;
}

// Window (n·grid_h + i)·grid_w + j, pixel (r, s) is map pixel ((i·wh + r + shift_h) mod H, (j·ww + s + shift_w)
// mod W) of image n (see window_partition.hpp); column_major puts it at (s, r); reverse copies the other way,
// leaving out the pixels past a cropped map.
Tensor compute(const WindowPartition& op, const Args& a) {
  const ShapeNhwc& map = op.reverse ? a.out_shape : a.in_shape[0];
  const ShapeNhwc& win = op.reverse ? a.in_shape[0] : a.out_shape;
  const Tensor& x = *a.in[0];
  Tensor y = zeros(a.out_shape);
  for (int64_t n = 0; n < map.n; ++n)
    for (int64_t i = 0; i < op.grid[0]; ++i)
      for (int64_t j = 0; j < op.grid[1]; ++j)
        for (int64_t r = 0; r < op.window[0]; ++r)
          for (int64_t s = 0; s < op.window[1]; ++s)
            for (int64_t c = 0; c < map.c; ++c) {
              const int64_t w = (n * op.grid[0] + i) * op.grid[1] + j;
              const int64_t my = (i * op.window[0] + r + op.shift[0]) % op.grid_h(),
                            mx = (j * op.window[1] + s + op.shift[1]) % op.grid_w();
              if (my >= map.h || mx >= map.w) continue;  // cropped off by a reverse
              const size_t m = at(map, n, my, mx, c);
              const size_t k = op.column_major ? at(win, w, s, r, c) : at(win, w, r, s, c);
              if (op.reverse) y[m] = x[k];
              else y[k] = x[m];
            }
  return y;
}

}  // namespace

std::vector<std::vector<float>> reference_run(const Network& net, const NetworkWeights& weights,
                                              const std::vector<float>& input) {
  if (weights.size() != net.ops.size()) throw std::logic_error("weights do not match the network");
  if (input.size() != static_cast<size_t>(net.input.elements()))
    throw std::logic_error("input has " + std::to_string(input.size()) + " elements, the network expects " +
                           net.input.str());
  std::vector<Tensor> out;
  out.reserve(net.ops.size());
  std::map<std::string, size_t, std::less<>> index;  // op name -> position in `out`
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Op& op = net.ops[i];
    Args args{{}, {}, net.shapes[i], weights[i]};
    for (const auto& name : op.inputs) {
      args.in.push_back(name == input_tensor ? &input : &out[index.at(name)]);
      args.in_shape.push_back(net.shape_of(name));
    }
    out.push_back(std::visit([&](const auto& attrs) { return compute(attrs, args); }, op.attrs));
    index.emplace(op.name, i);
  }
  return out;
}

}  // namespace cpx::profiler

// Activations. relu and relu6 are XNNPACK clamps (fused into the producer's output clamp when there is
// one); hardswish, sigmoid, leaky_relu and elu are XNNPACK operators; hardsigmoid = clamp(x/6 + 1/2, 0, 1)
// is one XNNPACK 1x1 depthwise convolution (weights 1/6, bias 1/2, output clamp [0, 1]: its per-channel
// multiply-add microkernel, safe in place); silu, gelu, gelu_tanh, tanh, softplus and mish, which this
// XNNPACK lacks, are loops over tiles, written with GCC vector types at this CPU's register width (vector.hpp).
#include <cstdint>
#include <cstring>

#include "profiler/executor/kernels/kernels.hpp"
#include "profiler/executor/kernels/vector.hpp"
#include "profiler/executor/kernels/xnn_op.hpp"

namespace cpx::profiler {

namespace {

bool xnnpack_has(Activation f) {
  return f == Activation::relu || f == Activation::relu6 || f == Activation::hardswish || f == Activation::sigmoid ||
         f == Activation::hardsigmoid || f == Activation::leaky_relu || f == Activation::elu;
}

// e^x, Cephes expf: x = n·ln2 + r with |r| <= ln2/2, e^r by a degree-7 polynomial, 2^n through the
// exponent bits. About 1 ulp. The clamp keeps 2^n a normal float, so very negative x gives ~1e-38, not 0.
template <class V>
[[gnu::always_inline]] inline V exp_approx(V x) {
  typedef int32_t Ints __attribute__((vector_size(sizeof(V))));
  x = clamp(x, -87.0f, 88.0f);
  const V round_magic = splat<V>(12582912.0f);  // 1.5·2^23: adding and subtracting it rounds to an integer
  const V n = (x * 1.44269504088896341f + round_magic) - round_magic;
  const V r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // ln2 in two parts, exact first product
  V p = splat<V>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const Ints exponent = (__builtin_convertvector(n, Ints) + 127) << 23;
  V two_to_n;
  std::memcpy(&two_to_n, &exponent, sizeof two_to_n);
  return p * two_to_n;
}

// erf(x): Eigen's rational approximation (13/8 degree, a few ulp on [-4, 4], ±1 beyond in float).
template <class V>
[[gnu::always_inline]] inline V erf_approx(V x) {
  const V z = clamp(x, -4.0f, 4.0f);
  const V z2 = z * z;
  V p = splat<V>(-2.72614225801306e-10f);
  p = p * z2 + 2.77068142495902e-08f;
  p = p * z2 - 2.10102402082508e-06f;
  p = p * z2 - 5.69250639462346e-05f;
  p = p * z2 - 7.34990630326855e-04f;
  p = p * z2 - 2.95459980854025e-03f;
  p = p * z2 - 1.60960333262415e-02f;
  V q = splat<V>(-1.45660718464996e-05f);
  q = q * z2 - 2.13374055278905e-04f;
  q = q * z2 - 1.68282697438203e-03f;
  q = q * z2 - 7.37332916720468e-03f;
  q = q * z2 - 1.42647390514189e-02f;
  return z * p / q;
}

// log(u) for u in [1, 2], Cephes logf: u = m·2^e with m in [√½, √2), log(m) by a degree-9 polynomial in
// m - 1, e·ln2 in two parts. About 1 ulp; u is never below 1 here, so no zero, negative or denormal case.
template <class V>
[[gnu::always_inline]] inline V log_1_to_2(V u) {
  typedef int32_t Ints __attribute__((vector_size(sizeof(V))));
  Ints bits;
  std::memcpy(&bits, &u, sizeof bits);
  Ints e = ((bits >> 23) & 0xff) - 126;
  bits = (bits & 0x807fffff) | 0x3f000000;  // the mantissa as a float in [0.5, 1)
  V m;
  std::memcpy(&m, &bits, sizeof m);
  const auto small = m < splat<V>(0.70710678118654752f);  // below √½: one more halving of the exponent
  e = small ? e - 1 : e;
  m = small ? m + m - 1.0f : m - 1.0f;
  const V ef = __builtin_convertvector(e, V);
  const V z = m * m;
  V y = splat<V>(7.0376836292e-2f);
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z - 2.12194440e-4f * ef - 0.5f * z;
  return m + y + 0.693359375f * ef;
}

// softplus(x) = max(x, 0) + log(1 + t), t = e^-|x| in (0, 1]. log1p's trick, log(u)·t/(u - 1) with u = 1 + t
// as rounded, keeps its relative accuracy where t is below float's epsilon next to 1.
template <class V>
[[gnu::always_inline]] inline V softplus(V x) {
  const V zero{};
  const V t = exp_approx(x < zero ? x : -x);
  const V u = 1.0f + t;
  const V d = u - 1.0f;
  const auto exact = d == zero;
  const V log1p_t = exact ? t : log_1_to_2(u) * (t / (exact ? splat<V>(1.0f) : d));
  return (x > zero ? x : zero) + log1p_t;
}

template <Activation F, class V>
[[gnu::always_inline]] inline V activate(V x) {
  constexpr float sqrt_half = 0.70710678118654752f;       // 1/√2
  constexpr float sqrt_2_over_pi = 0.79788456080286536f;  // √(2/π)
  if constexpr (F == Activation::silu) {                  // x·σ(x)
    return x / (1.0f + exp_approx(-x));
  } else if constexpr (F == Activation::gelu) {  // 0.5·x·(1 + erf(x/√2))
    return 0.5f * x * (1.0f + erf_approx(x * sqrt_half));
  } else if constexpr (F == Activation::gelu_tanh) {  // 0.5·x·(1 + tanh(u)) = x·σ(2u), u = √(2/π)·(x + 0.044715·x³)
    const V u = sqrt_2_over_pi * (x + 0.044715f * x * x * x);
    return x / (1.0f + exp_approx(-2.0f * u));
  } else if constexpr (F == Activation::tanh) {  // 1 - 2/(1 + e^2x); exp_approx's clamp keeps it finite
    return 1.0f - 2.0f / (1.0f + exp_approx(2.0f * x));
  } else if constexpr (F == Activation::softplus) {
    return softplus(x);
  } else {  // mish: tanh(log(1 + e^x)) = n/(n + 2) with n = e^x·(e^x + 2); past x = 20 the ratio is 1 in float
    const V e = exp_approx(x < splat<V>(20.0f) ? x : splat<V>(20.0f));
    const V n = e * (e + 2.0f);
    return x * n / (n + 2.0f);
  }
}

// y = f(x) over n contiguous floats, a vector at a time; the last partial vector goes through a padded
// copy. In place (x == y) is allowed: each vector is loaded before it is stored. Written with vector
// types because GCC 12 left the plain float loop scalar at every level (its clamps are control flow it
// does not if-convert); this way is about four times faster (docs/log/executor.md#executor-kernel-figures).
template <Activation F, class V>
[[gnu::always_inline]] inline void apply_all(const float* x, float* y, size_t n) {
  constexpr size_t lanes = lanes_of<V>;
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    V v;
    std::memcpy(&v, x + i, sizeof v);
    v = activate<F>(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  if (i == n) return;
  V v{};
  std::memcpy(&v, x + i, (n - i) * sizeof(float));
  v = activate<F>(v);
  std::memcpy(y + i, &v, (n - i) * sizeof(float));
}

template <class V>
[[gnu::always_inline]] inline void apply_impl(Activation f, const float* x, float* y, size_t n) {
  switch (f) {
    case Activation::silu: return apply_all<Activation::silu, V>(x, y, n);
    case Activation::gelu: return apply_all<Activation::gelu, V>(x, y, n);
    case Activation::gelu_tanh: return apply_all<Activation::gelu_tanh, V>(x, y, n);
    case Activation::tanh: return apply_all<Activation::tanh, V>(x, y, n);
    case Activation::softplus: return apply_all<Activation::softplus, V>(x, y, n);
    case Activation::mish: return apply_all<Activation::mish, V>(x, y, n);
    default: return;  // PointwiseKernel accepts only the six above (has_loop)
  }
}

bool has_loop(Activation f) {
  return f == Activation::silu || f == Activation::gelu || f == Activation::gelu_tanh || f == Activation::tanh ||
         f == Activation::softplus || f == Activation::mish;
}

CPX_VECTOR_DISPATCH(apply, apply_impl, (Activation f, const float* x, float* y, size_t n), (f, x, y, n))

// An activation XNNPACK lacks, from `in` to `out` (the same view when in place).
class PointwiseKernel final : public Kernel {
 public:
  PointwiseKernel(Activation f, const TensorView& in, const TensorView& out, pthreadpool_t pool)
      : f_(f), in_(in), out_(out), flat_(in.dense() && out.dense()) {
    if (!has_loop(f)) throw std::logic_error("no loop for activation " + std::string(to_string(f)));
    implementation_ = {"emulated: vectorised " + std::string(to_string(f)) + " loop", true};
    // Dense views are one run of floats; strided views go pixel by pixel.
    const size_t c = static_cast<size_t>(in.shape.c);
    items_ = flat_ ? in.pixels() * c : in.pixels();
    tile_ = tile_for(pool, items_, flat_ ? 1 : c);
  }

  void run(pthreadpool_t pool) override {
    if (flat_) {
      parallel_for(pool, items_, tile_,
                   [this](size_t begin, size_t end) { apply(f_, in_.data + begin, out_.data + begin, end - begin); });
    } else {
      parallel_for(pool, items_, tile_, [this](size_t begin, size_t end) {
        for (size_t p = begin; p < end; ++p) apply(f_, in_.pixel(p), out_.pixel(p), in_.shape.c);
      });
    }
  }

 private:
  Activation f_;
  TensorView in_, out_;
  bool flat_;
  size_t items_ = 0, tile_ = 1;
};

// The XNNPACK operator computing f from `in` to `out`, set up; `name` receives its name.
XnnOp unary_op(Activation f, double alpha, const TensorView& in, const TensorView& out, pthreadpool_t pool,
               std::string& name) {
  const size_t c = in.shape.c, in_stride = in.pixel_stride, out_stride = out.pixel_stride, rows = in.pixels();
  XnnOp op;
  if (f == Activation::relu || f == Activation::relu6) {
    name = "clamp_nc_f32";
    const auto [lo, hi] = clamp_range(f);
    check_xnn(xnn_create_clamp_nc_f32(c, in_stride, out_stride, lo, hi, 0, op.out()), "xnn_create_clamp_nc_f32");
    check_xnn(xnn_setup_clamp_nc_f32(op.get(), rows, in.data, out.data, pool), "xnn_setup_clamp_nc_f32");
  } else if (f == Activation::hardswish) {
    name = "hardswish_nc_f32";
    check_xnn(xnn_create_hardswish_nc_f32(c, in_stride, out_stride, 0, op.out()), "xnn_create_hardswish_nc_f32");
    check_xnn(xnn_setup_hardswish_nc_f32(op.get(), rows, in.data, out.data, pool), "xnn_setup_hardswish_nc_f32");
  } else if (f == Activation::hardsigmoid) {
    // relu6(x + 3)/6 = clamp(x·(1/6) + 1/2, 0, 1). The weights are copied at create.
    name = "convolution2d_nhwc_f32 (1x1 depthwise: hardsigmoid as x/6 + 1/2 clamped to [0, 1])";
    const std::vector<float> scale(c, 1.0f / 6.0f), shift(c, 0.5f);
    op = channel_affine(in, out, scale.data(), shift.data(), 0.0f, 1.0f, pool);
  } else if (f == Activation::sigmoid) {
    name = "sigmoid_nc_f32";
    check_xnn(xnn_create_sigmoid_nc_f32(c, in_stride, out_stride, 0, op.out()), "xnn_create_sigmoid_nc_f32");
    check_xnn(xnn_setup_sigmoid_nc_f32(op.get(), rows, in.data, out.data, pool), "xnn_setup_sigmoid_nc_f32");
  } else if (f == Activation::leaky_relu) {
    name = "leaky_relu_nc_f32";
    check_xnn(xnn_create_leaky_relu_nc_f32(c, in_stride, out_stride, float(alpha), 0, op.out()),
              "xnn_create_leaky_relu_nc_f32");
    check_xnn(xnn_setup_leaky_relu_nc_f32(op.get(), rows, in.data, out.data, pool), "xnn_setup_leaky_relu_nc_f32");
  } else if (f == Activation::elu) {
    name = "elu_nc_f32";
    check_xnn(xnn_create_elu_nc_f32(c, in_stride, out_stride, float(alpha), 0, op.out()), "xnn_create_elu_nc_f32");
    check_xnn(xnn_setup_elu_nc_f32(op.get(), rows, in.data, out.data, pool), "xnn_setup_elu_nc_f32");
  } else {
    throw std::logic_error("XNNPACK has no operator for activation " + std::string(to_string(f)));
  }
  return op;
}

// alpha: leaky_relu's or elu's (takes_alpha); an op's own activation never takes one.
std::unique_ptr<Kernel> make_unary(Activation f, double alpha, const TensorView& in, const TensorView& out,
                                   pthreadpool_t pool) {
  if (!xnnpack_has(f)) return std::make_unique<PointwiseKernel>(f, in, out, pool);
  std::string name;
  XnnOp op = unary_op(f, alpha, in, out, pool, name);
  auto kernel = std::make_unique<XnnKernel>("xnnpack " + name, false);
  kernel->add(std::move(op));
  return kernel;
}

}  // namespace

std::pair<float, float> clamp_range(Activation activation) {
  switch (activation) {
    case Activation::relu: return {0.0f, no_max};
    case Activation::relu6: return {0.0f, 6.0f};
    default: return {no_min, no_max};
  }
}

std::unique_ptr<Kernel> make_activation_kernel(Activation activation, const TensorView& view, pthreadpool_t pool) {
  if (activation == Activation::none || activation == Activation::relu || activation == Activation::relu6)
    return nullptr;
  if (takes_alpha(activation))
    throw std::logic_error("an op's own activation cannot be " + std::string(to_string(activation)));
  return make_unary(activation, 0, view, view, pool);
}

std::unique_ptr<Kernel> with_activation(XnnOp producer, const std::string& producer_name, Activation activation,
                                        const TensorView& output, pthreadpool_t pool) {
  std::string how = "xnnpack " + producer_name;
  if (activation == Activation::relu || activation == Activation::relu6)
    how += " (" + std::string(to_string(activation)) + " as its output clamp)";
  std::unique_ptr<Kernel> next = make_activation_kernel(activation, output, pool);
  if (next) how += " + " + next->implementation().how;
  auto kernel = std::make_unique<XnnKernel>(std::move(how), next != nullptr);
  kernel->add(std::move(producer));
  kernel->then(std::move(next));
  return kernel;
}

std::unique_ptr<Kernel> make_kernel(const ActivationOp& op, const KernelArgs& args) {
  if (op.function == Activation::none) throw Unsupported("activation: function none does nothing");
  return make_unary(op.function, op.alpha, args.inputs[0], args.output, args.pool);
}

}  // namespace cpx::profiler

#include "profiler/plain_networks.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>

#include "space/count.hpp"

namespace cpx::profiler {

namespace {

class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  int64_t between(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool coin(double p) { return std::bernoulli_distribution(p)(rng_); }
  double real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  template <typename T, size_t N>
  T pick(const std::array<T, N>& options) {
    return options[static_cast<size_t>(between(0, static_cast<int64_t>(N) - 1))];
  }

 private:
  std::mt19937_64 rng_;
};

enum class Stage { basic, bottleneck, inverted, fused, separable, factorised, vgg };

// Widths are multiples of 16 (of the groups, when larger), as hand-written networks have them.
int64_t width_of(double c, int64_t multiple = 16) {
  const int64_t m = std::max<int64_t>(16, multiple);
  return std::max<int64_t>(m, static_cast<int64_t>(c / static_cast<double>(m) + 0.5) * m);
}

// Conv with PyTorch's usual padding: (k-1)/2 for odd kernels; an even kernel is a patchify downsampler
// (stride = kernel, no padding). Every conv is BN-folded, as at inference.
class Net {
 public:
  Net(std::string name, int64_t resolution) : b_(name, "plain", {1, resolution, resolution, 3}, Where("plain generator", name)) {}

  Activation act = Activation::relu;

  std::string conv(const std::string& x, int64_t out, int64_t kh, int64_t kw, int64_t stride, int64_t groups,
                   Activation a) {
    Conv2d c;
    c.out_channels = out;
    c.kernel = {kh, kw};
    c.stride = {stride, stride};
    if (kh % 2 == 1 && kw % 2 == 1) {
      c.padding = {(kh - 1) / 2, (kh - 1) / 2, (kw - 1) / 2, (kw - 1) / 2};
    } else {
      c.stride = {kh, kw};
    }
    c.groups = groups;
    c.batch_norm = true;
    c.activation = a;
    return b_.add(next("conv"), {x}, c);
  }
  std::string add(const std::string& x, const std::string& y) { return b_.add(next("add"), {x, y}, Add{}); }
  int64_t channels(const std::string& x) const { return b_.shape(x).c; }
  int64_t side(const std::string& x) const { return b_.shape(x).h; }
  NetworkBuilder& builder() { return b_; }
  std::string next(const char* kind) { return std::string(kind) + std::to_string(++ops_); }
  Network finish(const std::string& out) && { return std::move(b_).finish(out); }

 private:
  NetworkBuilder b_;
  int ops_ = 0;
};

// A residual connection around `body`'s output, with a strided 1x1 projection when the shape changes.
std::string residual(Net& n, const std::string& x, const std::string& y, int64_t stride) {
  if (n.channels(x) == n.channels(y) && stride == 1) return n.add(x, y);
  return n.add(n.conv(x, n.channels(y), 1, 1, stride, 1, Activation::none), y);
}

// Squeeze-and-excitation, written out: global average, reduce (act), expand (sigmoid), multiply.
std::string squeeze_excite(Net& n, const std::string& x, int64_t squeeze) {
  NetworkBuilder& b = n.builder();
  const std::string pooled = b.add(n.next("pool"), {x}, GlobalAvgPool{});
  const std::string reduced = n.conv(pooled, squeeze, 1, 1, 1, 1, n.act);
  const std::string gate = n.conv(reduced, n.channels(x), 1, 1, 1, 1, Activation::sigmoid);
  return b.add(n.next("scale"), {x, gate}, Multiply{});
}

struct StagePlan {
  Stage kind;
  int64_t kernel, groups, expansion;
  bool se;
};

std::string block(Net& n, const std::string& x, const StagePlan& p, int64_t out, int64_t stride) {
  const int64_t in = n.channels(x), k = p.kernel;
  switch (p.kind) {
    case Stage::basic: {
      const std::string a = n.conv(x, out, k, k, stride, 1, n.act);
      return residual(n, x, n.conv(a, out, k, k, 1, 1, Activation::none), stride);
    }
    case Stage::bottleneck: {
      const int64_t mid = width_of(static_cast<double>(out) / static_cast<double>(p.expansion), p.groups);
      const std::string a = n.conv(x, mid, 1, 1, 1, 1, n.act);
      const std::string c = n.conv(a, mid, k, k, stride, p.groups, n.act);
      return residual(n, x, n.conv(c, out, 1, 1, 1, 1, Activation::none), stride);
    }
    case Stage::inverted: {
      const int64_t mid = in * p.expansion;
      std::string y = p.expansion > 1 ? n.conv(x, mid, 1, 1, 1, 1, n.act) : x;
      y = n.conv(y, mid, k, k, stride, mid, n.act);
      if (p.se) y = squeeze_excite(n, y, std::max<int64_t>(8, in / 4));
      y = n.conv(y, out, 1, 1, 1, 1, Activation::none);
      return in == out && stride == 1 ? n.add(x, y) : y;
    }
    case Stage::fused: {
      std::string y;
      if (p.expansion == 1) {
        y = n.conv(x, out, k, k, stride, 1, n.act);
      } else {
        y = n.conv(x, in * p.expansion, k, k, stride, 1, n.act);
        y = n.conv(y, out, 1, 1, 1, 1, Activation::none);
      }
      return in == out && stride == 1 ? n.add(x, y) : y;
    }
    case Stage::separable: {
      const std::string d = n.conv(x, in, k, k, stride, in, n.act);
      return n.conv(d, out, 1, 1, 1, 1, n.act);
    }
    case Stage::factorised: {
      // 1xk then kx1, dense at the block's width; the stride goes to a 1x1 in front of them.
      const std::string a = n.conv(x, out, 1, 1, stride, 1, n.act);
      const std::string h = n.conv(a, out, 1, k, 1, p.groups, n.act);
      return residual(n, a, n.conv(h, out, k, 1, 1, p.groups, Activation::none), 1);
    }
    case Stage::vgg:
      return n.conv(x, out, k, k, stride, p.groups, n.act);
  }
  throw std::logic_error("unknown plain stage");
}

StagePlan plan_stage(Draw& d, int64_t width) {
  constexpr std::array<Stage, 7> kinds{Stage::basic,     Stage::bottleneck, Stage::inverted, Stage::fused,
                                       Stage::separable, Stage::factorised, Stage::vgg};
  StagePlan p{d.pick(kinds), 3, 1, 1, false};
  switch (p.kind) {
    case Stage::basic:
      p.kernel = d.pick(std::array<int64_t, 3>{3, 3, 5});
      break;
    case Stage::bottleneck:
      p.kernel = d.pick(std::array<int64_t, 3>{3, 3, 5});
      p.expansion = d.pick(std::array<int64_t, 2>{2, 4});
      p.groups = d.pick(std::array<int64_t, 5>{1, 1, 2, 8, 32});
      break;
    case Stage::inverted:
      p.kernel = d.pick(std::array<int64_t, 3>{3, 5, 7});
      p.expansion = d.pick(std::array<int64_t, 4>{1, 3, 4, 6});
      p.se = d.coin(0.4);
      break;
    case Stage::fused:
      p.kernel = d.pick(std::array<int64_t, 2>{3, 5});
      p.expansion = d.pick(std::array<int64_t, 3>{1, 2, 4});
      break;
    case Stage::separable:
      p.kernel = d.pick(std::array<int64_t, 3>{3, 5, 7});
      break;
    case Stage::factorised:
      p.kernel = d.pick(std::array<int64_t, 2>{5, 7});
      p.groups = d.coin(0.5) ? 1 : 4;
      break;
    case Stage::vgg:
      p.kernel = d.pick(std::array<int64_t, 3>{1, 3, 3});
      p.groups = d.coin(0.3) ? 2 : 1;
      break;
  }
  // A grouped conv needs its groups to divide the width; stage widths are multiples of 16.
  while (p.groups > 1 && width % p.groups != 0) p.groups /= 2;
  return p;
}

Network draw_plain(Draw& d, const std::string& name) {
  Net n(name, d.pick(std::array<int64_t, 5>{128, 160, 192, 224, 256}));
  n.act = d.pick(std::array<Activation, 7>{Activation::relu, Activation::relu, Activation::relu6, Activation::hardswish,
                                           Activation::silu, Activation::gelu, Activation::gelu_tanh});
  int64_t width = d.pick(std::array<int64_t, 5>{16, 24, 32, 48, 64});
  std::string x = n.conv(std::string(input_tensor), width, 3, 3, 2, 1, n.act);
  if (d.coin(0.3)) {
    x = n.conv(x, width, 3, 3, 1, width, n.act);  // a depthwise stem pair, as MobileNets start
  } else if (d.coin(0.3)) {
    MaxPool m;
    m.kernel = {3, 3};
    m.stride = {2, 2};
    m.padding = {1, 1, 1, 1};
    x = n.builder().add(n.next("maxpool"), {x}, m);
  }
  const int64_t stages = d.between(4, 5);
  const double growth = d.real(1.5, 2.4);
  for (int64_t s = 0; s < stages; ++s) {
    const int64_t out = std::min<int64_t>(2048, width_of(static_cast<double>(width) * (s == 0 ? d.real(1.0, 1.5) : growth)));
    const StagePlan p = plan_stage(d, out);
    const int64_t depth = d.between(1, s == stages - 1 ? 3 : 4);
    for (int64_t i = 0; i < depth; ++i) {
      // A stage halves the map at its first block while the map is larger than 7.
      const int64_t stride = i == 0 && n.side(x) > 7 ? 2 : 1;
      x = block(n, x, p, out, stride);
    }
    width = out;
  }
  if (d.coin(0.6)) x = n.conv(x, d.pick(std::array<int64_t, 4>{1024, 1280, 1536, 2048}), 1, 1, 1, 1, n.act);
  x = n.builder().add(n.next("pool"), {x}, GlobalAvgPool{});
  if (d.coin(0.3))
    x = n.builder().add(n.next("fc"), {x}, FullyConnected{d.pick(std::array<int64_t, 2>{1024, 1280}), true, false, n.act});
  x = n.builder().add(n.next("fc"), {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(n).finish(x);
}

}  // namespace

Network plain_cnn(uint64_t seed) {
  const std::string name = "plain_" + std::to_string(seed);
  Draw d(seed);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Network net = draw_plain(d, name);
    const int64_t macs = count(net).total.macs;
    if (macs >= plain_min_macs && macs <= plain_max_macs) return net;
  }
  throw std::logic_error("plain_cnn: no network within the MACs range for seed " + std::to_string(seed));
}

}  // namespace cpx::profiler

#include "predictor/validate/ood_networks.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "space/count.hpp"

namespace cpx::predictor {

namespace {

using Rng = std::mt19937_64;

int64_t uniform_int(Rng& rng, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }
bool chance(Rng& rng, double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
template <typename T>
T any_of(Rng& rng, std::initializer_list<T> values) {
  return *(values.begin() + uniform_int(rng, 0, static_cast<int64_t>(values.size()) - 1));
}
double log_uniform(Rng& rng, double lo, double hi) {
  return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
}
// Channel counts are multiples of `multiple` (8, or the groups of a grouped conv when larger).
int64_t round_width(double c, int64_t multiple = 8) {
  return std::clamp<int64_t>(static_cast<int64_t>(std::lround(c / static_cast<double>(multiple))) * multiple, multiple,
                             ood::max_width);
}

enum class Kind { basic, bottleneck, grouped_bottleneck, mbconv, fused_mbconv, factorised, plain };
constexpr std::array<Kind, 7> kinds{Kind::basic,  Kind::bottleneck,   Kind::grouped_bottleneck,
                                    Kind::mbconv, Kind::fused_mbconv, Kind::factorised,
                                    Kind::plain};

// One stage's block, drawn once and repeated (as people write stages).
struct Block {
  Kind kind;
  int64_t kernel = 3;
  int64_t groups = 1;
  int64_t expansion = 1;  // mbconv and fused: mid = in · expansion; bottlenecks: mid = out / expansion
  bool se = false;
  bool depthwise = false;  // factorised pair: depthwise 1xk, kx1 after a 1x1 (else two dense convs)
  int64_t convs = 2;       // plain stacks
};

class Writer {
 public:
  Writer(std::string name, int64_t resolution)
      : b_(std::move(name), "ood", {1, resolution, resolution, 3}, Where("ood generator")) {}

  Activation act = Activation::relu;
  Activation gate = Activation::sigmoid;  // of squeeze-and-excitation
  bool batch_norm = true;                 // else biases (a VGG without BN)

  // PyTorch's usual conv: symmetric padding (k-1)/2 for odd kernels; even kernels are patchify
  // downsamplers (stride = kernel, no padding).
  std::string conv(const std::string& x, int64_t out, int64_t kh, int64_t kw, int64_t stride, int64_t groups,
                   Activation a) {
    Conv2d c;
    c.out_channels = out;
    c.kernel = {kh, kw};
    c.stride = {stride, stride};
    c.padding = {(kh - 1) / 2, (kh - 1) / 2, (kw - 1) / 2, (kw - 1) / 2};
    c.groups = groups;
    c.bias = !batch_norm;
    c.batch_norm = batch_norm;
    c.activation = a;
    return add({x}, c);
  }
  std::string add(std::vector<std::string> inputs, OpAttrs attrs) {
    return b_.add("op" + std::to_string(n_++), std::move(inputs), std::move(attrs));
  }
  int64_t channels(const std::string& x) const { return b_.shape(x).c; }
  // x + the block's output, through a 1x1 projection when the shape changes (ResNet's option B).
  std::string residual(const std::string& x, const std::string& y, int64_t stride, Activation after) {
    const std::string s =
        stride == 1 && channels(x) == channels(y) ? x : conv(x, channels(y), 1, 1, stride, 1, Activation::none);
    const std::string sum = add({s, y}, Add{});
    return after == Activation::none ? sum : add({sum}, ActivationOp{after});
  }
  std::string block(const Block& k, const std::string& x, int64_t out, int64_t stride);
  Network finish(const std::string& out) && { return std::move(b_).finish(out); }

 private:
  NetworkBuilder b_;
  int n_ = 0;
};

std::string Writer::block(const Block& k, const std::string& x, int64_t out, int64_t stride) {
  const int64_t in = channels(x);
  switch (k.kind) {
    case Kind::basic: {
      const std::string h = conv(x, out, k.kernel, k.kernel, stride, 1, act);
      return residual(x, conv(h, out, k.kernel, k.kernel, 1, 1, Activation::none), stride, act);
    }
    case Kind::bottleneck:
    case Kind::grouped_bottleneck: {
      const int64_t mid =
          round_width(static_cast<double>(out) / static_cast<double>(k.expansion), std::max<int64_t>(8, k.groups));
      std::string h = conv(x, mid, 1, 1, 1, 1, act);
      h = conv(h, mid, k.kernel, k.kernel, stride, k.groups, act);
      return residual(x, conv(h, out, 1, 1, 1, 1, Activation::none), stride, act);
    }
    case Kind::mbconv: {
      const int64_t mid = round_width(static_cast<double>(in * k.expansion));
      std::string h = k.expansion == 1 ? x : conv(x, mid, 1, 1, 1, 1, act);
      h = conv(h, mid, k.kernel, k.kernel, stride, mid, act);
      if (k.se) {
        const std::string pooled = add({h}, GlobalAvgPool{});
        const std::string r = conv(pooled, round_width(static_cast<double>(in) / 4), 1, 1, 1, 1, act);
        h = add({h, conv(r, mid, 1, 1, 1, 1, gate)}, Multiply{});
      }
      h = conv(h, out, 1, 1, 1, 1, Activation::none);
      return stride == 1 && in == out ? add({x, h}, Add{}) : h;
    }
    case Kind::fused_mbconv: {
      std::string h = conv(x, k.expansion == 1 ? out : round_width(static_cast<double>(in * k.expansion)), k.kernel,
                           k.kernel, stride, 1, act);
      if (k.expansion > 1) h = conv(h, out, 1, 1, 1, 1, Activation::none);
      return stride == 1 && in == out ? add({x, h}, Add{}) : h;
    }
    case Kind::factorised: {
      if (k.depthwise) {
        std::string h = conv(x, out, 1, 1, stride, 1, act);
        h = conv(h, out, 1, k.kernel, 1, out, Activation::none);
        return residual(x, conv(h, out, k.kernel, 1, 1, out, act), stride, Activation::none);
      }
      const std::string h = conv(x, out, 1, k.kernel, stride, 1, act);
      return residual(x, conv(h, out, k.kernel, 1, 1, 1, Activation::none), stride, act);
    }
    case Kind::plain: {
      std::string h = x;
      if (stride > 1) {  // VGG downsamples with a max pool
        MaxPool p;
        p.kernel = {2, 2};
        p.stride = {2, 2};
        h = add({h}, p);
      }
      for (int64_t i = 0; i < k.convs; ++i) h = conv(h, out, k.kernel, k.kernel, 1, 1, act);
      return h;
    }
  }
  throw std::logic_error("ood generator: unknown block kind");
}

Block draw_block(Rng& rng, Kind kind) {
  Block k{kind};
  switch (kind) {
    case Kind::basic: k.kernel = any_of<int64_t>(rng, {3, 3, 5}); break;
    case Kind::bottleneck:
      k.kernel = any_of<int64_t>(rng, {3, 3, 5, 7});
      k.expansion = any_of<int64_t>(rng, {2, 4});
      break;
    case Kind::grouped_bottleneck:
      k.kernel = any_of<int64_t>(rng, {3, 3, 5});
      k.groups = any_of<int64_t>(rng, {2, 4, 8, 16, 32});
      k.expansion = any_of<int64_t>(rng, {1, 2});
      break;
    case Kind::mbconv:
      k.kernel = any_of<int64_t>(rng, {3, 5, 7});
      k.expansion = uniform_int(rng, 1, 6);
      k.se = chance(rng, 0.5);
      break;
    case Kind::fused_mbconv:
      k.kernel = any_of<int64_t>(rng, {3, 3, 5});
      k.expansion = uniform_int(rng, 1, 6);
      break;
    case Kind::factorised:
      k.kernel = any_of<int64_t>(rng, {3, 5, 7});
      k.depthwise = chance(rng, 0.5);
      break;
    case Kind::plain:
      k.kernel = any_of<int64_t>(rng, {1, 3, 3, 5});
      k.convs = uniform_int(rng, 1, 3);
      break;
  }
  return k;
}

std::string describe(const Block& k) {
  static constexpr std::array<const char*, 7> names{"basic", "bottleneck", "grouped", "mbconv",
                                                    "fused", "factorised", "plain"};
  std::string s = std::string(names[static_cast<size_t>(k.kind)]) + " k" + std::to_string(k.kernel);
  if (k.groups > 1) s += " g" + std::to_string(k.groups);
  if (k.kind == Kind::mbconv || k.kind == Kind::fused_mbconv) s += " e" + std::to_string(k.expansion);
  if (k.se) s += " se";
  if (k.kind == Kind::factorised) s += k.depthwise ? " dw" : " dense";
  if (k.kind == Kind::plain) s += " x" + std::to_string(k.convs) + " convs";
  return s;
}

OodNetwork draw(Rng& rng, const std::string& name) {
  const int64_t resolution = 16 * uniform_int(rng, ood::min_resolution / 16, ood::max_resolution / 16);
  Writer w(name, resolution);
  w.act = any_of(rng, {Activation::relu, Activation::relu6, Activation::hardswish, Activation::gelu, Activation::silu});
  w.gate = any_of(rng, {Activation::sigmoid, Activation::hardsigmoid});
  w.batch_norm = chance(rng, 0.8);
  const int64_t stages = uniform_int(rng, 2, 5);
  // Widths from the last stage down, so the widest stages reach the thousands while early ones stay narrow.
  std::vector<int64_t> widths(static_cast<size_t>(stages));
  widths.back() = round_width(log_uniform(rng, 64, static_cast<double>(ood::max_width)));
  for (size_t i = widths.size() - 1; i-- > 0;)
    widths[i] = round_width(static_cast<double>(widths[i + 1]) / std::uniform_real_distribution<double>(1.5, 2.5)(rng));
  std::string blocks;
  // Stem: a strided kxk conv (ResNet's with a max pool), or a patchify conv.
  const int64_t stem_kind = uniform_int(rng, 0, 3);
  const int64_t stem_width = std::min(widths[0], round_width(static_cast<double>(uniform_int(rng, 8, 64))));
  int64_t reduction = 2;
  std::string x = "input";
  if (stem_kind == 0 || stem_kind == 1) {
    const int64_t k = any_of<int64_t>(rng, {3, 5, 7});
    x = w.conv(x, stem_width, k, k, 2, 1, w.act);
    blocks = "stem k" + std::to_string(k) + "s2";
    if (stem_kind == 1) {
      MaxPool p;
      p.kernel = {3, 3};
      p.stride = {2, 2};
      p.padding = {1, 1, 1, 1};
      x = w.add({x}, p);
      reduction = 4;
      blocks += "+maxpool";
    }
  } else {
    const int64_t k = stem_kind == 2 ? 2 : 4;
    x = w.conv(x, stem_width, k, k, k, 1, w.act);
    reduction = k;
    blocks = "stem patchify k" + std::to_string(k);
  }
  blocks += " " + std::to_string(stem_width) + " " + std::string(to_string(w.act)) + " @" + std::to_string(resolution);
  const Kind primary = kinds[static_cast<size_t>(uniform_int(rng, 0, kinds.size() - 1))];
  for (int64_t s = 0; s < stages; ++s) {
    const Kind kind = chance(rng, 0.35) ? kinds[static_cast<size_t>(uniform_int(rng, 0, kinds.size() - 1))] : primary;
    const Block k = draw_block(rng, kind);
    const int64_t depth = uniform_int(rng, 1, 3);
    const int64_t stride = reduction < 32 && (s > 0 || chance(rng, 0.5)) ? 2 : 1;
    reduction *= stride;
    for (int64_t d = 0; d < depth; ++d) x = w.block(k, x, widths[static_cast<size_t>(s)], d == 0 ? stride : 1);
    blocks += " | " + describe(k) + (stride > 1 ? " s2" : "") + " x" + std::to_string(depth) + " -> " +
              std::to_string(widths[static_cast<size_t>(s)]);
  }
  if (chance(rng, 0.5)) {  // a wide 1x1 head before pooling (MobileNetV3, EfficientNet)
    const int64_t head = round_width(log_uniform(rng, 256, static_cast<double>(ood::max_width)));
    x = w.conv(x, head, 1, 1, 1, 1, w.act);
    blocks += " | head 1x1 -> " + std::to_string(head);
  }
  x = w.add({x}, GlobalAvgPool{});
  FullyConnected fc;
  fc.out_features = any_of<int64_t>(rng, {10, 100, 1000});
  fc.bias = true;
  x = w.add({x}, fc);
  blocks += " | fc " + std::to_string(fc.out_features);
  return {std::move(w).finish(x), blocks};
}

}  // namespace

OodNetwork ood_network(uint64_t seed) {
  // Offset so that seed 1 here is not the stream of seed 1 in any other generator of the project.
  Rng rng(seed ^ 0x6f6f642d6e657473ULL);
  const std::string name = "ood-" + std::to_string(seed);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    OodNetwork n = draw(rng, name);
    const NetworkCount c = count(n.network);
    const auto weight_layers = std::count_if(n.network.ops.begin(), n.network.ops.end(), [](const Op& o) {
      return o.as<Conv2d>() != nullptr || o.as<FullyConnected>() != nullptr;
    });
    const double macs = static_cast<double>(c.total.macs);
    if (macs >= ood::min_macs && macs <= ood::max_macs && c.total.params_inference <= ood::max_params &&
        weight_layers >= ood::min_weight_layers && weight_layers <= ood::max_weight_layers)
      return n;
  }
  throw std::runtime_error("ood generator: no network within the budgets after 1000 draws for seed " +
                           std::to_string(seed));
}

}  // namespace cpx::predictor

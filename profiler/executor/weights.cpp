#include "profiler/executor/weight_sizes.hpp"
#include "profiler/executor/weights.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>

namespace cpx::profiler {

uint64_t Rng::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float Rng::uniform(float lo, float hi) {
  const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
  return static_cast<float>(lo + (hi - lo) * u);
}

namespace {

std::vector<float> uniform(Rng& rng, int64_t n, float lo, float hi) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

BatchNormStats random_batch_norm(Rng& rng, int64_t c) {
  return {uniform(rng, c, 0.5f, 1.5f), uniform(rng, c, -0.2f, 0.2f), uniform(rng, c, -0.2f, 0.2f),
          uniform(rng, c, 0.5f, 1.5f), 1e-5};
}

// PyTorch's default init bound for conv and linear: 1/√fan_in, which keeps activations O(1).
OpWeights linear_weights(Rng& rng, int64_t out, int64_t fan_in, bool bias, bool batch_norm) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  OpWeights w;
  w.weight = uniform(rng, out * fan_in, -bound, bound);
  if (bias) w.bias = uniform(rng, out, -bound, bound);
  if (batch_norm) fold_batch_norm(w.weight, w.bias, random_batch_norm(rng, out));
  return w;
}

// ConvTranspose2d: PyTorch initialises its [Cin][Cout/groups][kh][kw] weight with the same 1/√fan_in
// bound, where its fan_in is computed from dimension 1, i.e. fan_in = Cout/groups·kh·kw (not the
// Cin/groups·kh·kw terms an output actually sums). We follow PyTorch. Laid out [Cout][kh][kw][Cin/groups].
OpWeights conv_transpose_weights(Rng& rng, const ConvTranspose2d& c, int64_t in_channels) {
  const int64_t taps = c.kernel[0] * c.kernel[1];
  const float bound = 1.0f / std::sqrt(static_cast<float>(c.out_channels / c.groups * taps));
  OpWeights w;
  w.weight = uniform(rng, c.weight_shape(in_channels).elements(), -bound, bound);
  if (c.bias) w.bias = uniform(rng, c.out_channels, -bound, bound);
  if (c.batch_norm) fold_batch_norm(w.weight, w.bias, random_batch_norm(rng, c.out_channels));
  return w;
}

// The gathered attention bias. A model holds a table of heads x table_size learned values and gathers
// one per (query, head, key) through its own relative-offset index (EfficientFormerV2's attention_bias_idxs).
// We cannot reproduce every family's offset indexing, so the gather here is a fixed deterministic map,
// value(q, h, s) = table[h][(q·Lk + s) mod table_size]; timing and the executor-vs-reference check do not
// depend on which table entries are gathered, only on the tensor being added. The table is uniform in
// [-1, 1), the scale of attention logits.
std::vector<float> gathered_attention_bias(Rng& rng, const AttentionBias& a, const ShapeNhwc& scores) {
  const std::vector<float> table = uniform(rng, a.heads * a.table_size, -1.0f, 1.0f);
  const int64_t queries = scores.h * scores.w, keys = scores.c / a.heads;
  std::vector<float> out(static_cast<size_t>(queries * scores.c));
  for (int64_t q = 0; q < queries; ++q)
    for (int64_t h = 0; h < a.heads; ++h)
      for (int64_t s = 0; s < keys; ++s)
        out[static_cast<size_t>(q * scores.c + h * keys + s)] =
            table[static_cast<size_t>(h * a.table_size + (q * keys + s) % a.table_size)];
  return out;
}

// One weights_of per op kind of space/op.hpp, and no catch-all: a kind without one does not compile.
// `in` is the shape of the op's first input.
OpWeights weights_of(const Conv2d& c, Rng& rng, const ShapeNhwc& in) {
  return linear_weights(rng, c.out_channels, c.weight_shape(in.c).per_output_channel(), c.bias, c.batch_norm);
}
OpWeights weights_of(const FullyConnected& f, Rng& rng, const ShapeNhwc& in) {
  return linear_weights(rng, f.out_features, in.c, f.bias, f.batch_norm);
}
OpWeights weights_of(const ConvTranspose2d& t, Rng& rng, const ShapeNhwc& in) {
  return conv_transpose_weights(rng, t, in.c);
}
OpWeights weights_of(const BatchNorm& b, Rng& rng, const ShapeNhwc& in) {
  const BatchNormStats s = random_batch_norm(rng, in.c);
  OpWeights w;
  w.weight.resize(static_cast<size_t>(in.c));
  w.bias.resize(static_cast<size_t>(in.c));
  for (size_t ch = 0; ch < w.weight.size(); ++ch) {
    const double scale = s.gamma[ch] / std::sqrt(static_cast<double>(s.var[ch]) + b.eps);
    w.weight[ch] = static_cast<float>(scale);
    w.bias[ch] = static_cast<float>(s.beta[ch] - s.mean[ch] * scale);
  }
  return w;
}
OpWeights norm_affine(Rng& rng, const ShapeNhwc& in) {
  OpWeights w;
  w.weight = uniform(rng, in.c, 0.5f, 1.5f);
  w.bias = uniform(rng, in.c, -0.2f, 0.2f);
  return w;
}
OpWeights weights_of(const GroupNorm& g, Rng& rng, const ShapeNhwc& in) {
  if (g.affine) return norm_affine(rng, in);
  const size_t c = static_cast<size_t>(in.c);
  return {std::vector<float>(c, 1.0f), std::vector<float>(c, 0.0f)};  // no affine: the identity one
}
OpWeights weights_of(const LayerNorm&, Rng& rng, const ShapeNhwc& in) { return norm_affine(rng, in); }
OpWeights weights_of(const LayerScale&, Rng& rng, const ShapeNhwc& in) {
  // Models initialise γ to ~1e-5 (a residual branch starts near off); random inference weights only
  // need to be well conditioned, so γ is O(1) here and the branch's output stays O(1).
  return {uniform(rng, in.c, 0.5f, 1.5f), {}};
}
OpWeights weights_of(const PRelu& p, Rng& rng, const ShapeNhwc& in) {
  // PyTorch initialises every slope to 0.25; random ones around it tell channels apart.
  return {uniform(rng, p.shared ? 1 : in.c, 0.1f, 0.4f), {}};
}
// With windows, every window's block is the same seeded gather (the imported file's own masks come with it).
OpWeights weights_of(const AttentionBias& a, Rng& rng, const ShapeNhwc& in) {
  const std::vector<float> one = gathered_attention_bias(rng, a, in);
  OpWeights w;
  for (int64_t k = 0; k < a.windows; ++k) w.weight.insert(w.weight.end(), one.begin(), one.end());
  return w;
}
OpWeights weights_of(const HeadMix& h, Rng& rng, const ShapeNhwc&) {
  // A 1x1 conv over heads in PyTorch: fan_in = heads.
  const float bound = 1.0f / std::sqrt(static_cast<float>(h.heads));
  OpWeights w;
  w.weight = uniform(rng, h.heads * h.heads, -bound, bound);
  if (h.bias) w.bias = uniform(rng, h.heads, -bound, bound);
  return w;
}
// Learned tokens: PyTorch's ViT initialises its class token to zeros; random ones here tell the tokens
// apart in the executor-vs-reference check, at the scale of the patch embeddings.
OpWeights weights_of(const ClassToken& t, Rng& rng, const ShapeNhwc& in) {
  return {uniform(rng, t.tokens * in.c, -1.0f, 1.0f), {}};
}
// The kinds without weights, listed (not a default), so that a new kind must be placed here or above.
template <typename T, typename... Of>
concept one_of = (std::same_as<T, Of> || ...);
template <typename T>
requires one_of<T, Matmul, Softmax, ActivationOp, Affine, Add, Subtract, Multiply, GlobalAvgPool, AvgPool, MaxPool,
                UpsampleNearest, Reshape, Slice, Concat, Pad, ResizeBilinear, ChannelShuffle, PixelShuffle, Clamp,
                WindowPartition>
    OpWeights weights_of(const T&, Rng&, const ShapeNhwc&) {
  return {};
}

}  // namespace

std::vector<float> conv_weight_oihw(const std::vector<float>& ohwi, int64_t out_channels, int64_t in_per_group,
                                    int64_t kh, int64_t kw) {
  std::vector<float> oihw(ohwi.size());
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x)
        for (int64_t ci = 0; ci < in_per_group; ++ci)
          oihw[static_cast<size_t>(((o * in_per_group + ci) * kh + y) * kw + x)] =
              ohwi[static_cast<size_t>(((o * kh + y) * kw + x) * in_per_group + ci)];
  return oihw;
}

std::vector<float> conv_transpose_weight_iohw(const std::vector<float>& w, int64_t in_channels, int64_t out_channels,
                                              int64_t groups, int64_t kh, int64_t kw) {
  const int64_t in_pg = in_channels / groups, out_pg = out_channels / groups;
  std::vector<float> iohw(w.size());
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t x = 0; x < kw; ++x)
        for (int64_t i2 = 0; i2 < in_pg; ++i2) {
          const int64_t g = o / out_pg, ci = g * in_pg + i2, oo = o % out_pg;
          iohw[static_cast<size_t>(((ci * out_pg + oo) * kh + y) * kw + x)] =
              w[static_cast<size_t>(((o * kh + y) * kw + x) * in_pg + i2)];
        }
  return iohw;
}

std::vector<float> attention_bias_table(const AttentionBias& a, const ShapeNhwc& scores,
                                        const std::vector<float>& gathered) {
  const int64_t queries = scores.h * scores.w, keys = scores.c / a.heads;
  if (a.table_size > queries * keys)
    throw InputError("attention_bias: table_size " + std::to_string(a.table_size) + " exceeds the " +
                     std::to_string(queries * keys) + " (query, key) pairs, so the table cannot be recovered");
  std::vector<float> table(static_cast<size_t>(a.heads * a.table_size));
  for (int64_t h = 0; h < a.heads; ++h)
    for (int64_t t = 0; t < a.table_size; ++t)
      table[static_cast<size_t>(h * a.table_size + t)] =
          gathered[static_cast<size_t>((t / keys) * scores.c + h * keys + t % keys)];
  return table;
}

std::vector<float> per_window_bias_nchw(const AttentionBias& a, const ShapeNhwc& scores,
                                        const std::vector<float>& gathered) {
  const int64_t pixels = scores.pixels(), c = scores.c;
  std::vector<float> out(gathered.size());
  for (int64_t b = 0; b < a.windows; ++b)
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t k = 0; k < c; ++k)
        out[static_cast<size_t>((b * c + k) * pixels + p)] = gathered[static_cast<size_t>((b * pixels + p) * c + k)];
  return out;
}

void fold_batch_norm(std::vector<float>& weight, std::vector<float>& bias, const BatchNormStats& bn) {
  const size_t out = bn.gamma.size();
  const size_t per_out = weight.size() / out;
  if (bias.empty()) bias.assign(out, 0.0f);
  for (size_t o = 0; o < out; ++o) {
    const double scale = bn.gamma[o] / std::sqrt(static_cast<double>(bn.var[o]) + bn.eps);
    for (size_t k = 0; k < per_out; ++k) weight[o * per_out + k] = static_cast<float>(weight[o * per_out + k] * scale);
    bias[o] = static_cast<float>((bias[o] - bn.mean[o]) * scale + bn.beta[o]);
  }
}

OpWeights make_op_weights(const Network& net, size_t i, uint64_t seed) {
  Rng rng(Rng(seed ^ Rng(i).next()).next());
  const Op& op = net.ops[i];
  const ShapeNhwc& in = net.shape_of(op.inputs[0]);
  return std::visit([&](const auto& a) { return weights_of(a, rng, in); }, op.attrs);
}

std::array<size_t, 2> op_weight_sizes(const Network& net, size_t i) {
  const Op& op = net.ops[i];
  const ShapeNhwc& in = net.shape_of(op.inputs[0]);
  const auto bias = [](bool b, int64_t n) { return b ? static_cast<size_t>(n) : size_t{0}; };
  if (const auto* c = op.as<Conv2d>())
    return {static_cast<size_t>(c->weight_shape(in.c).elements()), bias(c->bias || c->batch_norm, c->out_channels)};
  if (const auto* t = op.as<ConvTranspose2d>())
    return {static_cast<size_t>(t->weight_shape(in.c).elements()), bias(t->bias || t->batch_norm, t->out_channels)};
  if (const auto* f = op.as<FullyConnected>())
    return {static_cast<size_t>(f->out_features * in.c), bias(f->bias || f->batch_norm, f->out_features)};
  const OpWeights w = make_op_weights(net, i, 0);  // per channel or per pixel at most
  return {w.weight.size(), w.bias.size()};
}

NetworkWeights make_weights(const Network& net, uint64_t seed) {
  NetworkWeights out(net.ops.size());
  for (size_t i = 0; i < net.ops.size(); ++i) out[i] = make_op_weights(net, i, seed);
  return out;
}

namespace {

// Old conv weights [Cout][kh][kw][Cin/g] embedded in the larger new shape, centred in the kernel; false if
// the new conv is not a grown copy of the old one.
bool embed_conv(const Conv2d& old_c, int64_t old_in, const OpWeights& old_w, const Conv2d& new_c, int64_t new_in,
                OpWeights& out) {
  const bool depthwise = old_c.groups == old_in && new_c.groups == new_in;
  if (!(depthwise || (old_c.groups == 1 && new_c.groups == 1)) || old_c.stride != new_c.stride ||
      old_c.dilation != new_c.dilation)
    return false;
  const ConvWeightShape o = old_c.weight_shape(old_in), n = new_c.weight_shape(new_in);
  if (n.out_channels < o.out_channels || n.in_per_group < o.in_per_group || n.kh < o.kh || n.kw < o.kw ||
      (n.kh - o.kh) % 2 != 0 || (n.kw - o.kw) % 2 != 0 || old_w.weight.size() != static_cast<size_t>(o.elements()))
    return false;
  const int64_t dy = (n.kh - o.kh) / 2, dx = (n.kw - o.kw) / 2;
  out.weight.assign(static_cast<size_t>(n.elements()), 0.0f);
  for (int64_t oc = 0; oc < o.out_channels; ++oc)
    for (int64_t y = 0; y < o.kh; ++y)
      for (int64_t x = 0; x < o.kw; ++x)
        for (int64_t i = 0; i < o.in_per_group; ++i)
          out.weight[static_cast<size_t>(((oc * n.kh + y + dy) * n.kw + x + dx) * n.in_per_group + i)] =
              old_w.weight[static_cast<size_t>(((oc * o.kh + y) * o.kw + x) * o.in_per_group + i)];
  if (!out.bias.empty()) {
    std::fill(out.bias.begin(), out.bias.end(), 0.0f);
    std::copy_n(old_w.bias.begin(), std::min(old_w.bias.size(), out.bias.size()), out.bias.begin());
  }
  return true;
}

}  // namespace

CarriedWeights carry_weights(const Network& from, const NetworkWeights& from_weights, const Network& to, uint64_t seed,
                             std::span<const Rewrite> rewrites) {
  CarriedWeights out{make_weights(to, seed), {}, {}, {}};
  for (const Rewrite& r : rewrites) {
    if (r.kind != RewriteKind::reparameterize) continue;
    const size_t j = from.index_of(r.ops[0]), i = to.index_of(r.ops[0]);
    const std::optional<ParallelBranches> b = j < from.ops.size() ? BranchFinder(from).at(j) : std::nullopt;
    if (!b || i >= to.ops.size())
      throw InputError("reparameterize: op \"" + r.ops[0] + "\" is not the merged conv of parallel branches");
    out.weights[i] = merged_branch_weights(from, from_weights, *b);
    out.merged_ops.push_back(r.ops[0]);
  }
  for (size_t i = 0; i < to.ops.size(); ++i) {
    const Op& op = to.ops[i];
    OpWeights& w = out.weights[i];
    if ((w.weight.empty() && w.bias.empty()) ||
        std::find(out.merged_ops.begin(), out.merged_ops.end(), op.name) != out.merged_ops.end())
      continue;
    const size_t j = from.index_of(op.name);
    const bool same_kind = j < from.ops.size() && from.ops[j].attrs.index() == op.attrs.index();
    // The input's channels, not its map: a projection that reads a downsampled map (attention_downsample)
    // computes the same per-pixel function with the same weights; weights shaped by the map (an attention
    // bias's gathered table) change size and are caught above.
    if (same_kind && from_weights[j].weight.size() == w.weight.size() && from_weights[j].bias.size() == w.bias.size() &&
        from.shape_of(from.ops[j].inputs[0]).c == to.shape_of(op.inputs[0]).c) {
      w = from_weights[j];
      continue;
    }
    const Conv2d* nc = op.as<Conv2d>();
    const Conv2d* oc = same_kind ? from.ops[j].as<Conv2d>() : nullptr;
    if (nc && oc &&
        embed_conv(*oc, from.shape_of(from.ops[j].inputs[0]).c, from_weights[j], *nc, to.shape_of(op.inputs[0]).c, w)) {
      out.padded_ops.push_back(op.name);
      continue;
    }
    out.fresh_ops.push_back(op.name);
  }
  return out;
}

std::string weights_bytes(const NetworkWeights& weights) {
  static_assert(std::endian::native == std::endian::little, "the weights file is little-endian float32");
  std::string out;
  for (const OpWeights& o : weights)
    for (const auto* v : {&o.weight, &o.bias})
      out.append(reinterpret_cast<const char*>(v->data()), v->size() * sizeof(float));
  return out;
}

std::vector<float> make_input(const ShapeNhwc& shape, uint64_t seed) {
  Rng rng(seed ^ 0x1234567ull);
  return uniform(rng, shape.elements(), -1.0f, 1.0f);
}

}  // namespace cpx::profiler

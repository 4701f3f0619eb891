// EdgeNeXt-XXS, -XS and -S (ECCVW 2022, arXiv 2206.10589) as the official code builds them (mmaaz60/EdgeNeXt,
// models/model.py configs, models/edgenext.py and models/edgenext_block.py; timm's edgenext.py builds the
// same): a 4x4/s4 stem conv + LayerNorm, then 2x2/s2 downsampling convs after a LayerNorm, all with biases.
// Stages run conv encoders (dw kxk with k = 3, 5, 7, 9 by stage, LayerNorm, Linear C -> 4C + GELU (erf),
// Linear 4C -> C, layer scale, residual) and, last in stages 2-4, one SDTA encoder: the channels split into
// 2, 3, 4 chunks of ceil(C/scales), chunk i > 0 added to the previous chunk's output before its dw 3x3
// (bias), the last chunk passed through; in stage 2 a Fourier positional encoding (1x1 conv 64 -> C, bias)
// is added; then y + γ_xca·XCA(LN(y)) and input + γ·MLP(LN(·)) (the second residual reaches back to the
// block input). XCA: Linear C -> 3C (bias), per head softmax(τ·q̂ᵀk̂) over the head's channels, with q̂, k̂
// L2-normalised over the tokens, applied to v, then a Linear C -> C (bias); 4 heads (XXS, XS) or 8 (S).
// Head: global average pool, LayerNorm, Linear. Every LayerNorm has eps 1e-6.
//
// Substitutions (all labelled in the description, all at equal MACs and params unless said):
// - qᵀk contracts over the tokens, which needs q transposed; there is no transpose, so the scores Matmul
//   reads q's buffer reinterpreted (Reshape) as hd "tokens" of heads·N channels, with k in its own layout:
//   the same hd·hd·N MACs per head, but not the true transpose's values. softmax(·)·v is exact (v·Aᵀ).
// - the L2 normalisation of q and k over the tokens has no op: a square, a per-channel mean over the pixels
//   (GlobalAvgPool) and a broadcast multiply stand in (the same passes, 0 MACs as in the authors' count),
//   without the final reciprocal square root.
// - the learned per-head temperature τ is the Matmul's constant scale (1, its initial value): its `heads`
//   parameters per SDTA block (12 in XXS and XS, 24 in S) are not counted.
// - the positional encoding's input, 64 sin/cos features of the pixel coordinates, is taken as 64 channels
//   of the block's own activations (Slice, or Concat with a slice when C < 64): same 1x1 projection cost.
// The authors' MACs (fvcore: 260.58M, 538.0M, 1260.59M) also count each channels-last LayerNorm at 5 per
// element; this toolkit counts no norm, so its totals are about 1% lower (tests/test_zoo_edgenext.cpp).
#include <algorithm>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace edgenext_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  std::array<int64_t, 4> depths;
  std::array<int64_t, 4> dims;
  int64_t heads;
};

constexpr Config configs[] = {
    {"edgenext-xxs", "EdgeNeXt-XXS", {2, 2, 6, 2}, {24, 48, 88, 168}, 4},
    {"edgenext-xs", "EdgeNeXt-XS", {3, 3, 9, 3}, {32, 64, 100, 192}, 4},
    {"edgenext-s", "EdgeNeXt-S", {3, 3, 9, 3}, {48, 96, 160, 304}, 8},
};

// Shared by every config (model.py): kernel sizes, one SDTA block at the end of stages 2-4, its split
// scales, and the positional encoding in stage 2 only.
constexpr std::array<int64_t, 4> kernel_sizes{3, 5, 7, 9};
constexpr std::array<int64_t, 4> global_blocks{0, 1, 1, 1};
constexpr std::array<int64_t, 4> d2_scales{2, 2, 3, 4};
constexpr std::array<bool, 4> pos_embedding{false, true, false, false};
constexpr int64_t fourier_features = 64;  // PositionalEncodingFourier: 2 x hidden_dim 32
constexpr double ln_eps = 1e-6;

std::string description_of(const Config& c) {
  return std::string(c.published_name) + " (mmaaz60/EdgeNeXt): depths " + dashed(c.depths) + ", widths " +
         dashed(c.dims) + ", " + std::to_string(c.heads) +
         " XCA heads. Substitutions: q^T for the channel-attention scores q^T k is q's buffer reinterpreted "
         "(Reshape, no transpose op; same MACs, not the transposed values); L2 normalisation of q and k over "
         "tokens: square + per-channel mean (GlobalAvgPool) + broadcast multiply stand in, 0 MACs, no rsqrt; "
         "learned per-head temperature = constant matmul scale 1 (its " +
         std::to_string(3 * c.heads) +
         " params not counted); positional-encoding input (64 Fourier features) = 64 channels of the block's "
         "activations (slice/concat), same 1x1 projection cost";
}

Conv2d conv(int64_t out, int64_t kernel, int64_t stride, int64_t groups, Activation act = Activation::none) {
  Conv2d c;
  c.out_channels = out;
  c.kernel = {kernel, kernel};
  c.stride = {stride, stride};
  const int64_t pad = stride == 1 ? kernel / 2 : 0;  // stride-k patchify convs have no padding
  c.padding = {pad, pad, pad, pad};
  c.groups = groups;
  c.bias = true;
  c.activation = act;
  return c;
}

// LN, Linear C -> 4C + GELU, Linear 4C -> C, layer scale; added to `residual`.
std::string mlp(NetworkBuilder& b, const std::string& x, const std::string& residual, const std::string& p) {
  const int64_t c = b.shape(x).c;
  std::string h = b.add(p + ".norm", {x}, LayerNorm{ln_eps});
  h = b.add(p + ".pwconv1", {h}, conv(4 * c, 1, 1, 1, Activation::gelu));
  h = b.add(p + ".pwconv2", {h}, conv(c, 1, 1, 1));
  h = b.add(p + ".gamma", {h}, LayerScale{});
  return b.add(p + ".add", {residual, h}, Add{});
}

std::string conv_encoder(NetworkBuilder& b, const std::string& x, int64_t kernel, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const std::string dw = b.add(p + ".dwconv", {x}, conv(c, kernel, 1, c));
  return mlp(b, dw, x, p);
}

// Stand-in for F.normalize over the tokens of each channel (see the header).
std::string l2_normalise(NetworkBuilder& b, const std::string& x, const std::string& p) {
  const std::string sq = b.add(p + ".square", {x, x}, Multiply{});
  const std::string mean = b.add(p + ".mean", {sq}, GlobalAvgPool{});
  return b.add(p + ".scale", {x, mean}, Multiply{});
}

// Cross-covariance attention over channels: per head, A = softmax(q̂ᵀk̂) is hd x hd and the output is v·Aᵀ.
std::string xca(NetworkBuilder& b, const std::string& x, int64_t heads, const std::string& p) {
  const ShapeNhwc s = b.shape(x);
  const int64_t c = s.c, hd = c / heads, tokens = s.pixels();
  const std::string qkv = b.add(p + ".qkv", {x}, conv(3 * c, 1, 1, 1));
  const std::string q = l2_normalise(b, b.add(p + ".q", {qkv}, Slice{0, c}), p + ".q_norm");
  const std::string k = l2_normalise(b, b.add(p + ".k", {qkv}, Slice{c, 2 * c}), p + ".k_norm");
  const std::string v = b.add(p + ".v", {qkv}, Slice{2 * c, 3 * c});
  const std::string qt = b.add(p + ".q_transposed", {q}, Reshape{{s.n, hd, 1, heads * tokens}});
  std::string a = b.add(p + ".scores", {qt, k}, Matmul{heads, {0, tokens}, {0, hd}, false, 1.0});
  a = b.add(p + ".softmax", {a}, Softmax{heads});
  const std::string o = b.add(p + ".av", {v, a}, Matmul{heads, {0, hd}, {0, hd}, true, 1.0});
  return b.add(p + ".proj", {o}, conv(c, 1, 1, 1));
}

std::string sdta_encoder(NetworkBuilder& b, const std::string& x, int64_t scales, bool pos, int64_t heads,
                         const std::string& p) {
  const int64_t c = b.shape(x).c;
  const int64_t width = (c + scales - 1) / scales;
  const int64_t nums = scales == 1 ? 1 : scales - 1;
  std::vector<std::string> parts;
  std::string sp;
  for (int64_t i = 0; i < nums; ++i) {
    const std::string chunk = b.add(p + ".split" + std::to_string(i), {x}, Slice{i * width, (i + 1) * width});
    sp = i == 0 ? chunk : b.add(p + ".split" + std::to_string(i) + ".add", {sp, chunk}, Add{});
    sp = b.add(p + ".convs" + std::to_string(i), {sp}, conv(width, 3, 1, width));
    parts.push_back(sp);
  }
  // torch.split's chunk `nums` (only it: the original drops any further chunk); empty when scales == 1.
  const int64_t rest_end = std::min(c, (nums + 1) * width);
  if (rest_end > nums * width)
    parts.push_back(b.add(p + ".split" + std::to_string(nums), {x}, Slice{nums * width, rest_end}));
  std::string y = b.add(p + ".concat", parts, Concat{});
  if (pos) {
    std::string features = y;
    if (c > fourier_features) features = b.add(p + ".pos_embd.features", {y}, Slice{0, fourier_features});
    if (c < fourier_features) {
      const std::string extra = b.add(p + ".pos_embd.extra", {y}, Slice{0, fourier_features - c});
      features = b.add(p + ".pos_embd.features", {y, extra}, Concat{});
    }
    const std::string pe = b.add(p + ".pos_embd", {features}, conv(c, 1, 1, 1));
    y = b.add(p + ".pos_embd.add", {y, pe}, Add{});
  }
  std::string a = b.add(p + ".norm_xca", {y}, LayerNorm{ln_eps});
  a = xca(b, a, heads, p + ".xca");
  a = b.add(p + ".gamma_xca", {a}, LayerScale{});
  y = b.add(p + ".xca.add", {y, a}, Add{});
  return mlp(b, y, x, p);
}

Network build_edgenext(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "EdgeNeXt", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::string x = b.add("stem.conv", {std::string(input_tensor)}, conv(cfg.dims[0], 4, 4, 1));
  x = b.add("stem.norm", {x}, LayerNorm{ln_eps});
  for (size_t s = 0; s < 4; ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    if (s > 0) {
      x = b.add(stage + ".down.norm", {x}, LayerNorm{ln_eps});
      x = b.add(stage + ".down.conv", {x}, conv(cfg.dims[s], 2, 2, 1));
    }
    for (int64_t j = 0; j < cfg.depths[s]; ++j) {
      const std::string p = stage + ".block" + std::to_string(j);
      if (j >= cfg.depths[s] - global_blocks[s]) x = sdta_encoder(b, x, d2_scales[s], pos_embedding[s], cfg.heads, p);
      else x = conv_encoder(b, x, kernel_sizes[s], p);
    }
  }
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.norm", {x}, LayerNorm{ln_eps});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace edgenext_family

void add_edgenext(std::vector<ZooEntry>& out) {
  using namespace edgenext_family;
  add_entries(out, configs, "EdgeNeXt", 256, build_edgenext);
}

}  // namespace cpx::zoo_families

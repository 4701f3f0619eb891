// EfficientMod xxs, xs and s ("Efficient Modulation for Vision Networks", ICLR 2024) as the official code
// builds them (see shared spec efficientmod.md). The network is channel-last; every nn.Linear on the channels
// of a pixel or token is a fully_connected op over all pixels, every LayerNorm normalises the channels of
// one pixel. No BatchNorm anywhere.
#include <algorithm>
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace efficientmod_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
  std::array<int64_t, 4> widths;
  std::array<std::vector<int64_t>, 4> ratios;  // modulation blocks of each stage, their ratio m
  std::array<int64_t, 2> attention_blocks;     // stages 3 and 4
  std::array<int64_t, 2> attention_mlp;        // MLP ratio of those attention blocks
};

const std::vector<Config>& configs() {
  static const std::vector<Config> all = {
      {"efficientmod-xxs",
       "EfficientMod-xxs",
       "EfficientMod-xxs (non-distilled); QKV outputs taken in head-major order (a permutation of its weight rows)",
       {32, 64, 128, 256},
       {{{1, 6}, {1, 6}, {1, 6, 1, 6, 1, 6}, {1, 6}}},
       {1, 2},
       {4, 4}},
      {"efficientmod-xs",
       "EfficientMod-xs",
       "EfficientMod-xs (non-distilled); QKV outputs taken in head-major order (a permutation of its weight rows)",
       {32, 64, 144, 288},
       {{{1, 4, 1}, {1, 4, 1}, {1, 4, 1, 4}, {1, 4}}},
       {3, 3},
       {4, 4}},
      {"efficientmod-s",
       "EfficientMod-s",
       "EfficientMod-s (non-distilled); QKV outputs taken in head-major order (a permutation of its weight rows)",
       {32, 64, 144, 312},
       {{{1, 6, 1, 6}, {1, 6, 1, 6}, {1, 6, 1, 6, 1, 6, 1, 6}, {1, 6, 1, 6}}},
       {4, 4},
       {4, 5}},
  };
  return all;
}

FullyConnected linear(int64_t out, bool bias = true, Activation a = Activation::none) {
  return FullyConnected{out, bias, false, a};
}

// Modulation block (BasicBlock) at C channels with ratio m:
//   ctx = Linear(GELU(dw7x7(Linear(u)))), v = Linear_{C->mC}(u) (GELU if m > 1), u = LN(x);
//   x + γ ⊙ Linear_{mC->C}(v ⊙ tile(ctx, m)).
std::string modulation(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t m) {
  const int64_t c = b.shape(x).c;
  const std::string u = b.add(p + ".norm", {x}, LayerNorm{1e-5});
  std::string ctx = b.add(p + ".ctx.fc1", {u}, linear(c));
  ctx = b.add(p + ".ctx.dw", {ctx}, same_conv(c, 7, 1, c, true, false, Activation::gelu));
  ctx = b.add(p + ".ctx.fc2", {ctx}, linear(c));
  const std::string v = b.add(p + ".v", {u}, linear(m * c, true, m > 1 ? Activation::gelu : Activation::none));
  // The context repeats m times along channels, blockwise: [ctx_0..ctx_{C-1}, ctx_0..ctx_{C-1}, ...].
  if (m > 1) ctx = b.add(p + ".ctx.tile", std::vector<std::string>(static_cast<size_t>(m), ctx), Concat{});
  const std::string w = b.add(p + ".modulate", {v, ctx}, Multiply{});
  const std::string y = b.add(p + ".proj", {w}, linear(c));
  const std::string s = b.add(p + ".layer_scale", {y}, LayerScale{});
  return b.add(p + ".add", {x, s}, Add{});
}

// Attention block over the H·W tokens: 8 heads of d = max(⌊C/8⌋, 32) (8d may exceed C), then an MLP.
// PyTorch's QKV Linear orders its outputs [q of all heads | k | v]; here its rows are taken in head-major order
// [q_0 k_0 v_0 | q_1 k_1 v_1 | ...] so that Matmul reads each head's q, k and v as channel views of one tensor.
// That is a fixed permutation of the weight rows: the same function, params and MACs, and no copies.
std::string attention(NetworkBuilder& b, const std::string& input, const std::string& p, int64_t mlp_ratio) {
  const int64_t c = b.shape(input).c;
  constexpr int64_t heads = 8;
  const int64_t d = std::max<int64_t>(c / heads, 32);
  const std::string n1 = b.add(p + ".attn.norm", {input}, LayerNorm{1e-5});
  const std::string qkv = b.add(p + ".attn.qkv", {n1}, linear(3 * heads * d, false));
  const int64_t tokens = b.shape(qkv).pixels();
  const std::string scores = b.add(p + ".attn.scores", {qkv, qkv},
                                   Matmul{heads, {0, d}, {d, d}, true, 1.0 / std::sqrt(static_cast<double>(d))});
  const std::string probs = b.add(p + ".attn.softmax", {scores}, Softmax{heads});
  const std::string av = b.add(p + ".attn.av", {probs, qkv}, Matmul{heads, {0, tokens}, {2 * d, d}, false, 1.0});
  const std::string proj = b.add(p + ".attn.proj", {av}, linear(c));
  const std::string x = b.add(p + ".attn.add", {input, proj}, Add{});
  const std::string n2 = b.add(p + ".mlp.norm", {x}, LayerNorm{1e-5});
  const std::string fc1 = b.add(p + ".mlp.fc1", {n2}, linear(mlp_ratio * c, true, Activation::gelu));
  const std::string fc2 = b.add(p + ".mlp.fc2", {fc1}, linear(c));
  return b.add(p + ".mlp.add", {x, fc2}, Add{});
}

Network build(const Config& cfg, int64_t resolution) {
  NetworkBuilder b(cfg.name, "EfficientMod", {1, resolution, resolution, 3}, Where(cfg.name));
  std::string x =
      b.add("stem.conv", {std::string(input_tensor)}, same_conv(cfg.widths[0], 7, 4, 1, true, false, Activation::none));
  x = b.add("stem.norm", {x}, LayerNorm{1e-5});
  for (size_t s = 0; s < 4; ++s) {
    const std::string p = "stage" + std::to_string(s + 1);
    int64_t block = 0;
    for (int64_t m : cfg.ratios[s]) x = modulation(b, x, p + ".block" + std::to_string(block++), m);
    if (s >= 2)
      for (int64_t i = 0; i < cfg.attention_blocks[s - 2]; ++i)
        x = attention(b, x, p + ".block" + std::to_string(block++), cfg.attention_mlp[s - 2]);
    if (s < 3) {  // the patch embedding that starts the next stage
      const std::string next = "stage" + std::to_string(s + 2);
      x = b.add(next + ".embed.conv", {x}, same_conv(cfg.widths[s + 1], 3, 2, 1, true, false, Activation::none));
      x = b.add(next + ".embed.norm", {x}, LayerNorm{1e-5});
    }
  }
  x = b.add("head.norm", {x}, LayerNorm{1e-5});
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, linear(1000));
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace efficientmod_family

void add_efficientmod(std::vector<ZooEntry>& out) {
  using namespace efficientmod_family;
  add_entries(out, configs(), "EfficientMod", 224, build);
}

}  // namespace cpx::zoo_families

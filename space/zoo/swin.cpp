// Swin Transformer v1 T, S and B (ICCV 2021, arXiv 2103.14030) at 224x224, window 7, as the official
// code (microsoft/Swin-Transformer, models/swin_transformer.py) builds them: a 4x4/s4 patch embedding
// (bias) + LayerNorm, four stages of blocks x + proj(WindowAttention(LN(x))), x + fc2(GELU(fc1(LN(x))))
// (every Linear with a bias, MLP ratio 4, head dim 32, scale 32^-0.5, a (2·7−1)² x heads relative
// position bias table per block), PatchMerging between stages, a final LayerNorm, average pool and Linear.
// A stage whose map is no larger than the window attends over the whole map (window = min(H, W)), as the
// official code does; resolutions that code rejects (a map not divisible into windows, an odd map before
// a merge) are rejected here too, so 224 is the smallest one that builds.
//
// Substitutions, each labelled in the description:
// - Window partition and reverse, the cyclic shift (torch.roll) of the odd blocks and its attention mask
//   are permutes and a mask this toolkit cannot express (Reshape reinterprets, never transposes). Each
//   block instead attends within groups of 49 consecutive tokens in raster order: a Reshape puts the
//   groups in the batch dimension, the two Matmuls and the Softmax run per group at exactly the MACs of
//   the windows, the relative position bias (AttentionBias, 169 x heads params, the same for every
//   group, as the official table is for every window) is added to the scores, and the -100 mask of the
//   shifted windows is omitted (it has no params and no MACs). Shifted and unshifted blocks are thus
//   identical here; the data movement of the permutes is not modelled.
// - QKV is one Linear whose output features are ordered head-major (q, k, v of head 0, then head 1, ...),
//   the per-head layout Matmul reads: a permutation of the official q|k|v rows, same params and MACs.
// - PatchMerging concatenates each 2x2 neighbourhood (4C), LayerNorms it over 4C and projects to 2C
//   without bias. The concat is a permute, so here a LayerNorm over C precedes a 2x2/s2 conv C -> 2C
//   without bias: the same weights and MACs, but a LayerNorm of 2C instead of 8C params (6C fewer per
//   merge: 4,032 for T and S, 5,376 for B), normalising each pixel instead of each neighbourhood.
// Counts: the official flops() adds the LayerNorms (C per token), which this toolkit counts as no MACs;
// checked against the published figures in tests/test_zoo_swin.cpp.
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace swin_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  int64_t embed_dim;
  std::array<int64_t, 4> depths;
};

constexpr Config configs[] = {
    {"swin-t", "Swin-T", 96, {2, 2, 6, 2}},
    {"swin-s", "Swin-S", 96, {2, 2, 18, 2}},
    {"swin-b", "Swin-B", 128, {2, 2, 18, 2}},
};

constexpr int64_t head_dim = 32, window = 7;

std::string description_of(const Config& c) {
  const auto& d = c.depths;
  return std::string(c.published_name) + " (official code, window 7): depths " + std::to_string(d[0]) + "-" +
         std::to_string(d[1]) + "-" + std::to_string(d[2]) + "-" + std::to_string(d[3]) + ", width " +
         std::to_string(c.embed_dim) +
         "; window partition, shift and mask are permutes this toolkit omits: attention over groups of 49 "
         "consecutive tokens, same MACs, relative position bias kept; the data movement of the permutes is "
         "not modelled; patch merging as LayerNorm(C) + 2x2/s2 conv without bias (same weights and MACs; "
         "LayerNorm over C instead of 4C, 6C fewer params per merge); QKV rows ordered head-major";
}

FullyConnected linear(int64_t out, Activation act = Activation::none) { return {out, true, false, act}; }

// x + proj(attention within groups of window² consecutive tokens of LN(x)).
std::string window_attention(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t ws) {
  const ShapeNhwc s = b.shape(x);
  const int64_t c = s.c, heads = c / head_dim, tokens = ws * ws;
  const int64_t groups = s.pixels() / tokens;
  const std::string n = b.add(p + ".norm1", {x}, LayerNorm{1e-5});
  const std::string qkv = b.add(p + ".attn.qkv", {n}, linear(3 * c));
  const std::string grouped = b.add(p + ".attn.group", {qkv}, Reshape{{groups, ws, ws, 3 * c}});
  std::string a = b.add(p + ".attn.scores", {grouped, grouped},
                        Matmul{heads, {0, head_dim}, {head_dim, head_dim}, true, 1.0 / std::sqrt(double(head_dim))});
  a = b.add(p + ".attn.relative_position_bias", {a}, AttentionBias{heads, (2 * ws - 1) * (2 * ws - 1)});
  a = b.add(p + ".attn.softmax", {a}, Softmax{heads});
  a = b.add(p + ".attn.av", {a, grouped}, Matmul{heads, {0, tokens}, {2 * head_dim, head_dim}, false, 1.0});
  a = b.add(p + ".attn.ungroup", {a}, Reshape{s});
  a = b.add(p + ".attn.proj", {a}, linear(c));
  return b.add(p + ".add1", {x, a}, Add{});
}

std::string block(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t ws) {
  const int64_t c = b.shape(x).c;
  const std::string y = window_attention(b, x, p, ws);
  std::string h = b.add(p + ".norm2", {y}, LayerNorm{1e-5});
  h = b.add(p + ".mlp.fc1", {h}, linear(4 * c, Activation::gelu));
  h = b.add(p + ".mlp.fc2", {h}, linear(c));
  return b.add(p + ".add2", {y, h}, Add{});
}

Network build_swin(const Config& cfg, int64_t resolution) {
  const Where where = Where(cfg.name) / "resolution";
  NetworkBuilder b(cfg.name, "Swin", {1, resolution, resolution, 3}, where);
  Conv2d embed;
  embed.out_channels = cfg.embed_dim;
  embed.kernel = {4, 4};
  embed.stride = {4, 4};
  embed.bias = true;
  std::string x = b.add("patch_embed.proj", {std::string(input_tensor)}, embed);
  x = b.add("patch_embed.norm", {x}, LayerNorm{1e-5});
  for (size_t s = 0; s < cfg.depths.size(); ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    const ShapeNhwc m = b.shape(x);
    const int64_t ws = std::min({window, m.h, m.w});
    if (m.h % ws != 0 || m.w % ws != 0)
      where.fail(resolution, stage + "'s " + std::to_string(m.h) + "x" + std::to_string(m.w) +
                                 " map does not divide into " + std::to_string(ws) + "x" + std::to_string(ws) +
                                 " windows");
    for (int64_t i = 0; i < cfg.depths[s]; ++i) x = block(b, x, stage + ".block" + std::to_string(i), ws);
    if (s + 1 < cfg.depths.size()) {
      if (m.h % 2 != 0 || m.w % 2 != 0)
        where.fail(resolution, stage + "'s " + std::to_string(m.h) + "x" + std::to_string(m.w) +
                                   " map is odd before patch merging");
      x = b.add(stage + ".downsample.norm", {x}, LayerNorm{1e-5});
      x = b.add(stage + ".downsample.reduction", {x}, same_conv(2 * m.c, 2, 2, 1, false, false, Activation::none));
    }
  }
  x = b.add("head.norm", {x}, LayerNorm{1e-5});
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, linear(1000));
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace swin_family

void add_swin(std::vector<ZooEntry>& out) {
  using namespace swin_family;
  add_entries(out, configs, "Swin", 224, build_swin);
}

}  // namespace cpx::zoo_families

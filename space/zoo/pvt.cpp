// PVT-Tiny, -Small, -Medium and -Large (Pyramid Vision Transformer v1, ICCV 2021, arXiv 2102.12122) as the
// official code (whai362/PVT, classification/pvt.py) builds them: four stages of widths 64-128-320-512 with
// 1-2-5-8 heads, MLP ratios 8-8-4-4 and spatial-reduction ratios 8-4-2-1. Each stage opens with a patch
// embedding (conv k = s = 4, then 2, with bias; LayerNorm eps 1e-5) and adds a learned position embedding;
// the last stage prepends a class token. A block is x + proj(SRA(n1(x))), then x + fc2(GELU(fc1(n2(x)))),
// n1, n2 LayerNorm eps 1e-6. SRA: q = Linear(x); k, v = Linear(LN(conv_{k=s=r}(x))) (r > 1) or Linear(x)
// (r = 1); all Linears have a bias. After the final LayerNorm (over every token) the class token feeds the
// head. The network is NHWC, so the tokens are the pixels and the stage transitions need no reshape.
// What this toolkit expresses differently, each at equal cost and labelled in the description:
// - the position embedding is an AttentionBias with one head over the stage's tokens x channels (a learned
//   additive tensor, as the ONNX importer maps an Add of a constant); at resolutions other than 224 it is
//   sized to the token grid, where the original bilinearly resizes its 224 table (a constant at inference);
// - the class token is a zero pixel padded in front of the last stage's 7x7 tokens, laid out as one row
//   (1 x 50); its learned value cls_token + pos_embed[0] is one vector at inference, held by the position
//   embedding, so the 512 cls_token parameters are not counted separately;
// - k and v come from one Linear whose output features are ordered per head [k_h v_h] (a permutation of
//   the original's k|v rows, the same function), so the Matmuls read them as channel views;
// - the head reads the class token by reshaping the 1 x 50 row to one pixel and slicing its first 512
//   channels (no data moves).
// No shared spec covers this family: the counts are checked against FasterNet's Table 3
// (tests/test_zoo_pvt.cpp).
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace pvt_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  std::array<int64_t, 4> depths;
};

constexpr Config configs[] = {
    {"pvt-tiny", "PVT-Tiny", {2, 2, 2, 2}},
    {"pvt-small", "PVT-Small", {3, 4, 6, 3}},
    {"pvt-medium", "PVT-Medium", {3, 4, 18, 3}},
    {"pvt-large", "PVT-Large", {3, 8, 27, 3}},
};

constexpr std::array<int64_t, 4> dims{64, 128, 320, 512};
constexpr std::array<int64_t, 4> heads{1, 2, 5, 8};
constexpr std::array<int64_t, 4> mlp_ratios{8, 8, 4, 4};
constexpr std::array<int64_t, 4> sr_ratios{8, 4, 2, 1};

std::string description_of(const Config& c) {
  const auto& d = c.depths;
  return std::string(c.published_name) + " (whai362/PVT classification/pvt.py): depths " + std::to_string(d[0]) + "-" +
         std::to_string(d[1]) + "-" + std::to_string(d[2]) + "-" + std::to_string(d[3]) +
         ", widths 64-128-320-512, spatial reduction 8-4-2-1; position embeddings as a one-head attention_bias "
         "(sized to the token grid away from 224, where the original resizes its 224 table); class token as a "
         "zero pixel padded before the stage-4 tokens laid out as one row (1x50 at 224), its learned value held by the "
         "position embedding (cls_token's 512 params not counted apart); k|v Linear rows ordered per head; the head "
         "reads "
         "the class token through a reshape and a channel slice (all at the same cost)";
}

FullyConnected linear(int64_t out, Activation act = Activation::none) { return FullyConnected{out, true, false, act}; }

// Learned additive tensor, one value per token and channel.
std::string position_embedding(NetworkBuilder& b, const std::string& x, const std::string& name) {
  const ShapeNhwc s = b.shape(x);
  return b.add(name, {x}, AttentionBias{1, s.pixels() * s.c});
}

std::string attention(NetworkBuilder& b, const std::string& x, size_t stage, const std::string& p) {
  const int64_t c = dims[stage], h = heads[stage], d = c / h, r = sr_ratios[stage];
  const std::string q = b.add(p + ".q", {x}, linear(c));
  std::string kv_in = x;
  if (r > 1) {
    kv_in = b.add(p + ".sr", {x}, padded_conv(c, r, r, 0));
    kv_in = b.add(p + ".sr_norm", {kv_in}, LayerNorm{1e-5});
  }
  const std::string kv = b.add(p + ".kv", {kv_in}, linear(2 * c));
  const int64_t keys = b.shape(kv).pixels();
  std::string s =
      b.add(p + ".scores", {q, kv}, Matmul{h, {0, d}, {0, d}, true, 1.0 / std::sqrt(static_cast<double>(d))});
  s = b.add(p + ".softmax", {s}, Softmax{h});
  const std::string av = b.add(p + ".av", {s, kv}, Matmul{h, {0, keys}, {d, d}, false, 1.0});
  return b.add(p + ".proj", {av}, linear(c));
}

std::string block(NetworkBuilder& b, const std::string& x, size_t stage, const std::string& p) {
  const int64_t c = dims[stage];
  std::string h = b.add(p + ".norm1", {x}, LayerNorm{1e-6});
  h = attention(b, h, stage, p + ".attn");
  const std::string y = b.add(p + ".add1", {x, h}, Add{});
  h = b.add(p + ".norm2", {y}, LayerNorm{1e-6});
  h = b.add(p + ".mlp.fc1", {h}, linear(mlp_ratios[stage] * c, Activation::gelu));
  h = b.add(p + ".mlp.fc2", {h}, linear(c));
  return b.add(p + ".add2", {y, h}, Add{});
}

Network build_pvt(const Config& cfg, int64_t resolution) {
  const Where where(cfg.name);
  NetworkBuilder b(cfg.name, "PVT", {1, resolution, resolution, 3}, where / "resolution");
  b.locate(where);
  std::string x = std::string(input_tensor);
  for (size_t s = 0; s < 4; ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    const int64_t patch = s == 0 ? 4 : 2;
    x = b.add(stage + ".patch_embed", {x}, padded_conv(dims[s], patch, patch, 0));
    x = b.add(stage + ".patch_embed.norm", {x}, LayerNorm{1e-5});
    if (s == 3) {
      const ShapeNhwc t = b.shape(x);
      x = b.add(stage + ".tokens", {x}, Reshape{{t.n, 1, t.pixels(), t.c}});
      Pad cls;
      cls.padding.left = 1;
      x = b.add(stage + ".cls_token", {x}, cls);
    }
    x = position_embedding(b, x, stage + ".pos_embed");
    for (int64_t i = 0; i < cfg.depths[s]; ++i) x = block(b, x, s, stage + ".block" + std::to_string(i));
  }
  x = b.add("norm", {x}, LayerNorm{1e-6});
  const ShapeNhwc t = b.shape(x);
  x = b.add("head.flatten", {x}, Reshape{{t.n, 1, 1, t.pixels() * t.c}});
  x = b.add("head.cls", {x}, Slice{0, t.c});
  x = b.add("head.fc", {x}, linear(1000));
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace pvt_family

void add_pvt(std::vector<ZooEntry>& out) {
  using namespace pvt_family;
  add_entries(out, configs, "PVT", 224, build_pvt);
}

}  // namespace cpx::zoo_families

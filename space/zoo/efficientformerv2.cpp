// EfficientFormerV2 S0, S1, S2, L as the official code builds them for inference (see shared spec
// efficientformerv2.md), without the distillation head (its two classifiers average into one Linear).
// Every BN that follows a conv is folded into it; the final BN before pooling is a standalone affine.
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace efficientformerv2_family {
namespace {

struct Config {
  const char* name;
  const char* description;
  std::array<int64_t, 4> widths;
  int64_t vit_num;                             // attention blocks at the end of stages 3 and 4
  std::array<std::vector<int64_t>, 4> ratios;  // FFN ratio of every block; the size is the stage's depth
};

const std::vector<Config>& configs() {
  static const std::vector<Config> c{
      {"efficientformerv2-s0",
       "EfficientFormerV2-S0 (official code, distillation head folded away)",
       {32, 48, 96, 176},
       2,
       {{{4, 4}, {4, 4}, {4, 3, 3, 3, 4, 4}, {4, 3, 3, 4}}}},
      {"efficientformerv2-s1",
       "EfficientFormerV2-S1 (official code, distillation head folded away)",
       {32, 48, 120, 224},
       2,
       {{{4, 4, 4}, {4, 4, 4}, {4, 4, 3, 3, 3, 3, 4, 4, 4}, {4, 4, 3, 3, 4, 4}}}},
      {"efficientformerv2-s2",
       "EfficientFormerV2-S2 (official code, distillation head folded away)",
       {32, 64, 144, 288},
       4,
       {{{4, 4, 4, 4}, {4, 4, 4, 4}, {4, 4, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4}, {4, 4, 3, 3, 3, 3, 4, 4}}}},
      {"efficientformerv2-l",
       "EfficientFormerV2-L (official code, distillation head folded away)",
       {40, 80, 192, 384},
       6,
       {{{4, 4, 4, 4, 4},
         {4, 4, 4, 4, 4},
         {4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4},
         {4, 4, 4, 3, 3, 3, 3, 4, 4, 4}}}},
  };
  return c;
}

// Every conv of the network has a bias; most are followed by a BN (folded at inference).
Conv2d conv(int64_t out, int64_t kernel, int64_t stride, int64_t groups, bool batch_norm, Activation act) {
  return same_conv(out, kernel, stride, groups, true, batch_norm, act);
}

// y = x + γ ⊙ branch.
std::string scaled_residual(NetworkBuilder& b, const std::string& x, const std::string& branch, const std::string& p) {
  const std::string s = b.add(p + ".layer_scale", {branch}, LayerScale{});
  return b.add(p + ".add", {x, s}, Add{});
}

// Mlp: 1x1 C -> rC + BN + GELU, dw 3x3 + BN + GELU, 1x1 rC -> C + BN; layer-scaled residual.
std::string ffn(NetworkBuilder& b, const std::string& x, int64_t ratio, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const int64_t hidden = ratio * c;
  const std::string fc1 = b.add(p + ".fc1", {x}, conv(hidden, 1, 1, 1, true, Activation::gelu));
  const std::string mid = b.add(p + ".mid", {fc1}, conv(hidden, 3, 1, hidden, true, Activation::gelu));
  const std::string fc2 = b.add(p + ".fc2", {mid}, conv(c, 1, 1, 1, true, Activation::none));
  return scaled_residual(b, x, fc2, p);
}

// Attention4D: key dim 32, 8 heads, value dim 128 per head; stage 3 runs it on a 2x-strided map and
// upsamples bilinearly before the projection. Scores get the relative-position bias and the two
// talking-head mixes around the softmax.
std::string attention4d(NetworkBuilder& b, const std::string& x, bool strided, const std::string& p) {
  constexpr int64_t heads = 8, key_dim = 32, value_dim = 128;
  const ShapeNhwc in = b.shape(x);
  const int64_t c = in.c;
  std::string xs = x;
  if (strided) xs = b.add(p + ".stride_conv", {x}, conv(c, 3, 2, c, true, Activation::none));
  const std::string q = b.add(p + ".q", {xs}, conv(heads * key_dim, 1, 1, 1, true, Activation::none));
  const std::string k = b.add(p + ".k", {xs}, conv(heads * key_dim, 1, 1, 1, true, Activation::none));
  const std::string v = b.add(p + ".v", {xs}, conv(heads * value_dim, 1, 1, 1, true, Activation::none));
  const std::string v_local =
      b.add(p + ".v_local", {v}, conv(heads * value_dim, 3, 1, heads * value_dim, true, Activation::none));
  const int64_t tokens = b.shape(xs).pixels();
  std::string s = b.add(p + ".scores", {q, k},
                        Matmul{heads, {0, key_dim}, {0, key_dim}, true, 1.0 / std::sqrt(static_cast<double>(key_dim))});
  s = b.add(p + ".attention_bias", {s}, AttentionBias{heads, tokens});
  s = b.add(p + ".talking_head1", {s}, HeadMix{heads, true});
  s = b.add(p + ".softmax", {s}, Softmax{heads});
  s = b.add(p + ".talking_head2", {s}, HeadMix{heads, true});
  const std::string av = b.add(p + ".av", {s, v}, Matmul{heads, {0, tokens}, {0, value_dim}, false, 1.0});
  std::string o = b.add(p + ".add_local", {av, v_local}, Add{});
  if (strided) {
    const ShapeNhwc os = b.shape(o);
    o = b.add(p + ".upsample", {o}, ResizeBilinear{{2 * os.h, 2 * os.w}, false});
  }
  o = b.add(p + ".proj.act", {o}, ActivationOp{Activation::gelu});
  return b.add(p + ".proj", {o}, conv(c, 1, 1, 1, true, Activation::none));
}

// Attention4DDownsample (key dim 16, 8 heads, value dim 64): 49 queries from a local dw conv plus a
// subsampling of the input, 196 keys and values at full resolution, no talking heads.
std::string attention4d_down(NetworkBuilder& b, const std::string& x, int64_t out, const std::string& p) {
  constexpr int64_t heads = 8, key_dim = 16, value_dim = 64;
  const int64_t c = b.shape(x).c;
  const std::string local = b.add(p + ".q.local", {x}, conv(c, 3, 2, c, false, Activation::none));
  AvgPool sub;
  sub.kernel = {1, 1};
  sub.stride = {2, 2};
  const std::string pool = b.add(p + ".q.pool", {x}, sub);
  const std::string qsum = b.add(p + ".q.add", {local, pool}, Add{});
  const std::string q = b.add(p + ".q.proj", {qsum}, conv(heads * key_dim, 1, 1, 1, true, Activation::none));
  const std::string k = b.add(p + ".k", {x}, conv(heads * key_dim, 1, 1, 1, true, Activation::none));
  const std::string v = b.add(p + ".v", {x}, conv(heads * value_dim, 1, 1, 1, true, Activation::none));
  const std::string v_local =
      b.add(p + ".v_local", {v}, conv(heads * value_dim, 3, 2, heads * value_dim, true, Activation::none));
  const int64_t keys = b.shape(x).pixels();
  std::string s = b.add(p + ".scores", {q, k},
                        Matmul{heads, {0, key_dim}, {0, key_dim}, true, 1.0 / std::sqrt(static_cast<double>(key_dim))});
  s = b.add(p + ".attention_bias", {s}, AttentionBias{heads, keys});
  s = b.add(p + ".softmax", {s}, Softmax{heads});
  const std::string av = b.add(p + ".av", {s, v}, Matmul{heads, {0, keys}, {0, value_dim}, false, 1.0});
  std::string o = b.add(p + ".add_local", {av, v_local}, Add{});
  o = b.add(p + ".proj.act", {o}, ActivationOp{Activation::gelu});
  return b.add(p + ".proj", {o}, conv(out, 1, 1, 1, true, Activation::none));
}

Network build_efficientformerv2(const Config& cfg, int64_t resolution) {
  const int64_t r = resolution > 0 ? resolution : 224;
  NetworkBuilder b(cfg.name, "EfficientFormerV2", {1, r, r, 3}, Where(cfg.name) / "resolution");
  const auto& w = cfg.widths;
  std::string x = b.add("stem.conv1", {std::string(input_tensor)}, conv(w[0] / 2, 3, 2, 1, true, Activation::gelu));
  x = b.add("stem.conv2", {x}, conv(w[0], 3, 2, 1, true, Activation::gelu));
  for (int s = 0; s < 4; ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    if (s == 1 || s == 2) {
      x = b.add(stage + ".down", {x}, conv(w[s], 3, 2, 1, true, Activation::none));
    } else if (s == 3) {
      const std::string c = b.add(stage + ".down.conv", {x}, conv(w[s], 3, 2, 1, true, Activation::none));
      const std::string a = attention4d_down(b, x, w[s], stage + ".down.attn");
      x = b.add(stage + ".down.add", {c, a}, Add{});
    }
    const auto& ratios = cfg.ratios[s];
    const auto depth = static_cast<int64_t>(ratios.size());
    for (int64_t i = 0; i < depth; ++i) {
      const std::string p = stage + ".block" + std::to_string(i + 1);
      if (s >= 2 && i >= depth - cfg.vit_num) {
        const std::string a = attention4d(b, x, s == 2, p + ".attn");
        x = scaled_residual(b, x, a, p + ".attn");
      }
      x = ffn(b, x, ratios[static_cast<size_t>(i)], p + ".mlp");
    }
  }
  x = b.add("head.norm", {x}, BatchNorm{1e-5});
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace efficientformerv2_family

void add_efficientformerv2(std::vector<ZooEntry>& out) {
  using namespace efficientformerv2_family;
  add_entries(out, configs(), "EfficientFormerV2", 224, build_efficientformerv2);
}

}  // namespace cpx::zoo_families

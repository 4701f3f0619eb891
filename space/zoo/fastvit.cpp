// FastViT T8, T12, SA12, SA24 in the reparameterised inference form (see shared spec fastvit.md): timm's
// fastvit.py after reparameterize_model, every MobileOne-style block, the large-kernel patch embeddings,
// the RepMixers and the conditional positional encoding collapsed to single convs. Evaluated at 256x256.
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace fastvit_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
  std::array<int64_t, 4> widths;
  std::array<int64_t, 4> depths;
  int64_t mlp_ratio;
  bool attention;  // stage 4: CPE + attention blocks instead of RepMixers
};

constexpr Config configs[] = {
    {"fastvit-t8",
     "FastViT-T8",
     "FastViT-T8 (timm fastvit_t8), reparameterised inference form",
     {48, 96, 192, 384},
     {2, 2, 4, 2},
     3,
     false},
    {"fastvit-t12",
     "FastViT-T12",
     "FastViT-T12 (timm fastvit_t12), reparameterised inference form",
     {64, 128, 256, 512},
     {2, 2, 6, 2},
     3,
     false},
    {"fastvit-sa12",
     "FastViT-SA12",
     "FastViT-SA12 (timm fastvit_sa12), reparameterised inference form; attention QKV as one Linear whose "
     "output features are ordered head-major (a permutation of timm's q|k|v rows)",
     {64, 128, 256, 512},
     {2, 2, 6, 2},
     4,
     true},
    {"fastvit-sa24",
     "FastViT-SA24",
     "FastViT-SA24 (timm fastvit_sa24), reparameterised inference form; attention QKV as one Linear whose "
     "output features are ordered head-major (a permutation of timm's q|k|v rows)",
     {64, 128, 256, 512},
     {4, 4, 12, 4},
     4,
     true},
};

constexpr int64_t head_dim = 32;

Conv2d conv(int64_t out, int64_t kernel, int64_t stride, int64_t groups, Activation act) {
  return same_conv(out, kernel, stride, groups, true, false, act);
}

// y = x + γ ⊙ branch.
std::string scaled_residual(NetworkBuilder& b, const std::string& x, const std::string& branch, const std::string& p) {
  const std::string s = b.add(p + ".layer_scale", {branch}, LayerScale{});
  return b.add(p + ".add", {x, s}, Add{});
}

// ConvFFN: dw 7x7 (BN folded; no bias before the BN), 1x1 C -> rC, GELU, 1x1 rC -> C; layer-scaled residual.
std::string conv_ffn(NetworkBuilder& b, const std::string& x, int64_t ratio, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const std::string dw = b.add(p + ".dw", {x}, same_conv(c, 7, 1, c, false, true, Activation::none));
  const std::string fc1 = b.add(p + ".fc1", {dw}, conv(ratio * c, 1, 1, 1, Activation::gelu));
  const std::string fc2 = b.add(p + ".fc2", {fc1}, conv(c, 1, 1, 1, Activation::none));
  return scaled_residual(b, x, fc2, p);
}

// RepMixer (one dw 3x3 conv at inference) followed by the ConvFFN.
std::string repmixer_block(NetworkBuilder& b, const std::string& x, int64_t ratio, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const std::string mixed = b.add(p + ".mixer", {x}, conv(c, 3, 1, c, Activation::none));
  return conv_ffn(b, mixed, ratio, p + ".mlp");
}

// x + γ1 ⊙ Attention(BN(x)), then the ConvFFN. Tokens are the pixels; the QKV Linear's output features
// are laid out [head][q, k, v][32] so that each head's q, k and v are one channel segment.
std::string attention_block(NetworkBuilder& b, const std::string& x, int64_t ratio, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const int64_t heads = c / head_dim;
  const std::string n = b.add(p + ".norm", {x}, BatchNorm{1e-5});
  const std::string qkv = b.add(p + ".attn.qkv", {n}, FullyConnected{3 * c, false, false, Activation::none});
  const int64_t tokens = b.shape(qkv).pixels();
  const std::string scores =
      b.add(p + ".attn.scores", {qkv, qkv},
            Matmul{heads, {0, head_dim}, {head_dim, head_dim}, true, 1.0 / std::sqrt(static_cast<double>(head_dim))});
  const std::string probs = b.add(p + ".attn.softmax", {scores}, Softmax{heads});
  const std::string av =
      b.add(p + ".attn.av", {probs, qkv}, Matmul{heads, {0, tokens}, {2 * head_dim, head_dim}, false, 1.0});
  const std::string proj = b.add(p + ".attn.proj", {av}, FullyConnected{c, true, false, Activation::none});
  const std::string y = scaled_residual(b, x, proj, p + ".attn");
  return conv_ffn(b, y, ratio, p + ".mlp");
}

// Patch embedding: 7x7/s2 conv with groups = Cin and 2 outputs per group (no activation), 1x1 + GELU.
std::string downsample(NetworkBuilder& b, const std::string& x, int64_t out, const std::string& p) {
  const int64_t c = b.shape(x).c;
  const std::string lk = b.add(p + ".lkconv", {x}, conv(out, 7, 2, c, Activation::none));
  return b.add(p + ".pw", {lk}, conv(out, 1, 1, 1, Activation::gelu));
}

Network build_fastvit(const Config& cfg, int64_t resolution) {
  const int64_t r = resolution > 0 ? resolution : 256;
  NetworkBuilder b(cfg.name, "FastViT", {1, r, r, 3}, Where(cfg.name) / "resolution");
  const auto& w = cfg.widths;
  std::string x = b.add("stem.conv1", {std::string(input_tensor)}, conv(w[0], 3, 2, 1, Activation::gelu));
  x = b.add("stem.conv2", {x}, conv(w[0], 3, 2, w[0], Activation::gelu));
  x = b.add("stem.conv3", {x}, conv(w[0], 1, 1, 1, Activation::gelu));
  for (int s = 0; s < 4; ++s) {
    const std::string stage = "stage" + std::to_string(s + 1);
    if (s > 0) x = downsample(b, x, w[s], stage + ".down");
    const bool attn = cfg.attention && s == 3;
    if (attn) x = b.add(stage + ".cpe", {x}, conv(w[s], 7, 1, w[s], Activation::none));
    for (int64_t i = 0; i < cfg.depths[s]; ++i) {
      const std::string p = stage + ".block" + std::to_string(i + 1);
      x = attn ? attention_block(b, x, cfg.mlp_ratio, p) : repmixer_block(b, x, cfg.mlp_ratio, p);
    }
  }
  // Head: 3x3 conv with groups = C4 (2 outputs each), SE (ReLU, sigmoid), GELU, pool, Linear.
  const int64_t c4 = w[3], c5 = 2 * w[3];
  x = b.add("head.conv", {x}, conv(c5, 3, 1, c4, Activation::none));
  const int64_t rd = std::llround(static_cast<double>(c5) / 16.0);
  const std::string pooled = b.add("head.se.pool", {x}, GlobalAvgPool{});
  const std::string reduce = b.add("head.se.reduce", {pooled}, conv(rd, 1, 1, 1, Activation::relu));
  const std::string gate = b.add("head.se.expand", {reduce}, conv(c5, 1, 1, 1, Activation::sigmoid));
  x = b.add("head.se.scale", {x, gate}, Multiply{});
  x = b.add("head.act", {x}, ActivationOp{Activation::gelu});
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace fastvit_family

void add_fastvit(std::vector<ZooEntry>& out) {
  using namespace fastvit_family;
  add_entries(out, configs, "FastViT", 256, build_fastvit);
}

}  // namespace cpx::zoo_families

// LowFormer B0, B1, B1.5 and B3 (WACV 2025) as the official code builds them from its configs (see shared
// spec lowformer.md). The skeleton is CPUBone's with grouping 1, 3x3 local kernels, a 5x5/s2 (stage 3) or
// 3x3/s1 (stage 4) depthwise token downsampling in the attention, and a transposed conv that projects the
// attention output and upsamples it back in one step.
#include <cmath>

#include "space/blocks.hpp"
#include "space/zoo/families.hpp"

namespace cpx::zoo_families {

namespace lowformer_family {
namespace {

struct Config {
  const char* name;
  const char* published_name;
  const char* description;
  std::array<int64_t, 5> widths;
  std::array<int64_t, 5> depths;
  bool bigit, huge_model, bighead;
};

constexpr Config configs[] = {
    {"lowformer-b0",
     "LowFormer-B0",
     "LowFormer-B0 (b0.yaml; = CPUBone's lowformer_b0.yaml)",
     {16, 32, 64, 128, 256},
     {0, 1, 1, 3, 4},
     false,
     false,
     false},
    {"lowformer-b1",
     "LowFormer-B1",
     "LowFormer-B1 (b1.yaml)",
     {16, 32, 64, 128, 256},
     {0, 1, 1, 5, 5},
     true,
     false,
     false},
    {"lowformer-b1.5",
     "LowFormer-B1.5",
     "LowFormer-B1.5 (b15.yaml)",
     {20, 40, 80, 160, 320},
     {0, 1, 1, 6, 6},
     true,
     false,
     true},
    {"lowformer-b3",
     "LowFormer-B3",
     "LowFormer-B3 (b3.yaml)",
     {32, 64, 128, 256, 512},
     {1, 2, 3, 6, 6},
     true,
     true,
     false},
};

constexpr Activation act = Activation::hardswish;

BlockSpec fused(double expansion, std::array<bool, 2> bias = {false, false}) {
  return FuMBConv{3, expansion, 1, bias, act};
}

// x + Attention(GN(x)) at C channels: depthwise token downsampling (5x5/s2 or 3x3/s1, BN), 1x1 QKV (no bias),
// per-head softmax(q·kᵀ/√d)·v over the downsampled tokens, then one ConvTranspose2d (bias) that is both the
// output projection and the upsampling back to H x W. QKV channel c belongs to head c / 3d; within a head
// [0, d) is q, [d, 2d) is k, [2d, 3d) is v, exactly the per-head segments Matmul reads.
std::string attention(NetworkBuilder& b, const std::string& x, const std::string& p, int64_t stride) {
  const ShapeNhwc in = b.shape(x);
  const int64_t c = in.c;
  const auto [heads, d] = cpubone_attention_shape(c, 0.5);
  const int64_t k_down = stride == 2 ? 5 : 3;
  const std::string n = b.add(p + ".norm", {x}, GroupNorm{1, 1e-5});
  const std::string dw = b.add(p + ".dw", {n}, same_conv(c, k_down, stride, c, false, true, Activation::none));
  const std::string qkv = b.add(p + ".qkv", {dw}, same_conv(3 * heads * d, 1, 1, 1, false, false, Activation::none));
  const int64_t tokens = b.shape(qkv).pixels();
  const std::string scores =
      b.add(p + ".scores", {qkv, qkv}, Matmul{heads, {0, d}, {d, d}, true, 1.0 / std::sqrt(static_cast<double>(d))});
  const std::string probs = b.add(p + ".softmax", {scores}, Softmax{heads});
  const std::string av = b.add(p + ".av", {probs, qkv}, Matmul{heads, {0, tokens}, {2 * d, d}, false, 1.0});
  ConvTranspose2d up;
  up.out_channels = c;
  up.bias = true;
  if (stride == 2) {
    // kernel 4, stride 2, padding 1: 2·h' rows; the code then crops to H x W ([:H, :W]), which removes the
    // last row (column) when H (W) is odd. That crop is one more row of transposed-conv padding at the bottom
    // (right), so the crop costs no op.
    const ShapeNhwc s = b.shape(dw);
    up.kernel = {4, 4};
    up.stride = {2, 2};
    up.padding = {1, 1 + (2 * s.h - in.h), 1, 1 + (2 * s.w - in.w)};
  } else {
    up.kernel = {3, 3};
    up.stride = {1, 1};
    up.padding = {1, 1, 1, 1};
  }
  const std::string y = b.add(p + ".proj", {av}, up);
  return b.add(p + ".add", {x, y}, Add{});
}

// One LowFormer block at C channels (stride 2 or 1 for the attention's token downsampling).
std::string lowformer_block(NetworkBuilder& b, const std::string& input, const std::string& p,
                            int64_t attention_stride) {
  const int64_t c = b.shape(input).c;
  std::string x = attention(b, input, p + ".attn", attention_stride);
  const std::string n = b.add(p + ".mlp.norm", {x}, GroupNorm{1, 1e-5});
  const std::string fc1 = b.add(p + ".mlp.fc1", {n}, same_conv(4 * c, 1, 1, 1, true, false, Activation::gelu));
  const std::string fc2 = b.add(p + ".mlp.fc2", {fc1}, same_conv(c, 1, 1, 1, true, false, Activation::none));
  x = b.add(p + ".mlp.add", {x, fc2}, Add{});
  // Local: FusedMBConv (3x3 conv with bias and BN, e = 4) below 256 channels, MBConv (CPUBone's defaults:
  // biases on the expansion and depthwise convs, BN only after the projection) from 256 on.
  const BlockSpec local =
      c < 256 ? fused(4, {true, false}) : BlockSpec{MBConv{3, 4, 1, {true, true, false}, {false, false, true}, act}};
  return expand_block(b, local, x, p + ".local", c, 1, true);
}

Network build(const Config& c, int64_t resolution) {
  NetworkBuilder b(c.name, "LowFormer", {1, resolution, resolution, 3}, Where(c.name));
  std::string x = b.add("stem.conv", {std::string(input_tensor)}, same_conv(c.widths[0], 3, 2, 1, false, true, act));
  for (int64_t i = 0; i < c.depths[0]; ++i)
    x = expand_block(b, fused(c.huge_model ? 4 : 2), x, "stem.block" + std::to_string(i), c.widths[0], 1, true);
  const double down123 = (c.bigit || c.huge_model) ? 6 : 4;
  // Stages 1-2: the downsampling FusedMBConv counts in the depth.
  for (int s = 1; s <= 2; ++s) {
    const std::string p = "stage" + std::to_string(s);
    x = expand_block(b, fused(down123), x, p + ".down", c.widths[s], 2, false);
    for (int64_t i = 1; i < c.depths[s]; ++i)
      x = expand_block(b, fused(4), x, p + ".block" + std::to_string(i - 1), c.widths[s], 1, true);
  }
  // Stages 3-4: a downsampling FusedMBConv, then `depth` LowFormer blocks.
  for (int s = 3; s <= 4; ++s) {
    const std::string p = "stage" + std::to_string(s);
    x = expand_block(b, fused(s == 3 ? down123 : (c.bigit ? 6 : 4)), x, p + ".down", c.widths[s], 2, false);
    for (int64_t i = 0; i < c.depths[s]; ++i)
      x = lowformer_block(b, x, p + ".block" + std::to_string(i), s == 3 ? 2 : 1);
  }
  const std::array<int64_t, 2> head =
      c.bighead ? std::array<int64_t, 2>{2304, 2560} : std::array<int64_t, 2>{1536, 1600};
  x = b.add("head.conv", {x}, same_conv(head[0], 1, 1, 1, false, true, act));
  x = b.add("head.pool", {x}, GlobalAvgPool{});
  x = b.add("head.fc1", {x}, FullyConnected{head[1], false, false, Activation::none});
  x = b.add("head.norm", {x}, LayerNorm{1e-5});
  x = b.add("head.act", {x}, ActivationOp{act});
  x = b.add("head.fc2", {x}, FullyConnected{1000, true, false, Activation::none});
  return std::move(b).finish(x);
}

}  // namespace
}  // namespace lowformer_family

void add_lowformer(std::vector<ZooEntry>& out) {
  using namespace lowformer_family;
  add_entries(out, configs, "LowFormer", 224, build);
}

}  // namespace cpx::zoo_families

// Counting formulas against values computed by hand.
#include <catch2/catch.hpp>

#include "space/count.hpp"
#include "space/zoo.hpp"

using namespace cpx;

namespace {

// A one-op network on an H x W x C input.
NetworkCount count_one(ShapeNhwc input, OpAttrs op, ShapeNhwc* out = nullptr) {
  NetworkBuilder b("t", "", input, Where("test"));
  b.add("op", {"input"}, std::move(op));
  const Network net = std::move(b).finish("op");
  if (out) *out = net.shapes[0];
  return count(net);
}

Conv2d conv(int64_t out, int64_t k, int64_t s, int64_t g, Padding p, bool bias = false, bool bn = false) {
  Conv2d c;
  c.out_channels = out;
  c.kernel = {k, k};
  c.stride = {s, s};
  c.padding = p;
  c.groups = g;
  c.bias = bias;
  c.batch_norm = bn;
  return c;
}

// One block on an H x W x C input.
NetworkCount count_block(int64_t hw, int64_t c, const BlockSpec& block, int64_t out, int64_t stride, bool residual) {
  NetworkBuilder b("t", "", {1, hw, hw, c}, Where("test"));
  const std::string y = expand_block(b, block, "input", "blk", out, stride, residual);
  return count(std::move(b).finish(y));
}

}  // namespace

TEST_CASE("a dense 3x3/s2 conv with BN counts Cout·Cin·k² MACs per output pixel") {
  ShapeNhwc out;
  const auto c = count_one({1, 224, 224, 3}, conv(16, 3, 2, 1, {1, 1, 1, 1}, false, true), &out);
  CHECK(out == ShapeNhwc{1, 112, 112, 16});
  CHECK(c.total.macs == 112 * 112 * 16 * 3 * 9);       // 5,419,008
  CHECK(c.total.params == 16 * 3 * 9 + 2 * 16);        // BN as weight + bias
  CHECK(c.total.params_inference == 16 * 3 * 9 + 16);  // folded into a bias
}

TEST_CASE("a grouped conv divides weights and MACs by the groups") {
  const auto c = count_one({1, 56, 56, 32}, conv(128, 3, 2, 2, {1, 1, 1, 1}, false, true));
  CHECK(c.total.macs == 28 * 28 * 128 * (32 / 2) * 9);
  CHECK(c.total.params == 128 * 16 * 9 + 256);
  const auto g4 = count_one({1, 56, 56, 32}, conv(128, 3, 2, 4, {1, 1, 1, 1}));
  CHECK(g4.total.macs * 2 == c.total.macs);
}

TEST_CASE("a depthwise conv counts k² MACs per output element") {
  ShapeNhwc out;
  const auto c = count_one({1, 14, 14, 128}, conv(128, 2, 2, 128, {}), &out);
  CHECK(out == ShapeNhwc{1, 7, 7, 128});
  CHECK(c.total.macs == 7 * 7 * 128 * 4);
  CHECK(c.total.params == 128 * 4);
}

TEST_CASE("a 2x2/s1 conv with top-left padding keeps H x W") {
  ShapeNhwc out;
  const auto c = count_one({1, 7, 9, 64}, conv(256, 2, 1, 2, {1, 0, 1, 0}, true, true), &out);
  CHECK(out == ShapeNhwc{1, 7, 9, 256});
  CHECK(c.total.macs == 7 * 9 * 256 * 32 * 4);
  CHECK(c.total.params == 256 * 32 * 4 + 256 + 512);  // bias and BN both present before folding
  CHECK(c.total.params_inference == 256 * 32 * 4 + 256);
  // Symmetric padding 1 would grow the output by one row and column instead.
  count_one({1, 7, 9, 64}, conv(256, 2, 1, 2, {1, 1, 1, 1}), &out);
  CHECK(out == ShapeNhwc{1, 8, 10, 256});
}

TEST_CASE("a fully connected layer counts in·out MACs") {
  FullyConnected fc{1000, true, false, Activation::none};
  const auto c = count_one({1, 1, 1, 1600}, fc);
  CHECK(c.total.macs == 1600 * 1000);
  CHECK(c.total.params == 1600 * 1000 + 1000);
}

TEST_CASE("attention matmuls count 2·heads·L²·hd MACs for QKᵀ and AV") {
  // CPUBone B0 stage 4: C = 256, heads 4, hd 32, 7x7 tokens.
  const int64_t heads = 4, hd = 32, L = 49;
  NetworkBuilder b("t", "", {1, 7, 7, 3 * heads * hd}, Where("test"));
  b.add("scores", {"input", "input"}, Matmul{heads, {0, hd}, {hd, hd}, true, 1.0});
  b.add("probs", {"scores"}, Softmax{heads});
  b.add("av", {"probs", "input"}, Matmul{heads, {0, L}, {2 * hd, hd}, false, 1.0});
  const Network net = std::move(b).finish("av");
  CHECK(net.shapes[0] == ShapeNhwc{1, 7, 7, heads * L});
  CHECK(net.shapes[2] == ShapeNhwc{1, 7, 7, heads * hd});
  const auto c = count(net);
  CHECK(c.layers[0].cost.macs == heads * L * L * hd);
  CHECK(c.layers[2].cost.macs == heads * L * L * hd);
  CHECK(c.total.macs == 4802 * heads * hd);  // the spec's 4802·heads·hd at L = 49
  CHECK(c.total.params == 0);
}

TEST_CASE("norms, activations, pooling and elementwise ops have no MACs") {
  CHECK(count_one({1, 7, 7, 64}, GroupNorm{1, 1e-5}).total.macs == 0);
  CHECK(count_one({1, 7, 7, 64}, GroupNorm{1, 1e-5}).total.params == 128);
  CHECK(count_one({1, 7, 7, 64}, GroupNorm{64, 1e-5, false}).total.params == 0);  // InstanceNorm2d's default
  CHECK(count_one({1, 7, 7, 64}, LayerNorm{1e-5}).total.params == 128);
  CHECK(count_one({1, 7, 7, 64}, ActivationOp{Activation::gelu}).total.macs == 0);
  CHECK(count_one({1, 7, 7, 64}, GlobalAvgPool{}).total.macs == 0);
}

TEST_CASE("channel_shuffle moves data only: no MACs, no params, the input's shape") {
  ShapeNhwc out;
  const NetworkCount c = count_one({1, 7, 9, 24}, ChannelShuffle{3}, &out);
  CHECK(c.total.macs == 0);
  CHECK(c.total.params == 0);
  CHECK(out == ShapeNhwc{1, 7, 9, 24});
  CHECK_THROWS_WITH(count_one({1, 7, 9, 24}, ChannelShuffle{5}),
                    Catch::Contains("groups = 5") && Catch::Contains("24 input channels"));
}

TEST_CASE("pixel_shuffle and clamp have no MACs and no params, and pixel_shuffle trades channels for pixels") {
  ShapeNhwc out;
  const NetworkCount p = count_one({1, 7, 9, 36}, PixelShuffle{3}, &out);
  CHECK(p.total.macs == 0);
  CHECK(p.total.params == 0);
  CHECK(out == ShapeNhwc{1, 21, 27, 4});
  CHECK_THROWS_WITH(count_one({1, 7, 9, 24}, PixelShuffle{3}),
                    Catch::Contains("upscale = 3") && Catch::Contains("24 input channels"));
  const NetworkCount c = count_one({1, 7, 9, 24}, Clamp{-1, 1}, &out);
  CHECK(c.total.macs == 0);
  CHECK(c.total.params == 0);
  CHECK(out == ShapeNhwc{1, 7, 9, 24});
  CHECK_THROWS_WITH(count_one({1, 7, 9, 24}, Clamp{1, -1}), Catch::Contains("min = 1.0: not below max -1.0"));
  CHECK_THROWS_WITH(count_one({1, 7, 9, 24}, Clamp{std::nan(""), 1}), Catch::Contains("min: NaN"));
}

TEST_CASE("window_partition has no MACs and no params, moves windows to the batch and back, and checks its grid") {
  ShapeNhwc out;
  const NetworkCount c =
      count_one({1, 56, 56, 96}, WindowPartition{{7, 7}, {8, 8}, {3, 3}, false, false, {0, 0}}, &out);
  CHECK(c.total.macs == 0);
  CHECK(c.total.params == 0);
  CHECK(out == ShapeNhwc{64, 7, 7, 96});
  count_one({64, 7, 7, 96}, WindowPartition{{7, 7}, {8, 8}, {3, 3}, true, false, {55, 54}}, &out);
  CHECK(out == ShapeNhwc{1, 55, 54, 96});
  count_one({1, 8, 6, 4}, WindowPartition{{2, 2}, {4, 3}, {0, 0}, false, true, {0, 0}}, &out);
  CHECK(out == ShapeNhwc{12, 2, 2, 4});
  CHECK_THROWS_WITH(count_one({1, 55, 56, 96}, WindowPartition{{7, 7}, {8, 8}, {0, 0}, false, false, {0, 0}}),
                    Catch::Contains("is not the 8 x 8 grid of 7 x 7 windows"));
  CHECK_THROWS_WITH(count_one({1, 56, 56, 96}, WindowPartition{{7, 7}, {8, 8}, {56, 0}, false, false, {0, 0}}),
                    Catch::Contains("shift") && Catch::Contains("must lie in [0, 56) x [0, 56)"));
  CHECK_THROWS_WITH(count_one({63, 7, 7, 96}, WindowPartition{{7, 7}, {8, 8}, {0, 0}, true, false, {0, 0}}),
                    Catch::Contains("is not a batch of 64 windows"));
}

TEST_CASE("a transposed conv counts Cin·Hin·Win·(Cout/groups)·k² MACs, cropped outputs included") {
  ConvTranspose2d t;
  t.out_channels = 128;
  t.kernel = {4, 4};
  t.stride = {2, 2};
  t.padding = {1, 1, 1, 1};
  t.bias = true;
  // LowFormer's stage-3 upsampling: 7x7 -> 14x14 with kernel 4, stride 2, padding 1.
  ShapeNhwc out;
  const auto c = count_one({1, 7, 7, 256}, t, &out);
  CHECK(out == ShapeNhwc{1, 14, 14, 128});
  CHECK(c.total.macs == 256 * 7 * 7 * 128 * 16);
  CHECK(c.total.params == 256 * 128 * 16 + 128);
  CHECK(c.total.params_inference == 256 * 128 * 16 + 128);
  // Grouped, with BN, kernel 3, stride 2, output_padding 1: 7x7 -> 14x14 as well.
  t.groups = 4;
  t.kernel = {3, 3};
  t.output_padding = {1, 1};
  t.bias = false;
  t.batch_norm = true;
  const auto g = count_one({1, 7, 7, 256}, t, &out);
  CHECK(out == ShapeNhwc{1, 14, 14, 128});
  CHECK(g.total.macs == 256 * 7 * 7 * (128 / 4) * 9);
  CHECK(g.total.params == 256 * 32 * 9 + 2 * 128);
  CHECK(g.total.params_inference == 256 * 32 * 9 + 128);
}

TEST_CASE("head_mix counts heads²·Lq·Lk MACs, attention_bias and layer_scale count only params") {
  // EfficientFormerV2-style: 8 heads, 7x7 queries, 4x4 keys.
  const int64_t heads = 8, lq = 49, lk = 16;
  const auto mix = count_one({1, 7, 7, heads * lk}, HeadMix{heads, true});
  CHECK(mix.total.macs == heads * heads * lq * lk);
  CHECK(mix.total.params == heads * heads + heads);
  CHECK(count_one({1, 7, 7, heads * lk}, HeadMix{heads, false}).total.params == heads * heads);
  const auto bias = count_one({1, 7, 7, heads * lk}, AttentionBias{heads, 49});
  CHECK(bias.total.macs == 0);
  CHECK(bias.total.params == heads * 49);
  CHECK(bias.total.params_inference == heads * 49);
  const auto scale = count_one({1, 7, 7, 64}, LayerScale{});
  CHECK(scale.total.macs == 0);
  CHECK(scale.total.params == 64);
  CHECK(count_one({1, 7, 7, 64}, ResizeBilinear{{14, 14}, false}).total.macs == 0);
  CHECK(count_one({1, 7, 7, 64}, UpsampleNearest{{0, 0}, {14, 14}}).total.params == 0);
}

TEST_CASE("class_token counts its tokens' channels as params and no MACs, and adds its tokens to the sequence") {
  const auto one = count_one({1, 14, 14, 768}, ClassToken{1});
  CHECK(one.total.macs == 0);
  CHECK(one.total.params == 768);
  CHECK(one.total.params_inference == 768);
  CHECK(count_one({2, 4, 4, 16}, ClassToken{2}).total.params == 32);
  NetworkBuilder b("t", "", {2, 4, 4, 16}, Where("test"));
  const Network net = std::move(b).finish(b.add("cls", {"input"}, ClassToken{2}));
  CHECK(net.shapes[0] == ShapeNhwc{2, 1, 18, 16});
}

TEST_CASE("bytes are fp32 inference weights plus input and output activations") {
  const auto c = count_one({1, 8, 8, 4}, conv(8, 1, 1, 1, {}, true));
  CHECK(c.total.params_inference == 4 * 8 + 8);
  CHECK(c.bytes == 4 * (40 + 8 * 8 * 4 + 8 * 8 * 8));
}

TEST_CASE("GrFuMBConv local block: 12·HW·C² MACs and 12C² + 14C params (spec section 7)") {
  for (int64_t C : {96, 128, 160, 224}) {
    FuMBConv f{2, 4, 2, {true, false}, Activation::hardswish};
    const auto c = count_block(7, C, f, C, 1, true);
    CHECK(c.total.macs == 12 * 49 * C * C);
    CHECK(c.total.params == 12 * C * C + 14 * C);
  }
}

TEST_CASE("GrMBConv local block: HW·(6C² + 16C) MACs and 6C² + 26C params (spec section 7)") {
  for (int64_t C : {256, 320, 512}) {
    MBConv m;
    m.kernel = 2;
    m.groups = 2;
    const auto c = count_block(7, C, m, C, 1, true);
    CHECK(c.total.macs == 49 * (6 * C * C + 16 * C));
    CHECK(c.total.params == 6 * C * C + 26 * C);
  }
}

TEST_CASE("fused-block MAC ratios match the CPUBone claims table for any C") {
  // FuMBConv(k, g) relative to FuMBConv(3, 1), expansion 4: 4C²(k²/g + 1) / 40C².
  const std::array<std::array<double, 4>, 2> expected{{{1.0, 0.55, 0.325, 0.2125}, {0.5, 0.3, 0.2, 0.15}}};
  const std::array<int64_t, 2> kernels{3, 2};
  for (int64_t C : {32, 64, 256}) {
    const double base = static_cast<double>(
        count_block(14, C, FuMBConv{3, 4, 1, {false, false}, Activation::hardswish}, C, 1, true).total.macs);
    for (size_t ki = 0; ki < 2; ++ki) {
      const std::array<int64_t, 4> groups{1, 2, 4, 8};
      for (size_t gi = 0; gi < 4; ++gi) {
        FuMBConv f{kernels[ki], 4, groups[gi], {false, false}, Activation::hardswish};
        const double macs = static_cast<double>(count_block(14, C, f, C, 1, true).total.macs);
        CHECK(macs / base == Approx(expected[ki][gi]).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("unfused-block MAC ratios match the CPUBone claims table to 3 decimals") {
  // C -> {k3g2, k3g4, k3g8, k2g1, k2g2, k2g4, k2g8} relative to MBConv(3, 1).
  const std::map<int64_t, std::array<double, 7>> table{
      {32, {0.781, 0.671, 0.616, 0.932, 0.712, 0.603, 0.548}},
      {64, {0.766, 0.650, 0.591, 0.964, 0.730, 0.613, 0.555}},
      {128, {0.758, 0.638, 0.577, 0.981, 0.740, 0.619, 0.558}},
      {256, {0.754, 0.631, 0.570, 0.990, 0.745, 0.622, 0.560}},
  };
  const std::array<std::pair<int64_t, int64_t>, 7> variants{{{3, 2}, {3, 4}, {3, 8}, {2, 1}, {2, 2}, {2, 4}, {2, 8}}};
  for (const auto& [C, ratios] : table) {
    MBConv base;
    const double base_macs = static_cast<double>(count_block(14, C, base, C, 1, true).total.macs);
    for (size_t i = 0; i < variants.size(); ++i) {
      MBConv m;
      m.kernel = variants[i].first;
      m.groups = variants[i].second;
      const double r = static_cast<double>(count_block(14, C, m, C, 1, true).total.macs) / base_macs;
      CHECK(r == Approx(ratios[i]).margin(0.0005));
    }
  }
}

TEST_CASE("CPUBone attention hyper-parameters follow the spec table") {
  const std::map<int64_t, std::pair<int64_t, int64_t>> table{
      {96, {1, 48}},  {112, {1, 56}}, {128, {2, 32}}, {160, {2, 40}}, {192, {3, 32}},
      {224, {3, 37}}, {256, {4, 32}}, {320, {5, 32}}, {384, {6, 32}}, {512, {8, 32}}};
  for (const auto& [C, expected] : table) {
    const auto a = cpubone_attention_shape(C, 0.5);
    CHECK(a.heads == expected.first);
    CHECK(a.head_dim == expected.second);
  }
}

TEST_CASE("same_padding is CPUBone's rule") {
  CHECK(same_padding(3, 1) == Padding{1, 1, 1, 1});
  CHECK(same_padding(3, 2) == Padding{1, 1, 1, 1});
  CHECK(same_padding(5, 2) == Padding{2, 2, 2, 2});
  CHECK(same_padding(2, 1) == Padding{1, 0, 1, 0});
  CHECK(same_padding(2, 2) == Padding{0, 0, 0, 0});
}

TEST_CASE("expanded widths round half to even like Python's round") {
  CHECK(expanded_channels(16, 4) == 64);
  CHECK(expanded_channels(5, 0.5) == 2);  // round(2.5) == 2
  CHECK(expanded_channels(7, 0.5) == 4);  // round(3.5) == 4
  CHECK(expanded_channels(14, 6) == 84);
}

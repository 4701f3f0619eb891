// Swin-T, -S and -B: counts against the published figures and the official code's, structure (with the
// labelled substitutions for the window permutes and patch merging), and the executor against the
// naive reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"
#include "space/blocks.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_swin {

using namespace cpx;
using testing::op_named;

TEST_CASE("Swin entries match the published params to 0.1M and MACs within 1%", "[zoo][swin]") {
  // FasterNet's Table 3: params (M), MACs (G x 1000); the Swin paper prints 4.5, 8.7 and 15.4 G.
  const std::tuple<const char*, double, double> published[] = {
      {"swin-t", 28.3, 4510}, {"swin-s", 49.6, 8770}, {"swin-b", 87.8, 15470}};
  for (const auto& [name, params_m, macs_m] : published) {
    INFO(name);
    const ZooEntry* z = find_zoo(name);
    REQUIRE(z);
    const NetworkCount c = count(z->build(0));
    CHECK(std::round(static_cast<double>(c.total.params) / 1e5) / 10 == Approx(params_m));
    CHECK(std::abs(static_cast<double>(c.total.macs) / (macs_m * 1e6) - 1) < 0.01);
    CHECK(*z->published.front().params_m == Approx(params_m));
  }
}

TEST_CASE(
    "Swin entries count the official model's params less the patch-merging LayerNorm difference, "
    "and the official flops() less its LayerNorm and pooling terms",
    "[zoo][swin]") {
  // Official params (sum of numel): 28,288,354, 49,606,258 and 87,768,224; the LayerNorm over C instead of
  // 4C of the three merges has 6·(C + 2C + 4C) fewer: 4,032 (C = 96) and 5,376 (C = 128). The official
  // flops() is 4,494,405,120, 8,746,520,064 and 15,438,473,216, of which LayerNorms are 3,687,936,
  // 5,494,272 and 7,325,696 and the average pool 150,528, 150,528 and 200,704 (no MACs here).
  const testing::ZooTotals totals[] = {{"swin-t", 28'288'354 - 4'032, 28'288'354 - 4'032, 4'490'566'656},
                                       {"swin-s", 49'606'258 - 4'032, 49'606'258 - 4'032, 8'740'875'264},
                                       {"swin-b", 87'768'224 - 5'376, 87'768'224 - 5'376, 15'430'946'816}};
  for (const auto& t : totals) testing::check_zoo_totals(t, "Swin");
}

TEST_CASE(
    "a Swin block attends within groups of 49 tokens with a 13x13-offset bias per head, the description "
    "labels every substitution",
    "[zoo][swin]") {
  const Network& n = testing::zoo_net("swin-t");
  CHECK(n.shape_of("patch_embed.proj") == ShapeNhwc{1, 56, 56, 96});
  CHECK(op_named(n, "patch_embed.proj").as<Conv2d>()->bias);
  CHECK(op_named(n, "patch_embed.norm").as<LayerNorm>());
  // Stage 1: 64 groups of 7x7 tokens in the batch dimension, 3 heads of 32.
  CHECK(n.shape_of("stage1.block0.attn.qkv") == ShapeNhwc{1, 56, 56, 288});
  CHECK(n.shape_of("stage1.block0.attn.group") == ShapeNhwc{64, 7, 7, 288});
  const Matmul* scores = op_named(n, "stage1.block0.attn.scores").as<Matmul>();
  REQUIRE(scores);
  CHECK(scores->heads == 3);
  CHECK(scores->transpose_b);
  CHECK(scores->scale == Approx(1 / std::sqrt(32.0)));
  CHECK(n.shape_of("stage1.block0.attn.scores") == ShapeNhwc{64, 7, 7, 3 * 49});
  const AttentionBias* bias = op_named(n, "stage1.block0.attn.relative_position_bias").as<AttentionBias>();
  REQUIRE(bias);
  CHECK(bias->heads == 3);
  CHECK(bias->table_size == 169);
  CHECK(n.shape_of("stage1.block0.attn.ungroup") == ShapeNhwc{1, 56, 56, 96});
  CHECK(op_named(n, "stage1.block0.mlp.fc1").as<FullyConnected>()->activation == Activation::gelu);
  CHECK(n.shape_of("stage1.block0.mlp.fc1") == ShapeNhwc{1, 56, 56, 384});
  // Patch merging substitute: LayerNorm over C, then a 2x2/s2 conv C -> 2C without bias.
  CHECK(op_named(n, "stage1.downsample.norm").as<LayerNorm>());
  const Conv2d* reduction = op_named(n, "stage1.downsample.reduction").as<Conv2d>();
  REQUIRE(reduction);
  CHECK(reduction->kernel == std::array<int64_t, 2>{2, 2});
  CHECK(reduction->stride == std::array<int64_t, 2>{2, 2});
  CHECK_FALSE(reduction->bias);
  CHECK(n.shape_of("stage1.downsample.reduction") == ShapeNhwc{1, 28, 28, 192});
  // Stage 4's 7x7 map is one window; it has no merge after it.
  CHECK(n.shape_of("stage4.block1.attn.group") == ShapeNhwc{1, 7, 7, 2304});
  CHECK(op_named(n, "stage4.block1.attn.relative_position_bias").as<AttentionBias>()->heads == 24);
  CHECK_FALSE(testing::has_op(n, "stage4.downsample.reduction"));
  CHECK(testing::has_op(n, "stage3.block5.add2"));
  CHECK_FALSE(testing::has_op(n, "stage3.block6.add2"));
  CHECK(testing::has_op(testing::zoo_net("swin-s"), "stage3.block17.add2"));
  CHECK(op_named(testing::zoo_net("swin-b"), "stage1.block0.attn.scores").as<Matmul>()->heads == 4);
  CHECK(n.shape_of("head.fc") == ShapeNhwc{1, 1, 1, 1000});
  const std::string& d = find_zoo("swin-t")->description;
  CHECK(d.find("window partition, shift and mask are permutes this toolkit omits: attention over groups of 49 "
               "consecutive tokens, same MACs") != std::string::npos);
  CHECK(d.find("the data movement of the permutes is not modelled") != std::string::npos);
  CHECK(d.find("patch merging as LayerNorm(C) + 2x2/s2 conv without bias") != std::string::npos);
  CHECK(d.find("QKV rows ordered head-major") != std::string::npos);
}

TEST_CASE("Swin rejects the resolutions the official code rejects", "[zoo][swin]") {
  CHECK_THROWS_AS(find_zoo("swin-t")->build(64), InputError);   // 16x16 is not a multiple of the 7x7 window
  CHECK_THROWS_AS(find_zoo("swin-t")->build(112), InputError);  // 7x7 before the last merge is odd
  CHECK(testing::zoo_net("swin-t", 448).shape_of("stage1.block0.attn.group") == ShapeNhwc{256, 7, 7, 288});
}

TEST_CASE("Swin entries carry FasterNet's Table 3 figures", "[zoo][swin]") {
  const std::pair<const char*, double> top1[] = {{"swin-t", 81.3}, {"swin-s", 83.0}, {"swin-b", 83.5}};
  testing::check_published_top1(top1);
  CHECK(find_zoo("swin-t")->published.front().devices.at("fasternet_cpu_i9_9900x_1t_ms") == Approx(123.6));
}

#if defined(CPX_SANITIZED) || defined(CPX_EMULATED_TESTS)
// Instrumented (scripts/test's ASan+UBSan suite) or emulated (scripts/test-arm64), Swin-T's 4.5 GMACs through
// the naive reference took 32 CPU s under the sanitizers and were the longest emulated case (about 300 s
// under qemu-user alone), and no smaller resolution builds. There the case checks a Swin of the same ops at 224x224
// built as swin.cpp builds Swin-T, 32 wide (1, 2, 4 and 8 heads of 32) with one block per stage: the patch embedding,
// 64 groups of 49 tokens with their relative position bias, the merges, stage 4's map as one window, the head: 0.2
// GMACs. Release runs Swin-T itself (docs/log/ci.md).
FullyConnected swin_linear(int64_t out, Activation act = Activation::none) { return {out, true, false, act}; }

Network swin_on_the_executor() {
  constexpr int64_t head_dim = 32, window = 7;
  const double scale = 1.0 / std::sqrt(double(head_dim));
  NetworkBuilder b("swin-narrow", "Swin", {1, 224, 224, 3}, Where("swin-narrow"));
  Conv2d embed;
  embed.out_channels = 32;
  embed.kernel = {4, 4};
  embed.stride = {4, 4};
  embed.bias = true;
  std::string x = b.add("patch_embed.proj", {std::string(input_tensor)}, embed);
  x = b.add("patch_embed.norm", {x}, LayerNorm{1e-5});
  for (int stage = 1; stage <= 4; ++stage) {
    const std::string p = "stage" + std::to_string(stage) + ".block0";
    const ShapeNhwc s = b.shape(x);
    const int64_t c = s.c, heads = c / head_dim, ws = std::min(window, s.h), tokens = ws * ws;
    std::string a = b.add(p + ".attn.qkv", {b.add(p + ".norm1", {x}, LayerNorm{1e-5})}, swin_linear(3 * c));
    const std::string grouped = b.add(p + ".attn.group", {a}, Reshape{{s.pixels() / tokens, ws, ws, 3 * c}});
    a = b.add(p + ".attn.scores", {grouped, grouped}, Matmul{heads, {0, head_dim}, {head_dim, head_dim}, true, scale});
    a = b.add(p + ".attn.relative_position_bias", {a}, AttentionBias{heads, (2 * ws - 1) * (2 * ws - 1)});
    a = b.add(p + ".attn.softmax", {a}, Softmax{heads});
    a = b.add(p + ".attn.av", {a, grouped}, Matmul{heads, {0, tokens}, {2 * head_dim, head_dim}, false, 1.0});
    a = b.add(p + ".attn.proj", {b.add(p + ".attn.ungroup", {a}, Reshape{s})}, swin_linear(c));
    x = b.add(p + ".add1", {x, a}, Add{});
    std::string h =
        b.add(p + ".mlp.fc1", {b.add(p + ".norm2", {x}, LayerNorm{1e-5})}, swin_linear(4 * c, Activation::gelu));
    x = b.add(p + ".add2", {x, b.add(p + ".mlp.fc2", {h}, swin_linear(c))}, Add{});
    if (stage < 4) {
      x = b.add(p + ".downsample.norm", {x}, LayerNorm{1e-5});
      x = b.add(p + ".downsample.reduction", {x}, same_conv(2 * c, 2, 2, 1, false, false, Activation::none));
    }
  }
  x = b.add("head.norm", {x}, LayerNorm{1e-5});
  x = b.add("head.fc", {b.add("head.pool", {x}, GlobalAvgPool{})}, swin_linear(1000));
  return std::move(b).finish(x);
}
#else
Network swin_on_the_executor() { return find_zoo("swin-t")->build(224); }
#endif

// 224 is the smallest resolution Swin accepts (the 7x7 windows and three 2x merges need a multiple of 224);
// Swin-T there is 4.5 GMACs for the naive reference, so one thread count only.
TEST_CASE("Swin-T runs on the executor at 224x224 like the reference", "[zoo][swin][executor]") {
  testing::check_network_against_reference(swin_on_the_executor(), {2});
}

}  // namespace test_zoo_swin

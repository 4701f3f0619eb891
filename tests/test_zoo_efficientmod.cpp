// EfficientMod xxs, xs and s against ../shared/specs/efficientmod.md: exact totals, per-stage sums, structure,
// published figures, and the executor against the reference on whole networks.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_efficientmod {

using namespace cpx;
using testing::op_named;
using testing::zoo_net;

namespace {

struct Expected {
  const char* name;
  int64_t params;  // as built = inference (no BatchNorm)
  int64_t macs, macs_conv, macs_linear, macs_matmul;
  int64_t layer_scale_params;
};
// Spec section 5.
constexpr Expected efficientmod[] = {
    {"efficientmod-xxs", 4'736'264, 579'111'424, 81'460'736, 475'523'072, 22'127'616, 1'472},
    {"efficientmod-xs", 6'627'544, 773'098'752, 92'791'104, 617'151'744, 63'155'904, 1'440},
    {"efficientmod-s", 12'897'184, 1'402'143'200, 108'836'448, 1'208'637'888, 84'668'864, 2'784},
};

}  // namespace

TEST_CASE("EfficientMod zoo models match the spec's exact PyTorch counts at 224") {
  for (const auto& e : efficientmod) {
    const auto [net, c] = testing::check_zoo_totals({e.name, e.params, e.params, e.macs}, "EfficientMod");
    INFO(e.name);
    int64_t conv = 0, linear = 0, matmul = 0, layer_scale = 0;
    for (size_t i = 0; i < net.ops.size(); ++i) {
      const Op& op = net.ops[i];
      const int64_t m = c.layers[i].cost.macs;
      if (op.as<Conv2d>()) conv += m;
      else if (op.as<FullyConnected>()) linear += m;
      else if (op.as<Matmul>()) matmul += m;
      else CHECK(m == 0);
      if (op.as<LayerScale>()) layer_scale += c.layers[i].cost.params;
      CHECK_FALSE(op.as<BatchNorm>());
      if (const auto* cv = op.as<Conv2d>()) CHECK_FALSE(cv->batch_norm);
    }
    CHECK(conv == e.macs_conv);
    CHECK(linear == e.macs_linear);
    CHECK(matmul == e.macs_matmul);
    CHECK(layer_scale == e.layer_scale_params);
  }
}

TEST_CASE("EfficientMod per-stage sums match the spec") {
  struct Stages {
    const char* name;
    std::array<std::pair<int64_t, int64_t>, 6> parts;  // stem, stage1..4 (with their embedding), head
  };
  // Spec section 6.
  const Stages expected[] = {
      {"efficientmod-xxs",
       {{{4'800, 14'751'744},
         {22'240, 67'637'248},
         {99'968, 77'170'688},
         {1'267'968, 266'284'032},
         {3'083'776, 153'011'712},
         {257'512, 256'000}}}},
      {"efficientmod-xs",
       {{{4'800, 14'751'744},
         {24'000, 72'554'496},
         {103'488, 79'629'312},
         {1'642'032, 378'841'344},
         {4'563'648, 227'033'856},
         {289'576, 288'000}}}},
      {"efficientmod-s",
       {{{4'800, 14'751'744},
         {44'480, 135'274'496},
         {181'312, 139'890'688},
         {2'904'048, 644'284'928},
         {9'448'920, 467'629'344},
         {313'624, 312'000}}}},
  };
  constexpr const char* parts[] = {"stem.", "stage1.", "stage2.", "stage3.", "stage4.", "head."};
  for (const auto& e : expected) testing::check_part_sums(zoo_net(e.name), parts, e.parts, testing::Params::as_built);
}

TEST_CASE("EfficientMod xxs has the modulation and attention blocks the spec lists") {
  const Network& net = zoo_net("efficientmod-xxs");
  const auto* stem = op_named(net, "stem.conv").as<Conv2d>();
  REQUIRE(stem);
  CHECK(stem->kernel == std::array<int64_t, 2>{7, 7});
  CHECK(stem->stride == std::array<int64_t, 2>{4, 4});
  CHECK(stem->padding == Padding{3, 3, 3, 3});
  CHECK(stem->bias);
  CHECK(net.shape_of("stem.norm") == ShapeNhwc{1, 56, 56, 32});
  CHECK(op_named(net, "stem.norm").as<LayerNorm>());
  // Stage 1: blocks m = 1 then m = 6.
  CHECK(net.shape_of("stage1.block0.v").c == 32);
  CHECK(op_named(net, "stage1.block0.v").as<FullyConnected>()->activation == Activation::none);
  CHECK(net.index_of("stage1.block0.ctx.tile") == net.ops.size());  // m = 1: no tiling
  CHECK(net.shape_of("stage1.block1.v").c == 192);
  CHECK(op_named(net, "stage1.block1.v").as<FullyConnected>()->activation == Activation::gelu);
  CHECK(net.shape_of("stage1.block1.ctx.tile").c == 192);
  CHECK(op_named(net, "stage1.block1.ctx.tile").inputs == std::vector<std::string>(6, "stage1.block1.ctx.fc2"));
  const auto* dw = op_named(net, "stage1.block1.ctx.dw").as<Conv2d>();
  REQUIRE(dw);
  CHECK(dw->kernel == std::array<int64_t, 2>{7, 7});
  CHECK(dw->groups == 32);
  CHECK(dw->activation == Activation::gelu);
  CHECK(net.shape_of("stage1.block1.proj").c == 32);
  CHECK(op_named(net, "stage1.block1.layer_scale").as<LayerScale>());
  // Embeddings 3x3/s2 + LN.
  CHECK(net.shape_of("stage2.embed.conv") == ShapeNhwc{1, 28, 28, 64});
  CHECK(net.shape_of("stage3.embed.conv") == ShapeNhwc{1, 14, 14, 128});
  CHECK(net.shape_of("stage4.embed.conv") == ShapeNhwc{1, 7, 7, 256});
  // Stage 3: six modulation blocks, then one attention block with 8 heads of 32 (8d = 256 > C = 128).
  CHECK(net.shape_of("stage3.block6.attn.qkv") == ShapeNhwc{1, 14, 14, 768});
  CHECK_FALSE(op_named(net, "stage3.block6.attn.qkv").as<FullyConnected>()->bias);
  CHECK(net.shape_of("stage3.block6.attn.scores") == ShapeNhwc{1, 14, 14, 8 * 196});
  CHECK(net.shape_of("stage3.block6.attn.av").c == 256);
  CHECK(net.shape_of("stage3.block6.attn.proj").c == 128);
  CHECK(net.shape_of("stage3.block6.mlp.fc1").c == 512);
  CHECK(net.index_of("stage3.block7.attn.qkv") == net.ops.size());
  CHECK(net.shape_of("stage4.block3.attn.qkv").c == 768);  // two attention blocks in stage 4
  CHECK(net.shape_of("head.fc").c == 1000);
  CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
}

TEST_CASE("EfficientMod xs and s head dims and MLP ratios") {
  const Network& xs = zoo_net("efficientmod-xs");
  CHECK(xs.shape_of("stage3.block4.attn.qkv").c == 3 * 8 * 32);  // C 144: d = max(18, 32)
  CHECK(xs.shape_of("stage4.block4.attn.qkv").c == 3 * 8 * 36);  // C 288: d 36
  CHECK(xs.shape_of("stage4.block4.mlp.fc1").c == 4 * 288);
  CHECK(xs.shape_of("stage3.block1.v").c == 4 * 144);
  const Network& s = zoo_net("efficientmod-s");
  CHECK(s.shape_of("stage4.block7.attn.qkv").c == 3 * 8 * 39);  // C 312: d 39
  CHECK(s.shape_of("stage4.block7.attn.av").c == 8 * 39);
  CHECK(s.shape_of("stage4.block7.mlp.fc1").c == 5 * 312);  // stage-4 MLP ratio 5
  CHECK(s.shape_of("stage3.block11.mlp.fc1").c == 4 * 144);
  CHECK(s.index_of("stage4.block8.attn.qkv") == s.ops.size());
}

TEST_CASE("EfficientMod zoo entries carry the published top-1") {
  const std::pair<const char*, double> top1[] = {
      {"efficientmod-xxs", 76.0}, {"efficientmod-xs", 78.3}, {"efficientmod-s", 81.0}};
  testing::check_published_top1(top1);
  // README params 4.7M / 6.6M / 12.9M.
  const std::pair<const char*, double> params[] = {
      {"efficientmod-xxs", 4.7}, {"efficientmod-xs", 6.6}, {"efficientmod-s", 12.9}};
  for (const auto& [name, m] : params) {
    INFO(name);
    CHECK(std::round(static_cast<double>(count(zoo_net(name)).total.params) / 1e5) / 10 == Approx(m));
  }
}

// ---------------------------------------------------------------------------------------------------
// The executor against the reference (testing::check_network_against_reference, as tests/test_executor.cpp
// checks CPUBone: 1e-3 abs + rel per element, at 1 and 2 threads).

namespace {

void check_efficientmod_runs(const std::string& name, int64_t resolution) {
  testing::check_network_against_reference(zoo_net(name, resolution));
}

}  // namespace

TEST_CASE("executor runs EfficientMod xxs at 64x64 like the reference, op by op") {
  check_efficientmod_runs("efficientmod-xxs", 64);
}

TEST_CASE("executor runs EfficientMod xs at 64x64 like the reference, op by op") {
  check_efficientmod_runs("efficientmod-xs", 64);
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them EfficientMod xxs's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs EfficientMod s at 64x64 like the reference, op by op", "[native-only]") {
  check_efficientmod_runs("efficientmod-s", 64);
}

}  // namespace test_zoo_efficientmod

// EfficientFormerV2 zoo models (inference graph, one classifier) against ../shared/specs/efficientformerv2.md:
// exact totals and per-stage sums, the attention structure, and the executor against the reference.
#include <catch2/catch.hpp>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_efficientformerv2 {

using namespace cpx;

namespace {

// Spec section 5 (224x224).
constexpr testing::ZooTotals efficientformerv2[] = {
    {"efficientformerv2-s0", 3'423'256, 3'374'296, 395'716'544},
    {"efficientformerv2-s1", 5'960'560, 5'890'096, 651'745'640},
    {"efficientformerv2-s2", 12'421'112, 12'299'896, 1'246'575'952},
    {"efficientformerv2-l", 25'937'288, 25'741'632, 2'552'162'880},
};

// Spec section 7: inference params / MACs of stem, stages 1-4 (each with its embedding; stage 4 with the
// attention downsampling) and head.
struct StageSums {
  const char* name;
  std::array<std::pair<int64_t, int64_t>, 6> parts;
};
const StageSums stage_sums[] = {
    {"efficientformerv2-s0",
     {{{5'088, 19'869'696},
       {19'328, 58'605'568},
       {55'152, 42'448'896},
       {970'416, 148'285'760},
       {2'146'960, 126'330'624},
       {177'352, 176'000}}}},
    {"efficientformerv2-s1",
     {{{5'088, 19'869'696},
       {28'992, 87'908'352},
       {75'792, 58'254'336},
       {1'659'864, 271'570'544},
       {3'894'912, 213'918'712},
       {225'448, 224'000}}}},
    {"efficientformerv2-s2",
     {{{5'088, 19'869'696},
       {38'656, 117'211'136},
       {161'344, 124'436'480},
       {3'425'616, 542'863'552},
       {8'379'616, 441'907'088},
       {289'576, 288'000}}}},
    {"efficientformerv2-l",
     {{{7'800, 29'352'960},
       {73'200, 223'283'200},
       {303'280, 234'572'800},
       {7'200'528, 1'152'348'288},
       {17'771'056, 912'221'632},
       {385'768, 384'000}}}},
};

constexpr const char* parts[] = {"stem.", "stage1.", "stage2.", "stage3.", "stage4.", "head."};

size_t op_index(const Network& net, const std::string& op) {
  const size_t i = net.index_of(op);
  INFO(op);
  REQUIRE(i < net.ops.size());
  return i;
}

}  // namespace

TEST_CASE("EfficientFormerV2 zoo models match the spec's exact counts at 224") {
  for (const auto& e : efficientformerv2) testing::check_zoo_totals(e, "EfficientFormerV2");
}

TEST_CASE("EfficientFormerV2 per-stage params and MACs match the spec") {
  for (const auto& s : stage_sums) testing::check_part_sums(find_zoo(s.name)->build(224), parts, s.parts);
}

TEST_CASE("EfficientFormerV2 S0 attention: shapes and the spec's per-op MACs") {
  const Network net = find_zoo("efficientformerv2-s0")->build(224);
  const NetworkCount c = count(net);
  auto macs = [&](const std::string& op) { return c.layers[op_index(net, op)].cost.macs; };
  auto shape = [&](const std::string& op) { return net.shapes[op_index(net, op)]; };
  // Stage 3, blocks 5-6 (the last vit_num = 2) are attention blocks at C = 96 on a 2x-strided 7x7 map.
  CHECK(net.index_of("stage3.block4.attn.q") == net.ops.size());
  const std::string a = "stage3.block5.attn.";
  CHECK(macs(a + "stride_conv") == 42'336);
  CHECK(macs(a + "q") == 1'204'224);
  CHECK(macs(a + "k") == 1'204'224);
  CHECK(macs(a + "v") == 4'816'896);
  CHECK(macs(a + "v_local") == 451'584);
  CHECK(macs(a + "talking_head1") == 153'664);
  CHECK(macs(a + "talking_head2") == 153'664);
  CHECK(macs(a + "scores") == 614'656);
  CHECK(macs(a + "av") == 2'458'624);
  CHECK(macs(a + "proj") == 19'267'584);
  CHECK(shape(a + "v") == ShapeNhwc{1, 7, 7, 1024});
  CHECK(shape(a + "scores") == ShapeNhwc{1, 7, 7, 8 * 49});
  CHECK(shape(a + "upsample") == ShapeNhwc{1, 14, 14, 1024});
  CHECK(shape(a + "proj") == ShapeNhwc{1, 14, 14, 96});
  CHECK(c.layers[op_index(net, a + "attention_bias")].cost.params == 8 * 49);
  // Stage 4 attention has no stride conv and no upsampling.
  CHECK(net.index_of("stage4.block3.attn.stride_conv") == net.ops.size());
  CHECK(net.index_of("stage4.block3.attn.upsample") == net.ops.size());
  CHECK(macs("stage4.block3.attn.proj") == 1024 * 176 * 49);
  // The attention downsampling: 49 queries, 196 keys, value 64 per head; added to the 3x3/s2 conv branch.
  CHECK(shape("stage4.down.attn.scores") == ShapeNhwc{1, 7, 7, 8 * 196});
  CHECK(shape("stage4.down.attn.k") == ShapeNhwc{1, 14, 14, 128});
  CHECK(shape("stage4.down.attn.v_local") == ShapeNhwc{1, 7, 7, 512});
  CHECK(c.layers[op_index(net, "stage4.down.attn.attention_bias")].cost.params == 8 * 196);
  CHECK(shape("stage4.down.add") == ShapeNhwc{1, 7, 7, 176});
  // The final BN stays a standalone affine: 2·C4 params.
  CHECK(c.layers[op_index(net, "head.norm")].cost.params_inference == 2 * 176);
}

TEST_CASE("EfficientFormerV2 zoo models have no published CSV row") {
  for (const auto& e : efficientformerv2) {
    INFO(e.name);
    const ZooEntry* z = find_zoo(e.name);
    REQUIRE(z);
    CHECK(z->published_name.empty());
    CHECK(z->published.empty());
    CHECK_FALSE(z->top1());
  }
}

TEST_CASE("executor runs EfficientFormerV2 S0 and S1 at 64x64 like the reference") {
  testing::check_network_against_reference(find_zoo("efficientformerv2-s0")->build(64), {1});
  testing::check_network_against_reference(find_zoo("efficientformerv2-s1")->build(64), {2});
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them EfficientFormerV2 S0 and S1's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs EfficientFormerV2 S2 and L at 64x64 like the reference", "[native-only]") {
  testing::check_network_against_reference(find_zoo("efficientformerv2-s2")->build(64), {2});
  testing::check_network_against_reference(find_zoo("efficientformerv2-l")->build(64), {1});
}

}  // namespace test_zoo_efficientformerv2

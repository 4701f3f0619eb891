// FastViT zoo models (reparameterised inference form, 256x256) against ../shared/specs/fastvit.md:
// exact totals and per-stage sums, structure, published figures, and the executor against the reference.
#include <catch2/catch.hpp>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_fastvit {

using namespace cpx;

namespace {

struct Expected {
  const char* name;
  int64_t params, params_inference, macs;
  double top1;
};

// Spec section 5 (256x256).
constexpr Expected fastvit[] = {
    {"fastvit-t8", 3'996'040, 3'994'216, 685'160'448, 75.6},
    {"fastvit-t12", 7'508'840, 7'505'896, 1'390'944'256, 79.1},
    {"fastvit-sa12", 11'545'320, 11'542'376, 1'937'219'584, 80.6},
    {"fastvit-sa24", 21'501'288, 21'495'400, 3'762'069'504, 82.6},
};

// Spec section 6: inference params / MACs of stem, stages 1-4 (each with its downsampling; stage 4 with
// the CPE) and head.
struct StageSums {
  const char* name;
  std::array<std::pair<int64_t, int64_t>, 6> parts;
};
const StageSums stage_sums[] = {
    {"fastvit-t8",
     {{{4'176, 32'440'320},
       {33'888, 136'052'736},
       {137'184, 138'903'552},
       {981'312, 249'741'312},
       {1'986'432, 126'738'432},
       {851'224, 1'284'096}}}},
    {"fastvit-t12",
     {{{6'592, 47'448'064},
       {57'472, 231'735'296},
       {236'160, 239'730'688},
       {2'537'728, 646'774'784},
       {3'500'544, 223'510'528},
       {1'167'400, 1'744'896}}}},
    {"fastvit-sa12",
     {{{6'592, 47'448'064},
       {73'984, 298'844'160},
       {301'952, 306'839'552},
       {3'325'696, 848'101'376},
       {6'666'752, 434'241'536},
       {1'167'400, 1'744'896}}}},
    {"fastvit-sa24",
     {{{6'592, 47'448'064},
       {147'968, 597'688'320},
       {580'992, 590'479'360},
       {6'572'800, 1'676'214'272},
       {13'019'648, 848'494'592},
       {1'167'400, 1'744'896}}}},
};

constexpr const char* parts[] = {"stem.", "stage1.", "stage2.", "stage3.", "stage4.", "head."};

const ShapeNhwc& shape_of(const Network& net, const std::string& op) {
  REQUIRE(net.index_of(op) < net.ops.size());
  return net.shape_of(op);
}

}  // namespace

TEST_CASE("FastViT zoo models match the spec's exact counts at 256") {
  for (const auto& e : fastvit)
    testing::check_zoo_totals({e.name, e.params, e.params_inference, e.macs}, "FastViT", 256);
}

TEST_CASE("FastViT per-stage params and MACs match the spec") {
  for (const auto& s : stage_sums) testing::check_part_sums(find_zoo(s.name)->build(256), parts, s.parts);
}

TEST_CASE("FastViT structure: stem, channel-multiplier convs, attention shapes, SE width") {
  const Network t8 = find_zoo("fastvit-t8")->build(256);
  CHECK(shape_of(t8, "stem.conv3") == ShapeNhwc{1, 64, 64, 48});
  const Op& lk = t8.ops[t8.index_of("stage4.down.lkconv")];
  REQUIRE(lk.as<Conv2d>());
  CHECK(lk.as<Conv2d>()->groups == 192);
  CHECK(lk.as<Conv2d>()->kernel == std::array<int64_t, 2>{7, 7});
  CHECK(lk.as<Conv2d>()->activation == Activation::none);
  CHECK(shape_of(t8, "stage4.down.lkconv") == ShapeNhwc{1, 8, 8, 384});
  CHECK(shape_of(t8, "head.conv") == ShapeNhwc{1, 8, 8, 768});
  CHECK(shape_of(t8, "head.se.reduce").c == 48);
  CHECK(shape_of(find_zoo("fastvit-t12")->build(256), "head.se.reduce").c == 64);

  const Network sa12 = find_zoo("fastvit-sa12")->build(256);
  CHECK(sa12.index_of("stage4.cpe") < sa12.ops.size());
  CHECK(t8.index_of("stage4.cpe") == t8.ops.size());
  // 16 heads of dim 32 over 8x8 = 64 tokens.
  CHECK(shape_of(sa12, "stage4.block1.attn.qkv") == ShapeNhwc{1, 8, 8, 1536});
  CHECK(shape_of(sa12, "stage4.block2.attn.scores") == ShapeNhwc{1, 8, 8, 16 * 64});
  CHECK(shape_of(sa12, "stage4.block2.attn.av") == ShapeNhwc{1, 8, 8, 512});
  int64_t matmul_macs = 0, norms = 0;
  const NetworkCount c = count(sa12);
  for (size_t i = 0; i < sa12.ops.size(); ++i) {
    if (sa12.ops[i].as<Matmul>()) matmul_macs += c.layers[i].cost.macs;
    norms += sa12.ops[i].as<BatchNorm>() != nullptr;
  }
  CHECK(matmul_macs == 8'388'608);
  CHECK(norms == 2);
  // At 224 the same networks count as the spec lists.
  CHECK(count(find_zoo("fastvit-t8")->build(224)).total.macs == 524'773'248);
  CHECK(count(find_zoo("fastvit-t12")->build(224)).total.macs == 1'065'212'416);
  CHECK(count(find_zoo("fastvit-sa12")->build(224)).total.macs == 1'481'949'184);
  CHECK(count(find_zoo("fastvit-sa24")->build(224)).total.macs == 2'877'594'624);
}

TEST_CASE("FastViT zoo models carry the published top-1") {
  for (const auto& e : fastvit) {
    INFO(e.name);
    const ZooEntry* z = find_zoo(e.name);
    REQUIRE(z);
    REQUIRE(z->top1());
    CHECK(*z->top1() == Approx(e.top1));
    REQUIRE(z->published.size() == 1);
    CHECK(z->published.front().value_kind == "digitized_from_figure");
    CHECK(z->published.front().devices.empty());  // the RPi 5 latency is withheld from the CSV
  }
}

TEST_CASE("executor runs FastViT T8 and T12 at 64x64 like the reference") {
  testing::check_network_against_reference(find_zoo("fastvit-t8")->build(64), {1});
  testing::check_network_against_reference(find_zoo("fastvit-t12")->build(64), {2});
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them FastViT T8 and T12's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs FastViT SA12 and SA24 at 64x64 like the reference", "[native-only]") {
  testing::check_network_against_reference(find_zoo("fastvit-sa12")->build(64), {2});
  testing::check_network_against_reference(find_zoo("fastvit-sa24")->build(64), {1});
}

}  // namespace test_zoo_fastvit

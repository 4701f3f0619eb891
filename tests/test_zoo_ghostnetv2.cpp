// GhostNetV2 zoo models (official PyTorch code) against ../shared/specs/ghostnetv2.md: exact totals,
// per-stage sums, structure, and the executor against the naive reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_ghostnetv2 {

using namespace cpx;
using testing::has_op;
using testing::op_named;
using testing::zoo_net;

namespace {

// Spec section 4.
constexpr testing::ZooTotals ghostnetv2_totals[] = {
    {"ghostnetv2-1.0", 6'156'908, 6'125'716, 167'048'288},
    {"ghostnetv2-1.3", 8'960'404, 8'919'880, 269'322'976},
    {"ghostnetv2-1.6", 12'392'698, 12'342'762, 398'607'224},
};

// Block index of an op name "block<i>.…", -1 for the stem, 16 for head.conv, 17 for the rest of the head.
int block_of(const std::string& name) {
  if (name == "stem") return -1;
  if (name.rfind("block", 0) == 0) return std::stoi(name.substr(5));
  return name == "head.conv" ? 16 : 17;
}

}  // namespace

TEST_CASE("GhostNetV2 zoo models match the spec's exact PyTorch counts at 224") {
  for (const auto& e : ghostnetv2_totals) {
    const Network net = testing::check_zoo_totals(e, "GhostNetV2").net;
    INFO(e.name);
    CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
  }
}

TEST_CASE("GhostNetV2 per-stage sums match the spec, inference params and MACs") {
  // Spec section 5: stem (stem + block 0), 56x56 (blocks 1-2), 28x28 (3-4), 14x14 (5-10), 7x7 (11-15 and
  // the head's 1x1 conv), head (conv 960w -> 1280 and the classifier).
  struct Stage {
    int first, last;
  };
  const Stage stages[] = {{-1, 0}, {1, 2}, {3, 4}, {5, 10}, {11, 16}, {17, 17}};
  const std::map<std::string, std::array<std::array<int64_t, 2>, 6>> expected{
      {"ghostnetv2-1.0",
       {{{880, 10'436'608},
         {7'324, 21'374'976},
         {31'924, 15'063'360},
         {747'524, 55'528'320},
         {2'826'984, 62'136'224},
         {2'511'080, 2'508'800}}}},
      {"ghostnetv2-1.3",
       {{{1'180, 14'049'280},
         {11'470, 33'693'184},
         {50'340, 23'743'872},
         {1'244'450, 91'484'736},
         {4'732'720, 103'474'464},
         {2'879'720, 2'877'440}}}},
      {"ghostnetv2-1.6",
       {{{1'512, 18'063'360},
         {16'716, 48'194'048},
         {73'642, 35'007'008},
         {1'872'986, 137'984'624},
         {7'129'546, 156'112'104},
         {3'248'360, 3'246'080}}}},
  };
  for (const auto& [name, sums] : expected) {
    const Network net = zoo_net(name);
    const NetworkCount c = count(net);
    for (size_t s = 0; s < 6; ++s) {
      INFO(name << " stage " << s);
      int64_t params = 0, macs = 0;
      for (size_t i = 0; i < net.ops.size(); ++i) {
        const int b = block_of(net.ops[i].name);
        if (b < stages[s].first || b > stages[s].last) continue;
        params += c.layers[i].cost.params_inference;
        macs += c.layers[i].cost.macs;
      }
      CHECK(params == sums[s][0]);
      CHECK(macs == sums[s][1]);
    }
  }
}

TEST_CASE("GhostNetV2 1.3x has the widths, shortcuts and DFC attention the spec lists") {
  const Network net = zoo_net("ghostnetv2-1.3");
  CHECK(net.shape_of("stem") == ShapeNhwc{1, 112, 112, 20});
  CHECK(net.shape_of("block1.ghost1.concat").c == 64);
  CHECK(net.shape_of("block1.ghost1.primary").c == 32);  // init = ceil(mid/2)
  CHECK(net.shape_of("block1.add") == ShapeNhwc{1, 56, 56, 32});
  CHECK(net.shape_of("block3.se.reduce").c == 24);
  CHECK(net.shape_of("block9.add") == ShapeNhwc{1, 14, 14, 144});
  CHECK(net.shape_of("block11.se.reduce").c == 220);
  CHECK(net.shape_of("block12.ghost1.concat").c == 1248);
  CHECK(net.shape_of("head.conv") == ShapeNhwc{1, 7, 7, 1248});
  CHECK(net.shape_of("head.conv_head") == ShapeNhwc{1, 1, 1, 1280});
  // Convolutional shortcuts exactly at blocks 1, 3, 5, 9, 11.
  for (int i = 0; i < 16; ++i) {
    INFO("block " << i);
    const bool conv_shortcut = i == 1 || i == 3 || i == 5 || i == 9 || i == 11;
    CHECK(has_op(net, "block" + std::to_string(i) + ".shortcut.pw") == conv_shortcut);
    CHECK(has_op(net, "block" + std::to_string(i) + ".ghost1.dfc.conv") == (i >= 2));
    CHECK_FALSE(has_op(net, "block" + std::to_string(i) + ".ghost2.dfc.conv"));
  }
  // DFC at 7x7: pooled to 3x3 (floor), 1x5 and 5x1 depthwise, sigmoid, nearest back to 7x7.
  CHECK(net.shape_of("block15.ghost1.dfc.pool") == ShapeNhwc{1, 3, 3, 208});
  const Conv2d* h = op_named(net, "block15.ghost1.dfc.dw1x5").as<Conv2d>();
  REQUIRE(h);
  CHECK(h->kernel == std::array<int64_t, 2>{1, 5});
  CHECK(h->padding == Padding{0, 0, 2, 2});
  CHECK(h->groups == 1248);
  const Conv2d* v = op_named(net, "block15.ghost1.dfc.dw5x1").as<Conv2d>();
  REQUIRE(v);
  CHECK(v->kernel == std::array<int64_t, 2>{5, 1});
  CHECK(v->padding == Padding{2, 2, 0, 0});
  CHECK(v->activation == Activation::sigmoid);
  const UpsampleNearest* up = op_named(net, "block15.ghost1.dfc.upsample").as<UpsampleNearest>();
  REQUIRE(up);
  CHECK(up->size == std::array<int64_t, 2>{7, 7});
  CHECK(op_named(net, "block15.se.expand").as<Conv2d>()->activation == Activation::hardsigmoid);
  // Stride-2 depthwise without activation; the projection ghost module has no ReLU.
  const Conv2d* dw = op_named(net, "block11.dw").as<Conv2d>();
  REQUIRE(dw);
  CHECK(dw->kernel == std::array<int64_t, 2>{5, 5});
  CHECK(dw->stride == std::array<int64_t, 2>{2, 2});
  CHECK(dw->activation == Activation::none);
  CHECK(op_named(net, "block11.ghost2.cheap").as<Conv2d>()->activation == Activation::none);
  CHECK(op_named(net, "block11.ghost1.cheap").as<Conv2d>()->activation == Activation::relu);
}

TEST_CASE("GhostNetV2 1.6x widths and SE reductions") {
  const Network net = zoo_net("ghostnetv2-1.6");
  CHECK(net.shape_of("stem").c == 24);
  CHECK(net.shape_of("block1.ghost1.concat").c == 76);
  CHECK(net.shape_of("block3.se.reduce").c == 28);
  CHECK(net.shape_of("block10.se.reduce").c == 268);
  CHECK(net.shape_of("block10.ghost1.concat").c == 1076);
  CHECK(net.shape_of("block10.add").c == 180);
  CHECK(net.shape_of("head.conv").c == 1536);
}

TEST_CASE("GhostNetV2 has no published CSV rows and its counts round to the README and paper figures") {
  // README: 1.0x 167M FLOPs; paper: 1.3x 269M, 1.6x 399M; params 6.1M / 8.9M / 12.3M (as built, truncated).
  const std::map<std::string, std::pair<double, int64_t>> published{
      {"ghostnetv2-1.0", {6.1, 167}}, {"ghostnetv2-1.3", {8.9, 269}}, {"ghostnetv2-1.6", {12.3, 399}}};
  for (const auto& [name, figures] : published) {
    INFO(name);
    const ZooEntry* z = find_zoo(name);
    REQUIRE(z);
    CHECK(z->published_name.empty());
    CHECK(z->published.empty());
    CHECK_FALSE(z->top1());
    const NetworkCount c = count(z->build(0));
    CHECK(std::floor(static_cast<double>(c.total.params) / 1e5) / 10 == Approx(figures.first));
    CHECK(std::llround(static_cast<double>(c.total.macs) / 1e6) == figures.second);
  }
}

TEST_CASE("executor runs GhostNetV2 1.0x at 64x64 like the reference, op by op") {
  const Network net = zoo_net("ghostnetv2-1.0", 64);
  CHECK(net.shape_of("block15.ghost1.dfc.pool") == ShapeNhwc{1, 1, 1, 160});  // 2x2 -> 1x1 -> back to 2x2
  CHECK(net.shape_of("block15.ghost1.dfc.upsample") == ShapeNhwc{1, 2, 2, 960});
  testing::check_network_against_reference(net);
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them GhostNetV2 1.0x's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs GhostNetV2 1.3x at 64x64 like the reference, op by op", "[native-only]") {
  const Network net = zoo_net("ghostnetv2-1.3", 64);
  testing::check_network_against_reference(net);
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them GhostNetV2 1.0x's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs GhostNetV2 1.6x at 64x64 like the reference, op by op", "[native-only]") {
  const Network net = zoo_net("ghostnetv2-1.6", 64);
  testing::check_network_against_reference(net);
}

}  // namespace test_zoo_ghostnetv2

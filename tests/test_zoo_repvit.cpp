// RepViT zoo models (fused inference form) against ../shared/specs/repvit.md: exact totals, per-stage
// sums, SE placement, published figures, and the executor against the naive reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_repvit {

using namespace cpx;
using testing::has_op;
using testing::op_named;
using testing::zoo_net;

namespace {

// Spec section 5 (fused: no BN left, so params as built = params inference).
constexpr testing::ZooTotals repvit_totals[] = {
    {"repvit-m0.9", 5'067'056, 5'067'056, 815'617'344},     {"repvit-m1.0", 6'810'312, 6'810'312, 1'106'136'864},
    {"repvit-m1.1", 8'244'312, 8'244'312, 1'337'124'608},   {"repvit-m1.5", 14'049'992, 14'049'992, 2'273'596'160},
    {"repvit-m2.3", 22'926'792, 22'926'792, 4'515'958'720},
};

void check_executor(const std::string& name) { testing::check_network_against_reference(zoo_net(name, 64)); }

}  // namespace

TEST_CASE("RepViT zoo models match the spec's exact fused counts at 224") {
  for (const auto& e : repvit_totals) {
    const Network net = testing::check_zoo_totals(e, "RepViT").net;
    INFO(e.name);
    CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
    for (const Op& op : net.ops) {  // fused: every conv has a bias, nothing is left to fold
      INFO(op.name);
      CHECK_FALSE(op.as<BatchNorm>());
      if (const auto* conv = op.as<Conv2d>()) {
        CHECK(conv->bias);
        CHECK_FALSE(conv->batch_norm);
      }
    }
  }
}

TEST_CASE("RepViT per-stage sums match the spec") {
  // Spec section 6, params / MACs of stem, stage 1-4 and head (ops named by their part).
  const char* parts[] = {"stem.", "stage1.", "stage2.", "stage3.", "stage4.", "head."};
  const std::map<std::string, std::array<std::pair<int64_t, int64_t>, 6>> expected{
      {"repvit-m0.9",
       {{{11'088, 40'642'560},
         {31'120, 90'769'920},
         {161'400, 121'593'600},
         {2'547'600, 471'413'376},
         {1'930'848, 90'813'888},
         {385'000, 384'000}}}},
      {"repvit-m1.0",
       {{{14'952, 53'738'496},
         {41'680, 122'757'376},
         {219'664, 165'042'304},
         {3'459'624, 640'625'216},
         {2'625'392, 123'525'472},
         {449'000, 448'000}}}},
      {"repvit-m1.1",
       {{{19'392, 68'640'768},
         {53'776, 159'561'728},
         {284'832, 215'112'704},
         {3'946'880, 732'038'656},
         {3'426'432, 161'258'752},
         {513'000, 512'000}}}},
      {"repvit-m1.5",
       {{{19'392, 68'640'768},
         {90'336, 265'936'896},
         {427'584, 319'687'680},
         {7'331'072, 1'354'216'960},
         {5'668'608, 264'601'856},
         {513'000, 512'000}}}},
      {"repvit-m2.3",
       {{{30'000, 103'864'320},
         {198'312, 577'788'160},
         {887'000, 660'793'600},
         {15'822'480, 2'921'082'240},
         {5'348'000, 251'790'400},
         {641'000, 640'000}}}},
  };
  for (const auto& [name, sums] : expected)
    testing::check_part_sums(zoo_net(name), parts, sums, testing::Params::as_built);
}

TEST_CASE("RepViT SE modules sit where the spec's configs put them") {
  // Spec section 3: SE positions per stage (the downsampling block is position 0 of stages 2-4).
  struct Case {
    const char* name;
    std::array<int64_t, 4> depths;
    std::array<int64_t, 4> se_count;
  };
  const Case cases[] = {
      {"repvit-m0.9", {3, 4, 16, 3}, {1, 1, 7, 1}},  {"repvit-m1.0", {3, 4, 16, 3}, {1, 1, 7, 1}},
      {"repvit-m1.1", {3, 4, 14, 3}, {1, 1, 6, 1}},  {"repvit-m1.5", {5, 6, 26, 5}, {2, 2, 12, 2}},
      {"repvit-m2.3", {7, 8, 36, 3}, {3, 3, 17, 1}},
  };
  for (const Case& k : cases) {
    const Network net = zoo_net(k.name);
    for (size_t s = 0; s < 4; ++s) {
      INFO(k.name << " stage " << s + 1);
      const std::string stage = "stage" + std::to_string(s + 1) + ".block";
      CHECK(has_op(net, stage + std::to_string(k.depths[s] - 1) + ".add"));
      CHECK_FALSE(has_op(net, stage + std::to_string(k.depths[s]) + ".add"));
      int64_t se = 0;
      for (int64_t i = 0; i < k.depths[s]; ++i) {
        const bool here = has_op(net, stage + std::to_string(i) + ".se.pool");
        se += here;
        if (here) CHECK(i % 2 == (s == 0 ? 0 : 1));
      }
      CHECK(se == k.se_count[s]);
      CHECK_FALSE(has_op(net, stage + std::to_string(k.depths[s] - 1) + ".se.pool"));  // never the last block
    }
  }
  // M0.9 stage 3: SE at 1, 3, ..., 13, none at 14 and 15.
  const Network m09 = zoo_net("repvit-m0.9");
  CHECK(has_op(m09, "stage3.block13.se.pool"));
  CHECK_FALSE(has_op(m09, "stage3.block14.se.pool"));
  CHECK_FALSE(has_op(m09, "stage3.block15.se.pool"));
}

TEST_CASE("RepViT M1.5 has the stem, downsampling blocks, SE widths and head the spec lists") {
  const Network net = zoo_net("repvit-m1.5");
  CHECK(net.shape_of("stem.conv1") == ShapeNhwc{1, 112, 112, 32});
  CHECK(op_named(net, "stem.conv1").as<Conv2d>()->activation == Activation::gelu);
  CHECK(net.shape_of("stem.conv2") == ShapeNhwc{1, 56, 56, 64});
  CHECK(op_named(net, "stem.conv2").as<Conv2d>()->activation == Activation::none);
  const Conv2d* dw = op_named(net, "stage3.block0.down.dw").as<Conv2d>();
  REQUIRE(dw);
  CHECK(dw->stride == std::array<int64_t, 2>{2, 2});
  CHECK(dw->groups == 128);
  CHECK(dw->activation == Activation::none);
  CHECK(net.shape_of("stage3.block0.down.pw") == ShapeNhwc{1, 14, 14, 256});
  CHECK_FALSE(has_op(net, "stage3.block0.mixer.dw"));  // the downsampling block has no RepVGG mixer
  CHECK(net.shape_of("stage3.block0.ffn.expand").c == 512);
  CHECK(op_named(net, "stage3.block0.ffn.expand").as<Conv2d>()->activation == Activation::gelu);
  // The residual spans only the channel mixer.
  CHECK(op_named(net, "stage3.block0.add").inputs ==
        std::vector<std::string>{"stage3.block0.down.pw", "stage3.block0.ffn.project"});
  CHECK(op_named(net, "stage3.block1.add").inputs ==
        std::vector<std::string>{"stage3.block1.se.scale", "stage3.block1.ffn.project"});
  // SE widths: 64 -> 16, 128 -> 32, 256 -> 64, 512 -> 128.
  CHECK(net.shape_of("stage1.block0.se.reduce").c == 16);
  CHECK(net.shape_of("stage2.block1.se.reduce").c == 32);
  CHECK(net.shape_of("stage3.block1.se.reduce").c == 64);
  CHECK(net.shape_of("stage4.block1.se.reduce").c == 128);
  CHECK(op_named(net, "stage4.block1.se.expand").as<Conv2d>()->activation == Activation::sigmoid);
  CHECK(net.shape_of("stage4.block4.add") == ShapeNhwc{1, 7, 7, 512});
  // SE widths of M1.0 and M2.3 at widths that are not multiples of 32 (timm's rounding).
  const Network m10 = zoo_net("repvit-m1.0");
  CHECK(m10.shape_of("stage1.block0.se.reduce").c == 16);  // 56
  CHECK(m10.shape_of("stage2.block1.se.reduce").c == 32);  // 112
  CHECK(m10.shape_of("stage3.block1.se.reduce").c == 56);  // 224
  const Network m23 = zoo_net("repvit-m2.3");
  CHECK(m23.shape_of("stage1.block0.se.reduce").c == 24);   // 80
  CHECK(m23.shape_of("stage3.block33.se.reduce").c == 80);  // 320
  CHECK(m23.shape_of("stage4.block1.se.reduce").c == 160);  // 640
}

TEST_CASE("RepViT published figures: CPUBone Fig. 1 rows, none for M1.0") {
  const std::pair<const char*, double> top1[] = {
      {"repvit-m0.9", 77.4}, {"repvit-m1.1", 79.4}, {"repvit-m1.5", 81.2}, {"repvit-m2.3", 82.5}};
  testing::check_published_top1(top1);
  CHECK(find_zoo("repvit-m0.9")->published.front().devices.at("rpi5_ms") == Approx(40.9));
  CHECK(find_zoo("repvit-m1.5")->published.front().devices.at("rpi5_ms") == Approx(113.2));
  CHECK(find_zoo("repvit-m1.0")->published.empty());
  // README params/GMACs (one decimal) are the totals rounded.
  const std::map<std::string, std::pair<double, double>> readme{{"repvit-m0.9", {5.1, 0.8}},
                                                                {"repvit-m1.0", {6.8, 1.1}},
                                                                {"repvit-m1.1", {8.2, 1.3}},
                                                                {"repvit-m1.5", {14.0, 2.3}},
                                                                {"repvit-m2.3", {22.9, 4.5}}};
  for (const auto& [name, figures] : readme) {
    INFO(name);
    const NetworkCount c = count(zoo_net(name));
    CHECK(std::round(static_cast<double>(c.total.params) / 1e5) / 10 == Approx(figures.first));
    CHECK(std::round(static_cast<double>(c.total.macs) / 1e8) / 10 == Approx(figures.second));
  }
}

TEST_CASE("executor runs RepViT M0.9 at 64x64 like the reference, op by op") { check_executor("repvit-m0.9"); }
// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them RepViT M0.9's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs RepViT M1.0 at 64x64 like the reference, op by op", "[native-only]") {
  check_executor("repvit-m1.0");
}
// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them RepViT M0.9's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs RepViT M1.1 at 64x64 like the reference, op by op", "[native-only]") {
  check_executor("repvit-m1.1");
}
// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them RepViT M0.9's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs RepViT M1.5 at 64x64 like the reference, op by op", "[native-only]") {
  check_executor("repvit-m1.5");
}
// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them RepViT M0.9's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("executor runs RepViT M2.3 at 64x64 like the reference, op by op", "[native-only]") {
  check_executor("repvit-m2.3");
}

}  // namespace test_zoo_repvit

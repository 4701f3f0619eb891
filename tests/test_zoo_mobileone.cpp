// MobileOne S0-S4 (reparameterised inference form): exact counts against ../shared/specs/mobileone.md,
// structure, published figures, and the executor against the naive reference on whole networks.
#include <catch2/catch.hpp>

#include <map>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_mobileone {

using namespace cpx;
using testing::op_named;

namespace {

// mobileone.md section 6 (conv + linear MACs at 224; S4 includes its SE convs). No BN is left, so
// params == params_inference.
constexpr testing::ZooTotals mobileone[] = {
    {"mobileone-s0", 2'078'504, 2'078'504, 275'110'400},     {"mobileone-s1", 4'764'840, 4'764'840, 825'057'024},
    {"mobileone-s2", 7'808'168, 7'808'168, 1'298'426'496},   {"mobileone-s3", 10'078'312, 10'078'312, 1'895'790'592},
    {"mobileone-s4", 14'838'352, 14'838'352, 2'979'269'760},
};

}  // namespace

TEST_CASE("MobileOne zoo models match the spec's exact counts at 224", "[zoo][mobileone]") {
  for (const auto& e : mobileone) testing::check_zoo_totals(e, "MobileOne");
}

TEST_CASE("MobileOne S0 and S4 per-stage sums match the spec's debugging table", "[zoo][mobileone]") {
  // Inference params and MACs of the ops named stage0*, stage1.* ... head.*
  constexpr const char* parts[] = {"stage0", "stage1.", "stage2.", "stage3.", "stage4.", "head."};
  constexpr std::pair<int64_t, int64_t> s0_sums[] = {{1'344, 16'257'024},    {5'664, 17'160'192},
                                                     {131'296, 101'393'152}, {649'472, 126'318'080},
                                                     {265'728, 12'957'952},  {1'025'000, 1'024'000}};
  testing::check_part_sums(find_zoo("mobileone-s0")->build(0), parts, s0_sums);
  using P = std::pair<int64_t, int64_t>;
  using testing::part_sum;
  const Network s4 = find_zoo("mobileone-s4")->build(0);
  const NetworkCount c4 = count(s4);
  CHECK(part_sum(s4, c4, "stage1.") == P{52'096, 161'366'016});
  CHECK(part_sum(s4, c4, "stage2.") == P{1'527'808, 1'192'382'464});
  CHECK(part_sum(s4, c4, "stage3.") == P{8'733'872, 1'510'862'080});
  CHECK(part_sum(s4, c4, "stage4.") == P{2'473'784, 90'935'168});
}

TEST_CASE("MobileOne is a plain chain of depthwise and pointwise convs with bias and ReLU", "[zoo][mobileone]") {
  for (const char* name : {"mobileone-s0", "mobileone-s1", "mobileone-s2", "mobileone-s3"}) {
    INFO(name);
    const Network net = find_zoo(name)->build(0);
    for (const Op& op : net.ops) {
      INFO(op.name);
      CHECK((op.as<Conv2d>() || op.as<GlobalAvgPool>() || op.as<FullyConnected>()));  // no residual, no BN
      if (const auto* c = op.as<Conv2d>()) {
        CHECK(c->bias);
        CHECK_FALSE(c->batch_norm);
        CHECK(c->activation == Activation::relu);
        CHECK(c->padding == (c->kernel[0] == 3 ? Padding{1, 1, 1, 1} : Padding{}));
      }
    }
  }
  const Network s0 = find_zoo("mobileone-s0")->build(0);
  CHECK(s0.shape_of("stage0") == ShapeNhwc{1, 112, 112, 48});
  const Conv2d* dw = op_named(s0, "stage2.block0.dw").as<Conv2d>();
  CHECK(dw->groups == 48);
  CHECK(dw->stride == std::array<int64_t, 2>{2, 2});
  CHECK(s0.shape_of("stage2.block0.dw") == ShapeNhwc{1, 28, 28, 48});
  CHECK(s0.shape_of("stage2.block0.pw") == ShapeNhwc{1, 28, 28, 128});
  CHECK(op_named(s0, "stage2.block1.dw").as<Conv2d>()->stride == std::array<int64_t, 2>{1, 1});
  CHECK(s0.index_of("stage2.block7.pw") < s0.ops.size());  // depths 2, 8, 10, 1
  CHECK(s0.index_of("stage2.block8.pw") == s0.ops.size());
  CHECK(s0.shape_of("stage4.block0.pw") == ShapeNhwc{1, 7, 7, 1024});
  CHECK(s0.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
  // S1-S4 clamp the stem to 64 channels, so stage 1 starts with a depthwise conv on 64
  const Network s1 = find_zoo("mobileone-s1")->build(0);
  CHECK(s1.shape_of("stage0").c == 64);
  CHECK(op_named(s1, "stage1.block0.dw").as<Conv2d>()->groups == 64);
  CHECK(s1.shape_of("stage1.block0.pw").c == 96);
  CHECK(s1.shape_of("stage4.block0.pw").c == 1280);
}

TEST_CASE("MobileOne-S4 has SE in the last five stage-3 blocks and in stage 4", "[zoo][mobileone]") {
  const Network net = find_zoo("mobileone-s4")->build(0);
  size_t multiplies = 0;
  for (const Op& op : net.ops) multiplies += op.as<Multiply>() != nullptr;
  CHECK(multiplies == 12);
  CHECK(net.index_of("stage3.block4.dw.se.scale") == net.ops.size());
  CHECK(net.index_of("stage3.block4.pw.se.scale") == net.ops.size());
  CHECK(net.shape_of("stage3.block5.dw.se.reduce") == ShapeNhwc{1, 1, 1, 56});
  CHECK(net.shape_of("stage3.block9.pw.se.expand") == ShapeNhwc{1, 1, 1, 896});
  CHECK(net.shape_of("stage4.block0.dw.se.reduce").c == 56);
  CHECK(net.shape_of("stage4.block0.pw.se.reduce").c == 128);
  // SE acts on the conv output before the ReLU
  const Conv2d* conv = op_named(net, "stage4.block0.pw").as<Conv2d>();
  CHECK(conv->activation == Activation::none);
  CHECK(op_named(net, "stage4.block0.pw.se.expand").as<Conv2d>()->activation == Activation::sigmoid);
  CHECK(op_named(net, "stage4.block0.pw.relu").as<ActivationOp>()->function == Activation::relu);
  CHECK(op_named(net, "stage4.block0.pw.relu").inputs == std::vector<std::string>{"stage4.block0.pw.se.scale"});
  // the SE convs alone: 1,628,160 MACs (the reason S4 counts above the published 2978M)
  const NetworkCount c = count(net);
  int64_t se_macs = 0;
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (net.ops[i].name.find(".se.") != std::string::npos) se_macs += c.layers[i].cost.macs;
  CHECK(se_macs == 1'628'160);
  CHECK((c.total.macs - se_macs) / 1'000'000 == 2977);  // 2977.64M, rounds to the published 2978
}

TEST_CASE("MobileOne entries carry MobileOne Table 8 and CPUBone Fig. 1 figures", "[zoo][mobileone]") {
  const std::pair<const char*, double> top1[] = {{"mobileone-s0", 71.4},
                                                 {"mobileone-s1", 75.9},
                                                 {"mobileone-s2", 77.4},
                                                 {"mobileone-s3", 78.1},
                                                 {"mobileone-s4", 79.4}};
  testing::check_published_top1(top1);
  const ZooEntry* s0 = find_zoo("mobileone-s0");
  REQUIRE(s0->published.size() == 1);
  const auto& table8 = s0->published.front();
  CHECK(table8.value_kind == "reported");
  CHECK(*table8.macs_m == Approx(275));
  CHECK(table8.devices.at("mobileone_iphone12_ms") == Approx(0.79));
  CHECK(table8.devices.at("mobileone_cpu_xeon_gold5118_ms") == Approx(10.55));
  const ZooEntry* s4 = find_zoo("mobileone-s4");
  bool rpi5 = false;
  for (const auto& f : s4->published)
    if (f.devices.count("rpi5_ms")) {
      rpi5 = true;
      CHECK(f.devices.at("rpi5_ms") == Approx(122.9));
    }
  CHECK(rpi5);
}

TEST_CASE("MobileOne-S0 runs on the executor at 64x64 like the reference", "[zoo][mobileone][executor]") {
  testing::check_network_against_reference(find_zoo("mobileone-s0")->build(64));
}

TEST_CASE("MobileOne-S1 runs on the executor at 64x64 like the reference", "[zoo][mobileone][executor]") {
  testing::check_network_against_reference(find_zoo("mobileone-s1")->build(64));
}

TEST_CASE("MobileOne-S2 runs on the executor at 64x64 like the reference", "[zoo][mobileone][executor]") {
  testing::check_network_against_reference(find_zoo("mobileone-s2")->build(64));
}

// [native-only]: each op kind and implementation it runs (measure --layers) an emulated case that stays
// runs too, most of them MobileOne-S0's: scripts/test-arm64 leaves it out (docs/log/ci.md).
TEST_CASE("MobileOne-S3 runs on the executor at 64x64 like the reference", "[zoo][mobileone][executor][native-only]") {
  testing::check_network_against_reference(find_zoo("mobileone-s3")->build(64));
}

TEST_CASE("MobileOne-S4 runs on the executor at 64x64 like the reference", "[zoo][mobileone][executor]") {
  testing::check_network_against_reference(find_zoo("mobileone-s4")->build(64));
}

}  // namespace test_zoo_mobileone

// ShuffleNetV2 x1.0, x1.5, x2.0: exact counts against torchvision's, structure, published figures, and the
// executor against the naive reference.
#include <catch2/catch.hpp>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_shufflenetv2 {

using namespace cpx;
using testing::op_named;

namespace {

// Params: torchvision 0.14.1's model documentation (num_params of the ImageNet weights); the inference
// params fold each BN into its conv; MACs as counted here (the papers print 146M, 300M and 591M or 580M).
constexpr testing::ZooTotals shufflenet[] = {
    {"shufflenetv2-x1.0", 2'278'604, 2'270'514, 144'907'992},
    {"shufflenetv2-x1.5", 3'503'624, 3'491'904, 295'759'392},
    {"shufflenetv2-x2.0", 7'393'996, 7'377'138, 583'253'464},
};

}  // namespace

TEST_CASE("ShuffleNetV2 entries have torchvision's parameter counts", "[zoo][shufflenetv2]") {
  for (const auto& e : shufflenet) testing::check_zoo_totals(e, "ShuffleNetV2");
}

TEST_CASE("a ShuffleNetV2 unit splits, transforms half, concatenates and shuffles", "[zoo][shufflenetv2]") {
  const Network& n = testing::zoo_net("shufflenetv2-x1.0");
  CHECK(n.shape_of("stem.pool") == ShapeNhwc{1, 56, 56, 24});
  // stride 2: both branches see all 24 channels and give 58 each
  CHECK(n.shape_of("stage2.unit0.branch1.pw") == ShapeNhwc{1, 28, 28, 58});
  CHECK(n.shape_of("stage2.unit0.branch2.pw2") == ShapeNhwc{1, 28, 28, 58});
  CHECK(op_named(n, "stage2.unit0.branch1.dw").as<Conv2d>()->groups == 24);
  // stride 1: the second half only
  const Slice* rest = op_named(n, "stage2.unit1.split1").as<Slice>();
  REQUIRE(rest);
  CHECK(rest->begin == 58);
  CHECK(rest->end == 116);
  CHECK(op_named(n, "stage2.unit1.branch2.dw").as<Conv2d>()->groups == 58);
  for (const char* unit : {"stage2.unit0", "stage2.unit3", "stage3.unit7", "stage4.unit3"}) {
    INFO(unit);
    const ChannelShuffle* s = op_named(n, std::string(unit) + ".shuffle").as<ChannelShuffle>();
    REQUIRE(s);
    CHECK(s->groups == 2);
  }
  CHECK(n.shape_of("stage4.unit3.shuffle") == ShapeNhwc{1, 7, 7, 464});
  CHECK(n.shape_of("head.conv") == ShapeNhwc{1, 7, 7, 1024});
  CHECK(testing::zoo_net("shufflenetv2-x2.0").shape_of("head.conv").c == 2048);
}

TEST_CASE("ShuffleNetV2 entries carry the MobileOne and FasterNet figures", "[zoo][shufflenetv2]") {
  const ZooEntry* x1 = find_zoo("shufflenetv2-x1.0");
  CHECK(x1->top1() == Approx(69.4));
  CHECK(x1->published.front().devices.at("mobileone_cpu_xeon_gold5118_ms") == Approx(16.60));
  const ZooEntry* x15 = find_zoo("shufflenetv2-x1.5");
  CHECK(x15->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(216));
  // x2.0 is in both tables, under two names
  const ZooEntry* x2 = find_zoo("shufflenetv2-x2.0");
  REQUIRE(x2->published.size() == 2);
  CHECK(x2->published[0].model == "ShuffleNetV2-x2.0");
  CHECK(x2->published[1].model == "ShuffleNetV2 x2");
  CHECK(x2->published[1].devices.at("fasternet_arm_a72_1t_ms") == Approx(339));
}

TEST_CASE("ShuffleNetV2 x1.0 runs on the executor at 64x64 like the reference", "[zoo][shufflenetv2][executor]") {
  testing::check_network_against_reference(find_zoo("shufflenetv2-x1.0")->build(64));
}

}  // namespace test_zoo_shufflenetv2

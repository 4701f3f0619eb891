// MobileNeXt x1.0 and x1.4 (official mnext.py): exact counts against the published figures, the
// sandglass blocks' layout (which blocks drop their depthwise convs, where the identity is), the published
// figures the entries carry, and the executor against the naive reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_mobilenext {

using namespace cpx;
using testing::has_op;
using testing::op_named;
using testing::zoo_net;

TEST_CASE("MobileNeXt entries count exactly, within the published params and MACs", "[zoo][mobilenext]") {
  // MobileOne's Table 8: params (M), MACs (M). The official README gives 3.5M / 300M for x1.0.
  const std::tuple<testing::ZooTotals, double, double> rows[] = {
      {{"mobilenext-1.0", 3'535'416, 3'508'904, 311'342'592}, 3.4, 311},
      {{"mobilenext-1.4", 6'126'168, 6'089'040, 588'319'256}, 6.1, 590},
  };
  for (const auto& [totals, params_m, macs_m] : rows) {
    INFO(totals.name);
    const Network net = testing::check_zoo_totals(totals, "MobileNeXt").net;
    CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
    CHECK(std::abs(params_m * 1e6 / static_cast<double>(totals.params) - 1) <= 0.04);
    CHECK(std::abs(macs_m * 1e6 / static_cast<double>(totals.macs) - 1) <= 0.02);
    const ZooEntry* z = find_zoo(totals.name);
    REQUIRE(z);
    REQUIRE_FALSE(z->published.empty());
    CHECK(*z->published.front().params_m == Approx(params_m));
    CHECK(*z->published.front().macs_m == Approx(macs_m));
  }
}

TEST_CASE("MobileNeXt's sandglass blocks keep or drop their depthwise convs as SGBlock does", "[zoo][mobilenext]") {
  const Network& n = zoo_net("mobilenext-1.0");
  CHECK(n.shape_of("stem") == ShapeNhwc{1, 112, 112, 32});
  // Block 0 (t = 2, 32 -> 96, s2): dw, reduce to 32 // 2, expand, dw with the stride; no identity.
  CHECK(n.shape_of("block0.dw1") == ShapeNhwc{1, 112, 112, 32});
  CHECK(op_named(n, "block0.dw1").as<Conv2d>()->activation == Activation::relu6);
  CHECK(n.shape_of("block0.reduce").c == 16);
  CHECK(op_named(n, "block0.reduce").as<Conv2d>()->activation == Activation::none);
  CHECK(op_named(n, "block0.expand").as<Conv2d>()->activation == Activation::relu6);
  const Conv2d* dw2 = op_named(n, "block0.dw2").as<Conv2d>();
  REQUIRE(dw2);
  CHECK(dw2->stride == std::array<int64_t, 2>{2, 2});
  CHECK(dw2->groups == 96);
  CHECK(dw2->activation == Activation::none);
  CHECK(n.shape_of("block0.dw2") == ShapeNhwc{1, 56, 56, 96});
  CHECK_FALSE(has_op(n, "block0.add"));
  // Block 1 (96 -> 144, the single-block stride-1 stage: keep_3x3): both dw convs, hidden raised from
  // 96 // 6 = 16 to make_divisible(144 / 6, 16) = 32, no identity.
  CHECK(has_op(n, "block1.dw1"));
  CHECK(has_op(n, "block1.dw2"));
  CHECK(n.shape_of("block1.reduce").c == 32);
  CHECK_FALSE(has_op(n, "block1.add"));
  // Block 2 (144 -> 192, s2): the 1x1 pair, then the strided dw only.
  CHECK_FALSE(has_op(n, "block2.dw1"));
  CHECK(n.shape_of("block2.dw2") == ShapeNhwc{1, 28, 28, 192});
  CHECK(has_op(n, "block3.dw1"));
  CHECK(has_op(n, "block3.add"));
  // Block 8 (288 -> 384, s1): just the two 1x1 convs.
  CHECK_FALSE(has_op(n, "block8.dw1"));
  CHECK_FALSE(has_op(n, "block8.dw2"));
  CHECK_FALSE(has_op(n, "block8.add"));
  CHECK(n.shape_of("block8.expand") == ShapeNhwc{1, 14, 14, 384});
  // Three 960 blocks (16 to 18), the first without dw convs, then 960 -> 1280 with both (keep_3x3).
  CHECK_FALSE(has_op(n, "block16.dw1"));
  CHECK(has_op(n, "block17.add"));
  CHECK(has_op(n, "block18.add"));
  CHECK(n.shape_of("block18.reduce").c == 160);
  CHECK(has_op(n, "block19.dw1"));
  CHECK(n.shape_of("block19.reduce").c == 208);  // make_divisible(ceil(1280 / 6), 16)
  CHECK(n.shape_of("block19.dw2") == ShapeNhwc{1, 7, 7, 1280});
  CHECK_FALSE(has_op(n, "block19.add"));
  CHECK_FALSE(has_op(n, "block20.expand"));
  CHECK(n.shape_of("head.pool") == ShapeNhwc{1, 1, 1, 1280});
  // x1.4 scales every width, the last one included.
  const Network& w = zoo_net("mobilenext-1.4");
  CHECK(w.shape_of("stem").c == 48);
  CHECK(w.shape_of("block0.dw2").c == 136);
  CHECK(w.shape_of("head.pool") == ShapeNhwc{1, 1, 1, 1792});
  CHECK(find_zoo("mobilenext-1.0")->description.find("full identity") != std::string::npos);
}

TEST_CASE("MobileNeXt entries carry MobileOne's Table 8 figures", "[zoo][mobilenext]") {
  const std::pair<const char*, double> top1[] = {{"mobilenext-1.0", 74.0}, {"mobilenext-1.4", 76.1}};
  testing::check_published_top1(top1);
  CHECK(find_zoo("mobilenext-1.0")->published.front().devices.at("mobileone_cpu_xeon_gold5118_ms") == Approx(16.04));
  CHECK(find_zoo("mobilenext-1.4")->published.front().devices.at("mobileone_cpu_xeon_gold5118_ms") == Approx(18.06));
  CHECK(find_zoo("mobilenext-1.0")->published.front().devices.at("mobileone_iphone12_ms") == Approx(0.92));
}

TEST_CASE("MobileNeXt x1.0 runs on the executor at 64x64 like the reference", "[zoo][mobilenext][executor]") {
  testing::check_network_against_reference(find_zoo("mobilenext-1.0")->build(64));
}

}  // namespace test_zoo_mobilenext

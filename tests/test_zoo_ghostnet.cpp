// GhostNet (v1) 1.0x and 1.3x: exact counts, structure (GhostNetV2 without DFC attention), the published
// figures 1.3x carries, and the executor against the naive reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_ghostnet {

using namespace cpx;
using testing::has_op;
using testing::op_named;
using testing::zoo_net;

namespace {

// As built by the official ghostnet.py (BN folded for the inference params). These are the GhostNetV2
// spec totals (ghostnetv2.md section 4) minus the DFC branches, which add 974,400 params / 25,897,776
// MACs at 1.0x and 1,601,584 / 42,319,720 at 1.3x; 1.0x rounds to the README's 5.2M params, 141M FLOPs.
constexpr testing::ZooTotals ghostnet_totals[] = {
    {"ghostnet-1.0", 5'182'508, 5'171'524, 141'150'512},
    {"ghostnet-1.3", 7'358'820, 7'344'552, 227'003'256},
};

}  // namespace

TEST_CASE("GhostNet zoo models count exactly as the official code builds them at 224", "[zoo][ghostnet]") {
  for (const auto& e : ghostnet_totals) {
    const Network net = testing::check_zoo_totals(e, "GhostNet").net;
    INFO(e.name);
    CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
  }
}

TEST_CASE("GhostNet 1.3x has GhostNetV2's widths and shortcuts, SE with hard sigmoid and no DFC attention",
          "[zoo][ghostnet]") {
  const Network& net = zoo_net("ghostnet-1.3");
  CHECK(net.shape_of("stem") == ShapeNhwc{1, 112, 112, 20});
  CHECK(net.shape_of("block1.ghost1.primary").c == 32);  // init = ceil(mid/2), mid = make_divisible(48·1.3, 4)
  CHECK(net.shape_of("block1.ghost1.concat").c == 64);
  CHECK(net.shape_of("block1.add") == ShapeNhwc{1, 56, 56, 32});
  CHECK(net.shape_of("block3.se.reduce").c == 24);  // make_divisible(96·0.25, 4)
  CHECK(net.shape_of("block9.add") == ShapeNhwc{1, 14, 14, 144});
  CHECK(net.shape_of("block11.se.reduce").c == 220);
  CHECK(net.shape_of("block12.ghost1.concat").c == 1248);
  CHECK(net.shape_of("block15.add") == ShapeNhwc{1, 7, 7, 208});
  CHECK(net.shape_of("head.conv") == ShapeNhwc{1, 7, 7, 1248});
  CHECK(net.shape_of("head.conv_head") == ShapeNhwc{1, 1, 1, 1280});
  CHECK(op_named(net, "head.conv_head").as<Conv2d>()->bias);
  CHECK(op_named(net, "head.classifier").as<FullyConnected>()->bias);
  for (int i = 0; i < 16; ++i) {
    INFO("block " << i);
    const std::string p = "block" + std::to_string(i);
    const bool conv_shortcut = i == 1 || i == 3 || i == 5 || i == 9 || i == 11;
    CHECK(has_op(net, p + ".shortcut.pw") == conv_shortcut);
    const bool se = i == 3 || i == 4 || i == 9 || i == 10 || i == 11 || i == 13 || i == 15;
    CHECK(has_op(net, p + ".se.expand") == se);
    CHECK_FALSE(has_op(net, p + ".ghost1.dfc.conv"));
  }
  for (const Op& op : net.ops) CHECK(op.as<UpsampleNearest>() == nullptr);  // nothing of V2's DFC gate
  const Conv2d* reduce = op_named(net, "block15.se.reduce").as<Conv2d>();
  const Conv2d* expand = op_named(net, "block15.se.expand").as<Conv2d>();
  REQUIRE((reduce && expand));
  CHECK((reduce->bias && reduce->activation == Activation::relu));
  CHECK((expand->bias && expand->activation == Activation::hardsigmoid));
  const Conv2d* dw = op_named(net, "block11.dw").as<Conv2d>();
  REQUIRE(dw);
  CHECK(dw->kernel == std::array<int64_t, 2>{5, 5});
  CHECK(dw->stride == std::array<int64_t, 2>{2, 2});
  CHECK(dw->groups == 872);  // mid = make_divisible(672·1.3, 4)
  CHECK(dw->activation == Activation::none);
  CHECK(op_named(net, "block11.ghost1.cheap").as<Conv2d>()->activation == Activation::relu);
  CHECK(op_named(net, "block11.ghost2.cheap").as<Conv2d>()->activation == Activation::none);
}

TEST_CASE("GhostNet 1.0x widths", "[zoo][ghostnet]") {
  const Network& net = zoo_net("ghostnet-1.0");
  CHECK(net.shape_of("stem").c == 16);
  CHECK(net.shape_of("block3.se.reduce").c == 20);  // make_divisible(72·0.25, 4)
  CHECK(net.shape_of("block11.se.reduce").c == 168);
  CHECK(net.shape_of("block15.add") == ShapeNhwc{1, 7, 7, 160});
  CHECK(net.shape_of("head.conv").c == 960);
}

TEST_CASE("GhostNet 1.3x carries FasterNet's Table 3 row, 1.0x has none", "[zoo][ghostnet]") {
  const std::pair<const char*, double> top1[] = {{"ghostnet-1.3", 75.7}};
  testing::check_published_top1(top1);
  const ZooEntry* z = find_zoo("ghostnet-1.3");
  REQUIRE(z->published.size() == 1);
  const auto& row = z->published.front();
  CHECK(row.model == "GhostNet x1.3");
  CHECK(*row.params_m == Approx(7.3));
  CHECK(*row.macs_m == Approx(230));
  CHECK(row.devices.at("fasternet_arm_a72_1t_ms") == Approx(385));
  // The table rounds to 0.1M params and 0.01 GMACs: 7.36M and 0.227G.
  const NetworkCount c = count(z->build(0));
  CHECK(std::abs(static_cast<double>(c.total.params) / 7.3e6 - 1) < 0.01);
  CHECK(std::abs(static_cast<double>(c.total.macs) / 230e6 - 1) < 0.015);
  const ZooEntry* v1 = find_zoo("ghostnet-1.0");
  REQUIRE(v1);
  CHECK(v1->published_name.empty());
  CHECK(v1->published.empty());
}

TEST_CASE("executor runs GhostNet 1.0x at 64x64 like the reference, op by op", "[zoo][ghostnet][executor]") {
  testing::check_network_against_reference(zoo_net("ghostnet-1.0", 64));
}

TEST_CASE("executor runs GhostNet 1.3x at 64x64 like the reference, op by op", "[zoo][ghostnet][executor]") {
  testing::check_network_against_reference(zoo_net("ghostnet-1.3", 64));
}

}  // namespace test_zoo_ghostnet

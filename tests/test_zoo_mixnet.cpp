// MixNet-S (timm mixnet_s): exact counts, the mixed depthwise and grouped 1x1 structure, the published
// figures the entry carries, and the executor against the naive reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_mixnet {

using namespace cpx;
using testing::has_op;
using testing::op_named;
using testing::zoo_net;

TEST_CASE("MixNet-S counts exactly what timm's mixnet_s holds at 224", "[zoo][mixnet]") {
  // timm reports 4.13M parameters. The MixNet paper's (and MobileOne Table 8's) 256M MACs is 7% above
  // the conv + linear MACs of this network.
  const testing::ZooTotals totals{"mixnet-s", 4'134'606, 4'118'510, 239'173'360};
  const Network net = testing::check_zoo_totals(totals, "MixNet").net;
  CHECK(net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
  const ZooEntry* z = find_zoo("mixnet-s");
  REQUIRE(z);
  REQUIRE_FALSE(z->published.empty());
  CHECK(*z->published.front().params_m == Approx(4.1));
  CHECK(std::abs(4.1e6 / static_cast<double>(totals.params) - 1) < 0.04);
}

TEST_CASE("MixNet-S splits channels per kernel, groups the a1.1/p1.1 1x1 convs and switches to Swish",
          "[zoo][mixnet]") {
  const Network& n = zoo_net("mixnet-s");
  CHECK(n.shape_of("stem") == ShapeNhwc{1, 112, 112, 16});
  CHECK(has_op(n, "stage0.block0.add"));
  // Stage 1: single 3x3 depthwise, two-way grouped expansion and projection, ReLU.
  const Conv2d* e1 = op_named(n, "stage1.block0.expand").as<Conv2d>();
  REQUIRE(e1);
  CHECK(e1->groups == 2);
  CHECK(e1->activation == Activation::relu);
  CHECK(n.shape_of("stage1.block0.expand") == ShapeNhwc{1, 112, 112, 96});
  CHECK(op_named(n, "stage1.block0.project").as<Conv2d>()->groups == 2);
  CHECK(n.shape_of("stage1.block0.dw") == ShapeNhwc{1, 56, 56, 96});
  CHECK_FALSE(has_op(n, "stage1.block0.add"));
  CHECK(has_op(n, "stage1.block1.add"));
  // Stage 2, first block: 144 channels as three 48-channel slices with 3x3, 5x5, 7x7 kernels, stride 2.
  for (int64_t k : {3, 5, 7}) {
    INFO("kernel " << k);
    const std::string p = "stage2.block0.dw.k" + std::to_string(k);
    const Conv2d* c = op_named(n, p).as<Conv2d>();
    REQUIRE(c);
    CHECK(c->kernel == std::array<int64_t, 2>{k, k});
    CHECK(c->stride == std::array<int64_t, 2>{2, 2});
    CHECK(c->groups == 48);
    CHECK(c->padding == Padding{(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2});
    CHECK(c->activation == Activation::silu);
    CHECK(n.shape_of(p) == ShapeNhwc{1, 28, 28, 48});
    CHECK(op_named(n, p + ".split").as<Slice>() != nullptr);
  }
  CHECK(op_named(n, "stage2.block0.dw.concat").as<Concat>() != nullptr);
  CHECK(n.shape_of("stage2.block0.dw.concat") == ShapeNhwc{1, 28, 28, 144});
  CHECK(op_named(n, "stage2.block0.expand").as<Conv2d>()->groups == 1);  // no a1.1 here
  // SE squeezes to round(in · ratio): 24 · 0.5 = 12, with the block's Swish and a sigmoid gate.
  CHECK(n.shape_of("stage2.block0.se.reduce").c == 12);
  CHECK(op_named(n, "stage2.block0.se.reduce").as<Conv2d>()->activation == Activation::silu);
  CHECK(op_named(n, "stage2.block0.se.expand").as<Conv2d>()->activation == Activation::sigmoid);
  CHECK(n.shape_of("stage3.block0.se.reduce").c == 10);  // 40 · 0.25
  // Stage 3: a1 expansion but p1.1 projection.
  CHECK(op_named(n, "stage3.block0.expand").as<Conv2d>()->groups == 1);
  CHECK(op_named(n, "stage3.block0.project").as<Conv2d>()->groups == 2);
  // Stage 4's e3 blocks: 360 channels as four 90-channel slices up to 9x9.
  CHECK(n.shape_of("stage4.block1.dw.k9") == ShapeNhwc{1, 14, 14, 90});
  // Stage 5, first block: five 144-channel groups up to 11x11 (padding 5), stride 2.
  const Conv2d* k11 = op_named(n, "stage5.block0.dw.k11").as<Conv2d>();
  REQUIRE(k11);
  CHECK(k11->padding == Padding{5, 5, 5, 5});
  CHECK(n.shape_of("stage5.block0.dw.k11") == ShapeNhwc{1, 7, 7, 144});
  CHECK(has_op(n, "stage5.block2.add"));
  CHECK_FALSE(has_op(n, "stage5.block3.expand"));
  CHECK(n.shape_of("head.conv") == ShapeNhwc{1, 7, 7, 1536});
  CHECK(op_named(n, "head.conv").as<Conv2d>()->activation == Activation::relu);
  CHECK(find_zoo("mixnet-s")->description.find("slices + concat") != std::string::npos);
}

TEST_CASE("MixNet-S carries MobileOne's Table 8 figures", "[zoo][mixnet]") {
  const std::pair<const char*, double> top1[] = {{"mixnet-s", 75.8}};
  testing::check_published_top1(top1);
  const PublishedFigures& f = find_zoo("mixnet-s")->published.front();
  CHECK(f.devices.at("mobileone_cpu_xeon_gold5118_ms") == Approx(40.09));
  CHECK(f.devices.at("mobileone_iphone12_ms") == Approx(1.13));
  CHECK(*f.macs_m == Approx(256));
}

TEST_CASE("MixNet-S runs on the executor at 64x64 like the reference", "[zoo][mixnet][executor]") {
  testing::check_network_against_reference(find_zoo("mixnet-s")->build(64));
}

}  // namespace test_zoo_mixnet

// ConvNeXt-T, -S, -B: exact counts against torchvision's, structure, published figures, and the executor
// against the naive reference.
#include <catch2/catch.hpp>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_convnext {

using namespace cpx;
using testing::op_named;

namespace {

// Params: torchvision 0.14.1's model documentation (convnext_tiny/small/base); nothing folds (LayerNorm,
// no BN). MACs as counted here; FasterNet's Table 3 prints 4.47G, 8.71G and 15.38G.
constexpr testing::ZooTotals convnext[] = {
    {"convnext-t", 28'589'128, 28'589'128, 4'455'531'264},
    {"convnext-s", 50'223'688, 50'223'688, 8'683'712'256},
    {"convnext-b", 88'591'464, 88'591'464, 15'354'729'472},
};

}  // namespace

TEST_CASE("ConvNeXt entries have torchvision's parameter counts", "[zoo][convnext]") {
  for (const auto& e : convnext) testing::check_zoo_totals(e, "ConvNeXt");
}

TEST_CASE("a ConvNeXt block is dw 7x7, LayerNorm, per-pixel Linear 4x + GELU, Linear, layer scale, add",
          "[zoo][convnext]") {
  const Network& n = testing::zoo_net("convnext-t");
  CHECK(n.shape_of("stem") == ShapeNhwc{1, 56, 56, 96});
  const Conv2d* dw = op_named(n, "stage1.block0.dw").as<Conv2d>();
  REQUIRE(dw);
  CHECK(dw->groups == 96);
  CHECK(dw->kernel == std::array<int64_t, 2>{7, 7});
  CHECK(op_named(n, "stage1.block0.norm").as<LayerNorm>());
  const FullyConnected* pw1 = op_named(n, "stage1.block0.pw1").as<FullyConnected>();
  REQUIRE(pw1);
  CHECK(pw1->activation == Activation::gelu);
  CHECK(n.shape_of("stage1.block0.pw1") == ShapeNhwc{1, 56, 56, 384});
  CHECK(op_named(n, "stage1.block0.gamma").as<LayerScale>());
  CHECK(op_named(n, "stage2.downsample.norm").as<LayerNorm>());
  CHECK(n.shape_of("stage2.downsample") == ShapeNhwc{1, 28, 28, 192});
  CHECK(testing::has_op(n, "stage3.block8.add"));
  CHECK_FALSE(testing::has_op(n, "stage3.block9.add"));
  CHECK(testing::has_op(testing::zoo_net("convnext-s"), "stage3.block26.add"));
  CHECK(n.shape_of("head.norm") == ShapeNhwc{1, 1, 1, 768});
}

TEST_CASE("ConvNeXt entries carry FasterNet's Table 3 figures", "[zoo][convnext]") {
  const std::pair<const char*, double> top1[] = {{"convnext-t", 82.1}, {"convnext-s", 83.1}, {"convnext-b", 83.8}};
  testing::check_published_top1(top1);
  CHECK(find_zoo("convnext-t")->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(1883));
  CHECK(find_zoo("convnext-b")->published.front().devices.at("fasternet_cpu_i9_9900x_1t_ms") == Approx(267.7));
  CHECK(find_zoo("convnext-b")->published.front().devices.count("fasternet_arm_a72_1t_ms") ==
        0);  // out of memory there
}

TEST_CASE("ConvNeXt-T runs on the executor at 64x64 like the reference", "[zoo][convnext][executor]") {
  testing::check_network_against_reference(find_zoo("convnext-t")->build(64));
}

}  // namespace test_zoo_convnext

// PoolFormer-S12 to -M48: counts against the published figures, structure (with its two labelled
// substitutions), and the executor against the naive reference.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_poolformer {

using namespace cpx;
using testing::op_named;

TEST_CASE("PoolFormer entries match the published params to 0.1M and MACs within 1%", "[zoo][poolformer]") {
  // FasterNet's Table 3 (the MetaFormer paper prints the same): params (M), MACs (G x 1000).
  const std::tuple<const char*, double, double> published[] = {{"poolformer-s12", 11.9, 1820},
                                                               {"poolformer-s24", 21.4, 3410},
                                                               {"poolformer-s36", 30.9, 5000},
                                                               {"poolformer-m36", 56.2, 8800},
                                                               {"poolformer-m48", 73.5, 11590}};
  for (const auto& [name, params_m, macs_m] : published) {
    INFO(name);
    const ZooEntry* z = find_zoo(name);
    REQUIRE(z);
    CHECK(z->family == "PoolFormer");
    const NetworkCount c = count(z->build(0));
    CHECK(std::round(static_cast<double>(c.total.params) / 1e5) / 10 == Approx(params_m));
    CHECK(c.total.params_inference == c.total.params);  // GroupNorm and layer scale do not fold
    CHECK(std::abs(static_cast<double>(c.total.macs) / (macs_m * 1e6) - 1) < 0.01);
    CHECK(*z->published.front().params_m == Approx(params_m));
  }
}

TEST_CASE(
    "a PoolFormer block pools a GroupNorm(1) and runs a 4x MLP, each branch layer-scaled, the description says what "
    "differs",
    "[zoo][poolformer]") {
  const Network& n = testing::zoo_net("poolformer-s12");
  CHECK(n.shape_of("embed") == ShapeNhwc{1, 56, 56, 64});
  const GroupNorm* norm = op_named(n, "stage1.block0.norm1").as<GroupNorm>();
  REQUIRE(norm);
  CHECK(norm->groups == 1);
  const AvgPool* pool = op_named(n, "stage1.block0.pool").as<AvgPool>();
  REQUIRE(pool);
  CHECK(pool->kernel == std::array<int64_t, 2>{3, 3});
  CHECK(pool->stride == std::array<int64_t, 2>{1, 1});
  CHECK(n.shape_of("stage1.block0.fc1") == ShapeNhwc{1, 56, 56, 256});
  CHECK(op_named(n, "stage1.block0.fc1").as<Conv2d>()->activation == Activation::gelu);
  CHECK(n.shape_of("stage3.embed") == ShapeNhwc{1, 14, 14, 320});
  CHECK(testing::has_op(n, "stage3.block5.add2"));
  CHECK_FALSE(testing::has_op(n, "stage3.block6.add2"));
  CHECK(find_zoo("poolformer-s12")->description.find("pool(x) + x in place of pool(x) - x") != std::string::npos);
}

TEST_CASE("PoolFormer entries carry FasterNet's Table 3 figures", "[zoo][poolformer]") {
  const std::pair<const char*, double> top1[] = {{"poolformer-s12", 77.2},
                                                 {"poolformer-s24", 80.3},
                                                 {"poolformer-s36", 81.4},
                                                 {"poolformer-m36", 82.1},
                                                 {"poolformer-m48", 82.5}};
  testing::check_published_top1(top1);
  CHECK(find_zoo("poolformer-s12")->published.front().devices.at("fasternet_arm_a72_1t_ms") == Approx(663));
}

TEST_CASE("PoolFormer-S12 runs on the executor at 64x64 like the reference", "[zoo][poolformer][executor]") {
  testing::check_network_against_reference(find_zoo("poolformer-s12")->build(64));
}

}  // namespace test_zoo_poolformer

// MobileNetV1 1.0, MnasNet-A1 and EfficientNet-B0 (the small CNNs of MobileOne's Table 8): exact counts
// against the published figures, structure, the Table 8 figures the entries carry, and the executor
// against the naive reference. EfficientNet-B0's per-stage structure and executor run are in
// tests/test_zoo_classic.cpp (shared spec classic.md).
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_check.hpp"

// Its own namespace: a unity build compiles several family tests in one translation unit.
namespace test_zoo_mobile_cnns {

using namespace cpx;
using testing::has_op;
using testing::op_named;

namespace {

const Conv2d& conv_of(const Network& net, const std::string& name) {
  const Conv2d* c = op_named(net, name).as<Conv2d>();
  if (!c) throw std::runtime_error(name + " is not a conv2d");
  return *c;
}

// Output widths of the SE squeeze convs, in block order.
std::vector<int64_t> se_widths(const Network& net) {
  std::vector<int64_t> widths;
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (net.ops[i].name.ends_with(".se.reduce")) widths.push_back(net.shapes[i].c);
  return widths;
}

}  // namespace

TEST_CASE("MobileNetV1, MnasNet-A1 and EfficientNet-B0 count as timm builds them, within 2 % of MobileOne's Table 8",
          "[zoo][mobile_cnns]") {
  struct Row {
    testing::ZooTotals exact;
    const char* family;
    double params_m, macs_m;  // MobileOne Table 8
  };
  const Row rows[] = {
      {{"mobilenetv1-1.0", 4'231'976, 4'221'032, 568'740'352}, "MobileNetV1", 4.2, 575},
      {{"mnasnet-a1", 3'887'038, 3'870'294, 311'579'072}, "MNASNet", 3.9, 312},
      {{"efficientnet-b0", 5'288'548, 5'267'540, 385'814'752}, "EfficientNet", 5.3, 390},
  };
  for (const Row& r : rows) {
    INFO(r.exact.name);
    const testing::CountedNetwork c = testing::check_zoo_totals(r.exact, r.family);
    CHECK(c.net.shapes.back() == ShapeNhwc{1, 1, 1, 1000});
    CHECK(std::abs(static_cast<double>(c.count.total.params) / (r.params_m * 1e6) - 1) < 0.01);
    CHECK(std::abs(static_cast<double>(c.count.total.macs) / (r.macs_m * 1e6) - 1) < 0.02);
    const ZooEntry* z = find_zoo(r.exact.name);
    REQUIRE_FALSE(z->published.empty());
    CHECK(*z->published.front().params_m == Approx(r.params_m));
    CHECK(*z->published.front().macs_m == Approx(r.macs_m));
    CHECK(*z->published.front().resolution == 224);
  }
}

TEST_CASE("MobileNetV1 is a stem and 13 depthwise-separable blocks with BN + ReLU6 and no residual",
          "[zoo][mobile_cnns]") {
  const Network& n = testing::zoo_net("mobilenetv1-1.0");
  CHECK(n.shape_of("stem") == ShapeNhwc{1, 112, 112, 32});
  CHECK(conv_of(n, "stem").stride == std::array<int64_t, 2>{2, 2});
  int depthwise = 0;
  for (size_t i = 0; i < n.ops.size(); ++i) {
    INFO(n.ops[i].name);
    CHECK_FALSE(n.ops[i].as<Add>());
    if (const Conv2d* c = n.ops[i].as<Conv2d>()) {
      CHECK(c->activation == Activation::relu6);
      CHECK(c->batch_norm);
      CHECK_FALSE(c->bias);
      if (c->groups > 1) {
        ++depthwise;
        CHECK(c->groups == n.shape_of(n.ops[i].inputs[0]).c);
      }
    }
  }
  CHECK(depthwise == 13);
  CHECK(conv_of(n, "stage1.block0.dw").stride == std::array<int64_t, 2>{1, 1});
  CHECK(n.shape_of("stage1.block0.pw") == ShapeNhwc{1, 112, 112, 64});
  CHECK(conv_of(n, "stage2.block0.dw").stride == std::array<int64_t, 2>{2, 2});
  CHECK(n.shape_of("stage4.block5.pw") == ShapeNhwc{1, 14, 14, 512});
  CHECK_FALSE(has_op(n, "stage4.block6.pw"));
  CHECK(n.shape_of("stage5.block0.dw") == ShapeNhwc{1, 7, 7, 512});
  CHECK(n.shape_of("stage5.block1.pw") == ShapeNhwc{1, 7, 7, 1024});
  CHECK_FALSE(has_op(n, "head.conv"));  // the 1024 features go straight to the classifier
  CHECK(op_named(n, "head.fc").as<FullyConnected>()->bias);
}

TEST_CASE("MnasNet-A1 has SE (ReLU, sigmoid, a quarter of the input width) in its 40, 112 and 160 stages",
          "[zoo][mobile_cnns]") {
  const Network& n = testing::zoo_net("mnasnet-a1");
  CHECK(conv_of(n, "stem").activation == Activation::relu);
  CHECK(n.shape_of("stem") == ShapeNhwc{1, 112, 112, 32});
  // The depthwise-separable first block: no expansion, no SE, and no residual (32 -> 16).
  CHECK_FALSE(has_op(n, "stage1.block0.expand"));
  CHECK_FALSE(has_op(n, "stage1.block0.se.pool"));
  CHECK_FALSE(has_op(n, "stage1.block0.add"));
  CHECK(n.shape_of("stage1.block0.project") == ShapeNhwc{1, 112, 112, 16});
  CHECK(conv_of(n, "stage1.block0.project").activation == Activation::none);
  CHECK(se_widths(n) == std::vector<int64_t>{6, 10, 10, 20, 28, 28, 40, 40});
  CHECK(conv_of(n, "stage3.block0.se.reduce").activation == Activation::relu);
  CHECK(conv_of(n, "stage3.block0.se.reduce").bias);
  CHECK(conv_of(n, "stage3.block0.se.expand").activation == Activation::sigmoid);
  CHECK(n.shape_of("stage3.block0.se.expand").c == 72);  // e3 on 24
  CHECK(conv_of(n, "stage3.block0.dw").kernel == std::array<int64_t, 2>{5, 5});
  CHECK(n.shape_of("stage3.block0.dw") == ShapeNhwc{1, 28, 28, 72});
  CHECK_FALSE(has_op(n, "stage2.block0.se.pool"));
  CHECK_FALSE(has_op(n, "stage4.block0.se.pool"));
  CHECK(has_op(n, "stage4.block3.add"));
  CHECK_FALSE(has_op(n, "stage4.block4.expand"));
  CHECK(n.shape_of("stage6.block2.add") == ShapeNhwc{1, 7, 7, 160});
  CHECK_FALSE(has_op(n, "stage7.block0.add"));
  CHECK(n.shape_of("stage7.block0.project") == ShapeNhwc{1, 7, 7, 320});
  CHECK(n.shape_of("head.conv") == ShapeNhwc{1, 7, 7, 1280});
  CHECK(find_zoo("mnasnet-a1")->description.find("SE") != std::string::npos);
}

TEST_CASE("the small CNNs carry MobileOne's Table 8 figures", "[zoo][mobile_cnns]") {
  const std::pair<const char*, double> top1[] = {
      {"mobilenetv1-1.0", 70.6}, {"mnasnet-a1", 75.2}, {"efficientnet-b0", 77.1}};
  testing::check_published_top1(top1);
  const std::tuple<const char*, double, double> latency[] = {
      {"mobilenetv1-1.0", 0.95, 10.65}, {"mnasnet-a1", 1.00, 24.06}, {"efficientnet-b0", 1.72, 28.71}};
  for (const auto& [name, iphone_ms, xeon_ms] : latency) {
    INFO(name);
    const PublishedFigures& p = find_zoo(name)->published.front();
    CHECK(p.source == "MobileOne arXiv 2206.04040 Table 8");
    CHECK(p.devices.at("mobileone_iphone12_ms") == Approx(iphone_ms));
    CHECK(p.devices.at("mobileone_cpu_xeon_gold5118_ms") == Approx(xeon_ms));
  }
}

TEST_CASE("MobileNetV1 runs on the executor at 64x64 like the reference", "[zoo][mobile_cnns][executor]") {
  testing::check_network_against_reference(find_zoo("mobilenetv1-1.0")->build(64));
}

TEST_CASE("MnasNet-A1 runs on the executor at 64x64 like the reference", "[zoo][mobile_cnns][executor]") {
  testing::check_network_against_reference(find_zoo("mnasnet-a1")->build(64));
}

}  // namespace test_zoo_mobile_cnns

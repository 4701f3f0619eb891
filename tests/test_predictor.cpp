// The predictor's model mechanics and calibration, on synthetic predictors whose answers are known.
#include <catch2/catch.hpp>

#include <cmath>

#include "predictor/calibrate.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::predictor;

namespace {
// Every op of every class takes exactly `us` microseconds (theta = [log us, 0, ...]).
Predictor constant_predictor(double us) {
  Predictor p;
  p.device = "synthetic";
  for (size_t c = 0; c < op_class_count; ++c) {
    ClassModel m;
    m.theta[0] = std::log(us);
    m.lo.fill(-1e9);
    m.hi.fill(1e9);
    p.classes[c] = m;
  }
  p.network_overhead_us[1] = 5.0;
  return p;
}
}  // namespace

TEST_CASE("operator features classify convs and carry exact MACs") {
  const Network net = find_zoo("b0")->build(0);
  const NetworkCount counts = count(net);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const OpFeatures f = op_features(net, i, 1);
    CHECK(f.macs == static_cast<double>(counts.layers[i].cost.macs));
    for (double x : basis(f)) CHECK(std::isfinite(x));
  }
  CHECK(op_features(net, net.index_of("s1.down.conv1"), 1).op_class == OpClass::conv_grouped);
  CHECK(op_features(net, net.index_of("s3.b0.attn.dw"), 1).op_class == OpClass::conv_depthwise);
  CHECK(op_features(net, net.index_of("s3.b0.mlp.fc1"), 1).op_class == OpClass::conv_pointwise);
  CHECK(op_features(net, net.index_of("stem.conv"), 1).op_class == OpClass::conv_dense);
  CHECK(op_features(net, net.index_of("s3.b0.attn.scores"), 1).op_class == OpClass::matmul);
  CHECK(op_features(net, net.index_of("head.fc2"), 1).op_class == OpClass::fully_connected);
}

TEST_CASE("network latency is the sum of operator predictions plus the network overhead") {
  const Predictor p = constant_predictor(2.0);
  const Network net = find_zoo("b0")->build(0);
  const NetworkPrediction pred = predict(p, net, 1);
  CHECK(pred.latency_us == Approx(2.0 * static_cast<double>(net.ops.size()) + 5.0));
  CHECK(pred.overhead_us == 5.0);
}

TEST_CASE("a predictor round-trips through its JSON form with identical predictions") {
  Predictor p = constant_predictor(3.0);
  p.classes[static_cast<size_t>(OpClass::conv_pointwise)]->theta[1] = 0.5;  // depends on log work
  const Json j = to_json(p);
  CHECK(j["schema"] == "cpubone-explore/predictor/v1");
  const Predictor back = predictor_from_json(Json::parse(j.dump()), "p.json");
  const Network net = find_zoo("b1")->build(0);
  CHECK(predict(back, net, 1).latency_us == Approx(predict(p, net, 1).latency_us).epsilon(1e-12));
}

TEST_CASE("a class without a model is an error naming it, never a zero") {
  Predictor p = constant_predictor(1.0);
  p.classes[static_cast<size_t>(OpClass::matmul)].reset();
  try {
    predict(p, find_zoo("b0")->build(0), 1);
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("no model for operator class matmul") != std::string::npos);
  }
}

TEST_CASE("calibration recovers a device that is uniformly twice as slow, and leave-one-out is exact then") {
  const Predictor host = constant_predictor(1.0);
  std::vector<PublishedPoint> points;
  for (const char* m : {"nano", "b0", "b1", "b2", "b3", "fasternet-t0", "mobileone-s1"}) {
    const double ms = 2.0 * (predict(host, find_zoo(m)->build(0), 1).latency_us - 5.0) / 1e3;
    points.push_back({m, ms});
  }
  const Calibration c = calibrate(host, "twice", "synthetic", points, "points.csv");
  CHECK(c.common_factor == Approx(2.0).epsilon(1e-9));
  CHECK(c.loo_mape < 1e-6);
  for (const auto& pt : points) {
    const double predicted = predict(c.device, find_zoo(pt.model)->build(0), 1).latency_us - 2.0 * 5.0;
    CHECK(predicted / 1e3 == Approx(pt.latency_ms).epsilon(1e-6));
  }
  CHECK(c.device.device == "twice");
  CHECK(c.device.provenance["points"] == points.size());
}

TEST_CASE("calibration refuses too few points and non-positive latencies") {
  const Predictor host = constant_predictor(1.0);
  CHECK_THROWS_AS(calibrate(host, "d", "r", {{"b0", 10.0}}, "one.csv"), InputError);
  CHECK_THROWS_AS(calibrate(host, "d", "r", {{"b0", 10.0}, {"b1", -1.0}}, "neg.csv"), InputError);
  CHECK_THROWS_AS(calibrate(host, "d", "r", {{"b0", 10.0}, {"nosuch", 1.0}}, "unknown.csv"), InputError);
}

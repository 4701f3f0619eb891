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
  // Token-wise fully connected layers are GEMMs like pointwise convs; 7x7 and 1x5 depthwise kernels have
  // no XNNPACK microkernel.
  const Network mod = find_zoo("efficientmod-xxs")->build(0);
  CHECK(op_features(mod, mod.index_of("stage1.block1.proj"), 1).op_class == OpClass::conv_pointwise);
  CHECK(op_features(mod, mod.index_of("stage1.block1.ctx.dw"), 1).op_class == OpClass::conv_depthwise_generic);
  const Network ghost = find_zoo("ghostnetv2-1.0")->build(0);
  CHECK(op_features(ghost, ghost.index_of("block5.ghost1.dfc.dw1x5"), 1).op_class == OpClass::conv_depthwise_generic);
  CHECK(op_features(ghost, ghost.index_of("block1.dw"), 1).op_class == OpClass::conv_depthwise);
  // A channel shuffle moves data, like slice and concat.
  const ShapeNhwc shuffled[] = {{1, 28, 28, 116}};
  CHECK(op_features(ChannelShuffle{2}, shuffled, shuffled[0], 1).op_class == OpClass::data_movement);
}

TEST_CASE("network latency is the sum of operator predictions plus the network overhead") {
  const Predictor p = constant_predictor(2.0);
  const Network net = find_zoo("b0")->build(0);
  const NetworkPrediction pred = predict(p, net, 1);
  // An op with an unfused activation (B0's hardswish convs) is two passes: the op and an elementwise one.
  size_t passes = 0, with_activation = 0;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const bool act = op_features(net, i, 1).has_activation;
    passes += act ? 2 : 1;
    with_activation += act;
  }
  CHECK(with_activation > 10);
  CHECK(pred.latency_us == Approx(2.0 * static_cast<double>(passes) + 5.0));
  CHECK(pred.overhead_us == 5.0);
}

TEST_CASE("an unfused activation costs what the elementwise model says that activation costs alone") {
  Predictor p = constant_predictor(10.0);
  // The elementwise model depends on the transcendental flag (variant_a) only: SiLU 7 us, hardswish 3 us.
  ClassModel& e = *p.classes[static_cast<size_t>(OpClass::elementwise)];
  e.theta[0] = std::log(3.0);
  e.theta[1 + 10] = std::log(7.0 / 3.0);
  const Network net = find_zoo("efficientnet-b0")->build(0);
  const size_t expand = net.index_of("stage2.block0.expand");
  const OpFeatures f = op_features(net, expand, 1);
  REQUIRE(f.has_activation);
  CHECK(p.predict_op(f).activation_us == Approx(7.0));
  CHECK(p.predict_op(f).latency_us == Approx(17.0));
  const Network b0 = find_zoo("b0")->build(0);
  CHECK(p.predict_op(op_features(b0, b0.index_of("stem.conv"), 1)).activation_us == Approx(3.0));  // hardswish
  CHECK_FALSE(op_features(b0, b0.index_of("s3.b0.attn.dw"), 1).has_activation);
}

TEST_CASE("residual trees learn a step a quadratic cannot, and predict a constant beyond their data") {
  std::vector<std::array<double, base_feature_count>> x;
  std::vector<double> r;
  for (int i = 0; i < 400; ++i) {
    std::array<double, base_feature_count> v{};
    v[8] = i / 40.0;  // log weight bytes 0..10
    x.push_back(v);
    r.push_back(v[8] < 5.0 ? 0.0 : 0.4);  // weights past the cache: 49% slower
  }
  const Boost b = fit_boost(x, r, {.trees = 60, .depth = 2, .min_leaf = 10, .learning_rate = 0.2});
  std::array<double, base_feature_count> q{};
  q[8] = 2.0;
  CHECK(b.eval(q) == Approx(0.0).margin(0.01));
  q[8] = 8.0;
  CHECK(b.eval(q) == Approx(0.4).margin(0.01));
  q[8] = 1e6;
  CHECK(b.eval(q) == Approx(0.4).margin(0.01));
  const Boost back = boost_from_json(Json::parse(to_json(b).dump()), Where("p.json", "trees"));
  CHECK(back.eval(q) == b.eval(q));
}

TEST_CASE("residual trees from a file cannot loop or jump out of the tree") {
  auto error_of = [](const char* text) {
    try {
      boost_from_json(Json::parse(text), Where("p.json", "classes.norm.residual_trees"));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of(R"([{"feature":[0,-1,-1],"threshold_or_value":[1,0,0],"left":[0,-1,-1],"right":[2,-1,-1]}])")
            .find("classes.norm.residual_trees[0].left[0] = 0: expected a later node index") != std::string::npos);
  CHECK(error_of(R"([{"feature":[0,-1],"threshold_or_value":[1,0],"left":[1,-1],"right":[7,-1]}])")
            .find("right[0] = 7") != std::string::npos);
  CHECK(error_of(R"([{"feature":[99],"threshold_or_value":[1],"left":[1],"right":[2]}])").find("feature[0] = 99") !=
        std::string::npos);
  CHECK(error_of(R"([{"feature":[-1],"threshold_or_value":[1],"left":[-1]}])").find("right") != std::string::npos);
}

TEST_CASE("a predictor round-trips through its JSON form with identical predictions") {
  Predictor p = constant_predictor(3.0);
  p.classes[static_cast<size_t>(OpClass::conv_pointwise)]->theta[1] = 0.5;  // depends on log work
  const Json j = to_json(p);
  CHECK(j["schema"] == "cpubone-explore/predictor/v2");
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

TEST_CASE("ops outside the profiled ranges of their class are named in predict's JSON, per network and per op", "[predictor]") {
  // Ranges exactly those of b0 at one thread: b0 lies inside, b0 at 4 threads lies outside in threads only.
  Predictor p = constant_predictor(10.0);
  const Network b0 = find_zoo("b0")->build(0);
  for (auto& m : p.classes) {
    m->lo.fill(1e9);
    m->hi.fill(-1e9);
  }
  auto widen = [&](OpClass c, const std::array<double, base_feature_count>& base) {
    auto& m = *p.classes[static_cast<size_t>(c)];
    for (size_t k = 0; k < base_feature_count; ++k) {
      m.lo[k] = std::min(m.lo[k], base[k]);
      m.hi[k] = std::max(m.hi[k], base[k]);
    }
  };
  for (size_t i = 0; i < b0.ops.size(); ++i) {
    const OpFeatures f = op_features(b0, i, 1);
    widen(f.op_class, f.base);
    if (f.has_activation) widen(OpClass::elementwise, f.activation);
  }
  const Json inside = prediction_json(p, b0, predict(p, b0, 1), 1, true);
  CHECK(inside["outside_profile"] == false);
  CHECK(inside["ops_outside_profile"] == 0);
  for (const auto& r : inside["layers"]) CHECK(r["outside_features"].empty());

  const Json threads4 = prediction_json(p, b0, predict(p, b0, 4), 4, true);
  CHECK(threads4["outside_profile"] == true);
  CHECK(threads4["ops_outside_profile"] == b0.ops.size());
  for (const auto& name : threads4["outside_profile_features"]) CHECK(name.get<std::string>().ends_with(".log_threads"));
  const Json& first = threads4["layers"][0]["outside_features"][0];
  CHECK(first["feature"] == "log_threads");
  CHECK(first["value"].get<double>() == Approx(std::log(4.0)));
  CHECK(first["hi"].get<double>() == Approx(0.0));

  // A wider network than b0: its widest convs lie outside in their channel features.
  const Network wide = find_zoo("resnet50")->build(0);
  const Json r50 = prediction_json(p, wide, predict(p, wide, 1), 1, false);
  CHECK(r50["outside_profile"] == true);
  CHECK(r50["ops_outside_profile"].get<int64_t>() > 0);
  CHECK(r50.count("layers") == 0);
  bool channels = false;
  for (const auto& name : r50["outside_profile_features"]) channels |= name.get<std::string>().find("per_group") != std::string::npos;
  CHECK(channels);
}

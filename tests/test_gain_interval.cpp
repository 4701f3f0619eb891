// Advise's gain intervals (predictor/gain_interval.hpp, issue 73): sized by what a change does to the predicted
// time, per op class and per op, so that a rewrite keeping the op class is surer than one swapping it.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "explorer/advise.hpp"
#include "predictor/devices.hpp"
#include "predictor/gain_interval.hpp"
#include "predictor/statistics.hpp"
#include "space/blocks.hpp"
#include "space/zoo.hpp"

using namespace cpx;

namespace {

double width(const Gain& g) { return *g.high - *g.low; }

// The device's host model alone (as interval_evidence takes it): the host's evidence, no device term.
predictor::Predictor host_of(const predictor::Predictor& d) {
  predictor::Predictor host = d;
  host.calibrated.reset();
  return host;
}

}  // namespace

TEST_CASE("the shipped gain evidence reads: classes with evidence, op residuals, a block correlation from 0 up to 1",
          "[gain_interval]") {
  const predictor::GainEvidence& e = predictor::shipped_gain_evidence(1);
  CHECK_FALSE(e.source.empty());
  CHECK(e.class_known[static_cast<size_t>(predictor::OpClass::conv_pointwise)]);
  CHECK(e.class_known[static_cast<size_t>(predictor::OpClass::conv_dense)]);
  for (size_t c = 0; c < predictor::op_class_count; ++c) {
    CHECK(e.op_rms[c] >= 0);
    if (e.class_known[c]) CHECK(e.class_second[c][c] > 0);
  }
  CHECK(e.block_correlation >= 0);
  CHECK(e.block_correlation < 1);
}

TEST_CASE("advice at a thread count takes the evidence read at the most threads not above it", "[gain_interval]") {
  CHECK(predictor::shipped_gain_evidence(1).threads == 1);
  CHECK(predictor::shipped_gain_evidence(2).threads == 2);
  CHECK(predictor::shipped_gain_evidence(4).threads == 2);  // pi5's: more threads than any evidence was read at
  CHECK(predictor::shipped_gain_evidence(2).source != predictor::shipped_gain_evidence(1).source);
}

TEST_CASE("a change the per-op evidence calls sure still carries the floor, a share of the network's time",
          "[gain_interval]") {
  const predictor::Predictor p = host_of(predictor::load_predictor("pi5"));
  for (int64_t threads : {1, 2}) {
    const predictor::GainEvidence& e = predictor::shipped_gain_evidence(threads);
    INFO(threads << " thread(s): " << e.source);
    CHECK(e.floor_share > 0);
    CHECK(e.floor_share < 0.02);           // a floor of 2% of the network would swamp every single rewrite
    const predictor::ChangedTime nothing;  // no op's time moves
    const predictor::GainSpread small = predictor::gain_spread(nothing, e, p, 1000),
                                large = predictor::gain_spread(nothing, e, p, 4000);
    CHECK(small.class_us == 0);
    CHECK(small.op_us == 0);
    CHECK(small.total_us() == Approx(e.floor_share * 1000));
    CHECK(large.total_us() == Approx(4 * small.total_us()));
    const auto bounds = predictor::gain_bounds(1000, 1000, small, predictor::interval_level);
    CHECK(bounds[0] < 0);
    CHECK(bounds[1] > 0);
  }
}

TEST_CASE("measured gains scale the class and op parts the per-op evidence gives", "[gain_interval]") {
  const predictor::Predictor p = host_of(predictor::load_predictor("pi5"));
  predictor::GainEvidence e = predictor::shipped_gain_evidence(2);
  CHECK(e.class_scale >= 0);
  CHECK(e.op_scale >= 0);
  predictor::ChangedTime swap;
  swap.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_dense)] = 1000;
  swap.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_grouped)] = -600;
  swap.op_variance_us2 = 40 * 40;
  e.class_scale = e.op_scale = 1;
  const predictor::GainSpread evidence_alone = predictor::gain_spread(swap, e, p, 5000);
  e.class_scale = 2;
  e.op_scale = 3;
  const predictor::GainSpread scaled = predictor::gain_spread(swap, e, p, 5000);
  CHECK(evidence_alone.class_us > 0);
  CHECK(scaled.class_us == Approx(2 * evidence_alone.class_us));
  CHECK(scaled.op_us == Approx(3 * 40));
  CHECK(scaled.floor_us == Approx(evidence_alone.floor_us));
}

TEST_CASE("the same time saved is surer within one op class than across two, and every bound stays below 100%",
          "[gain_interval]") {
  const predictor::Predictor p = host_of(predictor::load_predictor("pi5"));
  const predictor::GainEvidence& e = predictor::shipped_gain_evidence(1);
  // 1000 us of pointwise conv becomes 950 us: of pointwise conv (channel rounding), or of another class.
  predictor::ChangedTime keep, swap;
  keep.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_pointwise)] = 50;
  swap.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_pointwise)] = 1000;
  swap.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_grouped)] = -950;
  const predictor::GainSpread keep_spread = predictor::gain_spread(keep, e, p, 10000),
                              swap_spread = predictor::gain_spread(swap, e, p, 10000);
  CHECK(keep_spread.class_us > 0);
  CHECK(keep_spread.class_us < 0.2 * swap_spread.class_us);
  const auto keep_bounds = predictor::gain_bounds(10000, 9950, keep_spread, predictor::interval_level);
  const auto swap_bounds = predictor::gain_bounds(10000, 9950, swap_spread, predictor::interval_level);
  CHECK(keep_bounds[0] <= 0.005);
  CHECK(keep_bounds[1] >= 0.005);
  CHECK(keep_bounds[1] - keep_bounds[0] < swap_bounds[1] - swap_bounds[0]);
  // A change whose spread is many times the new network's time: still below 1.
  predictor::GainSpread huge;
  huge.class_us = 1e6;
  const auto wild = predictor::gain_bounds(1000, 10, huge, predictor::interval_level);
  CHECK(std::isfinite(wild[0]));
  CHECK(wild[1] < 1);
}

TEST_CASE("a 1x1 conv made grouped stays pointwise but runs other GEMMs: its residual is a new one, not the old one's",
          "[gain_interval]") {
  auto one_conv = [](int64_t channels, int64_t groups) {
    NetworkBuilder b("one", "test", {1, 14, 14, 64}, Where("one"));
    return std::move(b).finish(
        b.add("pw", {std::string(input_tensor)}, same_conv(channels, 1, 1, groups, false, true, Activation::relu)));
  };
  const Network before = one_conv(64, 1), rounded = one_conv(48, 1), grouped = one_conv(64, 2);
  auto priced = [](const Network& net, double us) {
    predictor::NetworkPrediction p;
    p.ops.push_back({predictor::op_features(net, 0, 1).op_class, 0, us, 0, std::nullopt});
    return p;
  };
  const predictor::NetworkPrediction p_before = priced(before, 100), p_rounded = priced(rounded, 60),
                                     p_grouped = priced(grouped, 60);
  REQUIRE(p_grouped.ops[0].op_class == predictor::OpClass::conv_pointwise);
  const double before_us[] = {100}, after_us[] = {60};
  const predictor::GainEvidence& e = predictor::shipped_gain_evidence(1);
  const predictor::ChangedTime time_only =
      predictor::changed_time({before, p_before, before_us}, {rounded, p_rounded, after_us}, e);
  const predictor::ChangedTime regrouped =
      predictor::changed_time({before, p_before, before_us}, {grouped, p_grouped, after_us}, e);
  // The same 40 us saved in the same class: only the op-level part differs.
  CHECK(time_only.class_delta_us == regrouped.class_delta_us);
  CHECK(regrouped.op_variance_us2 > 4 * time_only.op_variance_us2);
}

TEST_CASE(
    "in MobileNetV2, rounding a block's channels (the classes kept) gets a narrower gain interval than fusing its "
    "expansion and depthwise convs into one dense conv (two classes swapped for a third)",
    "[gain_interval]") {
  const Network net = find_zoo("mobilenetv2-1.0")->build(0);
  explorer::AdviceOptions o;
  o.evaluations = 16;
  o.vector_channels = 32;  // 96, 144, 192, 384, 576 and 960 expanded channels: 144 and 576 round
  const predictor::Predictor pi5 = predictor::load_predictor("pi5");
  for (const predictor::Predictor& p : {pi5, host_of(pi5)}) {
    INFO((p.calibrated ? "pi5" : "pi5's host model"));
    const explorer::Advice a = explorer::advise(net, p, o);
    std::map<std::string, double> widest_round, narrowest_fused;  // by block name
    for (const AdviceSuggestion& s : a.suggestions) {
      REQUIRE(s.gain.low);
      if (s.rewrite.kind == RewriteKind::round_channels)
        widest_round[s.block] = std::max(widest_round[s.block], width(s.gain));
      if (s.rewrite.kind == RewriteKind::fuse_mbconv)
        narrowest_fused[s.block] =
            narrowest_fused.count(s.block) ? std::min(narrowest_fused[s.block], width(s.gain)) : width(s.gain);
    }
    size_t compared = 0;
    for (const auto& [block, w] : widest_round)
      if (narrowest_fused.count(block)) {
        INFO(block << ": round_channels " << w << ", fuse_mbconv " << narrowest_fused[block]);
        CHECK(w < narrowest_fused[block]);
        ++compared;
      }
    CHECK(compared >= 2);
  }
}

TEST_CASE(
    "the advice's text and JSON say what a gain interval covers: its level, the predicted gain, not a measurement's "
    "noise",
    "[gain_interval]") {
  const Network net = find_zoo("mobilenetv2-1.0")->build(96);
  explorer::AdviceOptions o;
  o.evaluations = 16;
  const explorer::Advice a = explorer::advise(net, predictor::load_predictor("pi5"), o);
  const Json j = to_json(a);
  const std::string method = j["gain_interval_method"].get<std::string>();
  CHECK(method.find("80%") != std::string::npos);
  CHECK(method.find("noise is not in it") != std::string::npos);
  CHECK(method.find("held-out") != std::string::npos);
}

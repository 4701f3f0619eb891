// Advise's gain intervals (predictor/gain_interval.hpp, issue 73): sized by what a change does to the predicted
// time, per op class and per op, so that a rewrite keeping the op class is surer than one swapping it.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "explorer/advise.hpp"
#include "predictor/devices.hpp"
#include "predictor/gain_interval.hpp"
#include "predictor/statistics.hpp"
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

TEST_CASE("the same time saved is surer within one op class than across two, and every bound stays below 100%",
          "[gain_interval]") {
  const predictor::Predictor p = host_of(predictor::load_predictor("pi5"));
  const predictor::GainEvidence& e = predictor::shipped_gain_evidence(1);
  // 1000 us of pointwise conv becomes 950 us: of pointwise conv (channel rounding), or of grouped conv (groups 2).
  predictor::ChangedTime keep, swap;
  keep.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_pointwise)] = 50;
  swap.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_pointwise)] = 1000;
  swap.class_delta_us[static_cast<size_t>(predictor::OpClass::conv_grouped)] = -950;
  const double keep_sd = predictor::gain_spread(keep, e, p).total_us(),
               swap_sd = predictor::gain_spread(swap, e, p).total_us();
  CHECK(keep_sd > 0);
  CHECK(keep_sd < 0.2 * swap_sd);
  const auto keep_bounds =
      predictor::gain_bounds(10000, 9950, predictor::gain_spread(keep, e, p), predictor::interval_level);
  const auto swap_bounds =
      predictor::gain_bounds(10000, 9950, predictor::gain_spread(swap, e, p), predictor::interval_level);
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

TEST_CASE(
    "in MobileNetV2, rounding a block's channels (the classes kept) gets a narrower gain interval than grouping its "
    "expansion conv",
    "[gain_interval]") {
  const Network net = find_zoo("mobilenetv2-1.0")->build(0);
  explorer::AdviceOptions o;
  o.evaluations = 16;
  o.vector_channels = 32;  // 96, 144, 192, 384, 576 and 960 expanded channels: 144 and 576 round
  const predictor::Predictor pi5 = predictor::load_predictor("pi5");
  for (const predictor::Predictor& p : {pi5, host_of(pi5)}) {
    INFO((p.calibrated ? "pi5" : "pi5's host model"));
    const explorer::Advice a = explorer::advise(net, p, o);
    std::map<std::string, double> widest_round, narrowest_group;  // by block name
    for (const AdviceSuggestion& s : a.suggestions) {
      REQUIRE(s.gain.low);
      if (s.rewrite.kind == RewriteKind::round_channels)
        widest_round[s.block] = std::max(widest_round[s.block], width(s.gain));
      if (s.rewrite.kind == RewriteKind::group_conv)
        narrowest_group[s.block] =
            narrowest_group.count(s.block) ? std::min(narrowest_group[s.block], width(s.gain)) : width(s.gain);
    }
    size_t compared = 0;
    for (const auto& [block, w] : widest_round)
      if (narrowest_group.count(block)) {
        INFO(block << ": round_channels " << w << ", group_conv " << narrowest_group[block]);
        CHECK(w < narrowest_group[block]);
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

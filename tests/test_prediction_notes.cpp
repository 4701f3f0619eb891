// A prediction's caveats are the same in text, JSON and Python: predictor::prediction_notes turns the
// prediction's fields into lines, which `predict` prints and Python raises as warnings; each line says only
// what is true, and each stands on a field `predict --json` carries.
#include <catch2/catch.hpp>

#include "predictor/devices.hpp"
#include "predictor/prediction_notes.hpp"
#include "processes.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using predictor::NetworkPrediction;
using predictor::OutsideOps;
using predictor::prediction_notes;

namespace {

NetworkPrediction uncalibrated(double share, double factor) {
  NetworkPrediction p;
  p.latency_us = 100;
  p.interval_us = std::array<double, 2>{90, 110};
  p.uncalibrated = predictor::Uncalibrated{share, {{predictor::OpKind{predictor::WorkClass::norm}, share}}};
  p.widening.emplace().factor = factor;
  return p;
}

}  // namespace

TEST_CASE("a prediction without caveats has no notes, and each caveat is one line", "[notes]") {
  NetworkPrediction plain;
  plain.latency_us = 100;
  CHECK(prediction_notes(plain, {}, "net").empty());
  CHECK(prediction_notes(uncalibrated(0.0, 2.0), {}, "net").empty());
  NetworkPrediction warned = plain;
  warned.interval_us = std::array<double, 2>{90, 110};
  warned.interval_warning = "held out by model within the CPUBone family only: it says nothing of a ResNet network";
  CHECK(prediction_notes(warned, {}, "net") ==
        std::vector<std::string>{
            "interval: held out by model within the CPUBone family only: it says nothing of a ResNet network"});
  OutsideOps outside;
  outside.ops = 2;
  outside.features = {"conv_dense.log_cin", "pool.log_hw"};
  CHECK(prediction_notes(plain, outside, "net") ==
        std::vector<std::string>{"2 ops lie outside the profiled ranges of their class (the model extrapolates): "
                                 "conv_dense.log_cin, pool.log_hw"});
  CHECK(prediction_notes(plain, {}, "cyclemlp-b1", "CycleFC's gather") ==
        std::vector<std::string>{
            "not included: CycleFC's gather; the original cyclemlp-b1 runs it, so expect it slower than predicted"});
}

TEST_CASE(
    "work the calibration barely exercised is never \"0%\" of the time and the interval is widened only when it is",
    "[notes]") {
  const std::string prefix = " of the time is in work the device's calibration networks barely exercised (norm ";
  const std::string host = "): the host's relative cost, transferred; ";
  CHECK(prediction_notes(uncalibrated(0.08, 2.0), {}, "net") ==
        std::vector<std::string>{"8%" + prefix + "8%" + host + "the interval is widened for it"});
  // 0.1% of the time, widened by 0.1%: the line once read "0% ... (): the interval is widened".
  CHECK(prediction_notes(uncalibrated(0.001, 2.0), {}, "net") ==
        std::vector<std::string>{"<1%" + prefix + "<1%" + host + "the interval is widened for it, by less than 1%"});
  CHECK(prediction_notes(uncalibrated(0.08, 1.0), {}, "net") ==
        std::vector<std::string>{"8%" + prefix + "8%" + host +
                                 "the interval is not widened for it (its calibration found no extra error there)"});
}

TEST_CASE("no note of any zoo network on any shipped device says 0% or lists no kinds", "[notes]") {
  for (const std::string& device : predictor::shipped_device_names()) {
    const predictor::Predictor p = predictor::load_predictor(device);
    const int64_t threads = predictor::prediction_threads(p, std::nullopt);
    for (const ZooEntry& e : zoo()) {
      const Network net = e.build(0);
      const NetworkPrediction pred = predictor::predict(p, net, threads);
      for (const std::string& note :
           prediction_notes(pred, predictor::outside_profile(p, net, pred, threads), net.name, e.unmodelled_work)) {
        INFO(device << " " << e.name << ": " << note);
        CHECK(note.rfind("0%", 0) != 0);
        CHECK(note.find("()") == std::string::npos);
      }
    }
  }
}

TEST_CASE("predict prints in text every caveat its JSON carries", "[notes]") {
  // resnet50 on pixel7pro: a device calibrated on CPUBone alone, whose interval says nothing of ResNets.
  bool warned = false;
  for (const auto& [model, device] : std::vector<std::pair<std::string, std::string>>{
           {"resnet50", "pixel7pro"}, {"b0", "pi5"}, {"cyclemlp-b1", "a72"}, {"mobilevit-xs", "pi5"}}) {
    const std::string args = model + " --device " + device;
    INFO(args);
    const test::CliRun json = test::cli("predict " + args + " --json"), text = test::cli("predict " + args);
    REQUIRE(json.exit_code == 0);
    REQUIRE(text.exit_code == 0);
    const predictor::Predictor p = predictor::load_predictor(device);
    const int64_t threads = predictor::prediction_threads(p, std::nullopt);
    const Network net = find_zoo(model)->build(0);
    const NetworkPrediction pred = predictor::predict(p, net, threads);
    const std::vector<std::string> notes = prediction_notes(pred, predictor::outside_profile(p, net, pred, threads),
                                                            net.name, find_zoo(model)->unmodelled_work);
    for (const std::string& note : notes) CHECK(text.out.find("\n" + note + "\n") != std::string::npos);
    // Each note stands on a field of the JSON document.
    const Json doc = Json::parse(json.out);
    CHECK(doc.value("uncalibrated_share", 0.0) == (pred.uncalibrated ? pred.uncalibrated->share : 0.0));
    CHECK(doc.value("ops_outside_profile", int64_t{-1}) == predictor::outside_profile(p, net, pred, threads).ops);
    CHECK(doc.value("unmodelled_work", std::string()) == find_zoo(model)->unmodelled_work);
    const Json interval = doc.value("interval", Json::object());
    CHECK(interval.value("warning", std::string()) == pred.interval_warning);
    CHECK(interval.contains("outside_calibration_sizes") == pred.outside_calibration_sizes.has_value());
    if (pred.widening && pred.widening->width_share_unseen)
      CHECK(interval["uncalibrated"]["width_share_unseen"].get<double>() == *pred.widening->width_share_unseen);
    warned = warned || std::any_of(notes.begin(), notes.end(),
                                   [](const std::string& n) { return n.rfind("interval: held out by model", 0) == 0; });
  }
  CHECK(warned);
}

TEST_CASE(
    "dilated convs are work of their own that no shipped device was calibrated on: named, and the interval widened for "
    "them",
    "[notes]") {
  // ResNet-18 with its last stage's 3x3 convs dilated 2 (padding 2, as torchvision's replace_stride_with_dilation
  // writes them; the shapes stay) against the same network undilated.
  const Network plain = find_zoo("resnet18")->build(0);
  Network dilated = plain;
  int changed = 0;
  for (size_t i = 0; i < dilated.ops.size(); ++i)
    if (auto* c = std::get_if<Conv2d>(&dilated.ops[i].attrs); c && c->kernel == std::array<int64_t, 2>{3, 3} &&
                                                              c->stride == std::array<int64_t, 2>{1, 1} &&
                                                              dilated.shapes[i].c == 512) {
      c->dilation = {2, 2}, c->padding = {2, 2, 2, 2};
      ++changed;
    }
  REQUIRE(changed == 3);
  dilated = read_network(to_json(dilated), "dilated");  // shapes inferred again: the same, padding 2 at dilation 2
  size_t devices_with_shares = 0;
  for (const std::string& device : predictor::shipped_device_names()) {
    INFO(device);
    const predictor::Predictor p = predictor::load_predictor(device);
    const int64_t threads = predictor::prediction_threads(p, std::nullopt);
    const NetworkPrediction a = predictor::predict(p, plain, threads), b = predictor::predict(p, dilated, threads);
    if (!b.uncalibrated) continue;  // a device without per-kind shares has no such notes
    ++devices_with_shares;
    std::set<std::string> kinds;
    for (const auto& [kind, share] : b.uncalibrated->kinds) kinds.insert(to_string(kind));
    CHECK(kinds.count("dense conv 3x3 dilated") == 1);
    REQUIRE(a.interval_us);
    REQUIRE(b.interval_us);
    CHECK((*b.interval_us)[1] / (*b.interval_us)[0] > (*a.interval_us)[1] / (*a.interval_us)[0]);
  }
  CHECK(devices_with_shares >= 1);
}

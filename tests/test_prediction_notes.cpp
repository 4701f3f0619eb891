// A prediction's caveats are the same in text, JSON and Python: predictor::prediction_notes turns the JSON
// document into lines, which `predict` prints and Python raises as warnings; each line says only what is true.
#include <catch2/catch.hpp>

#include "predictor/devices.hpp"
#include "predictor/prediction_notes.hpp"
#include "processes.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using predictor::prediction_notes;

namespace {

Json uncalibrated(double share, double factor) {
  return {{"model", "net"},
          {"uncalibrated_share", share},
          {"uncalibrated_kinds", {{{"kind", "norm"}, {"share", share}}}},
          {"interval", {{"uncalibrated", {{"share", share}, {"factor", factor}}}}}};
}

}  // namespace

TEST_CASE("a prediction without caveats has no notes, and each caveat of the JSON is one line", "[notes]") {
  CHECK(prediction_notes({{"model", "net"}, {"latency_us", 100.0}, {"outside_profile", false}}).empty());
  CHECK(prediction_notes(uncalibrated(0.0, 2.0)).empty());
  const Json warned = {{"interval", {{"warning", "held out by model within the CPUBone family only: it says nothing of a ResNet network"}}}};
  CHECK(prediction_notes(warned) ==
        std::vector<std::string>{"interval: held out by model within the CPUBone family only: it says nothing of a ResNet network"});
  const Json outside = {{"outside_profile", true}, {"ops_outside_profile", 2}, {"outside_profile_features", {"conv_dense.log_cin", "pool.log_hw"}}};
  CHECK(prediction_notes(outside) ==
        std::vector<std::string>{"2 ops lie outside the profiled ranges of their class (the model extrapolates): conv_dense.log_cin, pool.log_hw"});
  const Json unmodelled = {{"model", "cyclemlp-b1"}, {"unmodelled_work", "CycleFC's gather"}};
  CHECK(prediction_notes(unmodelled) ==
        std::vector<std::string>{"not included: CycleFC's gather; the original cyclemlp-b1 runs it, so expect it slower than predicted"});
}

TEST_CASE("work the calibration barely exercised is never \"0%\" of the time and the interval is widened only when it is", "[notes]") {
  const std::string prefix = " of the time is in work the device's calibration networks barely exercised (norm ";
  const std::string host = "): the host's relative cost, transferred; ";
  CHECK(prediction_notes(uncalibrated(0.08, 2.0)) == std::vector<std::string>{"8%" + prefix + "8%" + host + "the interval is widened for it"});
  // 0.1% of the time, widened by 0.1%: the line once read "0% ... (): the interval is widened".
  CHECK(prediction_notes(uncalibrated(0.001, 2.0)) ==
        std::vector<std::string>{"<1%" + prefix + "<1%" + host + "the interval is widened for it, by less than 1%"});
  CHECK(prediction_notes(uncalibrated(0.08, 1.0)) ==
        std::vector<std::string>{"8%" + prefix + "8%" + host + "the interval is not widened for it (its calibration found no extra error there)"});
}

TEST_CASE("no note of any zoo network on any shipped device says 0% or lists no kinds", "[notes]") {
  for (const std::string& device : predictor::shipped_device_names()) {
    const predictor::Predictor p = predictor::load_predictor(device);
    const int64_t threads = predictor::prediction_threads(p, std::nullopt);
    for (const ZooEntry& e : zoo()) {
      const Network net = e.build(0);
      for (const std::string& note : prediction_notes(predictor::prediction_json(p, net, predictor::predict(p, net, threads), threads, false))) {
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
  for (const char* args : {"resnet50 --device pixel7pro", "b0 --device pi5", "cyclemlp-b1 --device a72", "mobilevit-xs --device pi5"}) {
    INFO(args);
    const test::CliRun json = test::cli(std::string("predict ") + args + " --json"), text = test::cli(std::string("predict ") + args);
    REQUIRE(json.exit_code == 0);
    REQUIRE(text.exit_code == 0);
    const std::vector<std::string> notes = prediction_notes(Json::parse(json.out));
    for (const std::string& note : notes) CHECK(text.out.find("\n" + note + "\n") != std::string::npos);
    warned = warned || std::any_of(notes.begin(), notes.end(), [](const std::string& n) { return n.rfind("interval: held out by model", 0) == 0; });
  }
  CHECK(warned);
}

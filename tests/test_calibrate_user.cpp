// Calibrating a device from the user's own timed networks, choosing among candidates held out and nested,
// and saying what the calibration never saw.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "error_of.hpp"
#include "predictor/calibrate.hpp"
#include "predictor/calibration_choice.hpp"
#include "predictor/op_kinds.hpp"
#include "profiler/executor/weights.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"
#include "synthetic_predictor.hpp"

using namespace cpx;
using namespace cpx::predictor;
namespace fs = std::filesystem;

namespace {

PublishedPoint point(const std::string& model, double ms, const std::string& family) {
  return {model, ms, family, find_zoo(model)->build(0), 0, ""};
}

// A device where MACs are not the whole story: each op costs 20 us plus its MACs at 10 GMACpS, with a fixed
// pseudo-random error per network.
// `slow_kinds` (op_kind) cost ten times that.
std::vector<PublishedPoint> device_points(const std::vector<std::pair<const char*, const char*>>& models,
                                          const std::set<std::string>& slow_kinds = {}) {
  std::vector<PublishedPoint> out;
  uint64_t state = 99;
  for (const auto& [m, fam] : models) {
    const Network net = find_zoo(m)->build(0);
    double us = 0;
    for (size_t i = 0; i < net.ops.size(); ++i)
      us += (20 + op_features(net, i, 1).macs / 1e4) * (slow_kinds.count(to_string(op_kind(net, i))) ? 10 : 1);
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
    out.push_back(point(m, us * (1 + 0.1 * (2 * u - 1)) / 1e3, fam));
  }
  return out;
}

const std::vector<std::pair<const char*, const char*>> cnn_models = {{"resnet18", "ResNet"},
                                                                     {"resnet50", "ResNet"},
                                                                     {"mobilenetv1-1.0", "MobileNet"},
                                                                     {"mobilenetv2-1.0", "MobileNet"},
                                                                     {"mobilenetv2-1.4", "MobileNet"},
                                                                     {"mobileone-s0", "MobileOne"},
                                                                     {"mobileone-s1", "MobileOne"},
                                                                     {"mobileone-s2", "MobileOne"},
                                                                     {"b0", "CPUBone"},
                                                                     {"b1", "CPUBone"},
                                                                     {"b2", "CPUBone"}};
// Plain CNNs only: no attention, norms or GELU anywhere.
const std::vector<std::pair<const char*, const char*>> plain_cnn_models = {
    {"resnet18", "ResNet"},           {"resnet50", "ResNet"},           {"mobilenetv1-1.0", "MobileNet"},
    {"mobilenetv2-1.0", "MobileNet"}, {"mobilenetv2-1.4", "MobileNet"}, {"mobileone-s0", "MobileOne"},
    {"mobileone-s1", "MobileOne"},    {"mobileone-s2", "MobileOne"}};

// A candidate that predicts fixed values whatever it is fitted on.
predictor::Candidate fixed(const std::string& name, std::vector<double> values) {
  return {name, [values](const std::vector<Eigen::Index>&) {
            return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size())).eval();
          }};
}

fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cpx_calib_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("the one-standard-error rule keeps the simpler candidate unless a richer one wins by more than the noise") {
  // Four groups of one row each, actual 100 everywhere: a candidate's error in group g is |pred_g / 100 - 1|.
  const Eigen::VectorXd actual = Eigen::VectorXd::Constant(4, 100.0);
  const std::vector<Eigen::Index> rows{0, 1, 2, 3};
  const std::vector<std::string> group{"a", "b", "c", "d"};
  // Simple errs 10% everywhere; rich errs 2% everywhere: a clear, consistent win.
  const predictor::Candidate simple = fixed("simple", {110, 110, 110, 110});
  CHECK(choose_candidate({simple, fixed("rich", {102, 98, 102, 98})}, actual, rows, group).chosen == 1);
  // Rich is better on average (7.5% vs 10%) but only through one group: within one standard error.
  const CandidateChoice noisy = choose_candidate({simple, fixed("rich", {100, 100, 100, 130})}, actual, rows, group);
  CHECK(noisy.best == 1);
  CHECK(noisy.chosen == 0);
  CHECK(noisy.standard_error > 0);
  // A richer candidate worse than the simplest is never kept, even if it is the best among the rich ones.
  CHECK(choose_candidate({simple, fixed("worse", {120, 120, 120, 120})}, actual, rows, group).chosen == 0);
  // Between two richer ones that both beat the simplest clearly, the simpler of them within the noise: rich
  // errs 0, 0, 0, 8% (mean 2%), mid 3% everywhere; the paired differences 3, 3, 3, -5 have mean 1 and
  // standard error 2.
  CHECK(choose_candidate({simple, fixed("mid", {103, 97, 103, 97}), fixed("rich", {100, 100, 100, 108})}, actual, rows,
                         group)
            .chosen == 1);
  // A consistent win, however small, is no noise: 2% against 3% on every group.
  CHECK(choose_candidate({simple, fixed("mid", {103, 97, 103, 97}), fixed("rich", {102, 98, 102, 98})}, actual, rows,
                         group)
            .chosen == 2);
}

TEST_CASE("the nested choice of a family with one network beside it falls back to the simplest candidate") {
  // Family "a" has every row but one: held out, the single row of "b" is all there is to choose on.
  const Eigen::VectorXd actual = Eigen::VectorXd::Constant(4, 100.0);
  const NestedPredictions n = nested_held_out(
      {fixed("simple", {110, 110, 110, 110}), fixed("rich", {100, 100, 100, 100})}, actual, {"a", "a", "a", "b"});
  CHECK(n.chosen[0] == 0);  // simple
  CHECK(n.predicted[0] == 110);
  // Held out, "b" is predicted by the choice among the rows of "a", each its own group: rich is exact there.
  CHECK(n.chosen[3] == 1);  // rich
}

TEST_CASE(
    "the nested choice never sees the held-out family: a poisoned family leaves its own nested predictions unchanged") {
  const Predictor host = constant_predictor(1.0);
  const Hardware hw = with_threads(*shipped_hardware("pi5"), 1, "test");
  const std::vector<PublishedPoint> points = device_points(cnn_models);
  const Calibration clean = calibrate(host, test_host, hw, points, "p.csv", "r");
  REQUIRE(clean.nested.lofo_us.size() == points.size());
  for (const std::string family : {"ResNet", "MobileOne", "CPUBone"}) {
    INFO(family);
    std::vector<PublishedPoint> poisoned = points;
    for (auto& p : poisoned)
      if (p.family == family) p.latency_ms *= 1000;
    const Calibration bad = calibrate(host, test_host, hw, poisoned, "p.csv", "r");
    bool others_moved = false;
    for (size_t i = 0; i < points.size(); ++i) {
      if (points[i].family == family) CHECK(bad.nested.lofo_us[i] == clean.nested.lofo_us[i]);
      else others_moved = others_moved || bad.nested.lofo_us[i] != clean.nested.lofo_us[i];
    }
    CHECK(others_moved);  // the poison reaches the families it is not held out from: the test can fail
  }
  // The nested figures are stored beside every candidate's, and the device is never worse than MACs alone
  // held out by family.
  const CalibrationHeldOut& h = clean.device.calibrated->held_out.value();
  REQUIRE(h.nested);
  CHECK(h.nested->by_family);
  CHECK(h.find(clean.chosen)->lofo.value().mape <= h.find(CalibrationMethod::macs_only)->lofo.value().mape);
  REQUIRE(h.methods.size() == clean.held_out.size());
  for (size_t m = 0; m < h.methods.size(); ++m) {
    INFO(to_string(h.methods[m].method));
    CHECK(h.methods[m].method == clean.held_out[m].method);  // simplest first
    CHECK(h.methods[m].lofo);
  }
  // The device's own MACs-per-op law is what the physical candidate recovers here (20 us per op, 1e-4 us per MAC).
  const Calibration physical = calibrate(host, test_host, hw, points, "p.csv", "r", CalibrationMethod::physical);
  // Its per-op time is what MACs alone miss.
  CHECK(physical.device.calibrated->linear[2] > 0);
  CHECK(h.find(CalibrationMethod::physical)->lofo.value().mape <
        h.find(CalibrationMethod::macs_only)->lofo.value().mape);
  const Predictor back = predictor_from_json(to_json(physical.device), "d.json");
  const Network b0 = find_zoo("b0")->build(0);
  CHECK(predict(back, b0, 1).latency_us == Approx(predict(physical.device, b0, 1).latency_us));
}

TEST_CASE("a network made of work the calibration never exercised gets a wider interval that names it") {
  const Predictor host = constant_predictor(1.0);
  const Hardware hw = with_threads(*shipped_hardware("pi5"), 1, "test");
  const Calibration c = calibrate(host, test_host, hw, device_points(plain_cnn_models), "p.csv", "r");
  const Calibrated& d = *c.device.calibrated;
  CHECK(d.kind_share.count(predictor::OpKind{predictor::WorkClass::attention}) == 0);
  CHECK(d.uncalibrated_factor >= 1);
  // A CNN like the calibration's: next to nothing uncalibrated.
  const NetworkPrediction cnn = predict(c.device, find_zoo("resnet18")->build(0), 1);
  REQUIRE(cnn.uncalibrated);
  CHECK(cnn.uncalibrated->share < 0.1);
  // A transformer: attention and layer norms, which none of the CNNs ran.
  const Network swin = find_zoo("swin-t")->build(0);
  const NetworkPrediction t = predict(c.device, swin, 1);
  REQUIRE(t.uncalibrated);
  CHECK(t.uncalibrated->share > 0.1);
  std::set<std::string> kinds;
  for (const auto& [kind, share] : t.uncalibrated->kinds) kinds.insert(to_string(kind));
  CHECK(kinds.count("attention") == 1);
  CHECK(kinds.count("norm") == 1);
  // Widened as stated.
  const double s = t.uncalibrated->share, F = d.uncalibrated_factor;
  CHECK((*t.interval_us)[0] == Approx(t.latency_us / (1 + d.interval.error_high) * (1 - s + s / F)));
  CHECK((*t.interval_us)[1] == Approx(t.latency_us / (1 + d.interval.error_low) * (1 - s + s * F)));
  // predict's JSON names them.
  const Json j = prediction_to_json(c.device, swin, t, 1, false);
  CHECK(j["uncalibrated_share"].get<double>() == Approx(s));
  CHECK(j["uncalibrated_kinds"][0]["kind"].is_string());
  CHECK(j["interval"]["uncalibrated"]["factor"].get<double>() == F);
  // And the widening round-trips through the device file.
  const Predictor back = predictor_from_json(to_json(c.device), "d.json");
  CHECK((*predict(back, swin, 1).interval_us)[1] == Approx((*t.interval_us)[1]));
}

TEST_CASE(
    "the widening is sized from held-out cases like it: a family whose new kinds the device runs slowly widens it") {
  // The device runs attention, norms and GELU ten times slower than the host's costs say. Held out, the PVT
  // family is the case: the CNN families never ran those kinds, and its held-out errors are far out.
  std::vector<std::pair<const char*, const char*>> models = plain_cnn_models;
  for (const char* m : {"pvt-tiny", "pvt-small", "pvt-medium", "pvt-large"}) models.emplace_back(m, "PVT");
  const Calibration c = calibrate(constant_predictor(1.0), test_host, with_threads(*shipped_hardware("pi5"), 1, "test"),
                                  device_points(models, {"attention", "norm", "gelu"}), "p.csv", "r");
  const Calibrated& d = *c.device.calibrated;
  REQUIRE(d.uncalibrated);
  REQUIRE(d.uncalibrated->factor);
  const UncalibratedSizing::Factor& f = *d.uncalibrated->factor;
  CHECK(f.sized);
  CHECK(f.cases >= 4);
  CHECK(d.uncalibrated_factor > 1);
  CHECK(to_json(*d.uncalibrated, d.uncalibrated_factor)["factor"] == d.uncalibrated_factor);
  REQUIRE(f.coverage_widened);
  REQUIRE(f.coverage_unwidened);
  CHECK(*f.coverage_widened >= interval_level);
  CHECK(*f.coverage_widened > *f.coverage_unwidened);
}

TEST_CASE("a device calibrated from 5 of the user's network files (JSON and ONNX) works and says how few it had") {
  const fs::path dir = scratch_dir("five");
  fs::create_directories(dir / "nets");
  std::ofstream csv(dir / "timed.csv");
  csv << "model,latency_ms,family,threads\n";
  const std::vector<std::pair<const char*, double>> timed = {
      {"resnet18", 40}, {"mobilenetv2-1.0", 15}, {"b0", 22}, {"b1", 30}, {"mobileone-s0", 18}};
  for (size_t i = 0; i < timed.size(); ++i) {
    const Network net = find_zoo(timed[i].first)->build(0);
    const std::string file = std::string("nets/") + timed[i].first + (i == 0 ? ".onnx" : ".json");
    if (i == 0)
      std::ofstream(dir / file, std::ios::binary) << profiler::export_onnx(net, profiler::make_weights(net, 1));
    else std::ofstream(dir / file) << to_json(net).dump();
    csv << file << "," << timed[i].second << "," << (i < 2 ? "classic" : i < 4 ? "cpubone" : "mobileone") << ",1\n";
  }
  csv.close();
  const std::vector<PublishedPoint> points = read_published((dir / "timed.csv").string(), "");
  REQUIRE(points.size() == 5);
  CHECK(points[0].model == "nets/resnet18.onnx");
  CHECK(points[0].threads == 1);
  CHECK(points[1].net.ops.size() == find_zoo("mobilenetv2-1.0")->build(0).ops.size());
  const Calibration c = calibrate(constant_predictor(1.0), test_host,
                                  with_threads(*shipped_hardware("pi5"), 1, "timed.csv"), points, "timed.csv", "r");
  const Sureness& sure = c.device.calibrated->held_out.value().sureness;
  CHECK(sure.networks == 5);
  CHECK(sure.families == 3);
  CHECK_THAT(sure.warning, Catch::Contains("only 5 networks in 3 families"));
  CHECK(c.device.calibrated->hardware.threads == 1);
  CHECK(predict(c.device, find_zoo("b2")->build(0), 1).latency_us > 0);
  fs::remove_all(dir.parent_path());
}

TEST_CASE("a timing CSV's network file is read as ONNX or JSON by its content, whatever its name") {
  const fs::path dir = scratch_dir("content");
  const Network resnet18 = find_zoo("resnet18")->build(0);
  std::ofstream(dir / "resnet18.graph", std::ios::binary)
      << profiler::export_onnx(resnet18, profiler::make_weights(resnet18, 1));
  std::ofstream(dir / "t.csv") << "model,latency_ms\nresnet18.graph,40\nb0,22\n";
  const std::vector<PublishedPoint> points = read_published((dir / "t.csv").string(), "");
  REQUIRE(points.size() == 2);
  CHECK(points[0].model == "resnet18.graph");
  CHECK(count(points[0].net).total.macs == count(resnet18).total.macs);
  fs::remove_all(dir.parent_path());
}

TEST_CASE("a user's timing CSV names the row and field of a missing or duplicate network file and of mixed threads") {
  const fs::path dir = scratch_dir("bad");
  std::ofstream(dir / "b0.json") << to_json(find_zoo("b0")->build(0)).dump();
  auto error_for = [&](const std::string& text) {
    std::ofstream(dir / "t.csv") << text;
    return error_of([&] { read_published((dir / "t.csv").string(), ""); });
  };
  const std::string csv = (dir / "t.csv").string();
  CHECK_THAT(error_for("model,latency_ms\nb0.json,20\nnope.json,30\n"),
             Catch::StartsWith(csv + ": row 3.model = \"nope.json\": no such zoo model or file"));
  CHECK(error_for("model,latency_ms\nb0.json,20\n./b0.json,30\n") ==
        csv + ": row 3.model = \"./b0.json\": duplicate network");
  // The same network by another name: the zoo's b0 and the file that holds it, or a copy with its ops renamed.
  CHECK(error_for("model,latency_ms\nb0,20\nb0.json,30\n") == csv + ": row 3.model = \"b0.json\": duplicate network");
  Json renamed = to_json(find_zoo("b0")->build(0));
  renamed["name"] = "mine";
  std::ofstream(dir / "mine.json") << renamed.dump();
  CHECK(error_for("model,latency_ms\nmine.json,20\ncpubone-b0,30\n") ==
        csv + ": row 3.model = \"cpubone-b0\": duplicate network");
  CHECK(error_for("model,latency_ms\nb0,20\nb1,30\n") == "(no error)");
  CHECK(error_for("model,latency_ms\nb0.json,20\nb1,\n") == csv + ": row 3.latency_ms = \"\": not a number");
  CHECK(error_for("model,latency_ms,threads\nb0.json,20,1\nb1,30,4\n") ==
        csv + ": row 3.threads = 4: every row of one device needs the same thread count (row 2 has 1)");
  CHECK(error_for("model,latency_ms,threads\nb0.json,20,1.5\n") ==
        csv + ": row 2.threads = 1.5: expected a whole number from 1 to 256");
  CHECK_THAT(error_for("model,latency_ms\nt.csv,20\n"),
             Catch::StartsWith(csv + ": row 2.model = \"t.csv\": " + csv + ": malformed JSON"));
  fs::remove_all(dir.parent_path());
}

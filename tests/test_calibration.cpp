// Calibrated devices: methods, held-out scoring, intervals, hardware descriptions and threads, on synthetic
// hosts and devices whose answers are known.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <filesystem>
#include <random>

#include "error_of.hpp"
#include "predictor/calibrate.hpp"
#include "predictor/devices.hpp"
#include "predictor/prediction_notes.hpp"
#include "profiler/profile/fusion.hpp"
#include "profiler/profile/profile_file.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"
#include "synthetic_predictor.hpp"

using namespace cpx;
using namespace cpx::predictor;

// A failed check on a method prints its name.
namespace Catch {
template <>
struct StringMaker<CalibrationMethod> {
  static std::string convert(CalibrationMethod m) { return std::string(to_string(m)); }
};
}  // namespace Catch

namespace {

PublishedPoint zoo_point(const std::string& model, double ms, const std::string& family) {
  return {model, ms, family, find_zoo(model)->build(0), 0, ""};
}

// A candidate's row of the device's held-out record.
const MethodHeldOut& scores_of(const Calibration& c, CalibrationMethod method) {
  if (const MethodHeldOut* m = c.device.calibrated->held_out.value().find(method)) return *m;
  throw std::logic_error("no held-out scores of " + std::string(to_string(method)));
}

const std::vector<std::pair<const char*, const char*>> family_models = {{"nano", "CPUBone"},
                                                                        {"b0", "CPUBone"},
                                                                        {"b1", "CPUBone"},
                                                                        {"b2", "CPUBone"},
                                                                        {"b3", "CPUBone"},
                                                                        {"fasternet-t0", "FasterNet"},
                                                                        {"fasternet-t1", "FasterNet"},
                                                                        {"fasternet-t2", "FasterNet"},
                                                                        {"mobileone-s0", "MobileOne"},
                                                                        {"mobileone-s1", "MobileOne"},
                                                                        {"mobileone-s2", "MobileOne"},
                                                                        {"repvit-m0.9", "RepViT"},
                                                                        {"repvit-m1.0", "RepViT"},
                                                                        {"repvit-m1.1", "RepViT"}};

// A device whose op groups are slower than the host's by different factors, with a fixed pseudo-random
// error per network (what the published figures' own noise looks like to a model).
std::vector<PublishedPoint> synthetic_points(const Predictor& host, double noise) {
  std::vector<PublishedPoint> points;
  uint64_t state = 12345;
  for (const auto& [m, fam] : family_models) {
    if (!find_zoo(m)) continue;
    const NetworkPrediction p = predict(host, find_zoo(m)->build(0), 1);
    double us = 0;
    for (const auto& op : p.ops) us += op.latency_us * (op_group(op.op_class) == OpGroup::depthwise ? 3.0 : 2.0);
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state >> 11) / 9007199254740992.0;  // [0, 1)
    points.push_back(zoo_point(m, us * (1 + noise * (2 * u - 1)) / 1e3, fam));
  }
  return points;
}

// `host` as a calibrated device of a shipped hardware description, by `method`, at unit factors.
Predictor as_device(const Predictor& host, const std::string& device, CalibrationMethod method) {
  Predictor d = host;
  d.device = device;
  d.calibrated = Calibrated{};
  d.calibrated->hardware = *shipped_hardware(device);
  d.calibrated->method = method;
  d.calibrated->host = test_host;
  return d;
}

// What `truth` predicts for the family_models, as published points.
std::vector<PublishedPoint> points_of(const Predictor& truth) {
  std::vector<PublishedPoint> points;
  for (const auto& [m, fam] : family_models)
    points.push_back(
        zoo_point(m, predict(truth, find_zoo(m)->build(0), truth.calibrated->hardware.threads).latency_us / 1e3, fam));
  return points;
}
}  // namespace

TEST_CASE(
    "calibration: a uniformly slower device is the host times one factor, exact held out, and chosen as the simpler") {
  const Predictor host = constant_predictor(1.0);
  std::vector<PublishedPoint> points;
  for (const auto& [m, fam] : family_models)
    points.push_back(zoo_point(m, 2.0 * (predict(host, find_zoo(m)->build(0), 1).latency_us - 5.0) / 1e3, fam));
  const Calibration c = calibrate(host, test_host, *shipped_hardware("pi5"), points, "points.csv", "rebuild it");
  REQUIRE(c.held_out.size() == calibration_method_names().size());
  for (size_t m = 0; m < c.held_out.size(); ++m)
    CHECK(to_string(c.held_out[m].method) == calibration_method_names()[m]);
  for (const CalibrationMethod exact : {CalibrationMethod::host_scale, CalibrationMethod::uniform_scale}) {
    INFO(to_string(exact));
    CHECK(scores_of(c, exact).lomo.mape < 1e-6);
    CHECK(scores_of(c, exact).lofo.value().mape < 1e-6);
  }
  CHECK(scores_of(c, CalibrationMethod::macs_only).lofo.value().mape > 0.01);
  // Both exact held out: the simpler one (one factor, not fourteen) is the device.
  CHECK(c.chosen == CalibrationMethod::host_scale);
  CHECK(c.device.device == "pi5");
  CHECK(c.device.calibrated->rebuild == "rebuild it");
  // The device predicts at its own threads only, the host's time (less its network overhead) doubled.
  const Network b0 = find_zoo("b0")->build(0);
  CHECK(predict(c.device, b0, 4).latency_us == Approx(points[1].latency_ms * 1e3).epsilon(1e-6));
  CHECK_THROWS_AS(predict(c.device, b0, 1), InputError);
  // Forced, the per-class scale is the device, and keeps the host's overhead, scaled.
  const Calibration u =
      calibrate(host, test_host, *shipped_hardware("pi5"), points, "points.csv", "r", CalibrationMethod::uniform_scale);
  CHECK(u.chosen == CalibrationMethod::uniform_scale);
  CHECK(u.device.calibrated->held_out->chosen_by.find("forced") != std::string::npos);
  CHECK(u.device.calibrated->held_out->choice.forced == CalibrationMethod::uniform_scale);
  CHECK_FALSE(u.device.calibrated->held_out->nested);
  CHECK(predict(u.device, b0, 4).latency_us == Approx(points[1].latency_ms * 1e3 + 2.0 * 5.0).epsilon(1e-6));
  CHECK_THROWS_WITH(calibration_method_from("magic", "--method"),
                    "--method = \"magic\": not a calibration method (macs_only, host_scale, physical, group_prior, "
                    "group_scale, hardware_transfer, "
                    "uniform_scale)");
}

TEST_CASE("calibration: a held-out point never influences its own held-out prediction (poisoned row)") {
  const Predictor host = constant_predictor(1.0);
  const std::vector<PublishedPoint> points = synthetic_points(host, 0.1);
  const Calibration clean = calibrate(host, test_host, *shipped_hardware("pi5"), points, "p.csv", "r");
  for (size_t j : {size_t{0}, size_t{6}, points.size() - 1}) {
    std::vector<PublishedPoint> poisoned = points;
    poisoned[j].latency_ms *= 1000;
    const Calibration bad = calibrate(host, test_host, *shipped_hardware("pi5"), poisoned, "p.csv", "r");
    for (size_t m = 0; m < clean.held_out.size(); ++m) {
      INFO(to_string(clean.held_out[m].method) << " row " << j);
      CHECK(bad.held_out[m].lomo_us[j] == clean.held_out[m].lomo_us[j]);
      CHECK(bad.held_out[m].lofo_us[j] == clean.held_out[m].lofo_us[j]);
      // The poison does reach the points it is not held out from: the test can fail.
      const size_t other = j == 0 ? 1 : 0;
      CHECK(bad.held_out[m].lomo_us[other] != clean.held_out[m].lomo_us[other]);
    }
  }
}

TEST_CASE("calibration: the transfer recovers per-group factors and its interval covers about its level") {
  const Predictor host = constant_predictor(1.0);
  const std::vector<PublishedPoint> points = synthetic_points(host, 0.15);
  const Calibration c = calibrate(host, test_host, *shipped_hardware("a72"), points, "p.csv", "r");
  const Calibrated& d = *c.device.calibrated;
  CHECK(d.interval.level == interval_level);
  CHECK(d.interval.error_low < 0);
  CHECK(d.interval.error_high > 0);
  // Coverage of each family's points by the percentiles of the other families' held-out errors.
  const double coverage = d.interval.coverage.share;
  CHECK(coverage >= interval_level - 0.25);
  CHECK(coverage <= 1.0);
  // The printed interval brackets the prediction as stated.
  const NetworkPrediction p = predict(c.device, find_zoo("b1")->build(0), 1);
  REQUIRE(p.interval_us);
  REQUIRE(p.uncalibrated);  // b1's share of work the calibration networks barely ran widens it
  const double s = p.uncalibrated->share, F = d.uncalibrated_factor;
  // b1's family (CPUBone) is among the calibration's: it takes the seen-family interval.
  REQUIRE(d.interval.seen_family);
  CHECK(interval_to_json(p)["applied"] == "seen_family");
  const double low = d.interval.seen_family->error_low, high = d.interval.seen_family->error_high;
  CHECK((*p.interval_us)[0] == Approx(p.latency_us / (1 + high) * (1 - s + s / F)));
  CHECK((*p.interval_us)[1] == Approx(p.latency_us / (1 + low) * (1 - s + s * F)));
  // A network of a family it never saw takes the new-family one.
  Network other = find_zoo("b1")->build(0);
  other.family = "a family never calibrated";
  const NetworkPrediction q = predict(c.device, other, 1);
  CHECK((*q.interval_us)[0] == Approx(q.latency_us / (1 + d.interval.error_high) * (1 - s + s / F)));
  const Json j = prediction_to_json(c.device, find_zoo("b1")->build(0), p, 1, false);
  CHECK(j["latency_us_low"].get<double>() < j["latency_us"].get<double>());
  CHECK(j["latency_us_high"].get<double>() > j["latency_us"].get<double>());
}

TEST_CASE("transfer: host efficiency stays above 0 and at most 1, so a device op never beats its own roofline") {
  const Ceilings host{100e9, 50e9}, device{20e9, 10e9};
  const double macs = 1e8, bytes = 4e6;
  const double device_roof_us = std::max(macs / device.peak_macps, bytes / device.bandwidth_bytes_per_s) * 1e6;
  const double host_roof_us = std::max(macs / host.peak_macps, bytes / host.bandwidth_bytes_per_s) * 1e6;
  CHECK(transferred_us(host_roof_us * 4, macs, bytes, host, device) == Approx(device_roof_us * 4));  // efficiency 25%
  CHECK(transferred_us(host_roof_us, macs, bytes, host, device) == Approx(device_roof_us));          // at the ceiling
  CHECK(transferred_us(host_roof_us / 3, macs, bytes, host, device) == Approx(device_roof_us));      // clamped to 1
  CHECK(transferred_us(0, macs, bytes, host, device) == 0);
  // The exponent: a runtime that loses more where the host is already inefficient.
  CHECK(transferred_us(host_roof_us * 4, macs, bytes, host, device, 2.0) == Approx(device_roof_us * 16));
  CHECK(transferred_us(host_roof_us, macs, bytes, host, device, 2.0) == Approx(device_roof_us));
}

TEST_CASE("calibration: the transfer finds a runtime's efficiency exponent and per-op dispatch time, held out") {
  const Predictor host = constant_predictor(1.0);
  Predictor truth = as_device(host, "pi5", CalibrationMethod::hardware_transfer);
  // Factors of 1: with others the ridge (towards 1) trades a little factor for exponent.
  truth.calibrated->group_factor = {1, 1, 1, 1};
  truth.calibrated->efficiency_exponent = 2;
  truth.calibrated->dispatch_us_per_op = 32;  // on the grid: recoverable exactly
  const std::vector<PublishedPoint> points = points_of(truth);
  const Calibration c = calibrate(host, test_host, *shipped_hardware("pi5"), points, "p.csv", "r");
  CHECK(c.chosen == CalibrationMethod::hardware_transfer);
  const Calibrated& d = *c.device.calibrated;
  CHECK(d.efficiency_exponent == 2);
  CHECK(d.dispatch_us_per_op == 32);
  CHECK(scores_of(c, CalibrationMethod::hardware_transfer).lofo.value().mape < 1e-6);
  CHECK(scores_of(c, CalibrationMethod::hardware_transfer).lofo.value().mape <
        scores_of(c, CalibrationMethod::uniform_scale).lofo.value().mape);
  // Both round-trip through the device file.
  const Predictor back = predictor_from_json(to_json(c.device), "pi5.json");
  CHECK(back.calibrated->efficiency_exponent == 2);
  CHECK(back.calibrated->dispatch_us_per_op == 32);
  const Network b0 = find_zoo("b0")->build(0);
  CHECK(predict(back, b0, 4).latency_us == Approx(predict(c.device, b0, 4).latency_us));
}

TEST_CASE("calibration refuses too few points, non-positive latencies and a host without ceilings") {
  const Predictor host = constant_predictor(1.0);
  const Hardware hw = *shipped_hardware("pi5");
  const auto b = [](const char* m, double ms) { return zoo_point(m, ms, ""); };
  CHECK_THROWS_AS(calibrate(host, test_host, hw, {b("b0", 10.0), b("b1", 12.0)}, "two.csv", ""), InputError);
  CHECK_THROWS_AS(calibrate(host, test_host, hw, {b("b0", 10.0), b("b1", -1.0), b("b2", 3.0)}, "neg.csv", ""),
                  InputError);
  CHECK_THROWS_AS(
      calibrate(host, test_host, hw, {b("b0", 10.0), PublishedPoint{"nosuch", 1.0, "", Network{}, 0, ""}, b("b2", 3.0)},
                "unknown.csv", ""),
      InputError);
  CHECK_THROWS_AS(calibrate(host, Ceilings{}, hw, {b("b0", 10.0), b("b1", 12.0), b("b2", 14.0)}, "c.csv", ""),
                  InputError);
}

TEST_CASE("hardware descriptions: every shipped one parses, its peak is computed, and a missing field is named") {
  for (const auto& name : shipped_hardware_names()) {
    const Hardware h = *shipped_hardware(name);
    CHECK(h.device == name);
    CHECK(h.peak_macps() > 0);
  }
  // One Cortex-A76 core: 2.4 GHz x 2 FMA pipes x 4 lanes = 19.2 GMACpS; the pi5 runtime used 4.
  CHECK(shipped_hardware("pi5")->peak_macps() == Approx(4 * 19.2e9));
  CHECK(shipped_hardware("i9-9900x")->threads == 1);
  auto fails_naming = [](const Json& j, const std::string& field) {
    try {
      predictor_from_json(j, "dev.json");
      FAIL("expected an error naming " << field);
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find("dev.json") != std::string::npos);
      CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
  };
  const Json pi5 = to_json(load_predictor("pi5"));
  CHECK(predictor_from_json(pi5, "dev.json").calibrated->hardware.threads == 4);
  Json j = pi5;
  j.erase("hardware");
  fails_naming(j, "hardware");
  j = pi5;
  j["hardware"].erase("dram_bytes_per_s");
  fails_naming(j, "dram_bytes_per_s");
  j = pi5;
  j["hardware"]["l2_kib"]["source"] = "";
  fails_naming(j, "l2_kib.source");
  j = pi5;
  j["hardware"]["threads"]["value"] = 2;
  fails_naming(j, "cores");
  j = pi5;
  j.erase("interval");
  fails_naming(j, "interval");
  j = pi5;
  j["hardware"].erase("runtime_fuses_relu");
  fails_naming(j, "runtime_fuses_relu");
  j = pi5;
  j["hardware"]["runtime_fuses_relu"]["value"] = 1;
  fails_naming(j, "runtime_fuses_relu.value");
}

TEST_CASE("a device file's interval and uncalibrated read into their structs and write back as they were") {
  for (const char* name : {"a72", "i9-9900x", "pi5", "pixel7pro", "xeon-gold5118", "xeon-w2125"}) {
    INFO(name);
    const Json file = read_json_file(
        (std::filesystem::path(CPX_SOURCE_DIR) / "predictor/devices" / (std::string(name) + ".json")).string());
    const DeviceInterval interval = device_interval_from_json(file["interval"], Where("dev.json") / "interval");
    CHECK(to_json(interval).dump() == file["interval"].dump());
    const double F = file.value("uncalibrated_factor", 1.0);
    const UncalibratedSizing sizing =
        uncalibrated_sizing_from_json(file["uncalibrated"], Where("dev.json") / "uncalibrated", F);
    CHECK(to_json(sizing, F).dump() == file["uncalibrated"].dump());
    CHECK(sizing.spread.has_value() != sizing.factor.has_value());
  }
  // The factor's form, as the percentile method writes it.
  const Json factor = {
      {"cases", 4},   {"rule", "r"}, {"sized", true}, {"coverage_unwidened", 0.5}, {"coverage_widened", 0.75},
      {"factor", 2.0}};
  CHECK(to_json(uncalibrated_sizing_from_json(factor, Where("dev.json"), 2.0), 2.0).dump() == factor.dump());
  Json bad = factor;
  bad["factor"] = 0.5;
  CHECK_THROWS_WITH(uncalibrated_sizing_from_json(bad, Where("dev.json") / "uncalibrated", 2.0),
                    Catch::Contains("uncalibrated.factor = 0.5"));
  // F is the device's: a file whose two copies of it differ is refused.
  CHECK_THROWS_WITH(uncalibrated_sizing_from_json(factor, Where("dev.json") / "uncalibrated", 3.0),
                    Catch::Contains("uncalibrated.factor = 2.0: expected the device's uncalibrated_factor, 3.0"));
}

TEST_CASE("every shipped device file is written back byte for byte, its provenance read into its typed fields") {
  for (const std::string& name : shipped_device_names()) {
    INFO(name);
    const Json file =
        read_json_file((std::filesystem::path(CPX_SOURCE_DIR) / "predictor/devices" / (name + ".json")).string());
    const Predictor device = predictor_from_json(file, name + ".json");
    CHECK(to_json(device).dump() == file.dump());
    // What the program reads of the provenance is what the file says.
    const Json& published = file["provenance"]["published"];
    REQUIRE(device.provenance.published.size() == published.size());
    for (size_t i = 0; i < published.size(); ++i) {
      CHECK(device.provenance.published[i].model == published[i]["model"].get<std::string>());
      CHECK(device.provenance.published[i].held_out_ms == published[i]["held_out_ms"].get<double>());
    }
    REQUIRE(device.provenance.host_model);
    CHECK(Json(device.provenance.host_model->zoo_families_fitted) ==
          file["provenance"]["host_model"]["zoo_families_fitted"]);
    CHECK(device.provenance.host_model->selection == file["provenance"]["host_model"]["selection"].get<std::string>());
  }
}

TEST_CASE(
    "a device file's held_out reads into its struct and writes back as it was, and a bad field names file, field and "
    "value") {
  for (const char* name : {"a72", "i9-9900x", "pi5", "pixel7pro", "xeon-gold5118", "xeon-w2125"}) {
    INFO(name);
    const Json file = read_json_file(
        (std::filesystem::path(CPX_SOURCE_DIR) / "predictor/devices" / (std::string(name) + ".json")).string());
    const CalibrationHeldOut h = calibration_held_out_from_json(file["held_out"], Where("dev.json") / "held_out");
    CHECK(to_json(h).dump() == file["held_out"].dump());
    // Every candidate is scored, the device's method is the one chosen, and a choice not forced is scored nested.
    CHECK(h.methods.size() == calibration_method_names().size());
    const Predictor device = load_predictor(name);
    CHECK(h.chosen == device.calibrated->method);
    CHECK(h.nested.has_value() == !h.choice.forced);
    // Loaded with the device, the same record: what the device writes is what its file holds.
    CHECK(to_json(device)["held_out"].dump() == file["held_out"].dump());
  }
  const Json pi5 = read_json_file((std::filesystem::path(CPX_SOURCE_DIR) / "predictor/devices/pi5.json").string());
  auto refused = [&](const std::function<void(Json&)>& spoil) {
    Json file = pi5;
    spoil(file);
    return error_of([&] { predictor_from_json(file, "pi5.json"); });
  };
  CHECK(refused([](Json& f) { f["held_out"]["methods"]["host_scale"]["lofo"]["mape"] = "low"; }) ==
        "pi5.json: held_out.methods.host_scale.lofo.mape = \"low\": expected a number");
  CHECK_THAT(
      refused([](Json& f) { f["held_out"]["chosen"] = "magic"; }),
      Catch::StartsWith("pi5.json: held_out.chosen = \"magic\": not a calibration method (macs_only, host_scale,"));
  CHECK(refused([](Json& f) { f["held_out"]["methods"].erase("host_scale"); }) ==
        "pi5.json: held_out.chosen = \"host_scale\": not one of the methods held out");
  CHECK(refused([](Json& f) { f["held_out"]["sureness"]["networks"] = -3; }) ==
        "pi5.json: held_out.sureness.networks = -3: out of range [0, 1000000]");
  CHECK(refused([](Json& f) { f["held_out"]["choice"]["best"] = 7; }) ==
        "pi5.json: held_out.choice.best = 7: not a calibration method (macs_only, host_scale, physical, group_prior, "
        "group_scale, "
        "hardware_transfer, uniform_scale)");
  CHECK(refused([](Json& f) {
          f["held_out"]["nested"]["chosen_without"]["host_scale"] = {"FasterNet", 3};
        }) == "pi5.json: held_out.nested.chosen_without.host_scale = 3: expected a group name");
  CHECK(refused([](Json& f) { f["held_out"]["families"] = Json::object(); }) ==
        "pi5.json: held_out.families = {}: expected the calibration points' families");
  CHECK(refused([](Json& f) { f["held_out"]["sureness"]["surely"] = true; }) ==
        "pi5.json: held_out.sureness.surely = true: unknown field");
}

TEST_CASE(
    "a device whose runtime does not fuse ReLU pays a pass of its own for each one, priced by the elementwise model") {
  // An eager runtime (FasterNet's PyTorch columns) runs nn.ReLU after the conv; XNNPACK, ONNX Runtime and
  // TFLite clamp inside it. The pass is the host's elementwise model on the conv's output.
  Predictor host = constant_predictor(1.0);
  host.classes[static_cast<size_t>(OpClass::elementwise)]->theta[0] = std::log(7.0);
  Predictor dev = as_device(host, "a72", CalibrationMethod::group_scale);
  dev.calibrated->group_factor = {2, 3, 5, 1};
  REQUIRE_FALSE(dev.calibrated->hardware.runtime_fuses_relu);
  const Network net = find_zoo("fasternet-t2")->build(0);  // ReLU after its middle 1x1 convs
  const NetworkPrediction eager = predict(dev, net, 1);
  dev.calibrated->hardware.runtime_fuses_relu = true;
  const NetworkPrediction fused = predict(dev, net, 1);
  int64_t passes = 0;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const auto* c = net.ops[i].as<Conv2d>();
    const bool relu = c && (c->activation == Activation::relu || c->activation == Activation::relu6);
    INFO(net.ops[i].name);
    CHECK(fused.ops[i].activation_us ==
          (c && c->activation != Activation::none && !relu ? eager.ops[i].activation_us : 0.0));
    if (!relu) {
      CHECK(eager.ops[i].latency_us == fused.ops[i].latency_us);
      continue;
    }
    ++passes;
    CHECK(eager.ops[i].activation_us == Approx(5 * 7.0));  // the elementwise group's factor x the pass
    CHECK(eager.ops[i].latency_us == Approx(fused.ops[i].latency_us + 5 * 7.0));
  }
  CHECK(passes > 10);
  CHECK(eager.latency_us == Approx(fused.latency_us + static_cast<double>(passes) * 5 * 7.0));
  // group_scale: op = its group's factor x the host time, and no per-network overhead of the host's.
  CHECK(fused.overhead_us == 0);
  const size_t stem = 0;
  CHECK(fused.ops[stem].latency_us ==
        Approx(dev.calibrated->group_factor[static_cast<size_t>(op_group(fused.ops[stem].op_class))] * 1.0));
}

TEST_CASE("calibration: the group scale recovers per-group factors around a common one, held out") {
  // A device whose depthwise group runs 3x the host's times and the rest 2x. The transfer's ridge pulls
  // its factors towards 1 and the uniform scale's towards one factor, so neither recovers this exactly; the
  // group scale's pulls only the deviations towards the common factor.
  const Predictor host = constant_predictor(1.0);
  Predictor truth = as_device(host, "pi5", CalibrationMethod::group_scale);
  truth.calibrated->group_factor = {2, 3, 2, 2};
  const std::vector<PublishedPoint> points = points_of(truth);
  const Calibration c = calibrate(host, test_host, *shipped_hardware("pi5"), points, "p.csv", "r");
  CHECK(scores_of(c, CalibrationMethod::group_scale).lofo.value().mape < 0.05);
  CHECK(scores_of(c, CalibrationMethod::group_scale).lofo.value().mape <
        scores_of(c, CalibrationMethod::uniform_scale).lofo.value().mape);
  CHECK(scores_of(c, CalibrationMethod::group_scale).lofo.value().mape <
        scores_of(c, CalibrationMethod::host_scale).lofo.value().mape);
  // Forced: what the group scale recovers (the choice may prefer a simpler candidate within the noise).
  const Calibration forced =
      calibrate(host, test_host, *shipped_hardware("pi5"), points, "p.csv", "r", CalibrationMethod::group_scale);
  const Calibrated& d = *forced.device.calibrated;
  CHECK(d.method == CalibrationMethod::group_scale);
  // The ridge (a factor 1.5 from the common one costs about a 4% RMS log error) shrinks the two towards
  // each other, never past each other.
  const double gemm = d.group_factor[static_cast<size_t>(OpGroup::gemm)],
               dw = d.group_factor[static_cast<size_t>(OpGroup::depthwise)];
  CHECK(gemm >= 2.0);
  CHECK(dw <= 3.0);
  CHECK(dw > 1.1 * gemm);
  // A group no point has time in (attention) sits at the common level, not at 1.
  CHECK(d.group_factor[static_cast<size_t>(OpGroup::attention)] > 1.5);
  // It round-trips through the device file and predicts the published points.
  const Predictor back = predictor_from_json(to_json(forced.device), "pi5.json");
  CHECK(back.calibrated->method == CalibrationMethod::group_scale);
  CHECK(predict(back, find_zoo("b1")->build(0), 4).latency_us == Approx(points[2].latency_ms * 1e3).epsilon(0.05));
}

TEST_CASE("group_prior: from one family without depthwise work, depthwise costs what the other devices say") {
  // Three other devices, each 2 to 10 times the host, each with its depthwise group 3x its common factor;
  // the device calibrated is 4x with the same shape, but its 3 points (FasterNet) barely exercise
  // depthwise work, so group_scale cannot learn it and puts it at the common factor.
  const Predictor host = constant_predictor(1.0);
  std::vector<PriorSource> sources;
  for (const auto& [device, common] :
       {std::pair{"a72", 2.0}, std::pair{"i9-9900x", 5.0}, std::pair{"xeon-gold5118", 10.0}}) {
    Predictor truth = as_device(host, device, CalibrationMethod::group_scale);
    truth.calibrated->group_factor = {common, 3 * common, common, common};
    sources.push_back({device, truth.calibrated->hardware, points_of(truth)});
  }
  const GroupPrior prior = group_prior(host, sources);
  REQUIRE(prior.devices.size() == 3);
  const auto gemm = static_cast<size_t>(OpGroup::gemm), dw = static_cast<size_t>(OpGroup::depthwise);
  // The sources' own fits (group_scale's, whose ridge pulls deviations towards the common factor) shrink
  // the deviation, never past it; they agree, so the spread is its floor.
  const double deviation = prior.deviation[dw] - prior.deviation[gemm];
  CHECK(deviation > 0.5 * std::log(3.0));
  CHECK(deviation <= std::log(3.0));
  CHECK(prior.spread[dw] == Approx(0.05));

  Predictor truth = as_device(host, "pi5", CalibrationMethod::group_scale);
  truth.calibrated->group_factor = {4, 12, 4, 4};
  std::vector<PublishedPoint> fasternet;
  for (const PublishedPoint& p : points_of(truth))
    if (p.family == "FasterNet") fasternet.push_back(p);
  REQUIRE(fasternet.size() == 3);
  const Hardware pi5 = *shipped_hardware("pi5");
  const Calibration with =
      calibrate(host, test_host, pi5, fasternet, "p.csv", "r", CalibrationMethod::group_prior, {}, sources);
  const Calibration scale =
      calibrate(host, test_host, pi5, fasternet, "p.csv", "r", CalibrationMethod::group_scale, {}, sources);
  const Network b0 = find_zoo("b0")->build(0);  // depthwise-heavy
  const double actual = predict(truth, b0, pi5.threads).latency_us;
  const double prior_error = std::abs(predict(with.device, b0, pi5.threads).latency_us / actual - 1);
  const double scale_error = std::abs(predict(scale.device, b0, pi5.threads).latency_us / actual - 1);
  CHECK(prior_error < 0.5 * scale_error);
  CHECK(with.device.provenance.document["group_prior"]["devices"].size() == 3);

  // A host without a model the sources' networks need (a quick profile has no transposed conv): those
  // networks are left out of the prior, and the calibration goes on.
  Predictor partial = host;
  partial.classes[static_cast<size_t>(OpClass::conv_transpose)].reset();
  std::vector<PriorSource> with_lowformer = sources;
  for (PriorSource& s : with_lowformer) s.points.push_back(zoo_point("lowformer-b0", 10, "LowFormer"));
  const GroupPrior skipped = group_prior(partial, with_lowformer);
  CHECK(skipped.devices.size() == 3);
  CHECK(skipped.points_unpriced == 3);
  CHECK_NOTHROW(calibrate(partial, test_host, pi5, fasternet, "p.csv", "r", std::nullopt, {}, with_lowformer));

  // Without other devices group_prior is group_scale.
  const Calibration alone = calibrate(host, test_host, pi5, fasternet, "p.csv", "r", CalibrationMethod::group_prior);
  for (size_t g = 0; g < op_group_count; ++g)
    CHECK(alone.device.calibrated->group_factor[g] == Approx(scale.device.calibrated->group_factor[g]).epsilon(1e-9));
  CHECK(alone.device.provenance.document["group_prior"].is_null());
}

TEST_CASE("shipped devices carry a host model fitted with --select balanced, and say so") {
  // scripts/calibrate-devices fits it so (see there why); a device rebuilt another way must say which.
  for (const char* device : {"pi5", "pixel7pro", "xeon-w2125", "a72", "xeon-gold5118", "i9-9900x"}) {
    INFO(device);
    const Json j = to_json(load_predictor(device));
    CHECK(j["provenance"]["host_model"]["selection"] == "balanced");
    CHECK_THAT(j["rebuild"].get<std::string>(),
               Catch::Contains("`cpubone-explore fit --device host --select balanced`"));
  }
}

TEST_CASE("a device calibrated on one family says its interval does not cover other families") {
  const Predictor pixel = load_predictor("pixel7pro");  // CPUBone B0-B3 only
  REQUIRE(pixel.calibrated->held_out->families.size() == 1);
  const NetworkPrediction own = predict(pixel, find_zoo("b1")->build(0), 2);
  CHECK(interval_to_json(own)["network_family_calibrated"] == true);
  CHECK_FALSE(interval_to_json(own).contains("warning"));
  const NetworkPrediction other = predict(pixel, find_zoo("convnext-t")->build(0), 2);
  CHECK(interval_to_json(other)["network_family_calibrated"] == false);
  CHECK(interval_to_json(other)["warning"].get<std::string>().find("ConvNeXt network") != std::string::npos);
  // Held out by family, the interval is meant for unseen families: flagged, not warned.
  const Predictor a72 = load_predictor("a72");
  REQUIRE(a72.calibrated->held_out->families.size() >= 2);
  const NetworkPrediction unseen = predict(a72, find_zoo("b0")->build(0), 1);
  CHECK(interval_to_json(unseen)["network_family_calibrated"] == false);
  CHECK_FALSE(interval_to_json(unseen).contains("warning"));
}

TEST_CASE("threads are part of a calibrated device") {
  const Predictor pi5 = load_predictor("pi5");
  CHECK(prediction_threads(pi5, std::nullopt) == 4);
  CHECK(prediction_threads(pi5, 4) == 4);
  try {
    prediction_threads(pi5, 1);
    FAIL("expected an error");
  } catch (const InputError& e) {
    // The library names its own argument; the command line says --threads (test_bad_inputs.cpp).
    CHECK(std::string(e.what()) ==
          "threads = 1: device pi5 predicts only at its own 4 thread(s), those of its published runtime: leave the "
          "thread count out");
  }
  CHECK_THROWS_AS(predict(pi5, find_zoo("b0")->build(0), 2), InputError);
  const Predictor host = constant_predictor(1.0);
  CHECK(prediction_threads(host, std::nullopt) == 1);
  CHECK(prediction_threads(host, 2) == 2);
}

TEST_CASE(
    "a network smaller than every calibration network: a fitted time per op makes its interval reach MACs alone's") {
  // A runtime that spends 100 us per op, calibrated on the larger family models only: physical recovers it
  // exactly, but nothing held out within those networks tests it on a small one, so a small network's
  // interval also reaches MACs alone's prediction; a network inside their sizes keeps its own.
  const Predictor host = constant_predictor(1.0);
  const auto macs_of = [](const NetworkPrediction& p) {  // the MACs a device prices, as calibrate counts them
    double macs = 0;
    for (const auto& op : p.ops) macs += op.macs;
    return macs;
  };
  Predictor truth = as_device(host, "pi5", CalibrationMethod::physical);
  truth.calibrated->linear = {2e-5, 0, 100};
  std::vector<PublishedPoint> large;
  for (const PublishedPoint& p : points_of(truth))
    if (macs_of(predict(truth, p.net, 4)) > 400e6) large.push_back(p);
  REQUIRE(large.size() >= 5);
  const Calibration c =
      calibrate(host, test_host, *shipped_hardware("pi5"), large, "p.csv", "r", CalibrationMethod::physical);
  const Predictor device = predictor_from_json(to_json(c.device), "p.json");  // what the file carries
  REQUIRE(device.calibrated->calibration_sizes);
  const double macs_min = device.calibrated->calibration_sizes->macs_min,
               us_per_mac = device.calibrated->calibration_sizes->macs_only_us_per_mac;
  CHECK(macs_min > 400e6);

  const Network nano = find_zoo("nano")->build(0);
  const NetworkPrediction small = predict(device, nano, 4);
  REQUIRE(macs_of(small) < macs_min);
  const double macs_only_us = macs_of(small) * us_per_mac;
  CHECK(small.latency_us == Approx(predict(truth, nano, 4).latency_us).epsilon(1e-6));
  REQUIRE(interval_to_json(small).contains("outside_calibration_sizes"));
  CHECK((*small.interval_us)[0] == Approx(macs_only_us));  // MACs alone misses the per-op time: below
  CHECK(interval_to_json(small)["outside_calibration_sizes"]["macs_only_us"].get<double>() == Approx(macs_only_us));
  REQUIRE(small.outside_calibration_sizes);
  CHECK(small.outside_calibration_sizes->macs_only_us ==
        interval_to_json(small)["outside_calibration_sizes"]["macs_only_us"].get<double>());
  const std::vector<std::string> notes = prediction_notes(small, outside_profile(device, nano, small, 4), nano.name);
  CHECK(std::any_of(notes.begin(), notes.end(),
                    [](const std::string& n) { return n.find("outside the") != std::string::npos; }));

  const NetworkPrediction inside = predict(device, large.front().net, 4);
  CHECK_FALSE(interval_to_json(inside).contains("outside_calibration_sizes"));
  // Factors on the host model's times fit no time per op: no reach, whatever the size.
  const Calibration scaled =
      calibrate(host, test_host, *shipped_hardware("pi5"), large, "p.csv", "r", CalibrationMethod::group_scale);
  CHECK_FALSE(interval_to_json(predict(scaled.device, nano, 4)).contains("outside_calibration_sizes"));
}

// A device from its spec sheet alone (issue 75): its prior is learned without the device's own timings,
// `calibrate --zero-shot` writes a device predict takes, and 1 or 2 timings update it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "error_of.hpp"
#include "predictor/devices.hpp"
#include "predictor/zero_shot.hpp"
#include "processes.hpp"
#include "space/zoo.hpp"

using namespace cpx;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cpx_zero_shot_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "devices");
  return dir;
}

std::string in(const fs::path& dir) { return "cd '" + dir.string() + "' && CPX_HOME='" + dir.string() + "' "; }

// The host model and ceilings the shipped pi5 carries, as calibrate --host-from pi5 takes them.
struct Host {
  predictor::Predictor model;
  predictor::Ceilings ceilings;
};
Host carried_host() {
  predictor::Predictor carrier = predictor::load_predictor("pi5");
  Host h{carrier, carrier.calibrated->host};
  h.model.calibrated.reset();
  h.model.device = predictor::host_device;
  return h;
}

double b0_us(const predictor::Predictor& d) {
  return predictor::predict(d, load_model("b0"), d.calibrated->hardware.threads).latency_us;
}

std::string spec_pi4() { return (fs::path(CPX_SOURCE_DIR) / "predictor/devices/specs/pi4.json").string(); }

}  // namespace

// [release-only]: under the sanitizers its code runs in the cases below (zero_shot_prior and zero_shot_device in
// process, calibrate --zero-shot by the CLI); here it is three priors and a calibration more, 77 s there
// (docs/log/ci.md).
TEST_CASE("zero-shot: a device's own timings cannot reach its zero-shot device", "[zero_shot][release-only]") {
  const Host host = carried_host();
  const predictor::Hardware hw = *predictor::shipped_hardware("pi5");
  // Every shipped device as a source, pi5's own timings among them, then those timings three times slower.
  std::vector<predictor::PriorSource> all = predictor::shipped_prior_sources("");
  REQUIRE(all.size() == predictor::shipped_device_names().size());
  const predictor::ZeroShotPrior with_own = predictor::zero_shot_prior(host.model, host.ceilings, all);
  for (auto& s : all)
    if (s.device == "pi5")
      for (auto& p : s.points) p.latency_ms *= 3;
  const predictor::ZeroShotPrior with_slower_own = predictor::zero_shot_prior(host.model, host.ceilings, all);
  const double a = b0_us(predictor::zero_shot_device(host.model, host.ceilings, hw, with_own, {}, ""));
  const double b = b0_us(predictor::zero_shot_device(host.model, host.ceilings, hw, with_slower_own, {}, ""));
  CHECK(b > a * 1.05);  // had its timings been a source, they would move it

  // calibrate --zero-shot learns without them: the same device whatever pi5's own file says.
  const fs::path dir = scratch("own");
  predictor::CalibrationRequest r;
  r.device = "pi5";
  r.host_from = "pi5";
  r.zero_shot = true;
  r.out = (dir / "pi5-zs.json").string();
  const predictor::CalibrationResult out = predictor::calibrate_device(r);
  const Json& devices = out.calibration.device.provenance.document["zero_shot"]["devices"];
  CHECK(devices.size() == predictor::shipped_device_names().size() - 1);
  for (const Json& d : devices) CHECK(d.get<std::string>() != "pi5");
  const predictor::ZeroShotPrior without =
      predictor::zero_shot_prior(host.model, host.ceilings, predictor::shipped_prior_sources("pi5"));
  CHECK(b0_us(out.calibration.device) ==
        Approx(b0_us(predictor::zero_shot_device(host.model, host.ceilings, hw, without, {}, ""))));
  CHECK(out.calibration.device.calibrated->timed_by == predictor::TimedBy::zero_shot);
}

TEST_CASE("zero-shot: calibrate --zero-shot writes a device file predict reads, and says what it is", "[zero_shot]") {
  const fs::path dir = scratch("cli");
  const test::CliRun cal = test::cli(
      "calibrate --device pi4 --hardware " + spec_pi4() + " --zero-shot --host-from pi5 --out pi4.json", in(dir));
  INFO(cal.out << cal.err);
  REQUIRE(cal.exit_code == 0);
  CHECK(cal.out.find("zero-shot from the hardware description, no timings") != std::string::npos);
  CHECK(cal.out.find("each learning device predicted by the prior learned without it") != std::string::npos);
  const test::CliRun text = test::cli("predict b0 --device ./pi4.json", in(dir));
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("zero-shot from the hardware description, no timings") != std::string::npos);
  CHECK(text.out.find("the shipped devices' zero-shot errors") != std::string::npos);
  const test::CliRun json = test::cli("predict b0 --device ./pi4.json --json", in(dir));
  REQUIRE(json.exit_code == 0);
  const Json j = Json::parse(json.out);
  CHECK(j["latency_us"].get<double>() > 0);
  CHECK(j["latency_us_low"].get<double>() < j["latency_us"].get<double>());
  const Json file = Json::parse(std::ifstream(dir / "pi4.json"));
  CHECK(file["timed_by"] == "zero_shot");
  // pi4 is none of the shipped devices: all of them are learnt from
  CHECK(file["provenance"]["zero_shot"]["devices"].size() == predictor::shipped_device_names().size());
  // The main job and advise take it as any device.
  const test::CliRun job = test::cli("--device ./pi4.json --evaluations 50 --budget 0 --out job", in(dir));
  INFO(job.err);
  CHECK(job.exit_code == 0);
  CHECK(Json::parse(std::ifstream(dir / "job/results.json"))["device"]["timed_by"] == "zero_shot");
  CHECK(test::cli("advise resnet18 --device ./pi4.json --top 1", in(dir)).exit_code == 0);
}

TEST_CASE("zero-shot: 1 and 2 timings update the prior, and plain calibrate still wants 3", "[zero_shot]") {
  const fs::path dir = scratch("few");
  std::ofstream(dir / "one.csv") << "model,latency_ms,family\nb0,24.2,CPUBone\n";
  std::ofstream(dir / "two.csv") << "model,latency_ms,family\nb0,24.2,CPUBone\nresnet18,60.0,ResNet\n";
  const std::string zs = " --zero-shot --host-from pi5 --runtime \"ONNX Runtime 1.17\" --threads 4";
  const test::CliRun none =
      test::cli("calibrate --device mypi --hardware pi5 --zero-shot --host-from pi5 --out zs.json", in(dir));
  REQUIRE(none.exit_code == 0);
  const Json zero = Json::parse(std::ifstream(dir / "zs.json"));
#if defined(CPX_SANITIZED)
  // Under the sanitizers two timings alone: one runs the same update on fewer points (both took 77 s there).
  for (const std::string k : {"two"}) {
#else
  for (const std::string k : {"one", "two"}) {
#endif
    const test::CliRun cal = test::cli(
        "calibrate --device mypi --hardware pi5 --published " + k + ".csv" + zs + " --out " + k + ".json", in(dir));
    INFO(cal.out << cal.err);
    REQUIRE(cal.exit_code == 0);
    const test::CliRun p = test::cli("predict b0 --device ./" + k + ".json --json", in(dir));
    REQUIRE(p.exit_code == 0);
    const Json file = Json::parse(std::ifstream(dir / (k + ".json")));
    CHECK(file["timed_by"] == "user");
    CHECK(file["runtime"].get<std::string>().find("updated by") != std::string::npos);
    // Timed networks narrow the interval: the device's level is no longer only the other devices' spread.
    CHECK(file["interval"]["error_high"].get<double>() < zero["interval"]["error_high"].get<double>());
    // The timed networks' predictions moved towards their timings as a whole: the level is one number, so with
    // two families of opposite errors one network may move away while the squared log errors' sum falls.
    double zero_shot_ss = 0, updated_ss = 0;
    for (const Json& t : file["provenance"]["timings"]) {
      const double timed_ms = t["latency_ms"];
      zero_shot_ss += std::pow(std::log(t["zero_shot_ms"].get<double>() / timed_ms), 2);
      updated_ss += std::pow(std::log(t["updated_ms"].get<double>() / timed_ms), 2);
    }
    CHECK(updated_ss < zero_shot_ss);
  }
  const test::CliRun plain = test::cli(
      "calibrate --device mypi --hardware pi5 --published one.csv --host-from pi5 --runtime ORT --threads 4 --out "
      "p.json",
      in(dir));
  CHECK(plain.exit_code == 2);
  CHECK(plain.err.find("needs at least 3 whole-network latencies, got 1") != std::string::npos);
  CHECK(plain.err.find("zero-shot") != std::string::npos);
}

TEST_CASE("zero-shot: every spec sheet shipped in predictor/devices/specs reads, each figure sourced", "[zero_shot]") {
  size_t sheets = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(fs::path(CPX_SOURCE_DIR) / "predictor/devices/specs")) {
    INFO(e.path().string());
    const Json j = Json::parse(std::ifstream(e.path()));
    const predictor::Hardware h = predictor::hardware_from_json(j, Where(e.path().string()));
    CHECK(h.device == e.path().stem().string());  // the file is named after its device
    CHECK(h.peak_macps() > 1e9);
    CHECK(h.dram_bytes_per_s > 1e9);
    ++sheets;
  }
  CHECK(sheets >= 6);  // pi4, pi3, rk3588, orin-nano, n100, m1
}

TEST_CASE("zero-shot: a family's several timings count as one observation of the level, not as several",
          "[zero_shot]") {
  const Host host = carried_host();
  const predictor::Hardware hw = *predictor::shipped_hardware("pi5");
  const predictor::ZeroShotPrior prior =
      predictor::zero_shot_prior(host.model, host.ceilings, predictor::shipped_prior_sources("pi5"));
  REQUIRE(prior.family_variance > 0);  // the left-out errors of one device's families differ beyond their points' noise
  const predictor::Predictor zs = predictor::zero_shot_device(host.model, host.ceilings, hw, prior, {}, "");
  // Four networks, each timed twice as slow as the zero-shot device says: as one family, then as four.
  std::vector<predictor::PublishedPoint> one_family, four_families;
  for (const std::string m : {"b0", "b1", "b2", "resnet18"}) {
    const Network net = load_model(m);
    const double ms = 2 * predictor::predict(zs, net, hw.threads).latency_us / 1e3;
    one_family.push_back({m, ms, "one", net, 0, ""});
    four_families.push_back({m, ms, m, net, 0, ""});
  }
  const auto shift = [&](const std::vector<predictor::PublishedPoint>& t) {
    return predictor::zero_shot_device(host.model, host.ceilings, hw, prior, t, "")
        .provenance.document["level_shift_log"]
        .get<double>();
  };
  // The level moves from the prior's centre towards the timings' log error, less far when they are one family.
  const double one = shift(one_family), four = shift(four_families);
  CHECK(std::abs(one - prior.centre) < std::abs(four - prior.centre));
  CHECK(std::abs(one - prior.centre) > 0.1);  // yet one family still moves it
}

TEST_CASE("zero-shot: the prior's level follows the runtime class when the learning devices' levels do",
          "[zero_shot]") {
  const Host host = carried_host();
  std::vector<predictor::PriorSource> sources = predictor::shipped_prior_sources("");
  // The shipped pytorch columns (a72, i9-9900x, xeon-gold5118) made four times slower still: their runtime,
  // not any figure of their spec sheets, sets them apart.
  size_t slowed = 0;
  for (auto& s : sources)
    if (s.hardware.runtime_class == predictor::RuntimeClass::pytorch) {
      ++slowed;
      for (auto& p : s.points) p.latency_ms *= 4;
    }
  REQUIRE(slowed == 3);
  const predictor::ZeroShotPrior prior = predictor::zero_shot_prior(host.model, host.ceilings, sources);
  INFO(predictor::to_string(prior.parameters.covariate));
  CHECK(predictor::is_category(prior.parameters.covariate));
  const predictor::Hardware pi5 = *predictor::shipped_hardware("pi5");
  const predictor::Hardware eager = predictor::with_runtime_class(pi5, predictor::RuntimeClass::pytorch, "test");
  const double ratio = b0_us(predictor::zero_shot_device(host.model, host.ceilings, eager, prior, {}, "")) /
                       b0_us(predictor::zero_shot_device(host.model, host.ceilings, pi5, prior, {}, ""));
  CHECK(ratio > 3);  // the same cores, the eager runtime's level
  // The class's level is its own learning devices'; a class none of them ran would take its family's.
  const predictor::RuntimeLevel& level =
      prior.parameters.runtime_level[static_cast<size_t>(predictor::RuntimeClass::pytorch)];
  CHECK(level.devices.size() == 3);
}

// [release-only]: two CLI calibrations more under the sanitizers (54 s there); their code runs there in the CLI case
// above, and the runtime class's level in process in the case before.
TEST_CASE("zero-shot: --runtime-class sets the device's runtime, and a class no learning device ran says so",
          "[zero_shot][release-only]") {
  const fs::path dir = scratch("runtime_class");
  // pixel7pro left out of its own prior: no learning device ran tflite.
  const test::CliRun cal = test::cli("calibrate --device pixel7pro --zero-shot --host-from pi5 --out px.json", in(dir));
  INFO(cal.out << cal.err);
  REQUIRE(cal.exit_code == 0);
  CHECK(cal.out.find("runtime class tflite: no learning device ran it") != std::string::npos);
  const Json px = Json::parse(std::ifstream(dir / "px.json"));
  CHECK(px["hardware"]["runtime_class"]["value"] == "tflite");
  const test::CliRun other = test::cli(
      "calibrate --device mypi --hardware pi5 --zero-shot --runtime-class pytorch --host-from pi5 --out pt.json",
      in(dir));
  INFO(other.out << other.err);
  REQUIRE(other.exit_code == 0);
  const Json pt = Json::parse(std::ifstream(dir / "pt.json"));
  CHECK(pt["hardware"]["runtime_class"]["value"] == "pytorch");
  CHECK(pt["rebuild"].get<std::string>().find("--runtime-class pytorch") != std::string::npos);
  CHECK(pt["runtime"].get<std::string>().find("PyTorch") != std::string::npos);
}

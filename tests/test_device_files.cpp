// Devices by path: a device file (one `calibrate --out` wrote, say) is a device wherever one is taken; an
// unknown name lists the devices there are; `calibrate --hardware NAME` takes a shipped device's hardware
// under a new name; and calibrate without a fitted host says which shipped host model it used.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "error_of.hpp"
#include "explorer/option_checks.hpp"
#include "predictor/devices.hpp"
#include "processes.hpp"
#include "profiler/profile/profile_file.hpp"
#include "profiler/profile/sweep_grid.hpp"

using namespace cpx;
namespace fs = std::filesystem;

namespace {

// A scratch directory that is also the device cache ($CPX_HOME) of the commands run in it.
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cpx_device_files_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "devices");
  return dir;
}

std::string in(const fs::path& dir) { return "cd '" + dir.string() + "' && CPX_HOME='" + dir.string() + "' "; }

double latency_us(const test::CliRun& r) {
  REQUIRE(r.exit_code == 0);
  return Json::parse(r.out)["latency_us"].get<double>();
}

// Six zoo networks timed on a Raspberry Pi 5 (about the published figures; only the plumbing is tested).
void write_timings(const fs::path& csv) {
  std::ofstream(csv) << "model,latency_ms,family\nb0,24.2,CPUBone\nb1,33.0,CPUBone\nb2,52.0,CPUBone\n"
                        "mobilenetv2-1.0,14.0,MobileNet\nresnet18,60.0,ResNet\nmobileone-s0,19.0,MobileOne\n";
}

}  // namespace

TEST_CASE("a device file passed by path predicts as the device it holds, relative or absolute", "[devices]") {
  const fs::path dir = scratch("path");
  std::ofstream(dir / "pi5-mine.json") << predictor::to_json(predictor::load_predictor("pi5")).dump();
  const double shipped = latency_us(test::cli("predict b0 --device pi5 --json"));
  CHECK(latency_us(test::cli("predict b0 --device ./pi5-mine.json --json", in(dir))) == shipped);
  CHECK(latency_us(test::cli("predict b0 --device pi5-mine.json --json", in(dir))) == shipped);
  CHECK(latency_us(test::cli("predict b0 --device " + (dir / "pi5-mine.json").string() + " --json")) == shipped);
  CHECK(predictor::is_device_file("./pi5-mine.json"));
  CHECK(predictor::is_device_file("pi5-mine.json"));
  CHECK_FALSE(predictor::is_device_file("pi5"));
  // The main job takes it too, and says which file it predicted with.
  const test::CliRun job = test::cli("--device ./pi5-mine.json --evaluations 50 --budget 0 --out job", in(dir));
  INFO(job.err);
  REQUIRE(job.exit_code == 0);
  CHECK(read_json_file((dir / "job/results.json").string())["device"]["name"] == "./pi5-mine.json");
  fs::remove_all(dir.parent_path());
}

TEST_CASE("a device path that is no device file, and an unknown device name, are refused naming what there is",
          "[devices]") {
  const fs::path dir = scratch("unknown");
  const test::CliRun missing = test::cli("predict b0 --device ./nowhere.json", in(dir));
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "cpubone-explore: --device = \"./nowhere.json\": no such device file\n");
  // A device calibrated into the cache is known by its name, beside the shipped ones and host.
  std::ofstream(dir / "devices/mypi.predictor.json") << predictor::to_json(predictor::load_predictor("pi5")).dump();
  std::string known;
  for (const char* name :
       {"a72", "epyc-ort", "host", "i9-9900x", "mypi", "pi5", "pixel7pro", "xeon-gold5118", "xeon-w2125"})
    known += (known.empty() ? "" : ", ") + std::string(name);
  const test::CliRun unknown = test::cli("predict b0 --device nowhere", in(dir));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "cpubone-explore: --device = \"nowhere\": not a known device (known: " + known +
                           "; or the path of a device file, e.g. one `calibrate --out` wrote)\n");
  fs::remove_all(dir.parent_path());
}

TEST_CASE(
    "calibrate refuses a hardware name that is not shipped and a new device without hardware, listing the shipped",
    "[devices]") {
  const fs::path dir = scratch("no-hardware");
  write_timings(dir / "timed.csv");
  predictor::CalibrationRequest r;
  r.device = "mypi";
  r.published = (dir / "timed.csv").string();
  r.out = (dir / "mypi.json").string();
  const std::string shipped = "a72, epyc-ort, i9-9900x, pi5, pixel7pro, xeon-gold5118, xeon-w2125";
  // The library names its fields, also the one its advice names; the command line says them as its flags
  // (explorer::cli_message).
  const std::string no_hardware =
      " with a shipped device's name (" + shipped +
      ") or a FILE (fields as in predictor/devices/hardware/pi5.json, every number with its source)";
  CHECK(error_of([&] { predictor::calibrate_device(r); }) ==
        "device = \"mypi\": no shipped hardware description; give hardware" + no_hardware);
  const test::CliRun without = test::cli("calibrate --device mypi --published timed.csv --out mypi.json", in(dir));
  CHECK(without.exit_code == 2);
  CHECK(without.err ==
        "cpubone-explore: --device = \"mypi\": no shipped hardware description; give --hardware" + no_hardware + "\n");
  r.hardware = "pi9";
  const std::string pi9 =
      "\"pi9\": no shipped hardware of that name (shipped: " + shipped + "); or give a hardware description file";
  try {
    predictor::calibrate_device(r);
    FAIL("no error");
  } catch (const FieldError& e) {
    CHECK(e.field() == Field::hardware);
    CHECK(std::string(e.what()) == "hardware = " + pi9);
    CHECK(explorer::cli_message(e) == "--hardware = " + pi9);
  }
  const test::CliRun cli =
      test::cli("calibrate --device mypi --hardware pi9 --published timed.csv --out mypi.json", in(dir));
  CHECK(cli.exit_code == 2);
  CHECK(cli.err == "cpubone-explore: --hardware = " + pi9 + "\n");
  CHECK_FALSE(fs::exists(dir / "mypi.json"));
  fs::remove_all(dir.parent_path());
}

TEST_CASE(
    "calibrate --hardware takes a shipped device's hardware under a new name, with the shipped host model when none is "
    "fitted",
    "[devices]") {
  const fs::path dir = scratch("hardware");  // an empty device cache: no host fitted here
  write_timings(dir / "timed.csv");
  const test::CliRun by_name = test::cli(
      "calibrate --device mypi --hardware pi5 --published timed.csv --runtime 'ONNX Runtime 1.17' --threads 4 --out "
      "mypi.json",
      in(dir));
  INFO(by_name.err);
  REQUIRE(by_name.exit_code == 0);
  // One line on what stood in for the host model; no blame for a --device = "host" nobody typed.
  CHECK(by_name.out.rfind("calibrate: no host predictor fitted on this machine (" +
                              (dir / "devices/host.predictor.json").string() +
                              "): using the host model the shipped pi5 carries, as --host-from pi5 does",
                          0) == 0);
  CHECK(by_name.out.find("--device = \"host\"") == std::string::npos);
  const Json device = read_json_file((dir / "mypi.json").string());
  CHECK(device["device"] == "mypi");
  CHECK(device["hardware"]["device"] == "mypi");
  CHECK(device["hardware"]["description"] == predictor::shipped_hardware("pi5")->description);
  const test::CliRun predicted = test::cli("predict b0 --device ./mypi.json", in(dir));
  REQUIRE(predicted.exit_code == 0);
  CHECK(predicted.out.rfind("b0 on mypi (", 0) == 0);
  // A hardware description file still works, under any device name.
  const std::string file = std::string(CPX_SOURCE_DIR) + "/predictor/devices/hardware/pi5.json";
  const test::CliRun by_file =
      test::cli("calibrate --device otherpi --hardware " + file +
                    " --published timed.csv --runtime 'ONNX Runtime 1.17' --threads 4 --out other.json",
                in(dir));
  INFO(by_file.err);
  CHECK(by_file.exit_code == 0);
  CHECK(read_json_file((dir / "other.json").string())["hardware"]["device"] == "otherpi");
  fs::remove_all(dir.parent_path());
}

// (Every row of tests/test_bad_inputs.cpp runs with a fitted host, so host without one is tested here.)
// Issue 74 item 2: one place resolves a device argument (the cache's layout under $CPX_HOME, shipped devices,
// files, host); issue 71 item 4: predict and advise default to the shipped pi5, and say so.
TEST_CASE("resolve_device tells host, the cache, shipped devices, files and unknown names apart, under CPX_HOME",
          "[devices]") {
  const fs::path dir = scratch("resolve");
  const char* before = std::getenv("CPX_HOME");
  const std::string saved = before ? before : "";
  ::setenv("CPX_HOME", dir.c_str(), 1);
  std::ofstream(dir / "devices/mypi.predictor.json") << predictor::to_json(predictor::load_predictor("pi5")).dump();
  const predictor::DeviceRef host = predictor::resolve_device("host"), pi5 = predictor::resolve_device("pi5"),
                             mine = predictor::resolve_device("mypi"),
                             file = predictor::resolve_device("./pi5-mine.json"),
                             none = predictor::resolve_device("nowhere");
  CHECK(host.source == predictor::DeviceSource::host);
  CHECK(host.is_host());
  CHECK(host.profile_path == (dir / "devices/host.json").string());
  CHECK(host.predictor_path == (dir / "devices/host.predictor.json").string());
  CHECK(pi5.source == predictor::DeviceSource::shipped);
  CHECK(mine.source == predictor::DeviceSource::cache);
  CHECK(mine.predictor_path == (dir / "devices/mypi.predictor.json").string());
  CHECK(file.source == predictor::DeviceSource::file);
  CHECK(file.predictor_path == "./pi5-mine.json");
  CHECK(file.profile_path.empty());
  CHECK(none.source == predictor::DeviceSource::unknown);
  CHECK_FALSE(predictor::measured_profile(pi5));
  CHECK(predictor::load_predictor(mine).device == "pi5");  // a copy of pi5 under another file name
  if (before) ::setenv("CPX_HOME", saved.c_str(), 1);
  else ::unsetenv("CPX_HOME");
  fs::remove_all(dir.parent_path());
}

TEST_CASE("predict and advise without --device predict for the shipped pi5 and say so, with --device they do not",
          "[devices]") {
  const fs::path dir = scratch("default");
  const std::string note = "device pi5 (the default; --device NAME or a device file to choose)\n";
  const test::CliRun predict = test::cli("predict b0", in(dir));
  INFO(predict.err);
  REQUIRE(predict.exit_code == 0);
  CHECK(predict.out.rfind(note, 0) == 0);
  CHECK(predict.out.find("b0 on pi5 (") != std::string::npos);
  CHECK(latency_us(test::cli("predict b0 --json", in(dir))) ==
        latency_us(test::cli("predict b0 --device pi5 --json", in(dir))));
  CHECK(test::cli("predict b0 --device pi5", in(dir)).out.find(note) == std::string::npos);
  const test::CliRun advise = test::cli("advise b0 --evaluations 20 --top 1", in(dir));
  INFO(advise.err);
  REQUIRE(advise.exit_code == 0);
  CHECK(advise.out.rfind(note + "advise: b0 on pi5 (", 0) == 0);
  fs::remove_all(dir.parent_path());
}

TEST_CASE("host without a profile is one line: what is missing, the shipped devices, and how long fit would profile",
          "[devices]") {
  const fs::path dir = scratch("host");
  std::string shipped;
  for (const std::string& name : predictor::shipped_device_names()) shipped += (shipped.empty() ? "" : ", ") + name;
  const std::string expected =
      "cpubone-explore: --device = \"host\": this machine has no profile yet (" + (dir / "devices/host.json").string() +
      "); shipped devices: " + shipped +
      "; `cpubone-explore fit --device host` profiles this machine first, "
      "about 10 minutes (an estimate from the profile's 600 s budget; a slow or busy machine overruns it)\n";
  for (const char* command : {"predict b0 --device host", "advise b0 --device host"}) {
    const test::CliRun r = test::cli(command, in(dir));
    INFO(command);
    CHECK(r.exit_code == 2);
    CHECK(r.err == expected);
  }
  // With a profile and no predictor yet: fitting it takes seconds, and says so.
  std::ofstream(dir / "devices/host.json") << "{}";
  const test::CliRun fitted = test::cli("predict b0 --device host", in(dir));
  CHECK(fitted.exit_code == 2);
  CHECK(fitted.err == "cpubone-explore: --device = \"host\": no predictor fitted from this machine's profile " +
                          (dir / "devices/host.json").string() +
                          " yet (`cpubone-explore fit --device host` fits it in seconds)\n");
  CHECK(profiler::profile_duration_estimate(true) ==
        "about a minute (an estimate from the quick profile's 60 s budget; a slow or busy "
        "machine overruns it)");
  fs::remove_all(dir.parent_path());
}

#include "predictor/device_ref.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "predictor/devices.hpp"
#include "profiler/profile/profile_file.hpp"
#include "profiler/profile/sweep_grid.hpp"
#include "space/field_error.hpp"
#include "space/io.hpp"
#include "space/names.hpp"

namespace cpx::predictor {

extern const std::map<std::string, const char*> shipped_devices;  // generated from predictor/devices/*.json

namespace {

// <cache>/devices: $CPX_HOME, else ~/.cache/cpubone-explore, else ./.cpubone-explore.
std::filesystem::path devices_dir() {
  std::string home;
  if (const char* p = std::getenv("CPX_HOME")) home = p;
  else if (const char* h = std::getenv("HOME")) home = std::string(h) + "/.cache/cpubone-explore";
  else home = ".cpubone-explore";
  return std::filesystem::path(home) / "devices";
}

constexpr std::string_view predictor_suffix = ".predictor.json";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A device or predictor file given by path (a profile is not one: it is fitted first).
Predictor predictor_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw FieldError(Field::device, "\"" + path + "\"", "no such device file");
  const Json j = read_json_file(path);
  const Json schema = j.is_object() ? j.value("schema", Json()) : Json();
  if (is_file_version(schema, profiler::device_profile_version) || is_file_version(schema, profiler::device_profile_v1))
    throw AdvisedError({path + ": schema = " + schema.dump() + ": a device profile, not a device; fit it first (`cpubone-explore fit ",
                        Field::device, " NAME ", Field::profile, " " + path + "`)"});
  return predictor_from_json(j, path);
}

// Host without a fitted predictor: what is missing, what else there is, and what `fit` would take.
[[noreturn]] void no_host_predictor(const DeviceRef& d) {
  if (std::filesystem::exists(d.profile_path))
    throw FieldError(Field::device, "\"" + d.name + "\"", {"no predictor fitted from this machine's profile " + d.profile_path +
                     " yet (`cpubone-explore fit ", Field::device, " " + d.name + "` fits it in seconds)"});
  throw FieldError(Field::device, "\"" + d.name + "\"", {"this machine has no profile yet (" + d.profile_path + "); shipped devices: " +
                   comma_joined(shipped_device_names()) + "; `cpubone-explore fit ", Field::device, " " + d.name +
                   "` profiles this machine first, " + profiler::profile_duration_estimate(false)});
}

}  // namespace

bool is_device_file(std::string_view device) {
  return device.find('/') != std::string_view::npos || ends_with(device, ".json");
}

DeviceRef resolve_device(std::string_view device) {
  DeviceRef d;
  d.name = std::string(device);
  if (is_device_file(device)) {
    d.source = DeviceSource::file;
    d.predictor_path = d.name;
    return d;
  }
  const std::filesystem::path dir = devices_dir();
  d.predictor_path = (dir / (d.name + std::string(predictor_suffix))).string();
  d.profile_path = (dir / (d.name + ".json")).string();
  if (device == host_device) d.source = DeviceSource::host;
  else if (std::filesystem::exists(d.predictor_path)) d.source = DeviceSource::cache;
  else if (shipped_devices.count(d.name)) d.source = DeviceSource::shipped;
  return d;
}

Predictor load_predictor(const DeviceRef& d) {
  switch (d.source) {
    case DeviceSource::file: return predictor_file(d.predictor_path);
    case DeviceSource::shipped: return predictor_from_json(Json::parse(shipped_devices.at(d.name)), "shipped device " + d.name);
    case DeviceSource::unknown:
      throw FieldError(Field::device, "\"" + d.name + "\"", {"not a known device" + did_you_mean(d.name, known_devices()) + " (known: " + comma_joined(known_devices()) +
                       "; or the path of a device file, e.g. one `calibrate ", Field::out, "` wrote)"});
    case DeviceSource::host:
      if (!std::filesystem::exists(d.predictor_path)) no_host_predictor(d);
      break;
    case DeviceSource::cache: break;
  }
  const Json j = read_json_file(d.predictor_path);
  // A host predictor from an older release is refitted from its profile (seconds); a calibrated device
  // of an older schema fails below, naming the schema, and is recalibrated with `calibrate`.
  if (d.is_host() && j.is_object() && !is_file_version(j.value("schema", Json()), predictor_version) &&
      std::filesystem::exists(d.profile_path)) {
    // The old predictor was fitted from this very profile, noise and all: refitting it must not start
    // refusing it. Noisy samples are still dropped where a class has quiet ones (see the provenance).
    FitOptions refit;
    refit.allow_noisy = true;
    return fit_device(d, "", refit);
  }
  return predictor_from_json(j, d.predictor_path);
}

std::optional<Json> measured_profile(const DeviceRef& d) {
  if (!d.is_host()) return std::nullopt;
  return profiler::load_profile(d.profile_path);
}

std::vector<std::string> shipped_device_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : shipped_devices) names.push_back(name);
  return names;
}

std::vector<std::string> known_devices() {
  std::set<std::string> names{std::string(host_device)};
  for (const auto& [name, text] : shipped_devices) names.insert(name);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(devices_dir(), ec)) {
    const std::string file = e.path().filename().string();
    if (ends_with(file, predictor_suffix)) names.insert(file.substr(0, file.size() - predictor_suffix.size()));
  }
  return {names.begin(), names.end()};
}

Wording default_device_note() {
  return {"device " + std::string(default_device) + " (the default; ", Field::device, " NAME or a device file to choose)"};
}

}  // namespace cpx::predictor

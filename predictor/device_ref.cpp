#include "predictor/device_ref.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

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
  return {"device " + std::string(default_device) + " (the default; ", Field::device,
          " NAME or a device file to choose)"};
}

}  // namespace cpx::predictor

// What a --device argument names, resolved in one place: the device cache's layout ($CPX_HOME), the
// shipped devices, device files given by path, and host (this machine, profiled and measured here). Every
// front end (the CLI's commands, the main job, the Python module) resolves its argument once, here, and
// passes the DeviceRef on; nothing else builds a cache path or compares a name with "host". Loading the
// device's predictor (load_predictor) is predictor/devices.hpp's: it may refit the host from its profile.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "predictor/predictor.hpp"
#include "space/error.hpp"
#include "space/field_error.hpp"

namespace cpx::predictor {

// The one reserved device name: this machine, profiled and measured here rather than calibrated. Whether a
// name is it is asked of resolve_device(name).is_host(), never by comparing names.
inline constexpr std::string_view host_device = "host";

// The device shipped when none is named: predict, advise and the main job default to it, since host needs
// a profile of this machine that a fresh install does not have.
inline constexpr std::string_view default_device = "pi5";

// A device argument names a file (a device or predictor file, e.g. one `calibrate --out` wrote) when it holds
// a '/' or ends in ".json": device names hold neither (calibrate and profile refuse them).
bool is_device_file(std::string_view device);

enum class DeviceSource {
  host,     // this machine: its profile and the predictor fitted from it, both in the cache
  cache,    // fitted or calibrated on this machine (<cache>/devices/NAME.predictor.json): wins over a shipped one
  shipped,  // calibrated, built into the library (predictor/devices/NAME.json)
  file,     // a device or predictor file given by path
  unknown,  // none of these (yet: fit and calibrate write a new name into the cache)
};

struct DeviceRef {
  std::string name;  // the argument as given: a device name, or a file's path
  DeviceSource source = DeviceSource::unknown;
  std::string
      predictor_path;        // a file: the file; else <cache>/devices/NAME.predictor.json (fit and calibrate write it)
  std::string profile_path;  // <cache>/devices/NAME.json (profile writes it, fit reads it); "" for a file
  bool is_host() const { return source == DeviceSource::host; }
};

// The cache: $CPX_HOME, else ~/.cache/cpubone-explore, else ./.cpubone-explore.
DeviceRef resolve_device(std::string_view device);

std::vector<std::string> shipped_device_names();
// host, the shipped devices and those fitted or calibrated in the device cache, sorted, each once.
std::vector<std::string> known_devices();

// What a front end says when the user named no device: "device pi5 (the default; --device NAME or a device
// file to choose)", the option in the front end's spelling.
Wording default_device_note();

}  // namespace cpx::predictor

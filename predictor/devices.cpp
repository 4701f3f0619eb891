#include "predictor/devices.hpp"

#include <filesystem>
#include <optional>

#include "predictor/ceilings.hpp"
#include "profiler/file_lock.hpp"
#include "profiler/profile_file.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

extern const std::map<std::string, const char*> shipped_devices;  // generated from predictor/devices/*.json

std::string predictor_path(const std::string& device) {
  std::string p = profiler::default_profile_path(device);
  return p.substr(0, p.size() - 5) + ".predictor.json";
}

Predictor load_predictor(const std::string& device) {
  const std::string path = predictor_path(device);
  if (!std::filesystem::exists(path) && shipped_devices.count(device))
    return predictor_from_json(Json::parse(shipped_devices.at(device)), "shipped device " + device);
  if (!std::filesystem::exists(path))
    throw InputError("--device = \"" + device + "\": no predictor at " + path +
                     (device == "host" ? " (run `cpubone-explore fit --device host` first)" : " (not a known device)"));
  const Json j = read_json_file(path);
  // A host predictor from an older release is refitted from its profile (seconds); a calibrated device
  // of an older schema fails below, naming the schema, and is recalibrated with `calibrate`.
  if (device == "host" && j.is_object() && j.value("schema", "") != predictor_schema &&
      std::filesystem::exists(profiler::default_profile_path(device))) {
    // The old predictor was fitted from this very profile, noise and all: refitting it must not start
    // refusing it. Noisy samples are still dropped where a class has quiet ones (see the provenance).
    FitOptions refit;
    refit.allow_noisy = true;
    return fit_device(device, "", refit);
  }
  return predictor_from_json(j, path);
}

std::vector<std::string> shipped_device_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : shipped_devices) names.push_back(name);
  return names;
}

Predictor fit_device(const std::string& device, const std::string& profile_file, const FitOptions& options) {
  const std::string path = profile_file.empty() ? profiler::default_profile_path(device) : profile_file;
  if (device != "host" && profile_file.empty() && !std::filesystem::exists(path))
    throw InputError("--device = \"" + device + "\": no profile at " + path + "; run `cpubone-explore profile --device " +
                     device + "` on that device, or give --profile FILE measured there");
  Predictor p = fit(profiler::load_profile(path), path, options);
  p.device = device;
  const std::string out = predictor_path(device);
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  const profiler::FileLock lock(out, "cpubone-explore fit");
  write_file_atomic(out, to_json(p).dump() + "\n");
  return p;
}

CalibrationResult calibrate_device(const CalibrationRequest& r) {
  if (r.device.empty() || r.device == "host" || r.device.find('/') != std::string::npos)
    throw InputError("--device = \"" + r.device + "\": name a device other than host, without '/'");
  CalibrationResult out;
  for (PublishedPoint& p : read_published(r.published, r.column)) {  // the figures' own errors first: they name the user's file
    const ZooEntry* z = find_zoo(p.model);
    (z && !z->unmodelled_work.empty() ? out.not_fitted : out.points).push_back(std::move(p));
  }
  std::optional<Hardware> hw;
  if (!r.hardware.empty()) hw = hardware_from_json(read_json_file(r.hardware), Where(r.hardware));
  else hw = shipped_hardware(r.device);
  if (!hw)
    throw InputError("--device = \"" + r.device + "\": no shipped hardware description; give --hardware FILE (fields as in "
                     "predictor/devices/hardware/pi5.json, every number with its source)");
  if (hw->device != r.device)
    throw InputError((r.hardware.empty() ? "shipped hardware" : r.hardware) + ": device = \"" + hw->device + "\": not --device \"" + r.device + "\"");
  if (!out.points.empty() && out.points.front().threads > 0 && out.points.front().threads != hw->threads)
    *hw = with_threads(*hw, out.points.front().threads, r.published + ": threads column");
  Predictor host;
  if (r.host_from.empty()) {
    host = load_predictor("host");
    const std::string profile_path = host.provenance.value("profile", profiler::default_profile_path("host"));
    out.host = host_ceilings(profiler::load_profile(profile_path), profile_path, 1);
  } else {  // the host model and ceilings another calibrated device carries (reproducible without this machine)
    const bool file = std::filesystem::exists(r.host_from);
    Predictor carrier = file ? predictor_from_json(read_json_file(r.host_from), r.host_from) : load_predictor(r.host_from);
    if (!carrier.calibrated) throw InputError("--host-from = \"" + r.host_from + "\": not a calibrated device");
    out.host = carrier.calibrated->host;
    host = carrier;
    host.calibrated.reset();
    host.device = "host";
    host.provenance = carrier.provenance.value("host_model", Json::object());
  }
  // The device file records how to rebuild it, without this machine's paths.
  const std::filesystem::path published(r.published);
  // A host predictor fitted before fit recorded its selection says nothing about it.
  const Json selection = host.provenance.is_object() ? host.provenance.value("selection", Json()) : Json();
  std::string rebuild = "cpubone-explore calibrate --device " + r.device + " --published " +
                        (published.is_absolute() ? published.filename().string() : r.published) +
                        (r.column.empty() ? "" : " --column " + r.column) + (r.method.empty() ? "" : " --method " + r.method) +
                        (r.hardware.empty() ? "" : " --hardware " + std::filesystem::path(r.hardware).filename().string()) +
                        (r.host_from.empty() ? ", after `" : ", with the host model carried by device " +
                                                                  std::filesystem::path(r.host_from).filename().string() + " (from `") +
                        "cpubone-explore fit --device host" + (selection.is_string() ? " --select " + selection.get<std::string>() : "") +
                        (r.host_from.empty() ? "`" : "`)");
  if (r.hardware.empty()) rebuild = "scripts/calibrate-devices (" + rebuild + ")";
  out.calibration = calibrate(host, out.host, *hw, out.points, published.filename().string() +
                              (r.column.empty() ? "" : " column " + r.column), rebuild, r.method);
  Json not_fitted = Json::array();
  for (const PublishedPoint& p : out.not_fitted)
    not_fitted.push_back({{"model", p.model}, {"published_ms", p.latency_ms}, {"unmodelled_work", find_zoo(p.model)->unmodelled_work}});
  out.calibration.device.calibrated->held_out["not_fitted"] = not_fitted;
  out.path = r.out.empty() ? predictor_path(r.device) : r.out;
  if (std::filesystem::path(out.path).has_parent_path())
    std::filesystem::create_directories(std::filesystem::path(out.path).parent_path());
  const profiler::FileLock lock(out.path, "cpubone-explore calibrate");
  write_file_atomic(out.path, to_json(out.calibration.device).dump() + "\n");
  return out;
}

}  // namespace cpx::predictor

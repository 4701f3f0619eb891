#include "predictor/devices.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "predictor/calibrate_checks.hpp"
#include "predictor/ceilings.hpp"
#include "predictor/interval_evidence.hpp"
#include "predictor/zero_shot.hpp"
#include "profiler/profile/file_lock.hpp"
#include "profiler/profile/profile_file.hpp"
#include "profiler/profile/sweep_grid.hpp"
#include "space/field_error.hpp"
#include "space/io.hpp"
#include "space/names.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

extern const std::map<std::string, const char*> shipped_devices;  // generated from predictor/devices/*.json

namespace {

// A device or predictor file given by path (a profile is not one: it is fitted first).
Predictor predictor_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    throw FieldError(Field::device, "\"" + path + "\"", "no such device file");
  const Json j = read_json_file(path);
  const Json schema = j.is_object() ? j.value("schema", Json()) : Json();
  if (is_file_version(schema, profiler::device_profile_version))
    throw AdvisedError(
        {path + ": schema = " + schema.dump() + ": a device profile, not a device; fit it first (`cpubone-explore fit ",
         Field::device, " NAME ", Field::profile, " " + path + "`)"});
  return predictor_from_json(j, path);
}

// Host without a fitted predictor: what is missing, what else there is, and what `fit` would take.
[[noreturn]] void no_host_predictor(const DeviceRef& d) {
  if (std::filesystem::exists(d.profile_path))
    throw FieldError(
        Field::device, "\"" + d.name + "\"",
        {"no predictor fitted from this machine's profile " + d.profile_path + " yet (`cpubone-explore fit ",
         Field::device, " " + d.name + "` fits it in seconds)"});
  throw FieldError(
      Field::device, "\"" + d.name + "\"",
      {"this machine has no profile yet (" + d.profile_path +
           "); shipped devices: " + comma_joined(shipped_device_names()) + "; `cpubone-explore fit ",
       Field::device, " " + d.name + "` profiles this machine first, " + profiler::profile_duration_estimate(false)});
}

}  // namespace

Predictor load_predictor(const DeviceRef& d) {
  switch (d.source) {
    case DeviceSource::file: return predictor_file(d.predictor_path);
    case DeviceSource::shipped:
      return predictor_from_json(Json::parse(shipped_devices.at(d.name)), "shipped device " + d.name);
    case DeviceSource::unknown:
      throw FieldError(Field::device, "\"" + d.name + "\"",
                       {"not a known device" + did_you_mean(d.name, known_devices()) + " (known: " +
                            comma_joined(known_devices()) + "; or the path of a device file, e.g. one `calibrate ",
                        Field::out, "` wrote)"});
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

std::optional<profiler::Profile> measured_profile(const DeviceRef& d) {
  if (!d.is_host()) return std::nullopt;
  return profiler::read_profile_file(d.profile_path);
}

IntervalEvidence shipped_interval_evidence(const std::string& exclude) {
  std::vector<Predictor> devices;
  for (const auto& [name, text] : shipped_devices)
    if (name != exclude) devices.push_back(predictor_from_json(Json::parse(text), "shipped device " + name));
  std::vector<const ZooEntry*> reference;  // the first network of every family
  std::set<std::string> families;
  for (const ZooEntry& z : zoo())
    if (z.unmodelled_work.empty() && families.insert(z.family).second) reference.push_back(&z);
  return interval_evidence(devices, reference);
}

// The shipped devices' published points on zoo networks, for group_prior; `exclude` left out (the device
// being calibrated must not be its own prior).
std::vector<PriorSource> shipped_prior_sources(const std::string& exclude) {
  std::vector<PriorSource> out;
  for (const auto& [name, text] : shipped_devices) {
    if (name == exclude) continue;
    const Predictor d = predictor_from_json(Json::parse(text), "shipped device " + name);
    if (!d.calibrated || !d.provenance.document.is_object()) continue;
    PriorSource s{name, d.calibrated->hardware, {}};
    for (const Provenance::Published& row : d.provenance.published) {
      if (!find_zoo(row.model)) continue;
      s.points.push_back({row.model, row.latency_ms, row.family, load_model(row.model), 0, ""});
    }
    out.push_back(std::move(s));
  }
  return out;
}

Predictor fit_device(const DeviceRef& device, const std::string& profile_file, const FitOptions& options,
                     FitReport* report) {
  if (device.source == DeviceSource::file)
    throw FieldError(Field::device, "\"" + device.name + "\"",
                     "name a device to fit (a name without '/', not ending in .json)");
  const std::string path = profile_file.empty() ? device.profile_path : profile_file;
  if (!device.is_host() && profile_file.empty() && !std::filesystem::exists(path))
    throw FieldError(Field::device, "\"" + device.name + "\"",
                     {"no profile at " + path + "; run `cpubone-explore profile ", Field::device,
                      " " + device.name + "` on that device, or give ", Field::profile, " FILE measured there"});
  Predictor p = fit(profiler::read_profile_file(path), path, options, report);
  p.device = device.name;
  const std::string& out = device.predictor_path;
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  const profiler::FileLock lock(out, "cpubone-explore fit");
  write_file_atomic(out, to_json(p).dump() + "\n");
  return p;
}

namespace {

// --hardware: "" for the shipped description of --device; a shipped device's name for its description
// under --device's name; else a hardware description file (which may describe another device too).
Hardware calibration_hardware(const CalibrationRequest& r) {
  std::optional<Hardware> hw;
  if (r.hardware.empty()) hw = shipped_hardware(r.device);
  else if (is_device_file(r.hardware)) hw = hardware_from_json(read_json_file(r.hardware), Where(r.hardware));
  else if (!(hw = shipped_hardware(r.hardware)))
    throw FieldError(Field::hardware, "\"" + r.hardware + "\"",
                     "no shipped hardware of that name (shipped: " + comma_joined(shipped_hardware_names()) +
                         "); or give a hardware description file");
  if (!hw)
    throw FieldError(Field::device, "\"" + r.device + "\"",
                     {"no shipped hardware description; give ", Field::hardware,
                      " with a shipped device's name (" + comma_joined(shipped_hardware_names()) +
                          ") or a FILE (fields as in "
                          "predictor/devices/hardware/pi5.json, every number with its source)"});
  return renamed(*hw, r.device);
}

// The host model and the host's ceilings the device transfers from: this machine's fitted host predictor
// and its profile's probes; or those a calibrated device carries (--host-from, or, when this machine has
// no fitted host, the shipped device of the hardware, else the first shipped one: out.host_from_shipped).
Predictor calibration_host(const CalibrationRequest& r, CalibrationResult& out) {
  std::string host_from = r.host_from;
  const DeviceRef this_machine = resolve_device(host_device);
  if (host_from.empty() && !std::filesystem::exists(this_machine.predictor_path)) {
    const std::vector<std::string> shipped = shipped_device_names();
    auto is_shipped = [&](const std::string& name) {
      return std::find(shipped.begin(), shipped.end(), name) != shipped.end();
    };
    out.host_from_shipped = is_shipped(r.hardware) ? r.hardware : is_shipped(r.device) ? r.device : shipped.front();
    host_from = out.host_from_shipped;
    out.host_note = {"calibrate: no host predictor fitted on this machine (" + this_machine.predictor_path +
                         "): using the host model the " + "shipped " + host_from + " carries, as ",
                     Field::host_from, " " + host_from + " does (`cpubone-explore fit ", Field::device,
                     " host` first to use this machine's)"};
  }
  if (host_from.empty()) {
    Predictor host = load_predictor(this_machine);
    const std::string profile_path = host.provenance.profile.value_or(this_machine.profile_path);
    out.host = host_ceilings(profiler::read_profile_file(profile_path), profile_path, 1);
    return host;
  }
  // The host model and ceilings another calibrated device carries (reproducible without this machine).
  Predictor carrier = load_predictor(host_from);
  if (!carrier.calibrated) throw FieldError(Field::host_from, "\"" + host_from + "\"", "not a calibrated device");
  out.host = carrier.calibrated->host;
  Predictor host = carrier;
  host.calibrated.reset();
  host.device = host_device;
  host.provenance = carrier.provenance.host_model ? *carrier.provenance.host_model : Provenance{};
  return host;
}

// The user's own timings: the runtime they named and the threads, from the request or the CSV's threads
// column (which must agree); published figures (a column named) take neither.
int64_t timed_threads(const CalibrationRequest& r, const std::vector<PublishedPoint>& points) {
  const int64_t column = points.empty() ? 0 : points.front().threads;
  if (!r.column.empty()) {
    const std::string why = "published figures (" + r.published + ", column " + r.column +
                            ") take it from the hardware description; it names your own timings only";
    if (!r.runtime.empty()) throw FieldError(Field::runtime, "\"" + r.runtime + "\"", why);
    if (r.threads) throw FieldError(Field::threads, std::to_string(*r.threads), why);
    if (r.own_timings != TimedBy::user)
      throw InputError("--timed-by " + std::string(to_string(r.own_timings)) + ": " + why);
    return column;
  }
  if (r.runtime.empty())
    throw FieldError(Field::runtime, {"required with your own timings (" + r.published +
                                          "): the runtime and version you timed with, e.g. ",
                                      Field::runtime, " \"ONNX Runtime 1.17\""});
  if (r.threads && (*r.threads < 1 || *r.threads > 256))
    throw FieldError(Field::threads, std::to_string(*r.threads),
                     "out of range [1, 256] (the threads " + r.published + " was timed with)");
  if (r.threads && column && *r.threads != column)
    throw FieldError(Field::threads, std::to_string(*r.threads),
                     r.published + ": its threads column says " + std::to_string(column));
  if (!r.threads && !column)
    throw FieldError(Field::threads,
                     {"required with your own timings (" + r.published + "): the threads you timed with, e.g. ",
                      Field::threads, " 4 (or a threads column)"});
  return r.threads ? *r.threads : column;
}

// The chosen method's leave-one-model-out predictions: what the others' fit says of each point.
const std::vector<double>& chosen_lomo_us(const Calibration& c) {
  for (const HeldOutScores& s : c.held_out)
    if (s.method == c.chosen) return s.lomo_us;
  throw std::logic_error("calibrate: no held-out predictions of the chosen method");
}

// A device of the user's (or this project's) own timings says so, and names the runtime and threads they gave.
void say_whose_timings(Predictor& d, TimedBy who, const std::string& runtime) {
  Calibrated& c = *d.calibrated;
  c.timed_by = who;
  c.timed_runtime = runtime;
  d.runtime = timings_in_words(c) + ", on " + c.hardware.description;
}

// Writes the device to a temporary file beside `path`, reads it back through the loader every command
// uses, and only then renames it into place: a file the tool would refuse is never written (the refusal
// names the CSV it came from).
void write_device(const Predictor& d, const std::string& path, const std::string& csv) {
  const std::string written = path + ".unread.json";
  write_file_atomic(written, to_json(d).dump() + "\n");
  try {
    predictor_from_json(read_json_file(written), path);
  } catch (const InputError& e) {
    std::filesystem::remove(written);
    std::string warned;  // what calibrate found wrong with the timings may say why
    if (d.calibrated->held_out)
      for (const std::string& w : d.calibrated->held_out->warnings) warned += "; " + w;
    throw InputError(csv + ": the device calibrated from it would not read back (" + e.what() +
                     "), so none is written" + warned);
  }
  std::error_code ec;
  std::filesystem::rename(written, path, ec);
  if (ec) {
    std::filesystem::remove(written);
    throw InputError(path + ": cannot replace: " + ec.message());
  }
}

// --zero-shot: the device from the prior the shipped devices other than r.device say (predictor/zero_shot.hpp),
// updated by out.points when there are any; written as calibrate_device writes any device.
CalibrationResult zero_shot_calibration(const CalibrationRequest& r, const Hardware& hw, const Predictor& host,
                                        CalibrationResult out, const std::string& host_from) {
  if (r.method)
    throw FieldError(
        Field::zero_shot, "",
        "a zero-shot device is hardware_transfer with the prior's parameters: no calibration method to choose");
  std::string rebuild =
      "cpubone-explore calibrate --device " + r.device + " --zero-shot" +
      (r.hardware.empty() ? "" : " --hardware " + std::filesystem::path(r.hardware).filename().string()) +
      (r.runtime_class ? " --runtime-class " + std::string(to_string(*r.runtime_class)) : "");
  if (!r.published.empty())
    rebuild += " --published " + std::filesystem::path(r.published).filename().string() +
               (r.column.empty() ? " --runtime \"" + r.runtime + "\" --threads " + std::to_string(hw.threads)
                                 : " --column " + r.column) +
               (r.own_timings == TimedBy::project ? " --timed-by project" : "");
  rebuild += host_from.empty()
                 ? ", after `cpubone-explore fit --device host`"
                 : ", with the host model carried by device " + std::filesystem::path(host_from).filename().string();
  const ZeroShotPrior prior = zero_shot_prior(host, out.host, shipped_prior_sources(r.device));
  out.calibration.device = zero_shot_device(host, out.host, hw, prior, out.points, rebuild);
  Predictor& d = out.calibration.device;
  if (!out.points.empty()) {
    const std::string updated = " (the zero-shot prior from the hardware description, updated by " +
                                std::to_string(out.points.size()) + " timed network" +
                                (out.points.size() == 1 ? ")" : "s)");
    d.calibrated->timed_by = TimedBy::published;
    d.runtime = hw.runtime + " on " + hw.description + ", " + timings_in_words(*d.calibrated) + updated;
    if (r.column.empty()) {
      say_whose_timings(d, r.own_timings, r.runtime);
      d.runtime += updated;
    }
  }
  out.path = r.out.empty() ? resolve_device(r.device).predictor_path : r.out;
  if (std::filesystem::path(out.path).has_parent_path())
    std::filesystem::create_directories(std::filesystem::path(out.path).parent_path());
  const profiler::FileLock lock(out.path, "cpubone-explore calibrate");
  write_device(d, out.path, r.published.empty() ? "zero-shot " + r.device : r.published);
  return out;
}

}  // namespace

CalibrationResult calibrate_device(const CalibrationRequest& r) {
  // A name that reads as a path could never be passed back as --device by name.
  if (r.device.empty() || resolve_device(r.device).is_host() || is_device_file(r.device))
    throw FieldError(Field::device, "\"" + r.device + "\"",
                     "name a device other than host, without '/' and not ending in .json");
  CalibrationResult out;
  if (r.published.empty() && !r.zero_shot)
    throw FieldError(Field::published, {"required: the CSV of timed networks (or ", Field::zero_shot,
                                        " for a device from its hardware description alone)"});
  if (!r.published.empty())
    for (PublishedPoint& p :
         read_published(r.published, r.column)) {  // the figures' own errors first: they name the user's file
      const ZooEntry* z = find_zoo(p.model);
      (z && !z->unmodelled_work.empty() ? out.not_fitted : out.points).push_back(std::move(p));
    }
  Hardware hw = calibration_hardware(r);
  if (r.runtime_class) hw = with_runtime_class(hw, *r.runtime_class, "calibrate --runtime-class");
  if (!r.published.empty())
    if (const int64_t threads = timed_threads(r, out.points); threads > 0 && threads != hw.threads)
      hw = with_threads(hw, threads, r.published + (r.threads ? ": threads" : ": threads column"));
  check_possible(out.points, hw, r.published);  // before anything is fitted: a CSV in seconds is refused here
  const Predictor host = calibration_host(r, out);
  const std::string host_from = r.host_from.empty() ? out.host_from_shipped : r.host_from;
  if (r.zero_shot) return zero_shot_calibration(r, hw, host, std::move(out), host_from);
  // The device file records how to rebuild it, without this machine's paths.
  const std::filesystem::path published(r.published);
  // A host predictor fitted before fit recorded its selection says nothing about it.
  const std::optional<std::string>& selection = host.provenance.selection;
  std::string rebuild =
      "cpubone-explore calibrate --device " + r.device + " --published " +
      (published.is_absolute() ? published.filename().string() : r.published) +
      (r.column.empty() ? " --runtime \"" + r.runtime + "\" --threads " + std::to_string(hw.threads)
                        : " --column " + r.column) +
      (r.own_timings == TimedBy::project ? " --timed-by project" : "") +
      (r.method ? " --method " + std::string(to_string(*r.method)) : "") +
      (r.interval == IntervalMethod::pooled_t ? "" : " --interval-method " + std::string(to_string(r.interval))) +
      (r.hardware.empty() ? "" : " --hardware " + std::filesystem::path(r.hardware).filename().string()) +
      (r.runtime_class ? " --runtime-class " + std::string(to_string(*r.runtime_class)) : "") +
      (host_from.empty() ? ", after `"
                         : ", with the host model carried by device " +
                               std::filesystem::path(host_from).filename().string() + " (from `") +
      "cpubone-explore fit --device host" + (selection ? " --select " + *selection : "") +
      (host_from.empty() ? "`" : "`)");
  if (r.hardware.empty()) rebuild = "scripts/calibrate-devices (" + rebuild + ")";
  IntervalOptions interval{r.interval, {}};
  if (r.interval == IntervalMethod::pooled_t) interval.evidence = shipped_interval_evidence(r.device);
  out.calibration = calibrate(host, out.host, hw, out.points,
                              published.filename().string() + (r.column.empty() ? "" : " column " + r.column), rebuild,
                              r.method, interval, shipped_prior_sources(r.device));
  Calibrated& c = *out.calibration.device.calibrated;
  std::vector<NotFittedPoint>& not_fitted = c.held_out->not_fitted.emplace();
  for (const PublishedPoint& p : out.not_fitted)
    not_fitted.push_back({p.model, p.latency_ms, find_zoo(p.model)->unmodelled_work});
  if (r.column.empty()) say_whose_timings(out.calibration.device, r.own_timings, r.runtime);
  check_interval(c.interval, r.published, outliers(out.points, chosen_lomo_us(out.calibration), r.published));
  out.path = r.out.empty() ? resolve_device(r.device).predictor_path : r.out;
  if (std::filesystem::path(out.path).has_parent_path())
    std::filesystem::create_directories(std::filesystem::path(out.path).parent_path());
  const profiler::FileLock lock(out.path, "cpubone-explore calibrate");
  write_device(out.calibration.device, out.path, r.published);
  return out;
}

}  // namespace cpx::predictor

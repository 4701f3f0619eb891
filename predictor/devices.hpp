// Devices made on this machine: `fit` (from a profile) and `calibrate` (from published latencies), each
// written to the device cache (predictor/device_ref.hpp resolves names and paths), and what the shipped
// devices say about intervals and priors.
#pragma once

#include <optional>
#include <string_view>

#include "predictor/calibrate.hpp"
#include "predictor/device_ref.hpp"
#include "predictor/fit.hpp"
#include "space/field_error.hpp"

namespace cpx::predictor {

// The device's predictor (a host predictor of an older schema is refitted from its profile, hence here,
// above fit_device). An unknown name is an InputError listing known_devices(); host without a fitted
// predictor one line saying what is missing, the shipped devices, and what `fit --device host` takes.
Predictor load_predictor(const DeviceRef& device);
inline Predictor load_predictor(std::string_view device) { return load_predictor(resolve_device(device)); }

// Host: the profile its predictor was fitted from (the main job proves its proposals against it), loaded;
// any other device: none (nothing is measured for it).
std::optional<profiler::Profile> measured_profile(const DeviceRef& device);

// `fit`: fits `device` from a profile file (default: its cached profile, which must exist) and writes the
// predictor to device.predictor_path (the cache; a device file cannot be fitted).
Predictor fit_device(const DeviceRef& device, const std::string& profile_file, const FitOptions& options = {},
                     FitReport* report = nullptr);

// `calibrate`: carries the host predictor to a device described by its hardware, fitted to published
// latencies read from `published` (see read_published and calibrate), and writes the device to `out`
// (default resolve_device(device).predictor_path). The host's ceilings come from the probes of the profile the host
// predictor was fitted from; without a fitted host predictor (and without host_from), the host model and
// ceilings a shipped device carries stand in (CalibrationResult::host_note says which).
struct CalibrationRequest {
  std::string device;
  std::string published;  // CSV file
  std::string column;     // "" for a plain "model,latency_ms" file
  // A shipped device's name (its hardware, under `device`'s name) or a hardware description file; "" = the
  // shipped one of `device`.
  std::string hardware;
  std::string out;
  std::optional<CalibrationMethod> method;  // none = choose (calibrate's rule)
  // A calibrated device (shipped name or file) whose carried host model and host ceilings stand in for this
  // machine's fitted host predictor and profile: the shipped devices rebuild from it without a new profile.
  std::string host_from;
  IntervalMethod interval = IntervalMethod::pooled_t;
  // The user's own timings (a CSV without `column`) name the runtime and version they were made with and
  // the threads (here, or as the CSV's threads column): both required, both stated wherever the device's
  // figures are (TimedBy::user). Published figures take both from the hardware description.
  std::string runtime;
  std::optional<int64_t> threads;
  // A device from its hardware description alone (predictor/zero_shot.hpp): the prior learned over the shipped
  // devices other than `device`; with `published` (k >= 1 timings), that prior updated by them.
  bool zero_shot = false;
  // The runtime class the device is for, instead of its hardware description's (`calibrate --runtime-class`).
  std::optional<RuntimeClass> runtime_class;
  TimedBy own_timings = TimedBy::user;  // a CSV without `column`: the user's, or this project's (epyc-ort)
};
struct CalibrationResult {
  Calibration calibration;
  std::vector<PublishedPoint> points;      // fitted and scored
  std::vector<PublishedPoint> not_fitted;  // zoo networks that leave out timed work (ZooEntry::unmodelled_work)
  std::string path;                        // where the device was written
  Ceilings host;                           // the host's probed ceilings at 1 thread
  // Without host_from and without a fitted host predictor: the shipped device whose host model stood in, as
  // host_from would have, and the one line that says so; "" otherwise.
  std::string host_from_shipped;
  Wording host_note;  // names options: a front end says them in its spelling
};

CalibrationResult calibrate_device(const CalibrationRequest& request);

// What the shipped devices other than `exclude` say about intervals (predictor/interval.hpp): each one's
// held-out errors of its chosen model (its file's provenance), and each kind of work's spread across them,
// measured on the first network of every zoo family.
IntervalEvidence shipped_interval_evidence(const std::string& exclude);
// The shipped devices other than `exclude`, their published points on zoo networks: group_prior's sources.
std::vector<PriorSource> shipped_prior_sources(const std::string& exclude);

}  // namespace cpx::predictor

// A predictor's provenance: where its figures come from (fit: the profile, its environment and the fit's
// statistics; calibrate: the timed networks and what each method predicted of them, and the host model it
// carries; calibrate --zero-shot: the prior and the timings). It stays the document it is, written back as it
// was read or made, so that fields the program never reads keep their values and order (a device file is
// rewritten byte for byte); the fields the program does read are taken from it once, by provenance_from_json,
// at the file's edge (predictor_json.cpp reads a file's; fit, calibrate and zero-shot call it on the document
// they make).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "profiler/profile/fusion.hpp"
#include "space/error.hpp"

namespace cpx::predictor {

struct Provenance {
  Json document = Json::object();  // as read or made; written back as it is

  // fit's: the profile fitted on, and how.
  std::optional<std::string> profile;
  // The environment the profile was measured in, open by design (its keys are the profiler's); the program
  // reads only what follows from it here.
  Json environment = Json::object();
  // Which shapes the executor whose profile was fitted ran on its igemm; environment_recorded: the provenance holds
  // the profile's environment (a fitted host model's does; the host model a device file embeds has none, and
  // every op of its is predicted).
  profiler::IgemmRule igemm;
  bool environment_recorded = false;
  std::string isa;  // the environment's ISA name; "" without an environment
  bool profile_complete = false;
  std::string fitted_on;
  std::optional<std::string> selection;          // fit --select (absent in host models fitted before it)
  std::vector<std::string> zoo_families_fitted;  // fit --zoo-families: the families whose zoo networks it fitted

  // calibrate's: each timed network's figure and the device's own model's held-out prediction of it.
  struct Published {
    std::string model;
    std::string family;  // "" where the timings named none (zero-shot updated by a user's unlabelled timings)
    double latency_ms = 0;
    std::optional<double> held_out_ms;
  };
  std::vector<Published> published;
  // The host model the device carries: its fit's provenance (as far as the device file kept it).
  std::shared_ptr<const Provenance> host_model;

  // calibrate --zero-shot's: the prior, each timing against it, and the hardware figures outside the
  // learning devices'.
  struct ZeroShot {
    std::vector<std::string> devices;  // the learning devices
    std::string form, covariate, runtime_level;
    double dispatch_us_per_op = 0, slope = 0;
    std::array<double, 3> covariate_shown{0, 0, 0};  // this device's, the learning devices' lowest and highest
    struct LeftOut {
      std::string device;
      double mape = 0;
    };
    std::vector<LeftOut> left_out;
  };
  std::optional<ZeroShot> zero_shot;
  struct Timing {
    std::string model;
    double latency_ms = 0, zero_shot_ms = 0, updated_ms = 0;
  };
  std::vector<Timing> timings;
  std::vector<std::string> outside_learning_devices;
};

// The typed fields taken from `document` (an object; null reads as an empty one and is kept as null), each checked for
// its type: a wrong one is an InputError naming where / field and the value.
Provenance provenance_from_json(const Json& document, const Where& where);
// What validate records of the fit it scored: the document's profile, fitted_on and selection, those it has.
Json fit_summary_to_json(const Provenance& p);
// The parts Python hands on as they are: the calibration's published rows and the zero-shot prior (null
// when the document has none).
Json published_to_json(const Provenance& p);
Json zero_shot_to_json(const Provenance& p);

}  // namespace cpx::predictor

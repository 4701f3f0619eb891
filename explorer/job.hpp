// The main job: zoo counts and predictions, design rules, the search, proposals against CPUBone B0-B3,
// the capacity-matched tier of each, and, when the target is this machine, proof by measurement. Writes
// DIR/results.json (space/results_schema.hpp, reports/results-schema.md), DIR/pareto/*.json and
// DIR/matched/*.json (macro networks).
#pragma once

#include <optional>

#include <functional>

#include "explorer/search.hpp"
#include "predictor/device_ref.hpp"
#include "profiler/profile/profile.hpp"
#include "space/results.hpp"
#include "space/results_schema.hpp"

namespace cpx::explorer {

struct JobOptions {
  std::string device{predictor::default_device};
  std::string command;                 // how the job was invoked, recorded in the results
  std::optional<int64_t> threads;      // unset: a calibrated device's own threads, 1 on the host
  std::string space_file;              // empty: the default space
  std::string accuracy = "proxy";      // proxy, macs, or a CSV of measured accuracies
  SearchOptions search;                // max_seconds 0: no time limit
  int64_t matched_evaluations = 3000;  // per baseline, for the capacity-matched tier (explorer/matched.hpp)
  Constraints constraints;             // unset: no limit
  std::string out_dir = "cpubone-report";
  bool prove = true;  // measure proposals and B0-B3 (only when the device is the host)
  double measure_min_time_s = 0.4;
#if defined(CPX_SANITIZED)
  // The sanitizer build (scripts/test) checks the proofs' memory and undefined behaviour only: its timings
  // mean nothing, and 10 runs of a 224x224 network repeat the same accesses at 10-30x the cost (the host
  // job took 7 minutes there). 3 runs still make a median, a spread and the noise checks; the Release
  // suite runs the job as shipped.
  int64_t measure_min_runs = 3, measure_warmup_runs = 1;
#else
  int64_t measure_min_runs = 10, measure_warmup_runs = 3;
#endif
  std::string layers_model = "b0";
  bool progress = true;  // progress lines on stderr
};

// Throws InputError naming the option (as the CLI spells it), its value and the allowed range for any
// option out of range, a missing --space or --accuracy file, or a --layers-model not in the zoo.
void validate(const JobOptions& options);

// Validates the options first. Prints progress on stderr. Returns the document it wrote to DIR/results.json
// (to_json of it is the file). `profile` is the host's measured device profile (nullptr for other devices).
Results run_job(const JobOptions& options, const predictor::Predictor& predictor, const profiler::Profile* profile);

}  // namespace cpx::explorer

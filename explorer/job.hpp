// The main job: zoo counts and predictions, design rules, the search, proposals against CPUBone B0-B3,
// and, when the target is this machine, proof by measurement. Writes DIR/results.json
// ("cpubone-explore/results/v1", reports/results-schema.md) and DIR/pareto/*.json (macro networks).
#pragma once

#include <functional>

#include "explorer/search.hpp"

namespace cpx::explorer {

inline constexpr std::string_view results_schema = "cpubone-explore/results/v1";

struct JobOptions {
  std::string device = "pi5";
  std::string command;            // how the job was invoked, recorded in the results
  int64_t threads = 1;
  std::string space_file;         // empty: the default space
  std::string accuracy = "proxy"; // proxy, macs, or a CSV of measured accuracies
  SearchOptions search;
  Constraints constraints;
  std::string out_dir = "cpubone-report";
  bool prove = true;              // measure proposals and B0-B3 (only when the device is the host)
  int64_t prove_per_baseline = 1; // dominating proposals measured per baseline
  double measure_min_time_s = 0.4;
  std::string layers_model = "b0";
  bool progress = true;           // progress lines on stderr
};

// Prints progress on stderr. `profile` is the host's measured device profile (nullptr for other devices).
Json run_job(const JobOptions& options, const predictor::Predictor& predictor, const Json* profile);

}  // namespace cpx::explorer

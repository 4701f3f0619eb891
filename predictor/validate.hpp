// `validate`: measures held-out networks on this machine (every zoo network plus networks sampled from
// the CPUBone-like space below the profile's training seeds, in interleaved rounds) and scores the predictor against two
// baselines fitted on the same training measurements (constant MACpS, constant time per parameter).
#pragma once

#include <functional>

#include "predictor/predictor.hpp"

namespace cpx::predictor {

inline constexpr std::string_view validation_schema = "cpubone-explore/validation/v1";

struct ValidateOptions {
  int64_t samples = 30;
  uint64_t seed = 1;
  int64_t threads = 1;
  double min_time_s = 0.2;  // of timing per network and round
  // Every network is measured once per round, rounds in a fresh shuffled order, and its figure is the
  // median of its round medians: on a shared machine, slow drifts then hit all networks alike instead of
  // whichever ones were being measured at the time (one round: two runs disagreed by >5% on a quarter).
  int64_t rounds = 5;
};

// Only "host" can be validated (it measures). Pins the calling thread to `threads` CPUs. `progress`, if
// set, gets each network's row as it is measured. Returns the "cpubone-explore/validation/v1" JSON.
Json validate(const std::string& device, const ValidateOptions& options,
              const std::function<void(const Json& row)>& progress = {});

}  // namespace cpx::predictor

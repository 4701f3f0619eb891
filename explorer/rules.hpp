// Design rules the target device supports, for any device: the profiler's block grid is predicted with the
// device's predictor (so a calibrated device like pi5 has rules too), then read by the same
// profiler::derive_rules that reads a measured profile. On the host the measured profile is used instead.
#pragma once

#include "explorer/space.hpp"
#include "predictor/predictor.hpp"

namespace cpx::explorer {

// A device profile whose "configs" (the block grid of `profile`, full version) hold predicted latencies.
Json predicted_profile(const predictor::Predictor& p, int64_t threads);

// Rules as statements with values, the paper's claim beside each, and how many of `proposals` follow it.
// `derived` is profiler::derive_rules output; `source` is "profile" (measured) or "predictor".
Json state_rules(const Json& derived, int64_t threads, const std::string& source, const std::vector<Macro>& proposals);

}  // namespace cpx::explorer

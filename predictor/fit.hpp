// Fitting a host model (predictor.hpp) from a device profile (fit.cpp; the per-class models: fit_classes.cpp).
#pragma once

#include <string>

#include "predictor/fit_options.hpp"
#include "predictor/fit_report.hpp"
#include "profiler/profile/profile.hpp"

namespace cpx::predictor {

// Fits from the profile's block grid and operator micro-benchmarks; the zoo networks measured in the
// profile are NOT used, so that they can validate the predictor. Samples of a measurement flagged noisy
// are dropped (see fit in fit.cpp) and counted per class in the provenance. `report`, if given, gets how
// the fit went. `profile_path` names the profile in errors and the provenance (profiler::read_profile reads it).
Predictor fit(const profiler::Profile& profile, const std::string& profile_path, const FitOptions& options = {},
              FitReport* report = nullptr);

}  // namespace cpx::predictor

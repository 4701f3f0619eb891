// Internal to fit (fit.cpp): the samples a profile gives, and the per-class models fitted on them (fit_classes.cpp).
#pragma once

#include <set>

#include "predictor/fit_options.hpp"
#include "predictor/fit_report.hpp"
#include "profiler/profile/interference.hpp"

namespace cpx::predictor::fit_detail {

struct Sample {
  OpFeatures f;
  double latency_us;
  bool noisy = false;  // its measurement was flagged noisy
  // The profile record it came from, the same for a record's thread counts (its id without "_t<threads>"):
  // held-out folds keep a configuration's samples together.
  std::string group;
};

// One whole-network timing of the profile and the samples of its layers.
struct Whole {
  int64_t threads;
  double measured_us;
  std::vector<size_t> sample_index;
  bool noisy;
  bool network;  // a whole network of the "networks" (or fitted "zoo") section, not a block or a single op timed alone
  double bytes;  // its count's bytes (0 in a record without them)
};

struct Gathered {
  std::vector<Sample> samples;
  std::vector<Whole> wholes;
  profiler::Interference noise;
  std::set<std::string> zoo_families;  // of the zoo records fitted on (FitOptions::zoo_families)
};

struct NoisyTally {
  int64_t dropped = 0, used = 0;
};

// Noise: a record flagged noisy (CV, run-queue wait or outliers of its whole-network timing) lends the
// flag to all its per-op samples, whose pass ran right after on the same busy machine. Noisy samples
// are dropped, not down-weighted: interference only ever slows a run, so a noisy median is biased, not
// merely spread, and any weight pulls the class towards slower. A class (or a thread count's whole
// networks) with too few quiet samples to fit keeps its noisy ones, and says so.
Gathered gather_samples(const profiler::Profile& profile, const Where& where, const FitOptions& options);
// Section by section, not over the whole profile: each section teaches fit something the others do not
// (the networks, the in-context op times and the whole-network scale): a profile little noisy overall
// can have one section mostly noisy, and a network scale fitted on its few quiet networks is far off
// (docs/log/predictor.md, moved from code comments).
void refuse_empty_or_noisy(const Gathered& g, const Where& where, const std::string& profile_path,
                           const FitOptions& options);
// How much the machine changed speed while profiling (profiler/measure/machine_speed.hpp), for the provenance;
// null for a profile built in memory without it. Above max_speed_spread_to_fit the profile mixes two machines
// and no per-measurement flag shows it, so it is refused as a mostly noisy one is.
std::optional<FitReport::SpeedChange> speed_change(const profiler::Profile& profile, const std::string& profile_path,
                                                   const FitOptions& options);
// Fits every class with at least 3 samples into p, of the kind with the lower held-out error (see
// compare_held_out); returns the per-class statistics. `ceilings` is null when the profile has none to fit
// the roofline model with (then `no_ceilings` says why).
std::vector<FitReport::Class> fit_classes(Predictor& p, const std::vector<Sample>& samples, const FitOptions& options,
                                          NoisyTally& tally, const std::map<int64_t, Ceilings>* ceilings,
                                          const std::string& no_ceilings);
// A class's held-out comparison as the provenance writes it.
Json held_out_json(const ClassHeldOut& h, const FitOptions& options);

}  // namespace cpx::predictor::fit_detail

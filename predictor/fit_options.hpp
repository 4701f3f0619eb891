// How a host model is fitted: FitOptions, their names as `fit` and the provenance spell them, and the
// limits fit applies.
#pragma once

#include <set>

#include "predictor/predictor.hpp"

namespace cpx::predictor {

struct FitOptions {
  double ridge = 1e-3;  // on standardised features
  bool residual_trees = true;
  BoostOptions boost;
  bool allow_noisy = false;  // fit a profile whose fitted sections are mostly noisy (else InputError)
  // Per class, the quadratic and the roofline model (with and without bounded residual trees) are
  // compared on held-out samples (see Selection); false = quadratic only.
  bool roofline = true;
  int folds = 5;
  // kfold: the lower k-fold MAPE (folds grouped by profile record). balanced: the lower mean of that and
  // the largest-shapes MAPE (the records with the largest work, a fifth of the samples, held out).
  // Balanced was the default first, since the k-fold cannot see extrapolation: on the grid, quadratic and
  // roofline+trees differ little in k-fold MAPE for pointwise and grouped convs and a lot with the largest
  // shapes held out. Held-out networks disagreed: the same validate runs rescored with both fits of one
  // profile gave kfold the lower OOD MAPE in most runs at about the same zoo MAPE, on a set of networks
  // measured after the switch was proposed too (docs/log/predictor.md, moved from code comments).
  // Within kfold, a gap of k-fold MAPE smaller than kfold_tie_standard_errors of its standard error (records
  // as the draws) is a tie, and the tied kind that extrapolates better (lower largest-shapes MAPE) wins:
  // the k-fold MAPE cannot tell such kinds apart, and the largest-shapes one can (a dense-conv quadratic
  // that won the k-fold by a hair erred far more on the largest shapes, and on held-out networks).
  // Either way, a conv class whose efficiency must not fall as its channels or pixels grow (dense, grouped,
  // pointwise: monotone_features) chooses among the roofline kinds only. Its quadratic is scored, not
  // chosen: it can win pointwise convs' k-fold while erring badly with the largest shapes held out, and
  // predicted FasterNet-L's widest pointwise convs far too slow.
  enum class Selection { kfold, balanced } selection = Selection::kfold;
  // Whole zoo networks of the profile's "zoo" section in the fit, next to its sampled networks: none, or
  // those of half the zoo's families (zoo_family_fitted), so that validate still scores the other half as
  // families the fit never saw. The sampled networks are all CPUBone-like; the zoo's families are not, and
  // no network law fitted on the sampled ones alone learnt how ops slow down inside other networks.
  // Half is the default: fitted both ways and rescored on stored validate runs, on each of three profiles,
  // the held-out families gained on two and lost on none, the OOD networks gained a little or held even,
  // and the sampled ones held even or lost a little, one network scale now serving both
  // (docs/log/predictor.md, moved from code comments).
  enum class ZooFamilies { none, half } zoo_families = ZooFamilies::half;
  // local: each measured time at the profile's median speed, multiplied by profiler::SpeedAtTime's factor
  // (the speed reference's median over its time then), so that the fit keeps what the machine measured
  // while it ran slow, corrected, instead of dropping the slow spans and keeping the fast ones as they ran
  // (a "machine_slowed" flag alone no longer drops a record; its own wait, CV or outliers still do).
  // none: the times as measured, as fit took them before local existed. Local is the default: on a VM
  // whose 2-thread reference alternated between two speeds in phases of a minute or two, the fit as
  // measured predicted every network too fast at 2 threads. One profile fitted both ways and scored on two
  // validate pairs (the second measured after the choice, as its test) gained most at 2 threads and held
  // about even at 1 (docs/log/predictor.md, moved from code comments).
  enum class SpeedCorrection { none, local } speed_correction = SpeedCorrection::local;
};
// "none" or "local" (as `fit --speed-correction` and the provenance spell them); anything else is an
// InputError naming `field`.
FitOptions::SpeedCorrection speed_correction_from_string(const std::string& name, const std::string& field);
std::string_view to_string(FitOptions::SpeedCorrection c);
// "none" or "half" (as `fit --zoo-families` and the provenance spell them); anything else is an InputError
// naming `field`.
FitOptions::ZooFamilies zoo_families_from_string(const std::string& name, const std::string& field);
std::string_view to_string(FitOptions::ZooFamilies z);
// Whether `family` is in the half of the zoo's families that `fit --zoo-families half` fits on: a fixed
// hash of the name (FNV-1a, even), the same on every machine and build, independent of the profile.
bool zoo_family_fitted(std::string_view family);
// The zoo families a host model was fitted on (its provenance's zoo_families_fitted); none for others.
std::set<std::string> fitted_zoo_families(const Predictor& p);
inline constexpr double kfold_tie_standard_errors = 2.0;
// "kfold" or "balanced" (as `fit --select` and the provenance's "selection" spell them); anything else is an
// InputError naming `field`.
FitOptions::Selection selection_from_string(const std::string& name, const std::string& field);
std::string_view to_string(FitOptions::Selection s);
// A class needs this many samples (and 2 * folds records) for the held-out comparison; below it keeps the
// quadratic, and its provenance says why.
inline constexpr int64_t min_samples_to_select = 30;
// A thread count with fewer held-out networks than this gets no interval (10th and 90th percentiles of
// fewer are the extremes).
inline constexpr size_t min_networks_for_interval = 10;

// Above this share of noisy measurements in any section fit learns from (configs, ops, networks) of at
// least profiler::section_noise_min_measurements, fit refuses the profile (profiler::Interference::
// mostly_noisy_section: the profile command warned and exited 3 for it).
inline constexpr double max_noisy_share_to_fit = profiler::section_noise_limit;
// Above this spread of the profile's speed reference (machine_speed, profiler/measure/machine_speed.hpp) fit refuses
// the profile; above profiler::max_speed_spread it fits, and its provenance and `fit` say the machine slowed.
// The refusal sits well above the warning: a profile that slowed only near its end is still worth fitting
// (docs/log/predictor.md, moved from code comments).
inline constexpr double max_speed_spread_to_fit = 0.25;
}  // namespace cpx::predictor

// A device from its hardware description alone (issue 75): no timings of it. The shipped calibrated
// devices say how far real runtimes fall below their spec sheets; the zero-shot device is the
// hardware_transfer model (predictor/calibrate.hpp: each op's host roofline efficiency carried to the
// device's peak and DRAM bandwidth, times a factor per op group, plus a dispatch time per op) with its
// parameters learned over the other devices, never the target's timings:
//  - the efficiency exponent and dispatch time: one pair for every source device, the grid pair of least
//    summed training error (each device its own factors at that pair);
//  - the model's form, chosen by leaving each source out in turn (so, in the benchmark, nested inside the
//    outer leave-one-device-out): a factor per op group or one common factor (the host model's relative
//    op-class costs trusted as they are), and the factors' mean over the sources shifted along at most one
//    spec covariate (threads, peak per core, DRAM bytes per peak MAC, whether the runtime fuses
//    activations) fitted across the sources, or set to the level of the sources of the target's runtime
//    class or runtime family (predictor/runtime_class.hpp: the runtime a device is timed with is part of
//    what it is), or along none;
//  - the interval: every source predicted by the prior learned without it (leave one device out): the
//    (1 -+ level) / 2 quantiles of those errors about their centre, each device weighing the same (wide
//    because devices differ, and the text says so).
// With k timed networks (any k >= 1) the zero-shot device is the prior the timings update: its common level
// moves by the shrunken mean of their log errors (normal-normal), a family's several timings counting as
// one observation of the level (their errors move together: the between-family variance does not shrink
// with more networks of one family), and its interval narrows as that level becomes known.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "predictor/calibrate.hpp"
#include "space/names.hpp"

namespace cpx::predictor {

// The last two are categories, not lines: the level of the learning devices of the target's runtime class
// (none of them: of its family; none of those: of all), or of its runtime family.
enum class SpecCovariate {
  none,
  log_threads,
  log_peak_per_core,
  log_bytes_per_mac,
  runtime_fuses_relu,
  runtime_class,
  runtime_family
};
inline constexpr Names<SpecCovariate, 7> spec_covariate_names{{
    {SpecCovariate::none, "none"},
    {SpecCovariate::log_threads, "log threads"},
    {SpecCovariate::log_peak_per_core, "log fp32 peak per core"},
    {SpecCovariate::log_bytes_per_mac, "log DRAM bytes per peak MAC"},
    {SpecCovariate::runtime_fuses_relu, "runtime fuses activations (1) or not (0)"},
    {SpecCovariate::runtime_class, "runtime class"},
    {SpecCovariate::runtime_family, "runtime family"},
}};
std::string_view to_string(SpecCovariate c);
bool is_category(SpecCovariate c);
double spec_value(SpecCovariate c, const Hardware& h);  // a category's: its index

// Whose level a runtime class takes under a category covariate: the learning devices of its own class, of
// its family (no learning device ran the class, or the covariate is the family), or all of them.
enum class LevelFrom { own_class, family, all_devices };
inline constexpr Names<LevelFrom, 3> level_from_names{{
    {LevelFrom::own_class, "its own class"},
    {LevelFrom::family, "its family"},
    {LevelFrom::all_devices, "all learning devices"},
}};
std::string_view to_string(LevelFrom f);
struct RuntimeLevel {
  double log_offset = 0;  // from the learning devices' mean level
  LevelFrom from = LevelFrom::all_devices;
  std::vector<std::string> devices;  // whose level it is
};

// Whether each op group gets its own factor or all share one.
enum class FactorForm { per_group, common };
inline constexpr Names<FactorForm, 2> factor_form_names{{
    {FactorForm::per_group, "a factor per op group"},
    {FactorForm::common, "one factor for every op group"},
}};
std::string_view to_string(FactorForm f);

// The transfer's parameters as a function of the spec.
struct ZeroShotParameters {
  std::vector<std::string> devices;  // learned from
  double efficiency_exponent = 1, dispatch_us_per_op = 0;
  std::array<double, op_group_count> log_factor{};  // mean over the devices, at their mean covariate
  FactorForm form = FactorForm::per_group;
  SpecCovariate covariate = SpecCovariate::none;
  double slope = 0, covariate_mean = 0, covariate_min = 0, covariate_max = 0;
  std::array<RuntimeLevel, runtime_class_count> runtime_level{};  // under a category covariate, per runtime class
  std::array<double, op_group_count> factors_for(const Hardware& h) const;
};

// One device's points predicted by parameters learned without it: log(predicted / timed).
struct DeviceErrors {
  std::string device;
  Hardware hardware;
  std::vector<std::string> models, families;  // a family "" is the model's own
  std::vector<double> log_error;
  std::vector<std::array<double, op_group_count>> group_share;  // each point's predicted time per op group, as shares
};

struct ZeroShotPrior {
  ZeroShotParameters parameters;       // from every source
  std::vector<DeviceErrors> left_out;  // each source by the parameters learned without it
  // Of left_out: the mean of the devices' mean log errors, the variance of those means about it (between
  // devices) and the pooled variance about each device's own mean (within one), split into the variance of
  // a family's mean about its device's (family_variance) and of a point about its family's
  // (point_variance); dof = devices - 1.
  double centre = 0, level_variance = 0, residual_variance = 0, family_variance = 0, point_variance = 0, dof = 0;
  // The zero-shot interval: the (1 - interval_level) / 2 and (1 + interval_level) / 2 quantiles of the
  // left-out log errors about `centre`, each device weighing the same.
  double log_error_low = 0, log_error_high = 0;
  std::vector<std::string> unpriced;  // source networks this host model cannot price, left out
};

// Learned from `sources` (at least 3 devices of at least 3 priced networks each; fewer: an InputError),
// priced by `host` at each source's own hardware.
ZeroShotPrior zero_shot_prior(const Predictor& host, const Ceilings& host_ceilings,
                              const std::vector<PriorSource>& sources);

// The zero-shot device for `hardware`, and, with `timings` (k >= 1 networks timed on it), updated by them.
// `rebuild`: the command that rebuilds the file. TimedBy::zero_shot without timings; with them the caller
// says whose they are (published: the source column's; the user's or this project's: say_whose_timings).
Predictor zero_shot_device(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware,
                           const ZeroShotPrior& prior, const std::vector<PublishedPoint>& timings,
                           const std::string& rebuild);

}  // namespace cpx::predictor

// How wide a calibrated device's interval is, and why. A device calibrated from a handful of families has
// seen a handful of "new family" errors: the 10th to 90th percentile of five errors cannot mean 80% (issue
// 58). The pooled method treats the device's held-out errors (log of predicted / actual) as draws around
// the device's own bias, with a variance that the device's families share with what the shipped devices'
// held-out families say: a normal-inverse-chi-squared posterior whose prior is the shipped devices' pooled
// variance, weighted as one typical device's families, and a Student-t predictive for a network of a
// family not yet seen. Work the calibration never exercised (predictor/op_kinds.hpp) widens that by how
// much each kind's cost relative to the host differs across the shipped devices (kind spread).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "predictor/op_kinds.hpp"
#include "space/error.hpp"
#include "space/names.hpp"

namespace cpx::predictor {

enum class IntervalMethod {
  percentile,  // the 10th to 90th percentile of the device's own held-out errors, one widening factor
  pooled_t,    // the Student-t predictive above, per-kind widening from the cross-device spread
};
inline constexpr Names<IntervalMethod, 2> interval_method_names{{
    {IntervalMethod::percentile, "percentile"},
    {IntervalMethod::pooled_t, "pooled_t"},
}};
std::string_view to_string(IntervalMethod m);
std::optional<IntervalMethod> find_interval_method(std::string_view name);
// The method of that name; an InputError naming `flag` and listing the methods otherwise.
IntervalMethod interval_method_from(std::string_view name, std::string_view flag);

// The p-quantile of Student's t with `dof` degrees of freedom (dof > 0; infinity: the normal's).
double student_t_quantile(double p, double dof);

// One device's held-out errors, log(predicted / actual) of its chosen model, with the group each point
// was held out with (its family).
struct HeldOutErrors {
  std::string device;
  std::vector<double> log_error;
  std::vector<std::string> group;
};

// What the other devices say: their held-out errors (devices of at least two families) and, per kind of
// work, the median across devices of |log(device time / host time of that kind) less the same for the
// device's whole time|: how far a typical device's relative cost of the kind strays from the host's.
struct IntervalEvidence {
  std::vector<HeldOutErrors> devices;
  std::map<OpKind, double> kind_spread;
  std::vector<std::string> kind_spread_devices;                    // the devices the spread was measured across
  std::map<OpKind, std::map<std::string, double>> kind_deviation;  // per kind, per device: its log deviation
};

struct IntervalOptions {
  IntervalMethod method = IntervalMethod::pooled_t;
  IntervalEvidence evidence;  // empty: the device's own errors alone, and the widening factor F
};

// What the pooled devices say of a new family's error: their groups' variance about each device's own
// centre, and its weight (the pooled degrees of freedom over the number of devices: one typical device's).
// Devices of fewer than two groups are left out.
struct VariancePrior {
  double variance = 0, dof = 0;
  std::vector<std::string> devices;
};

// The numbers behind a pooled interval (a calibrated device file's interval.pooled, written and read by
// predictor/calibration_record.hpp): the device's own spread, the pool's, their weights and the result.
struct PooledSizing {
  int64_t own_groups = 0;
  std::optional<double> own_variance;  // about the centre; absent with fewer than two groups
  double own_dof = 0;
  VariancePrior prior;  // the pool: its devices, variance and weight
  double variance = 0, dof = 0, t = 0, centre = 0, half_width = 0;
};

// A symmetric interval in log space: log(predicted / actual) lies in [centre - half_width, centre +
// half_width] with probability `level`.
struct LogInterval {
  double centre = 0, half_width = 0;
  // How it was sized; absent when no spread can be sized (fewer than two groups and no pooled devices:
  // half_width is infinite).
  std::optional<PooledSizing> how;
};
VariancePrior pooled_prior(const std::vector<HeldOutErrors>& pool);

// The pooled method for errors `log_error` held out by `group`: each group weighs the same.
LogInterval pooled_interval(const std::vector<double>& log_error, const std::vector<std::string>& group,
                            const VariancePrior& prior, double level);
// Each point's bounds on its relative error (predicted / actual - 1) from the interval sized without its
// group: how the device's own coverage, and the job's accuracy chart, hold a family out.
std::vector<std::array<double, 2>> pooled_error_bounds(const std::vector<double>& error,
                                                       const std::vector<std::string>& group,
                                                       const VariancePrior& prior, double level);

// The log half-width that unseen work adds: the z of `level` times Σ over kinds of the network's share of
// time in that kind times the kind's spread (a kind no device knows: the largest spread). Kinds of one
// network are taken as erring together.
double unseen_half_width(const std::vector<std::pair<OpKind, double>>& unseen_kinds,
                         const std::map<OpKind, double>& kind_spread, double level);

}  // namespace cpx::predictor

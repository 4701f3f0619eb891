#include "predictor/calibrate_interval.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "predictor/interval.hpp"
#include "predictor/op_kinds.hpp"
#include "predictor/statistics.hpp"

namespace cpx::predictor {

namespace {

// predicted / actual - 1 per point.
std::vector<double> relative_errors(const std::vector<double>& predicted, const Eigen::VectorXd& actual) {
  std::vector<double> err(predicted.size());
  for (size_t i = 0; i < predicted.size(); ++i) err[i] = predicted[i] / actual(static_cast<Eigen::Index>(i)) - 1;
  return err;
}

// The interval's record in the file: its errors (set in c), how they were sized, and its coverage checked
// the way it will be used: each point against `bounds`, its group held out.
void record_interval(Calibrated& c, IntervalMethod m, const std::string& sized, const std::vector<double>& err,
                     const std::vector<std::array<double, 2>>& bounds, bool by_family,
                     const std::string& held_out_against) {
  double covered = 0;
  for (size_t i = 0; i < err.size(); ++i) covered += err[i] >= bounds[i][0] && err[i] <= bounds[i][1];
  DeviceInterval& i = c.interval;
  i.interval_method = m;
  i.level = interval_level;
  i.method = sized + "; latency_us_low = latency_us / (1 + error_high), latency_us_high = latency_us / (1 + error_low)";
  i.coverage = DeviceInterval::Coverage{
      covered / static_cast<double>(err.size()),
      std::string("each ") + (by_family ? "family's" : "model's") + " points against " + held_out_against};
}

std::string held_out_scheme(bool by_family) { return by_family ? "leave-one-family-out" : "leave-one-model-out"; }

// The interval: the 10th and 90th percentiles of the chosen model's held-out relative errors (by family
// when there are two or more families).
void set_percentile_interval(Calibrated& c, const std::vector<double>& held, const Eigen::VectorXd& y,
                             const std::vector<std::string>& group, bool by_family, const std::string& chosen) {
  const std::vector<double> err = relative_errors(held, y);
  c.interval.error_low = quantile(err, (1 - interval_level) / 2);
  c.interval.error_high = quantile(err, (1 + interval_level) / 2);
  record_interval(c, IntervalMethod::percentile,
                  "10th to 90th percentile of the " + held_out_scheme(by_family) +
                      " relative errors (predicted / published - 1) of the " + chosen + " model",
                  err, held_out_error_bounds(err, group), by_family, "the percentiles of the others' held-out errors");
}

// The pooled method (predictor/interval.hpp): the chosen model's held-out log errors about their centre,
// their spread shared with the other devices' held-out families.
void set_pooled_interval(Calibrated& c, const std::vector<double>& held, const Eigen::VectorXd& y,
                         const std::vector<std::string>& group, bool by_family, const std::string& chosen,
                         const std::vector<HeldOutErrors>& pool) {
  const std::vector<double> err = relative_errors(held, y);
  std::vector<double> r(err.size());
  for (size_t i = 0; i < err.size(); ++i) r[i] = std::log1p(err[i]);
  const VariancePrior prior = pooled_prior(pool);
  const LogInterval li = pooled_interval(r, group, prior, interval_level);
  c.interval.error_low = std::expm1(li.centre - li.half_width);
  c.interval.error_high = std::expm1(li.centre + li.half_width);
  record_interval(
      c, IntervalMethod::pooled_t,
      "Student-t predictive of the " + held_out_scheme(by_family) + " log errors log(predicted / published) of the " +
          chosen +
          " model about their mean (each group weighs the same), the variance pooled with the other devices' held-out "
          "families (weighted as one typical device's); error = exp(log error) - 1",
      err, pooled_error_bounds(err, group, prior, interval_level), by_family,
      "the interval sized without them (the pool unchanged)");
  c.interval.pooled = li.how;
}

// A network of a family the calibration saw errs as the chosen model's points did when only they were held
// out (leave-one-model-out): its own errors, no pool (a new family's error is not in them).
void set_seen_family_interval(Calibrated& c, const std::vector<double>& lomo, const Eigen::VectorXd& y,
                              const std::vector<std::string>& models) {
  std::vector<double> r = relative_errors(lomo, y);
  for (double& e : r) e = std::log1p(e);
  const LogInterval li = pooled_interval(r, models, VariancePrior{}, interval_level);
  if (!std::isfinite(li.half_width)) return;
  c.interval.seen_family =
      DeviceInterval::SeenFamily{std::expm1(li.centre - li.half_width), std::expm1(li.centre + li.half_width),
                                 "for a network of a family among the calibration's: Student-t predictive of the "
                                 "leave-one-model-out log errors of the same model, each model its own group, no pool"};
}

// The mean of `rows`' shares per kind: what a calibration on those rows exercised.
std::map<OpKind, double> mean_kind_share(const std::vector<std::map<OpKind, double>>& shares,
                                         const std::vector<size_t>& rows) {
  std::map<OpKind, double> out;
  for (size_t r : rows)
    for (const auto& [k, v] : shares[r]) out[k] += v / static_cast<double>(rows.size());
  return out;
}

// Sizing the widening factor F on held-out cases like the ones it will widen: points whose held-out group
// (a family, or a model) spent at least uncalibrated_case_share of its time in kinds the other groups barely
// exercised. F is the smallest of a grid whose widened intervals cover interval_level of those cases; with
// fewer than three such cases nothing can be sized and F is assumed (stated in the file).
constexpr double uncalibrated_case_share = 0.1;
constexpr std::array<double, 8> uncalibrated_factors{1, 1.25, 1.5, 2, 3, 4, 6, 10};
constexpr double assumed_uncalibrated_factor = 2;

void size_uncalibrated(Calibrated& c, const std::vector<std::map<OpKind, double>>& shares,
                       const std::vector<double>& held, const Eigen::VectorXd& y,
                       const std::vector<std::string>& group) {
  std::vector<size_t> all(shares.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  c.kind_share = mean_kind_share(shares, all);
  const std::vector<double> err = relative_errors(held, y);
  const auto bounds = held_out_error_bounds(err, group);
  std::vector<size_t> cases;
  std::vector<double> share(held.size(), 0.0);
  for (size_t i = 0; i < held.size(); ++i) {
    std::vector<size_t> others;
    for (size_t k = 0; k < held.size(); ++k)
      if (group[k] != group[i]) others.push_back(k);
    share[i] = uncalibrated_work(shares[i], mean_kind_share(shares, others)).share;
    if (share[i] >= uncalibrated_case_share) cases.push_back(i);
  }
  auto coverage = [&](double F) {
    double covered = 0;
    for (size_t i : cases) {
      const double s = share[i], e = err[i];
      covered +=
          (1 + e) / (1 + bounds[i][1]) * (1 - s + s / F) <= 1 && (1 + e) / (1 + bounds[i][0]) * (1 - s + s * F) >= 1;
    }
    return covered / static_cast<double>(cases.size());
  };
  UncalibratedSizing::Factor f;
  f.cases = static_cast<int64_t>(cases.size());
  if (cases.size() < 3) {
    c.uncalibrated_factor = assumed_uncalibrated_factor;
  } else {
    c.uncalibrated_factor = uncalibrated_factors.back();
    for (double F : uncalibrated_factors)
      if (coverage(F) >= interval_level) {
        c.uncalibrated_factor = F;
        break;
      }
    f.sized = true;
    f.coverage_unwidened = coverage(1);
    f.coverage_widened = coverage(c.uncalibrated_factor);
  }
  c.uncalibrated = UncalibratedSizing{
      "a held-out point whose group spent at least 10% of its host-predicted time in kinds the other "
      "groups barely exercised (below 1% of their time) is a case; F is the smallest of 1, 1.25, 1.5, "
      "2, 3, 4, 6, 10 whose widened intervals cover 80% of the cases; fewer than 3 cases: F = 2, assumed",
      f, std::nullopt};
}

}  // namespace

void size_interval(Calibrated& c, const std::vector<std::map<OpKind, double>>& shares, const std::vector<double>& held,
                   const Eigen::VectorXd& y, const std::vector<std::string>& group, bool by_family,
                   const std::string& chosen, const std::vector<double>& lomo, const std::vector<std::string>& models,
                   const IntervalOptions& interval) {
  if (interval.method == IntervalMethod::pooled_t) {
    set_pooled_interval(c, held, y, group, by_family, chosen, interval.evidence.devices);
    if (by_family) set_seen_family_interval(c, lomo, y, models);
  } else set_percentile_interval(c, held, y, group, by_family, chosen);
  if (interval.method == IntervalMethod::pooled_t && !interval.evidence.kind_spread.empty()) {
    std::vector<size_t> every(shares.size());
    for (size_t i = 0; i < every.size(); ++i) every[i] = i;
    c.kind_share = mean_kind_share(shares, every);
    c.kind_spread = interval.evidence.kind_spread;
    c.uncalibrated = UncalibratedSizing{
        "a kind of work below 1% of the calibration networks' time widens a network's interval by the "
        "z of the level times its share of the network's time times the kind's spread: the median, across "
        "the other devices, of |log(device / host time of the kind) less the same for their whole time| "
        "(half-widths in log space add in quadrature to the calibration's)",
        std::nullopt,
        UncalibratedSizing::Spread{interval.evidence.kind_spread_devices, interval.evidence.kind_deviation}};
  } else {
    size_uncalibrated(c, shares, held, y, group);
  }
}

ErrorBounds interval_error_bounds(const IntervalOptions& interval) {
  if (interval.method != IntervalMethod::pooled_t) return held_out_error_bounds;
  return [prior = pooled_prior(interval.evidence.devices)](const std::vector<double>& error,
                                                           const std::vector<std::string>& group) {
    return pooled_error_bounds(error, group, prior, interval_level);
  };
}

std::vector<std::array<double, 2>> held_out_bounds(const Calibrated& c, const std::vector<double>& error,
                                                   const std::vector<std::string>& group) {
  if (c.interval.interval_method != IntervalMethod::pooled_t) return held_out_error_bounds(error, group);
  // A pooled_t interval without its pooled record (a Calibrated built by hand): no prior.
  return pooled_error_bounds(error, group, c.interval.pooled ? c.interval.pooled->prior : VariancePrior{},
                             interval_level);
}

}  // namespace cpx::predictor

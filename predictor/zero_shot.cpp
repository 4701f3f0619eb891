#include "predictor/zero_shot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "predictor/transfer_fit.hpp"

namespace cpx::predictor {

std::string_view to_string(SpecCovariate c) {
  for (const auto& [v, name] : spec_covariate_names)
    if (v == c) return name;
  throw std::logic_error("SpecCovariate " + std::to_string(static_cast<int>(c)) + " has no name in spec_covariate_names");
}

double spec_value(SpecCovariate c, const Hardware& h) {
  switch (c) {
    case SpecCovariate::none: return 0;
    case SpecCovariate::log_threads: return std::log(static_cast<double>(h.threads));
    case SpecCovariate::log_peak_per_core: return std::log(h.peak_macps() / static_cast<double>(h.threads));
    case SpecCovariate::log_bytes_per_mac: return std::log(h.dram_bytes_per_s / h.peak_macps());
  }
  throw std::logic_error("spec_value: no such covariate");
}

std::array<double, op_group_count> ZeroShotParameters::factors_for(const Hardware& h) const {
  // A covariate outside the sources' range is held at its nearest edge: no extrapolation of a line fitted
  // on a handful of devices.
  const double x = std::clamp(spec_value(covariate, h), covariate_min, covariate_max);
  std::array<double, op_group_count> out{};
  for (size_t g = 0; g < op_group_count; ++g) out[g] = std::exp(log_factor[g] + slope * (x - covariate_mean));
  return out;
}

namespace {

// A source device's points, priced once: the transfer's group times per exponent, op counts, timings.
struct Source {
  std::string device;
  Hardware hardware;
  std::vector<std::string> models;
  std::vector<Eigen::MatrixXd> G;
  Eigen::VectorXd ops, y;
};

Source priced(const Predictor& host, const Ceilings& hc, const PriorSource& s, std::vector<std::string>& unpriced) {
  Source out{s.device, s.hardware, {}, {}, {}, {}};
  std::vector<PublishedPoint> kept;
  for (const PublishedPoint& p : s.points) try {  // a host profiled without some class cannot price every network
      transfer_group_times(host, hc, s.hardware, {p});
      kept.push_back(p);
      out.models.push_back(p.model);
    } catch (const InputError&) {
      unpriced.push_back(s.device + ": " + p.model);
    }
  out.G = transfer_group_times(host, hc, s.hardware, kept);
  out.ops = transfer_op_counts(kept, s.hardware.runtime_fuses_relu);
  out.y.resize(static_cast<Eigen::Index>(kept.size()));
  for (size_t i = 0; i < kept.size(); ++i) out.y(static_cast<Eigen::Index>(i)) = kept[i].latency_ms * 1e3;
  return out;
}

// Log errors of a source's points at exponent index a, dispatch D and log factors theta.
Eigen::VectorXd log_errors(const Source& s, size_t a, double dispatch, const Eigen::VectorXd& theta) {
  const Eigen::VectorXd p = s.G[a] * theta.array().exp().matrix() + s.ops * dispatch;
  return (p.array().log() - s.y.array().log()).matrix();
}

// The shared exponent and dispatch time, and each source's own log factors at them.
struct SharedFit {
  size_t exponent = 0;
  double dispatch = 0;
  std::vector<Eigen::VectorXd> theta;  // per source
};

SharedFit shared_fit(const std::vector<const Source*>& sources) {
  SharedFit best;
  double best_objective = std::numeric_limits<double>::infinity();
  const std::vector<double> exponents = transfer_exponents();
  for (size_t a = 0; a < exponents.size(); ++a)
    for (double dispatch : transfer_dispatch_grid_us()) {
      SharedFit f{a, dispatch, {}};
      double objective = 0;
      for (const Source* s : sources) {
        const Eigen::VectorXd offset = s->ops * dispatch;
        if ((offset.array() >= s->y.array()).any()) {  // the dispatch alone would exceed a timing
          objective = std::numeric_limits<double>::infinity();
          break;
        }
        const TransferGroupFit g = fit_transfer_groups(s->G[a], s->y, offset);
        objective += g.objective;  // each device's mean squared log error: every device weighs the same
        f.theta.push_back(g.theta);
      }
      if (objective < best_objective) best_objective = objective, best = std::move(f);
    }
  return best;
}

// Parameters from a shared fit, the group log factors regressed on one covariate (none: their mean).
ZeroShotParameters parameters_of(const std::vector<const Source*>& sources, const SharedFit& f, SpecCovariate c) {
  ZeroShotParameters p;
  p.efficiency_exponent = transfer_exponents()[f.exponent];
  p.dispatch_us_per_op = f.dispatch;
  p.covariate = c;
  const double n = static_cast<double>(sources.size());
  std::vector<double> x, level;  // each source's covariate and common level (its mean log factor)
  for (size_t d = 0; d < sources.size(); ++d) {
    p.devices.push_back(sources[d]->device);
    x.push_back(spec_value(c, sources[d]->hardware));
    level.push_back(f.theta[d].mean());
    for (size_t g = 0; g < op_group_count; ++g) p.log_factor[g] += f.theta[d](static_cast<Eigen::Index>(g)) / n;
  }
  p.covariate_mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  p.covariate_min = *std::min_element(x.begin(), x.end());
  p.covariate_max = *std::max_element(x.begin(), x.end());
  double sxx = 0, sxy = 0;
  const double mean_level = std::accumulate(level.begin(), level.end(), 0.0) / n;
  for (size_t d = 0; d < x.size(); ++d) sxx += (x[d] - p.covariate_mean) * (x[d] - p.covariate_mean), sxy += (x[d] - p.covariate_mean) * (level[d] - mean_level);
  p.slope = sxx > 0 ? sxy / sxx : 0;
  return p;
}

Eigen::VectorXd log_factors(const ZeroShotParameters& p, const Hardware& h) {
  const std::array<double, op_group_count> f = p.factors_for(h);
  Eigen::VectorXd theta(op_group_count);
  for (size_t g = 0; g < op_group_count; ++g) theta(static_cast<Eigen::Index>(g)) = std::log(f[g]);
  return theta;
}

size_t exponent_index(double exponent) {
  const std::vector<double> e = transfer_exponents();
  return static_cast<size_t>(std::find(e.begin(), e.end(), exponent) - e.begin());
}

// Each source predicted by the parameters learned from the others (their shared fit: without[d]) at covariate c.
std::vector<Eigen::VectorXd> left_out_errors(const std::vector<const Source*>& sources, const std::vector<SharedFit>& without, SpecCovariate c) {
  std::vector<Eigen::VectorXd> out;
  for (size_t d = 0; d < sources.size(); ++d) {
    std::vector<const Source*> others = sources;
    others.erase(others.begin() + static_cast<std::ptrdiff_t>(d));
    const ZeroShotParameters p = parameters_of(others, without[d], c);
    out.push_back(log_errors(*sources[d], without[d].exponent, p.dispatch_us_per_op, log_factors(p, sources[d]->hardware)));
  }
  return out;
}

// The mean over devices of each one's mean squared log error.
double device_mean_square(const std::vector<Eigen::VectorXd>& errors) {
  double sum = 0;
  for (const Eigen::VectorXd& e : errors) sum += e.squaredNorm() / static_cast<double>(e.size());
  return sum / static_cast<double>(errors.size());
}

// The covariate (or none) whose parameters predict each source best when learned without it. A covariate
// needs 4 sources or more (a line through the others' 2 would be no evidence).
ZeroShotParameters learn(const std::vector<const Source*>& sources) {
  const SharedFit f = shared_fit(sources);
  SpecCovariate chosen = SpecCovariate::none;
  if (sources.size() >= 4) {
    std::vector<SharedFit> without;
    for (size_t d = 0; d < sources.size(); ++d) {
      std::vector<const Source*> others = sources;
      others.erase(others.begin() + static_cast<std::ptrdiff_t>(d));
      without.push_back(shared_fit(others));
    }
    double best = device_mean_square(left_out_errors(sources, without, SpecCovariate::none));
    for (const auto& [c, name] : spec_covariate_names) {
      if (c == SpecCovariate::none) continue;
      if (const double e = device_mean_square(left_out_errors(sources, without, c)); e < best) best = e, chosen = c;
    }
  }
  return parameters_of(sources, f, chosen);
}

}  // namespace

ZeroShotPrior zero_shot_prior(const Predictor& host, const Ceilings& host_ceilings, const std::vector<PriorSource>& sources) {
  ZeroShotPrior out;
  std::vector<Source> data;
  for (const PriorSource& s : sources) {
    Source d = priced(host, host_ceilings, s, out.unpriced);
    if (d.y.size() >= 3) data.push_back(std::move(d));
  }
  if (data.size() < 3)
    throw InputError("zero-shot: needs at least 3 calibrated devices of 3 priced networks each to learn from, got " + std::to_string(data.size()));
  std::vector<const Source*> all;
  for (const Source& d : data) all.push_back(&d);
  out.parameters = learn(all);
  // Leave one device out, the whole learning (covariate choice included) without it: the interval's errors.
  std::vector<double> means;
  double within = 0, within_dof = 0;
  for (size_t d = 0; d < all.size(); ++d) {
    std::vector<const Source*> others = all;
    others.erase(others.begin() + static_cast<std::ptrdiff_t>(d));
    const ZeroShotParameters p = learn(others);
    const Eigen::VectorXd e = log_errors(*all[d], exponent_index(p.efficiency_exponent), p.dispatch_us_per_op, log_factors(p, all[d]->hardware));
    out.left_out.push_back({all[d]->device, all[d]->hardware, all[d]->models, std::vector<double>(e.data(), e.data() + e.size())});
    means.push_back(e.mean());
    within += (e.array() - e.mean()).square().sum();
    within_dof += static_cast<double>(e.size() - 1);
  }
  const double n = static_cast<double>(means.size());
  out.centre = std::accumulate(means.begin(), means.end(), 0.0) / n;
  for (double m : means) out.level_variance += (m - out.centre) * (m - out.centre) / (n - 1);
  out.residual_variance = within_dof > 0 ? within / within_dof : 0;
  out.dof = n - 1;
  return out;
}


namespace {

// What the prior is, for the device file's provenance.
Json prior_json(const ZeroShotPrior& prior, const Hardware& hardware) {
  const ZeroShotParameters& p = prior.parameters;
  const std::array<double, op_group_count> f = p.factors_for(hardware);
  Json factors = Json::object();
  for (size_t g = 0; g < op_group_count; ++g) factors[std::string(to_string(static_cast<OpGroup>(g)))] = f[g];
  Json left_out = Json::array();
  for (const DeviceErrors& d : prior.left_out) {
    double ape = 0;
    for (double e : d.log_error) ape += std::abs(std::exp(e) - 1) / static_cast<double>(d.log_error.size());
    left_out.push_back({{"device", d.device}, {"models", d.models}, {"log_error", d.log_error}, {"mape", ape}});
  }
  return {{"devices", p.devices},
          {"efficiency_exponent", p.efficiency_exponent},
          {"dispatch_us_per_op", p.dispatch_us_per_op},
          {"covariate", to_string(p.covariate)},
          {"covariate_value", spec_value(p.covariate, hardware)},
          {"covariate_range", {p.covariate_min, p.covariate_max}},
          {"slope", p.slope},
          {"group_factors", factors},
          {"left_out", left_out},
          {"centre", prior.centre},
          {"level_variance", prior.level_variance},
          {"residual_variance", prior.residual_variance},
          {"unpriced", prior.unpriced},
          {"how", "hardware_transfer (see transfer) with every parameter learned over the devices listed, none from this device's "
                  "timings: the exponent and dispatch time the grid pair of least summed error over them (each device its own group "
                  "factors there); each group's log factor their mean, moved along the covariate by a line fitted across them (the "
                  "covariate, or none, chosen by leaving each device out in turn); the common level shifted by the left-out devices' "
                  "mean log error (centre)"}};
}

// The spec covariates of `h` outside the range of the devices the prior learned from, in words.
std::vector<std::string> outside_sources(const Hardware& h, const ZeroShotPrior& prior) {
  std::vector<std::string> out;
  for (const auto& [c, name] : spec_covariate_names) {
    if (c == SpecCovariate::none) continue;
    double lo = INFINITY, hi = -INFINITY;
    for (const DeviceErrors& s : prior.left_out) lo = std::min(lo, spec_value(c, s.hardware)), hi = std::max(hi, spec_value(c, s.hardware));
    const double x = spec_value(c, h);
    if (x < lo - 1e-9 || x > hi + 1e-9)
      out.push_back(std::string(name) + " " + std::to_string(std::exp(x)).substr(0, 6) + " is outside the learning devices' " +
                    std::to_string(std::exp(lo)).substr(0, 6) + " to " + std::to_string(std::exp(hi)).substr(0, 6));
  }
  return out;
}

}  // namespace

Predictor zero_shot_device(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware, const ZeroShotPrior& prior,
                           const std::vector<PublishedPoint>& timings, const std::string& rebuild) {
  Predictor d = transfer_device(host, host_ceilings, hardware);
  Calibrated& c = *d.calibrated;
  const ZeroShotParameters& p = prior.parameters;
  c.group_factor = p.factors_for(hardware);
  c.efficiency_exponent = p.efficiency_exponent;
  c.dispatch_us_per_op = p.dispatch_us_per_op;
  c.timed_by = TimedBy::zero_shot;
  c.rebuild = rebuild;
  // The device's level: its log error is the left-out devices' centre give or take their between-device
  // spread (that of a new device: times 1 + 1/devices); each timing, within-device noise about it.
  const double n = static_cast<double>(prior.left_out.size());
  const double level_var = std::max(prior.level_variance * (1 + 1 / n), 1e-6), noise_var = std::max(prior.residual_variance, 1e-6);
  double precision = 1 / level_var, weighted = prior.centre / level_var;
  Json rows = Json::array();
  for (const PublishedPoint& t : timings) {
    const double us = predict(d, t.net, hardware.threads).latency_us;
    precision += 1 / noise_var;
    weighted += std::log(us / (t.latency_ms * 1e3)) / noise_var;
    rows.push_back({{"model", t.model}, {"latency_ms", t.latency_ms}, {"zero_shot_ms", us / 1e3}});
  }
  const double level = weighted / precision, level_sd2 = 1 / precision;
  for (double& f : c.group_factor) f *= std::exp(-level);
  c.dispatch_us_per_op *= std::exp(-level);
  for (Json& r : rows) r["updated_ms"] = r["zero_shot_ms"].get<double>() * std::exp(-level);
  // The interval: Student-t (devices - 1 degrees of freedom) of the within-device noise plus what is left
  // unknown of the level.
  const double half = student_t_quantile((1 + interval_level) / 2, std::max(prior.dof, 1.0)) * std::sqrt(noise_var + level_sd2);
  c.interval.level = interval_level;
  c.interval.interval_method = IntervalMethod::pooled_t;
  c.interval.error_low = std::max(std::expm1(-half), device_error_min);
  c.interval.error_high = std::min(std::expm1(half), device_error_max);
  // Its coverage on the learning devices: their left-out errors against this half-width about the centre
  // (not nested: the half-width was sized on those same errors).
  const double zero_shot_half = half * std::sqrt((noise_var + level_var) / (noise_var + level_sd2));
  double inside = 0, points = 0;
  for (const DeviceErrors& e : prior.left_out)
    for (double x : e.log_error) inside += std::abs(x - prior.centre) <= zero_shot_half ? 1 : 0, points += 1;
  c.interval.coverage = DeviceInterval::Coverage{inside / points, "the learning devices' points, each device predicted by the prior learned "
                                                 "without it, inside the zero-shot interval (no timings) about their centre; not nested"};
  const std::vector<std::string> outside = outside_sources(hardware, prior);
  std::string why = "Student-t (" + std::to_string(static_cast<int>(prior.dof)) + " degrees of freedom) of the zero-shot log errors of " +
                    std::to_string(prior.left_out.size()) + " calibrated devices, each predicted by the prior learned without it: " +
                    "between devices sd " + std::to_string(std::sqrt(level_var)).substr(0, 5) + ", within one sd " +
                    std::to_string(std::sqrt(noise_var)).substr(0, 5) + " (log)" +
                    (timings.empty() ? "; wide: devices differ by that much in how far their runtimes fall below the spec sheet"
                                     : "; the level updated by " + std::to_string(timings.size()) + " timed network(s), its sd now " +
                                           std::to_string(std::sqrt(level_sd2)).substr(0, 5));
  for (const std::string& o : outside) why += "; " + o + ": the interval may be too narrow";
  c.interval.method = why;
  d.provenance = {{"zero_shot", prior_json(prior, hardware)}, {"timings", rows}, {"outside_learning_devices", outside},
                  {"level_shift_log", level}, {"host_model", host.provenance.is_object() ? host.provenance : Json::object()}};
  d.runtime = hardware.runtime + " on " + hardware.description + ", " + timings_in_words(c);
  return d;
}

}  // namespace cpx::predictor

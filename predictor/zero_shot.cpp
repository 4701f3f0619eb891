#include "predictor/zero_shot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>

#include "predictor/transfer_fit.hpp"

namespace cpx::predictor {

std::string_view to_string(SpecCovariate c) { return spec_covariate_names.name_of(c); }

std::string_view to_string(FactorForm f) { return factor_form_names.name_of(f); }

std::string_view to_string(LevelFrom f) { return level_from_names.name_of(f); }

bool is_category(SpecCovariate c) { return c == SpecCovariate::runtime_class || c == SpecCovariate::runtime_family; }

double spec_value(SpecCovariate c, const Hardware& h) {
  switch (c) {
    case SpecCovariate::runtime_class: return static_cast<double>(h.runtime_class);
    case SpecCovariate::runtime_family: return static_cast<double>(family_of(h.runtime_class));
    case SpecCovariate::none: return 0;
    case SpecCovariate::log_threads: return std::log(static_cast<double>(h.threads));
    case SpecCovariate::log_peak_per_core: return std::log(h.peak_macps() / static_cast<double>(h.threads));
    case SpecCovariate::log_bytes_per_mac: return std::log(h.dram_bytes_per_s / h.peak_macps());
    case SpecCovariate::runtime_fuses_relu: return h.runtime_fuses_relu ? 1 : 0;
  }
  throw std::logic_error("spec_value: no such covariate");
}

std::array<double, op_group_count> ZeroShotParameters::factors_for(const Hardware& h) const {
  // A covariate outside the sources' range is held at its nearest edge: no extrapolation of a line fitted
  // on a handful of devices. A category moves the level to its devices'.
  const double x = std::clamp(spec_value(covariate, h), covariate_min, covariate_max);
  const double shift = is_category(covariate) ? runtime_level[static_cast<size_t>(h.runtime_class)].log_offset
                                              : slope * (x - covariate_mean);
  std::array<double, op_group_count> out{};
  for (size_t g = 0; g < op_group_count; ++g) out[g] = std::exp(log_factor[g] + shift);
  return out;
}

namespace {

// A source device's points, priced once: the transfer's group times per exponent, op counts, timings.
struct Source {
  std::string device;
  Hardware hardware;
  std::vector<std::string> models, families;
  std::vector<Eigen::MatrixXd> G;
  Eigen::VectorXd ops, y;
};

Source priced(const Predictor& host, const Ceilings& hc, const PriorSource& s, std::vector<std::string>& unpriced) {
  Source out{s.device, s.hardware, {}, {}, {}, {}, {}};
  std::vector<PublishedPoint> kept;
  for (const PublishedPoint& p : s.points) try {  // a host profiled without some class cannot price every network
      transfer_group_times(host, hc, s.hardware, {p});
      kept.push_back(p);
      out.models.push_back(p.model);
      out.families.push_back(p.family);
    } catch (const InputError&) { unpriced.push_back(s.device + ": " + p.model); }
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

// The shared exponent and dispatch time, and each source's own log factors at them (one per group, or the
// common one repeated for every group).
struct SharedFit {
  FactorForm form = FactorForm::per_group;
  size_t exponent = 0;
  double dispatch = 0;
  std::vector<Eigen::VectorXd> theta;  // per source, op_group_count entries
};

// One source's factors at exponent a and `offset`: per group, or one for the summed group times.
TransferGroupFit fit_form(const Source& s, size_t a, const Eigen::VectorXd& offset, FactorForm form) {
  if (form == FactorForm::per_group) return fit_transfer_groups(s.G[a], s.y, offset);
  // One log factor c on the summed group times: Gauss-Newton on the mean squared log error, halving steps.
  const Eigen::VectorXd total = s.G[a].rowwise().sum();
  const double n = static_cast<double>(s.y.size());
  const auto objective = [&](double c) {
    return ((total.array() * std::exp(c) + offset.array()).log() - s.y.array().log()).square().sum() / n;
  };
  double c = 0, f = objective(0);
  for (int iter = 0; iter < 100; ++iter) {
    const Eigen::ArrayXd p = total.array() * std::exp(c) + offset.array();
    const Eigen::ArrayXd r = p.log() - s.y.array().log(), j = total.array() * std::exp(c) / p;
    const double step = -(j * r).sum() / std::max((j * j).sum(), 1e-300);
    double t = 1;
    while (t > 1e-6 && !(objective(c + t * step) < f)) t /= 2;
    if (t <= 1e-6) break;
    c += t * step;
    const double nf = objective(c);
    if (f - nf < 1e-14) break;
    f = nf;
  }
  return {Eigen::VectorXd::Constant(static_cast<Eigen::Index>(op_group_count), c), f};
}

SharedFit shared_fit(const std::vector<const Source*>& sources, FactorForm form) {
  SharedFit best{form, 0, 0, {}};
  double best_objective = std::numeric_limits<double>::infinity();
  const std::vector<double> exponents = transfer_exponents();
  for (size_t a = 0; a < exponents.size(); ++a)
    for (double dispatch : transfer_dispatch_grid_us()) {
      SharedFit f{form, a, dispatch, {}};
      double objective = 0;
      for (const Source* s : sources) {
        const Eigen::VectorXd offset = s->ops * dispatch;
        if ((offset.array() >= s->y.array()).any()) {  // the dispatch alone would exceed a timing
          objective = std::numeric_limits<double>::infinity();
          break;
        }
        const TransferGroupFit g = fit_form(*s, a, offset, form);
        objective += g.objective;  // each device's mean squared log error: every device weighs the same
        f.theta.push_back(g.theta);
      }
      if (objective < best_objective) best_objective = objective, best = std::move(f);
    }
  return best;
}

// Under a category covariate: each runtime class's level, the mean of its learning devices' (`level`, in
// `sources`' order) less the mean of all; a class no learning device ran (or any, under runtime_family)
// takes its family's, a family none ran the mean of all (offset 0).
void runtime_levels(ZeroShotParameters& p, const std::vector<const Source*>& sources,
                    const std::vector<double>& level) {
  const double mean = std::accumulate(level.begin(), level.end(), 0.0) / static_cast<double>(level.size());
  for (size_t k = 0; k < runtime_class_count; ++k) {
    const auto c = static_cast<RuntimeClass>(k);
    RuntimeLevel& out = p.runtime_level[k];
    for (const LevelFrom from : {LevelFrom::own_class, LevelFrom::family}) {
      if (from == LevelFrom::own_class && p.covariate == SpecCovariate::runtime_family) continue;
      double sum = 0;
      for (size_t d = 0; d < sources.size(); ++d) {
        const RuntimeClass theirs = sources[d]->hardware.runtime_class;
        if (from == LevelFrom::own_class ? theirs != c : family_of(theirs) != family_of(c)) continue;
        out.devices.push_back(sources[d]->device);
        sum += level[d];
      }
      if (out.devices.empty()) continue;
      out.from = from;
      out.log_offset = sum / static_cast<double>(out.devices.size()) - mean;
      break;
    }
  }
}

// Parameters from a shared fit, the group log factors regressed on one covariate (none: their mean; a
// category: each class's own level).
ZeroShotParameters parameters_of(const std::vector<const Source*>& sources, const SharedFit& f, SpecCovariate c) {
  ZeroShotParameters p;
  p.efficiency_exponent = transfer_exponents()[f.exponent];
  p.dispatch_us_per_op = f.dispatch;
  p.form = f.form;
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
  for (size_t d = 0; d < x.size(); ++d)
    sxx += (x[d] - p.covariate_mean) * (x[d] - p.covariate_mean),
        sxy += (x[d] - p.covariate_mean) * (level[d] - mean_level);
  p.slope = sxx > 0 && !is_category(c) ? sxy / sxx : 0;
  if (is_category(c)) runtime_levels(p, sources, level);
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
std::vector<Eigen::VectorXd> left_out_errors(const std::vector<const Source*>& sources,
                                             const std::vector<SharedFit>& without, SpecCovariate c) {
  std::vector<Eigen::VectorXd> out;
  for (size_t d = 0; d < sources.size(); ++d) {
    std::vector<const Source*> others = sources;
    others.erase(others.begin() + static_cast<std::ptrdiff_t>(d));
    const ZeroShotParameters p = parameters_of(others, without[d], c);
    out.push_back(
        log_errors(*sources[d], without[d].exponent, p.dispatch_us_per_op, log_factors(p, sources[d]->hardware)));
  }
  return out;
}

// The mean over devices of each one's mean squared log error about the errors' centre (the mean of the
// devices' mean errors: the zero-shot device is shifted by it, so a common offset costs nothing).
double device_mean_square(const std::vector<Eigen::VectorXd>& errors) {
  double centre = 0;
  for (const Eigen::VectorXd& e : errors) centre += e.mean() / static_cast<double>(errors.size());
  double sum = 0;
  for (const Eigen::VectorXd& e : errors) sum += (e.array() - centre).square().mean();
  return sum / static_cast<double>(errors.size());
}

// The form and covariate (or none) whose parameters predict each source best when learned without it. A
// covariate needs 4 sources or more (a line through the others' 2 would be no evidence); with 3 the form
// is a factor per group and no covariate.
ZeroShotParameters learn(const std::vector<const Source*>& sources) {
  if (sources.size() < 4)
    return parameters_of(sources, shared_fit(sources, FactorForm::per_group), SpecCovariate::none);
  double best = std::numeric_limits<double>::infinity();
  FactorForm best_form = FactorForm::per_group;
  SpecCovariate best_covariate = SpecCovariate::none;
  for (const FactorForm form : factor_form_names.values()) {
    std::vector<SharedFit> without;
    for (size_t d = 0; d < sources.size(); ++d) {
      std::vector<const Source*> others = sources;
      others.erase(others.begin() + static_cast<std::ptrdiff_t>(d));
      without.push_back(shared_fit(others, form));
    }
    for (const SpecCovariate c : spec_covariate_names.values())
      if (const double e = device_mean_square(left_out_errors(sources, without, c)); e < best)
        best = e, best_form = form, best_covariate = c;
  }
  return parameters_of(sources, shared_fit(sources, best_form), best_covariate);
}

// Each point's predicted time per op group at the parameters, as shares of its group total.
std::vector<std::array<double, op_group_count>> group_shares(const Source& s, size_t a, const Eigen::VectorXd& theta) {
  const Eigen::MatrixXd t = s.G[a] * theta.array().exp().matrix().asDiagonal();
  std::vector<std::array<double, op_group_count>> out;
  for (Eigen::Index i = 0; i < t.rows(); ++i) {
    std::array<double, op_group_count> row{};
    const double total = t.row(i).sum();
    for (size_t g = 0; g < op_group_count; ++g) row[g] = total > 0 ? t(i, static_cast<Eigen::Index>(g)) / total : 0;
    out.push_back(row);
  }
  return out;
}

// The q-quantile of `values`, each weighing `weight` (linear between the cumulative weights' midpoints).
double weighted_quantile(std::vector<std::pair<double, double>> values, double q) {
  std::sort(values.begin(), values.end());
  double total = 0;
  for (const auto& [v, w] : values) total += w;
  double below = 0;
  double prev_mid = -1, prev_v = values.front().first;
  for (const auto& [v, w] : values) {
    const double mid = (below + w / 2) / total;
    if (mid >= q) return prev_mid < 0 ? v : prev_v + (v - prev_v) * (q - prev_mid) / (mid - prev_mid);
    below += w, prev_mid = mid, prev_v = v;
  }
  return values.back().first;
}

// Of the left-out errors: the centre, the between-device variance of the devices' means, the within-device
// variance split into a family's mean about its device's and a point about its family's, and the
// device-weighted quantiles of the zero-shot interval.
void error_spread(ZeroShotPrior& out) {
  std::vector<double> means;
  double within = 0, within_dof = 0, points_ss = 0, points_dof = 0, families_ss = 0, families_dof = 0,
         inverse_sizes = 0;
  for (const DeviceErrors& d : out.left_out) {
    const double mean =
        std::accumulate(d.log_error.begin(), d.log_error.end(), 0.0) / static_cast<double>(d.log_error.size());
    means.push_back(mean);
    std::map<std::string, std::vector<double>> by_family;
    for (size_t i = 0; i < d.log_error.size(); ++i)
      by_family[d.families[i].empty() ? "model " + d.models[i] : d.families[i]].push_back(d.log_error[i]);
    for (double e : d.log_error) within += (e - mean) * (e - mean);
    within_dof += static_cast<double>(d.log_error.size() - 1);
    for (const auto& [family, e] : by_family) {
      const double m = std::accumulate(e.begin(), e.end(), 0.0) / static_cast<double>(e.size());
      for (double x : e) points_ss += (x - m) * (x - m);
      points_dof += static_cast<double>(e.size() - 1);
      families_ss += (m - mean) * (m - mean);
      inverse_sizes += 1 / static_cast<double>(e.size());
    }
    families_dof += static_cast<double>(by_family.size() - 1);
  }
  const double n = static_cast<double>(means.size());
  out.centre = std::accumulate(means.begin(), means.end(), 0.0) / n;
  for (double m : means) out.level_variance += (m - out.centre) * (m - out.centre) / (n - 1);
  out.residual_variance = within_dof > 0 ? within / within_dof : 0;
  out.point_variance = points_dof > 0 ? points_ss / points_dof : out.residual_variance;
  // A family mean's spread about its device's holds the points' noise over the family's size: take it out
  // (method of moments), what is left is the families' own.
  const double families = families_dof + n;
  out.family_variance =
      families_dof > 0 ? std::max(0.0, families_ss / families_dof - out.point_variance * inverse_sizes / families) : 0;
  out.dof = n - 1;
  std::vector<std::pair<double, double>> weighted;
  for (const DeviceErrors& d : out.left_out)
    for (double e : d.log_error) weighted.emplace_back(e - out.centre, 1 / static_cast<double>(d.log_error.size()));
  out.log_error_low = weighted_quantile(weighted, (1 - interval_level) / 2);
  out.log_error_high = weighted_quantile(weighted, (1 + interval_level) / 2);
}

}  // namespace

ZeroShotPrior zero_shot_prior(const Predictor& host, const Ceilings& host_ceilings,
                              const std::vector<PriorSource>& sources) {
  ZeroShotPrior out;
  std::vector<Source> data;
  for (const PriorSource& s : sources) {
    Source d = priced(host, host_ceilings, s, out.unpriced);
    if (d.y.size() >= 3) data.push_back(std::move(d));
  }
  if (data.size() < 3)
    throw InputError("zero-shot: needs at least 3 calibrated devices of 3 priced networks each to learn from, got " +
                     std::to_string(data.size()));
  std::vector<const Source*> all;
  for (const Source& d : data) all.push_back(&d);
  out.parameters = learn(all);
  // Leave one device out, the whole learning (form and covariate choice included) without it: the
  // interval's errors.
  for (size_t d = 0; d < all.size(); ++d) {
    std::vector<const Source*> others = all;
    others.erase(others.begin() + static_cast<std::ptrdiff_t>(d));
    const ZeroShotParameters p = learn(others);
    const size_t a = exponent_index(p.efficiency_exponent);
    const Eigen::VectorXd theta = log_factors(p, all[d]->hardware);
    const Eigen::VectorXd e = log_errors(*all[d], a, p.dispatch_us_per_op, theta);
    out.left_out.push_back({all[d]->device, all[d]->hardware, all[d]->models, all[d]->families,
                            std::vector<double>(e.data(), e.data() + e.size()), group_shares(*all[d], a, theta)});
  }
  error_spread(out);
  return out;
}

namespace {

// A covariate as the figure it stands for: the log covariates' exp, the 0/1 one as it is.
double shown_covariate(SpecCovariate c, double x) {
  return c == SpecCovariate::runtime_fuses_relu || is_category(c) ? x : std::exp(x);
}

// Under a category covariate, whose level the hardware's runtime class takes, in words ("" otherwise).
std::string runtime_level_words(const ZeroShotParameters& p, const Hardware& h) {
  if (!is_category(p.covariate)) return "";
  const RuntimeLevel& l = p.runtime_level[static_cast<size_t>(h.runtime_class)];
  std::string devices;
  for (const std::string& d : l.devices) devices += (devices.empty() ? "" : ", ") + d;
  return "runtime class " + std::string(to_string(h.runtime_class)) + " (" +
         std::string(to_string(family_of(h.runtime_class))) + "): the level of " + std::string(to_string(l.from)) +
         (devices.empty() ? "" : " (" + devices + ")") + ", x" + std::to_string(std::exp(l.log_offset)).substr(0, 5) +
         " the mean of all learning devices";
}

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
    Json shares = Json::array();
    for (const auto& row : d.group_share) shares.push_back(row);
    left_out.push_back({{"device", d.device},
                        {"models", d.models},
                        {"families", d.families},
                        {"log_error", d.log_error},
                        {"mape", ape},
                        {"group_share", shares}});
  }
  return {
      {"devices", p.devices},
      {"efficiency_exponent", p.efficiency_exponent},
      {"dispatch_us_per_op", p.dispatch_us_per_op},
      {"form", to_string(p.form)},
      {"covariate", to_string(p.covariate)},
      {"covariate_value", spec_value(p.covariate, hardware)},
      {"covariate_range", {p.covariate_min, p.covariate_max}},
      {"covariate_shown",
       {shown_covariate(p.covariate, spec_value(p.covariate, hardware)), shown_covariate(p.covariate, p.covariate_min),
        shown_covariate(p.covariate, p.covariate_max)}},
      {"slope", p.slope},
      {"runtime_class", to_string(hardware.runtime_class)},
      {"runtime_level", runtime_level_words(p, hardware)},
      {"group_factors", factors},
      {"left_out", left_out},
      {"centre", prior.centre},
      {"level_variance", prior.level_variance},
      {"residual_variance", prior.residual_variance},
      {"family_variance", prior.family_variance},
      {"point_variance", prior.point_variance},
      {"log_error_quantiles", {prior.log_error_low, prior.log_error_high}},
      {"unpriced", prior.unpriced},
      {"how",
       "hardware_transfer (see transfer) with every parameter learned over the devices listed, none from this device's "
       "timings: the exponent and dispatch time the grid pair of least summed error over them (each device its own "
       "group "
       "factors there); each group's log factor (or one common factor: form) their mean, moved along the covariate by "
       "a line "
       "fitted across them, or moved to the level of the devices of its runtime class or family (the form and the "
       "covariate, "
       "or none, chosen by leaving each device out in turn); the common level shifted by the left-out devices' mean "
       "log "
       "error (centre)"}};
}

// The spec covariates of `h` outside the range of the devices the prior learned from, in words.
std::vector<std::string> outside_sources(const Hardware& h, const ZeroShotPrior& prior) {
  std::vector<std::string> out;
  bool class_seen = false;
  for (const DeviceErrors& s : prior.left_out) class_seen = class_seen || s.hardware.runtime_class == h.runtime_class;
  if (!class_seen)
    out.push_back("runtime class " + std::string(to_string(h.runtime_class)) +
                  ": no learning device ran it (a runtime class " + "covariate takes its family's level, " +
                  std::string(to_string(family_of(h.runtime_class))) + ")");
  for (const SpecCovariate c : spec_covariate_names.values()) {
    if (c == SpecCovariate::none || is_category(c)) continue;
    double lo = INFINITY, hi = -INFINITY;
    for (const DeviceErrors& s : prior.left_out)
      lo = std::min(lo, spec_value(c, s.hardware)), hi = std::max(hi, spec_value(c, s.hardware));
    const double x = spec_value(c, h);
    // The log covariates are shown as the figures they are the logs of.
    const auto shown = [c = c](double v) { return std::to_string(shown_covariate(c, v)).substr(0, 6); };
    if (x < lo - 1e-9 || x > hi + 1e-9)
      out.push_back(std::string(to_string(c)) + " " + shown(x) + " is outside the learning devices' " + shown(lo) +
                    " to " + shown(hi));
  }
  return out;
}

}  // namespace

namespace {

// The level after the timings (normal-normal): the prior N(centre, level_var) and one observation per
// family, the mean log error of its timings, with variance family_variance + point_variance / its size (a
// family's networks share their error: five of one family are not five observations of the level).
struct LevelUpdate {
  double level = 0, variance = 0;
  size_t families = 0;
};
LevelUpdate updated_level(const ZeroShotPrior& prior, double level_var, const std::vector<double>& log_error,
                          const std::vector<std::string>& family) {
  std::map<std::string, std::vector<double>> by_family;
  for (size_t i = 0; i < log_error.size(); ++i)
    by_family[family[i].empty() ? "#" + std::to_string(i) : family[i]].push_back(log_error[i]);
  double precision = 1 / level_var, weighted = prior.centre / level_var;
  const double point_var = std::max(prior.point_variance, 1e-6);
  for (const auto& [name, e] : by_family) {
    const double var = prior.family_variance + point_var / static_cast<double>(e.size());
    precision += 1 / var;
    weighted += std::accumulate(e.begin(), e.end(), 0.0) / static_cast<double>(e.size()) / var;
  }
  return {weighted / precision, 1 / precision, by_family.size()};
}

std::string short_number(double x) { return std::to_string(x).substr(0, 5); }

// The interval's text: what it is made of, in words.
std::string interval_words(const ZeroShotPrior& prior, double level_var, double within_var, const LevelUpdate& u,
                           size_t timings, const std::vector<std::string>& outside) {
  const std::string devices = std::to_string(prior.left_out.size());
  std::string why =
      timings == 0
          ? "Student-t (" + std::to_string(static_cast<int>(prior.dof)) +
                " degrees of freedom) of the zero-shot log errors of " + devices +
                " calibrated devices, each predicted by the prior learned without it (between devices sd " +
                short_number(std::sqrt(level_var)) + ", within one sd " + short_number(std::sqrt(within_var)) +
                ", log); wide: devices differ by that much in how far their runtimes fall below the spec sheet"
          : "Student-t (" + std::to_string(static_cast<int>(prior.dof)) +
                " degrees of freedom) of the within-device spread of the zero-shot " + "log errors of " + devices +
                " calibrated devices (sd " + short_number(std::sqrt(within_var)) +
                ", log) plus what is left unknown of " + "the level after " + std::to_string(timings) +
                " timed network(s) of " + std::to_string(u.families) + " famil" + (u.families == 1 ? "y" : "ies") +
                " (a family's timings counted as one observation of the level; sd now " +
                short_number(std::sqrt(u.variance)) + ")";
  for (const std::string& o : outside) why += "; " + o + ": the interval may be too narrow";
  return why;
}

// The learning devices' left-out points inside [low, high] about their centre (log), as a share.
double left_out_coverage(const ZeroShotPrior& prior, double low, double high) {
  double inside = 0, points = 0;
  for (const DeviceErrors& e : prior.left_out)
    for (double x : e.log_error) inside += (x - prior.centre >= low && x - prior.centre <= high) ? 1 : 0, points += 1;
  return inside / points;
}

}  // namespace

Predictor zero_shot_device(const Predictor& host, const Ceilings& host_ceilings, const Hardware& hardware,
                           const ZeroShotPrior& prior, const std::vector<PublishedPoint>& timings,
                           const std::string& rebuild) {
  Predictor d = transfer_device(host, host_ceilings, hardware);
  Calibrated& c = *d.calibrated;
  const ZeroShotParameters& p = prior.parameters;
  c.group_factor = p.factors_for(hardware);
  c.efficiency_exponent = p.efficiency_exponent;
  c.dispatch_us_per_op = p.dispatch_us_per_op;
  c.timed_by = TimedBy::zero_shot;
  c.rebuild = rebuild;
  // The device's level: its log error is the left-out devices' centre give or take their between-device
  // spread (that of a new device: times 1 + 1/devices); the timings update it.
  const double n = static_cast<double>(prior.left_out.size());
  const double level_var = std::max(prior.level_variance * (1 + 1 / n), 1e-6);
  const double within_var = std::max(prior.family_variance + prior.point_variance, 1e-6);
  std::vector<double> zero_shot_us, log_error;
  std::vector<std::string> family;
  for (const PublishedPoint& t : timings) {
    zero_shot_us.push_back(predict(d, t.net, hardware.threads).latency_us);
    log_error.push_back(std::log(zero_shot_us.back() / (t.latency_ms * 1e3)));
    family.push_back(t.family);
  }
  const LevelUpdate u = updated_level(prior, level_var, log_error, family);
  for (double& f : c.group_factor) f *= std::exp(-u.level);
  c.dispatch_us_per_op *= std::exp(-u.level);
  Json rows = Json::array();
  for (size_t i = 0; i < timings.size(); ++i) {
    const PublishedPoint& t = timings[i];
    const double ms = zero_shot_us[i] / 1e3;
    rows.push_back({{"model", t.model},
                    {"family", t.family},
                    {"latency_ms", t.latency_ms},
                    {"zero_shot_ms", ms},
                    {"updated_ms", ms * std::exp(-u.level)}});
  }
  // The interval: the within-device spread plus what is unknown of the level (Student-t), the learning devices'
  // spread without timings (u.variance is then level_var) and less with each timed family, so that a timing
  // never widens it. (The left-out errors' own quantiles, used before, came out narrower than one timing's
  // interval once the prior took a runtime's level: one method for both keeps them in order.)
  const double t = student_t_quantile((1 + interval_level) / 2, std::max(prior.dof, 1.0));
  const double half = t * std::sqrt(within_var + u.variance), zero_shot_half = t * std::sqrt(within_var + level_var);
  c.interval.interval_method = IntervalMethod::pooled_t;
  c.interval.level = interval_level;
  c.interval.error_low = std::max(std::expm1(-half), device_error_min);
  c.interval.error_high = std::min(std::expm1(half), device_error_max);
  // Its coverage on the learning devices: their left-out errors inside the zero-shot interval (not nested:
  // the interval was sized on those same errors).
  c.interval.coverage =
      DeviceInterval::Coverage{left_out_coverage(prior, -zero_shot_half, zero_shot_half),
                               "the learning devices' points, each device predicted by the prior learned "
                               "without it, inside the zero-shot interval (no timings) about their centre; not nested"};
  const std::vector<std::string> outside = outside_sources(hardware, prior);
  c.interval.method = interval_words(prior, level_var, within_var, u, timings.size(), outside);
  const Json& host_document = host.provenance.document;
  d.provenance = provenance_from_json({{"zero_shot", prior_json(prior, hardware)},
                                       {"timings", rows},
                                       {"outside_learning_devices", outside},
                                       {"level_shift_log", u.level},
                                       {"host_model", host_document.is_object() ? host_document : Json::object()}},
                                      Where("calibrate --zero-shot " + hardware.device, "provenance"));
  d.runtime = hardware.runtime + " on " + hardware.description + ", " + timings_in_words(c);
  return d;
}

}  // namespace cpx::predictor

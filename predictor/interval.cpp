#include "predictor/interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace cpx::predictor {

std::string_view to_string(IntervalMethod m) { return interval_method_names.name_of(m); }

std::optional<IntervalMethod> find_interval_method(std::string_view name) { return interval_method_names.find(name); }

IntervalMethod interval_method_from(std::string_view name, std::string_view flag) {
  if (const auto m = find_interval_method(name)) return *m;
  throw InputError(std::string(flag) + " = \"" + std::string(name) + "\": not an interval method (" +
                   interval_method_names.joined(", ") + ")");
}

namespace {

// The regularised incomplete beta function I_x(a, b), by its continued fraction (modified Lentz), taken on
// the side of x where it converges fast.
double incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incomplete_beta(1 - x, b, a);
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x)) / a;
  const double tiny = 1e-300;
  double f = 1, c = 1, d = 0;
  for (int i = 0; i <= 400; ++i) {
    const int m = i / 2;
    double numerator;
    if (i == 0) numerator = 1;
    else if (i % 2 == 0) numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    else numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + numerator * d;
    d = 1 / (std::abs(d) < tiny ? tiny : d);
    c = 1 + numerator / c;
    if (std::abs(c) < tiny) c = tiny;
    f *= c * d;
    if (std::abs(1 - c * d) < 1e-14) break;
  }
  return front * (f - 1);
}

double student_t_cdf(double t, double dof) {
  if (std::isinf(dof)) return 0.5 * std::erfc(-t / std::sqrt(2.0));
  const double tail = 0.5 * incomplete_beta(dof / (dof + t * t), dof / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

// Per group: the mean over its points of (e - centre)², the centre being the mean of the group means (each
// group weighs the same, as everywhere a calibration is scored).
struct GroupSpread {
  double centre = 0;
  double sum_of_squares = 0;  // Σ over groups
  size_t groups = 0;
};
GroupSpread group_spread(const std::vector<double>& e, const std::vector<std::string>& group) {
  std::map<std::string, std::vector<double>> by;
  for (size_t i = 0; i < e.size(); ++i) by[group[i]].push_back(e[i]);
  GroupSpread s;
  s.groups = by.size();
  if (by.empty()) return s;
  for (const auto& [g, v] : by) {
    double m = 0;
    for (double x : v) m += x / static_cast<double>(v.size());
    s.centre += m / static_cast<double>(by.size());
  }
  for (const auto& [g, v] : by) {
    double ss = 0;
    for (double x : v) ss += (x - s.centre) * (x - s.centre) / static_cast<double>(v.size());
    s.sum_of_squares += ss;
  }
  return s;
}

}  // namespace

double student_t_quantile(double p, double dof) {
  if (!(p > 0 && p < 1) || !(dof > 0)) throw std::invalid_argument("student_t_quantile: p in (0, 1) and dof > 0");
  if (p < 0.5) return -student_t_quantile(1 - p, dof);
  double lo = 0, hi = 1;
  while (student_t_cdf(hi, dof) < p) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (student_t_cdf(mid, dof) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

VariancePrior pooled_prior(const std::vector<HeldOutErrors>& pool) {
  // Every pooled device's groups about that device's own centre (a device's bias is its own, the spread of
  // new families about it is what devices share).
  VariancePrior prior;
  double ss = 0, dof = 0;
  for (const auto& d : pool) {
    if (std::set<std::string>(d.group.begin(), d.group.end()).size() < 2) continue;
    const GroupSpread s = group_spread(d.log_error, d.group);
    ss += s.sum_of_squares;
    dof += static_cast<double>(s.groups - 1);
    prior.devices.push_back(d.device);
  }
  prior.dof = prior.devices.empty() ? 0 : dof / static_cast<double>(prior.devices.size());
  prior.variance = dof > 0 ? ss / dof : 0;
  return prior;
}

LogInterval pooled_interval(const std::vector<double>& log_error, const std::vector<std::string>& group,
                            const VariancePrior& prior, double level) {
  const GroupSpread own = group_spread(log_error, group);
  const double own_dof = own.groups > 0 ? static_cast<double>(own.groups - 1) : 0;
  const double dof = prior.dof + own_dof;
  LogInterval out;
  out.centre = own.centre;
  if (!(dof > 0)) {
    out.half_width = std::numeric_limits<double>::infinity();
    return out;
  }
  const double variance = (prior.dof * prior.variance + own.sum_of_squares) / dof;
  const double groups = std::max<double>(1, static_cast<double>(own.groups));
  const double t = student_t_quantile((1 + level) / 2, dof);
  out.half_width = t * std::sqrt(variance * (1 + 1 / groups));
  PooledSizing& how = out.how.emplace();
  how.own_groups = static_cast<int64_t>(own.groups);
  if (own_dof > 0) how.own_variance = own.sum_of_squares / own_dof;
  how.own_dof = own_dof;
  how.prior = prior;
  how.variance = variance, how.dof = dof, how.t = t, how.centre = out.centre, how.half_width = out.half_width;
  return out;
}

std::vector<std::array<double, 2>> pooled_error_bounds(const std::vector<double>& error,
                                                       const std::vector<std::string>& group,
                                                       const VariancePrior& prior, double level) {
  std::vector<double> r(error.size());
  for (size_t i = 0; i < error.size(); ++i) r[i] = std::log1p(error[i]);
  std::vector<std::array<double, 2>> out(error.size());
  for (const std::string& g : std::set<std::string>(group.begin(), group.end())) {
    std::vector<double> r_others;
    std::vector<std::string> g_others;
    for (size_t i = 0; i < r.size(); ++i)
      if (group[i] != g) r_others.push_back(r[i]), g_others.push_back(group[i]);
    const LogInterval without = pooled_interval(r_others, g_others, prior, level);
    for (size_t i = 0; i < r.size(); ++i)
      if (group[i] == g)
        out[i] = {std::expm1(without.centre - without.half_width), std::expm1(without.centre + without.half_width)};
  }
  return out;
}

double unseen_half_width(const std::vector<std::pair<OpKind, double>>& unseen_kinds,
                         const std::map<OpKind, double>& kind_spread, double level) {
  double widest = 0;
  for (const auto& [k, s] : kind_spread) widest = std::max(widest, s);
  double sum = 0;
  for (const auto& [kind, share] : unseen_kinds) {
    const auto found = kind_spread.find(kind);
    sum += share * (found == kind_spread.end() ? widest : found->second);
  }
  // predict() calls this per network: the normal quantile (a bisection) once per level.
  thread_local double z_level = -1, z = 0;
  if (level != z_level)
    z = student_t_quantile((1 + level) / 2, std::numeric_limits<double>::infinity()), z_level = level;
  return z * sum;
}

}  // namespace cpx::predictor

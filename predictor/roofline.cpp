#include "predictor/roofline.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace cpx::predictor {

namespace {
constexpr size_t log_threads_feature = 7, log_intensity_feature = 9;
// The base features weight_stream_bytes reads (features.hpp).
constexpr size_t in_per_group_feature = 2, out_per_group_feature = 3, rows_feature = 4, taps_feature = 5,
                 weight_bytes_feature = 8, own_kernel_feature = 11;

// log(1 + e^x) without overflow.
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// s is clamped so that the efficiency stays strictly positive and finite for any input (e^-40 ~ 4e-18);
// a shape that drives s this far is far outside anything measured either way.
constexpr double s_bound = 40.0;
}  // namespace

double weight_stream_bytes(const std::array<double, base_feature_count>& base, const Ceilings& c) {
  if (c.dram_bytes_per_s <= 0 || c.last_level_cache_bytes <= 0 || c.gemm_tile_rows <= 0) return 0;
  if (base[weight_bytes_feature] == 0) return 0;  // no weights (a matmul of two activations, an elementwise op)
  const double group_bytes =
      4.0 * std::exp(base[in_per_group_feature] + base[out_per_group_feature] + base[taps_feature]);
  if (group_bytes <= c.last_level_cache_bytes) return 0;
  if (c.igemm && base[own_kernel_feature] == 1.0) return 0;
  // exp(log n) may land a hair above n: a whole number of tiles must not round up to one more.
  const double tiles = std::ceil(std::exp(base[rows_feature]) / static_cast<double>(c.gemm_tile_rows) - 1e-9);
  return std::exp(base[weight_bytes_feature]) * std::max(0.0, tiles - 1);
}

double padded_macs(const std::array<double, base_feature_count>& base, const Ceilings& c) {
  const double macs = std::exp(base[0]);
  // The executor's own kernels do not tile as XNNPACK does: feature [11] flags the AVX-512 igemm's shapes
  // (run as such only where c.igemm) and the grouped loops (2 or 4 channels per group, always run as such:
  // profiler::runs_grouped_loops), and one input channel per group runs as depthwise loops.
  const double out_per_group = std::round(std::exp(base[out_per_group_feature]));
  const bool own_kernel = base[own_kernel_feature] == 1.0 && (c.igemm || out_per_group <= 4);
  if (c.gemm_tile_cols <= 0 || base[weight_bytes_feature] == 0 || base[in_per_group_feature] == 0) return macs;
  auto rounded_up = [](double n, int64_t tile) {
    const double whole = std::max(1.0, std::round(n));
    return std::ceil(whole / static_cast<double>(tile) - 1e-9) * static_cast<double>(tile) / whole;
  };
  // The igemm (at least 8 channels per group: IgemmRule) pads its columns to whole vectors, not its rows;
  // the grouped loops pad neither.
  if (own_kernel) return out_per_group > 4 && c.igemm_cols > 0 ? macs * rounded_up(out_per_group, c.igemm_cols) : macs;
  const double rows = std::exp(base[rows_feature]);
  return macs * rounded_up(out_per_group, c.gemm_tile_cols) *
         (c.gemm_tile_rows > 0 && std::round(rows) > 1 ? rounded_up(rows, c.gemm_tile_rows) : 1.0);
}

double roofline_us(const std::array<double, base_feature_count>& base, const Ceilings& c) {
  const bool mac_free = base[0] == base[1] && base[log_intensity_feature] == 0.0;
  const double macs = mac_free ? 0.0 : padded_macs(base, c);
  const double streamed = weight_stream_bytes(base, c);
  const double dram_s = streamed > 0 ? streamed / c.dram_bytes_per_s : 0.0;
  return std::max({macs / c.peak_macps, std::exp(base[1]) / c.bandwidth_bytes_per_s, dram_s}) * 1e6;
}

std::array<double, base_feature_count> efficiency_inputs(const std::array<double, base_feature_count>& base,
                                                         const Ceilings& c) {
  std::array<double, base_feature_count> x = base;
  x[log_intensity_feature] =
      std::max(0.0, base[log_intensity_feature] - std::log(c.peak_macps / c.bandwidth_bytes_per_s));
  return x;
}

const Ceilings& ceilings_at(const std::map<int64_t, Ceilings>& by_threads, int64_t threads) {
  if (by_threads.empty()) throw std::logic_error("ceilings_at: no ceilings");
  auto it = by_threads.upper_bound(threads);
  return it == by_threads.begin() ? it->second : std::prev(it)->second;
}

// The thread count is also a feature of the efficiency, so a model evaluated between probed counts still
// sees the difference.
const Ceilings& RooflineModel::ceilings_at(int64_t threads) const { return predictor::ceilings_at(ceilings, threads); }

namespace {
int64_t threads_of(const std::array<double, base_feature_count>& base) {
  return std::max<int64_t>(1, std::llround(std::exp(base[log_threads_feature])));
}
}  // namespace

double roofline_us(const std::array<double, base_feature_count>& base, const std::map<int64_t, Ceilings>& by_threads) {
  return roofline_us(base, ceilings_at(by_threads, threads_of(base)));
}

namespace {
double score(const RooflineModel& m, const std::array<double, base_feature_count>& base) {
  const auto x = efficiency_inputs(base, m.ceilings_at(threads_of(base)));
  double s = m.theta[0];
  for (size_t k = 0; k < base_feature_count; ++k)
    if (m.scale[k] > 0) s += m.theta[1 + k] * (x[k] - m.mean[k]) / m.scale[k];
  return std::clamp(s, -s_bound, s_bound);
}
}  // namespace

double RooflineModel::efficiency(const std::array<double, base_feature_count>& base) const {
  return std::exp(-softplus(-score(*this, base)));
}

double RooflineModel::predict_us(const std::array<double, base_feature_count>& base) const {
  const double log_roof = std::log(roofline_us(base, ceilings_at(threads_of(base))));
  double log_us = log_roof + softplus(-score(*this, base));
  if (!residual_trees.trees.empty())
    log_us += std::clamp(residual_trees.eval(base), -roofline_residual_bound_log, roofline_residual_bound_log);
  // The trees may not carry an op past its roofline: with them too the effective efficiency is <= 1.
  return std::exp(std::max(log_us, log_roof));
}

std::vector<size_t> monotone_features(OpClass c) {
  if (c != OpClass::conv_dense && c != OpClass::conv_grouped && c != OpClass::conv_pointwise) return {};
  return {0, 1, 2, 3, 4, 8, 9};
}

RooflineModel fit_roofline(const std::vector<RooflineSample>& samples, const std::map<int64_t, Ceilings>& ceilings,
                           const std::vector<size_t>& monotone, double ridge) {
  if (samples.empty() || ceilings.empty()) throw std::logic_error("fit_roofline: no samples or no ceilings");
  RooflineModel m;
  m.ceilings = ceilings;
  m.monotone = monotone;
  const Eigen::Index n = static_cast<Eigen::Index>(samples.size()), d = 1 + base_feature_count;
  std::vector<std::array<double, base_feature_count>> inputs;
  for (const auto& s : samples) inputs.push_back(efficiency_inputs(s.base, m.ceilings_at(threads_of(s.base))));
  for (size_t k = 0; k < base_feature_count; ++k) {
    double mean = 0, sq = 0;
    for (const auto& x : inputs) mean += x[k];
    mean /= static_cast<double>(n);
    for (const auto& x : inputs) sq += (x[k] - mean) * (x[k] - mean);
    m.mean[k] = mean;
    m.scale[k] = std::sqrt(sq / static_cast<double>(n));
    if (m.scale[k] < 1e-9) m.scale[k] = 0;
  }
  Eigen::MatrixXd Z(n, d);
  Eigen::VectorXd excess(n);  // log latency - log roofline: what softplus(-s) must explain
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& s = samples[static_cast<size_t>(i)];
    Z(i, 0) = 1;
    const auto& x = inputs[static_cast<size_t>(i)];
    for (size_t k = 0; k < base_feature_count; ++k)
      Z(i, static_cast<Eigen::Index>(1 + k)) = m.scale[k] > 0 ? (x[k] - m.mean[k]) / m.scale[k] : 0.0;
    excess(i) =
        std::log(std::max(1e-3, s.latency_us)) - std::log(roofline_us(s.base, m.ceilings_at(threads_of(s.base))));
  }
  std::vector<bool> bounded(static_cast<size_t>(d), false), fixed(static_cast<size_t>(d), false);
  for (size_t k : monotone) bounded[1 + k] = true;
  for (size_t k = 0; k < base_feature_count; ++k) fixed[1 + k] = m.scale[k] == 0;
  // Start at a constant efficiency: the median excess, floored since an op measured faster than its
  // roofline (cache beats DRAM) can only be met at efficiency 1.
  std::vector<double> ex(excess.data(), excess.data() + n);
  std::nth_element(ex.begin(), ex.begin() + n / 2, ex.end());
  const double e0 = std::max(ex[static_cast<size_t>(n / 2)], 1e-3);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(d);
  theta(0) = -std::log(std::expm1(e0));  // softplus(-theta0) = e0
  const double lambda = ridge * static_cast<double>(n);
  auto loss = [&](const Eigen::VectorXd& t) {
    const Eigen::VectorXd s = (Z * t).cwiseMax(-s_bound).cwiseMin(s_bound);
    double l = 0;
    for (Eigen::Index i = 0; i < n; ++i) l += std::pow(excess(i) - softplus(-s(i)), 2);
    return l + lambda * t.tail(d - 1).squaredNorm();
  };
  double current = loss(theta), mu = 1e-3;
  for (int iter = 0; iter < 200; ++iter) {
    const Eigen::VectorXd s = Z * theta;
    Eigen::MatrixXd J(n, d);
    Eigen::VectorXd r(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double si = std::clamp(s(i), -s_bound, s_bound);
      r(i) = excess(i) - softplus(-si);
      J.row(i) = -sigmoid(-si) * Z.row(i);  // d softplus(-s) / d theta
    }
    Eigen::VectorXd grad = J.transpose() * r;  // minus half the gradient of the loss
    grad.tail(d - 1) -= lambda * theta.tail(d - 1);
    std::vector<Eigen::Index> free;
    for (Eigen::Index k = 0; k < d; ++k) {
      const size_t ks = static_cast<size_t>(k);
      if (fixed[ks]) continue;
      if (bounded[ks] && theta(k) <= 0 && grad(k) <= 0) continue;  // active bound
      free.push_back(k);
    }
    const Eigen::Index f = static_cast<Eigen::Index>(free.size());
    Eigen::MatrixXd A(f, f);
    Eigen::VectorXd b(f);
    const Eigen::MatrixXd JtJ = J.transpose() * J;
    for (Eigen::Index a = 0; a < f; ++a) {
      b(a) = grad(free[static_cast<size_t>(a)]);
      for (Eigen::Index c = 0; c < f; ++c) A(a, c) = JtJ(free[static_cast<size_t>(a)], free[static_cast<size_t>(c)]);
      if (free[static_cast<size_t>(a)] > 0) A(a, a) += lambda;
    }
    bool improved = false;
    for (int tries = 0; tries < 30 && !improved; ++tries) {
      Eigen::MatrixXd damped = A;
      for (Eigen::Index a = 0; a < f; ++a) damped(a, a) += mu * (1 + A(a, a));
      const Eigen::VectorXd step = damped.ldlt().solve(b);
      Eigen::VectorXd next = theta;
      for (Eigen::Index a = 0; a < f; ++a) next(free[static_cast<size_t>(a)]) += step(a);
      for (Eigen::Index k = 0; k < d; ++k)
        if (bounded[static_cast<size_t>(k)]) next(k) = std::max(0.0, next(k));
      const double l = loss(next);
      if (std::isfinite(l) && l < current) {
        improved = (current - l) > 1e-12 * (1 + current);
        theta = next;
        current = l;
        mu = std::max(1e-9, mu / 3);
        if (!improved) break;
      } else {
        mu *= 10;
      }
    }
    if (!improved) break;
  }
  for (Eigen::Index k = 0; k < d; ++k) m.theta[static_cast<size_t>(k)] = theta(k);
  return m;
}

namespace {
const std::array<std::string, feature_count>& names() {
  static const auto n = feature_names();
  return n;
}
}  // namespace

int64_t thread_key(const std::string& key, const Where& w) {
  int64_t threads = 0;
  try {
    threads = std::stoll(key);
  } catch (...) { w.fail(key, "expected a thread count"); }
  if (threads < 1 || threads > 256) w.fail(key, "thread count out of range [1, 256]");
  return threads;
}

Json ceilings_to_json(const std::map<int64_t, Ceilings>& by_threads) {
  Json out = Json::object();
  for (const auto& [t, c] : by_threads) {
    Json& o =
        out[std::to_string(t)] = {{"peak_macps", c.peak_macps}, {"bandwidth_bytes_per_s", c.bandwidth_bytes_per_s}};
    if (c.gemm_tile_rows > 0)
      o["gemm_tile"] = {{"rows", c.gemm_tile_rows}, {"cols", c.gemm_tile_cols}, {"igemm", c.igemm}};
    if (c.gemm_tile_rows > 0 && c.igemm_cols > 0) o["gemm_tile"]["igemm_cols"] = c.igemm_cols;
    if (c.last_level_cache_bytes > 0)
      o["weight_streaming"] = {{"dram_bytes_per_s", c.dram_bytes_per_s},
                               {"last_level_cache_bytes", c.last_level_cache_bytes}};
  }
  return out;
}

std::map<int64_t, Ceilings> ceilings_from_json(const Json& c, const Where& cw) {
  std::map<int64_t, Ceilings> out;
  if (!c.is_object() || c.empty())
    cw.fail(c, "expected {threads: {peak_macps, bandwidth_bytes_per_s}} with at least one thread count");
  for (const auto& [t, v] : c.items()) {
    const int64_t threads = thread_key(t, cw / t);
    ObjectReader r(v, cw / t);
    Ceilings& bound = out[threads] = {r.number("peak_macps", 1e3, 1e18), r.number("bandwidth_bytes_per_s", 1e3, 1e15)};
    // Both absent in models fitted before them: no padding and no third ceiling, as they were fitted.
    if (r.has("gemm_tile")) {
      ObjectReader g(r.raw("gemm_tile"), cw / t / "gemm_tile");
      bound.gemm_tile_rows = g.integer("rows", 1, 64);
      bound.gemm_tile_cols = g.integer("cols", 0, 256);
      const Json& igemm = g.raw("igemm");  // required: which shapes XNNPACK's tiles run depends on it
      if (!igemm.is_boolean()) g.at("igemm").fail(igemm, "expected true or false");
      bound.igemm = igemm.get<bool>();
      if (g.has("igemm_cols")) bound.igemm_cols = g.integer("igemm_cols", 1, 64);  // absent: fitted before it
      g.finish();
    }
    if (r.has("weight_streaming")) {
      ObjectReader s(r.raw("weight_streaming"), cw / t / "weight_streaming");
      if (bound.gemm_tile_rows <= 0) (cw / t / "weight_streaming").fail("needs the gemm_tile beside it (its rows)");
      bound.dram_bytes_per_s = s.number("dram_bytes_per_s", 1e3, 1e15);
      bound.last_level_cache_bytes = s.number("last_level_cache_bytes", 1e3, 1e12);
      s.finish();
    }
    r.finish();
  }
  return out;
}

Json to_json(const RooflineModel& m) {
  Json theta = Json::object(), mean = Json::object(), scale = Json::object();
  theta["bias"] = m.theta[0];
  for (size_t k = 0; k < base_feature_count; ++k) {
    theta[names()[1 + k]] = m.theta[1 + k];
    mean[names()[1 + k]] = m.mean[k];
    scale[names()[1 + k]] = m.scale[k];
  }
  Json monotone = Json::array();
  for (size_t k : m.monotone) monotone.push_back(names()[1 + k]);
  Json j = {{"efficiency_theta", theta},
            {"feature_mean", mean},
            {"feature_scale", scale},
            {"monotone_nondecreasing", monotone},
            {"ceilings", ceilings_to_json(m.ceilings)}};
  if (!m.residual_trees.trees.empty()) {
    j["residual_trees"] = to_json(m.residual_trees);
    j["residual_bound_log"] = roofline_residual_bound_log;
  }
  return j;
}

// Reads the roofline fields of a class model; the caller's reader owns the others (kind, scale, range).
RooflineModel roofline_from_json(const Json& j, const Where& w) {
  RooflineModel m;
  auto per_feature = [&](const char* key, bool with_bias, double lo, double hi, double* out) {
    if (!j.contains(key)) w.fail(std::string("missing required field ") + key + " of a \"kind\": \"roofline\" model");
    ObjectReader r(j.at(key), w / key);
    if (with_bias) *out++ = r.number("bias", -1e6, 1e6);
    for (size_t k = 0; k < base_feature_count; ++k) out[k] = r.number(names()[1 + k], lo, hi);
    r.finish();
  };
  per_feature("efficiency_theta", true, -1e6, 1e6, m.theta.data());
  per_feature("feature_mean", false, -1e6, 1e6, m.mean.data());
  per_feature("feature_scale", false, 0, 1e6, m.scale.data());
  if (!j.contains("ceilings"))
    w.fail(
        "missing required field ceilings of a \"kind\": \"roofline\" model (the peak and bandwidth it was fitted "
        "with)");
  m.ceilings = ceilings_from_json(j.at("ceilings"), w / "ceilings");
  if (j.contains("monotone_nondecreasing")) {
    const Json& mono = j.at("monotone_nondecreasing");
    const Where mw = w / "monotone_nondecreasing";
    if (!mono.is_array()) mw.fail(mono, "expected an array of base feature names");
    for (size_t i = 0; i < mono.size(); ++i) {
      size_t k = 0;
      while (k < base_feature_count && !(mono[i].is_string() && mono[i].get<std::string>() == names()[1 + k])) ++k;
      if (k == base_feature_count) (mw[i]).fail(mono[i], "not a base feature name");
      // The bound is what the fit promised; a file that breaks it is not the model it claims to be.
      if (m.theta[1 + k] < 0)
        (w / "efficiency_theta" / names()[1 + k]).fail(m.theta[1 + k], "is negative for a monotone feature");
      m.monotone.push_back(k);
    }
  }
  if (j.contains("residual_trees")) m.residual_trees = boost_from_json(j.at("residual_trees"), w / "residual_trees");
  return m;
}

}  // namespace cpx::predictor

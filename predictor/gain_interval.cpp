#include "predictor/gain_interval.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "predictor/interval.hpp"
#include "predictor/op_kinds.hpp"
#include "predictor/statistics.hpp"

namespace cpx::predictor {

ChangedTime& ChangedTime::operator+=(const ChangedTime& o) {
  for (size_t c = 0; c < op_class_count; ++c) class_delta_us[c] += o.class_delta_us[c];
  for (const auto& [kind, us] : o.kind_delta_us) kind_delta_us[kind] += us;
  op_variance_us2 += o.op_variance_us2;
  return *this;
}

double GainSpread::total_us() const {
  return std::sqrt(class_us * class_us + op_us * op_us + device_us * device_us + floor_us * floor_us);
}

namespace {

double median_of(std::vector<double> v) { return v.empty() ? 0 : quantile(v, 0.5); }

// A class without evidence takes the median class's: its ops are no surer than a typical class's, and one
// class the host fit prices badly (its classifier heads, say) would otherwise set every unknown class's error.
double op_rms_of(const GainEvidence& e, OpClass c) {
  const double own = e.op_rms[static_cast<size_t>(c)];
  if (own > 0) return own;
  std::vector<double> known;
  for (double v : e.op_rms)
    if (v > 0) known.push_back(v);
  return median_of(known);
}

double class_moment(const GainEvidence& e, size_t a, size_t b) {
  if (e.class_known[a] && e.class_known[b]) return e.class_second[a][b];
  if (a != b) return 0;  // no evidence of the pair: independent
  std::vector<double> known;
  for (size_t c = 0; c < op_class_count; ++c)
    if (e.class_known[c]) known.push_back(e.class_second[c][c]);
  return median_of(known);
}

// An op keeps its residual only where it keeps its GEMM's shape per group: a conv that changes its groups
// (a 1x1 conv made grouped stays in the pointwise class) runs other GEMMs, so its residual is a new one.
int64_t groups_of(const Op& op) {
  const Conv2d* c = op.as<Conv2d>();
  return c ? c->groups : 1;
}

}  // namespace

ChangedTime changed_time(const PricedOps& before, const PricedOps& after, const GainEvidence& e) {
  ChangedTime out;
  std::unordered_map<std::string, size_t> after_index;
  for (size_t i = 0; i < after.net.ops.size(); ++i) after_index.emplace(after.net.ops[i].name, i);
  std::vector<bool> after_matched(after.net.ops.size(), false);
  std::vector<double> x;  // the block's signed op terms, in time times log error
  for (size_t i = 0; i < before.net.ops.size(); ++i) {
    const OpClass c = before.prediction.ops[i].op_class;
    const double us = before.op_us[i];
    out.class_delta_us[static_cast<size_t>(c)] += us;
    out.kind_delta_us[op_kind(before.net, i)] += us;
    const auto it = after_index.find(before.net.ops[i].name);
    if (it != after_index.end() && after.prediction.ops[it->second].op_class == c &&
        groups_of(after.net.ops[it->second]) == groups_of(before.net.ops[i])) {
      after_matched[it->second] = true;  // kept its name, class and groups: its residual persists, only the time moves
      x.push_back((us - after.op_us[it->second]) * op_rms_of(e, c));
    } else {
      x.push_back(us * op_rms_of(e, c));
    }
  }
  for (size_t j = 0; j < after.net.ops.size(); ++j) {
    const OpClass c = after.prediction.ops[j].op_class;
    const double us = after.op_us[j];
    out.class_delta_us[static_cast<size_t>(c)] -= us;
    out.kind_delta_us[op_kind(after.net, j)] -= us;
    if (!after_matched[j]) x.push_back(-us * op_rms_of(e, c));
  }
  double sum = 0, squares = 0;
  for (double v : x) {
    sum += v;
    squares += v * v;
  }
  const double rho = e.block_correlation;
  out.op_variance_us2 = std::max(0.0, (1 - rho) * squares + rho * sum * sum);
  return out;
}

GainSpread gain_spread(const ChangedTime& c, const GainEvidence& e, const Predictor& p, double before_us) {
  GainSpread s;
  s.floor_us = e.floor_share * before_us;
  double class_var = 0;
  for (size_t a = 0; a < op_class_count; ++a)
    for (size_t b = 0; b < op_class_count; ++b)
      class_var += c.class_delta_us[a] * c.class_delta_us[b] * class_moment(e, a, b);
  s.class_us = e.class_scale * std::sqrt(std::max(0.0, class_var));
  s.op_us = e.op_scale * std::sqrt(c.op_variance_us2);
  if (p.calibrated) {
    const DeviceInterval& di = p.calibrated->interval;
    const double z = student_t_quantile(0.5 + di.level / 2, INFINITY);
    // The device's own held-out error of a whole network (log sd); each class as unsure as that, independently.
    const double tau = (std::log1p(di.error_high) - std::log1p(di.error_low)) / (2 * z);
    double var = 0;
    for (double d : c.class_delta_us) var += d * d * tau * tau;
    // Kinds its calibration barely exercised: how far devices differ on them (a median |log| deviation:
    // / 0.6745 for a standard deviation), as the whole-network interval widens for them.
    const auto& spread = p.calibrated->kind_spread;
    double largest = 0;
    for (const auto& [kind, v] : spread) largest = std::max(largest, v);
    for (const auto& [kind, d] : c.kind_delta_us) {
      const auto share = p.calibrated->kind_share.find(kind);
      if (spread.empty() || (share != p.calibrated->kind_share.end() && share->second >= calibrated_kind_share))
        continue;
      const auto it = spread.find(kind);
      const double sd = (it != spread.end() ? it->second : largest) / 0.6745;
      var += d * d * sd * sd;
    }
    s.device_us = std::sqrt(var);
  }
  return s;
}

std::array<double, 2> gain_bounds(double before_us, double after_us, const GainSpread& s, double level) {
  const double z = student_t_quantile(0.5 + level / 2, INFINITY);
  // The log spread held at 20 (a factor of 5e8 either way): past that no bound says more, and exp() would
  // reach infinity below and round 1 - ratio · exp(-spread) to 1 above.
  const double ratio = after_us / before_us, spread = after_us > 0 ? std::min(20.0, z * s.total_us() / after_us) : 0;
  return {1 - ratio * std::exp(spread), 1 - ratio * std::exp(-spread)};
}

}  // namespace cpx::predictor

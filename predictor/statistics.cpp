#include "predictor/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "profiler/profile/order_statistics.hpp"

namespace cpx::predictor {

Accuracy accuracy_of(const std::vector<double>& predicted, const std::vector<double>& actual) {
  if (predicted.size() != actual.size() || actual.empty())
    throw std::logic_error("accuracy_of: one prediction per actual latency");
  double ape = 0, within5 = 0, within10 = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double e = std::abs(predicted[i] - actual[i]) / actual[i];
    ape += e;
    within5 += e <= 0.05;
    within10 += e <= 0.10;
  }
  const double n = static_cast<double>(actual.size());
  return {ape / n, within5 / n, within10 / n, profiler::spearman(predicted, actual)};
}

Json to_json(const Accuracy& a) {
  return {{"mape", a.mape}, {"within_5pct", a.within_5pct}, {"within_10pct", a.within_10pct}, {"spearman", a.spearman}};
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

std::vector<std::array<double, 2>> held_out_error_bounds(const std::vector<double>& error,
                                                         const std::vector<std::string>& group) {
  if (error.size() != group.size()) throw std::logic_error("held_out_error_bounds: one group per error");
  const double lo_q = (1 - interval_level) / 2, hi_q = 1 - lo_q;
  std::vector<std::array<double, 2>> out(error.size());
  for (size_t i = 0; i < error.size(); ++i) {
    std::vector<double> others;
    for (size_t k = 0; k < error.size(); ++k)
      if (group[k] != group[i]) others.push_back(error[k]);
    if (others.empty()) throw std::logic_error("held_out_error_bounds: one group only, nothing to hold it out against");
    out[i] = {quantile(others, lo_q), quantile(others, hi_q)};
  }
  return out;
}

}  // namespace cpx::predictor

#include "predictor/calibrate_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "predictor/statistics.hpp"
#include "space/count.hpp"
#include "space/io.hpp"

namespace cpx::predictor {

namespace {

// printf into a string of the length it needs: the messages' figures.
template <class... A>
std::string format(const char* fmt, A... a) {
  const int n = std::snprintf(nullptr, 0, fmt, a...);
  std::string s(static_cast<size_t>(std::max(n, 0)), '\0');
  std::snprintf(s.data(), s.size() + 1, fmt, a...);
  return s;
}

// The value as the CSV wrote it would read: shortest round-trip form.
std::string shown(double v) { return format("%g", v); }

// Why `p` at its figure is impossible on `hardware` (bound: fastest_possible), as a clause.
std::string impossible_because(const PublishedPoint& p, const FastestPossible& bound, const Hardware& hardware) {
  const double us = p.latency_ms * 1e3;
  if (bound.macs_us >= bound.weights_us)
    return format(
        "%s in %s ms would run its %s MACs at %.1f GMACpS, above %s's fp32 peak of %.1f GMACpS (%lld thread(s); "
        "hardware "
        "description)",
        p.model.c_str(), shown(p.latency_ms).c_str(), thousands(static_cast<int64_t>(bound.macs)).c_str(),
        bound.macs / us / 1e3, hardware.device.c_str(), hardware.peak_macps() / 1e9,
        static_cast<long long>(hardware.threads));
  return format(
      "%s in %s ms would stream its %.1f MB of weights beyond the caches at %.1f GB/s, above %s's DRAM bandwidth of "
      "%.1f GB/s "
      "(hardware description)",
      p.model.c_str(), shown(p.latency_ms).c_str(), bound.weight_bytes_beyond_caches / 1e6,
      bound.weight_bytes_beyond_caches / us / 1e3, hardware.device.c_str(), hardware.dram_bytes_per_s / 1e9);
}

// The figure read as seconds is possible and no slower than a runtime at 1% of the bound's rate: what a
// CSV in seconds looks like (a figure a thousandfold too slow for the device would be no unit slip).
bool in_seconds_possible(const PublishedPoint& p, const FastestPossible& bound) {
  const double us = p.latency_ms * 1e6;
  return us >= bound.us() && us <= 100 * bound.us();
}

}  // namespace

FastestPossible fastest_possible(const Network& net, const Hardware& hardware) {
  const NetworkCount c = count(net);
  FastestPossible f;
  f.macs = static_cast<double>(c.total.macs);
  const double cores = static_cast<double>(hardware.threads);
  const double cache_bytes = 1024 * (cores * (hardware.l1d_kib + hardware.l2_kib) + hardware.l3_kib);
  f.weight_bytes_beyond_caches =
      std::max(0.0, 4.0 * static_cast<double>(c.total.params_inference) - cache_bytes);  // fp32
  f.macs_us = hardware.peak_macps() > 0 ? f.macs / hardware.peak_macps() * 1e6 : 0;
  f.weights_us = hardware.dram_bytes_per_s > 0 ? f.weight_bytes_beyond_caches / hardware.dram_bytes_per_s * 1e6 : 0;
  return f;
}

void check_possible(const std::vector<PublishedPoint>& points, const Hardware& hardware, const std::string& source) {
  const PublishedPoint* first = nullptr;
  FastestPossible first_bound;
  size_t impossible = 0, possible_in_seconds = 0;
  for (const PublishedPoint& p : points) {
    const FastestPossible bound = fastest_possible(p.net, hardware);
    if (!(p.latency_ms * 1e3 < bound.us())) continue;
    ++impossible;
    possible_in_seconds += in_seconds_possible(p, bound);
    if (!first) first = &p, first_bound = bound;
  }
  if (!first) return;
  std::string message = source + ": " + (first->at.empty() ? first->model + ".latency_ms" : first->at) + " = " +
                        shown(first->latency_ms) + ": " + impossible_because(*first, first_bound, hardware);
  if (in_seconds_possible(*first, first_bound))
    message +=
        "; " + shown(first->latency_ms) + " for " + first->model + " looks like seconds; latency_ms is in milliseconds";
  else message += "; a typing error?";
  message += format(" (%zu of %zu rows faster than possible", impossible, points.size());
  message += possible_in_seconds == impossible && impossible > 1 ? ", all of them possible in seconds)" : ")";
  throw InputError(message);
}

std::vector<std::string> unit_warnings(const std::vector<PublishedPoint>& points, const Hardware& hardware,
                                       const std::string& source) {
  const PublishedPoint* fastest = nullptr;
  double best = 0;  // the highest share of the peak any row reaches
  for (const PublishedPoint& p : points) {
    const double share = fastest_possible(p.net, hardware).macs_us / (p.latency_ms * 1e3);
    if (!fastest || share > best) fastest = &p, best = share;
  }
  if (!fastest || !(best < slowest_share)) return {};
  return {format(
      "%s: every row runs below %g%% of %s's fp32 peak (the fastest, %s = %s (%s), at %.3g%%): are the figures in "
      "microseconds? latency_ms is in milliseconds",
      source.c_str(), 100 * slowest_share, hardware.device.c_str(),
      (fastest->at.empty() ? fastest->model + ".latency_ms" : fastest->at).c_str(), shown(fastest->latency_ms).c_str(),
      fastest->model.c_str(), 100 * best)};
}

std::vector<Outlier> outliers(const std::vector<PublishedPoint>& points, const std::vector<double>& held_out_us,
                              const std::string& source) {
  if (points.size() < outlier_min_points) return {};
  std::vector<double> r(points.size());
  for (size_t i = 0; i < points.size(); ++i) r[i] = std::log(held_out_us[i] / (points[i].latency_ms * 1e3));
  const double centre = quantile(r, 0.5);
  std::vector<double> deviation(r.size());
  for (size_t i = 0; i < r.size(); ++i) deviation[i] = std::abs(r[i] - centre);
  const double spread = 1.4826 * quantile(deviation, 0.5);
  std::vector<Outlier> out;
  for (size_t i = 0; i < points.size(); ++i) {
    if (deviation[i] <= std::log(outlier_factor) || deviation[i] <= outlier_spreads * spread) continue;
    const PublishedPoint& p = points[i];
    const double ratio = std::exp(-(r[i] - centre));  // the figure over what the others' fit says, their bias removed
    const std::string row =
        (p.at.empty() ? p.model + ".latency_ms" : p.at) + " = " + shown(p.latency_ms) + " (" + p.model + ")";
    out.push_back(
        {row,
         format("%s: %s is far from the others' fit: %.3g ms predicted without it, the figure %.2gx %s; a typing or "
                "unit error?",
                source.c_str(), row.c_str(), held_out_us[i] / 1e3, ratio >= 1 ? ratio : 1 / ratio,
                ratio >= 1 ? "slower" : "faster")});
  }
  return out;
}

std::vector<std::string> method_warnings(const CalibrationHeldOut& h) {
  const MethodHeldOut* chosen = h.find(h.chosen);
  const MethodHeldOut* floor = h.find(CalibrationMethod::macs_only);
  if (!chosen || !floor) return {};
  const bool by_family = chosen->lofo && floor->lofo;
  const double mape = by_family ? chosen->lofo->mape : chosen->lomo.mape,
               floor_mape = by_family ? floor->lofo->mape : floor->lomo.mape;
  const char* held = by_family ? "family held out" : "model held out";
  std::vector<std::string> out;
  if (mape > far_worse_ratio * floor_mape && mape > floor_mape + far_worse_points)
    out.push_back(format("the device's method, %s, errs %.1f%% (MAPE, %s), far worse than macs_only's %.1f%%",
                         std::string(to_string(h.chosen)).c_str(), 100 * mape, held, 100 * floor_mape));
  if (mape > absurd_mape)
    out.push_back(format(
        "the device's held-out error is %.1f%% (MAPE, %s): its predictions are not to be trusted; the timings disagree "
        "with each other or with the networks named (check the rows warned of, and the units)",
        100 * mape, held));
  return out;
}

void check_interval(const DeviceInterval& i, const std::string& source, const std::vector<Outlier>& outliers) {
  auto refuse = [&](const std::string& field, double value) {
    std::string rows;
    for (const Outlier& o : outliers) rows += (rows.empty() ? ": " : ", ") + o.row;
    throw InputError(format("%s: the calibrated interval's %s = %.4g is outside what a device file holds [%g, %g]: "
                            "held-out predictions "
                            "err by more than that, so no device is written",
                            source.c_str(), field.c_str(), value, device_error_min, device_error_max) +
                     (rows.empty() ? "; check the timings and their units" : "; far from the others' fit" + rows));
  };
  auto within = [](double v) { return v >= device_error_min && v <= device_error_max; };
  if (!within(i.error_low)) refuse("error_low", i.error_low);
  if (!within(i.error_high)) refuse("error_high", i.error_high);
  if (i.seen_family && !within(i.seen_family->error_low)) refuse("seen_family.error_low", i.seen_family->error_low);
  if (i.seen_family && !within(i.seen_family->error_high)) refuse("seen_family.error_high", i.seen_family->error_high);
}

}  // namespace cpx::predictor

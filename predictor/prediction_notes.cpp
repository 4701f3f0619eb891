#include "predictor/prediction_notes.hpp"

#include <cmath>
#include <cstdio>
#include <optional>

namespace cpx::predictor {

namespace {

// A share as a whole percent, except that a share that would round to "0%" is "<1%": a caveat that says
// 0% of the time reads as if it were false.
std::string percent(double share) {
  if (share > 0 && share < 0.005) return "<1%";
  return std::to_string(std::lround(100 * share)) + "%";
}

std::optional<std::string> uncalibrated_note(const NetworkPrediction& p) {
  if (!p.uncalibrated || !(p.uncalibrated->share > 0)) return std::nullopt;
  const double share = p.uncalibrated->share;
  std::string kinds;
  for (const auto& [kind, kind_share] : p.uncalibrated->kinds)
    kinds += (kinds.empty() ? "" : ", ") + to_string(kind) + " " + percent(kind_share);
  // predict() widens the interval's high end by share * (factor - 1) of the latency (predictor.hpp, Calibrated).
  const NetworkPrediction::Widening widening = p.widening.value_or(NetworkPrediction::Widening{});
  std::string how;
  if (widening.width_share_unseen) {  // the pooled method: widened by how devices differ on those kinds
    how =
        percent(*widening.width_share_unseen) +
        " of the interval's width comes from that work (how much devices differ on it), the rest from the calibration";
  } else {
    const double factor = widening.factor, widened = share * (factor - 1);
    how = !(factor > 1)     ? "the interval is not widened for it (its calibration found no extra error there)"
          : widened < 0.005 ? "the interval is widened for it, by less than 1%"
                            : "the interval is widened for it";
  }
  return percent(share) + " of the time is in work the device's calibration networks barely exercised (" + kinds +
         "): the host's relative cost, transferred; " + how;
}

std::optional<std::string> outside_note(const OutsideOps& outside) {
  if (outside.ops == 0) return std::nullopt;
  std::string features;
  for (const std::string& f : outside.features) features += (features.empty() ? "" : ", ") + f;
  return std::to_string(outside.ops) + (outside.ops == 1 ? " op lies" : " ops lie") +
         " outside the profiled ranges of their class (the model extrapolates): " + features;
}

// MACs in millions: one decimal below 10 M, none above.
std::string mega_macs(double macs) {
  char buf[32];
  std::snprintf(buf, sizeof buf, macs < 10e6 ? "%.1f" : "%.0f", macs / 1e6);
  return buf;
}

std::optional<std::string> outside_sizes_note(const NetworkPrediction& p) {
  if (!p.interval_us || !p.outside_calibration_sizes) return std::nullopt;
  const NetworkPrediction::OutsideSizes& o = *p.outside_calibration_sizes;
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3g ms", o.macs_only_us / 1e3);
  return "this network's " + mega_macs(o.macs) + " M MACs lie outside the " + mega_macs(o.calibration_macs_min) + "-" +
         mega_macs(o.calibration_macs_max) +
         " M MACs of the device's calibration networks, where its fitted terms extrapolate: the interval also reaches "
         "MACs alone's " +
         ms;
}

}  // namespace

std::vector<std::string> prediction_notes(const NetworkPrediction& p, const OutsideOps& outside,
                                          const std::string& model, const std::string& unmodelled_work) {
  std::vector<std::string> notes;
  if (p.interval_us && !p.interval_warning.empty()) notes.push_back("interval: " + p.interval_warning);
  if (auto n = uncalibrated_note(p)) notes.push_back(*n);
  if (auto n = outside_sizes_note(p)) notes.push_back(*n);
  if (auto n = outside_note(outside)) notes.push_back(*n);
  if (!unmodelled_work.empty())
    notes.push_back("not included: " + unmodelled_work + "; the original " + model +
                    " runs it, so expect it slower than predicted");
  return notes;
}

}  // namespace cpx::predictor

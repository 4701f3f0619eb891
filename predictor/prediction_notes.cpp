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

std::optional<std::string> uncalibrated_note(const Json& p) {
  const double share = p.value("uncalibrated_share", 0.0);
  if (!(share > 0) || !p.contains("uncalibrated_kinds")) return std::nullopt;
  std::string kinds;
  for (const Json& k : p["uncalibrated_kinds"])
    kinds += (kinds.empty() ? "" : ", ") + k["kind"].get<std::string>() + " " + percent(k["share"].get<double>());
  // predict() widens the interval's high end by share * (factor - 1) of the latency (predictor.hpp, Calibrated).
  const Json& widening = p.contains("interval") ? p["interval"].value("uncalibrated", Json::object()) : Json::object();
  std::string how;
  if (widening.contains("width_share_unseen")) {  // the pooled method: widened by how devices differ on those kinds
    how = percent(widening["width_share_unseen"].get<double>()) +
          " of the interval's width comes from that work (how much devices differ on it), the rest from the calibration";
  } else {
    const double factor = widening.value("factor", 1.0), widened = share * (factor - 1);
    how = !(factor > 1) ? "the interval is not widened for it (its calibration found no extra error there)"
          : widened < 0.005 ? "the interval is widened for it, by less than 1%"
                            : "the interval is widened for it";
  }
  return percent(share) + " of the time is in work the device's calibration networks barely exercised (" + kinds +
         "): the host's relative cost, transferred; " + how;
}

std::optional<std::string> outside_note(const Json& p) {
  if (!p.value("outside_profile", false)) return std::nullopt;
  std::string features;
  for (const Json& f : p.value("outside_profile_features", Json::array())) features += (features.empty() ? "" : ", ") + f.get<std::string>();
  const int64_t ops = p.value("ops_outside_profile", int64_t{0});
  return std::to_string(ops) + (ops == 1 ? " op lies" : " ops lie") +
         " outside the profiled ranges of their class (the model extrapolates): " + features;
}

// MACs in millions: one decimal below 10 M, none above.
std::string mega_macs(double macs) {
  char buf[32];
  std::snprintf(buf, sizeof buf, macs < 10e6 ? "%.1f" : "%.0f", macs / 1e6);
  return buf;
}

std::optional<std::string> outside_sizes_note(const Json& p) {
  if (!p.contains("interval") || !p["interval"].contains("outside_calibration_sizes")) return std::nullopt;
  const Json& o = p["interval"]["outside_calibration_sizes"];
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3g ms", o["macs_only_us"].get<double>() / 1e3);
  return "this network's " + mega_macs(o["macs"].get<double>()) + " M MACs lie outside the " + mega_macs(o["calibration_macs"][0].get<double>()) +
         "-" + mega_macs(o["calibration_macs"][1].get<double>()) +
         " M MACs of the device's calibration networks, where its fitted terms extrapolate: the interval also reaches MACs alone's " + ms;
}

}  // namespace

std::vector<std::string> prediction_notes(const Json& p) {
  std::vector<std::string> notes;
  if (p.contains("interval") && p["interval"].contains("warning"))
    notes.push_back("interval: " + p["interval"]["warning"].get<std::string>());
  if (auto n = uncalibrated_note(p)) notes.push_back(*n);
  if (auto n = outside_sizes_note(p)) notes.push_back(*n);
  if (auto n = outside_note(p)) notes.push_back(*n);
  if (p.contains("unmodelled_work"))
    notes.push_back("not included: " + p["unmodelled_work"].get<std::string>() + "; the original " + p.value("model", std::string()) +
                    " runs it, so expect it slower than predicted");
  return notes;
}

}  // namespace cpx::predictor

#include "explorer/known_latencies.hpp"

#include <cmath>
#include <set>

#include "predictor/calibrate.hpp"
#include "predictor/calibrate_interval.hpp"
#include "predictor/fit.hpp"
#include "space/error.hpp"
#include "space/zoo.hpp"

namespace cpx::explorer {

namespace {

// The device file stores each point's held-out prediction of its chosen method: leave-one-family-out when
// that method has family-held-out figures (two or more families), else leave-one-model-out (also every file
// calibrated before issue 16).
void read_held_out(const predictor::Predictor& pred, KnownLatencies& k) {
  const std::vector<predictor::Provenance::Published>& published = pred.provenance.published;
  if (!pred.calibrated || published.empty()) return;
  const std::optional<predictor::CalibrationHeldOut>& h = pred.calibrated->held_out;
  const predictor::MethodHeldOut* chosen = h ? h->find(h->chosen) : nullptr;
  if (!chosen)
    throw InputError("device " + pred.device +
                     ": held_out.methods: no figures of its chosen method, which the accuracy chart needs "
                     "(rebuild the device with `cpubone-explore calibrate`)");
  k.by_family = chosen->lofo.has_value();
  std::vector<double> error;
  std::vector<std::string> group;
  for (size_t i = 0; i < published.size(); ++i) {
    const predictor::Provenance::Published& pt = published[i];
    const std::string& model = pt.model;
    if (k.by_family && pt.family.empty())
      throw InputError("device " + pred.device + ": provenance.published[" + std::to_string(i) +
                       "].family: empty, needed for its family-held-out interval");
    if (!pt.held_out_ms)
      throw InputError("device " + pred.device + ": provenance.published[" + std::to_string(i) +
                       "].held_out_ms: missing, needed for the accuracy chart (rebuild the device with "
                       "`cpubone-explore calibrate`)");
    const ZooEntry* z = find_zoo(model);
    // Published figures are in milliseconds (predictor/calibrate.hpp).
    HeldOutPoint p{!pt.family.empty() ? pt.family
                   : z                ? z->family
                                      : std::string(),
                   pt.latency_ms * 1e3, *pt.held_out_ms * 1e3};
    k.published_us[model] = p.actual_us;
    error.push_back(p.predicted_us / p.actual_us - 1);
    group.push_back(k.by_family ? p.family : model);
    k.held_out[model] = p;
  }
  const auto bounds = predictor::held_out_bounds(*pred.calibrated, error, group);
  for (size_t i = 0; i < published.size(); ++i) {
    HeldOutPoint& p = k.held_out.at(published[i].model);
    p.low_us = p.predicted_us / (1 + bounds[i][1]);
    p.high_us = p.predicted_us / (1 + bounds[i][0]);
  }
}

// mape in percent, within_10 a fraction, as the results schema states them.
results::HeldOutScores accuracy_figures(double mape, double within_10pct, double spearman) {
  return {100 * mape, within_10pct, spearman};
}

// The device file's side-by-side held-out table (fractions there) in the results' units.
std::vector<results::HeldOutMethod> held_out_methods(const predictor::CalibrationHeldOut& held_out) {
  std::vector<results::HeldOutMethod> rows;
  auto figures = [](const predictor::HeldOutFigures& f) {
    return accuracy_figures(f.mape, f.within_10pct, f.spearman);
  };
  for (const predictor::MethodHeldOut& m : held_out.methods)
    rows.push_back({std::string(predictor::to_string(m.method)), m.method == held_out.chosen, figures(m.lomo),
                    m.lofo ? std::optional<results::HeldOutScores>(figures(*m.lofo)) : std::nullopt});
  return rows;
}

// The figures of the points against the actual latencies, with what they are compared with.
results::PredictorAccuracy scored(std::vector<results::PredictorPoint> points, std::string against) {
  std::vector<double> p, a;
  for (const results::PredictorPoint& x : points) p.push_back(x.predicted_us), a.push_back(x.actual_us);
  const predictor::Accuracy s = predictor::accuracy_of(p, a);
  const results::HeldOutScores f = accuracy_figures(s.mape, s.within_10pct, s.spearman);
  results::PredictorAccuracy out;
  out.mape = f.mape, out.within_10 = f.within_10, out.spearman = f.spearman;
  out.points = std::move(points), out.against = std::move(against);
  return out;
}

// On the host: the zoo models measured here whose families the fit never saw (fit --zoo-families half).
std::optional<results::PredictorAccuracy> host_accuracy(const predictor::Predictor& pred, const std::string& device,
                                                        std::vector<std::string>& missing,
                                                        const std::vector<results::ZooRow>& zoo_rows) {
  std::vector<results::PredictorPoint> pts;
  const std::set<std::string> fitted_families = predictor::fitted_zoo_families(pred);
  size_t left_out = 0;  // measured models of those families
  for (const results::ZooRow& r : zoo_rows) {
    if (!r.measured_latency_us || !r.predicted_latency_us) continue;
    if (fitted_families.count(r.family)) {
      ++left_out;
      continue;
    }
    pts.push_back({r.name, r.family, *r.predicted_latency_us, *r.measured_latency_us, std::nullopt, std::nullopt});
  }
  if (pts.empty()) return std::nullopt;
  missing.push_back("no prediction intervals on " + device + ": the host predictor gives none");
  return scored(std::move(pts), "measured on this machine (zoo models of the profile whose families the fit never saw" +
                                    (left_out ? "; " + std::to_string(left_out) +
                                                    (left_out == 1 ? " measured model" : " measured models") +
                                                    " of the families it was fitted on left out"
                                              : std::string()) +
                                    ")");
}

// On a calibrated device: the calibration's held-out predictions with the interval a user who never saw the
// point's family (or model) would have got.
std::optional<results::PredictorAccuracy> held_out_accuracy(const predictor::Predictor& pred, const std::string& device,
                                                            std::vector<std::string>& missing,
                                                            const KnownLatencies& known) {
  std::vector<results::PredictorPoint> pts;
  for (const auto& [model, h] : known.held_out)
    pts.push_back({model, h.family, h.predicted_us, h.actual_us, h.low_us, h.high_us});
  if (pts.empty()) return std::nullopt;
  const std::string scheme = known.by_family ? "leave-one-family-out" : "leave-one-model-out";
  const std::string group = known.by_family ? "family" : "model";
  // published, or the user's own
  results::PredictorAccuracy out =
      scored(std::move(pts), predictor::timings_in_words(*pred.calibrated) + " (" + scheme + " predictions)");
  out.held_out = known.by_family ? results::HeldOut::lofo : results::HeldOut::lomo;
  const predictor::CalibrationHeldOut& held_out = *pred.calibrated->held_out;  // read_held_out found it
  out.method = std::string(predictor::to_string(held_out.chosen));
  const std::string sized =
      pred.calibrated->interval.interval_method == predictor::IntervalMethod::pooled_t
          ? "the device's interval (Student-t, its variance pooled with the other devices') sized on the other "
          : "the " + std::to_string(std::lround(100 * (1 - predictor::interval_level) / 2)) + "th to " +
                std::to_string(std::lround(100 * (1 + predictor::interval_level) / 2)) + "th percentile of the other ";
  out.interval = results::PredictorInterval{
      predictor::interval_level,
      sized + (known.by_family ? "families'" : "models'") +
          " held-out relative errors, around the point's own held-out prediction (those errors come from "
          "fits that saw this " +
          group + ", so the interval is not fully nested)"};
  out.methods = held_out_methods(held_out);
  if (!known.by_family)
    missing.push_back("no family-held-out predictions on " + device + ": its device file has none (" +
                      held_out.chosen_by + ")");
  return out;
}

}  // namespace

KnownLatencies known_latencies(const predictor::Predictor& pred, const profiler::Profile* profile, int64_t threads) {
  KnownLatencies k;
  read_held_out(pred, k);
  if (profile)
    for (const profiler::ProfileRecord& z : (*profile)[profiler::ProfileSection::zoo])
      if (z.threads == threads) k.measured_us[z.model] = z.median_us();
  return k;
}

std::optional<results::PredictorAccuracy> predictor_accuracy(const predictor::Predictor& pred,
                                                             const std::string& device, bool host,
                                                             const std::vector<results::ZooRow>& zoo_rows,
                                                             const KnownLatencies& known,
                                                             std::vector<std::string>& missing) {
  std::optional<results::PredictorAccuracy> out =
      host ? host_accuracy(pred, device, missing, zoo_rows) : held_out_accuracy(pred, device, missing, known);
  if (!out) missing.push_back("no predicted-vs-actual points for " + device);
  return out;
}

}  // namespace cpx::explorer

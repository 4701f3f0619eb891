#include "predictor/interval_evidence.hpp"

#include <cmath>

#include "predictor/statistics.hpp"

namespace cpx::predictor {

namespace {

HeldOutErrors held_out_errors(const Predictor& d) {
  HeldOutErrors e;
  e.device = d.device;
  for (const Provenance::Published& row : d.provenance.published) {
    const double held = row.held_out_ms.value_or(0.0), actual = row.latency_ms;
    if (!(held > 0) || !(actual > 0)) continue;
    e.log_error.push_back(std::log(held / actual));
    e.group.push_back(row.family.empty() ? row.model : row.family);
  }
  return e;
}

}  // namespace

IntervalEvidence interval_evidence(const std::vector<Predictor>& devices,
                                   const std::vector<const ZooEntry*>& reference) {
  IntervalEvidence out;
  std::map<OpKind, std::vector<double>> deviations;  // per kind, one per device
  for (const Predictor& d : devices) {
    if (!d.calibrated) continue;
    out.devices.push_back(held_out_errors(d));
    Predictor host = d;
    host.calibrated.reset();
    const int64_t threads = prediction_threads(d, std::nullopt);
    std::map<OpKind, double> device_us, host_us;
    for (const ZooEntry* z : reference) {
      const Network net = z->build(z->resolution);
      for (const auto& [kind, us] : host_time_by_kind_us(net, predict(d, net, threads))) device_us[kind] += us;
      for (const auto& [kind, us] : host_time_by_kind_us(net, predict(host, net, d.calibrated->host_threads)))
        host_us[kind] += us;
    }
    double device_total = 0, host_total = 0;
    for (const auto& [kind, us] : device_us) device_total += us;
    for (const auto& [kind, us] : host_us) host_total += us;
    if (!(device_total > 0) || !(host_total > 0)) continue;
    for (const auto& [kind, us] : device_us)
      if (us > 0 && host_us[kind] > 0) {
        deviations[kind].push_back(std::log(us / host_us[kind]) - std::log(device_total / host_total));
        out.kind_deviation[kind][d.device] = deviations[kind].back();
      }
    out.kind_spread_devices.push_back(d.device);
  }
  // The median of |deviation|: the typical device's. Devices calibrated by the same linear method price a
  // fused activation alike (by its bytes), and would otherwise carry one model's pricing as a device fact.
  for (auto& [kind, v] : deviations) {
    for (double& x : v) x = std::abs(x);
    out.kind_spread[kind] = quantile(v, 0.5);
  }
  return out;
}

}  // namespace cpx::predictor

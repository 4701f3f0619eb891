#include "predictor/predictor.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "predictor/interval.hpp"
#include "predictor/statistics.hpp"
#include "profiler/profile/fusion.hpp"
#include "space/count.hpp"
#include "space/field_error.hpp"

namespace cpx::predictor {

double class_model_us(const ClassModel& m, const std::array<double, base_feature_count>& base) {
  // The roofline model is bounded by construction, so it takes the features as they are: there is no
  // polynomial to explode beyond the training range.
  if (m.roofline) return m.scale * m.roofline->predict_us(base);
  OpFeatures clamped;
  for (size_t k = 0; k < base_feature_count; ++k) clamped.base[k] = std::clamp(base[k], m.lo[k], m.hi[k]);
  const auto x = basis(clamped);
  double log_us = 0;
  for (size_t k = 0; k < feature_count; ++k) log_us += m.theta[k] * x[k];
  log_us += m.residual_trees.eval(clamped.base);
  // Work beyond the training range scales linearly (same MACpS as the largest measured op of the class).
  const double us = std::exp(log_us + (base[0] - clamped.base[0]));
  return m.scale * (m.roofline_floor.empty() ? us : std::max(us, roofline_us(base, m.roofline_floor)));
}

double Predictor::predict_class_us(OpClass c, const std::array<double, base_feature_count>& base) const {
  const auto& m = classes[static_cast<size_t>(c)];
  if (!m)
    throw InputError(device + " predictor: no model for operator class " + std::string(to_string(c)) +
                     " (its profile has no measurement of that class)");
  return class_model_us(*m, base);
}

Predictor::OpTime Predictor::predict_op(const OpFeatures& f) const {
  const double act_us = f.has_activation ? predict_class_us(OpClass::elementwise, f.activation) : 0.0;
  return {predict_class_us(f.op_class, f.base) + act_us, act_us};
}

namespace {
// The value at the nearest measured thread count below or at `threads`, else at the smallest; null when empty.
template <class V>
const V* nearest_at(const std::map<int64_t, V>& m, int64_t threads) {
  if (m.empty()) return nullptr;
  auto it = m.upper_bound(threads);
  return &(it == m.begin() ? it->second : std::prev(it)->second);
}

}  // namespace

double nearest_threads(const std::map<int64_t, double>& m, int64_t threads, double absent) {
  const double* v = nearest_at(m, threads);
  return v ? *v : absent;
}

OpGroup op_group(OpClass c) {
  switch (c) {
    case OpClass::conv_dense:
    case OpClass::conv_grouped:
    case OpClass::conv_pointwise:
    case OpClass::conv_transpose:
    case OpClass::fully_connected: return OpGroup::gemm;
    case OpClass::conv_depthwise:
    case OpClass::conv_depthwise_generic:
    case OpClass::pooling: return OpGroup::depthwise;
    case OpClass::matmul:
    case OpClass::softmax: return OpGroup::attention;
    case OpClass::norm:
    case OpClass::elementwise:
    case OpClass::resize:
    case OpClass::data_movement: return OpGroup::elementwise;
    case OpClass::count_: break;
  }
  throw std::logic_error("op_group: no group for class " + std::string(to_string(c)));
}

std::string_view to_string(OpGroup g) {
  static constexpr std::array<std::string_view, op_group_count> names = {
      "gemm (dense, grouped, pointwise, transposed convs, fully connected)", "depthwise (depthwise convs, pooling)",
      "elementwise (activations, binary ops, norms, resize, data movement)", "attention (matmul, softmax)"};
  return names[static_cast<size_t>(g)];
}

double transferred_us(double host_us, double macs, double bytes, const Ceilings& host, const Ceilings& device,
                      double efficiency_exponent) {
  const double host_roof_us = std::max(macs / host.peak_macps, bytes / host.bandwidth_bytes_per_s) * 1e6;
  const double device_roof_us = std::max(macs / device.peak_macps, bytes / device.bandwidth_bytes_per_s) * 1e6;
  if (!(host_us > 0)) return 0;
  // A host op predicted faster than its roofline (caches beat DRAM) runs at the device's ceiling, no faster.
  const double efficiency = std::clamp(host_roof_us / host_us, 1e-9, 1.0);
  return device_roof_us / std::pow(efficiency, efficiency_exponent);
}

const Predictor::WarmWeights* Predictor::warm_weights_for(int64_t threads, double network_bytes) const {
  const WarmWeights* w = nearest_at(warm_weights, threads);
  return w && network_bytes <= w->network_bytes_below ? w : nullptr;
}

int64_t prediction_threads(const Predictor& p, std::optional<int64_t> requested) {
  if (!p.calibrated) return requested.value_or(1);
  const int64_t own = p.calibrated->hardware.threads;
  if (requested && *requested != own)
    throw FieldError(Field::threads, std::to_string(*requested),
                     "device " + p.device + " predicts only at its own " + std::to_string(own) +
                         " thread(s), those of its published runtime: leave the thread count out");
  return own;
}

namespace {

// The network a prediction prices is what its runtime runs: a fitted host model's is the executor's (as with the
// fusions of plan_fusions, only where the model carries its profile's environment: the host model a device file
// embeds does not); a device's runtime fuses ReLU and ReLU6 at most (an eager runtime's ReLU is a pass of its own).
ActivationFusion activation_fusion(const Predictor& p) {
  if (!p.calibrated) return p.provenance.environment_recorded ? ActivationFusion::executor : ActivationFusion::relu;
  return p.calibrated->hardware.runtime_fuses_relu ? ActivationFusion::relu : ActivationFusion::none;
}

// A network outside the calibration networks' sizes: the interval also reaches MACs alone's prediction
// (Calibrated::calibration_sizes says why), recorded only where that widens it.
void reach_macs_only_outside_sizes(const Calibrated& dev, NetworkPrediction& out) {
  const bool size_terms = dev.linear[1] > 0 || dev.linear[2] > 0 || dev.dispatch_us_per_op > 0;
  if (!size_terms || !dev.calibration_sizes || !out.interval_us) return;
  const Calibrated::SizeRange& r = *dev.calibration_sizes;
  double macs = 0;
  for (const auto& op : out.ops) macs += op.macs;
  if (macs >= r.macs_min && macs <= r.macs_max) return;
  const double macs_only_us = macs * r.macs_only_us_per_mac;
  std::array<double, 2>& iv = *out.interval_us;
  if (macs_only_us >= iv[0] && macs_only_us <= iv[1]) return;
  iv = {std::min(iv[0], macs_only_us), std::max(iv[1], macs_only_us)};
  out.outside_calibration_sizes = NetworkPrediction::OutsideSizes{macs, r.macs_min, r.macs_max, macs_only_us};
}

// A calibrated device's interval for `net` (out.latency_us set): the seen-family or new-family errors,
// widened for work the calibration barely exercised (host_by_kind_us: the network's host time by kind).
void set_device_interval(const Calibrated* dev, const Network& net, const std::map<OpKind, double>& host_by_kind_us,
                         NetworkPrediction& out) {
  // A network of a family the calibration saw takes that family's interval where the device has one.
  const bool seen = dev->held_out && dev->held_out->families.count(net.family);
  const std::optional<DeviceInterval::SeenFamily>& seen_family = dev->interval.seen_family;
  const std::array<double, 2> error = seen && seen_family
                                          ? std::array<double, 2>{seen_family->error_low, seen_family->error_high}
                                          : std::array<double, 2>{dev->interval.error_low, dev->interval.error_high};
  out.interval_us = std::array<double, 2>{out.latency_us / (1 + error[1]), out.latency_us / (1 + error[0])};
  PredictionInterval& interval = out.interval.emplace();
  interval.level = dev->interval.level;
  interval.method = dev->interval.method;
  interval.error_low = error[0];
  interval.error_high = error[1];
  interval.device = dev->interval;
  out.seen_family_interval = seen && seen_family;
  if (!dev->kind_share.empty()) {
    out.uncalibrated = uncalibrated_work(host_by_kind_us, dev->kind_share);
    const double s = out.uncalibrated->share;
    if (!dev->kind_spread.empty()) {
      // Work the calibration barely exercised: each kind as uncertain as devices differ on it, added in
      // quadrature to the calibration's own half-width (log space).
      const double lo = std::log1p(error[0]), hi = std::log1p(error[1]);
      const double centre = (lo + hi) / 2, own = (hi - lo) / 2;
      const double unseen = unseen_half_width(out.uncalibrated->kinds, dev->kind_spread, interval_level);
      const double total = std::hypot(own, unseen);
      out.interval_us =
          std::array<double, 2>{out.latency_us / std::exp(centre + total), out.latency_us / std::exp(centre - total)};
      const double width_share_unseen = total > 0 ? 1 - own / total : 0.0;
      out.widening = NetworkPrediction::Widening{width_share_unseen, 1};
      interval.half_widths = PredictionInterval::HalfWidths{own, unseen, total};
    } else {
      // Its share of the time is uncertain by the factor F.
      const double F = dev->uncalibrated_factor;
      (*out.interval_us)[0] *= 1 - s + s / F;
      (*out.interval_us)[1] *= 1 - s + s * F;
      out.widening = NetworkPrediction::Widening{std::nullopt, F};
    }
  }
  reach_macs_only_outside_sizes(*dev, out);
  // A device calibrated on one family has its interval held out by model: it says how well other
  // networks of that family are predicted, nothing of a family it never saw (how narrow that can be:
  // docs/log/predictor.md).
  if (dev->held_out) {
    const std::map<std::string, int64_t>& families = dev->held_out->families;
    interval.network_family_calibrated = seen;
    if (families.size() < 2 && !seen)
      out.interval_warning = "held out by model within the " + families.begin()->first +
                             " family only: it says nothing of a " +
                             (net.family.empty() ? std::string("network of another family") : net.family + " network");
  }
}

// One op on a calibrated device, as its method prices it: own_us is the host model's time of the op without
// its activation pass, before the network scale; act_us the pass's, after it. op_us and act_us become the
// device's; the per-class scale leaves them as they are (its scales sit in the host model's classes).
void price_on_device(const Calibrated& dev, DevicePricing pricing, const OpFeatures& f, const Ceilings& device,
                     double scale, double own_us, double& op_us, double& act_us) {
  const double group = dev.group_factor[static_cast<size_t>(op_group(f.op_class))];
  const double elementwise = dev.group_factor[static_cast<size_t>(OpGroup::elementwise)];
  if (pricing == DevicePricing::transferred) {
    const double alpha = dev.efficiency_exponent;
    act_us = elementwise *
             transferred_us(act_us, 0, f.has_activation ? std::exp(f.activation[1]) : 0, dev.host, device, alpha);
    op_us = group * transferred_us(scale * own_us, f.macs, f.bytes, dev.host, device, alpha) + act_us +
            dev.dispatch_us_per_op;
  } else if (pricing == DevicePricing::group_scaled) {
    act_us *= elementwise;
    op_us = group * scale * own_us + act_us;
  } else if (pricing == DevicePricing::linear) {
    act_us = 0;
    op_us = dev.linear[0] * f.macs + dev.linear[1] * f.bytes + dev.linear[2];
  }
}

}  // namespace

NetworkPrediction predict(const Predictor& p, const Network& net, int64_t threads,
                          std::optional<double> network_bytes) {
  NetworkPrediction out;
  out.ops.reserve(net.ops.size());
  const Calibrated* dev = p.calibrated ? &*p.calibrated : nullptr;
  const int64_t host_threads = host_model_threads(p, threads);
  if (dev) prediction_threads(p, threads);
  const DevicePricing pricing = dev ? pricing_of(dev->method) : DevicePricing::class_scaled;  // read for a device only
  std::map<OpKind, double> host_by_kind_us;  // for a device that knows what its calibration exercised
  const ActivationFusion fusion = activation_fusion(p);
  const Ceilings device = dev ? Ceilings{dev->hardware.peak_macps(), dev->hardware.dram_bytes_per_s} : Ceilings{};
  // A host model predicts what this machine's executor runs: an op it fuses into another's kernel costs
  // nothing of its own (its time was measured inside that op's). A host model without its profile's
  // environment (a device file's) predicts every op.
  const profiler::IgemmRule igemm = p.provenance.igemm;
  std::optional<profiler::Fusions> fused;
  if (!dev && p.provenance.environment_recorded)
    fused = profiler::plan_fusions(net, igemm, static_cast<size_t>(std::max<int64_t>(1, host_threads)));
  std::vector<OpFeatures> features;
  double own_bytes = 0;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    features.push_back(op_features(net, i, host_threads, fusion, igemm));
    own_bytes += features.back().bytes;
  }
  out.network_bytes = network_bytes.value_or(own_bytes);
  const double scale = nearest_threads(p.network_scale, host_threads, 1.0);
  const Predictor::WarmWeights* warm = dev ? nullptr : p.warm_weights_for(host_threads, out.network_bytes);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const OpFeatures& f = features[i];
    if (fused && fused->into[i]) {
      out.ops.push_back({f.op_class, f.macs, 0.0, 0.0, fused->into[i]});
      continue;
    }
    if (!dev && profiler::runs_as_view(net.ops[i].attrs)) {
      out.ops.push_back({f.op_class, f.macs, 0.0, 0.0, std::nullopt});
      continue;
    }
    const Predictor::OpTime t = p.predict_op(f);
    const double credit_us = warm ? warm->credit_us(f.weight_bytes, t.latency_us - t.activation_us) : 0.0;
    double op_us = scale * (t.latency_us - credit_us), act_us = scale * t.activation_us;
    out.weights_credit_us += scale * credit_us;
    if (dev) price_on_device(*dev, pricing, f, device, scale, t.latency_us - t.activation_us, op_us, act_us);
    if (dev && !dev->kind_share.empty()) {
      host_by_kind_us[op_kind(net, i)] += scale * (t.latency_us - t.activation_us);
      if (t.activation_us > 0) host_by_kind_us[activation_kind(net, i)] += scale * t.activation_us;
    }
    out.ops.push_back({f.op_class, f.macs, op_us, act_us, std::nullopt});
    out.latency_us += out.ops.back().latency_us;
  }
  // A published runtime's own per-network overhead is unknown; the transfer and the group scale do not
  // invent one (the uniform scale keeps the host's, scaled by its common factor).
  out.overhead_us =
      dev && pricing != DevicePricing::class_scaled ? 0.0 : nearest_threads(p.network_overhead_us, host_threads, 0.0);
  out.latency_us += out.overhead_us;
  if (dev) {
    set_device_interval(dev, net, host_by_kind_us, out);
  } else if (p.interval) {
    if (const HostInterval::AtThreads* e = nearest_at(p.interval->by_threads, host_threads)) {
      out.interval_us =
          std::array<double, 2>{out.latency_us / (1 + e->error_high), out.latency_us / (1 + e->error_low)};
      out.interval = PredictionInterval{p.interval->level,
                                        p.interval->method,
                                        e->error_low,
                                        e->error_high,
                                        PredictionInterval::HostFigures{e->networks, e->coverage},
                                        std::nullopt,
                                        std::nullopt,
                                        std::nullopt};
    }
  }
  return out;
}

std::map<OpKind, double> host_time_by_kind_us(const Network& net, const NetworkPrediction& p) {
  std::map<OpKind, double> out;
  for (size_t i = 0; i < net.ops.size() && i < p.ops.size(); ++i) {
    out[op_kind(net, i)] += p.ops[i].latency_us - p.ops[i].activation_us;
    if (p.ops[i].activation_us > 0) out[activation_kind(net, i)] += p.ops[i].activation_us;
  }
  return out;
}

std::vector<OutsideFeature> outside_profile(const Predictor& p, const OpFeatures& f) {
  std::vector<OutsideFeature> out;
  const auto names = feature_names();
  auto check = [&](OpClass c, const std::array<double, base_feature_count>& base) {
    const auto& m = p.classes[static_cast<size_t>(c)];
    if (!m) return;  // predicting it throws, naming the class
    for (size_t k = 0; k < base_feature_count; ++k) {
      // Predictions always say "inside a network" here, while a class may have been profiled only in
      // isolation: that is how it was measured, not a shape the profile lacks.
      if (k == isolated_feature) continue;
      const double slack = 1e-9 * (1 + std::abs(m->lo[k]) + std::abs(m->hi[k]));
      if (base[k] < m->lo[k] - slack || base[k] > m->hi[k] + slack)
        out.push_back({c, names[1 + k], base[k], m->lo[k], m->hi[k]});
    }
  };
  check(f.op_class, f.base);
  if (f.has_activation) check(OpClass::elementwise, f.activation);
  return out;
}

int64_t host_model_threads(const Predictor& p, int64_t threads) {
  return p.calibrated ? p.calibrated->host_threads : threads;
}

OutsideOps outside_profile(const Predictor& p, const Network& net, const NetworkPrediction& pred, int64_t threads) {
  OutsideOps out;
  // The features predict() gave the host model: a calibrated device evaluates it at its host threads, on
  // the network its runtime runs.
  const int64_t model_threads = host_model_threads(p, threads);
  const ActivationFusion fusion = activation_fusion(p);
  const profiler::IgemmRule igemm = p.provenance.igemm;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    // A fused op is not predicted (profiler/profile/fusion.hpp), so nothing of it can lie outside the profile.
    out.per_op.push_back(pred.ops[i].fused_into
                             ? std::vector<OutsideFeature>{}
                             : outside_profile(p, op_features(net, i, model_threads, fusion, igemm)));
    out.ops += !out.per_op.back().empty();
    for (const auto& o : out.per_op.back()) out.features.insert(std::string(to_string(o.model)) + "." + o.feature);
  }
  return out;
}

Json interval_to_json(const NetworkPrediction& pred) {
  const PredictionInterval& i = pred.interval.value();
  Json j;
  if (i.device) {
    j = to_json(*i.device);
    j["error_low"] = i.error_low;  // the errors applied, where the device's file has its new-family ones
    j["error_high"] = i.error_high;
  } else {
    j = {{"level", i.level}, {"method", i.method}, {"error_low", i.error_low}, {"error_high", i.error_high}};
    if (i.host) {
      j["networks"] = i.host->networks;
      j["coverage"] = i.host->coverage;
    }
  }
  if (pred.seen_family_interval) j["applied"] = "seen_family";
  if (pred.uncalibrated && pred.widening) {
    Json kinds = Json::object();
    for (const auto& [kind, share] : pred.uncalibrated->kinds) kinds[to_string(kind)] = share;
    Json u = {{"share", pred.uncalibrated->share}, {"kinds", kinds}};
    if (const auto& h = i.half_widths) {
      u["half_width_calibrated"] = h->calibrated;
      u["half_width_unseen"] = h->unseen;
      u["half_width"] = h->total;
      u["width_share_unseen"] = pred.widening->width_share_unseen.value_or(0.0);
    } else {
      u["factor"] = pred.widening->factor;
    }
    j["uncalibrated"] = std::move(u);
  }
  if (const auto& o = pred.outside_calibration_sizes)
    j["outside_calibration_sizes"] = {{"macs", o->macs},
                                      {"calibration_macs", {o->calibration_macs_min, o->calibration_macs_max}},
                                      {"macs_only_us", o->macs_only_us}};
  if (i.network_family_calibrated) j["network_family_calibrated"] = *i.network_family_calibrated;
  if (!pred.interval_warning.empty()) j["warning"] = pred.interval_warning;
  return j;
}

Json prediction_to_json(const Predictor& p, const Network& net, const NetworkPrediction& pred, int64_t threads,
                        bool layers) {
  double macs = 0;
  for (const auto& o : pred.ops) macs += o.macs;
  Json j = {{"model", net.name},
            {"device", p.device},
            {"runtime", p.runtime},
            {"threads", threads},
            {"resolution", net.input.h},
            {"macs", macs},
            {"latency_us", pred.latency_us},
            {"macps", macs / (pred.latency_us * 1e-6)},
            {"overhead_us", pred.overhead_us},
            {"network_bytes", pred.network_bytes},
            {"weights_credit_us", pred.weights_credit_us}};
  // What calibrate warned of when it wrote the device (rows far from the others' fit, ...): every
  // prediction from it says so. Absent when there is nothing to say (every shipped device).
  if (p.calibrated && p.calibrated->held_out && !p.calibrated->held_out->warnings.empty())
    j["device_warnings"] = p.calibrated->held_out->warnings;
  if (pred.interval_us) {
    j["latency_us_low"] = (*pred.interval_us)[0];
    j["latency_us_high"] = (*pred.interval_us)[1];
    j["interval"] = pred.interval ? interval_to_json(pred) : Json(nullptr);
  }
  if (pred.uncalibrated) {  // a calibrated device: how much of the time rests on work its calibration barely saw
    j["uncalibrated_share"] = pred.uncalibrated->share;
    Json kinds = Json::array();
    for (const auto& [kind, share] : pred.uncalibrated->kinds)
      kinds.push_back({{"kind", to_string(kind)}, {"share", share}});
    j["uncalibrated_kinds"] = kinds;
  }
  const OutsideOps outside = outside_profile(p, net, pred, threads);
  j["outside_profile"] = outside.ops > 0;
  j["ops_outside_profile"] = outside.ops;
  j["outside_profile_features"] = outside.features;
  if (!layers) return j;
  const NetworkCount counts = count(net);
  Json rows = Json::array();
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const auto& o = pred.ops[i];
    OpRow row = op_row(net, i, counts.layers[i]);
    row.op_class = to_string(o.op_class);
    row.predicted_us = o.latency_us;
    if (o.fused_into) row.fused_into = net.ops[*o.fused_into].name;
    Json r = to_json(row, {OpField::name, OpField::op, OpField::op_class, OpField::macs, OpField::latency_us});
    r["activation_us"] = o.activation_us;
    write_op_fields(r, row, {OpField::fused_into});
    r["macps"] = o.macs > 0 ? Json(o.macs / (o.latency_us * 1e-6)) : Json(nullptr);
    r["outside_profile"] = !outside.per_op[i].empty();
    Json features = Json::array();
    for (const auto& f : outside.per_op[i])
      features.push_back(
          {{"model", to_string(f.model)}, {"feature", f.feature}, {"value", f.value}, {"lo", f.lo}, {"hi", f.hi}});
    r["outside_features"] = std::move(features);
    rows.push_back(std::move(r));
  }
  j["layers"] = std::move(rows);
  return j;
}

}  // namespace cpx::predictor

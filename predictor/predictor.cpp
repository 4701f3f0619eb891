#include "predictor/predictor.hpp"

#include "profiler/fusion.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <set>

#include "predictor/calibrate.hpp"
#include "predictor/devices.hpp"
#include "profiler/interference.hpp"
#include "profiler/profile_file.hpp"

#include "space/count.hpp"
#include "space/zoo.hpp"

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

FitOptions::ZooFamilies zoo_families_from_string(const std::string& name, const std::string& field) {
  if (name == "none") return FitOptions::ZooFamilies::none;
  if (name == "half") return FitOptions::ZooFamilies::half;
  throw InputError(field + " = \"" + name + "\": expected none or half");
}

std::string_view to_string(FitOptions::ZooFamilies z) { return z == FitOptions::ZooFamilies::half ? "half" : "none"; }

FitOptions::SpeedCorrection speed_correction_from_string(const std::string& name, const std::string& field) {
  if (name == "none") return FitOptions::SpeedCorrection::none;
  if (name == "local") return FitOptions::SpeedCorrection::local;
  throw InputError(field + " = \"" + name + "\": expected none or local");
}

std::string_view to_string(FitOptions::SpeedCorrection c) { return c == FitOptions::SpeedCorrection::local ? "local" : "none"; }

std::set<std::string> fitted_zoo_families(const Predictor& p) {
  std::set<std::string> out;
  for (const Json& f : p.provenance.value("zoo_families_fitted", Json::array()))
    if (f.is_string()) out.insert(f.get<std::string>());  // a host model's list is checked when it loads
  return out;
}

bool zoo_family_fitted(std::string_view family) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : family) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h % 2 == 0;
}

FitOptions::Selection selection_from_string(const std::string& name, const std::string& field) {
  if (name == "kfold") return FitOptions::Selection::kfold;
  if (name == "balanced") return FitOptions::Selection::balanced;
  throw InputError(field + " = \"" + name + "\": expected kfold or balanced");
}

std::string_view to_string(FitOptions::Selection s) { return s == FitOptions::Selection::kfold ? "kfold" : "balanced"; }

double Predictor::predict_class_us(OpClass c, const std::array<double, base_feature_count>& base) const {
  const auto& m = classes[static_cast<size_t>(c)];
  if (!m) throw InputError(device + " predictor: no model for operator class " + std::string(to_string(c)) +
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
double nearest_threads(const std::map<int64_t, double>& m, int64_t threads, double absent) {
  const double* v = nearest_at(m, threads);
  return v ? *v : absent;
}

}  // namespace

OpGroup op_group(OpClass c) {
  switch (c) {
    case OpClass::conv_dense: case OpClass::conv_grouped: case OpClass::conv_pointwise: case OpClass::conv_transpose:
    case OpClass::fully_connected:
      return OpGroup::gemm;
    case OpClass::conv_depthwise: case OpClass::conv_depthwise_generic: case OpClass::pooling:
      return OpGroup::depthwise;
    case OpClass::matmul: case OpClass::softmax:
      return OpGroup::attention;
    case OpClass::norm: case OpClass::elementwise: case OpClass::resize: case OpClass::data_movement:
      return OpGroup::elementwise;
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
    throw InputError("--threads = " + std::to_string(*requested) + ": device " + p.device + " predicts only at its own " +
                     std::to_string(own) + " thread(s), those of its published runtime (omit --threads)");
  return own;
}

NetworkPrediction predict(const Predictor& p, const Network& net, int64_t threads, std::optional<double> network_bytes) {
  NetworkPrediction out;
  out.ops.reserve(net.ops.size());
  const Calibrated* dev = p.calibrated ? &*p.calibrated : nullptr;
  const int64_t host_threads = dev ? dev->host_threads : threads;
  if (dev) prediction_threads(p, threads);
  const bool transfer = dev && dev->method == "hardware_transfer";
  const bool group_scale = dev && (dev->method == "group_scale" || dev->method == "host_scale");
  const bool linear = dev && (dev->method == "macs_only" || dev->method == "physical");
  std::map<std::string, double> host_by_kind_us;  // for a device that knows what its calibration exercised
  // A device's network is what its runtime runs: an eager runtime's ReLU is a pass of its own.
  const bool fuses_relu = !dev || dev->hardware.runtime_fuses_relu;
  const Ceilings device = dev ? Ceilings{dev->hardware.peak_macps(), dev->hardware.dram_bytes_per_s} : Ceilings{};
  // A host model predicts what this machine's executor runs: an op it fuses into another's kernel costs
  // nothing of its own (its time was measured inside that op's). Models fitted on profiles from before
  // the fusions (no "igemm" in their environment) predict every op.
  std::optional<profiler::Fusions> fused;
  if (!dev && p.provenance.contains("environment") && p.provenance["environment"].contains("igemm"))
    fused = profiler::plan_fusions(net, p.provenance["environment"]["igemm"].get<bool>(),
                                   static_cast<size_t>(std::max<int64_t>(1, host_threads)));
  std::vector<OpFeatures> features;
  double own_bytes = 0;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    features.push_back(op_features(net, i, host_threads, fuses_relu));
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
    if (transfer) {
      const double alpha = dev->efficiency_exponent;
      act_us = dev->group_factor[static_cast<size_t>(OpGroup::elementwise)] *
               transferred_us(act_us, 0, f.has_activation ? std::exp(f.activation[1]) : 0, dev->host, device, alpha);
      op_us = dev->group_factor[static_cast<size_t>(op_group(f.op_class))] *
                  transferred_us(scale * (t.latency_us - t.activation_us), f.macs, f.bytes, dev->host, device, alpha) +
              act_us + dev->dispatch_us_per_op;
    } else if (group_scale) {
      act_us *= dev->group_factor[static_cast<size_t>(OpGroup::elementwise)];
      op_us = dev->group_factor[static_cast<size_t>(op_group(f.op_class))] * scale * (t.latency_us - t.activation_us) + act_us;
    } else if (linear) {
      act_us = 0;
      op_us = dev->linear[0] * f.macs + dev->linear[1] * f.bytes + dev->linear[2];
    }
    if (dev && !dev->kind_share.empty()) {
      host_by_kind_us[op_kind(net, i)] += scale * (t.latency_us - t.activation_us);
      if (t.activation_us > 0) host_by_kind_us[activation_kind(net, i)] += scale * t.activation_us;
    }
    out.ops.push_back({f.op_class, f.macs, op_us, act_us, std::nullopt});
    out.latency_us += out.ops.back().latency_us;
  }
  // A published runtime's own per-network overhead is unknown; the transfer and the group scale do not
  // invent one (the uniform scale keeps the host's, scaled by its common factor).
  out.overhead_us = transfer || group_scale || linear ? 0.0 : nearest_threads(p.network_overhead_us, host_threads, 0.0);
  out.latency_us += out.overhead_us;
  if (dev) {
    out.interval_us = std::array<double, 2>{out.latency_us / (1 + dev->error_high), out.latency_us / (1 + dev->error_low)};
    out.interval = dev->interval;
    if (!dev->kind_share.empty()) {
      // Work the calibration barely exercised: its share of the time is uncertain by the factor F.
      out.uncalibrated = uncalibrated_work(host_by_kind_us, dev->kind_share);
      const double s = out.uncalibrated->share, F = dev->uncalibrated_factor;
      (*out.interval_us)[0] *= 1 - s + s / F;
      (*out.interval_us)[1] *= 1 - s + s * F;
      Json kinds = Json::object();
      for (const auto& [kind, share] : out.uncalibrated->kinds) kinds[kind] = share;
      out.interval["uncalibrated"] = {{"share", s}, {"kinds", kinds}, {"factor", F}};
    }
    // A device calibrated on one family has its interval held out by model: it says how well other
    // networks of that family are predicted, nothing of a family it never saw (pixel7pro's 4 CPUBone
    // points give +-1.4%).
    if (dev->held_out.is_object() && dev->held_out.contains("families")) {
      const Json& families = dev->held_out["families"];
      const bool seen = families.contains(net.family);
      out.interval["network_family_calibrated"] = seen;
      if (families.size() < 2 && !seen)
        out.interval["warning"] = "held out by model within the " + families.begin().key() + " family only: it says nothing of a " +
                                  (net.family.empty() ? std::string("network of another family") : net.family + " network");
    }
  } else if (p.interval.is_object()) {
    std::map<int64_t, const Json*> at;
    for (const auto& [t, v] : p.interval["by_threads"].items()) at[std::stoll(t)] = &v;  // validated when loaded
    if (const Json* const* found = nearest_at(at, host_threads)) {
      const Json& e = **found;
      out.interval_us = std::array<double, 2>{out.latency_us / (1 + e["error_high"].get<double>()),
                                              out.latency_us / (1 + e["error_low"].get<double>())};
      out.interval = {{"level", p.interval["level"]}, {"method", p.interval["method"]}, {"error_low", e["error_low"]},
                      {"error_high", e["error_high"]}, {"networks", e["networks"]}, {"coverage", e["coverage"]}};
    }
  }
  return out;
}

std::map<std::string, double> host_time_by_kind_us(const Network& net, const NetworkPrediction& p) {
  std::map<std::string, double> out;
  for (size_t i = 0; i < net.ops.size() && i < p.ops.size(); ++i) {
    out[op_kind(net, i)] += p.ops[i].latency_us - p.ops[i].activation_us;
    if (p.ops[i].activation_us > 0) out[activation_kind(net, i)] += p.ops[i].activation_us;
  }
  return out;
}

namespace {

struct Sample {
  OpFeatures f;
  double latency_us;
  bool noisy = false;  // its measurement was flagged noisy
  // The profile record it came from, the same for a record's thread counts (its id without "_t<threads>"):
  // held-out folds keep a configuration's samples together.
  std::string group;
};

std::string record_group(const std::string& section, const Json& rec, size_t index) {
  std::string id = rec.contains("id") && rec["id"].is_string() ? rec["id"].get<std::string>() : std::to_string(index);
  const size_t t = id.rfind("_t");
  if (t != std::string::npos && t + 2 < id.size() && id.find_first_not_of("0123456789", t + 2) == std::string::npos) id.resize(t);
  return section + "/" + id;
}

// Reads one layer record of a profile (op kind + attrs + shapes + measured median); nullopt for a view,
// which costs nothing to learn (profiler::runs_as_view).
std::optional<Sample> layer_sample(const Json& layer, int64_t threads, const Where& where) {
  Json op = layer.at("attrs");
  op["op"] = layer.at("op");
  ObjectReader r(op, where / "attrs");
  const OpAttrs attrs = read_op_attrs(r);
  if (profiler::runs_as_view(attrs)) return std::nullopt;
  std::vector<ShapeNhwc> in;
  for (const auto& s : layer.at("in_nhwc")) in.push_back({s[0], s[1], s[2], s[3]});
  const auto& o = layer.at("out_nhwc");
  const ShapeNhwc out{o[0], o[1], o[2], o[3]};
  return Sample{op_features(attrs, in, out, threads), layer.at("latency_us").at("stats_us").at("median").get<double>(), false, {}};
}

// In a cold section (every run starts with evicted caches), whether an op counts as having read cold data.
// Only an op of a kind the profile times twice (warm_twins: the same shape reading the cold input and
// reading what an earlier op wrote) counts as warm when it read no network input, so that its class sees
// every warm shape next to the same shape cold and the isolated flag carries only that difference. Other
// weightless ops read warm data too (an attention's softmax), but with no cold twin: a concat counted warm
// without one, on the profile of 2026-11-24, moved data movement's held-out MAPE on its largest shapes from
// 40% to 61% (slices and shuffles, cold, next to concats, warm), and ShuffleNetV2-x1.0's stage-2 shuffles
// were predicted at 3.1x their time, not 1.9x. A depthwise conv counts as such a kind: its weights are a
// few numbers per channel, so warm input is all that warm means for it, and the grid times it both ways at
// the same shapes (its dwconv blocks read the input; its mbconv and grmbconv blocks run it on the expand
// conv's output). Counted cold, the isolated flag's shift in the efficiency's sigmoid made it 1.9-2.2x
// faster inside a network than alone, where `measure` against `measure --cold-caches` gave 1.1-1.9x
// (eight shapes, 2026-11-24): inside validate's networks, seeds 59/5901 at the measured speed, depthwise
// convs were predicted at 0.69 / 0.72 of their time (1 / 2 threads), and at 0.96 / 0.94 counted warm. A
// profile from before layers named their inputs says nothing, and every op there counts as cold.
bool reads_cold_data(const Json& layer, OpClass op_class, const std::set<std::string>& warm_twins) {
  const bool depthwise = op_class == OpClass::conv_depthwise || op_class == OpClass::conv_depthwise_generic;
  if (!layer.contains("inputs") || !(depthwise || warm_twins.count(layer.value("op", "")))) return true;
  const Json& inputs = layer["inputs"];
  return std::any_of(inputs.begin(), inputs.end(), [](const Json& name) { return name.get<std::string>() == input_tensor; });
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Ridge regression on standardised features (the bias column is left unpenalised).
std::array<double, feature_count> ridge(const std::vector<const Sample*>& s, double lambda) {
  const Eigen::Index n = static_cast<Eigen::Index>(s.size());
  const Eigen::Index d = feature_count;
  Eigen::MatrixXd X(n, d);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto x = basis(s[static_cast<size_t>(i)]->f);
    for (Eigen::Index k = 0; k < d; ++k) X(i, k) = x[static_cast<size_t>(k)];
    y(i) = std::log(std::max(1e-3, s[static_cast<size_t>(i)]->latency_us));
  }
  Eigen::VectorXd mean = X.colwise().mean();
  Eigen::VectorXd scale = ((X.rowwise() - mean.transpose()).array().square().colwise().sum() / std::max(1.0, static_cast<double>(n))).sqrt();
  mean(0) = 0;
  scale(0) = 1;
  for (Eigen::Index k = 1; k < d; ++k)
    if (scale(k) < 1e-12) scale(k) = 0;  // constant in this class: leave it out
  Eigen::MatrixXd Z(n, d);
  for (Eigen::Index k = 0; k < d; ++k) {
    if (scale(k) > 0) Z.col(k) = ((X.col(k).array() - mean(k)) / scale(k)).matrix();
    else Z.col(k).setZero();
  }
  Eigen::MatrixXd A = Z.transpose() * Z;
  for (Eigen::Index k = 1; k < d; ++k) A(k, k) += lambda * static_cast<double>(n) + (scale(k) > 0 ? 0 : 1);
  const Eigen::VectorXd beta = A.ldlt().solve(Z.transpose() * y);
  // Back to raw features: theta_k = beta_k / scale_k; bias absorbs the means.
  std::array<double, feature_count> theta{};
  theta[0] = beta(0);
  for (Eigen::Index k = 1; k < d; ++k) {
    if (scale(k) == 0) continue;
    theta[static_cast<size_t>(k)] = beta(k) / scale(k);
    theta[0] -= beta(k) * mean(k) / scale(k);
  }
  return theta;
}

// One whole-network timing of the profile and the samples of its layers.
struct Whole {
  int64_t threads;
  double measured_us;
  std::vector<size_t> sample_index;
  bool noisy;
  bool network;  // a whole network of the "networks" (or fitted "zoo") section, not a block or a single op timed alone
  double bytes;  // its count's bytes (0 in a record without them)
};

struct Gathered {
  std::vector<Sample> samples;
  std::vector<Whole> wholes;
  profiler::Interference noise;
  std::set<std::string> zoo_families;  // of the zoo records fitted on (FitOptions::zoo_families)
};

// The profile's speed-reference checks (machine_speed.samples), checked once for fit's two readers
// (speed_change and the speed correction); null for a profile from before the check. A malformed section
// or sample is an InputError naming the file and the sample.
const Json* speed_samples(const Json& profile, const std::string& profile_path) {
  if (!profile.contains("machine_speed")) return nullptr;
  try {
    const Json& section = profile["machine_speed"];
    if (!section.is_object() || !section.contains("samples")) throw InputError("machine_speed: expected {\"samples\": [...]}");
    profiler::speed_by_threads(section["samples"]);
    return &section["samples"];
  } catch (const InputError& e) {
    throw InputError(profile_path + ": " + e.what());
  }
}

// Noise: a record flagged noisy (CV, run-queue wait or outliers of its whole-network timing) lends the
// flag to all its per-op samples, whose pass ran right after on the same busy machine. Noisy samples
// are dropped, not down-weighted: interference only ever slows a run, so a noisy median is biased, not
// merely spread, and any weight pulls the class towards slower. A class (or a thread count's whole
// networks) with too few quiet samples to fit keeps its noisy ones, and says so.
Gathered gather_samples(const Json& profile, const Where& where, const FitOptions& options) {
  Gathered g;
  const std::set<std::string> warm_twins = profiler::profile_warm_twins(profile, where);
  std::optional<profiler::SpeedAtTime> speed;
  if (const Json* checks = speed_samples(profile, where.file());
      checks && options.speed_correction == FitOptions::SpeedCorrection::local)
    speed.emplace(*checks);
  for (const std::string_view section : {"configs", "ops", "networks", "zoo"}) {
    const bool zoo_section = section == "zoo";
    if (!profile.contains(section) || (zoo_section && options.zoo_families == FitOptions::ZooFamilies::none)) continue;
    const Json& list = profile[section];
    for (size_t i = 0; i < list.size(); ++i) {
      const Json& rec = list[i];
      // A zoo record is fitted if its family is in the fitted half, and then held out by family in the
      // k folds (its samples' group), so that fit's own held-out figures are of unseen families too.
      const ZooEntry* model = zoo_section ? find_zoo(rec.at("model").get<std::string>()) : nullptr;
      if (zoo_section && !model) ((where / section)[i] / "model").fail(rec.at("model"), "not a zoo model of this build");
      if (zoo_section && !zoo_family_fitted(model->family)) continue;
      if (zoo_section) g.zoo_families.insert(model->family);
      const int64_t t = rec.at("threads").get<int64_t>();
      g.noise.add(std::string(section), rec.at("latency_us"));
      const bool noisy = speed ? profiler::timing_noisy_in_itself(rec.at("latency_us")) : profiler::timing_noisy(rec.at("latency_us"));
      const double at_median_speed = speed && rec.contains("elapsed_s") && rec["elapsed_s"].is_number() ? speed->factor(t, rec["elapsed_s"].get<double>()) : 1.0;
      Whole w{t, rec.at("latency_us").at("stats_us").at("median").get<double>() * at_median_speed, {}, noisy, section == "networks" || zoo_section,
              rec.value("bytes", 0.0)};
      const Json& layers = rec.at("layers");
      for (size_t k = 0; k < layers.size(); ++k) {
        if (layers[k].contains("fused_into")) continue;  // its time is inside the owner's row
        std::optional<Sample> sample = layer_sample(layers[k], t, ((where / section)[i] / "layers")[k]);
        if (!sample) continue;
        g.samples.push_back(std::move(*sample));
        if (!w.network && reads_cold_data(layers[k], g.samples.back().f.op_class, warm_twins))
          g.samples.back().f.base[isolated_feature] = 1;
        g.samples.back().noisy = noisy;
        g.samples.back().latency_us *= at_median_speed;
        g.samples.back().group = zoo_section ? "zoo/" + model->family : record_group(std::string(section), rec, i);
        w.sample_index.push_back(g.samples.size() - 1);
      }
      g.wholes.push_back(std::move(w));
    }
  }
  return g;
}

// Section by section, not over the whole profile: each section teaches fit something the others do not
// (the networks, the in-context op times and the whole-network scale), and a profile here (2026-11-24)
// had 66 of its 80 networks measured while the machine ran slow, 8.6% noisy overall; fitted, its
// 1-thread network scale was fitted on the other 14 and came out 0.82 (the day before's profile: 1.03).
void refuse_empty_or_noisy(const Gathered& g, const Where& where, const std::string& profile_path, const FitOptions& options) {
  if (g.samples.empty()) where.fail("the profile has no block or operator measurements to fit from");
  if (options.allow_noisy) return;
  if (const auto* s = g.noise.mostly_noisy_section())
    throw InputError(profile_path + ": " + s->first + ": " + std::to_string(s->second.noisy) + " of " +
                     std::to_string(s->second.measurements) + " measurements flagged noisy, more than " +
                     std::to_string(static_cast<int>(100 * max_noisy_share_to_fit)) + "% of a section fit learns from (" +
                     g.noise.summary() +
                     "); the machine was busy while profiling: re-profile on a quiet machine (`cpubone-explore profile "
                     "--quiet-machine-check`), or fit anyway with --allow-noisy");
}

// How much the machine changed speed while profiling (profiler/machine_speed.hpp), for the provenance;
// null for a profile from before the check. Above max_speed_spread_to_fit the profile mixes two machines
// and no per-measurement flag shows it, so it is refused as a mostly noisy one is.
Json speed_change(const Json& profile, const std::string& profile_path, const FitOptions& options) {
  const Json* checks = speed_samples(profile, profile_path);
  if (!checks) return nullptr;
  const double spread = profiler::speed_spread(*checks);
  if (spread > max_speed_spread_to_fit && !options.allow_noisy)
    throw InputError(profile_path + ": machine_speed: the speed reference's times spread by " + std::to_string(std::lround(100 * spread)) +
                     "% (" + profiler::spread_of_meaning + "; limit " + std::to_string(std::lround(100 * max_speed_spread_to_fit)) +
                     "%): the machine changed speed while profiling; re-profile on a quiet machine, or fit anyway with --allow-noisy");
  return {{"spread", spread}, {"slowed", spread > profiler::max_speed_spread}};
}

bool used_in_class(const Sample& s, size_t c, bool use_noisy) {
  return static_cast<size_t>(s.f.op_class) == c && (use_noisy || !s.noisy);
}

// The samples class c learns from, each with its activation pass (as the fitted elementwise model
// predicts it) taken off.
std::vector<Sample> class_samples(const Predictor& p, const std::vector<Sample>& samples, size_t c, bool use_noisy) {
  std::vector<Sample> own;
  for (const auto& s : samples) {
    if (!used_in_class(s, c, use_noisy)) continue;
    own.push_back(s);
    const auto& elementwise = p.classes[static_cast<size_t>(OpClass::elementwise)];
    if (s.f.has_activation && elementwise) {
      // Floor at a quarter of the measurement: noise must not leave an op with nothing (log of <= 0).
      const double act_us = p.predict_class_us(OpClass::elementwise, s.f.activation);
      own.back().latency_us = std::max(0.25 * s.latency_us, s.latency_us - act_us);
    }
  }
  return own;
}

// Ridge regression, training range, then (optionally) residual trees; leaves the model in p.classes[c].
ClassModel fit_class_model(Predictor& p, size_t c, const std::vector<Sample>& own, const FitOptions& options,
                           const std::map<int64_t, Ceilings>* ceilings) {
  std::vector<const Sample*> mine;
  for (const auto& s : own) mine.push_back(&s);
  ClassModel m;
  if (ceilings) m.roofline_floor = *ceilings;  // before the trees: they learn what the bounded regression leaves
  m.theta = ridge(mine, options.ridge);
  m.lo = mine[0]->f.base;
  m.hi = mine[0]->f.base;
  for (const Sample* smp : mine)
    for (size_t k = 0; k < base_feature_count; ++k) {
      m.lo[k] = std::min(m.lo[k], smp->f.base[k]);
      m.hi[k] = std::max(m.hi[k], smp->f.base[k]);
    }
  m.samples = static_cast<int64_t>(mine.size());
  if (options.residual_trees) {
    p.classes[c] = m;  // the trees learn what the regression alone leaves
    std::vector<std::array<double, base_feature_count>> x;
    std::vector<double> r;
    for (const Sample* smp : mine) {
      x.push_back(smp->f.base);
      for (size_t k = 0; k < base_feature_count; ++k) x.back()[k] = std::clamp(x.back()[k], m.lo[k], m.hi[k]);
      r.push_back(std::log(std::max(1e-3, smp->latency_us)) - std::log(p.predict_class_us(static_cast<OpClass>(c), smp->f.base)));
    }
    m.residual_trees = fit_boost(x, r, options.boost);
  }
  p.classes[c] = m;
  return m;
}

// The roofline model of class c from its samples; with trees, bounded residual trees on its log error.
ClassModel fit_roofline_class(size_t c, const std::vector<Sample>& own, const std::map<int64_t, Ceilings>& ceilings,
                              bool trees, const FitOptions& options) {
  std::vector<RooflineSample> rs;
  for (const auto& s : own) rs.push_back({s.f.base, s.latency_us});
  ClassModel m;
  m.roofline = fit_roofline(rs, ceilings, monotone_features(static_cast<OpClass>(c)), options.ridge);
  if (trees) {
    std::vector<std::array<double, base_feature_count>> x;
    std::vector<double> r;
    for (const auto& s : own) {
      x.push_back(s.f.base);
      r.push_back(std::log(std::max(1e-3, s.latency_us)) - std::log(m.roofline->predict_us(s.f.base)));
    }
    m.roofline->residual_trees = fit_boost(x, r, options.boost);
  }
  m.lo = own[0].f.base;
  m.hi = own[0].f.base;
  for (const auto& s : own)
    for (size_t k = 0; k < base_feature_count; ++k) {
      m.lo[k] = std::min(m.lo[k], s.f.base[k]);
      m.hi[k] = std::max(m.hi[k], s.f.base[k]);
    }
  m.samples = static_cast<int64_t>(own.size());
  return m;
}

// FNV-1a: a fold per group that does not depend on the standard library's hash.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
  return h;
}

enum class Kind { quadratic, roofline, roofline_trees };
constexpr std::array<std::string_view, 3> kind_names{"quadratic", "roofline", "roofline+trees"};

struct HeldOut {
  std::vector<Kind> kinds;
  std::vector<double> kfold_mape, largest_mape;
  // Per kind: the standard error of its k-fold MAPE minus the lowest eligible one, from the per-record mean
  // differences of the two kinds' errors on the same held-out samples (0 for the lowest itself).
  std::vector<double> kfold_gap_se;
  // Per kind: whether it may be chosen. A conv class whose efficiency must not fall as its channels or pixels
  // grow (monotone_features) keeps only the roofline kinds: the quadratic is scored, not chosen.
  std::vector<char> eligible;
  Kind chosen = Kind::quadratic;
  bool won_tie = false;  // kfold: chosen over a lower k-fold MAPE within kfold_tie_standard_errors
  std::string note;      // why there was no comparison, if there was none
};

// Held-out MAPE of each kind on class c's samples: k folds by record group, and the records with the
// largest work (top 20% of samples) held out from a model trained on the rest; the choice is by
// options.selection (why kfold is the default: see FitOptions::Selection).
HeldOut compare_held_out(const Predictor& p, size_t c, const std::vector<Sample>& own, const std::map<int64_t, Ceilings>* ceilings,
                         const std::string& no_ceilings, const FitOptions& options) {
  HeldOut h;
  std::map<std::string, double> group_work;  // largest log work of each group
  for (const auto& s : own) {
    auto [it, fresh] = group_work.emplace(s.group, s.f.base[0]);
    if (!fresh) it->second = std::max(it->second, s.f.base[0]);
  }
  if (!options.roofline) return h.note = "roofline model disabled", h;
  if (!ceilings) return h.note = no_ceilings, h;
  if (static_cast<int64_t>(own.size()) < min_samples_to_select || group_work.size() < 2 * static_cast<size_t>(options.folds))
    return h.note = "too few samples or records for a held-out comparison (" + std::to_string(own.size()) + " samples, " +
                    std::to_string(group_work.size()) + " records)", h;
  h.kinds = {Kind::quadratic, Kind::roofline};
  if (options.residual_trees) h.kinds.push_back(Kind::roofline_trees);
  auto fit_kind = [&](Kind k, const std::vector<Sample>& train) {
    if (k != Kind::quadratic) return fit_roofline_class(c, train, *ceilings, k == Kind::roofline_trees, options);
    Predictor q = p;  // fit_class_model leaves its model in the predictor it is given
    return fit_class_model(q, c, train, options, ceilings);
  };
  // Sum of absolute percentage errors of each kind over a test set, training on the complement; with
  // `by_group`, also each kind's sum and count per record group.
  using GroupSums = std::map<std::string, std::vector<double>>;
  auto split = [&](const std::function<bool(const Sample&)>& held, std::vector<double>& ape, int64_t& n, GroupSums* by_group) {
    std::vector<Sample> train, test;
    for (const auto& s : own) (held(s) ? test : train).push_back(s);
    if (train.size() < 3 || test.empty()) return;
    n += static_cast<int64_t>(test.size());
    for (size_t i = 0; i < h.kinds.size(); ++i) {
      const ClassModel m = fit_kind(h.kinds[i], train);
      for (const auto& s : test) {
        const double e = std::abs(class_model_us(m, s.f.base) - s.latency_us) / s.latency_us;
        ape[i] += e;
        if (by_group) {
          auto& g = (*by_group)[s.group];
          g.resize(h.kinds.size() + 1, 0.0);
          g[i] += e;
          if (i == 0) g.back() += 1;
        }
      }
    }
  };
  std::vector<double> ape(h.kinds.size(), 0.0);
  int64_t n = 0;
  GroupSums by_group;
  for (int fold = 0; fold < options.folds; ++fold)
    split([&](const Sample& s) { return fnv1a(s.group) % static_cast<uint64_t>(options.folds) == static_cast<uint64_t>(fold); }, ape, n,
          &by_group);
  for (double& a : ape) a /= static_cast<double>(std::max<int64_t>(1, n));
  h.kfold_mape = ape;
  const bool monotone = !monotone_features(static_cast<OpClass>(c)).empty();
  for (Kind k : h.kinds) h.eligible.push_back(!(monotone && k == Kind::quadratic));
  size_t kfold_best = h.kinds.size();
  for (size_t i = 0; i < h.kinds.size(); ++i)
    if (h.eligible[i] && (kfold_best == h.kinds.size() || ape[i] < ape[kfold_best])) kfold_best = i;
  h.kfold_gap_se.assign(h.kinds.size(), 0.0);
  for (size_t i = 0; i < h.kinds.size(); ++i) {
    if (i == kfold_best) continue;
    // The MAPE gap is a sample-weighted mean of per-record mean differences; its standard error treats
    // records (not samples, which share a configuration) as the independent draws.
    double sum_w = 0, sum_wd = 0, sum_wdd = 0, sum_ww = 0;
    for (const auto& [g, v] : by_group) {
      const double w = v.back(), d = (v[i] - v[kfold_best]) / w;
      sum_w += w, sum_wd += w * d, sum_wdd += w * d * d, sum_ww += w * w;
    }
    const double mean = sum_wd / sum_w, var = std::max(0.0, sum_wdd / sum_w - mean * mean);
    const double groups = static_cast<double>(by_group.size());
    h.kfold_gap_se[i] = std::sqrt(var * sum_ww / (sum_w * sum_w) * groups / std::max(1.0, groups - 1));
  }
  // The largest records, until a fifth of the samples.
  std::vector<std::pair<double, std::string>> by_work;
  for (const auto& [g, w] : group_work) by_work.emplace_back(w, g);
  std::sort(by_work.rbegin(), by_work.rend());
  std::set<std::string> largest;
  size_t held = 0;
  for (const auto& [w, g] : by_work) {
    if (5 * held >= own.size()) break;
    largest.insert(g);
    for (const auto& s : own) held += s.group == g;
  }
  std::vector<double> ape_large(h.kinds.size(), 0.0);
  int64_t n_large = 0;
  split([&](const Sample& s) { return largest.count(s.group) > 0; }, ape_large, n_large, nullptr);
  for (double& a : ape_large) a /= static_cast<double>(std::max<int64_t>(1, n_large));
  h.largest_mape = ape_large;
  if (n_large == 0) throw std::logic_error("compare_held_out: no largest-shapes split");
  size_t best = kfold_best;
  if (options.selection == FitOptions::Selection::kfold) {
    for (size_t i = 0; i < h.kinds.size(); ++i)
      if (h.eligible[i] && h.kfold_mape[i] - h.kfold_mape[kfold_best] <= kfold_tie_standard_errors * h.kfold_gap_se[i] &&
          h.largest_mape[i] < h.largest_mape[best])
        best = i;
  } else {
    auto score = [&](size_t i) { return 0.5 * (h.kfold_mape[i] + h.largest_mape[i]); };
    for (size_t i = 0; i < h.kinds.size(); ++i)
      if (h.eligible[i] && score(i) < score(best)) best = i;
  }
  h.chosen = h.kinds[best];
  h.won_tie = best != kfold_best && options.selection == FitOptions::Selection::kfold;
  return h;
}

Json held_out_json(const HeldOut& h, const FitOptions& options) {
  Json j = {{"chosen", kind_names[static_cast<size_t>(h.chosen)]}, {"won_tie", h.won_tie}};
  if (!h.note.empty()) j["note"] = h.note;
  if (h.kinds.empty()) return j;
  j["folds"] = options.folds;
  j["grouped_by"] = "profile record (a configuration, operator or network at all its thread counts)";
  j["selection"] = options.selection == FitOptions::Selection::kfold
                       ? "of the eligible kinds: lowest k-fold held-out MAPE; of the kinds within " +
                             std::to_string(std::lround(kfold_tie_standard_errors)) +
                             " standard errors (kfold_gap_se) of it, the one with the lowest largest-shapes MAPE"
                       : "of the eligible kinds: lowest mean of the k-fold and largest-shapes held-out MAPE";
  j["largest_shapes"] = "records with the largest work, a fifth of the samples, held out from a model fitted on the rest";
  if (std::find(h.eligible.begin(), h.eligible.end(), 0) != h.eligible.end())
    j["not_eligible"] = "quadratic: this conv class's efficiency must not fall as its channels or pixels grow, which only the roofline kinds guarantee";
  for (size_t i = 0; i < h.kinds.size(); ++i)
    j[std::string(kind_names[static_cast<size_t>(h.kinds[i])])] = {{"kfold_mape", h.kfold_mape[i]},
                                                                   {"largest_shapes_mape", h.largest_mape[i]},
                                                                   {"kfold_gap_se", h.kfold_gap_se[i]},
                                                                   {"eligible", static_cast<bool>(h.eligible[i])}};
  return j;
}

struct NoisyTally {
  int64_t dropped = 0, used = 0;
};

// The classes XNNPACK runs as GEMMs (padded_macs): convs with more than one input channel per group and
// linear ops, not depthwise convs, pooling or elementwise ops.
bool runs_on_gemm_tiles(OpClass c) {
  return c == OpClass::conv_dense || c == OpClass::conv_grouped || c == OpClass::conv_pointwise || c == OpClass::conv_transpose ||
         c == OpClass::fully_connected;
}

// Fits every class with at least 3 samples into p, of the kind with the lower held-out error (see
// compare_held_out); returns the per-class statistics for the provenance. `ceilings` is null when the
// profile has none to fit the roofline model with (then `no_ceilings` says why).
Json fit_classes(Predictor& p, const std::vector<Sample>& samples, const FitOptions& options, NoisyTally& tally,
                 const std::map<int64_t, Ceilings>* ceilings, const std::string& no_ceilings) {
  Json stats = Json::object();
  // The elementwise model first: the other classes learn their op's time without its activation pass.
  std::vector<size_t> order{static_cast<size_t>(OpClass::elementwise)};
  for (size_t c = 0; c < op_class_count; ++c)
    if (c != order[0]) order.push_back(c);
  for (size_t c : order) {
    int64_t quiet = 0, noisy = 0;
    for (const auto& s : samples)
      if (static_cast<size_t>(s.f.op_class) == c) (s.noisy ? noisy : quiet) += 1;
    const bool use_noisy = quiet < 3;  // what a class needs to be fitted at all (below)
    const std::vector<Sample> own = class_samples(p, samples, c, use_noisy);
    if (own.size() < 3) continue;
    // GEMM tiles pad the work of convs and linear ops only (padded_macs): a depthwise conv's one channel
    // per group is no 16-column tile.
    std::map<int64_t, Ceilings> own_ceilings;
    if (ceilings) {
      own_ceilings = *ceilings;
      if (!runs_on_gemm_tiles(static_cast<OpClass>(c)))
        for (auto& [t, bound] : own_ceilings) bound.gemm_tile_cols = 0;
    }
    const std::map<int64_t, Ceilings>* cc = ceilings ? &own_ceilings : nullptr;
    const HeldOut held = compare_held_out(p, c, own, cc, no_ceilings, options);
    ClassModel m = held.chosen == Kind::quadratic ? fit_class_model(p, c, own, options, cc)
                                                  : fit_roofline_class(c, own, *cc, held.chosen == Kind::roofline_trees, options);
    p.classes[c] = m;
    double ape = 0;
    for (const auto& s : samples)
      if (used_in_class(s, c, use_noisy)) ape += std::abs(p.predict_op_us(s.f) - s.latency_us) / s.latency_us;
    m.train_mape = ape / static_cast<double>(own.size());
    stats[std::string(to_string(static_cast<OpClass>(c)))] = {{"samples", m.samples}, {"train_mape", m.train_mape},
                                                               {"noisy_dropped", use_noisy ? 0 : noisy},
                                                               {"noisy_used", use_noisy ? noisy : 0},
                                                               {"held_out", held_out_json(held, options)}};
    (use_noisy ? tally.used : tally.dropped) += noisy;
    p.classes[c] = m;
  }
  return stats;
}

// One whole network's held-out prediction before the network scale: Σ predicted ops, and each op's weight
// bytes and own predicted time (less its activation pass) for the warm-weights credit.
struct NetworkSum {
  const Whole* whole;
  double sum_us = 0;
  std::vector<std::array<double, 2>> weight_bytes_own_us;
};
using NetworkSums = std::vector<NetworkSum>;

// The Σ predicted ops of each whole network of the "networks" section, by class models fitted without that
// network's samples (at any thread count): the scale is meant for networks the models never saw, and
// in-sample sums are optimistic by construction. (On this project's 2-core machine both gave about the
// same: 1.050 / 1.028 held out against 1.038 / 1.035 in-sample at 1 / 2 threads, for 4x the fit time.)
// Networks are dealt into options.folds folds. Blocks and single ops timed alone are left out: each is the
// sum of its own ops almost by construction, and their thousands of records outvoted the networks.
NetworkSums held_out_network_sums(const Gathered& g, const FitOptions& options, const std::map<int64_t, Ceilings>* ceilings,
                                  const std::string& no_ceilings) {
  std::vector<const Whole*> nets;
  std::map<std::string, int> fold_of;
  auto group = [&](const Whole* w) { return g.samples[w->sample_index.front()].group; };
  for (const Whole& w : g.wholes)
    if (w.network && !w.sample_index.empty()) {
      nets.push_back(&w);
      fold_of.emplace(group(&w), static_cast<int>(fold_of.size()) % std::max(1, options.folds));
    }
  NetworkSums sums;
  for (int fold = 0; fold < std::max(1, options.folds); ++fold) {
    std::vector<char> held(g.samples.size(), 0);
    bool any = false;
    for (const Whole* w : nets)
      if (fold_of[group(w)] == fold) {
        any = true;
        for (size_t i : w->sample_index) held[i] = 1;
      }
    if (!any) continue;
    std::vector<Sample> train;
    for (size_t i = 0; i < g.samples.size(); ++i)
      if (!held[i]) train.push_back(g.samples[i]);
    Predictor pf;
    NoisyTally ignored;
    fit_classes(pf, train, options, ignored, ceilings, no_ceilings);
    for (const Whole* w : nets) {
      if (fold_of[group(w)] != fold) continue;
      NetworkSum sum{w, 0.0, {}};
      bool ok = true;
      for (size_t i : w->sample_index) {
        const OpFeatures& f = g.samples[i].f;
        if (!pf.classes[static_cast<size_t>(f.op_class)] || (f.has_activation && !pf.classes[static_cast<size_t>(OpClass::elementwise)])) {
          ok = false;
          continue;
        }
        const Predictor::OpTime t = pf.predict_op(f);
        sum.sum_us += t.latency_us;
        sum.weight_bytes_own_us.push_back({f.weight_bytes, t.latency_us - t.activation_us});
      }
      if (ok && sum.sum_us > 0) sums.push_back(std::move(sum));
    }
  }
  return sums;
}

// The held-out sums the scale, the overhead and the interval are fitted on: noisy networks count only at a
// thread count where no quiet one exists.
NetworkSums usable_network_sums(const NetworkSums& all) {
  std::set<int64_t> quiet_threads;
  for (const NetworkSum& n : all)
    if (!n.whole->noisy) quiet_threads.insert(n.whole->threads);
  NetworkSums sums;
  for (const NetworkSum& n : all)
    if (!n.whole->noisy || !quiet_threads.count(n.whole->threads)) sums.push_back(n);
  return sums;
}

// A whole network as predict would make it from its held-out pieces (NetworkSum).
double network_prediction_us(const Predictor& p, const NetworkSum& n) {
  const int64_t t = n.whole->threads;
  double credit_us = 0;
  if (const Predictor::WarmWeights* warm = p.warm_weights_for(t, n.whole->bytes))
    for (const auto& [weight_bytes, own_us] : n.weight_bytes_own_us) credit_us += warm->credit_us(weight_bytes, own_us);
  return nearest_threads(p.network_scale, t, 1.0) * (n.sum_us - credit_us) + nearest_threads(p.network_overhead_us, t, 0.0);
}

// The warm-weights credit's candidate rates: 1 GB/s to 1 TB/s of weights, log-spaced.
constexpr int warm_rate_steps = 31;
double warm_us_per_byte(int step) { return 1e6 / (1e9 * std::pow(1e3, step / double(warm_rate_steps - 1))); }
// A credit needs this many networks small enough to earn it.
constexpr size_t min_networks_warm = 4;

// One thread count's network law fitted on some of its networks: scale and overhead (medians: a few
// networks measured while the machine was disturbed must not move every prediction) and, with max_share
// > 0, the warm-weights credit (rate and network size) of least mean absolute relative error.
// credits[i][k]: network i's full credit at rate step k.
struct NetworkLaw {
  double scale = 1, overhead_us = 0;
  std::optional<Predictor::WarmWeights> warm;
};
NetworkLaw fit_network_law(const std::vector<const NetworkSum*>& nets, const std::vector<std::vector<double>>& credits,
                           const std::vector<size_t>& use, double max_share) {
  auto fit_at = [&](const std::function<double(size_t)>& effective_us, double& loss) {
    std::vector<double> ratios, residuals;
    for (size_t i : use) ratios.push_back(nets[i]->whole->measured_us / effective_us(i));
    NetworkLaw l;
    l.scale = median(ratios);
    for (size_t i : use) residuals.push_back(nets[i]->whole->measured_us - l.scale * effective_us(i));
    l.overhead_us = median(residuals);
    loss = 0;
    for (size_t i : use) loss += std::abs((l.scale * effective_us(i) + l.overhead_us) / nets[i]->whole->measured_us - 1);
    return l;
  };
  double best_loss = 0;
  if (max_share <= 0 || use.size() < min_networks_warm) return fit_at([&](size_t i) { return nets[i]->sum_us; }, best_loss);
  NetworkLaw best;
  best_loss = std::numeric_limits<double>::infinity();
  std::vector<double> sizes;
  for (size_t i : use) sizes.push_back(nets[i]->whole->bytes);
  std::sort(sizes.begin(), sizes.end());
  for (size_t c = min_networks_warm - 1; c < sizes.size(); ++c)
    for (int k = 0; k < warm_rate_steps; ++k) {
      const double below = sizes[c];
      double loss = 0;
      NetworkLaw l = fit_at([&](size_t i) { return nets[i]->sum_us - (nets[i]->whole->bytes <= below ? credits[i][static_cast<size_t>(k)] : 0.0); }, loss);
      if (loss < best_loss) {
        l.warm = Predictor::WarmWeights{below, warm_us_per_byte(k), max_share};
        best = l, best_loss = loss;
      }
    }
  return best;
}

// Per thread count, on the whole networks' held-out sums (usable_network_sums): the scale and the
// overhead, and the warm-weights credit if it predicts the networks clearly better, each left out of its
// own law's fit, than the scale alone does (absolute relative errors, paired). max_share per thread count: 1 -
// DRAM / cache bandwidth as probed (none: no credit). Returns both held-out errors and the choice, and
// sets each network's relative error (predicted / measured - 1) with the chosen law fitted without it.
Json fit_network_scale(Predictor& p, const NetworkSums& sums, const std::map<int64_t, double>& max_share,
                       std::map<const NetworkSum*, double>& held_out_error) {
  std::map<int64_t, std::vector<const NetworkSum*>> by_threads;
  for (const NetworkSum& n : sums) by_threads[n.whole->threads].push_back(&n);
  Json choice = Json::object();
  for (const auto& entry : by_threads) {
    const int64_t t = entry.first;  // a structured binding: clang's fuzz build cannot capture one in a lambda
    const std::vector<const NetworkSum*>& nets = entry.second;
    const double share = max_share.count(t) ? max_share.at(t) : 0.0;
    std::vector<std::vector<double>> credits(nets.size(), std::vector<double>(warm_rate_steps, 0.0));
    for (size_t i = 0; i < nets.size(); ++i)
      for (int k = 0; k < warm_rate_steps; ++k)
        for (const auto& [weight_bytes, own_us] : nets[i]->weight_bytes_own_us)
          credits[i][static_cast<size_t>(k)] += Predictor::WarmWeights{0, warm_us_per_byte(k), share}.credit_us(weight_bytes, own_us);
    std::vector<size_t> all(nets.size());
    std::iota(all.begin(), all.end(), 0);
    auto apply = [&](Predictor& q, const NetworkLaw& l) {
      q.network_scale[t] = l.scale;
      q.network_overhead_us[t] = l.overhead_us;
      if (l.warm) q.warm_weights[t] = *l.warm;
      else q.warm_weights.erase(t);
    };
    const bool can_warm = share > 0 && nets.size() > 2 * min_networks_warm &&
                          std::all_of(nets.begin(), nets.end(), [](const NetworkSum* n) { return n->whole->bytes > 0; });
    // Each network's error with the law fitted without it: the scale alone, and with the credit.
    std::vector<double> scale_error, warm_error;
    for (size_t i = 0; i < nets.size(); ++i) {
      std::vector<size_t> others;
      for (size_t j : all)
        if (j != i) others.push_back(j);
      for (const bool w : {false, true}) {
        if (w && !can_warm) continue;
        Predictor q;
        apply(q, fit_network_law(nets, credits, others, w ? share : 0.0));
        (w ? warm_error : scale_error).push_back(network_prediction_us(q, *nets[i]) / nets[i]->whole->measured_us - 1);
      }
    }
    bool warm = false;
    if (can_warm) {
      double scale_ape = 0, warm_ape = 0;
      std::vector<double> gain;  // per network: |error| with the scale alone - |error| with the credit
      for (size_t i = 0; i < nets.size(); ++i) {
        scale_ape += std::abs(scale_error[i]), warm_ape += std::abs(warm_error[i]);
        gain.push_back(std::abs(scale_error[i]) - std::abs(warm_error[i]));
      }
      const double n = static_cast<double>(nets.size());
      // The credit must win by more than 2 standard errors of the paired gain: two more parameters do
      // not earn their place on a tie (on synthetic networks without the effect, the credit came out
      // ahead by a hair for 3 seeds of 8 when any gain counted).
      const double mean_gain = std::accumulate(gain.begin(), gain.end(), 0.0) / n;
      double var = 0;
      for (double g : gain) var += (g - mean_gain) * (g - mean_gain);
      const double standard_error = std::sqrt(var / (n - 1) / n);
      warm = mean_gain > 2 * standard_error;
      choice[std::to_string(t)] = {{"networks", nets.size()},
                                   {"held_out_mape_scale", scale_ape / n},
                                   {"held_out_mape_warm_weights", warm_ape / n},
                                   {"gain_standard_error", standard_error},
                                   {"chosen", warm ? "warm_weights" : "scale"}};
    }
    apply(p, fit_network_law(nets, credits, all, warm ? share : 0.0));
    for (size_t i = 0; i < nets.size(); ++i) held_out_error[nets[i]] = (warm ? warm_error : scale_error)[i];
  }
  return choice;
}

// The host model's interval (Predictor::interval) from the networks' held-out errors (fit_network_scale:
// class models and network law both fitted without the network: the law's size and rate, chosen on
// these networks, would make their in-sample errors optimistic); each network's coverage is checked
// against the quantiles of the others' errors, as a calibrated device's is.
// The machine's speed moves too, and a prediction is for a later hour: each error is combined with every
// machine_speed sample of its thread count the profile took (error' = (1 + error) * median / sample - 1).
// Without them (on the profile of 2026-11-24: 20 per thread count over 11 minutes, spread 11%), the
// interval covered 33-72% of the validate runs' in-distribution networks for its 80% (six runs, 2026-11-24).
Json network_interval(const Gathered& g, const std::map<const NetworkSum*, double>& held_out_error, const Json& profile) {
  std::map<int64_t, std::vector<double>> speed_factors;  // median / sample, per thread count
  if (profile.contains("machine_speed") && profile["machine_speed"].contains("samples")) {
    const Json& samples = profile["machine_speed"]["samples"];
    const std::map<int64_t, double> medians = profiler::speed_medians_us(samples);
    for (const auto& [t, us] : profiler::speed_by_threads(samples))
      for (double u : us) speed_factors[t].push_back(medians.at(t) / u);
  }
  std::map<int64_t, std::pair<std::vector<double>, std::vector<std::string>>> by_threads;
  for (const auto& [n, error] : held_out_error) {
    auto& [errors, groups] = by_threads[n->whole->threads];
    const auto factors = speed_factors.find(n->whole->threads);
    for (double f : factors == speed_factors.end() ? std::vector<double>{1.0} : factors->second) {
      errors.push_back((1 + error) * f - 1);
      groups.push_back(g.samples[n->whole->sample_index.front()].group);
    }
  }
  Json out = Json::object();
  const double lo_q = (1 - interval_level) / 2, hi_q = 1 - lo_q;
  for (const auto& [t, eg] : by_threads) {
    const auto& [errors, groups] = eg;
    const size_t networks = std::set<std::string>(groups.begin(), groups.end()).size();
    if (networks < min_networks_for_interval) continue;
    const auto bounds = held_out_error_bounds(errors, groups);
    double covered = 0;
    for (size_t i = 0; i < errors.size(); ++i) covered += errors[i] >= bounds[i][0] && errors[i] <= bounds[i][1];
    out[std::to_string(t)] = {{"error_low", quantile(errors, lo_q)},
                              {"error_high", quantile(errors, hi_q)},
                              {"networks", networks},
                              {"coverage", covered / static_cast<double>(errors.size())}};
  }
  if (out.empty()) return nullptr;
  return {{"level", interval_level},
          {"method", "10th to 90th percentile of the relative errors (predicted / measured - 1) of the profile's whole networks (sampled, and zoo ones of the fitted families), "
                     "each predicted by class models fitted without it (k folds) and a network scale (and warm-weights credit) "
                     "fitted without it (leave one out), at the prediction's thread count, each combined with the machine's speed "
                     "at every check the profile made of it (machine_speed); "
                     "latency_us_low = latency_us / (1 + error_high), latency_us_high = latency_us / (1 + error_low); "
                     "in-distribution networks: validate measures how much wider the errors of other networks are"},
          {"by_threads", out}};
}

Json fit_provenance(const Json& profile, const std::string& profile_path, const FitOptions& options, const Gathered& g,
                    const Json& class_stats, const NoisyTally& tally) {
  int64_t noisy_total = 0;
  for (const auto& smp : g.samples) noisy_total += smp.noisy;
  return {{"profile", profile_path},
          {"environment", profile.value("environment", Json::object())},
          {"profile_complete", profile.value("complete", false)},
          {"fitted_on", options.zoo_families == FitOptions::ZooFamilies::none
                            ? "profile sections configs, ops and networks (block grid, operator micro-benchmarks, networks sampled with seeds >= 1e6); zoo held out"
                            : "profile sections configs, ops, networks (block grid, operator micro-benchmarks, networks sampled with seeds >= 1e6) "
                              "and zoo, the networks of the families in zoo_families_fitted (the others held out)"},
          {"zoo_families", to_string(options.zoo_families)},
          {"speed_correction", to_string(options.speed_correction)},
          {"zoo_families_fitted", g.zoo_families},
          {"samples", g.samples.size()},
          {"selection", to_string(options.selection)},
          {"ridge", options.ridge},
          {"residual_trees", options.residual_trees ? Json{{"trees", options.boost.trees}, {"depth", options.boost.depth},
                                                           {"min_leaf", options.boost.min_leaf},
                                                           {"learning_rate", options.boost.learning_rate}}
                                                    : Json(false)},
          {"classes", class_stats},
          {"noise", {{"policy", "samples of measurements flagged noisy are dropped (interference biases a median upward); "
                                "a class with fewer than 3 quiet samples uses its noisy ones"},
                     {"allow_noisy", options.allow_noisy},
                     {"samples_noisy", noisy_total},
                     {"samples_dropped", tally.dropped},
                     {"samples_used", tally.used},
                     {"measurements", g.noise.to_json()}}}};
}

// What fit says of the GEMM tile's two effects, padding and weight streaming, and why either is not
// modelled. `c`: the fitted ceilings (any thread count: the tile and caches are the machine's), or null.
void add_gemm_provenance(Json& provenance, const Ceilings* c) {
  if (!c) {
    provenance["weight_streaming"] = provenance["gemm_tiles"] = "not modelled: no roofline ceilings";
    return;
  }
  provenance["weight_streaming"] =
      c->last_level_cache_bytes > 0
          ? "modelled: weights past the last-level cache are read from DRAM again for every further GEMM row tile "
            "(weight_stream_bytes in predictor/roofline.hpp)"
          : "not modelled: the profile's peaks lack dram_read_bytes_per_s, last_level_cache_bytes or gemm_tile_rows (profiled "
            "before 2026-11-25, or cpuinfo could not read the caches, as on VMs that hide them); profile again to model it";
  provenance["gemm_tiles"] =
      c->gemm_tile_cols > 0
          ? "modelled: convs and linear ops on XNNPACK compute whole GEMM tiles of " + std::to_string(c->gemm_tile_cols) +
                " output channels x " + std::to_string(c->gemm_tile_rows) + " rows (padded_macs in predictor/roofline.hpp)"
          : std::string("not modelled: the profile's peaks lack gemm_tile_cols or gemm_tile_rows (profiled before 2026-11-25); "
                        "profile again to model it");
}

}  // namespace

Predictor fit(const Json& profile, const std::string& profile_path, const FitOptions& options) {
  Predictor p;
  p.device = profile.value("device", "host");
  p.runtime = "cpubone-explore XNNPACK executor on this machine (measured)";
  const Where where(profile_path);
  const Gathered g = gather_samples(profile, where, options);
  refuse_empty_or_noisy(g, where, profile_path, options);
  const Json speed = speed_change(profile, profile_path, options);
  // The roofline model needs the probed ceilings at every thread count the profile measured at.
  std::map<int64_t, Ceilings> ceilings;
  std::string no_ceilings;
  try {
    for (const auto& w : g.wholes) ceilings.emplace(w.threads, roofline_ceilings(profile, profile_path, w.threads));
  } catch (const InputError& e) {
    no_ceilings = std::string("no roofline model: ") + e.what();
  }
  NoisyTally tally;
  const Json class_stats = fit_classes(p, g.samples, options, tally, no_ceilings.empty() ? &ceilings : nullptr, no_ceilings);
  const NetworkSums network_sums =
      usable_network_sums(held_out_network_sums(g, options, no_ceilings.empty() ? &ceilings : nullptr, no_ceilings));
  // What cached weights save at most: the time of reading them from memory rather than from the caches.
  std::map<int64_t, double> warm_max_share;
  if (no_ceilings.empty())
    for (const auto& [t, c] : ceilings)
      warm_max_share[t] = std::max(0.0, 1 - host_ceilings(profile, profile_path, t).bandwidth_bytes_per_s / c.bandwidth_bytes_per_s);
  std::map<const NetworkSum*, double> held_out_error;
  const Json warm_choice = fit_network_scale(p, network_sums, warm_max_share, held_out_error);
  p.interval = network_interval(g, held_out_error, profile);
  p.provenance = fit_provenance(profile, profile_path, options, g, class_stats, tally);
  p.provenance["warm_weights"] = warm_choice;
  add_gemm_provenance(p.provenance, no_ceilings.empty() ? &ceilings.begin()->second : nullptr);
  if (!speed.is_null()) p.provenance["machine_speed"] = speed;
  return p;
}

Json host_model_json(const Predictor& p) {
  Json classes = Json::object();
  for (size_t c = 0; c < op_class_count; ++c) {
    if (!p.classes[c]) continue;
    const ClassModel& m = *p.classes[c];
    Json theta = Json::object();
    const auto names = feature_names();
    for (size_t k = 0; k < feature_count; ++k) theta[names[k]] = m.theta[k];
    Json range = Json::object();
    for (size_t k = 0; k < base_feature_count; ++k) range[names[1 + k]] = {m.lo[k], m.hi[k]};
    Json& out = classes[std::string(to_string(static_cast<OpClass>(c)))];
    if (m.roofline) {
      // No "kind" means the quadratic, so that files written before the roofline model load unchanged.
      out = to_json(*m.roofline);
      out["kind"] = "roofline";
    } else {
      out = {{"theta", theta}, {"residual_trees", to_json(m.residual_trees)}};
      if (!m.roofline_floor.empty()) out["roofline_floor"] = ceilings_to_json(m.roofline_floor);
    }
    out["feature_range"] = range;
    out["scale"] = m.scale;
    out["samples"] = m.samples;
    out["train_mape"] = m.train_mape;
  }
  Json overhead = Json::object();
  for (const auto& [t, us] : p.network_overhead_us) overhead[std::to_string(t)] = us;
  Json scale = Json::object();
  for (const auto& [t, k] : p.network_scale) scale[std::to_string(t)] = k;
  Json j = {{"schema", predictor_schema}, {"device", p.device},        {"runtime", p.runtime},
            {"model", "log(latency_us) = theta . features + residual trees(features), per operator class; an unfused activation adds its elementwise prediction; "
                      "network = scale * Σ (op - its warm_weights credit) + overhead; credit = min(weight bytes * us_per_weight_byte, max_share * op) in a network of at most network_bytes_below bytes, else 0"},
            {"classes", classes},          {"network_overhead_us", overhead}, {"network_scale", scale}, {"provenance", p.provenance}};
  if (!p.warm_weights.empty()) {
    Json warm = Json::object();
    for (const auto& [t, w] : p.warm_weights)
      warm[std::to_string(t)] = {{"network_bytes_below", w.network_bytes_below}, {"us_per_weight_byte", w.us_per_weight_byte}, {"max_share", w.max_share}};
    j["warm_weights"] = warm;
  }
  if (!p.interval.is_null()) j["interval"] = p.interval;
  return j;
}

Json to_json(const Predictor& p) {
  if (!p.calibrated) return host_model_json(p);
  const Calibrated& c = *p.calibrated;
  Predictor host = p;
  host.calibrated.reset();
  host.provenance = Json::object();
  Json factors = Json::object();
  for (size_t g = 0; g < op_group_count; ++g) factors[std::string(to_string(static_cast<OpGroup>(g)))] = c.group_factor[g];
  return {{"schema", device_schema},
          {"device", p.device},
          {"runtime", p.runtime},
          {"hardware", c.hardware.json},
          {"fp32_peak_macps", c.hardware.peak_macps()},
          {"rebuild", c.rebuild},
          {"method", c.method},
          {"host_threads", c.host_threads},
          {"host_ceilings", {{"peak_macps", c.host.peak_macps}, {"bandwidth_bytes_per_s", c.host.bandwidth_bytes_per_s}}},
          {"group_factors", factors},
          {"efficiency_exponent", c.efficiency_exponent},
          {"dispatch_us_per_op", c.dispatch_us_per_op},
          {"linear", {{"us_per_mac", c.linear[0]}, {"us_per_byte", c.linear[1]}, {"us_per_op", c.linear[2]}}},
          {"kinds", c.kind_share},
          {"uncalibrated_factor", c.uncalibrated_factor},
          {"uncalibrated", c.uncalibrated},
          {"interval", c.interval},
          {"held_out", c.held_out},
          {"provenance", p.provenance},
          {"host", host_model_json(host)}};
}

namespace {

Predictor host_model_from_json(const Json& j, const Where& where);

Predictor device_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  r.string("schema");
  Calibrated c;
  const std::string device = r.string("device");
  const std::string runtime = r.string("runtime");
  c.hardware = hardware_from_json(r.raw("hardware"), r.at("hardware"));
  if (c.hardware.device != device)
    (r.at("hardware") / "device").fail(c.hardware.device, "is not the file's device \"" + device + "\"");
  r.number("fp32_peak_macps", 0, 1e18);  // derived from the hardware; written for readers
  c.rebuild = r.string("rebuild");
  c.method = r.string("method");
  if (std::find(calibration_method_names.begin(), calibration_method_names.end(), c.method) == calibration_method_names.end()) {
    std::string names;
    for (const auto& m : calibration_method_names) names += (names.empty() ? "\"" : ", \"") + std::string(m) + "\"";
    r.at("method").fail(c.method, "expected one of " + names);
  }
  c.host_threads = r.integer("host_threads", 1, 256);
  {
    ObjectReader h(r.raw("host_ceilings"), r.at("host_ceilings"));
    c.host.peak_macps = h.number("peak_macps", 0, 1e18);
    c.host.bandwidth_bytes_per_s = h.number("bandwidth_bytes_per_s", 0, 1e15);
    h.finish();
    if (c.method == "hardware_transfer" && (c.host.peak_macps <= 0 || c.host.bandwidth_bytes_per_s <= 0))
      r.at("host_ceilings").fail("hardware_transfer needs the host's probed peak_macps and bandwidth_bytes_per_s");
  }
  {
    ObjectReader g(r.raw("group_factors"), r.at("group_factors"));
    for (size_t k = 0; k < op_group_count; ++k) c.group_factor[k] = g.number(to_string(static_cast<OpGroup>(k)), 1e-3, 1e3);
    g.finish();
  }
  c.efficiency_exponent = r.number("efficiency_exponent", 0.1, 10, 1);
  c.dispatch_us_per_op = r.number("dispatch_us_per_op", 0, 1e6, 0);
  if (r.has("linear")) {  // files from before the linear methods have none
    ObjectReader l(r.raw("linear"), r.at("linear"));
    c.linear = {l.number("us_per_mac", 0, 1), l.number("us_per_byte", 0, 1), l.number("us_per_op", 0, 1e6)};
    l.finish();
  }
  if ((c.method == "macs_only" || c.method == "physical") && !(c.linear[0] + c.linear[1] + c.linear[2] > 0))
    r.at("linear").fail("all zero", c.method + " needs a positive time per MAC, byte or op");
  if (r.has("kinds")) {
    ObjectReader k(r.raw("kinds"), r.at("kinds"));
    for (const auto& [kind, share] : r.raw("kinds").items()) c.kind_share[kind] = k.number(kind, 0, 1);
    k.finish();
  }
  c.uncalibrated_factor = r.number("uncalibrated_factor", 1, 100, 1);
  if (r.has("uncalibrated")) c.uncalibrated = r.raw("uncalibrated");
  c.interval = r.raw("interval");
  {
    ObjectReader iv(c.interval, r.at("interval"));
    iv.number("level", 0.01, 0.99);
    iv.string("method");
    c.error_low = iv.number("error_low", -0.99, 10);
    c.error_high = iv.number("error_high", c.error_low, 10);
    if (iv.has("coverage")) iv.raw("coverage");
    iv.finish();
  }
  c.held_out = r.has("held_out") ? r.raw("held_out") : Json(nullptr);
  const Json provenance = r.has("provenance") ? r.raw("provenance") : Json::object();
  Predictor p = host_model_from_json(r.raw("host"), r.at("host"));
  r.finish();
  p.device = device;
  p.runtime = runtime;
  p.provenance = provenance;
  p.calibrated = std::move(c);
  return p;
}

}  // namespace

Predictor predictor_from_json(const Json& j, const std::string& file) {
  if (j.is_object() && j.contains("schema") && j["schema"] == device_schema) return device_from_json(j, Where(file));
  return host_model_from_json(j, Where(file));
}

namespace {

Predictor host_model_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  const std::string schema = r.string("schema");
  if (schema != predictor_schema)
    r.at("schema").fail(schema, "expected \"" + std::string(predictor_schema) + "\" or \"" + std::string(device_schema) + "\"");
  Predictor p;
  p.device = r.string("device");
  p.runtime = r.string("runtime", "");
  r.string("model", "");
  p.provenance = r.has("provenance") ? r.raw("provenance") : Json::object();
  // validate reads the profile path from here; a predictor made in code has none (null).
  if (p.provenance.is_null()) p.provenance = Json::object();
  if (!p.provenance.is_object()) r.at("provenance").fail(p.provenance, "expected an object");
  if (p.provenance.contains("profile") && !p.provenance["profile"].is_string())
    (r.at("provenance") / "profile").fail(p.provenance["profile"], "expected a string");
  // validate splits the zoo by these families: a list of family names.
  if (const Json families = p.provenance.value("zoo_families_fitted", Json::array());
      !families.is_array() || !std::all_of(families.begin(), families.end(), [](const Json& f) { return f.is_string(); }))
    (r.at("provenance") / "zoo_families_fitted").fail(families, "expected an array of zoo family names");
  const Json& classes = r.raw("classes");
  if (!classes.is_object()) r.at("classes").fail(classes, "expected an object of operator classes");
  const auto names = feature_names();
  for (const auto& [name, value] : classes.items()) {
    const Where w = r.at("classes") / name;
    const OpClass c = op_class_from_string(name, w);
    ObjectReader m(value, w);
    ClassModel cm;
    const std::string kind = m.string("kind", "quadratic");
    if (kind == "roofline") {
      for (const char* key : {"efficiency_theta", "feature_mean", "feature_scale", "ceilings"}) m.raw(key);  // required
      for (const char* key : {"monotone_nondecreasing", "residual_trees", "residual_bound_log"})
        if (m.has(key)) m.raw(key);
      cm.roofline = roofline_from_json(value, w);
    } else if (kind == "quadratic") {
      ObjectReader t(m.raw("theta"), w / "theta");
      for (size_t k = 0; k < feature_count; ++k) cm.theta[k] = t.number(names[k], -1e6, 1e6);
      t.finish();
      if (m.has("residual_trees")) cm.residual_trees = boost_from_json(m.raw("residual_trees"), w / "residual_trees");
      if (m.has("roofline_floor")) cm.roofline_floor = ceilings_from_json(m.raw("roofline_floor"), w / "roofline_floor");
    } else {
      (w / "kind").fail(kind, "expected \"roofline\" or absent (the quadratic model)");
    }
    ObjectReader range(m.raw("feature_range"), w / "feature_range");
    for (size_t k = 0; k < base_feature_count; ++k) {
      const Where rw = w / "feature_range" / names[1 + k];
      const Json& v = range.raw(names[1 + k]);
      if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() || !std::isfinite(v[0].get<double>()) ||
          !std::isfinite(v[1].get<double>()) || v[0].get<double>() > v[1].get<double>())
        rw.fail(v, "expected [low, high]");
      cm.lo[k] = v[0].get<double>();
      cm.hi[k] = v[1].get<double>();
    }
    range.finish();
    cm.scale = m.number("scale", 1e-6, 1e6, 1.0);
    cm.samples = m.integer("samples", 0, INT64_MAX, 0);
    cm.train_mape = m.number("train_mape", 0, 1e6, 0);
    m.finish();
    p.classes[static_cast<size_t>(c)] = cm;
  }
  // {"threads": value} maps; values finite and within [lo, hi].
  auto per_threads = [&](const char* key, const char* what, double lo, double hi, std::map<int64_t, double>& into) {
    if (!r.has(key)) return;
    const Json& o = r.raw(key);
    if (!o.is_object()) r.at(key).fail(o, std::string("expected {threads: ") + what + "}");
    for (const auto& [t, v] : o.items()) {
      const Where w = r.at(key) / t;
      const int64_t threads = thread_key(t, w);
      if (!v.is_number() || !std::isfinite(v.get<double>())) w.fail(v, "expected a finite number");
      if (v.get<double>() < lo || v.get<double>() > hi) w.fail(v, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      into[threads] = v.get<double>();
    }
  };
  per_threads("network_overhead_us", "microseconds", -1e9, 1e9, p.network_overhead_us);
  per_threads("network_scale", "factor", 0.1, 10, p.network_scale);
  if (r.has("warm_weights")) {
    const Json& o = r.raw("warm_weights");
    if (!o.is_object()) r.at("warm_weights").fail(o, "expected {threads: {network_bytes_below, us_per_weight_byte, max_share}}");
    for (const auto& [t, v] : o.items()) {
      const Where w = r.at("warm_weights") / t;
      const int64_t threads = thread_key(t, w);
      ObjectReader e(v, w);
      Predictor::WarmWeights warm;
      warm.network_bytes_below = e.number("network_bytes_below", 1, 1e15);
      warm.us_per_weight_byte = e.number("us_per_weight_byte", 1e-9, 1);  // 1 PB/s to 1 MB/s of weights
      warm.max_share = e.number("max_share", 0, 0.99);                   // an op never costs nothing
      e.finish();
      p.warm_weights[threads] = warm;
    }
  }
  if (r.has("interval")) {
    ObjectReader iv(r.raw("interval"), r.at("interval"));
    iv.number("level", 0, 1);
    iv.string("method");
    const Json& by = iv.raw("by_threads");
    if (!by.is_object() || by.empty()) r.at("interval").fail(by, "expected by_threads: {threads: {error_low, error_high, ...}}");
    for (const auto& [t, v] : by.items()) {
      const Where w = r.at("interval") / "by_threads" / t;
      thread_key(t, w);
      ObjectReader e(v, w);
      const double low = e.number("error_low", -1 + 1e-9, 1e3), high = e.number("error_high", -1 + 1e-9, 1e3);
      if (low > high) (w / "error_low").fail(low, "is above error_high");
      e.integer("networks", 1, INT64_MAX);
      e.number("coverage", 0, 1);
      e.finish();
    }
    iv.finish();
    p.interval = r.raw("interval");
  }
  r.finish();
  return p;
}

}  // namespace

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

Json prediction_json(const Predictor& p, const Network& net, const NetworkPrediction& pred, int64_t threads, bool layers) {
  double macs = 0;
  for (const auto& o : pred.ops) macs += o.macs;
  Json j = {{"model", net.name}, {"device", p.device}, {"runtime", p.runtime}, {"threads", threads},
            {"resolution", net.input.h}, {"macs", macs}, {"latency_us", pred.latency_us},
            {"macps", macs / (pred.latency_us * 1e-6)}, {"overhead_us", pred.overhead_us},
            {"network_bytes", pred.network_bytes}, {"weights_credit_us", pred.weights_credit_us}};
  if (pred.interval_us) {
    j["latency_us_low"] = (*pred.interval_us)[0];
    j["latency_us_high"] = (*pred.interval_us)[1];
    j["interval"] = pred.interval;
  }
  if (pred.uncalibrated) {  // a calibrated device: how much of the time rests on work its calibration barely saw
    j["uncalibrated_share"] = pred.uncalibrated->share;
    Json kinds = Json::array();
    for (const auto& [kind, share] : pred.uncalibrated->kinds) kinds.push_back({{"kind", kind}, {"share", share}});
    j["uncalibrated_kinds"] = kinds;
  }
  std::vector<std::vector<OutsideFeature>> outside;
  std::set<std::string> outside_names;
  int64_t ops_outside = 0;
  // The features predict() gave the host model: a calibrated device evaluates it at its host threads, on
  // the network its runtime runs.
  const int64_t model_threads = p.calibrated ? p.calibrated->host_threads : threads;
  const bool fuses_relu = !p.calibrated || p.calibrated->hardware.runtime_fuses_relu;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    // A fused op is not predicted (profiler/fusion.hpp), so nothing of it can lie outside the profile.
    outside.push_back(pred.ops[i].fused_into ? std::vector<OutsideFeature>{}
                                             : outside_profile(p, op_features(net, i, model_threads, fuses_relu)));
    ops_outside += !outside.back().empty();
    for (const auto& o : outside.back()) outside_names.insert(std::string(to_string(o.model)) + "." + o.feature);
  }
  j["outside_profile"] = ops_outside > 0;
  j["ops_outside_profile"] = ops_outside;
  j["outside_profile_features"] = outside_names;
  if (!layers) return j;
  const NetworkCount counts = count(net);
  Json rows = Json::array();
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const auto& o = pred.ops[i];
    const Json base = layer_row(net, i, counts.layers[i]);
    Json r = row_subset(base, {"name", "op"});
    r["op_class"] = to_string(o.op_class);
    r["macs"] = base["macs"];
    r["latency_us"] = o.latency_us;
    r["activation_us"] = o.activation_us;
    if (o.fused_into) r["fused_into"] = net.ops[*o.fused_into].name;
    r["macps"] = o.macs > 0 ? Json(o.macs / (o.latency_us * 1e-6)) : Json(nullptr);
    r["outside_profile"] = !outside[i].empty();
    Json features = Json::array();
    for (const auto& f : outside[i])
      features.push_back({{"model", to_string(f.model)}, {"feature", f.feature}, {"value", f.value}, {"lo", f.lo}, {"hi", f.hi}});
    r["outside_features"] = std::move(features);
    rows.push_back(std::move(r));
  }
  j["layers"] = std::move(rows);
  return j;
}

}  // namespace cpx::predictor

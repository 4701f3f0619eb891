#include <optional>

#include "predictor/interval.hpp"
#include "predictor/predictor.hpp"
#include "space/names.hpp"

namespace cpx::predictor {

namespace {

// A class model's form, its "kind" (absent: the quadratic, as written before the roofline model existed).
enum class ClassModelForm { quadratic, roofline };
constexpr Names<ClassModelForm, 2> class_model_form_names{
    {{ClassModelForm::quadratic, "quadratic"}, {ClassModelForm::roofline, "roofline"}}};

Json host_interval_to_json(const HostInterval& i) {
  Json by = Json::object();
  for (const auto& [t, e] : i.by_threads)
    by[std::to_string(t)] = {
        {"error_low", e.error_low}, {"error_high", e.error_high}, {"networks", e.networks}, {"coverage", e.coverage}};
  return {{"level", i.level}, {"method", i.method}, {"by_threads", by}};
}

HostInterval read_host_interval(const Json& j, const Where& where) {
  ObjectReader iv(j, where);
  HostInterval out;
  out.level = iv.number("level", 0, 1);
  out.method = iv.string("method");
  const Json& by = iv.raw("by_threads");
  if (!by.is_object() || by.empty()) where.fail(by, "expected by_threads: {threads: {error_low, error_high, ...}}");
  for (const auto& [t, v] : by.items()) {
    const Where w = where / "by_threads" / t;
    HostInterval::AtThreads& at = out.by_threads[thread_key(t, w)];
    ObjectReader e(v, w);
    at.error_low = e.number("error_low", -1 + 1e-9, 1e3);
    at.error_high = e.number("error_high", -1 + 1e-9, 1e3);
    if (at.error_low > at.error_high) (w / "error_low").fail(at.error_low, "is above error_high");
    at.networks = e.integer("networks", 1, INT64_MAX);
    at.coverage = e.number("coverage", 0, 1);
    e.finish();
  }
  iv.finish();
  return out;
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
      out = to_json(*m.roofline);
      out["kind"] = class_model_form_names.name_of(ClassModelForm::roofline);
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
  Json j = {{"schema", predictor_schema},
            {"device", p.device},
            {"runtime", p.runtime},
            {"model",
             "log(latency_us) = theta . features + residual trees(features), per operator class; an unfused activation "
             "adds its elementwise prediction; "
             "network = scale * Σ (op - its warm_weights credit) + overhead; credit = min(weight bytes * "
             "us_per_weight_byte, max_share * op) in a network of at most network_bytes_below bytes, else 0"},
            {"classes", classes},
            {"network_overhead_us", overhead},
            {"network_scale", scale},
            {"provenance", p.provenance.document}};
  if (!p.warm_weights.empty()) {
    Json warm = Json::object();
    for (const auto& [t, w] : p.warm_weights)
      warm[std::to_string(t)] = {{"network_bytes_below", w.network_bytes_below},
                                 {"us_per_weight_byte", w.us_per_weight_byte},
                                 {"max_share", w.max_share}};
    j["warm_weights"] = warm;
  }
  if (p.interval) j["interval"] = host_interval_to_json(*p.interval);
  return j;
}

}  // namespace

Json to_json(const Predictor& p) {
  if (!p.calibrated) return host_model_json(p);
  const Calibrated& c = *p.calibrated;
  Predictor host = p;
  host.calibrated.reset();
  host.provenance = Provenance{};
  Json factors = Json::object();
  for (size_t g = 0; g < op_group_count; ++g)
    factors[std::string(to_string(static_cast<OpGroup>(g)))] = c.group_factor[g];
  Json j = {
      {"schema", device_schema},
      {"device", p.device},
      {"runtime", p.runtime},
      {"hardware", c.hardware.json},
      {"fp32_peak_macps", c.hardware.peak_macps()},
      {"rebuild", c.rebuild},
      {"method", to_string(c.method)},
      {"host_threads", c.host_threads},
      {"host_ceilings", {{"peak_macps", c.host.peak_macps}, {"bandwidth_bytes_per_s", c.host.bandwidth_bytes_per_s}}},
      {"group_factors", factors},
      {"efficiency_exponent", c.efficiency_exponent},
      {"dispatch_us_per_op", c.dispatch_us_per_op},
      {"linear", {{"us_per_mac", c.linear[0]}, {"us_per_byte", c.linear[1]}, {"us_per_op", c.linear[2]}}},
      {"kinds", kinds_json(c.kind_share)},
      {"uncalibrated_factor", c.uncalibrated_factor},
      {"uncalibrated", c.uncalibrated ? to_json(*c.uncalibrated, c.uncalibrated_factor) : Json(nullptr)},
      {"kind_spread", kinds_json(c.kind_spread)},
      {"calibration_sizes", c.calibration_sizes
                                ? Json{{"macs_min", c.calibration_sizes->macs_min},
                                       {"macs_max", c.calibration_sizes->macs_max},
                                       {"macs_only_us_per_mac", c.calibration_sizes->macs_only_us_per_mac}}
                                : Json(nullptr)},
      {"interval", to_json(c.interval)},
      {"held_out", c.held_out ? to_json(*c.held_out) : Json(nullptr)},
      {"provenance", p.provenance.document},
      {"host", host_model_json(host)}};
  j["timed_by"] = to_string(c.timed_by);
  if (timed_by_someone(c.timed_by)) j["timed_with"] = {{"runtime", c.timed_runtime}, {"threads", c.hardware.threads}};
  return j;
}

namespace {

Predictor host_model_from_json(const Json& j, const Where& where);

// "timed_by" and, for the user's or this project's timings, "timed_with": the runtime they named and the
// threads, which are the hardware's.
void read_timed_by(ObjectReader& r, Calibrated& c) {
  const std::string name = r.string("timed_by");
  const std::optional<TimedBy> t = find_timed_by(name);
  if (!t) r.at("timed_by").fail(name, "expected one of " + timed_by_names.joined());
  c.timed_by = *t;
  if (!timed_by_someone(c.timed_by)) return;
  ObjectReader w(r.raw("timed_with"), r.at("timed_with"));
  c.timed_runtime = w.string("runtime");
  if (c.timed_runtime.empty())
    w.at("runtime").fail(c.timed_runtime, "expected the runtime and version the timings were made with");
  const int64_t threads = w.integer("threads", 1, 256);
  if (threads != c.hardware.threads)
    w.at("threads").fail(threads, "is not hardware.threads (" + std::to_string(c.hardware.threads) + ")");
  w.finish();
}

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
  const std::string method = r.string("method");
  const std::optional<CalibrationMethod> m = find_calibration_method(method);
  if (!m) r.at("method").fail(method, "expected one of " + method_names.joined(", "));
  c.method = *m;
  c.host_threads = r.integer("host_threads", 1, 256);
  {
    ObjectReader h(r.raw("host_ceilings"), r.at("host_ceilings"));
    c.host.peak_macps = h.number("peak_macps", 0, 1e18);
    c.host.bandwidth_bytes_per_s = h.number("bandwidth_bytes_per_s", 0, 1e15);
    h.finish();
    if (pricing_of(c.method) == DevicePricing::transferred &&
        (c.host.peak_macps <= 0 || c.host.bandwidth_bytes_per_s <= 0))
      r.at("host_ceilings").fail(method + " needs the host's probed peak_macps and bandwidth_bytes_per_s");
  }
  {
    ObjectReader g(r.raw("group_factors"), r.at("group_factors"));
    for (size_t k = 0; k < op_group_count; ++k)
      c.group_factor[k] = g.number(to_string(static_cast<OpGroup>(k)), 1e-3, 1e3);
    g.finish();
  }
  c.efficiency_exponent = r.number("efficiency_exponent", 0.1, 10);
  c.dispatch_us_per_op = r.number("dispatch_us_per_op", 0, 1e6);
  {
    ObjectReader l(r.raw("linear"), r.at("linear"));
    c.linear = {l.number("us_per_mac", 0, 1), l.number("us_per_byte", 0, 1), l.number("us_per_op", 0, 1e6)};
    l.finish();
  }
  if (pricing_of(c.method) == DevicePricing::linear && !(c.linear[0] + c.linear[1] + c.linear[2] > 0))
    r.at("linear").fail("all zero", method + " needs a positive time per MAC, byte or op");
  c.kind_share = kinds_from_json(r.raw("kinds"), r.at("kinds"), 0, 1);
  c.uncalibrated_factor = r.number("uncalibrated_factor", 1, 100);
  c.kind_spread = kinds_from_json(r.raw("kind_spread"), r.at("kind_spread"), 0, 10);
  if (!r.raw("calibration_sizes").is_null()) {
    ObjectReader s(r.raw("calibration_sizes"), r.at("calibration_sizes"));
    const double low = s.number("macs_min", 0, 1e15);
    c.calibration_sizes =
        Calibrated::SizeRange{low, s.number("macs_max", low, 1e15), s.number("macs_only_us_per_mac", 0, 1)};
    s.finish();
  }
  if (!r.raw("uncalibrated").is_null())
    c.uncalibrated = uncalibrated_sizing_from_json(r.raw("uncalibrated"), r.at("uncalibrated"), c.uncalibrated_factor);
  c.interval = device_interval_from_json(r.raw("interval"), r.at("interval"));
  if (!r.raw("held_out").is_null()) c.held_out = calibration_held_out_from_json(r.raw("held_out"), r.at("held_out"));
  read_timed_by(r, c);
  Provenance provenance = provenance_from_json(r.raw("provenance"), r.at("provenance"));
  Predictor p = host_model_from_json(r.raw("host"), r.at("host"));
  r.finish();
  p.device = device;
  p.runtime = runtime;
  p.provenance = std::move(provenance);
  p.calibrated = std::move(c);
  return p;
}

}  // namespace

Predictor predictor_from_json(const Json& j, const std::string& file) {
  if (j.is_object() && is_file_version(j.value("schema", Json()), device_version))
    return device_from_json(j, Where(file));
  return host_model_from_json(j, Where(file));
}

namespace {

Predictor host_model_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  check_file_version(r.at("schema"), r.raw("schema"), {predictor_version, device_version});
  Predictor p;
  p.device = r.string("device");
  p.runtime = r.string("runtime", "");
  r.string("model", "");
  // validate reads the profile path from here; a predictor made in code has none (null: written back as {}).
  const Json provenance = r.has("provenance") ? r.raw("provenance") : Json::object();
  p.provenance = provenance_from_json(provenance.is_null() ? Json::object() : provenance, r.at("provenance"));
  const Json& classes = r.raw("classes");
  if (!classes.is_object()) r.at("classes").fail(classes, "expected an object of operator classes");
  const auto names = feature_names();
  for (const auto& [name, value] : classes.items()) {
    const Where w = r.at("classes") / name;
    const OpClass c = op_class_from_string(name, w);
    ObjectReader m(value, w);
    ClassModel cm;
    const std::string kind = m.string("kind", std::string(class_model_form_names.name_of(ClassModelForm::quadratic)));
    const std::optional<ClassModelForm> form = class_model_form_names.find(kind);
    if (!form) (w / "kind").fail(kind, "expected \"roofline\" or absent (the quadratic model)");
    if (*form == ClassModelForm::roofline) {
      for (const char* key : {"efficiency_theta", "feature_mean", "feature_scale", "ceilings"}) m.raw(key);  // required
      for (const char* key : {"monotone_nondecreasing", "residual_trees", "residual_bound_log"})
        if (m.has(key)) m.raw(key);
      cm.roofline = roofline_from_json(value, w);
    } else {
      ObjectReader t(m.raw("theta"), w / "theta");
      for (size_t k = 0; k < feature_count; ++k) cm.theta[k] = t.number(names[k], -1e6, 1e6);
      t.finish();
      if (m.has("residual_trees")) cm.residual_trees = boost_from_json(m.raw("residual_trees"), w / "residual_trees");
      if (m.has("roofline_floor"))
        cm.roofline_floor = ceilings_from_json(m.raw("roofline_floor"), w / "roofline_floor");
    }
    ObjectReader range(m.raw("feature_range"), w / "feature_range");
    for (size_t k = 0; k < base_feature_count; ++k) {
      const Where rw = w / "feature_range" / names[1 + k];
      const Json& v = range.raw(names[1 + k]);
      if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() ||
          !std::isfinite(v[0].get<double>()) || !std::isfinite(v[1].get<double>()) ||
          v[0].get<double>() > v[1].get<double>())
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
      if (v.get<double>() < lo || v.get<double>() > hi)
        w.fail(v, "out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      into[threads] = v.get<double>();
    }
  };
  per_threads("network_overhead_us", "microseconds", -1e9, 1e9, p.network_overhead_us);
  per_threads("network_scale", "factor", 0.1, 10, p.network_scale);
  if (r.has("warm_weights")) {
    const Json& o = r.raw("warm_weights");
    if (!o.is_object())
      r.at("warm_weights").fail(o, "expected {threads: {network_bytes_below, us_per_weight_byte, max_share}}");
    for (const auto& [t, v] : o.items()) {
      const Where w = r.at("warm_weights") / t;
      const int64_t threads = thread_key(t, w);
      ObjectReader e(v, w);
      Predictor::WarmWeights warm;
      warm.network_bytes_below = e.number("network_bytes_below", 1, 1e15);
      warm.us_per_weight_byte = e.number("us_per_weight_byte", 1e-9, 1);  // 1 PB/s to 1 MB/s of weights
      warm.max_share = e.number("max_share", 0, 0.99);                    // an op never costs nothing
      e.finish();
      p.warm_weights[threads] = warm;
    }
  }
  if (r.has("interval")) p.interval = read_host_interval(r.raw("interval"), r.at("interval"));
  r.finish();
  return p;
}

}  // namespace

}  // namespace cpx::predictor

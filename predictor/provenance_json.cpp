// The provenance's edge: the typed fields the program reads, taken from the document once (provenance.hpp).
#include <algorithm>
#include <limits>

#include "predictor/provenance.hpp"

namespace cpx::predictor {

namespace {

constexpr double any_provenance_number = std::numeric_limits<double>::max();

// A list of names, e.g. zoo_families_fitted, the learning devices; absent: empty.
std::vector<std::string> provenance_names(ObjectReader& r, const char* key, const char* what) {
  std::vector<std::string> out;
  if (!r.has(key)) return out;
  const Json& names = r.raw(key);
  if (!names.is_array() || !std::all_of(names.begin(), names.end(), [](const Json& n) { return n.is_string(); }))
    r.at(key).fail(names, std::string("expected an array of ") + what);
  for (const Json& n : names) out.push_back(n.get<std::string>());
  return out;
}

// Each row of a list of objects, read by `row`; absent: none.
template <class Row, class F>
std::vector<Row> provenance_rows(ObjectReader& r, const char* key, F row) {
  std::vector<Row> out;
  if (!r.has(key)) return out;
  const Json& rows = r.raw(key);
  if (!rows.is_array()) r.at(key).fail(rows, "expected an array of objects");
  for (size_t i = 0; i < rows.size(); ++i) {
    ObjectReader e(rows[i], r.at(key)[i]);
    out.push_back(row(e));
  }
  return out;
}

// A figure the prior computed: any number, or null (JSON's NaN); NaN when null.
double provenance_figure(ObjectReader& r, const char* key) {
  const Json& v = r.raw(key);
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) r.at(key).fail(v, "expected a number");
  return v.get<double>();
}

void read_provenance_environment(ObjectReader& r, Provenance& p) {
  if (!r.has("environment")) return;
  p.environment = r.raw("environment");
  if (!p.environment.is_object()) r.at("environment").fail(p.environment, "expected an object");
  ObjectReader env(p.environment, r.at("environment"));
  p.environment_recorded = true;
  p.igemm = profiler::igemm_rule_of(p.environment, r.at("environment"));
  p.isa = env.string("isa");  // a name outside profiler's ISA table is kept: advise then assumes 128-bit vectors
}

Provenance::ZeroShot read_zero_shot_prior(const Json& j, const Where& where) {
  ObjectReader z(j, where);
  Provenance::ZeroShot out;
  out.devices = provenance_names(z, "devices", "device names");
  out.form = z.string("form");
  out.covariate = z.string("covariate");
  out.runtime_level = z.string("runtime_level", "");
  out.dispatch_us_per_op = provenance_figure(z, "dispatch_us_per_op");
  out.slope = provenance_figure(z, "slope");
  const Json& shown = z.raw("covariate_shown");
  if (!shown.is_array() || shown.size() != 3 ||
      !std::all_of(shown.begin(), shown.end(), [](const Json& v) { return v.is_number() || v.is_null(); }))
    z.at("covariate_shown").fail(shown, "expected [this device's, the lowest, the highest]");
  for (size_t k = 0; k < 3; ++k)
    out.covariate_shown[k] = shown[k].is_null() ? std::numeric_limits<double>::quiet_NaN() : shown[k].get<double>();
  out.left_out = provenance_rows<Provenance::ZeroShot::LeftOut>(z, "left_out", [](ObjectReader& e) {
    return Provenance::ZeroShot::LeftOut{e.string("device"), provenance_figure(e, "mape")};
  });
  return out;
}

}  // namespace

Provenance provenance_from_json(const Json& document, const Where& where) {
  Provenance p;
  p.document = document;  // written back as it is, null too (a device file's may be)
  static const Json none = Json::object();
  ObjectReader r(document.is_null() ? none : document, where);
  if (r.has("profile")) p.profile = r.string("profile");
  read_provenance_environment(r, p);
  p.profile_complete = r.boolean("profile_complete", false);
  p.fitted_on = r.string("fitted_on", "");
  if (r.has("selection")) p.selection = r.string("selection");
  // validate splits the zoo by these families.
  p.zoo_families_fitted = provenance_names(r, "zoo_families_fitted", "zoo family names");
  p.published = provenance_rows<Provenance::Published>(r, "published", [](ObjectReader& e) {
    Provenance::Published row;
    row.model = e.string("model");
    row.family = e.string("family");
    row.latency_ms = e.number("latency_ms", 0, any_provenance_number);
    if (e.has("held_out_ms")) row.held_out_ms = provenance_figure(e, "held_out_ms");
    return row;
  });
  if (r.has("host_model"))
    p.host_model = std::make_shared<const Provenance>(provenance_from_json(r.raw("host_model"), r.at("host_model")));
  if (r.has("zero_shot")) p.zero_shot = read_zero_shot_prior(r.raw("zero_shot"), r.at("zero_shot"));
  p.timings = provenance_rows<Provenance::Timing>(r, "timings", [](ObjectReader& e) {
    return Provenance::Timing{e.string("model"), provenance_figure(e, "latency_ms"),
                              provenance_figure(e, "zero_shot_ms"), provenance_figure(e, "updated_ms")};
  });
  p.outside_learning_devices = provenance_names(r, "outside_learning_devices", "hardware figures");
  return p;
}

Json fit_summary_to_json(const Provenance& p) {
  Json j = Json::object();
  for (const char* key : {"profile", "fitted_on", "selection"})
    if (p.document.contains(key)) j[key] = p.document[key];
  return j;
}

Json published_to_json(const Provenance& p) {
  return p.document.is_object() ? p.document.value("published", Json(nullptr)) : Json(nullptr);
}

Json zero_shot_to_json(const Provenance& p) {
  return p.document.is_object() ? p.document.value("zero_shot", Json(nullptr)) : Json(nullptr);
}

}  // namespace cpx::predictor

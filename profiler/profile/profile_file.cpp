// Device profile files: everything that resume, rules and fit read is checked on load, so that a
// profile from another machine or an editor is either whole or an InputError naming the field. Kept
// apart from the sweep so that the loader builds without the XNNPACK executor (the fuzz target).
#include "profiler/profile/profile_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "profiler/profile/block_variant.hpp"
#include "space/network.hpp"
#include "space/op.hpp"

namespace cpx::profiler {

namespace {

// Typed checks on a JSON object that leave unknown fields alone (profile records carry many).
struct Fields {
  const Json& j;
  Where w;
  Fields(const Json& json, Where where) : j(json), w(std::move(where)) {
    if (!j.is_object()) w.fail(j, "expected an object");
  }
  const Json& get(const char* key) const {
    if (!j.contains(key)) (w / key).fail("missing required field");
    return j[key];
  }
  void integer(const char* key, int64_t lo, int64_t hi) const {
    const Json& v = get(key);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) ||
        v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      (w / key).fail(v, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  void number(const char* key, double lo, double hi) const {
    const Json& v = get(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi)
      (w / key).fail(v, "expected a finite number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  void string(const char* key) const {
    if (!get(key).is_string()) (w / key).fail(get(key), "expected a string");
  }
  void array(const char* key) const {
    if (!get(key).is_array()) (w / key).fail(get(key), "expected an array");
  }
  void optional(const char* key, bool (Json::*is)() const noexcept, const char* what) const {
    if (j.contains(key) && !(j[key].*is)()) (w / key).fail(j[key], std::string("expected ") + what);
  }
};

ShapeNhwc read_shape(const Json& v, const Where& w) {
  if (!v.is_array() || v.size() != 4) w.fail(v, "expected [n, h, w, c]");
  for (size_t i = 0; i < 4; ++i)
    if (!v[i].is_number_integer() || v[i].get<int64_t>() < 1 || v[i].get<int64_t>() > limits::max_channels)
      w[i].fail(v[i], "expected an integer in [1, " + std::to_string(limits::max_channels) + "]");
  return {v[0].get<int64_t>(), v[1].get<int64_t>(), v[2].get<int64_t>(), v[3].get<int64_t>()};
}

// The key of a record's and an op row's timing object: "latency_us" in v1, "timing" since v2.
void check_timing(const Fields& rec, const char* key, double min_us) {
  const Fields l(rec.get(key), rec.w / key);
  l.optional("noisy", &Json::is_boolean, "true or false");  // fit and the interference summary read it
  Fields(l.get("stats_us"), l.w / "stats_us").number("median", min_us, 1e12);
}

// An op row, its timing object under `timing_key` (the file's version's key).
MeasuredOp read_op(const Json& j, const Where& where, const char* timing_key) {
  const Fields l(j, where);
  MeasuredOp o;
  l.string("op");
  o.row.op = j["op"].get<std::string>();
  // Ops without attributes (add, softmax...) write null.
  if (!l.get("attrs").is_object() && !l.get("attrs").is_null()) (l.w / "attrs").fail(l.get("attrs"), "expected an object");
  o.attrs = j["attrs"];
  l.array("in_nhwc");
  if (l.get("in_nhwc").empty()) (l.w / "in_nhwc").fail(l.get("in_nhwc"), "expected at least one input shape");
  for (size_t x = 0; x < l.get("in_nhwc").size(); ++x) o.row.in_nhwc.push_back(read_shape(l.get("in_nhwc")[x], (l.w / "in_nhwc")[x]));
  if (j.contains("inputs")) {
    const Json& names = l.get("inputs");
    if (!names.is_array() || names.size() != l.get("in_nhwc").size())
      (l.w / "inputs").fail(names, "expected one tensor name per in_nhwc shape");
    for (size_t x = 0; x < names.size(); ++x) {
      if (!names[x].is_string()) (l.w / "inputs")[x].fail(names[x], "expected a tensor name");
      o.row.inputs.push_back(names[x].get<std::string>());
    }
  }
  o.row.out_nhwc = read_shape(l.get("out_nhwc"), l.w / "out_nhwc");
  check_timing(l, timing_key, 0);
  o.timing = timing_from_json(j[timing_key], l.w / timing_key);
  l.optional("name", &Json::is_string, "a string");
  o.row.name = j.value("name", "");
  if (j.contains("conv_class") && !j["conv_class"].is_null()) {
    l.string("conv_class");
    o.row.conv_class = conv_class_names.find(j["conv_class"].get<std::string>());
    if (!o.row.conv_class) (l.w / "conv_class").fail(j["conv_class"], "expected " + conv_class_names.joined(", ") + " or null");
  }
  using Count = std::pair<const char*, int64_t*>;
  for (const auto& [key, value] : {Count{"macs", &o.row.macs}, Count{"params_inference", &o.row.params_inference}, Count{"bytes", &o.row.bytes}})
    if (j.contains(key)) {
      l.integer(key, 0, INT64_MAX);
      *value = j[key].get<int64_t>();
    }
  l.optional("implementation", &Json::is_string, "a string");
  o.implementation = j.value("implementation", "");
  l.optional("emulated", &Json::is_boolean, "true or false");
  o.emulated = j.value("emulated", false);
  l.optional("fused_into", &Json::is_string, "an op name");
  o.row.fused_into = j.value("fused_into", "");
  return o;
}

// Profiles come from other machines and from editors: everything that resume, rules and fit read is
// checked here, so that none of them meets a missing field, a wrong type or a non-finite number.
// Errors name the keys of the file's own version.
void check_profile(const Json& j, const std::string& path) {
  const Fields top(j, Where(path));
  check_file_version(top.w / "schema", j.value("schema", Json()), {device_profile_version, device_profile_v1});
  const char* timing = is_file_version(j["schema"], device_profile_v1) ? "latency_us" : "timing";
  top.optional("complete", &Json::is_boolean, "true or false");
  top.optional("device", &Json::is_string, "a string");
  top.optional("environment", &Json::is_object, "an object");
  if (j.contains("elapsed_s")) top.number("elapsed_s", 0, 1e9);
  profile_warm_twins(j, top.w);
  top.array("peaks");
  for (size_t i = 0; i < j["peaks"].size(); ++i) {
    const Fields p(j["peaks"][i], (top.w / "peaks")[i]);
    p.integer("threads", 1, 256);
    p.number("peak_macps", 1, 1e18);
    p.number("bandwidth_bytes_per_s", 0, 1e18);
    p.string("peak_source");
  }
  if (j.contains("coverage")) {  // resume continues its rounds from these
    const Fields cov(j["coverage"], top.w / "coverage");
    cov.array("rounds");
    if (cov.get("rounds").size() != 2) (cov.w / "rounds").fail(cov.get("rounds"), "expected two rounds");
    for (size_t i = 0; i < 2; ++i) {
      const Fields r(cov.get("rounds")[i], (cov.w / "rounds")[i]);
      r.number("budget_s", 0, 1e9);
      r.number("spent_s", 0, 1e9);
      r.integer("measured", 0, INT64_MAX);
    }
  }
  std::set<std::string> ids;
  for (const ProfileSection kind :
       {ProfileSection::configs, ProfileSection::ops, ProfileSection::networks, ProfileSection::zoo, ProfileSection::fasternet}) {
    const std::string section(to_string(kind));
    if (!j.contains(section)) continue;
    top.array(section.c_str());
    const Json& list = j[section];
    for (size_t i = 0; i < list.size(); ++i) {
      const Fields r(list[i], (top.w / section)[i]);
      r.string("id");
      if (!ids.insert(r.get("id").get<std::string>()).second) (r.w / "id").fail(r.get("id"), "duplicate measurement id");
      r.integer("threads", 1, 256);
      r.integer("macs", 0, INT64_MAX);
      r.number("macps", 0, 1e18);
      if (list[i].contains("bytes")) r.number("bytes", 0, 1e18);  // fit's warm-weights credit reads it
      check_timing(r, timing, 1e-9);
      if (kind == ProfileSection::configs) {
        r.string("variant");
        if (!block_variant_from_string(r.get("variant").get<std::string>())) (r.w / "variant").fail(r.get("variant"), "unknown sweep variant");
        r.integer("kernel", 1, limits::max_kernel);
        r.integer("groups", 1, limits::max_channels);
        r.integer("channels", 1, limits::max_channels);
        r.integer("resolution", 1, limits::max_spatial);
        r.integer("stride", 1, limits::max_kernel);
      } else if (kind == ProfileSection::zoo) {
        r.string("model");
      } else if (kind == ProfileSection::fasternet) {
        r.string("op");
        r.integer("channels", 1, limits::max_channels);
        r.integer("resolution", 1, limits::max_spatial);
      }
      if (kind == ProfileSection::configs || kind == ProfileSection::ops || kind == ProfileSection::networks) {
        r.array("layers");
        const Json& layers = r.get("layers");
        for (size_t k = 0; k < layers.size(); ++k) read_op(layers[k], (r.w / "layers")[k], timing);
      }
    }
  }
}

// In its place among the keys, so that a resumed v1 profile is written in its own order.
void rename_key(Json& j, std::string_view from, std::string_view to) {
  if (!j.is_object() || !j.contains(from)) return;
  Json renamed = Json::object();
  for (auto& [key, value] : j.items()) renamed[key == from ? std::string(to) : key] = std::move(value);
  j = std::move(renamed);
}

// A checked v1 profile as v2: its records', op rows' and peak probes' "latency_us" (a timing object)
// renamed "timing". Nothing else differs between the two.
void upgrade_from_v1(Json& j) {
  j["schema"] = device_profile_schema;
  for (auto& peak : j["peaks"])
    if (peak.contains("probes") && peak["probes"].is_object())
      for (auto& [name, probe] : peak["probes"].items()) rename_key(probe, "latency_us", "timing");
  for (const char* section : profile_sections) {
    if (!j.contains(section)) continue;
    for (auto& r : j[section]) {
      rename_key(r, "latency_us", "timing");
      if (r.contains("layers") && r["layers"].is_array())
        for (auto& l : r["layers"]) rename_key(l, "latency_us", "timing");
    }
  }
}

}  // namespace

MeasuredOp read_profile_op(const Json& j, const Where& where) { return read_op(j, where, "timing"); }

std::set<std::string> profile_warm_twins(const Json& profile, const Where& where) {
  const Json* list = nullptr;
  if (profile.contains("options") && profile["options"].is_object() && profile["options"].contains("cold_caches") &&
      profile["options"]["cold_caches"].is_object() && profile["options"]["cold_caches"].contains("warm_twins"))
    list = &profile["options"]["cold_caches"]["warm_twins"];
  if (!list) return {std::string(ActivationOp::kind)};
  const Where w = where / "options" / "cold_caches" / "warm_twins";
  if (!list->is_array()) w.fail(*list, "expected an array of op kinds");
  static const std::vector<std::string_view> known = op_kinds();
  std::set<std::string> kinds;
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& k = (*list)[i];
    if (!k.is_string()) w[i].fail(k, "expected an op kind");
    if (std::find(known.begin(), known.end(), k.get<std::string>()) == known.end()) w[i].fail(k, "unknown op kind");
    kinds.insert(k.get<std::string>());
  }
  return kinds;
}

Json load_profile(const std::string& path) { return profile_from_json(read_json_file(path), path); }

Json profile_from_json(Json j, const std::string& file) {
  check_profile(j, file);
  if (is_file_version(j["schema"], device_profile_v1)) upgrade_from_v1(j);
  return j;
}

}  // namespace cpx::profiler

// Device profile files: everything that resume, rules and fit read is checked on load, so that a
// profile from another machine or an editor is either whole or an InputError naming the field. Kept
// apart from the sweep so that the loader builds without the XNNPACK executor (the fuzz target).
#include "profiler/profile/profile_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <tuple>
#include <utility>

#include "profiler/profile/fusion.hpp"
#include "profiler/profile/block_variant.hpp"
#include "space/activation.hpp"
#include "space/network.hpp"
#include "space/op.hpp"

namespace cpx::profiler {

namespace {

// Typed checks on a JSON object that leave unknown fields alone (profile records carry many).
// Every profile this version writes carries each required field: one missing is a profile written before it
// (or by hand), and the error says how to get one this version reads.
constexpr const char* missing_field = "missing required field (profile again: `cpubone-explore profile`)";

struct Fields {
  const Json& j;
  Where w;
  Fields(const Json& json, Where where) : j(json), w(std::move(where)) {
    if (!j.is_object()) w.fail(j, "expected an object");
  }
  const Json& get(const char* key) const {
    if (!j.contains(key)) (w / key).fail(missing_field);
    return j[key];
  }
  // The field's value, checked.
  int64_t integer(const char* key, int64_t lo, int64_t hi) const {
    const Json& v = get(key);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) ||
        v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      (w / key).fail(v, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v.get<int64_t>();
  }
  double number(const char* key, double lo, double hi) const {
    const Json& v = get(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi)
      (w / key).fail(v, "expected a finite number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v.get<double>();
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

// A record's and an op row's timing object.
Timing read_timing(const Fields& rec, double min_us) {
  const Fields l(rec.get("timing"), rec.w / "timing");
  l.optional("noisy", &Json::is_boolean, "true or false");  // fit and the interference summary read it
  Fields(l.get("stats_us"), l.w / "stats_us").number("median", min_us, 1e12);
  return timing_from_json(l.j, l.w);
}

MeasuredOp read_op(const Json& j, const Where& where) {
  const Fields l(j, where);
  MeasuredOp o;
  l.string("op");
  o.row.op = j["op"].get<std::string>();
  // Ops without attributes (add, softmax...) write null.
  if (!l.get("attrs").is_object() && !l.get("attrs").is_null())
    (l.w / "attrs").fail(l.get("attrs"), "expected an object");
  o.attrs = j["attrs"];
  l.array("in_nhwc");
  if (l.get("in_nhwc").empty()) (l.w / "in_nhwc").fail(l.get("in_nhwc"), "expected at least one input shape");
  for (size_t x = 0; x < l.get("in_nhwc").size(); ++x)
    o.row.in_nhwc.push_back(read_shape(l.get("in_nhwc")[x], (l.w / "in_nhwc")[x]));
  const Json& names = l.get("inputs");
  if (!names.is_array() || names.size() != l.get("in_nhwc").size())
    (l.w / "inputs").fail(names, "expected one tensor name per in_nhwc shape");
  for (size_t x = 0; x < names.size(); ++x) {
    if (!names[x].is_string()) (l.w / "inputs")[x].fail(names[x], "expected a tensor name");
    o.row.inputs.push_back(names[x].get<std::string>());
  }
  o.row.out_nhwc = read_shape(l.get("out_nhwc"), l.w / "out_nhwc");
  o.timing = read_timing(l, 0);
  l.optional("name", &Json::is_string, "a string");
  o.row.name = j.value("name", "");
  if (j.contains("conv_class") && !j["conv_class"].is_null()) {
    l.string("conv_class");
    o.row.conv_class = conv_class_names.find(j["conv_class"].get<std::string>());
    if (!o.row.conv_class)
      (l.w / "conv_class").fail(j["conv_class"], "expected " + conv_class_names.joined(", ") + " or null");
  }
  using Count = std::pair<const char*, int64_t*>;
  for (const auto& [key, value] :
       {Count{"macs", &o.row.macs}, Count{"params_inference", &o.row.params_inference}, Count{"bytes", &o.row.bytes}})
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

// The coverage set's conv of an ops record (which says coverage_round), its round and score.
void read_coverage_fields(const Fields& r, ProfileRecord& rec) {
  CoverageConv c;
  const Json& kernel = r.get("kernel");
  if (!kernel.is_array() || kernel.size() != 2 || !kernel[0].is_number_integer() || !kernel[1].is_number_integer() ||
      kernel[0].get<int64_t>() < 1 || kernel[1].get<int64_t>() < 1 || kernel[0].get<int64_t>() > limits::max_kernel ||
      kernel[1].get<int64_t>() > limits::max_kernel)
    (r.w / "kernel").fail(kernel, "expected [kernel_h, kernel_w] in [1, " + std::to_string(limits::max_kernel) + "]");
  c.kernel_h = kernel[0].get<int64_t>();
  c.kernel_w = kernel[1].get<int64_t>();
  using Bounded = std::tuple<const char*, int64_t, int64_t*>;
  for (const auto& [key, hi, value] :
       {Bounded{"groups", limits::max_channels, &c.groups},
        Bounded{"in_channels", limits::max_channels, &c.in_channels},
        Bounded{"out_channels", limits::max_channels, &c.out_channels},
        Bounded{"resolution", limits::max_spatial, &c.resolution}, Bounded{"stride", limits::max_kernel, &c.stride},
        Bounded{"coverage_round", 2, &rec.coverage_round}}) {
    *value = r.integer(key, 1, hi);
  }
  c.activation = read_activation_name(r.get("activation"), r.w / "activation");
  c.threads = rec.threads;
  rec.coverage_score = r.number("coverage_score", 0, 1e300);
  rec.coverage_conv = c;
}

// The fields of a record's own section (configs: the grid point; zoo: the model...).
void read_section_fields(const Fields& r, ProfileSection kind, ProfileRecord& rec) {
  if (kind == ProfileSection::configs) {
    r.string("variant");
    const std::optional<BlockVariant> variant = block_variant_from_string(r.get("variant").get<std::string>());
    if (!variant) (r.w / "variant").fail(r.get("variant"), "unknown sweep variant");
    rec.variant = *variant;
    using Bounded = std::tuple<const char*, int64_t, int64_t*>;
    for (const auto& [key, hi, value] :
         {Bounded{"kernel", limits::max_kernel, &rec.kernel}, Bounded{"groups", limits::max_channels, &rec.groups},
          Bounded{"channels", limits::max_channels, &rec.channels},
          Bounded{"resolution", limits::max_spatial, &rec.resolution},
          Bounded{"stride", limits::max_kernel, &rec.stride}}) {
      *value = r.integer(key, 1, hi);
    }
  } else if (kind == ProfileSection::zoo) {
    r.string("model");
    rec.model = r.get("model").get<std::string>();
    if (r.j.contains("resolution")) {  // hand-made profiles may leave it out
      rec.resolution = r.integer("resolution", 1, limits::max_spatial);
    }
  } else if (kind == ProfileSection::fasternet) {
    r.string("op");
    rec.op = r.get("op").get<std::string>();
    rec.channels = r.integer("channels", 1, limits::max_channels);
    rec.resolution = r.integer("resolution", 1, limits::max_spatial);
  } else if (kind == ProfileSection::networks && r.j.contains("sample_seed")) {
    r.integer("sample_seed", 0, INT64_MAX);
    rec.sample_seed = r.get("sample_seed").get<uint64_t>();
  } else if (kind == ProfileSection::ops && r.j.contains("coverage_round")) {
    read_coverage_fields(r, rec);
  }
}

// The fields of a record of `kind`, checked (the record's ids are unique across sections: `ids`).
ProfileRecord read_record(const Fields& r, ProfileSection kind, std::set<std::string>& ids) {
  ProfileRecord rec;
  r.string("id");
  rec.id = r.get("id").get<std::string>();
  if (!ids.insert(rec.id).second) (r.w / "id").fail(r.get("id"), "duplicate measurement id");
  rec.threads = r.integer("threads", 1, 256);
  rec.macs = r.integer("macs", 0, INT64_MAX);
  rec.macps = r.number("macps", 0, 1e18);
  for (const auto& [key, value] :
       {std::pair{"bytes", &rec.bytes}, std::pair{"params_inference", &rec.params_inference}})
    if (r.j.contains(key)) {   // fit's warm-weights credit reads bytes, validate's params baseline the params
      r.number(key, 0, 1e18);  // a count, which hand-made profiles may write as a float
      const double v = r.get(key).get<double>();
      if (v != std::floor(v)) (r.w / key).fail(r.get(key), "expected a whole number");
      *value = static_cast<int64_t>(v);
    }
  for (const auto& [key, value] :
       {std::pair{"elapsed_s", &rec.elapsed_s}, std::pair{"fraction_of_peak", &rec.fraction_of_peak},
        std::pair{"additivity", &rec.additivity}})
    if (r.j.contains(key)) { *value = r.number(key, 0, 1e9); }
  if (r.j.contains("caches")) {
    r.string("caches");
    rec.caches = caches_names.find(r.get("caches").get<std::string>());
    if (!rec.caches) (r.w / "caches").fail(r.get("caches"), "expected " + caches_names.joined());
  }
  rec.timing = read_timing(r, 1e-9);
  read_section_fields(r, kind, rec);
  // Required where fit learns from the ops; a zoo record keeps its rows too (fit learns from the fitted
  // families').
  if (kind == ProfileSection::configs || kind == ProfileSection::ops || kind == ProfileSection::networks ||
      r.j.contains("layers")) {
    r.array("layers");
    const Json& layers = r.get("layers");
    for (size_t k = 0; k < layers.size(); ++k) rec.layers.push_back(read_op(layers[k], (r.w / "layers")[k]));
  }
  return rec;
}

ProfilePeak read_peak(const Fields& f) {
  ProfilePeak p;
  p.threads = f.integer("threads", 1, 256);
  p.peak_macps = f.number("peak_macps", 1, 1e18);
  p.bandwidth_bytes_per_s = f.number("bandwidth_bytes_per_s", 0, 1e18);
  f.string("peak_source");
  p.peak_source = f.get("peak_source").get<std::string>();
  // 0: not measured (a VM that hides its caches, a CPU whose GEMM tile XNNPACK does not say).
  for (const auto& [key, value] :
       {std::pair{"cache_bandwidth_bytes_per_s", &p.cache_bandwidth_bytes_per_s},
        std::pair{"dram_read_bytes_per_s", &p.dram_read_bytes_per_s}, std::pair{"fma_peak_macps", &p.fma_peak_macps}})
    *value = f.number(key, 0, 1e18);
  for (const auto& [key, value] :
       {std::pair{"last_level_cache_bytes", &p.last_level_cache_bytes}, std::pair{"gemm_tile_rows", &p.gemm_tile_rows},
        std::pair{"gemm_tile_cols", &p.gemm_tile_cols}})
    *value = f.integer(key, 0, INT64_MAX);
  for (const auto& [key, value] : {std::pair{"fma_peak_source", &p.fma_peak_source},
                                   std::pair{"gemm_tile_rows_source", &p.gemm_tile_rows_source}}) {
    f.string(key);
    *value = f.get(key).get<std::string>();
  }
  f.optional("probes", &Json::is_object, "an object");
  if (f.j.contains("probes")) p.details = f.get("probes");
  return p;
}

// The profile's speed checks; errors name the file and the sample.
MachineSpeed read_machine_speed(const Json& section, const std::string& file) {
  try {
    if (!section.is_object() || !section.contains("samples"))
      throw InputError("machine_speed: expected {\"samples\": [...]}");
    MachineSpeed m{"", speed_samples_from_json(section["samples"]), {}, {}, {}};
    if (!section.contains("reference")) throw InputError(std::string("machine_speed.reference: ") + missing_field);
    if (!section["reference"].is_string())
      throw InputError("machine_speed.reference = " + section["reference"].dump() + ": expected a string");
    m.reference = section["reference"].get<std::string>();
    const Fields f(section, Where(file) / "machine_speed");
    if (section.contains("spread")) { m.spread = f.number("spread", 0, 1e18); }
    f.optional("slowed", &Json::is_boolean, "true or false");
    if (section.contains("slowed")) m.slowed = section["slowed"].get<bool>();
    if (section.contains("records_flagged")) { m.records_flagged = f.integer("records_flagged", 0, INT64_MAX); }
    return m;
  } catch (const InputError& e) {
    if (std::string_view(e.what()).starts_with(file + ": ")) throw;
    throw InputError(file + ": " + e.what());
  }
}

// The sweep's options; each optional (hand-made profiles state few), each of its type where given.
ProfileOptions read_options(const Fields& o) {
  ProfileOptions out;
  o.optional("quick", &Json::is_boolean, "true or false");
  if (o.j.contains("quick")) out.quick = o.get("quick").get<bool>();
  if (o.j.contains("threads")) {
    o.array("threads");
    std::vector<int64_t> threads;
    for (size_t i = 0; i < o.get("threads").size(); ++i) {
      const Json& t = o.get("threads")[i];
      if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > 256)
        (o.w / "threads")[i].fail(t, "expected an integer in [1, 256]");
      threads.push_back(t.get<int64_t>());
    }
    out.threads = threads;
  }
  if (o.j.contains("budget_s")) { out.budget_s = o.number("budget_s", 0, 1e9); }
  if (o.j.contains("seed")) {
    o.integer("seed", 0, INT64_MAX);
    out.seed = o.get("seed").get<uint64_t>();
  }
  if (!o.j.contains("cold_caches")) return out;
  const Fields c(o.get("cold_caches"), o.w / "cold_caches");
  ColdCaches cold;
  if (c.j.contains("sections")) {
    c.array("sections");
    cold.sections.emplace();
    for (size_t i = 0; i < c.get("sections").size(); ++i) {
      const Json& name = c.get("sections")[i];
      const std::optional<ProfileSection> s =
          name.is_string() ? profile_section_named(name.get<std::string>()) : std::nullopt;
      if (!s) (c.w / "sections")[i].fail(name, "expected a profile section");
      cold.sections->push_back(*s);
    }
  }
  if (c.j.contains("evict_bytes_per_thread")) {
    cold.evict_bytes_per_thread = c.integer("evict_bytes_per_thread", 0, INT64_MAX);
  }
  std::vector<std::string> kinds;  // checked by read_warm_twins (Profile::warm_twins, the set)
  for (const Json& k : c.get("warm_twins")) kinds.push_back(k.get<std::string>());
  cold.warm_twins = kinds;
  out.cold_caches = cold;
  return out;
}

// The coverage set's rounds, which resume continues: two, each its budget, time spent and count.
ProfileCoverage read_coverage(const Fields& cov) {
  ProfileCoverage out;
  cov.array("rounds");
  if (cov.get("rounds").size() != 2) (cov.w / "rounds").fail(cov.get("rounds"), "expected two rounds");
  for (size_t i = 0; i < 2; ++i) {
    const Fields r(cov.get("rounds")[i], (cov.w / "rounds")[i]);
    CoverageRound& round = out.rounds[i];
    round.budget_s = r.number("budget_s", 0, 1e9);
    round.spent_s = r.number("spent_s", 0, 1e9);
    round.measured = r.integer("measured", 0, INT64_MAX);
    round.round = static_cast<int64_t>(i) + 1;
    r.optional("how", &Json::is_string, "a string");
    round.how = r.j.value("how", "");
  }
  // How the candidates were drawn: stated by the sweep, not read by anyone but the writer.
  if (cov.j.contains("seed")) {
    cov.integer("seed", 0, INT64_MAX);
    out.seed = cov.get("seed").get<uint64_t>();
  }
  if (cov.j.contains("candidates")) { out.candidates = cov.integer("candidates", 0, INT64_MAX); }
  if (cov.j.contains("macs_range")) {
    const Json& range = cov.get("macs_range");
    if (!range.is_array() || range.size() != 2 || !range[0].is_number() || !range[1].is_number())
      (cov.w / "macs_range").fail(range, "expected [min, max]");
    out.macs_range = {range[0].get<double>(), range[1].get<double>()};
  }
  if (cov.j.contains("max_bytes")) { out.max_bytes = cov.number("max_bytes", 0, 1e18); }
  return out;
}

// The header's fields, checked, into the struct (peaks, options, coverage: what resume and fit read).
void read_header(const Fields& top, Profile& p) {
  const Json& j = top.j;
  check_file_version(top.w / "schema", j.value("schema", Json()), {device_profile_version});
  top.optional("complete", &Json::is_boolean, "true or false");
  p.complete = j.value("complete", false);
  top.optional("device", &Json::is_string, "a string");
  p.device = j.value("device", "");
  p.environment = top.get("environment");
  const Fields env(p.environment, top.w / "environment");
  env.get("igemm"), env.get("igemm_min_out_per_group"), env.string("isa");
  igemm_rule_of(p.environment, env.w);  // their types checked here, read where fit needs them
  top.optional("definitions", &Json::is_string, "a string");
  if (j.contains("definitions")) p.definitions = j["definitions"].get<std::string>();
  if (j.contains("elapsed_s")) {
    top.number("elapsed_s", 0, 1e9);
    p.elapsed_s = j["elapsed_s"].get<double>();
  }
  p.warm_twins = read_warm_twins(j, top.w);
  top.optional("options", &Json::is_object, "an object");
  if (j.contains("options")) p.options = read_options(Fields(j["options"], top.w / "options"));
  top.array("peaks");
  for (size_t i = 0; i < j["peaks"].size(); ++i)
    p.peaks.push_back(read_peak(Fields(j["peaks"][i], (top.w / "peaks")[i])));
  p.machine_speed = read_machine_speed(top.get("machine_speed"), top.w.file());
  if (j.contains("coverage")) p.coverage = read_coverage(Fields(j["coverage"], top.w / "coverage"));
  top.optional("interference", &Json::is_object, "an object");
  if (j.contains("interference")) p.interference = j["interference"];
}

}  // namespace

MeasuredOp read_profile_op(const Json& j, const Where& where) { return read_op(j, where); }

std::vector<SpeedSample> speed_samples_from_json(const Json& samples) {
  if (!samples.is_array()) throw InputError("machine_speed.samples: expected an array");
  std::vector<SpeedSample> out;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Json& s = samples[i];
    if (!s.is_object() || !s.contains("threads") || !s["threads"].is_number_integer() || !s.contains("latency_us") ||
        !s["latency_us"].is_number() || !(s["latency_us"].get<double>() > 0) ||
        (s.contains("elapsed_s") && !s["elapsed_s"].is_number()))
      throw InputError("machine_speed.samples[" + std::to_string(i) + "] = " + s.dump() +
                       ": expected {\"elapsed_s\", \"threads\", \"latency_us\" > 0}");
    out.push_back({s.value("elapsed_s", 0.0), s["threads"].get<int64_t>(), s["latency_us"].get<double>()});
  }
  return out;
}

std::set<std::string> read_warm_twins(const Json& profile, const Where& where) {
  const Fields options(Fields(profile, where).get("options"), where / "options");
  const Fields cold(options.get("cold_caches"), where / "options" / "cold_caches");
  const Json* list = &cold.get("warm_twins");
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

Profile read_profile_file(const std::string& path) { return read_profile(read_json_file(path), path); }

Json profile_from_json(Json j, const std::string& file) {
  read_profile(j, file);
  return j;
}

// Profiles come from other machines and from editors: everything that resume, rules and fit read is
// checked here, so that none of them meets a missing field, a wrong type or a non-finite number.
Profile read_profile(const Json& j, const std::string& file) {
  const Fields top(j, Where(file));
  Profile p;
  read_header(top, p);
  std::set<std::string> ids;
  for (const ProfileSection kind : {ProfileSection::configs, ProfileSection::ops, ProfileSection::networks,
                                    ProfileSection::zoo, ProfileSection::fasternet}) {
    const std::string section(to_string(kind));
    if (!j.contains(section)) continue;
    top.array(section.c_str());
    const Json& list = j[section];
    for (size_t i = 0; i < list.size(); ++i)
      p[kind].push_back(read_record(Fields(list[i], (top.w / section)[i]), kind, ids));
  }
  return p;
}

}  // namespace cpx::profiler

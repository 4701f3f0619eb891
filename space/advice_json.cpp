// The advice document's one JSON writer and one reader (space/advice_doc.hpp): the keys are the fields'
// names, in the order written here, which is the order `advise --json` has always printed.
#include <algorithm>
#include <cmath>
#include <limits>

#include "space/advice_doc.hpp"
#include "space/results_schema.hpp"
#include "space/rewrite.hpp"

namespace cpx {

namespace {

Json advice_opt(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json advice_gain_json(const Gain& g) {
  Json j{{"point", g.point}, {"low", advice_opt(g.low)}, {"high", advice_opt(g.high)}};
  if (g.spread)
    j["spread_sd_us"] = {{"class", g.spread->class_us},
                         {"op", g.spread->op_us},
                         {"device", g.spread->device_us},
                         {"floor", g.spread->floor_us}};
  return j;
}

Json advice_rewrites_json(const std::vector<Rewrite>& rs) {
  Json out = Json::array();
  for (const Rewrite& r : rs) out.push_back(to_json(r));
  return out;
}

Json advice_block_json(const AdviceBlock& b) {
  return {{"name", b.name},
          {"kind", std::string(to_string(b.kind))},
          {"ops", b.ops},
          {"residual", b.residual},
          {"latency_us", b.latency_us},
          {"macs", b.macs},
          {"macps", b.macps},
          {"best_macps", b.best_macps},
          {"best_variant", b.best_variant},
          {"lost_us", b.lost_us},
          {"fastest_us", b.fastest_us},
          {"suggestions", b.suggestions}};
}

Json advice_suggestion_json(const AdviceSuggestion& s) {
  return {{"id", s.id},
          {"rewrite", to_json(s.rewrite)},
          {"what", s.what},
          {"block", s.block},
          {"block_kind", std::string(to_string(s.block_kind))},
          {"latency_us", s.latency_us},
          {"gain", advice_gain_json(s.gain)},
          {"macs_before", s.macs_before},
          {"macs_after", s.macs_after},
          {"params_before", s.params_before},
          {"params_after", s.params_after},
          {"keeps_function", s.keeps_function},
          {"weights", s.weights},
          {"accuracy_evidence", s.accuracy_evidence},
          {"receptive_field", s.receptive_field ? Json(*s.receptive_field) : Json(nullptr)}};
}

Json advice_variant_json(const AdviceVariant& v) {
  return {{"id", v.id},
          {"suggestions", v.suggestions},
          {"latency_us", v.latency_us},
          {"gain", advice_gain_json(v.gain)},
          {"macs", v.macs},
          {"params", v.params}};
}

Json advice_layer_json(const AdviceLayer& l) {
  Json row = to_json(l.row, {OpField::name, OpField::op, OpField::conv_class});
  row["block"] = l.block ? Json(*l.block) : Json(nullptr);
  write_op_fields(row, l.row, {OpField::latency_us, OpField::macs});
  row["macps"] = l.macps;
  write_op_fields(row, l.row, {OpField::fused_into});
  return row;
}

Json advice_local_search_json(const LocalSearch& s) {
  Json front = Json::array();
  for (const AdviceVariant& v : s.front) front.push_back(advice_variant_json(v));
  return {{"objectives", s.objectives},
          {"budget",
           {{"min_params", advice_opt(s.budget.min_params)},
            {"max_params", advice_opt(s.budget.max_params)},
            {"max_macs", advice_opt(s.budget.max_macs)}}},
          {"evaluations", s.evaluations},
          {"generations", s.generations},
          {"front", front}};
}

}  // namespace

Json to_json(const AppliedAdvice& a) {
  const WeightSources& w = a.weight_sources;
  Json j = {
      {"ids", a.ids},
      {"rewrites", advice_rewrites_json(a.rewrites)},
      {"files", a.files},
      {"macs", a.macs},
      {"params", a.params},
      {"torch_params", a.torch_params},
      {"weights", a.weights},
      {"fresh_weight_ops", a.fresh_weight_ops},
      {"weight_sources",
       {{"yours", w.yours},
        {"carried_ops", w.carried_ops},
        {"zero_padded_ops", w.zero_padded_ops},
        {"merged_ops", w.merged_ops},
        {"seeded_ops", w.seeded_ops},
        {"need_training_ops", w.need_training_ops}}},
      {"batch_norms",
       {{"unfolded_convs", a.batch_norms.unfolded_convs}, {"init", a.batch_norms.init}, {"note", a.batch_norms.note}}},
      {"notes", a.notes}};
  if (a.params_batch_norm_folded) j["params_batch_norm_folded"] = *a.params_batch_norm_folded;
  return j;
}

Json to_json(const AdviceDocument& a) {
  Json blocks = Json::array(), unrecognised = Json::array(), suggestions = Json::array(), layers = Json::array();
  for (const AdviceBlock& b : a.blocks) blocks.push_back(advice_block_json(b));
  for (const UnrecognisedOp& u : a.unrecognised)
    unrecognised.push_back({{"name", u.name}, {"op", u.op}, {"latency_us", u.latency_us}, {"macs", u.macs}});
  for (const AdviceSuggestion& s : a.suggestions) suggestions.push_back(advice_suggestion_json(s));
  for (const AdviceLayer& l : a.layers) layers.push_back(advice_layer_json(l));
  Json j;
  j["schema"] = advice_schema;
  j["model"] = a.model;
  j["family"] = a.family;
  j["input_nhwc"] = a.input_nhwc.to_json();
  j["device"] = a.device;
  j["runtime"] = a.runtime;
  j["threads"] = a.threads;
  j["vector_channels"] = a.vector_channels;
  j["latency_us"] = a.latency_us;
  j["interval_us"] = a.interval_us ? Json(*a.interval_us) : Json(nullptr);
  j["interval"] = a.interval;
  j["macs"] = a.macs;
  j["params"] = a.params;
  j["gain_definition"] = a.gain_definition;
  j["gain_interval_method"] = a.gain_interval_method;
  j["blocks"] = blocks;
  j["unrecognised"] = unrecognised;
  j["unrecognised_summary"] = {{"ops", a.unrecognised_summary.ops},
                               {"latency_us", a.unrecognised_summary.latency_us},
                               {"share_of_latency", a.unrecognised_summary.share_of_latency}};
  j["suggestions"] = suggestions;
  j["local_search"] = advice_local_search_json(a.local_search);
  j["layers"] = layers;
  j["skipped_onnx_nodes"] = a.skipped_onnx_nodes;
  j["warnings"] = a.warnings;
  if (a.applied) j["applied"] = to_json(*a.applied);
  if (a.report) j["report"] = *a.report;
  return j;
}

std::optional<std::string> interval_warning(const AdviceDocument& a) {
  if (a.interval.is_object() && a.interval.contains("warning")) return a.interval["warning"].get<std::string>();
  return std::nullopt;
}

// ---- the reader ----

namespace {

constexpr int64_t advice_most_int = std::numeric_limits<int64_t>::max();

int64_t advice_count(ObjectReader& o, std::string_view key) { return o.integer(key, 0, advice_most_int); }
// A time, a rate or a share: a finite number, not negative.
double advice_time(ObjectReader& o, std::string_view key) {
  const Json& v = o.raw(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
    o.at(key).fail(v, "expected a finite number >= 0");
  return v.get<double>();
}

bool advice_flag(ObjectReader& o, std::string_view key) {
  const Json& v = o.raw(key);
  if (!v.is_boolean()) o.at(key).fail(v, "expected true or false");
  return v.get<bool>();
}

std::optional<double> advice_optional_number(ObjectReader& o, std::string_view key) {
  const Json& v = o.raw(key);
  if (v.is_null()) return std::nullopt;
  if (!v.is_number() || !std::isfinite(v.get<double>())) o.at(key).fail(v, "expected a finite number or null");
  return v.get<double>();
}

std::optional<std::string> advice_optional_string(ObjectReader& o, std::string_view key) {
  const Json& v = o.raw(key);
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) o.at(key).fail(v, "expected a string or null");
  return v.get<std::string>();
}

const Json& advice_array(ObjectReader& o, std::string_view key) {
  const Json& v = o.raw(key);
  if (!v.is_array()) o.at(key).fail(v, "expected an array");
  return v;
}

std::vector<std::string> advice_strings(ObjectReader& o, std::string_view key) {
  std::vector<std::string> out;
  const Json& list = advice_array(o, key);
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) (o.at(key))[i].fail(list[i], "expected a string");
    out.push_back(list[i].get<std::string>());
  }
  return out;
}

// Each element of the array under `key`, read by `read(element, where)`.
template <class T, class Read>
std::vector<T> advice_rows(ObjectReader& o, std::string_view key, Read read) {
  std::vector<T> out;
  const Json& list = advice_array(o, key);
  for (size_t i = 0; i < list.size(); ++i) out.push_back(read(list[i], (o.at(key))[i]));
  return out;
}

BlockKind advice_block_kind(ObjectReader& o, std::string_view key) {
  const std::string name = o.string(key);
  const std::optional<BlockKind> k = block_kind_names.find(name);
  if (!k) o.at(key).fail(name, "not a block kind (" + block_kind_names.joined() + ")");
  return *k;
}

// A gain is a share of the time saved: below 1 whatever the device's error. A file saying 1 or more (an older
// explorer's interval did) is refused rather than shown as a possible figure.
Gain read_advice_gain(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  const auto bound = [&](std::string_view key, bool nullable) -> std::optional<double> {
    const Json& v = o.raw(key);
    if (v.is_null() && nullable) return std::nullopt;
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() >= 1)
      o.at(key).fail(v,
                     "a gain is the share of the time saved, a finite number below 1 (100 %); regenerate the file with "
                     "`cpubone-explore advise --json`");
    return v.get<double>();
  };
  Gain g;
  g.point = *bound("point", false);
  g.low = bound("low", true);
  g.high = bound("high", true);
  if (g.low.has_value() != g.high.has_value()) o.at("high").fail(j, "a gain's interval has both ends or neither");
  if (o.has("spread_sd_us")) {
    ObjectReader s(o.raw("spread_sd_us"), o.at("spread_sd_us"));
    g.spread = Gain::Spread{advice_time(s, "class"), advice_time(s, "op"), advice_time(s, "device"),
                            s.has("floor") ? advice_time(s, "floor") : 0.0};  // files before 2026-11-30 g have none
    s.finish();
  }
  o.finish();
  return g;
}

AdviceBlock read_advice_block(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  AdviceBlock b;
  b.name = o.string("name");
  b.kind = advice_block_kind(o, "kind");
  b.ops = advice_strings(o, "ops");
  b.residual = advice_flag(o, "residual");
  b.latency_us = advice_time(o, "latency_us");
  b.macs = advice_count(o, "macs");
  b.macps = advice_time(o, "macps");
  b.best_macps = advice_time(o, "best_macps");
  b.best_variant = advice_strings(o, "best_variant");
  b.lost_us = advice_time(o, "lost_us");
  b.fastest_us = advice_time(o, "fastest_us");
  b.suggestions = advice_strings(o, "suggestions");
  o.finish();
  return b;
}

UnrecognisedOp read_advice_unrecognised(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  UnrecognisedOp u{o.string("name"), o.string("op"), advice_time(o, "latency_us"), advice_count(o, "macs")};
  o.finish();
  return u;
}

// The gain first: a file of an older explorer is refused for its impossible gain rather than for what else it lacks.
AdviceSuggestion read_advice_suggestion(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  AdviceSuggestion s;
  s.gain = read_advice_gain(o.raw("gain"), o.at("gain"));
  s.id = o.string("id");
  s.rewrite = read_rewrite(o.raw("rewrite"), o.at("rewrite"));
  s.what = o.string("what");
  s.block = o.string("block");
  s.block_kind = advice_block_kind(o, "block_kind");
  s.latency_us = advice_time(o, "latency_us");
  s.macs_before = advice_count(o, "macs_before");
  s.macs_after = advice_count(o, "macs_after");
  s.params_before = advice_count(o, "params_before");
  s.params_after = advice_count(o, "params_after");
  s.keeps_function = advice_flag(o, "keeps_function");
  s.weights = o.string("weights");
  s.accuracy_evidence = o.string("accuracy_evidence");
  s.receptive_field = advice_optional_string(o, "receptive_field");
  o.finish();
  return s;
}

AdviceVariant read_advice_variant(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  AdviceVariant v;
  v.gain = read_advice_gain(o.raw("gain"), o.at("gain"));
  v.id = o.string("id");
  v.suggestions = advice_strings(o, "suggestions");
  v.latency_us = advice_time(o, "latency_us");
  v.macs = advice_count(o, "macs");
  v.params = advice_count(o, "params");
  o.finish();
  return v;
}

LocalSearch read_advice_local_search(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  LocalSearch s;
  s.front = advice_rows<AdviceVariant>(o, "front", read_advice_variant);
  s.objectives = o.string("objectives");
  ObjectReader b(o.raw("budget"), o.at("budget"));
  s.budget = {advice_optional_number(b, "min_params"), advice_optional_number(b, "max_params"),
              advice_optional_number(b, "max_macs")};
  b.finish();
  s.evaluations = advice_count(o, "evaluations");
  s.generations = advice_count(o, "generations");
  o.finish();
  return s;
}

AdviceLayer read_advice_layer(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  AdviceLayer l;
  l.row.name = o.string("name");
  l.row.op = o.string("op");
  if (const std::optional<std::string> c = advice_optional_string(o, "conv_class")) {
    l.row.conv_class = conv_class_names.find(*c);
    if (!l.row.conv_class) o.at("conv_class").fail(*c, "not a conv class (" + conv_class_names.joined() + ")");
  }
  l.block = advice_optional_string(o, "block");
  l.row.predicted_us = advice_optional_number(o, "latency_us");
  l.row.macs = advice_count(o, "macs");
  l.macps = advice_time(o, "macps");
  l.row.fused_into = o.string("fused_into", "");
  o.finish();
  return l;
}

AppliedAdvice read_advice_applied(const Json& j, const Where& where) {
  ObjectReader o(j, where);
  AppliedAdvice a;
  a.ids = o.string("ids");
  a.rewrites = advice_rows<Rewrite>(o, "rewrites", read_rewrite);
  a.files = advice_strings(o, "files");
  a.macs = advice_count(o, "macs");
  a.params = advice_count(o, "params");
  a.torch_params = advice_count(o, "torch_params");
  a.weights = o.string("weights");
  a.fresh_weight_ops = advice_strings(o, "fresh_weight_ops");
  ObjectReader w(o.raw("weight_sources"), o.at("weight_sources"));
  a.weight_sources = {
      advice_flag(w, "yours"),         advice_strings(w, "carried_ops"), advice_strings(w, "zero_padded_ops"),
      advice_strings(w, "merged_ops"), advice_strings(w, "seeded_ops"),  advice_strings(w, "need_training_ops")};
  w.finish();
  ObjectReader bn(o.raw("batch_norms"), o.at("batch_norms"));
  a.batch_norms = {advice_strings(bn, "unfolded_convs"), bn.string("init"), bn.string("note")};
  bn.finish();
  a.notes = advice_strings(o, "notes");
  if (o.has("params_batch_norm_folded")) a.params_batch_norm_folded = advice_count(o, "params_batch_norm_folded");
  o.finish();
  return a;
}

ShapeNhwc read_advice_nhwc(ObjectReader& o, std::string_view key) {
  const Json& v = o.raw(key);
  const bool ok = v.is_array() && v.size() == 4 && std::all_of(v.begin(), v.end(), [](const Json& d) {
                    return d.is_number_integer() && d.get<int64_t>() > 0;
                  });
  if (!ok) o.at(key).fail(v, "expected [n, h, w, c], four positive integers");
  return {v[0].get<int64_t>(), v[1].get<int64_t>(), v[2].get<int64_t>(), v[3].get<int64_t>()};
}

// interval_us: [low, high] microseconds or null; interval: the predictor's open object (its warning a string) or null.
void read_advice_interval(ObjectReader& o, AdviceDocument& a) {
  const Json& us = o.raw("interval_us");
  if (!us.is_null()) {
    if (!us.is_array() || us.size() != 2 || !us[0].is_number() || !us[1].is_number())
      o.at("interval_us").fail(us, "expected [low, high] or null");
    a.interval_us = std::array<double, 2>{us[0].get<double>(), us[1].get<double>()};
  }
  a.interval = o.raw("interval");
  if (!a.interval.is_null() && !a.interval.is_object()) o.at("interval").fail(a.interval, "expected an object or null");
  if (a.interval.is_object() && a.interval.contains("warning") && !a.interval["warning"].is_string())
    (o.at("interval") / "warning").fail(a.interval["warning"], "expected a string");
}

void read_advice_header(ObjectReader& o, AdviceDocument& a) {
  a.model = o.string("model");
  a.family = o.string("family");
  a.input_nhwc = read_advice_nhwc(o, "input_nhwc");
  a.device = o.string("device");
  a.runtime = o.string("runtime");
  a.threads = o.integer("threads", 1, 4096);
  a.vector_channels = advice_count(o, "vector_channels");
  a.latency_us = advice_time(o, "latency_us");
  read_advice_interval(o, a);
  a.macs = advice_count(o, "macs");
  a.params = advice_count(o, "params");
  a.gain_definition = o.string("gain_definition");
  a.gain_interval_method = o.string("gain_interval_method");
}

}  // namespace

AdviceDocument advice_from_json(const Json& j, const std::string& file) {
  check_file_version(Where(file, "schema"), j.is_object() ? j.value("schema", Json()) : Json(), {advice_version});
  ObjectReader o(j, Where(file));
  o.raw("schema");
  AdviceDocument a;
  // The gains first (see read_advice_suggestion).
  a.suggestions = advice_rows<AdviceSuggestion>(o, "suggestions", read_advice_suggestion);
  a.local_search = read_advice_local_search(o.raw("local_search"), o.at("local_search"));
  read_advice_header(o, a);
  a.blocks = advice_rows<AdviceBlock>(o, "blocks", read_advice_block);
  a.unrecognised = advice_rows<UnrecognisedOp>(o, "unrecognised", read_advice_unrecognised);
  ObjectReader u(o.raw("unrecognised_summary"), o.at("unrecognised_summary"));
  a.unrecognised_summary = {static_cast<size_t>(advice_count(u, "ops")), advice_time(u, "latency_us"),
                            advice_time(u, "share_of_latency")};
  u.finish();
  a.layers = advice_rows<AdviceLayer>(o, "layers", read_advice_layer);
  a.skipped_onnx_nodes = advice_strings(o, "skipped_onnx_nodes");
  a.warnings = advice_strings(o, "warnings");
  if (o.has("applied")) a.applied = read_advice_applied(o.raw("applied"), o.at("applied"));
  if (o.has("report")) a.report = o.string("report");
  o.finish();
  return a;
}

}  // namespace cpx

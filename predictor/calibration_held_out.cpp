#include "predictor/calibration_held_out.hpp"

namespace cpx::predictor {

const MethodHeldOut* CalibrationHeldOut::find(CalibrationMethod m) const {
  for (const MethodHeldOut& row : methods)
    if (row.method == m) return &row;
  return nullptr;
}

Json to_json(const HeldOutFigures& f) {
  return {{"mape", f.mape}, {"within_10pct", f.within_10pct}, {"spearman", f.spearman}, {"coverage", f.coverage}};
}

Json to_json(const CalibrationHeldOut& h) {
  Json methods = Json::object();
  for (const MethodHeldOut& m : h.methods)
    methods[std::string(to_string(m.method))] = {{"lomo", to_json(m.lomo)},
                                                 {"lofo", m.lofo ? to_json(*m.lofo) : Json(nullptr)}};
  Json choice;
  if (h.choice.forced) {
    choice = {{"forced", to_string(*h.choice.forced)}};
  } else {
    Json scores = Json::object();
    for (const auto& [m, score] : h.choice.scores) scores[std::string(to_string(m))] = score;
    choice = {{"scores", scores}, {"best", to_string(h.choice.best)}, {"standard_error", h.choice.standard_error}};
  }
  Json nested = nullptr;
  if (h.nested) {
    Json chosen_without = Json::object();
    for (const auto& [m, groups] : h.nested->chosen_without) chosen_without[std::string(to_string(m))] = groups;
    nested = {{h.nested->by_family ? "lofo" : "lomo", to_json(h.nested->figures)}, {"chosen_without", chosen_without}};
  }
  const Sureness& s = h.sureness;
  Json sureness = {{"networks", s.networks},
                   {"families", s.families},
                   {"mape_standard_error", s.mape_standard_error ? Json(*s.mape_standard_error) : Json(nullptr)},
                   {"coverage_standard_error", s.coverage_standard_error}};
  if (!s.warning.empty()) sureness["warning"] = s.warning;
  Json j = {
      {"methods", methods},  {"chosen", to_string(h.chosen)}, {"chosen_by", h.chosen_by},     {"choice", choice},
      {"nested", nested},    {"families", h.families},        {"family_rule", h.family_rule}, {"points", h.points},
      {"sureness", sureness}};
  if (h.not_fitted) {
    Json rows = Json::array();
    for (const NotFittedPoint& p : *h.not_fitted)
      rows.push_back({{"model", p.model}, {"published_ms", p.published_ms}, {"unmodelled_work", p.unmodelled_work}});
    j["not_fitted"] = rows;
  }
  if (!h.warnings.empty()) j["warnings"] = h.warnings;  // absent: none
  return j;
}

namespace {

CalibrationMethod method_named(const Json& name, const Where& where) {
  if (name.is_string())
    if (const auto m = find_calibration_method(name.get<std::string>())) return *m;
  where.fail(name, "not a calibration method (" + method_names.joined(", ") + ")");
}

HeldOutFigures figures_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  HeldOutFigures f;
  f.mape = r.number("mape", 0, 1e6);
  f.within_10pct = r.number("within_10pct", 0, 1);
  f.spearman = r.number("spearman", -1, 1);
  f.coverage = r.number("coverage", 0, 1);
  r.finish();
  return f;
}

MethodChoice choice_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  MethodChoice c;
  if (r.has("forced")) {
    c.forced = method_named(r.raw("forced"), r.at("forced"));
  } else {
    ObjectReader scores(r.raw("scores"), r.at("scores"));
    for (const auto& [name, v] : r.raw("scores").items())
      c.scores.emplace_back(method_named(name, r.at("scores")), scores.number(name, 0, 1e6));
    scores.finish();
    c.best = method_named(r.raw("best"), r.at("best"));
    c.standard_error = r.number("standard_error", 0, 1e6);
  }
  r.finish();
  return c;
}

NestedScore nested_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  NestedScore n;
  n.by_family = r.has("lofo");
  const char* scheme = n.by_family ? "lofo" : "lomo";
  n.figures = figures_from_json(r.raw(scheme), r.at(scheme));
  const Json& chosen = r.raw("chosen_without");
  if (!chosen.is_object()) r.at("chosen_without").fail(chosen, "expected an object of method names");
  for (const auto& [name, groups] : chosen.items()) {
    const Where at = r.at("chosen_without") / name;
    std::vector<std::string> names;
    if (!groups.is_array()) at.fail(groups, "expected a list of group names");
    for (const Json& g : groups) {
      if (!g.is_string()) at.fail(g, "expected a group name");
      names.push_back(g.get<std::string>());
    }
    n.chosen_without.emplace_back(method_named(name, r.at("chosen_without")), std::move(names));
  }
  r.finish();
  return n;
}

Sureness sureness_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  Sureness s;
  s.networks = r.integer("networks", 0, 1000000);
  s.families = r.integer("families", 0, 1000000);
  if (!r.raw("mape_standard_error").is_null()) s.mape_standard_error = r.number("mape_standard_error", 0, 1e6);
  s.coverage_standard_error = r.number("coverage_standard_error", 0, 1);
  s.warning = r.string("warning", "");
  r.finish();
  return s;
}

std::vector<NotFittedPoint> not_fitted_from_json(const Json& j, const Where& where) {
  if (!j.is_array()) where.fail(j, "expected a list of published points");
  std::vector<NotFittedPoint> out;
  for (size_t i = 0; i < j.size(); ++i) {
    ObjectReader r(j[i], where[i]);
    NotFittedPoint p;
    p.model = r.string("model");
    p.published_ms = r.number("published_ms", 0, 1e9);
    p.unmodelled_work = r.string("unmodelled_work");
    r.finish();
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> warnings_from_json(const Json& j, const Where& where) {
  if (!j.is_array()) where.fail(j, "expected a list of warnings");
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) where[i].fail(j[i], "expected a warning");
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

}  // namespace

CalibrationHeldOut calibration_held_out_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  CalibrationHeldOut h;
  ObjectReader methods(r.raw("methods"), r.at("methods"));
  for (const auto& [name, row] : r.raw("methods").items()) {
    MethodHeldOut m;
    m.method = method_named(name, r.at("methods"));
    ObjectReader f(methods.raw(name), methods.at(name));
    m.lomo = figures_from_json(f.raw("lomo"), f.at("lomo"));
    if (!f.raw("lofo").is_null()) m.lofo = figures_from_json(f.raw("lofo"), f.at("lofo"));
    f.finish();
    h.methods.push_back(m);
  }
  methods.finish();
  h.chosen = method_named(r.raw("chosen"), r.at("chosen"));
  if (!h.find(h.chosen)) r.at("chosen").fail(r.raw("chosen"), "not one of the methods held out");
  h.chosen_by = r.string("chosen_by");
  h.choice = choice_from_json(r.raw("choice"), r.at("choice"));
  if (!r.raw("nested").is_null()) h.nested = nested_from_json(r.raw("nested"), r.at("nested"));
  ObjectReader families(r.raw("families"), r.at("families"));
  for (const auto& [family, n] : r.raw("families").items()) h.families[family] = families.integer(family, 1, 1000000);
  families.finish();
  if (h.families.empty()) r.at("families").fail(r.raw("families"), "expected the calibration points' families");
  h.family_rule = r.string("family_rule");
  h.points = r.integer("points", 0, 1000000);
  h.sureness = sureness_from_json(r.raw("sureness"), r.at("sureness"));
  if (r.has("not_fitted")) h.not_fitted = not_fitted_from_json(r.raw("not_fitted"), r.at("not_fitted"));
  if (r.has("warnings")) h.warnings = warnings_from_json(r.raw("warnings"), r.at("warnings"));
  r.finish();
  return h;
}

}  // namespace cpx::predictor

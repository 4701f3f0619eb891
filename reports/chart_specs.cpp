// The Vega-Lite building blocks the report's charts share (chart_specs.hpp).
#include "reports/chart_specs.hpp"

namespace cpx::reports {

namespace {

std::string device_line(const Results& r) {
  const results::Device& d = r.device;
  return "device " + d.name + ": " + d.runtime + ", " + std::to_string(d.threads) +
         (d.threads == 1 ? " thread" : " threads") +
         (d.measured ? " (profiled on this machine)" : " (calibrated, not measured here)");
}

std::string accuracy_line(const Results& r) {
  return "accuracy model: " + r.accuracy_model.name + " (" +
         named(results::accuracy_kind_names, r.accuracy_model.kind) + ")";
}

}  // namespace

Json q(const std::string& field, const std::string& title, const std::string& format) {
  Json j = {{"field", field}, {"type", "quantitative"}, {"title", title}};
  if (!format.empty()) j["format"] = format;
  return j;
}
Json nom(const std::string& field, const std::string& title) {
  return {{"field", field}, {"type", "nominal"}, {"title", title}};
}
Json axis(Json enc, const std::string& scale_type, bool zero) {
  if (enc.contains("format")) {
    enc["axis"] = {{"format", enc["format"]}};
    enc.erase("format");
  }
  enc["scale"] = {{"type", scale_type}, {"zero", zero}};
  // A log scale niced to whole decades leaves most of the plot empty; pad by pixels instead.
  if (scale_type == "log") enc["scale"] = {{"type", "log"}, {"nice", false}, {"padding", 14}};
  return enc;
}
Json from(const std::string& name) { return {{"name", name}}; }
Json literal(const std::string& as, const std::string& value) {
  Json s = value;
  return {{"calculate", s.dump()}, {"as", as}};  // a JSON string literal is a valid Vega expression string
}

Json in_ms(std::initializer_list<std::string> fields_us, std::initializer_list<Json> then) {
  Json t = Json::array();
  for (const auto& f : fields_us)
    t.push_back({{"calculate", "datum." + f + " == null ? null : datum." + f + " / 1000"},
                 {"as", f.substr(0, f.size() - 3) + "_ms"}});
  for (const auto& x : then) t.push_back(x);
  return t;
}

Json base_spec(const Results& r, const Report& report, const std::string& title, const std::vector<std::string>& data) {
  Json spec;
  spec["title"] = {{"text", title},
                   {"subtitle", Json::array({device_line(r), accuracy_line(r)})},
                   {"anchor", "start"},
                   {"fontSize", 15},
                   {"subtitleFontSize", 12}};
  spec["width"] = 470;
  spec["height"] = 340;
  spec["datasets"] = Json::object();
  for (const auto& name : data) spec["datasets"][name] = dataset(report, name).rows;
  // Legend symbols fully opaque: a layer's faint marks (bars, bands) would otherwise make its colour hard to read
  // there.
  spec["config"] = {{"legend", {{"orient", "right"}, {"labelLimit", 190}, {"symbolOpacity", 1}}},
                    {"axis", {{"labelFontSize", 11}, {"titleFontSize", 12}}}};
  return spec;
}

}  // namespace cpx::reports

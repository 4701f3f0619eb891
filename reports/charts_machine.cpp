// The charts of the machine and its predictor: MACpS by block and channels, the roofline, the per-layer
// breakdown and the predictor's accuracy (charts.hpp).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "reports/chart_specs.hpp"
#include "reports/charts.hpp"

namespace cpx::reports {

namespace {

// Each panel's height in pixels; the marker's label sits 10 above its foot (a "height" expression read the whole
// chart's inside a concatenation, and put the label above the plot).
constexpr int64_t panel_height = 170;

// The crossover's marker: a dashed rule at its width, with its label at the foot of the panel on the side of the
// rule with more room (towards the y axis it ran over the tick labels, past the last width out of the plot).
Json crossover_marker(int64_t crossover, const std::vector<results::FusedWidth>& rows, bool with_label) {
  std::vector<double> widths;
  for (const auto& row : rows) widths.push_back(static_cast<double>(row.channels));
  const auto [low, high] = std::minmax_element(widths.begin(), widths.end());
  const bool room_right = std::log(static_cast<double>(crossover) / *low) < 0.6 * std::log(*high / *low);
  Json marker;
  marker["data"] = {
      {"values", Json::array({Json{{"channels", crossover},
                                   {"label", "fused/unfused crossover: " + std::to_string(crossover) + " ch"}}})}};
  marker["layer"] = Json::array({Json{{"mark", {{"type", "rule"}, {"strokeDash", {6, 4}}, {"color", "black"}}},
                                      {"encoding", {{"x", {{"field", "channels"}, {"type", "quantitative"}}}}}}});
  if (with_label)
    marker["layer"].push_back(
        {{"mark",
          {{"type", "text"},
           {"align", room_right ? "left" : "right"},
           {"dx", room_right ? 4 : -4},
           {"y", panel_height - 10},
           {"fontWeight", "bold"}}},
         {"encoding", {{"x", {{"field", "channels"}, {"type", "quantitative"}}}, {"text", {{"field", "label"}}}}}});
  return marker;
}

// A crossover at the narrowest width is no change inside the range (the unfused block is faster at every width):
// nothing to mark.
bool crossover_inside(const results::FusedVsUnfused& f) {
  return f.crossover_channels && *f.crossover_channels != f.widths[0].channels;
}

// Top panel: the pair's time ratio per width; where it passes 1 for good is the crossover, marked.
Json time_ratio_panel(const results::FusedVsUnfused& f, const Json& x, const std::string& pair) {
  Json layers = Json::array();
  layers.push_back({{"data", {{"values", Json::array({Json{{"time_ratio", 1}}})}}},
                    {"mark", {{"type", "rule"}, {"color", "#999999"}}},
                    {"encoding", {{"y", {{"field", "time_ratio"}, {"type", "quantitative"}}}}}});
  layers.push_back(
      {{"data", from("fused_vs_unfused")},
       {"mark", {{"type", "line"}, {"point", true}, {"color", "#1f5fbf"}}},
       {"encoding",
        {{"x", x},
         {"y",
          {{"field", "time_ratio"},
           {"type", "quantitative"},
           {"title", "fused time / unfused time"},
           {"scale", {{"zero", false}}}}},
         {"tooltip",
          Json::array({q("channels", "channels"), nom("fused", "fused"), q("fused_latency_us", "fused (us)", ".1f"),
                       nom("unfused", "unfused"), q("unfused_latency_us", "unfused (us)", ".1f"),
                       q("time_ratio", "fused / unfused", ".2f"), nom("faster", "faster")})}}}});
  if (crossover_inside(f)) layers.push_back(crossover_marker(*f.crossover_channels, f.widths, true));
  return {{"width", 470},
          {"height", panel_height},
          {"title", "Time at the same width, " + pair + ": above 1 the unfused block is faster"},
          {"layer", layers}};
}

// Bottom panel: the highest-MACpS fused variant against the highest-MACpS unfused one, two lines.
Json best_macps_panel(const results::FusedVsUnfused& f, const Json& x, const std::string& source) {
  Json layers = Json::array();
  const Json kinds = {best_fused_label, best_unfused_label};
  layers.push_back({{"data", from("fused_vs_unfused_macps")},
                    {"mark", {{"type", "line"}, {"point", true}}},
                    {"encoding",
                     {{"x", x},
                      {"y", axis(q("macps", source + " MACpS", "~s"), "linear", true)},
                      {"color",
                       {{"field", "kind"},
                        {"type", "nominal"},
                        {"title", "block variant"},
                        {"scale", {{"domain", kinds}, {"range", {"#e4572e", "#4c78a8"}}}}}},
                      {"tooltip", Json::array({q("channels", "channels"), nom("kind", "kind"),
                                               nom("variant", "variant"), q("macps", source + " MACpS", ".3s")})}}}});
  if (crossover_inside(f)) layers.push_back(crossover_marker(*f.crossover_channels, f.widths, false));
  return {{"width", 470},
          {"height", panel_height},
          {"title", "MACpS of the fastest-computing fused and unfused variant (the fused do more MACs)"},
          {"layer", layers}};
}

// Points whose actual latency lies inside their interval, of those that have one.
struct Coverage {
  size_t inside = 0, with_interval = 0;
};

Coverage interval_coverage(const std::vector<PredictorAccuracyPoint>& accuracy) {
  Coverage c;
  for (const auto& row : accuracy)
    if (row.inside_interval) c.inside += *row.inside_interval, ++c.with_interval;
  return c;
}

std::string coverage_text(const Coverage& c) {
  if (c.with_interval == 0) return "—";
  return std::to_string(c.inside) + " of " + std::to_string(c.with_interval) + " (" +
         fixed(Json(100.0 * static_cast<double>(c.inside) / static_cast<double>(c.with_interval)), 0) + " %)";
}

// The +-10 % band and its diagonal, each point's interval as a vertical bar (a layer only when there is one:
// an empty layer has no extent, which Vega warns about), then the points (colour: family, shape: inside or
// outside +-10 %).
Json accuracy_layers(const Results& r, bool with_intervals) {
  // A calibrated device's actual latencies are published figures, the user's own or this project's timings
  // (device.timed_by).
  const std::optional<results::TimedBy> t = r.device.timed_by;
  const std::string x_title = std::string(r.device.measured                ? "measured"
                                          : t == results::TimedBy::user    ? "your timed"
                                          : t == results::TimedBy::project ? "this project's timed"
                                                                           : "published") +
                              " latency (ms)";
  const std::string y_title = "predicted latency (ms)";
  const Json x = axis(q("actual_ms", x_title), "log");
  const Json family = nom("family", "family");
  Json layers = Json::array();
  const Json band_ms = in_ms({"actual_us", "low_us", "high_us"});
  layers.push_back(
      {{"data", from("predictor_accuracy_band")},
       {"transform", band_ms},
       {"mark", {{"type", "area"}, {"color", "#4c78a8"}, {"opacity", 0.15}}},
       {"encoding", {{"x", x}, {"y", axis(q("low_ms", y_title), "log")}, {"y2", {{"field", "high_ms"}}}}}});
  layers.push_back({{"data", from("predictor_accuracy_band")},
                    {"transform", band_ms},
                    {"mark", {{"type", "line"}, {"color", "#4c78a8"}, {"strokeDash", {4, 3}}}},
                    {"encoding", {{"x", x}, {"y", {{"field", "actual_ms"}, {"type", "quantitative"}}}}}});
  if (with_intervals)
    layers.push_back(
        {{"data", from("predictor_accuracy")},
         {"transform", in_ms({"actual_us", "low_us", "high_us"},
                             {Json{{"filter", "datum.low_us != null && datum.high_us != null"}}})},
         {"mark", {{"type", "rule"}, {"strokeWidth", 1.5}, {"opacity", 0.7}}},
         {"encoding",
          {{"x", x}, {"y", axis(q("low_ms", y_title), "log")}, {"y2", {{"field", "high_ms"}}}, {"color", family}}}});
  layers.push_back(
      {{"data", from("predictor_accuracy")},
       {"transform",
        in_ms({"predicted_us", "actual_us", "low_us", "high_us"},
              {Json{{"calculate", "abs(datum.error_pct) <= 10 ? 'within ±10 %' : 'outside ±10 %'"}, {"as", "band"}}})},
       {"mark", {{"type", "point"}, {"filled", true}, {"size", 70}}},
       {"encoding",
        {{"x", x},
         {"y", axis(q("predicted_ms", y_title), "log")},
         {"color", family},
         {"shape",
          {{"field", "band"},
           {"type", "nominal"},
           {"title", "error"},
           {"scale", {{"domain", {"within ±10 %", "outside ±10 %"}}, {"range", {"circle", "triangle-up"}}}}}},
         {"tooltip",
          Json::array({nom("model", "model"), nom("family", "family"), q("macs", "MACs", ".3s"),
                       q("predicted_ms", "predicted latency (ms)", ".2f"), q("low_ms", "interval low (ms)", ".2f"),
                       q("high_ms", "interval high (ms)", ".2f"), q("actual_ms", "actual latency (ms)", ".2f"),
                       q("actual_macps", "actual MACpS", ".3s"), q("error_pct", "error (%)", "+.1f"),
                       nom("inside_interval", "actual inside interval")})}}}});
  return layers;
}

// The device file's held-out table: the chosen model beside the uniform-scale baseline and the MACs-only floor.
Table held_out_methods_table(const std::vector<results::HeldOutMethod>& methods, const std::string& device) {
  Table t =
      table("Held-out accuracy per model on " + device + " (from its device file)",
            {"method", "chosen", "MAPE, family held out", "within ±10 %, family held out", "Spearman, family held out",
             "MAPE, model held out", "within ±10 %, model held out", "Spearman, model held out"});
  auto cells = [](const std::optional<results::HeldOutScores>& f) -> std::vector<std::string> {
    if (!f) return {"—", "—", "—"};
    return {fixed(f->mape, 1) + " %", fixed(100 * f->within_10, 0) + " %", fixed(f->spearman, 3)};
  };
  for (const auto& m : methods) {
    std::vector<std::string> row = {m.method, m.chosen ? "yes" : ""};
    for (const auto& f : {m.lofo, std::optional<results::HeldOutScores>(m.lomo)})
      for (auto& cell : cells(f)) row.push_back(std::move(cell));
    t.rows.push_back(std::move(row));
  }
  return t;
}

// What each point was held out with: "family" or "model" (results' predictor_accuracy.held_out).
std::string held_out_group(const results::PredictorAccuracy& pa) {
  return pa.held_out == results::HeldOut::lofo ? "family" : "model";
}

}  // namespace

// Fused vs unfused local blocks per width, all from results.fused_vs_unfused: the chart's lines and marker, the
// table under it and the caption say what the fused_crossover rule and the key finding say.
Chart block_macps(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-block-macps";
  c.heading = "Fused vs unfused local blocks per width";
  if (r.fused_vs_unfused.widths.empty()) {
    c.caption =
        "Nothing to plot: the results hold no fused/unfused pair (results.fused_vs_unfused). Every variant's MACpS "
        "is in data/block_macps.csv.";
    report.missing.push_back("fused vs unfused chart: the results hold no fused_vs_unfused widths");
    return c;
  }
  const results::FusedVsUnfused& f = r.fused_vs_unfused;
  const std::string side = std::to_string(f.resolution) + "x" + std::to_string(f.resolution);
  const std::string pair = f.widths[0].fused.variant + " vs " + f.widths[0].unfused.variant + ", input " + side;
  const std::string source = r.device.measured ? "measured" : "predicted";
  c.caption =
      "CPUBone's local blocks on " + device_name(r) + " (" + source + "): " + f.statement +
      ". Top: the fused block's time over the unfused one's at the same width; " +
      (!f.crossover_channels ? std::string("it is below 1 at the widest, so no crossover is marked. ")
       : crossover_inside(f) ? std::string("the dashed line marks the crossover, from which it stays above 1. ")
                             : std::string("it is above 1 at every width, so no crossover lies inside the range. ")) +
      "Bottom: the MACpS of the highest-MACpS fused and unfused variant at each width; every variant at every width is "
      "in "
      "data/block_macps.csv.";
  if (!f.crossover_channels) report.missing.push_back("fused/unfused crossover: none found for " + device_name(r));
  Json spec = base_spec(r, report, "Fused vs unfused local blocks on " + device_name(r),
                        {"fused_vs_unfused", "fused_vs_unfused_macps"});
  spec.erase("width"), spec.erase("height");  // per panel
  const Json x = {{"field", "channels"},
                  {"type", "quantitative"},
                  {"title", "channels"},
                  {"scale", {{"type", "log"}, {"base", 2}}},
                  {"axis", {{"values", {8, 16, 32, 64, 128, 256, 512, 1024, 2048}}}}};
  spec["vconcat"] = Json::array({time_ratio_panel(f, x, pair), best_macps_panel(f, x, source)});
  c.spec = spec;
  c.min_marks = 3 * static_cast<int64_t>(f.widths.size());

  Table t = table("Fused vs unfused local blocks at each width on " + device_name(r) + " (input " + side + ")",
                  {"channels", "fused (ms)", "unfused (ms)", "faster", "highest-MACpS fused", "MACpS",
                   "highest-MACpS unfused", "MACpS"});
  t.note = "Fused vs unfused: " + f.statement + ". Times are " + f.widths[0].fused.variant + " and " +
           f.widths[0].unfused.variant + ", the pair the crossover compares.";
  for (const auto& w : f.widths)
    t.rows.push_back({std::to_string(w.channels), ms(w.fused.latency_us, 3), ms(w.unfused.latency_us, 3),
                      w.fused.latency_us < w.unfused.latency_us ? "fused" : "unfused", w.best_fused.variant,
                      si(w.best_fused.macps), w.best_unfused.variant, si(w.best_unfused.macps)});
  c.findings.push_back(t);
  return c;
}

Chart roofline(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-roofline";
  c.heading = "Roofline";
  const results::Roofline& roof = r.roofline;
  const std::vector<RooflineOp>& d = report.data.roofline;
  const bool has_roof = !report.data.roofline_ceiling.empty();
  const bool stated = roof.source == results::CeilingSource::hardware;
  c.caption =
      "Each operator's arithmetic intensity (MACs per byte moved) against the MACs per second it achieves on " +
      device_name(r) + " (log-log)." +
      (!has_roof ? " No roof: peak compute and bandwidth were not measured for this device."
       : stated ? " The roof is the stated DRAM bandwidth times intensity, capped by the stated fp32 peak of the cores "
                  "its runtime used (the device's hardware description, not measured): operators far below it are "
                  "limited by neither, but by overheads and by the runtime."
                : " The roof is the measured bandwidth times intensity, capped by the measured peak compute: "
                  "operators far below it are limited by neither, but by overheads.");
  if (!roof.peak_macps)
    report.missing.push_back("roofline: no measured or stated peak compute (MACpS) for " + device_name(r));
  if (!roof.bandwidth_bytes_per_s)
    report.missing.push_back("roofline: no measured or stated memory bandwidth for " + device_name(r));
  Table t = table("Roofline on " + device_name(r),
                  {"peak MACpS", "bandwidth (B/s)", "ridge (MACs/byte)", "source", "operators plotted"});
  t.rows.push_back({si(roof.peak_macps), si(roof.bandwidth_bytes_per_s),
                    has_roof ? fixed(*roof.peak_macps / *roof.bandwidth_bytes_per_s, 1) : "—",
                    roof.source ? std::string(results::ceiling_source_names.name_of(*roof.source)) : std::string("—"),
                    std::to_string(d.size())});
  c.findings.push_back(t);
  if (d.empty()) {
    c.caption += " Nothing to plot: the results hold no roofline points.";
    report.missing.push_back("roofline chart: the results hold no operator points");
    return c;
  }
  Json spec = base_spec(r, report, "Roofline on " + device_name(r), {"roofline", "roofline_ceiling"});
  const Json x = axis(q("intensity_macs_per_byte", "arithmetic intensity (MACs per byte)", "~g"), "log");
  const Json y = axis(q("macps", "MACpS", "~s"), "log");
  Json layers = Json::array();
  if (has_roof) {
    layers.push_back({{"data", from("roofline_ceiling")},
                      {"mark", {{"type", "line"}, {"color", "black"}, {"strokeWidth", 2}}},
                      {"encoding", {{"x", x}, {"y", y}, {"order", q("intensity_macs_per_byte", "")}}}});
    const std::string peak = "peak " + si(roof.peak_macps) + "MACpS", bw = si(roof.bandwidth_bytes_per_s) + "B/s";
    for (const auto& [bound, label, align] :
         {std::tuple{"compute", peak, "right"}, std::tuple{"bandwidth", bw, "left"}})
      layers.push_back({{"data", from("roofline_ceiling")},
                        {"transform", Json::array({Json{{"filter", "datum.bound == '" + std::string(bound) + "'"}},
                                                   literal("label", label)})},
                        {"mark", {{"type", "text"}, {"dy", -8}, {"fontWeight", "bold"}, {"align", align}}},
                        {"encoding", {{"x", x}, {"y", y}, {"text", {{"field", "label"}}}}}});
  }
  layers.push_back({{"data", from("roofline")},
                    {"mark", {{"type", "point"}, {"filled", true}, {"size", 45}, {"opacity", 0.8}}},
                    {"encoding",
                     {{"x", x},
                      {"y", y},
                      {"color",
                       {{"field", "op_class"},
                        {"type", "nominal"},
                        {"title", "operator class"},
                        {"scale", {{"scheme", "tableau20"}}}}},
                      {"shape", nom("source", "MACpS from")},
                      {"tooltip", Json::array({nom("model", "model"), nom("op", "operator"), nom("op_class", "class"),
                                               q("macs", "MACs", ".3s"), q("macps", "MACpS", ".3s"),
                                               q("predicted_us", "predicted latency (us)", ".1f"),
                                               q("intensity_macs_per_byte", "MACs per byte", ".2f")})}}}});
  spec["layer"] = layers;
  c.spec = spec;
  c.min_marks = static_cast<int64_t>(d.size());
  return c;
}

Chart layer_breakdown(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-layers";
  const std::string& model = r.layers.model;
  c.heading = "Per-layer breakdown of " + model;
  const std::vector<LayerPoint>& d = report.data.layers;
  const bool measured = count_rows(d, [](const LayerPoint& l) { return l.layer.op.measured_us.has_value(); }) > 0;
  c.caption = "Where " + model + "'s time goes on " + device_name(r) +
              ": predicted time per stage, split by operator class" +
              (measured ? std::string(", next to the time measured on this machine.")
                        : std::string(". No per-layer measurements on this device."));
  if (!measured)
    report.missing.push_back("per-layer breakdown of " + model + ": no measured per-layer times on " + device_name(r));
  if (d.empty()) {
    c.caption += " Nothing to plot: the results hold no layers.";
    report.missing.push_back("per-layer chart: the results hold no layer rows");
    return c;
  }
  // Stages in the order the network runs them, operator classes by their share of the predicted time.
  std::vector<std::string> stages;
  std::map<std::string, std::map<std::string, std::pair<double, double>>> by_stage;  // stage -> class -> (us, macs)
  std::map<std::string, std::pair<double, double>> by_class;
  std::set<std::pair<std::string, std::string>> groups;
  double total_us = 0, total_macs = 0;
  for (const auto& op : r.layers.ops) {
    const std::string &stage = op.stage, &cls = op.op.op_class;
    if (std::find(stages.begin(), stages.end(), stage) == stages.end()) stages.push_back(stage);
    const double us = op.op.predicted_us.value_or(0), macs = static_cast<double>(op.op.macs);
    by_stage[stage][cls].first += us, by_stage[stage][cls].second += macs;
    by_class[cls].first += us, by_class[cls].second += macs;
    total_us += us, total_macs += macs;
    groups.insert({stage, cls});
    if (op.op.measured_us) groups.insert({stage + "\x01measured", cls});
  }
  Json spec = base_spec(r, report, "Per-layer breakdown of " + model + " on " + device_name(r), {"layers"});
  spec["height"] = std::max<int64_t>(220, 26 * static_cast<int64_t>(stages.size()) * (measured ? 2 : 1));
  Json transform = Json::array(
      {Json{{"fold", {"predicted_us", "measured_us"}}, {"as", {"source", "time_us"}}},
       Json{{"filter", "datum.time_us != null"}},
       Json{{"calculate", "datum.source == 'predicted_us' ? 'predicted' : 'measured'"}, {"as", "source"}},
       Json{{"aggregate", Json::array({Json{{"op", "sum"}, {"field", "time_us"}, {"as", "time_us"}},
                                       Json{{"op", "sum"}, {"field", "macs"}, {"as", "macs"}},
                                       Json{{"op", "count"}, {"as", "ops"}}})},
            {"groupby", {"stage", "op_class", "source"}}},
       Json{{"calculate", "datum.time_us / 1000"}, {"as", "time_ms"}},
       Json{{"calculate", "datum.time_us > 0 ? datum.macs / datum.time_us * 1e6 : null"}, {"as", "macps"}}});
  Json enc = {
      {"y", {{"field", "stage"}, {"type", "nominal"}, {"title", "stage"}, {"sort", stages}}},
      {"x", q("time_ms", (measured ? "time" : "predicted time") + std::string(" on ") + device_name(r) + " (ms)")},
      {"color",
       {{"field", "op_class"}, {"type", "nominal"}, {"title", "operator class"}, {"scale", {{"scheme", "tableau20"}}}}},
      {"tooltip", Json::array({nom("stage", "stage"), nom("op_class", "operator class"), nom("source", "time"),
                               q("time_ms", "latency (ms)", ".3f"), q("macs", "MACs", ".3s"),
                               q("macps", "MACpS", ".3s"), q("ops", "operators")})}};
  if (measured) {
    enc["yOffset"] = nom("source", "time");
    enc["opacity"] = {{"field", "source"},
                      {"type", "ordinal"},
                      {"title", "time"},
                      {"sort", {"predicted", "measured"}},
                      {"scale", {{"domain", {"predicted", "measured"}}, {"range", {1.0, 0.55}}}}};
  }
  spec["transform"] = transform;
  spec["data"] = from("layers");
  spec["mark"] = {{"type", "bar"}};
  spec["encoding"] = enc;
  c.spec = spec;
  c.min_marks = static_cast<int64_t>(groups.size());

  // Measured time per stage beside the prediction, where the ops were measured (null counts as not measured).
  auto measured_us = [&](const std::string& stage) {
    double us = 0;
    bool any = false;
    for (const auto& op : r.layers.ops)
      if ((stage.empty() || op.stage == stage) && op.op.measured_us) us += *op.op.measured_us, any = true;
    return any ? std::optional<double>(us) : std::nullopt;
  };
  Table s = table(model + " on " + device_name(r) + ": time per stage",
                  {"stage", "ops", "MACs", "predicted (ms)", "measured (ms)", "share of predicted", "predicted MACpS"});
  for (const auto& stage : stages) {
    double us = 0, macs = 0;
    int64_t ops = 0;
    for (const auto& [cls, v] : by_stage[stage]) us += v.first, macs += v.second;
    for (const auto& op : r.layers.ops) ops += op.stage == stage;
    s.rows.push_back({stage, std::to_string(ops), si(Json(macs)), ms(Json(us), 3), ms(measured_us(stage), 3),
                      fixed(Json(total_us > 0 ? 100 * us / total_us : 0.0), 1) + " %",
                      us > 0 ? si(Json(macs / us * 1e6)) : "—"});
  }
  s.rows.push_back({"total", std::to_string(d.size()), si(Json(total_macs)), ms(Json(total_us), 3),
                    ms(measured_us(""), 3), "100.0 %", total_us > 0 ? si(Json(total_macs / total_us * 1e6)) : "—"});
  c.findings.push_back(s);
  std::vector<std::pair<std::string, std::pair<double, double>>> classes(by_class.begin(), by_class.end());
  std::sort(classes.begin(), classes.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  Table k = table(model + " on " + device_name(r) + ": predicted time per operator class",
                  {"operator class", "MACs", "predicted (ms)", "share", "MACpS"});
  for (const auto& [cls, v] : classes)
    k.rows.push_back({cls, si(Json(v.second)), ms(Json(v.first), 3),
                      fixed(Json(total_us > 0 ? 100 * v.first / total_us : 0.0), 1) + " %",
                      v.first > 0 && v.second > 0 ? si(Json(v.second / v.first * 1e6)) : "—"});
  c.findings.push_back(k);
  return c;
}

Chart predictor_accuracy(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-predictor-accuracy";
  c.heading = "Predictor accuracy";
  if (!r.predictor_accuracy) {
    c.caption =
        "No predictor accuracy figures for " + device_name(r) + ": nothing was measured or published to compare with.";
    report.missing.push_back(
        "predictor accuracy: no measured or published latencies to compare the predictions with on " + device_name(r));
    return c;
  }
  const results::PredictorAccuracy& pa = *r.predictor_accuracy;
  const std::string& against = pa.against;
  const std::vector<PredictorAccuracyPoint>& d = report.data.predictor_accuracy;
  const Coverage cov = interval_coverage(d);
  c.caption =
      "Predicted latency against " + against + " on " + device_name(r) + " (log-log)" +
      (!pa.method ? std::string(".") : ", predicted by the device's chosen model, " + *pa.method + ".") +
      (pa.held_out == results::HeldOut::lofo ? " Each family was predicted by a fit that never saw any of its models."
                                             : "") +
      (pa.held_out == results::HeldOut::lomo ? " Each model was predicted by a fit that never saw it." : "");
  if (!pa.interval) {
    c.caption += " No interval bars: the predictor gives no interval on " + device_name(r) + ".";
  } else {
    c.caption += " Vertical bars: " + fixed(100 * pa.interval->level, 0) + " % intervals, each " + pa.interval->method +
                 ". Coverage of the device's interval, each " + held_out_group(pa) + " held out (calibrate's " +
                 held_out_group(pa) + " cover of the chosen method): the actual latency lies inside its interval for " +
                 coverage_text(cov) + " of the points (its bar crosses the diagonal).";
  }
  c.caption += " Colour: family; triangles are more than ±10 % off (outside the shaded band).";
  Table t = table("Predictor accuracy on " + device_name(r) + " (against " + against + ")",
                  {"MAPE", "within ±10 %", "Spearman",
                   !pa.interval ? std::string("interval coverage")
                                : "coverage of the device's interval, each " + held_out_group(pa) + " held out",
                   "points"});
  t.rows.push_back({fixed(pa.mape, 1) + " %", fixed(100 * pa.within_10, 0) + " %", fixed(pa.spearman, 3),
                    coverage_text(cov), std::to_string(pa.points.size())});
  c.findings.push_back(t);
  if (pa.methods) c.findings.push_back(held_out_methods_table(*pa.methods, device_name(r)));
  if (d.empty()) {
    c.caption += " Nothing to plot: no points.";
    report.missing.push_back("predictor accuracy chart: the results hold no points");
    return c;
  }
  Json spec = base_spec(r, report, "Predicted vs " + against + " on " + device_name(r),
                        {"predictor_accuracy", "predictor_accuracy_band"});
  spec["layer"] = accuracy_layers(r, cov.with_interval > 0);
  c.spec = spec;
  c.min_marks = static_cast<int64_t>(d.size() + cov.with_interval);

  Table p = table("Predicted vs " + against + " per model",
                  {"model", "family", "predicted (ms)", "interval (ms)", "actual (ms)", "error", "inside interval"});
  for (const auto& row : d) {
    const results::PredictorPoint& pt = row.point;
    p.rows.push_back({pt.model, pt.family, ms(pt.predicted_us, 2),
                      !pt.low_us ? "—" : ms(pt.low_us, 2) + " – " + ms(pt.high_us, 2), ms(pt.actual_us, 2),
                      fixed(row.error_pct, 1) + " %",
                      !row.inside_interval   ? "—"
                      : *row.inside_interval ? "yes"
                                             : "no"});
  }
  c.findings.push_back(p);
  return c;
}

}  // namespace cpx::reports

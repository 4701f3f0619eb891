// Vega-Lite specs of the report's charts. Each names the device, runtime and accuracy model in its
// subtitle, reads its data from the named data sets (the same rows as data/*.csv), and gives tooltips
// with the model, MACs, MACpS and latency wherever the data has them.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "reports/parts.hpp"

namespace cpx::reports {

namespace {

std::string device_line(const Results& r) {
  const results::Device& d = r.device;
  return "device " + d.name + ": " + d.runtime + ", " + std::to_string(d.threads) + (d.threads == 1 ? " thread" : " threads") +
         (d.measured ? " (profiled on this machine)" : " (calibrated, not measured here)");
}

std::string accuracy_line(const Results& r) {
  return "accuracy model: " + r.accuracy_model.name + " (" + named(results::accuracy_kind_names, r.accuracy_model.kind) + ")";
}

Json q(const std::string& field, const std::string& title, const std::string& format = "") {
  Json j = {{"field", field}, {"type", "quantitative"}, {"title", title}};
  if (!format.empty()) j["format"] = format;
  return j;
}
Json nom(const std::string& field, const std::string& title) {
  return {{"field", field}, {"type", "nominal"}, {"title", title}};
}
Json axis(Json enc, const std::string& scale_type, bool zero = false) {
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

// Data sets hold latencies in microseconds, as the results do; charts show milliseconds, converted by
// the chart itself so that data/*.csv stays what the results say. Each X_us becomes X_ms, after `then`.
Json in_ms(std::initializer_list<std::string> fields_us, std::initializer_list<Json> then = {}) {
  Json t = Json::array();
  for (const auto& f : fields_us)
    t.push_back({{"calculate", "datum." + f + " == null ? null : datum." + f + " / 1000"}, {"as", f.substr(0, f.size() - 3) + "_ms"}});
  for (const auto& x : then) t.push_back(x);
  return t;
}

Json base_spec(const Results& r, const Report& report, const std::string& title, const std::vector<std::string>& data) {
  Json spec;
  spec["title"] = {{"text", title}, {"subtitle", Json::array({device_line(r), accuracy_line(r)})},
                   {"anchor", "start"}, {"fontSize", 15}, {"subtitleFontSize", 12}};
  spec["width"] = 470;
  spec["height"] = 340;
  spec["datasets"] = Json::object();
  for (const auto& name : data) spec["datasets"][name] = dataset(report, name).rows;
  // Legend symbols fully opaque: a layer's faint marks (bars, bands) would otherwise make its colour hard to read there.
  spec["config"] = {{"legend", {{"orient", "right"}, {"labelLimit", 190}, {"symbolOpacity", 1}}}, {"axis", {{"labelFontSize", 11}, {"titleFontSize", 12}}}};
  return spec;
}

// How many of a data set's rows `has` holds for.
template <class Row, class Has>
size_t count_rows(const std::vector<Row>& rows, Has has) {
  return static_cast<size_t>(std::count_if(rows.begin(), rows.end(), has));
}

const std::string& device_name(const Results& r) { return r.device.name; }

std::string label(Series series) { return std::string(names_of(series).label); }
Json series_literal(Series series) { return literal("series", label(series)); }
Json kind_literal(Top1Kind kind) { return literal("top1_kind", std::string(label_of(kind))); }

// The colour channel over the series drawn (a series in the scale's domain is listed even when nothing draws it).
Json series_colour(const std::vector<Series>& present, const std::string& title) {
  Json domain = Json::array(), range = Json::array();
  for (const Series series : present) domain.push_back(label(series)), range.push_back(std::string(names_of(series).colour));
  return {{"field", "series"}, {"type", "nominal"}, {"title", title}, {"scale", {{"domain", domain}, {"range", range}}}};
}

// The zoo's series among the rows that have the `plotted` figure: CPUBone, the other families, or both.
std::vector<Series> zoo_series(const std::vector<ZooPoint>& zoo, std::optional<double> ZooPoint::*plotted) {
  std::vector<Series> present;
  for (const Series family : {Series::cpubone, Series::other_family})
    if (std::any_of(zoo.begin(), zoo.end(), [&](const ZooPoint& z) { return (z.*plotted).has_value() && z.series == family; }))
      present.push_back(family);
  return present;
}

// An estimate is drawn hollow and dashed, a published (measured) top-1 filled and solid, so that this run's
// estimates are never read as results someone measured.
const Json estimate_dash = {4, 2};

// What every layer of the speed-accuracy chart shares: its axes, one colour scale over the series, and the
// top-1 kind legend (filled and solid: published; hollow and dashed: estimated).
struct SpeedAccuracyScales {
  std::string x_title, y_title;
  Json x_pred, y, color, kind_fill, kind_dash;
};

SpeedAccuracyScales speed_accuracy_scales(const Results& r, const std::vector<Series>& present) {
  SpeedAccuracyScales s;
  s.x_title = "predicted latency on " + device_name(r) + " (ms)";
  s.y_title = "ImageNet top-1 (%)";
  s.x_pred = axis(q("predicted_latency_ms", s.x_title), "log");
  s.color = series_colour(present, "family / series");
  // Two channels on one field with one title: Vega-Lite merges them into a single legend whose symbols are
  // drawn as the marks are (filled and solid, hollow and dashed).
  const Json kinds = {label_of(Top1Kind::published), label_of(Top1Kind::estimated)};
  // The legend's symbols are dark grey whatever the series; the scales then make one filled, the other hollow and dashed.
  // Every property set, each kind's from the scales, so that every layer asks for the same legend (no conflict warning).
  const Json symbols = {{"fill", {{"value", "#444444"}}}, {"stroke", {{"value", "#444444"}}},
                        {"fillOpacity", {{"value", {{"signal", "scale('fillOpacity', datum.value)"}}}}},
                        {"strokeDash", {{"value", {{"signal", "scale('strokeDash', datum.value)"}}}}}};
  const Json legend = {{"symbolStrokeWidth", 1.5}, {"encoding", {{"symbols", symbols}}}};
  s.kind_fill = {{"field", "top1_kind"}, {"type", "ordinal"}, {"title", "top-1"}, {"legend", legend},
                 {"scale", {{"domain", kinds}, {"range", {0.85, 0}}}}};
  s.kind_dash = {{"field", "top1_kind"}, {"type", "ordinal"}, {"title", "top-1"}, {"legend", legend},
                 {"scale", {{"domain", kinds}, {"range", Json::array({Json::array({1, 0}), estimate_dash})}}}};
  s.y = axis(q("top1", s.y_title), "linear");
  return s;
}

// The encoding of a point layer: position, colour by series, and the top-1 kind legend.
Json point_encoding(const SpeedAccuracyScales& s, const Json& y, const Json& tooltip) {
  return {{"x", s.x_pred}, {"y", y}, {"color", s.color}, {"fillOpacity", s.kind_fill}, {"strokeDash", s.kind_dash}, {"tooltip", tooltip}};
}

Json error_bars(const SpeedAccuracyScales& s, const std::string& data, const Json& transform, const Json& x, const std::string& low,
                const std::string& high) {
  return Json{{"data", from(data)}, {"transform", transform}, {"mark", {{"type", "rule"}, {"strokeWidth", 1}, {"opacity", 0.5}}},
              {"encoding", {{"x", x}, {"y", axis(q(low, s.y_title), "linear")}, {"y2", {{"field", high}}}, {"color", s.color}}}};
}

void add_random_front_layer(const std::vector<results::RandomFrontPoint>& random, const SpeedAccuracyScales& s, Json& layers) {
  if (random.empty()) return;
  layers.push_back({{"data", from("random_front")}, {"transform", in_ms({"latency_us"}, {series_literal(Series::random_front)})},
                    {"mark", {{"type", "line"}, {"strokeDash", {1, 3}}, {"strokeWidth", 1.5}}},
                    {"encoding", {{"x", axis(q("latency_ms", s.x_title), "log")}, {"y", s.y}, {"order", q("latency_ms", "")}, {"color", s.color}}}});
}

// The explorer's Pareto front, all estimates: its interval band, then a dashed line through hollow points.
void add_pareto_layers(const std::vector<ParetoPoint>& pareto, const SpeedAccuracyScales& s, Json& layers) {
  const Json pareto_tip = Json::array({nom("id", "proposal"), nom("summary", "configuration"), q("macs", "MACs", ".3s"),
                                       q("params", "params", ".3s"), q("predicted_macps", "predicted MACpS", ".3s"),
                                       q("predicted_latency_ms", "predicted latency (ms)", ".2f"),
                                       q("measured_latency_ms", "measured latency (ms)", ".2f"),
                                       q("estimated_top1", "estimated top-1 (%)", ".2f"), q("estimated_top1_low", "interval low (%)", ".2f"),
                                       q("estimated_top1_high", "interval high (%)", ".2f"), q("support_distance", "support distance", ".2f"),
                                       q("uncalibrated_share", "time in work the device's calibration barely saw", ".0%"),
                                       nom("uncalibrated_kinds", "that work")});
  const Json estimated_front = in_ms({"predicted_latency_us", "measured_latency_us"},
                                     {series_literal(Series::pareto_front), kind_literal(Top1Kind::estimated),
                                      Json{{"filter", "datum.estimated_top1 != null"}}});
  const std::string colour(names_of(Series::pareto_front).colour);
  if (count_rows(pareto, [](const ParetoPoint& p) { return p.pareto.estimated_top1_low.has_value(); }) > 0)
    layers.push_back({{"data", from("pareto")}, {"transform", estimated_front},
                      {"mark", {{"type", "area"}, {"opacity", 0.15}, {"color", colour}}},
                      {"encoding", {{"x", s.x_pred}, {"y", axis(q("estimated_top1_low", s.y_title), "linear")}, {"y2", {{"field", "estimated_top1_high"}}}}}});
  if (pareto.empty()) return;
  // The points (faint: a front of a hundred crowds them) under the dashed line, so that its dashes stay visible.
  layers.push_back({{"data", from("pareto")}, {"transform", estimated_front},
                    {"mark", {{"type", "point"}, {"filled", false}, {"strokeDash", estimate_dash}, {"size", 14}, {"strokeWidth", 1}, {"opacity", 0.3}}},
                    {"encoding", point_encoding(s, axis(q("estimated_top1", s.y_title), "linear"), pareto_tip)}});
  layers.push_back({{"data", from("pareto")}, {"transform", estimated_front},
                    {"mark", {{"type", "line"}, {"strokeDash", {7, 4}}, {"strokeWidth", 2}}},
                    {"encoding", {{"x", s.x_pred}, {"y", axis(q("estimated_top1", s.y_title), "linear")},
                                  {"order", q("predicted_latency_ms", "")}, {"color", s.color}}}});
}

// The capacity-matched configurations, all estimates: interval bars, then hollow dashed diamonds.
void add_capacity_matched_layers(size_t matched_points, const SpeedAccuracyScales& s, Json& layers) {
  if (matched_points == 0) return;
  const Json t = in_ms({"predicted_latency_us", "measured_latency_us", "baseline_latency_us"},
                       {series_literal(Series::capacity_matched), kind_literal(Top1Kind::estimated), Json{{"filter", "datum.top1 != null"}}});
  layers.push_back(error_bars(s, "capacity_matched", t, s.x_pred, "top1_low", "top1_high"));
  layers.push_back({{"data", from("capacity_matched")}, {"transform", t},
                    {"mark", {{"type", "point"}, {"shape", "diamond"}, {"filled", false}, {"strokeDash", estimate_dash}, {"size", 80}, {"strokeWidth", 1.5}}},
                    {"encoding", point_encoding(s, s.y, Json::array({nom("id", "configuration"), nom("baseline", "capacity-matched to"),
                                                                     nom("summary", "configuration"), q("predicted_latency_ms", "predicted latency (ms)", ".2f"),
                                                                     q("baseline_latency_ms", "baseline predicted (ms)", ".2f"), q("speedup", "speed-up", ".2f"),
                                                                     q("macs_ratio", "MACs ratio", ".3f"), q("params_ratio", "params ratio", ".3f"),
                                                                     q("top1", "estimated top-1 (%)", ".2f"), q("top1_low", "interval low (%)", ".2f"),
                                                                     q("top1_high", "interval high (%)", ".2f"), nom("domination", "dominates")}))}});
}

// The zoo: filled circles at published top-1, hollow dashed circles with bars at estimates, B0-B3 ringed and
// labelled below their rings (the estimated front and its band lie above the published models).
void add_zoo_layers(const std::vector<ZooPoint>& zoo, size_t zoo_points, const SpeedAccuracyScales& s, Json& layers) {
  const Json zoo_tip = Json::array({nom("name", "model"), nom("family", "family"), q("macs", "MACs", ".3s"),
                                    q("params", "params", ".3s"), q("predicted_macps", "predicted MACpS", ".3s"),
                                    q("predicted_latency_ms", "predicted latency (ms)", ".2f"),
                                    q("published_latency_ms", "published latency (ms)", ".2f"),
                                    q("measured_latency_ms", "measured latency (ms)", ".2f"),
                                    q("published_top1", "published top-1 (%)", ".2f"),
                                    q("estimated_top1", "estimated top-1 (%)", ".2f"), q("estimated_top1_low", "interval low (%)", ".2f"),
                                    q("estimated_top1_high", "interval high (%)", ".2f"), q("support_distance", "support distance", ".2f")});
  const std::initializer_list<std::string> zoo_us = {"predicted_latency_us", "published_latency_us", "measured_latency_us"};
  const Json published = in_ms(zoo_us, {Json{{"filter", "datum.top1_source == 'published'"}}, kind_literal(Top1Kind::published)});
  const Json estimated = in_ms(zoo_us, {Json{{"filter", "datum.top1_source == 'estimated'"}}, kind_literal(Top1Kind::estimated)});
  layers.push_back({{"data", from("zoo")}, {"transform", published},
                    {"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 1}}},
                    {"encoding", point_encoding(s, s.y, zoo_tip)}});
  if (zoo_points > count_rows(zoo, [](const ZooPoint& z) { return z.zoo.published_top1.has_value(); })) {
    layers.push_back(error_bars(s, "zoo", estimated, s.x_pred, "estimated_top1_low", "estimated_top1_high"));
    layers.push_back({{"data", from("zoo")}, {"transform", estimated},
                      {"mark", {{"type", "point"}, {"filled", false}, {"strokeDash", estimate_dash}, {"size", 70}, {"strokeWidth", 1.5}}},
                      {"encoding", point_encoding(s, s.y, zoo_tip)}});
  }
  const Json marked = {{"filter", "datum.cpubone_mark != null && datum.top1 != null"}};
  layers.push_back({{"data", from("zoo")}, {"transform", in_ms(zoo_us, {marked})},
                    {"mark", {{"type", "point"}, {"size", 320}, {"strokeWidth", 2}, {"color", "black"}}},
                    {"encoding", {{"x", s.x_pred}, {"y", s.y}, {"tooltip", zoo_tip}}}});
  layers.push_back({{"data", from("zoo")}, {"transform", in_ms(zoo_us, {marked})},
                    {"mark", {{"type", "text"}, {"dy", 20}, {"baseline", "middle"}, {"fontWeight", "bold"}, {"fontSize", 13}}},
                    {"encoding", {{"x", s.x_pred}, {"y", s.y}, {"text", {{"field", "cpubone_mark"}}}}}});
}
// Names the zoo models the chart cannot place, in the missing-data box.
void note_unplotted_zoo(const std::vector<ZooPoint>& zoo, Report& report) {
  std::string unknown, unplotted;
  for (const auto& z : zoo)
    if (!z.top1) (z.zoo.inside_support == false ? unknown : unplotted) += ", " + z.zoo.name;
  if (!unplotted.empty())
    report.missing.push_back("speed-accuracy chart: zoo model(s) with neither a published nor an estimated top-1, not plotted: " + unplotted.substr(2));
  if (!unknown.empty())
    report.missing.push_back("speed-accuracy chart: top-1 unknown (no published value, outside the accuracy model's support), not plotted: " +
                             unknown.substr(2));
}

// Findings: each baseline against its fastest proposal that earned domination.
Table fastest_proposal_findings(const Results& r, const std::string& level) {
  Table t = table("Fastest proposal earning domination over each CPUBone baseline on " + device_name(r),
                  {"baseline", "latency (ms)", "published top-1 (%)", "proposal", "latency (ms)", "est. top-1 (%)", "interval (%)",
                   "latency change", "promising, unproven"});
  t.note = "Latencies predicted for " + device_name(r) + "; top-1 estimated by " + r.accuracy_model.name +
           ". A proposal earns domination when the lower end of its " + level + " interval is at or above the baseline's published top-1.";
  for (const auto& b : r.proposals) {
    const results::ProposalRow* best = fastest_dominating(b);
    std::vector<std::string> row = {b.baseline, ms(b.baseline_latency_us, 2), fixed(b.baseline_published_top1, 2)};
    if (best)
      row.insert(row.end(), {best->id, ms(best->latency_us, 2), fixed(best->top1, 2),
                             "[" + fixed(best->top1_low, 1) + ", " + fixed(best->top1_high, 1) + "]",
                             fixed(best->delta_latency_pct, 1) + " %"});
    else
      row.insert(row.end(), {"none earns it", "", "", "", ""});
    row.push_back(std::to_string(b.promising_unproven.size()));
    t.rows.push_back(row);
  }
  if (r.proposals.empty()) t.note += " The results hold no proposals.";
  return t;
}

// The series the speed-accuracy chart draws, in the legend's order.
std::vector<Series> plotted_series(const DataSets& data, size_t matched_points) {
  std::vector<Series> present = zoo_series(data.zoo, &ZooPoint::top1);
  if (!data.pareto.empty()) present.push_back(Series::pareto_front);
  if (matched_points > 0) present.push_back(Series::capacity_matched);
  if (!data.random_front.empty()) present.push_back(Series::random_front);
  return present;
}

Chart speed_accuracy(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-speed-accuracy";
  c.heading = "Speed vs accuracy";
  const std::vector<ZooPoint>& zoo = report.data.zoo;
  const std::vector<ParetoPoint>& pareto = report.data.pareto;
  const size_t zoo_points = count_rows(zoo, [](const ZooPoint& z) { return z.top1.has_value(); });
  const size_t matched_points = count_rows(report.data.capacity_matched, [](const MatchedPoint& m) { return m.configuration.top1.has_value(); });
  const std::string level = interval_level_text(r);
  c.caption = "ImageNet top-1 against the predicted latency on " + device_name(r) +
              " (log scale). Filled, solid marks: zoo models at their published (measured) top-1. Hollow, dashed marks are "
              "this run's estimates by " + r.accuracy_model.name + ", none of them measured, each with its " + level +
              " interval (bars; the shaded band along the Pareto front): zoo models without a published top-1; the dashed line, "
              "the explorer's Pareto front; diamonds, the capacity-matched configurations of B0-B3. Where the front lies above "
              "the published models it is an estimate, not a win: the table below says which proposals earn domination. A "
              "network outside the estimator's support has no estimate and is not drawn. The dotted line is the front random "
              "search found with the same number of evaluations. CPUBone and the proposals are in colour, every other family "
              "in grey (hover for its name); B0-B3 are ringed.";
  if (const std::string range = accuracy_range_text(r); !range.empty()) c.caption += " " + range;
  if (zoo_points + pareto.size() == 0) {
    c.caption += " Nothing to plot: no zoo model has a top-1 and the Pareto front is empty.";
    report.missing.push_back("speed-accuracy chart: no zoo model has a published or estimated top-1 and the Pareto front is empty");
    return c;
  }
  note_unplotted_zoo(zoo, report);
  Json spec = base_spec(r, report, "Speed vs accuracy on " + device_name(r), {"zoo", "pareto", "random_front", "capacity_matched"});
  const SpeedAccuracyScales s = speed_accuracy_scales(r, plotted_series(report.data, matched_points));
  // Drawn in this order, so the zoo's marks lie on top of the fronts.
  Json layers = Json::array();
  add_random_front_layer(report.data.random_front, s, layers);
  add_pareto_layers(pareto, s, layers);
  add_capacity_matched_layers(matched_points, s, layers);
  add_zoo_layers(zoo, zoo_points, s, layers);
  spec["layer"] = layers;
  c.spec = spec;
  c.min_marks = static_cast<int64_t>(zoo_points + count_rows(pareto, [](const ParetoPoint& p) { return p.pareto.estimated_top1.has_value(); }) +
                                     matched_points);
  c.findings.push_back(fastest_proposal_findings(r, level));
  return c;
}

Chart macs_latency(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-macs-latency";
  c.heading = "MACs vs latency";
  const results::RankCorrelations& rc = r.rank_correlations;
  const std::string source = named(results::latency_source_names, rc.latency_source);
  const std::vector<ZooPoint>& zoo = report.data.zoo;
  const size_t points = count_rows(zoo, [](const ZooPoint& z) { return z.latency_us.has_value(); });
  c.caption = "Every zoo model's MACs against its " + source + " latency on " + device_name(r) +
              " (log-log). Grey lines are constant MACpS: models on the same line run at the same MACs per second, so "
              "distance across the lines is how badly MACs alone predict latency (MobileOne's analysis, redone). CPUBone is in "
              "colour, every other family in grey (hover for its name).";
  if (points < zoo.size())
    report.missing.push_back("MACs-vs-latency chart: " + std::to_string(zoo.size() - points) + " zoo model(s) have no " +
                             source + " latency on " + device_name(r) + " and are not plotted");
  Table t = table("Spearman rank correlation of " + source + " latency with ...", {"MACs", "params", "our prediction"});
  t.rows.push_back({fixed(rc.macs, 3), fixed(rc.params, 3), fixed(rc.prediction, 3)});
  if (!rc.prediction) t.note = "No correlation with our prediction: the latencies plotted are the predictions themselves.";
  c.findings.push_back(t);
  if (points == 0) {
    c.caption += " Nothing to plot: no zoo model has a " + source + " latency.";
    return c;
  }
  Json spec = base_spec(r, report, "MACs vs " + source + " latency on " + device_name(r), {"zoo", "macps_lines"});
  spec["title"]["subtitle"].push_back("Spearman with latency: MACs " + fixed(rc.macs, 2) + ", params " + fixed(rc.params, 2) +
                                      ", prediction " + fixed(rc.prediction, 2));
  const std::string y_title = source + " latency on " + device_name(r) + " (ms)";
  const Json x = axis(q("macs", "MACs", "~s"), "log"), y = axis(q("latency_ms", y_title), "log");
  Json layers = Json::array();
  layers.push_back({{"data", from("macps_lines")}, {"transform", in_ms({"latency_us"})},
                    {"mark", {{"type", "line"}, {"color", "#bbbbbb"}, {"strokeWidth", 1}, {"clip", true}}},
                    {"encoding", {{"x", x}, {"y", y}, {"detail", nom("label", "")}}}});
  // Below and right of the line (it rises to the right, so the text never crosses it), where macps_lines_dataset says.
  layers.push_back({{"data", from("macps_lines")}, {"transform", in_ms({"latency_us"}, {Json{{"filter", "datum.label_here"}}})},
                    {"mark", {{"type", "text"}, {"color", "#888888"}, {"align", "left"}, {"baseline", "top"}, {"dx", 4}, {"dy", 2}, {"fontSize", 10}}},
                    {"encoding", {{"x", x}, {"y", y}, {"text", {{"field", "label"}}}}}});
  layers.push_back({{"data", from("zoo")},
                    {"transform", in_ms({"latency_us", "predicted_latency_us"}, {Json{{"filter", "datum.latency_us != null"}}})},
                    {"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 0.9}}},
                    {"encoding", {{"x", x}, {"y", y},
                                  {"color", series_colour(zoo_series(zoo, &ZooPoint::latency_us), "family")},
                                  {"tooltip", Json::array({nom("name", "model"), nom("family", "family"), q("macs", "MACs", ".3s"),
                                                           q("params", "params", ".3s"), q("latency_ms", source + " latency (ms)", ".2f"),
                                                           q("macps", "MACpS at that latency", ".3s"),
                                                           q("predicted_latency_ms", "predicted latency (ms)", ".2f")})}}}});
  spec["layer"] = layers;
  c.spec = spec;
  c.min_marks = static_cast<int64_t>(points);
  return c;
}

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
  marker["data"] = {{"values", Json::array({Json{{"channels", crossover}, {"label", "fused/unfused crossover: " + std::to_string(crossover) + " ch"}}})}};
  marker["layer"] = Json::array({Json{{"mark", {{"type", "rule"}, {"strokeDash", {6, 4}}, {"color", "black"}}},
                                      {"encoding", {{"x", {{"field", "channels"}, {"type", "quantitative"}}}}}}});
  if (with_label)
    marker["layer"].push_back({{"mark", {{"type", "text"}, {"align", room_right ? "left" : "right"}, {"dx", room_right ? 4 : -4},
                                         {"y", panel_height - 10}, {"fontWeight", "bold"}}},
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
  layers.push_back({{"data", {{"values", Json::array({Json{{"time_ratio", 1}}})}}}, {"mark", {{"type", "rule"}, {"color", "#999999"}}},
                    {"encoding", {{"y", {{"field", "time_ratio"}, {"type", "quantitative"}}}}}});
  layers.push_back({{"data", from("fused_vs_unfused")}, {"mark", {{"type", "line"}, {"point", true}, {"color", "#1f5fbf"}}},
                    {"encoding", {{"x", x},
                                  {"y", {{"field", "time_ratio"}, {"type", "quantitative"}, {"title", "fused time / unfused time"},
                                         {"scale", {{"zero", false}}}}},
                                  {"tooltip", Json::array({q("channels", "channels"), nom("fused", "fused"), q("fused_latency_us", "fused (us)", ".1f"),
                                                           nom("unfused", "unfused"), q("unfused_latency_us", "unfused (us)", ".1f"),
                                                           q("time_ratio", "fused / unfused", ".2f"), nom("faster", "faster")})}}}});
  if (crossover_inside(f)) layers.push_back(crossover_marker(*f.crossover_channels, f.widths, true));
  return {{"width", 470}, {"height", panel_height}, {"title", "Time at the same width, " + pair + ": above 1 the unfused block is faster"}, {"layer", layers}};
}

// Bottom panel: the highest-MACpS fused variant against the highest-MACpS unfused one, two lines.
Json best_macps_panel(const results::FusedVsUnfused& f, const Json& x, const std::string& source) {
  Json layers = Json::array();
  const Json kinds = {best_fused_label, best_unfused_label};
  layers.push_back({{"data", from("fused_vs_unfused_macps")}, {"mark", {{"type", "line"}, {"point", true}}},
                    {"encoding", {{"x", x}, {"y", axis(q("macps", source + " MACpS", "~s"), "linear", true)},
                                  {"color", {{"field", "kind"}, {"type", "nominal"}, {"title", "block variant"},
                                             {"scale", {{"domain", kinds}, {"range", {"#e4572e", "#4c78a8"}}}}}},
                                  {"tooltip", Json::array({q("channels", "channels"), nom("kind", "kind"), nom("variant", "variant"),
                                                           q("macps", source + " MACpS", ".3s")})}}}});
  if (crossover_inside(f)) layers.push_back(crossover_marker(*f.crossover_channels, f.widths, false));
  return {{"width", 470}, {"height", panel_height}, {"title", "MACpS of the fastest-computing fused and unfused variant (the fused do more MACs)"}, {"layer", layers}};
}

// Fused vs unfused local blocks per width, all from results.fused_vs_unfused: the chart's lines and marker, the
// table under it and the caption say what the fused_crossover rule and the key finding say.
Chart block_macps(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-block-macps";
  c.heading = "Fused vs unfused local blocks per width";
  if (!r.fused_vs_unfused || r.fused_vs_unfused->widths.empty()) {
    c.caption = "Nothing to plot: the results hold no fused/unfused pair (results.fused_vs_unfused; an older file lacks it, "
                "rerun the main job). Every variant's MACpS is in data/block_macps.csv.";
    report.missing.push_back("fused vs unfused chart: the results hold no fused_vs_unfused widths");
    return c;
  }
  const results::FusedVsUnfused& f = *r.fused_vs_unfused;
  const std::string side = std::to_string(f.resolution) + "x" + std::to_string(f.resolution);
  const std::string pair = f.widths[0].fused.variant + " vs " + f.widths[0].unfused.variant + ", input " + side;
  const std::string source = r.device.measured ? "measured" : "predicted";
  c.caption = "CPUBone's local blocks on " + device_name(r) + " (" + source + "): " + f.statement +
              ". Top: the fused block's time over the unfused one's at the same width; " +
              (!f.crossover_channels ? std::string("it is below 1 at the widest, so no crossover is marked. ")
               : crossover_inside(f)              ? std::string("the dashed line marks the crossover, from which it stays above 1. ")
                                                  : std::string("it is above 1 at every width, so no crossover lies inside the range. ")) +
              "Bottom: the MACpS of the highest-MACpS fused and unfused variant at each width; every variant at every width is in "
              "data/block_macps.csv.";
  if (!f.crossover_channels) report.missing.push_back("fused/unfused crossover: none found for " + device_name(r));
  Json spec = base_spec(r, report, "Fused vs unfused local blocks on " + device_name(r), {"fused_vs_unfused", "fused_vs_unfused_macps"});
  spec.erase("width"), spec.erase("height");  // per panel
  const Json x = {{"field", "channels"}, {"type", "quantitative"}, {"title", "channels"},
                  {"scale", {{"type", "log"}, {"base", 2}}}, {"axis", {{"values", {8, 16, 32, 64, 128, 256, 512, 1024, 2048}}}}};
  spec["vconcat"] = Json::array({time_ratio_panel(f, x, pair), best_macps_panel(f, x, source)});
  c.spec = spec;
  c.min_marks = 3 * static_cast<int64_t>(f.widths.size());

  Table t = table("Fused vs unfused local blocks at each width on " + device_name(r) + " (input " + side + ")",
                  {"channels", "fused (ms)", "unfused (ms)", "faster", "highest-MACpS fused", "MACpS", "highest-MACpS unfused", "MACpS"});
  t.note = "Fused vs unfused: " + f.statement + ". Times are " + f.widths[0].fused.variant + " and " + f.widths[0].unfused.variant +
           ", the pair the crossover compares.";
  for (const auto& w : f.widths)
    t.rows.push_back({std::to_string(w.channels), ms(w.fused.latency_us, 3), ms(w.unfused.latency_us, 3),
                      w.fused.latency_us < w.unfused.latency_us ? "fused" : "unfused", w.best_fused.variant, si(w.best_fused.macps),
                      w.best_unfused.variant, si(w.best_unfused.macps)});
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
  c.caption = "Each operator's arithmetic intensity (MACs per byte moved) against the MACs per second it achieves on " +
              device_name(r) + " (log-log)." +
              (!has_roof ? " No roof: peak compute and bandwidth were not measured for this device."
               : stated  ? " The roof is the stated DRAM bandwidth times intensity, capped by the stated fp32 peak of the cores "
                           "its runtime used (the device's hardware description, not measured): operators far below it are "
                           "limited by neither, but by overheads and by the runtime."
                         : " The roof is the measured bandwidth times intensity, capped by the measured peak compute: "
                           "operators far below it are limited by neither, but by overheads.");
  if (!roof.peak_macps) report.missing.push_back("roofline: no measured or stated peak compute (MACpS) for " + device_name(r));
  if (!roof.bandwidth_bytes_per_s) report.missing.push_back("roofline: no measured or stated memory bandwidth for " + device_name(r));
  Table t = table("Roofline on " + device_name(r), {"peak MACpS", "bandwidth (B/s)", "ridge (MACs/byte)", "source", "operators plotted"});
  t.rows.push_back({si(roof.peak_macps), si(roof.bandwidth_bytes_per_s),
                    has_roof ? fixed(*roof.peak_macps / *roof.bandwidth_bytes_per_s, 1) : "—", roof.source ? std::string(results::ceiling_source_names.name_of(*roof.source)) : std::string("—"),
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
    layers.push_back({{"data", from("roofline_ceiling")}, {"mark", {{"type", "line"}, {"color", "black"}, {"strokeWidth", 2}}},
                      {"encoding", {{"x", x}, {"y", y}, {"order", q("intensity_macs_per_byte", "")}}}});
    const std::string peak = "peak " + si(roof.peak_macps) + "MACpS", bw = si(roof.bandwidth_bytes_per_s) + "B/s";
    for (const auto& [bound, label, align] : {std::tuple{"compute", peak, "right"}, std::tuple{"bandwidth", bw, "left"}})
      layers.push_back({{"data", from("roofline_ceiling")},
                        {"transform", Json::array({Json{{"filter", "datum.bound == '" + std::string(bound) + "'"}},
                                                   literal("label", label)})},
                        {"mark", {{"type", "text"}, {"dy", -8}, {"fontWeight", "bold"}, {"align", align}}},
                        {"encoding", {{"x", x}, {"y", y}, {"text", {{"field", "label"}}}}}});
  }
  layers.push_back({{"data", from("roofline")}, {"mark", {{"type", "point"}, {"filled", true}, {"size", 45}, {"opacity", 0.8}}},
                    {"encoding", {{"x", x}, {"y", y},
                                  {"color", {{"field", "op_class"}, {"type", "nominal"}, {"title", "operator class"}, {"scale", {{"scheme", "tableau20"}}}}},
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
  c.caption = "Where " + model + "'s time goes on " + device_name(r) + ": predicted time per stage, split by operator class" +
              (measured ? std::string(", next to the time measured on this machine.") : std::string(". No per-layer measurements on this device."));
  if (!measured) report.missing.push_back("per-layer breakdown of " + model + ": no measured per-layer times on " + device_name(r));
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
  Json transform = Json::array({Json{{"fold", {"predicted_us", "measured_us"}}, {"as", {"source", "time_us"}}},
                                Json{{"filter", "datum.time_us != null"}},
                                Json{{"calculate", "datum.source == 'predicted_us' ? 'predicted' : 'measured'"}, {"as", "source"}},
                                Json{{"aggregate", Json::array({Json{{"op", "sum"}, {"field", "time_us"}, {"as", "time_us"}},
                                                                Json{{"op", "sum"}, {"field", "macs"}, {"as", "macs"}},
                                                                Json{{"op", "count"}, {"as", "ops"}}})},
                                     {"groupby", {"stage", "op_class", "source"}}},
                                Json{{"calculate", "datum.time_us / 1000"}, {"as", "time_ms"}},
                                Json{{"calculate", "datum.time_us > 0 ? datum.macs / datum.time_us * 1e6 : null"}, {"as", "macps"}}});
  Json enc = {{"y", {{"field", "stage"}, {"type", "nominal"}, {"title", "stage"}, {"sort", stages}}},
              {"x", q("time_ms", (measured ? "time" : "predicted time") + std::string(" on ") + device_name(r) + " (ms)")},
              {"color", {{"field", "op_class"}, {"type", "nominal"}, {"title", "operator class"}, {"scale", {{"scheme", "tableau20"}}}}},
              {"tooltip", Json::array({nom("stage", "stage"), nom("op_class", "operator class"), nom("source", "time"),
                                       q("time_ms", "latency (ms)", ".3f"), q("macs", "MACs", ".3s"), q("macps", "MACpS", ".3s"),
                                       q("ops", "operators")})}};
  if (measured) {
    enc["yOffset"] = nom("source", "time");
    enc["opacity"] = {{"field", "source"}, {"type", "ordinal"}, {"title", "time"}, {"sort", {"predicted", "measured"}},
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
                      fixed(Json(total_us > 0 ? 100 * us / total_us : 0.0), 1) + " %", us > 0 ? si(Json(macs / us * 1e6)) : "—"});
  }
  s.rows.push_back({"total", std::to_string(d.size()), si(Json(total_macs)), ms(Json(total_us), 3), ms(measured_us(""), 3),
                    "100.0 %", total_us > 0 ? si(Json(total_macs / total_us * 1e6)) : "—"});
  c.findings.push_back(s);
  std::vector<std::pair<std::string, std::pair<double, double>>> classes(by_class.begin(), by_class.end());
  std::sort(classes.begin(), classes.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  Table k = table(model + " on " + device_name(r) + ": predicted time per operator class", {"operator class", "MACs", "predicted (ms)", "share", "MACpS"});
  for (const auto& [cls, v] : classes)
    k.rows.push_back({cls, si(Json(v.second)), ms(Json(v.first), 3),
                      fixed(Json(total_us > 0 ? 100 * v.first / total_us : 0.0), 1) + " %", v.first > 0 && v.second > 0 ? si(Json(v.second / v.first * 1e6)) : "—"});
  c.findings.push_back(k);
  return c;
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
  // A calibrated device's actual latencies are published figures or the user's own timings (device.timed_by).
  const bool yours = r.device.timed_by && *r.device.timed_by == results::TimedBy::user;
  const std::string x_title = std::string(r.device.measured ? "measured" : yours ? "your timed" : "published") + " latency (ms)";
  const std::string y_title = "predicted latency (ms)";
  const Json x = axis(q("actual_ms", x_title), "log");
  const Json family = nom("family", "family");
  Json layers = Json::array();
  const Json band_ms = in_ms({"actual_us", "low_us", "high_us"});
  layers.push_back({{"data", from("predictor_accuracy_band")}, {"transform", band_ms}, {"mark", {{"type", "area"}, {"color", "#4c78a8"}, {"opacity", 0.15}}},
                    {"encoding", {{"x", x}, {"y", axis(q("low_ms", y_title), "log")}, {"y2", {{"field", "high_ms"}}}}}});
  layers.push_back({{"data", from("predictor_accuracy_band")}, {"transform", band_ms}, {"mark", {{"type", "line"}, {"color", "#4c78a8"}, {"strokeDash", {4, 3}}}},
                    {"encoding", {{"x", x}, {"y", {{"field", "actual_ms"}, {"type", "quantitative"}}}}}});
  if (with_intervals)
    layers.push_back({{"data", from("predictor_accuracy")},
                      {"transform", in_ms({"actual_us", "low_us", "high_us"}, {Json{{"filter", "datum.low_us != null && datum.high_us != null"}}})},
                      {"mark", {{"type", "rule"}, {"strokeWidth", 1.5}, {"opacity", 0.7}}},
                      {"encoding", {{"x", x}, {"y", axis(q("low_ms", y_title), "log")}, {"y2", {{"field", "high_ms"}}}, {"color", family}}}});
  layers.push_back({{"data", from("predictor_accuracy")},
                    {"transform", in_ms({"predicted_us", "actual_us", "low_us", "high_us"},
                                        {Json{{"calculate", "abs(datum.error_pct) <= 10 ? 'within ±10 %' : 'outside ±10 %'"}, {"as", "band"}}})},
                    {"mark", {{"type", "point"}, {"filled", true}, {"size", 70}}},
                    {"encoding", {{"x", x}, {"y", axis(q("predicted_ms", y_title), "log")}, {"color", family},
                                  {"shape", {{"field", "band"}, {"type", "nominal"}, {"title", "error"},
                                             {"scale", {{"domain", {"within ±10 %", "outside ±10 %"}}, {"range", {"circle", "triangle-up"}}}}}},
                                  {"tooltip", Json::array({nom("model", "model"), nom("family", "family"), q("macs", "MACs", ".3s"),
                                                           q("predicted_ms", "predicted latency (ms)", ".2f"),
                                                           q("low_ms", "interval low (ms)", ".2f"), q("high_ms", "interval high (ms)", ".2f"),
                                                           q("actual_ms", "actual latency (ms)", ".2f"),
                                                           q("actual_macps", "actual MACpS", ".3s"), q("error_pct", "error (%)", "+.1f"),
                                                           nom("inside_interval", "actual inside interval")})}}}});
  return layers;
}

// The device file's held-out table: the chosen model beside the uniform-scale baseline and the MACs-only floor.
Table held_out_methods_table(const std::vector<results::HeldOutMethod>& methods, const std::string& device) {
  Table t = table("Held-out accuracy per model on " + device + " (from its device file)",
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
std::string held_out_group(const results::PredictorAccuracy& pa) { return pa.held_out == results::HeldOut::lofo ? "family" : "model"; }

Chart predictor_accuracy(const Results& r, Report& report) {
  Chart c;
  c.id = "chart-predictor-accuracy";
  c.heading = "Predictor accuracy";
  if (!r.predictor_accuracy) {
    c.caption = "No predictor accuracy figures for " + device_name(r) + ": nothing was measured or published to compare with.";
    report.missing.push_back("predictor accuracy: no measured or published latencies to compare the predictions with on " + device_name(r));
    return c;
  }
  const results::PredictorAccuracy& pa = *r.predictor_accuracy;
  const std::string& against = pa.against;
  const std::vector<PredictorAccuracyPoint>& d = report.data.predictor_accuracy;
  const Coverage cov = interval_coverage(d);
  c.caption = "Predicted latency against " + against + " on " + device_name(r) + " (log-log)" +
              (!pa.method ? std::string(".") : ", predicted by the device's chosen model, " + *pa.method + ".") +
              (pa.held_out == results::HeldOut::lofo ? " Each family was predicted by a fit that never saw any of its models." : "") +
              (pa.held_out == results::HeldOut::lomo ? " Each model was predicted by a fit that never saw it." : "");
  if (!pa.interval) {
    c.caption += " No interval bars: the predictor gives no interval on " + device_name(r) + ".";
  } else {
    c.caption += " Vertical bars: " + fixed(100 * pa.interval->level, 0) + " % intervals, each " + pa.interval->method + ". Coverage of the device's interval, each " + held_out_group(pa) +
                 " held out (calibrate's " + held_out_group(pa) + " cover of the chosen method): the actual latency lies inside its interval for " +
                 coverage_text(cov) + " of the points (its bar crosses the diagonal).";
  }
  c.caption += " Colour: family; triangles are more than ±10 % off (outside the shaded band).";
  Table t = table("Predictor accuracy on " + device_name(r) + " (against " + against + ")",
                  {"MAPE", "within ±10 %", "Spearman",
                   !pa.interval ? std::string("interval coverage") : "coverage of the device's interval, each " + held_out_group(pa) + " held out",
                   "points"});
  t.rows.push_back({fixed(pa.mape, 1) + " %", fixed(100 * pa.within_10, 0) + " %", fixed(pa.spearman, 3), coverage_text(cov),
                    std::to_string(pa.points.size())});
  c.findings.push_back(t);
  if (pa.methods) c.findings.push_back(held_out_methods_table(*pa.methods, device_name(r)));
  if (d.empty()) {
    c.caption += " Nothing to plot: no points.";
    report.missing.push_back("predictor accuracy chart: the results hold no points");
    return c;
  }
  Json spec = base_spec(r, report, "Predicted vs " + against + " on " + device_name(r), {"predictor_accuracy", "predictor_accuracy_band"});
  spec["layer"] = accuracy_layers(r, cov.with_interval > 0);
  c.spec = spec;
  c.min_marks = static_cast<int64_t>(d.size() + cov.with_interval);

  Table p = table("Predicted vs " + against + " per model", {"model", "family", "predicted (ms)", "interval (ms)", "actual (ms)", "error", "inside interval"});
  for (const auto& row : d) {
    const results::PredictorPoint& pt = row.point;
    p.rows.push_back({pt.model, pt.family, ms(pt.predicted_us, 2), !pt.low_us ? "—" : ms(pt.low_us, 2) + " – " + ms(pt.high_us, 2),
                      ms(pt.actual_us, 2), fixed(row.error_pct, 1) + " %", !row.inside_interval ? "—" : *row.inside_interval ? "yes" : "no"});
  }
  c.findings.push_back(p);
  return c;
}

}  // namespace

void build_charts(const Results& r, Report& report) {
  for (auto* make : {speed_accuracy, macs_latency, block_macps, roofline, layer_breakdown, predictor_accuracy})
    report.charts.push_back(make(r, report));
}

}  // namespace cpx::reports

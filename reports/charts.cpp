// Vega-Lite specs of the search's charts (speed against accuracy, MACs against latency) and build_charts, which
// lists every chart; the machine's and predictor's are in charts_machine.cpp. Each names the device, runtime
// and accuracy model in its subtitle, reads its data from the named data sets (the same rows as data/*.csv),
// and gives tooltips with the model, MACs, MACpS and latency wherever the data has them.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "reports/chart_specs.hpp"
#include "reports/charts.hpp"

namespace cpx::reports {

namespace {

std::string label(Series series) { return std::string(names_of(series).label); }
Json series_literal(Series series) { return literal("series", label(series)); }
Json kind_literal(Top1Kind kind) { return literal("top1_kind", std::string(label_of(kind))); }

// The colour channel over the series drawn (a series in the scale's domain is listed even when nothing draws it).
Json series_colour(const std::vector<Series>& present, const std::string& title) {
  Json domain = Json::array(), range = Json::array();
  for (const Series series : present)
    domain.push_back(label(series)), range.push_back(std::string(names_of(series).colour));
  return {
      {"field", "series"}, {"type", "nominal"}, {"title", title}, {"scale", {{"domain", domain}, {"range", range}}}};
}

// The zoo's series among the rows that have the `plotted` figure: CPUBone, the other families, or both.
std::vector<Series> zoo_series(const std::vector<ZooPoint>& zoo, std::optional<double> ZooPoint::*plotted) {
  std::vector<Series> present;
  for (const Series family : {Series::cpubone, Series::other_family})
    if (std::any_of(zoo.begin(), zoo.end(),
                    [&](const ZooPoint& z) { return (z.*plotted).has_value() && z.series == family; }))
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
  // The legend's symbols are dark grey whatever the series; the scales then make one filled, the other hollow and
  // dashed. Every property set, each kind's from the scales, so that every layer asks for the same legend (no conflict
  // warning).
  const Json symbols = {{"fill", {{"value", "#444444"}}},
                        {"stroke", {{"value", "#444444"}}},
                        {"fillOpacity", {{"value", {{"signal", "scale('fillOpacity', datum.value)"}}}}},
                        {"strokeDash", {{"value", {{"signal", "scale('strokeDash', datum.value)"}}}}}};
  const Json legend = {{"symbolStrokeWidth", 1.5}, {"encoding", {{"symbols", symbols}}}};
  s.kind_fill = {{"field", "top1_kind"},
                 {"type", "ordinal"},
                 {"title", "top-1"},
                 {"legend", legend},
                 {"scale", {{"domain", kinds}, {"range", {0.85, 0}}}}};
  s.kind_dash = {{"field", "top1_kind"},
                 {"type", "ordinal"},
                 {"title", "top-1"},
                 {"legend", legend},
                 {"scale", {{"domain", kinds}, {"range", Json::array({Json::array({1, 0}), estimate_dash})}}}};
  s.y = axis(q("top1", s.y_title), "linear");
  return s;
}

// The encoding of a point layer: position, colour by series, and the top-1 kind legend.
Json point_encoding(const SpeedAccuracyScales& s, const Json& y, const Json& tooltip) {
  return {{"x", s.x_pred},     {"y", y}, {"color", s.color}, {"fillOpacity", s.kind_fill}, {"strokeDash", s.kind_dash},
          {"tooltip", tooltip}};
}

Json error_bars(const SpeedAccuracyScales& s, const std::string& data, const Json& transform, const Json& x,
                const std::string& low, const std::string& high) {
  return Json{{"data", from(data)},
              {"transform", transform},
              {"mark", {{"type", "rule"}, {"strokeWidth", 1}, {"opacity", 0.5}}},
              {"encoding",
               {{"x", x}, {"y", axis(q(low, s.y_title), "linear")}, {"y2", {{"field", high}}}, {"color", s.color}}}};
}

void add_random_front_layer(const std::vector<results::RandomFrontPoint>& random, const SpeedAccuracyScales& s,
                            Json& layers) {
  if (random.empty()) return;
  layers.push_back({{"data", from("random_front")},
                    {"transform", in_ms({"latency_us"}, {series_literal(Series::random_front)})},
                    {"mark", {{"type", "line"}, {"strokeDash", {1, 3}}, {"strokeWidth", 1.5}}},
                    {"encoding",
                     {{"x", axis(q("latency_ms", s.x_title), "log")},
                      {"y", s.y},
                      {"order", q("latency_ms", "")},
                      {"color", s.color}}}});
}

// The explorer's Pareto front, all estimates: its interval band, then a dashed line through hollow points.
void add_pareto_layers(const std::vector<ParetoPoint>& pareto, const SpeedAccuracyScales& s, Json& layers) {
  const Json pareto_tip = Json::array(
      {nom("id", "proposal"), nom("summary", "configuration"), q("macs", "MACs", ".3s"), q("params", "params", ".3s"),
       q("predicted_macps", "predicted MACpS", ".3s"), q("predicted_latency_ms", "predicted latency (ms)", ".2f"),
       q("measured_latency_ms", "measured latency (ms)", ".2f"), q("estimated_top1", "estimated top-1 (%)", ".2f"),
       q("estimated_top1_low", "interval low (%)", ".2f"), q("estimated_top1_high", "interval high (%)", ".2f"),
       q("support_distance", "support distance", ".2f"),
       q("uncalibrated_share", "time in work the device's calibration barely saw", ".0%"),
       nom("uncalibrated_kinds", "that work")});
  const Json estimated_front = in_ms({"predicted_latency_us", "measured_latency_us"},
                                     {series_literal(Series::pareto_front), kind_literal(Top1Kind::estimated),
                                      Json{{"filter", "datum.estimated_top1 != null"}}});
  const std::string colour(names_of(Series::pareto_front).colour);
  if (count_rows(pareto, [](const ParetoPoint& p) { return p.pareto.estimated_top1_low.has_value(); }) > 0)
    layers.push_back({{"data", from("pareto")},
                      {"transform", estimated_front},
                      {"mark", {{"type", "area"}, {"opacity", 0.15}, {"color", colour}}},
                      {"encoding",
                       {{"x", s.x_pred},
                        {"y", axis(q("estimated_top1_low", s.y_title), "linear")},
                        {"y2", {{"field", "estimated_top1_high"}}}}}});
  if (pareto.empty()) return;
  // The points (faint: a front of a hundred crowds them) under the dashed line, so that its dashes stay visible.
  layers.push_back({{"data", from("pareto")},
                    {"transform", estimated_front},
                    {"mark",
                     {{"type", "point"},
                      {"filled", false},
                      {"strokeDash", estimate_dash},
                      {"size", 14},
                      {"strokeWidth", 1},
                      {"opacity", 0.3}}},
                    {"encoding", point_encoding(s, axis(q("estimated_top1", s.y_title), "linear"), pareto_tip)}});
  layers.push_back({{"data", from("pareto")},
                    {"transform", estimated_front},
                    {"mark", {{"type", "line"}, {"strokeDash", {7, 4}}, {"strokeWidth", 2}}},
                    {"encoding",
                     {{"x", s.x_pred},
                      {"y", axis(q("estimated_top1", s.y_title), "linear")},
                      {"order", q("predicted_latency_ms", "")},
                      {"color", s.color}}}});
}

// The capacity-matched configurations, all estimates: interval bars, then hollow dashed diamonds.
void add_capacity_matched_layers(size_t matched_points, const SpeedAccuracyScales& s, Json& layers) {
  if (matched_points == 0) return;
  const Json t = in_ms({"predicted_latency_us", "measured_latency_us", "baseline_latency_us"},
                       {series_literal(Series::capacity_matched), kind_literal(Top1Kind::estimated),
                        Json{{"filter", "datum.top1 != null"}}});
  layers.push_back(error_bars(s, "capacity_matched", t, s.x_pred, "top1_low", "top1_high"));
  layers.push_back(
      {{"data", from("capacity_matched")},
       {"transform", t},
       {"mark",
        {{"type", "point"},
         {"shape", "diamond"},
         {"filled", false},
         {"strokeDash", estimate_dash},
         {"size", 80},
         {"strokeWidth", 1.5}}},
       {"encoding",
        point_encoding(
            s, s.y,
            Json::array({nom("id", "configuration"), nom("baseline", "capacity-matched to"),
                         nom("summary", "configuration"), q("predicted_latency_ms", "predicted latency (ms)", ".2f"),
                         q("baseline_latency_ms", "baseline predicted (ms)", ".2f"), q("speedup", "speed-up", ".2f"),
                         q("macs_ratio", "MACs ratio", ".3f"), q("params_ratio", "params ratio", ".3f"),
                         q("top1", "estimated top-1 (%)", ".2f"), q("top1_low", "interval low (%)", ".2f"),
                         q("top1_high", "interval high (%)", ".2f"), nom("domination", "dominates")}))}});
}

// The zoo: filled circles at published top-1, hollow dashed circles with bars at estimates, B0-B3 ringed and
// labelled below their rings (the estimated front and its band lie above the published models).
void add_zoo_layers(const std::vector<ZooPoint>& zoo, size_t zoo_points, const SpeedAccuracyScales& s, Json& layers) {
  const Json zoo_tip = Json::array(
      {nom("name", "model"), nom("family", "family"), q("macs", "MACs", ".3s"), q("params", "params", ".3s"),
       q("predicted_macps", "predicted MACpS", ".3s"), q("predicted_latency_ms", "predicted latency (ms)", ".2f"),
       q("published_latency_ms", "published latency (ms)", ".2f"),
       q("measured_latency_ms", "measured latency (ms)", ".2f"), q("published_top1", "published top-1 (%)", ".2f"),
       q("estimated_top1", "estimated top-1 (%)", ".2f"), q("estimated_top1_low", "interval low (%)", ".2f"),
       q("estimated_top1_high", "interval high (%)", ".2f"), q("support_distance", "support distance", ".2f")});
  const std::initializer_list<std::string> zoo_us = {"predicted_latency_us", "published_latency_us",
                                                     "measured_latency_us"};
  const Json published =
      in_ms(zoo_us, {Json{{"filter", "datum.top1_source == 'published'"}}, kind_literal(Top1Kind::published)});
  const Json estimated =
      in_ms(zoo_us, {Json{{"filter", "datum.top1_source == 'estimated'"}}, kind_literal(Top1Kind::estimated)});
  layers.push_back({{"data", from("zoo")},
                    {"transform", published},
                    {"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 1}}},
                    {"encoding", point_encoding(s, s.y, zoo_tip)}});
  if (zoo_points > count_rows(zoo, [](const ZooPoint& z) { return z.zoo.published_top1.has_value(); })) {
    layers.push_back(error_bars(s, "zoo", estimated, s.x_pred, "estimated_top1_low", "estimated_top1_high"));
    layers.push_back(
        {{"data", from("zoo")},
         {"transform", estimated},
         {"mark",
          {{"type", "point"}, {"filled", false}, {"strokeDash", estimate_dash}, {"size", 70}, {"strokeWidth", 1.5}}},
         {"encoding", point_encoding(s, s.y, zoo_tip)}});
  }
  const Json marked = {{"filter", "datum.cpubone_mark != null && datum.top1 != null"}};
  layers.push_back({{"data", from("zoo")},
                    {"transform", in_ms(zoo_us, {marked})},
                    {"mark", {{"type", "point"}, {"size", 320}, {"strokeWidth", 2}, {"color", "black"}}},
                    {"encoding", {{"x", s.x_pred}, {"y", s.y}, {"tooltip", zoo_tip}}}});
  layers.push_back(
      {{"data", from("zoo")},
       {"transform", in_ms(zoo_us, {marked})},
       {"mark", {{"type", "text"}, {"dy", 20}, {"baseline", "middle"}, {"fontWeight", "bold"}, {"fontSize", 13}}},
       {"encoding", {{"x", s.x_pred}, {"y", s.y}, {"text", {{"field", "cpubone_mark"}}}}}});
}
// Names the zoo models the chart cannot place, in the missing-data box.
void note_unplotted_zoo(const std::vector<ZooPoint>& zoo, Report& report) {
  std::string unknown, unplotted;
  for (const auto& z : zoo)
    if (!z.top1) (z.zoo.inside_support == false ? unknown : unplotted) += ", " + z.zoo.name;
  if (!unplotted.empty())
    report.missing.push_back(
        "speed-accuracy chart: zoo model(s) with neither a published nor an estimated top-1, not plotted: " +
        unplotted.substr(2));
  if (!unknown.empty())
    report.missing.push_back(
        "speed-accuracy chart: top-1 unknown (no published value, outside the accuracy model's support), not "
        "plotted: " +
        unknown.substr(2));
}

// Findings: each baseline against its fastest proposal that earned domination.
Table fastest_proposal_findings(const Results& r, const std::string& level) {
  Table t = table("Fastest proposal earning domination over each CPUBone baseline on " + device_name(r),
                  {"baseline", "latency (ms)", "published top-1 (%)", "proposal", "latency (ms)", "est. top-1 (%)",
                   "interval (%)", "latency change", "promising, unproven"});
  t.note = "Latencies predicted for " + device_name(r) + "; top-1 estimated by " + r.accuracy_model.name +
           ". A proposal earns domination when the lower end of its " + level +
           " interval is at or above the baseline's published top-1.";
  for (const auto& b : r.proposals) {
    const results::ProposalRow* best = fastest_dominating(b);
    std::vector<std::string> row = {b.baseline, ms(b.baseline_latency_us, 2), fixed(b.baseline_published_top1, 2)};
    if (best)
      row.insert(row.end(), {best->id, ms(best->latency_us, 2), fixed(best->top1, 2),
                             "[" + fixed(best->top1_low, 1) + ", " + fixed(best->top1_high, 1) + "]",
                             fixed(best->delta_latency_pct, 1) + " %"});
    else row.insert(row.end(), {"none earns it", "", "", "", ""});
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
  const size_t matched_points =
      count_rows(report.data.capacity_matched, [](const MatchedPoint& m) { return m.configuration.top1.has_value(); });
  const std::string level = interval_level_text(r);
  c.caption =
      "ImageNet top-1 against the predicted latency on " + device_name(r) +
      " (log scale). Filled, solid marks: zoo models at their published (measured) top-1. Hollow, dashed marks are "
      "this run's estimates by " +
      r.accuracy_model.name + ", none of them measured, each with its " + level +
      " interval (bars; the shaded band along the Pareto front): zoo models without a published top-1; the dashed "
      "line, "
      "the explorer's Pareto front; diamonds, the capacity-matched configurations of B0-B3. Where the front lies above "
      "the published models it is an estimate, not a win: the table below says which proposals earn domination. A "
      "network outside the estimator's support has no estimate and is not drawn. The dotted line is the front random "
      "search found with the same number of evaluations. CPUBone and the proposals are in colour, every other family "
      "in grey (hover for its name); B0-B3 are ringed.";
  if (const std::string range = accuracy_range_text(r); !range.empty()) c.caption += " " + range;
  if (zoo_points + pareto.size() == 0) {
    c.caption += " Nothing to plot: no zoo model has a top-1 and the Pareto front is empty.";
    report.missing.push_back(
        "speed-accuracy chart: no zoo model has a published or estimated top-1 and the Pareto front is empty");
    return c;
  }
  note_unplotted_zoo(zoo, report);
  Json spec = base_spec(r, report, "Speed vs accuracy on " + device_name(r),
                        {"zoo", "pareto", "random_front", "capacity_matched"});
  const SpeedAccuracyScales s = speed_accuracy_scales(r, plotted_series(report.data, matched_points));
  // Drawn in this order, so the zoo's marks lie on top of the fronts.
  Json layers = Json::array();
  add_random_front_layer(report.data.random_front, s, layers);
  add_pareto_layers(pareto, s, layers);
  add_capacity_matched_layers(matched_points, s, layers);
  add_zoo_layers(zoo, zoo_points, s, layers);
  spec["layer"] = layers;
  c.spec = spec;
  c.min_marks = static_cast<int64_t>(
      zoo_points + count_rows(pareto, [](const ParetoPoint& p) { return p.pareto.estimated_top1.has_value(); }) +
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
  c.caption =
      "Every zoo model's MACs against its " + source + " latency on " + device_name(r) +
      " (log-log). Grey lines are constant MACpS: models on the same line run at the same MACs per second, so "
      "distance across the lines is how badly MACs alone predict latency (MobileOne's analysis, redone). CPUBone is in "
      "colour, every other family in grey (hover for its name).";
  if (points < zoo.size())
    report.missing.push_back("MACs-vs-latency chart: " + std::to_string(zoo.size() - points) +
                             " zoo model(s) have no " + source + " latency on " + device_name(r) +
                             " and are not plotted");
  Table t = table("Spearman rank correlation of " + source + " latency with ...", {"MACs", "params", "our prediction"});
  t.rows.push_back({fixed(rc.macs, 3), fixed(rc.params, 3), fixed(rc.prediction, 3)});
  if (!rc.prediction)
    t.note = "No correlation with our prediction: the latencies plotted are the predictions themselves.";
  c.findings.push_back(t);
  if (points == 0) {
    c.caption += " Nothing to plot: no zoo model has a " + source + " latency.";
    return c;
  }
  Json spec = base_spec(r, report, "MACs vs " + source + " latency on " + device_name(r), {"zoo", "macps_lines"});
  spec["title"]["subtitle"].push_back("Spearman with latency: MACs " + fixed(rc.macs, 2) + ", params " +
                                      fixed(rc.params, 2) + ", prediction " + fixed(rc.prediction, 2));
  const std::string y_title = source + " latency on " + device_name(r) + " (ms)";
  const Json x = axis(q("macs", "MACs", "~s"), "log"), y = axis(q("latency_ms", y_title), "log");
  Json layers = Json::array();
  layers.push_back({{"data", from("macps_lines")},
                    {"transform", in_ms({"latency_us"})},
                    {"mark", {{"type", "line"}, {"color", "#bbbbbb"}, {"strokeWidth", 1}, {"clip", true}}},
                    {"encoding", {{"x", x}, {"y", y}, {"detail", nom("label", "")}}}});
  // Below and right of the line (it rises to the right, so the text never crosses it), where macps_lines_dataset says.
  layers.push_back({{"data", from("macps_lines")},
                    {"transform", in_ms({"latency_us"}, {Json{{"filter", "datum.label_here"}}})},
                    {"mark",
                     {{"type", "text"},
                      {"color", "#888888"},
                      {"align", "left"},
                      {"baseline", "top"},
                      {"dx", 4},
                      {"dy", 2},
                      {"fontSize", 10}}},
                    {"encoding", {{"x", x}, {"y", y}, {"text", {{"field", "label"}}}}}});
  layers.push_back(
      {{"data", from("zoo")},
       {"transform", in_ms({"latency_us", "predicted_latency_us"}, {Json{{"filter", "datum.latency_us != null"}}})},
       {"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"opacity", 0.9}}},
       {"encoding",
        {{"x", x},
         {"y", y},
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

}  // namespace

void build_charts(const Results& r, Report& report) {
  for (auto* make : {speed_accuracy, macs_latency, block_macps, roofline, layer_breakdown, predictor_accuracy})
    report.charts.push_back(make(r, report));
}

}  // namespace cpx::reports

// The report's charts: what each draws, how it marks estimates and intervals, and what its labels and findings say.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "report_testing.hpp"
#include "space/results_schema.hpp"

using namespace cpx;
using namespace cpx::test;
namespace fs = std::filesystem;

TEST_CASE(
    "the speed-accuracy chart draws estimates hollow with their intervals and leaves out what lies outside the "
    "support") {
  const fs::path dir = fresh_dir("estimates");
  // Two published models made unpublished: one inside the estimator's support, one outside it.
  const Json j = sample_with([](Json& r) {
    for (auto& z : r["zoo"])
      if (z["name"] == "fasternet-t0" || z["name"] == "fasternet-t2") z["published_top1"] = nullptr;
  });
  std::map<std::string, bool> inside;
  for (const auto& z : j["zoo"])
    if (z["published_top1"].is_null() && z["name"].get<std::string>().starts_with("fasternet"))
      inside[z["name"]] = z["inside_support"];
  REQUIRE(inside == std::map<std::string, bool>{{"fasternet-t0", false}, {"fasternet-t2", true}});
  const auto out = reports::render(j, "results.json", dir);
  const Json specs = specs_of(slurp(dir / "report.html"));
  REQUIRE(specs[0]["id"] == "chart-speed-accuracy");
  int hollow = 0, filled = 0, bars = 0, bands = 0;
  for (const auto& layer : specs[0]["spec"]["layer"]) {
    const Json& mark = layer["mark"];
    const std::string type = mark["type"];
    if (type == "point" && mark.value("filled", true) == false) ++hollow;
    if (type == "point" && mark.value("filled", false) == true) ++filled;
    if (type == "rule") ++bars;
    if (type == "area") ++bands;
  }
  CHECK(filled == 1);  // published zoo points
  CHECK(hollow == 3);  // estimated zoo points, the Pareto front's points and the capacity-matched configurations
  CHECK(bars == 2);    // their intervals
  CHECK(bands == 1);   // the Pareto front's interval
  for (const auto& row : csv_rows(dir / "data" / "zoo.csv")) {
    INFO(row.at("name"));
    if (row.at("name") == "fasternet-t2") {
      CHECK(row.at("top1_source") == "estimated");
      CHECK(std::stod(row.at("estimated_top1_low")) < std::stod(row.at("top1")));
    }
    if (row.at("name") == "fasternet-t0") CHECK(row.at("top1").empty());
  }
  CHECK(std::any_of(out.missing.begin(), out.missing.end(), [](const std::string& m) {
    return m.find("top-1 unknown") != std::string::npos && m.find("fasternet-t0") != std::string::npos &&
           m.find("fasternet-t2") == std::string::npos;
  }));
  fs::remove_all(dir);
}

TEST_CASE("the predictor-accuracy chart draws each point's interval as a bar and states the coverage it computed") {
  const fs::path dir = fresh_dir("intervals");
  // Four points, three with intervals: b0 and b2 inside theirs, b1 outside; b3 has none.
  auto point = [](const char* model, const char* family, double pred, double actual, Json low, Json high) {
    return Json{{"model", model},      {"family", family}, {"predicted_us", pred},
                {"actual_us", actual}, {"low_us", low},    {"high_us", high}};
  };
  const Json figures = {{"mape", 10.0}, {"within_10", 0.5}, {"spearman", 0.8}};
  const Json j = sample_with([&](Json& r) {
    r["predictor_accuracy"] = {
        {"against", "published latencies (leave-one-family-out predictions)"},
        {"held_out", "lofo"},
        {"method", "hardware_transfer"},
        {"interval", {{"level", 0.8}, {"method", "hand-made"}}},
        {"points",
         {point("b0", "CPUBone", 100, 110, 90, 120), point("b1", "CPUBone", 200, 260, 180, 240),
          point("fasternet-t0", "FasterNet", 300, 290, 250, 350),
          point("fasternet-t1", "FasterNet", 400, 380, nullptr, nullptr)}},
        {"mape", 12.5},
        {"within_10", 0.5},
        {"spearman", 1.0},
        {"methods",
         {{{"method", "hardware_transfer"}, {"chosen", true}, {"lomo", figures}, {"lofo", figures}},
          {{"method", "macs_only"}, {"chosen", false}, {"lomo", figures}, {"lofo", nullptr}}}}};
  });
  reports::render(j, "results.json", dir);
  const std::string html = slurp(dir / "report.html");
  const Json specs = specs_of(html);
  const auto chart =
      std::find_if(specs.begin(), specs.end(), [](const Json& c) { return c["id"] == "chart-predictor-accuracy"; });
  REQUIRE(chart != specs.end());
  const Json& spec = (*chart)["spec"];
  int rule_layers = 0;
  for (const auto& layer : spec["layer"]) {
    if (layer["mark"]["type"] == "point") CHECK(layer["encoding"]["color"]["field"] == "family");
    if (layer["mark"]["type"] != "rule") continue;
    ++rule_layers;
    CHECK(layer["encoding"]["color"]["field"] == "family");
    // One bar per point with an interval: the layer's rows that pass its filter.
    REQUIRE(layer["transform"].back()["filter"] == "datum.low_us != null && datum.high_us != null");
    const Json& rows = spec["datasets"][layer["data"]["name"].get<std::string>()];
    CHECK(rows.size() == 4);
    CHECK(std::count_if(rows.begin(), rows.end(),
                        [](const Json& x) { return !x["low_us"].is_null() && !x["high_us"].is_null(); }) == 3);
  }
  CHECK(rule_layers == 1);
  CHECK(html.find("data-min-marks=\"7\"") != std::string::npos);  // four points and three bars
  const std::string md = slurp(dir / "report.md");
  CHECK(md.find("for 2 of 3 (67 %) of the points") != std::string::npos);
  CHECK(md.find("| model | family | predicted (ms) | interval (ms) | actual (ms) | error | inside interval |") !=
        std::string::npos);
  CHECK(md.find("| hardware_transfer | yes |") != std::string::npos);
  std::map<std::string, std::string> inside;
  for (const auto& row : csv_rows(dir / "data" / "predictor_accuracy.csv"))
    inside[row.at("model")] = row.at("inside_interval");
  CHECK(inside == std::map<std::string, std::string>{
                      {"b0", "true"}, {"b1", "false"}, {"fasternet-t0", "true"}, {"fasternet-t1", ""}});
  fs::remove_all(dir);
}

TEST_CASE("predictor accuracy without intervals (the host) draws no bars and says why instead of a coverage") {
  const fs::path dir = fresh_dir("no_intervals");
  const Json j = sample_with([](Json& r) {
    Json& pa = r["predictor_accuracy"];
    pa["held_out"] = nullptr, pa["method"] = nullptr, pa["interval"] = nullptr, pa["methods"] = nullptr;
    for (auto& p : pa["points"]) p["low_us"] = nullptr, p["high_us"] = nullptr;
  });
  reports::render(j, "results.json", dir);
  const Json specs = specs_of(slurp(dir / "report.html"));
  const auto chart =
      std::find_if(specs.begin(), specs.end(), [](const Json& c) { return c["id"] == "chart-predictor-accuracy"; });
  REQUIRE(chart != specs.end());
  // No rule layer at all: an empty one has no extent, which the browser test fails on as a console warning.
  for (const auto& layer : (*chart)["spec"]["layer"]) CHECK(layer["mark"]["type"] != "rule");
  const std::string md = slurp(dir / "report.md");
  CHECK(md.find("No interval bars: the predictor gives no interval on pi5.") != std::string::npos);
  CHECK(md.find("Coverage:") == std::string::npos);
  CHECK(md.find("Held-out accuracy per model") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the report says what to build in one line at the top, with the command that exports it") {
  // The sample: no proposal earns domination, so keep the baseline and train the fastest at its capacity.
  const fs::path dir = fresh_dir("verdict");
  reports::render(sample(), CPX_RESULTS_SAMPLE, dir);
  const std::string md = slurp(dir / "report.md"), html = slurp(dir / "report.html");
  const Json& tier = sample()["capacity_matched"][0];
  const std::string keep = "Keep " + tier["baseline"].get<std::string>() + " on " +
                           sample()["device"]["name"].get<std::string>() +
                           ": no proposal earns domination. Fastest at ";
  REQUIRE(md.find("\n**" + keep) != std::string::npos);
  CHECK(md.find("**" + keep) < md.find("## Key findings"));
  CHECK(md.find("cpubone-explore export " + tier["configurations"][0]["file"].get<std::string>()) != std::string::npos);
  CHECK(html.find("<p class=\"verdict\" id=\"verdict\">" + keep) != std::string::npos);
  // The configuration notation is explained where it is first used.
  CHECK(md.find("Configuration: " + std::string(configuration_legend)) < md.find("| b0 (baseline) |"));

  // A proposal that earns domination is the one to build.
  Json won = sample();
  Json& b = won["proposals"][0];
  REQUIRE(!won["pareto"].empty());
  const Json d = {{"id", won["pareto"][0]["id"]},
                  {"latency_us", 1000.0},
                  {"top1", 80.0},
                  {"top1_low", 79.0},
                  {"top1_high", 81.0},
                  {"support_distance", 0.0},
                  {"delta_latency_pct", -12.5},
                  {"delta_top1_pp", 1.0},
                  {"delta_top1_low_pp", 0.5},
                  {"measured_latency_us", nullptr}};
  b["dominating"] = Json::array({d});
  const fs::path dir2 = fresh_dir("verdict_won");
  reports::render(won, CPX_RESULTS_SAMPLE, dir2);
  const std::string md2 = slurp(dir2 / "report.md");
  CHECK(md2.find("\n**Build " + d["id"].get<std::string>() + " on ") != std::string::npos);
  CHECK(md2.find("cpubone-explore export " + won["pareto"][0]["file"].get<std::string>()) != std::string::npos);
  fs::remove_all(dir);
  fs::remove_all(dir2);
}

// Issue 57 item 11: charts a reader can trust at a glance.

TEST_CASE(
    "the speed-accuracy chart draws every estimate hollow and dashed beside its interval, published top-1 filled, and "
    "its legend says which is which") {
  const fs::path dir = fresh_dir("trust");
  const Json j = sample_with([](Json& r) {  // one zoo model estimated, so that every kind of estimate is drawn
    for (auto& z : r["zoo"])
      if (z["name"] == "fasternet-t2") z["published_top1"] = nullptr;
  });
  reports::render(j, "results.json", dir);
  const Json spec = chart_spec(specs_of(slurp(dir / "report.html")), "chart-speed-accuracy");
  const Json kinds = {"published (measured)", "estimated (this run)"};
  std::set<std::string> estimated_points, interval_layers;
  int published_points = 0;
  for (const auto& layer : spec["layer"]) {
    const std::string data = layer["data"]["name"], type = layer["mark"]["type"], how = layer["transform"].dump();
    const Json& mark = layer["mark"];
    const bool estimated = data == "pareto" || data == "capacity_matched" || data == "random_front" ||
                           how.find("'estimated'") != std::string::npos;
    const bool published = how.find("'published'") != std::string::npos;
    INFO(data << " " << type << " " << how);
    if (type == "area" || type == "rule") interval_layers.insert(data);
    if (type != "point" && type != "line") continue;
    if (estimated) {
      CHECK(mark["strokeDash"].size() >= 2);
      CHECK(mark["strokeDash"][1] > 0);  // a gap: dashed
      if (type == "point") {
        CHECK(mark["filled"] == false);
        estimated_points.insert(data);
      }
    }
    if (published) {
      CHECK(mark["filled"] == true);
      CHECK_FALSE(mark.contains("strokeDash"));
      ++published_points;
    }
    if (type != "point" || !(estimated || published)) continue;
    // One legend over both kinds, on every point layer: filled opaque for published, no fill and a dash for estimated.
    const Json& fill = layer["encoding"]["fillOpacity"];
    const Json& dash = layer["encoding"]["strokeDash"];
    CHECK(fill["scale"]["domain"] == kinds);
    CHECK(dash["scale"]["domain"] == kinds);
    CHECK(fill["title"] == dash["title"]);
    CHECK(fill["scale"]["range"][0] > 0.5);
    CHECK(fill["scale"]["range"][1] == 0);
    CHECK(dash["scale"]["range"][1][1] > 0);
  }
  CHECK(published_points == 1);
  CHECK(estimated_points == std::set<std::string>{"zoo", "pareto", "capacity_matched"});
  CHECK(interval_layers ==
        std::set<std::string>{"zoo", "pareto", "capacity_matched"});  // each estimate's interval is drawn
  fs::remove_all(dir);
}

TEST_CASE("CPUBone and the proposals are in colour and every other family is grey and named in the tooltip") {
  const fs::path dir = fresh_dir("colours");
  reports::render(sample(), "results.json", dir);
  const Json specs = specs_of(slurp(dir / "report.html"));
  for (const char* id : {"chart-speed-accuracy", "chart-macs-latency"}) {
    INFO(id);
    const Json spec = chart_spec(specs, id);
    int zoo_layers = 0;
    for (const auto& layer : spec["layer"]) {
      if (layer["data"]["name"] != "zoo" || layer["mark"]["type"] != "point" || !layer["encoding"].contains("color"))
        continue;
      ++zoo_layers;
      const Json& colour = layer["encoding"]["color"];
      REQUIRE(colour["field"] == "series");
      std::map<std::string, std::string> of;
      for (size_t i = 0; i < colour["scale"]["domain"].size(); ++i)
        of[colour["scale"]["domain"][i].get<std::string>()] = colour["scale"]["range"][i].get<std::string>();
      std::set<std::string> greys, colours;
      for (const auto& z : spec["datasets"]["zoo"]) {
        INFO(z["name"] << " " << z["family"]);
        const std::string series = z["series"], family = z["family"];
        REQUIRE(of.count(series));
        (family == "CPUBone" ? colours : greys).insert(of[series]);
        CHECK_FALSE((of.count(family) > 0 && family != "CPUBone"));  // no family but CPUBone has a colour of its own
      }
      CHECK(greys.size() == 1);
      CHECK(is_grey(*greys.begin()));
      CHECK(colours.size() == 1);
      CHECK_FALSE(is_grey(*colours.begin()));
      CHECK(layer["encoding"]["tooltip"].dump().find("\"field\":\"family\"") != std::string::npos);
      if (std::string(id) == "chart-speed-accuracy") {  // the proposals stand out, each in its own colour
        const std::string front = of.at("Pareto front of this run"), matched = of.at("capacity-matched to B0-B3");
        CHECK(std::set<std::string>{front, matched, *colours.begin(), *greys.begin()}.size() == 4);
        CHECK_FALSE(is_grey(front));
        CHECK_FALSE(is_grey(matched));
      }
    }
    CHECK(zoo_layers >= 1);
  }
  fs::remove_all(dir);
}

TEST_CASE(
    "labels keep clear: B0-B3 below their rings, the constant-MACpS labels inside the plot, the crossover label off "
    "the axis") {
  const fs::path dir = fresh_dir("labels");
  reports::render(sample(), "results.json", dir);
  const Json specs = specs_of(slurp(dir / "report.html"));
  // The estimated front and its band lie above the published models: the labels go below the rings.
  int labels = 0;
  const Json speed = chart_spec(specs, "chart-speed-accuracy");
  for (const auto& layer : speed["layer"])
    if (layer["mark"]["type"] == "text" && layer["encoding"]["text"]["field"] == "cpubone_mark") {
      CHECK(layer["mark"]["dy"] >= 12);
      ++labels;
    }
  CHECK(labels == 1);
  // Each line's label inside its segment, written below and right of it: at the segment's upper end, right-aligned,
  // the 1.0 GMACpS label ran over the latency axis's tick labels.
  const Json macs = chart_spec(specs, "chart-macs-latency");
  std::map<std::string, std::vector<double>> along;  // label -> MACs of its rows, the label's row last
  for (const auto& row : macs["datasets"]["macps_lines"])
    if (!row["label_here"].get<bool>())
      along[row["label"]].insert(along[row["label"]].begin(), row["macs"].get<double>());
    else along[row["label"]].push_back(row["macs"]);
  CHECK(along.size() == 6);
  for (const auto& [label, xs] : along) {
    INFO(label);
    REQUIRE(xs.size() == 3);
    CHECK(std::min(xs[0], xs[1]) < xs[2]);
    CHECK(xs[2] < std::max(xs[0], xs[1]));
  }
  int texts = 0;
  for (const auto& layer : macs["layer"])
    if (layer["data"]["name"] == "macps_lines" && layer["mark"]["type"] == "text") {
      ++texts;
      CHECK(layer["transform"].back()["filter"] == "datum.label_here");
      CHECK(layer["mark"]["align"] == "left");
      CHECK(layer["mark"]["baseline"] == "top");
    }
  CHECK(texts == 1);
  // The crossover's label at the foot of the top panel, on the side of its rule with room: at the last width, left of
  // it; near the narrow end right of it (left, it ran over the axis's labels).
  const auto marker_at = [](int64_t channels) {
    const fs::path d = fresh_dir("crossover");
    reports::render(sample_with([&](Json& r) {
                      r["fused_crossover_channels"] = r["fused_vs_unfused"]["crossover_channels"] = channels;
                    }),
                    "results.json", d);
    const Json top = chart_spec(specs_of(slurp(d / "report.html")), "chart-block-macps")["vconcat"][0]["layer"];
    fs::remove_all(d);
    REQUIRE(top.back()["data"]["values"][0]["channels"] == channels);
    return top.back()["layer"][1]["mark"];
  };
  const Json& widths = sample()["fused_vs_unfused"]["widths"];
  const Json last = marker_at(widths.back()["channels"].get<int64_t>());
  CHECK(last["align"] == "right");
  CHECK(last["y"] == 160);  // 10 above the foot of the 170-pixel panel
  CHECK(marker_at(widths[1]["channels"].get<int64_t>())["align"] == "left");
  fs::remove_all(dir);
}

TEST_CASE(
    "the channels chart, its table, the rule and the key finding read one fused-vs-unfused comparison, in three "
    "lines") {
  const fs::path dir = fresh_dir("fused");
  reports::render(sample(), "results.json", dir);
  const Json& f = sample()["fused_vs_unfused"];
  REQUIRE(f["widths"].size() >= 3);
  const Json chart = chart_spec(specs_of(slurp(dir / "report.html")), "chart-block-macps");
  REQUIRE(chart["vconcat"].size() == 2);
  // Top: one line, the pair's time ratio, and the crossover's marker; bottom: the best fused and the best unfused, two
  // lines.
  const Json top = chart["vconcat"][0]["layer"], bottom = chart["vconcat"][1]["layer"];
  CHECK(top[1]["data"]["name"] == "fused_vs_unfused");
  CHECK(top[1]["encoding"]["y"]["field"] == "time_ratio");
  CHECK(bottom[0]["encoding"]["color"]["scale"]["domain"].size() == 2);
  // The marker where the crossover lies inside the widths (at the narrowest, the unfused block is faster at every one).
  const bool inside = !f["crossover_channels"].is_null() && f["crossover_channels"] != f["widths"][0]["channels"];
  for (const Json& panel : {top, bottom}) {
    const Json& marker = panel.back();
    CHECK(marker.contains("layer") == inside);
    if (inside) CHECK(marker["data"]["values"][0]["channels"] == f["crossover_channels"]);
  }
  // Each width's faster block, as the table and data/fused_vs_unfused.csv say, is what the crossover says: from it on,
  // the unfused one; just below it, the fused one.
  const auto rows = csv_rows(dir / "data" / "fused_vs_unfused.csv");
  REQUIRE(rows.size() == f["widths"].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("channels " << rows[i].at("channels"));
    const bool after = !f["crossover_channels"].is_null() &&
                       std::stod(rows[i].at("channels")) >= f["crossover_channels"].get<double>();
    if (after) CHECK(rows[i].at("faster") == "unfused");
    if (i + 1 < rows.size() && !after && std::stod(rows[i + 1].at("channels")) == f["crossover_channels"].get<double>())
      CHECK(rows[i].at("faster") == "fused");
    const bool slower = std::stod(rows[i].at("time_ratio")) > 1;
    CHECK(slower == (rows[i].at("faster") == "unfused"));
  }
  // One statement: the rule, the key finding, the table's note and the caption.
  const std::string md = slurp(dir / "report.md"), statement = f["statement"];
  size_t said = 0;
  for (size_t at = md.find(statement); at != std::string::npos; at = md.find(statement, at + 1)) ++said;
  CHECK(said >= 3);
  CHECK(md.find("Fused vs unfused local blocks on pi5: " + statement + ".") != std::string::npos);
  for (const Json& rule : sample()["design_rules"])
    if (rule["id"] == "fused_crossover") CHECK(rule["statement"] == statement);
  // A crossover the comparison does not say is refused; a comparison without widths says the chart is missing.
  CHECK_THAT(render_error(sample_with([](Json& r) { r["fused_crossover_channels"] = 8; })),
             Catch::Contains("results.json: fused_vs_unfused.crossover_channels = ") &&
                 Catch::Contains("differs from fused_crossover_channels = 8"));
  const fs::path old = fresh_dir("fused_old");
  const auto out = reports::render(sample_with([](Json& r) { r["fused_vs_unfused"]["widths"] = Json::array(); }),
                                   "results.json", old);
  CHECK(std::any_of(out.missing.begin(), out.missing.end(),
                    [](const std::string& m) { return m.find("fused vs unfused chart: ") == 0; }));
  fs::remove_all(old);
  fs::remove_all(dir);
}

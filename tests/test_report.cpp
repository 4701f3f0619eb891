// The report: validates the results contract, writes every file whole, and its CSVs say what the JSON says.
#include <catch2/catch.hpp>

#include "processes.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "reports/report.hpp"
#include "space/io.hpp"
#include "space/network.hpp"
#include "space/results_schema.hpp"

using namespace cpx;
namespace fs = std::filesystem;

using cpx::test::slurp;

namespace {

const Json& sample() {
  static const Json j = read_json_file(CPX_RESULTS_SAMPLE);
  return j;
}

Json sample_with(const std::function<void(Json&)>& edit) {
  Json j = sample();
  edit(j);
  return j;
}

// A fresh directory per call: ctest runs test cases in parallel processes.
fs::path fresh_dir(const std::string& tag) {
  static int calls = 0;
  fs::path d = fs::temp_directory_path() / ("cpx_report_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(++calls));
  fs::remove_all(d);
  return d;
}

std::string render_error(const Json& j) {
  try {
    reports::render(j, "results.json", fresh_dir("err"));
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::exists(dir))
    for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir));
  std::sort(out.begin(), out.end());
  return out;
}

// The chart specs embedded in report.html.
Json specs_of(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"cpx-specs\">";
  const size_t a = html.find(open);
  REQUIRE(a != std::string::npos);
  const size_t b = html.find("</script>", a);
  return Json::parse(html.substr(a + open.size(), b - a - open.size()));
}

// One chart's Vega-Lite spec from report.html's specs, by its element id.
Json chart_spec(const Json& specs, const std::string& id) {
  for (const auto& c : specs)
    if (c["id"] == id) return c["spec"];
  FAIL("no chart " << id);
  return nullptr;
}

// "#b4b4b4" and the like: red, green and blue equal.
bool is_grey(const std::string& hex) { return hex.size() == 7 && hex.substr(1, 2) == hex.substr(3, 2) && hex.substr(3, 2) == hex.substr(5, 2); }

// Rows of a CSV as column -> cell.
std::vector<std::map<std::string, std::string>> csv_rows(const fs::path& p) {
  const auto rows = parse_csv(slurp(p));
  REQUIRE(!rows.empty());
  std::vector<std::map<std::string, std::string>> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == rows[0].size());
    std::map<std::string, std::string> m;
    for (size_t c = 0; c < rows[0].size(); ++c) m[rows[0][c]] = rows[i][c];
    out.push_back(m);
  }
  return out;
}

// A CSV cell against the JSON value it was written from: numbers exactly (shortest round-trip form), null
// as an empty cell.
void check_cell(const std::string& cell, const Json& value, const std::string& what) {
  INFO(what << ": cell \"" << cell << "\" vs " << value.dump());
  if (value.is_null()) CHECK(cell.empty());
  else if (value.is_string()) CHECK(cell == value.get<std::string>());
  else if (value.is_boolean()) CHECK(cell == (value.get<bool>() ? "true" : "false"));
  else CHECK(std::stod(cell) == value.get<double>());
}

}  // namespace

TEST_CASE("the sample results render to html and markdown and csv and a copy of the input") {
  const fs::path dir = fresh_dir("ok");
  const auto r = reports::render(sample(), CPX_RESULTS_SAMPLE, dir);
  CHECK(r.files.front() == dir / "report.html");
  for (const char* f : {"report.html", "report.md", "results.json", "data/zoo.csv", "data/pareto.csv", "data/block_macps.csv",
                        "data/roofline.csv", "data/layers.csv", "data/predictor_accuracy.csv", "data/macps_lines.csv"})
    CHECK(fs::exists(dir / f));
  CHECK(read_json_file((dir / "results.json").string()) == sample());
  for (const auto& f : files_under(dir)) CHECK(f.string().find(".tmp.") == std::string::npos);  // no temporaries left
  fs::remove_all(dir);
}

TEST_CASE("csv files hold exactly the numbers of the results JSON") {
  const fs::path dir = fresh_dir("csv");
  reports::render(sample(), CPX_RESULTS_SAMPLE, dir);
  const Json& j = sample();
  auto compare = [&](const char* file, const Json& rows, std::vector<std::string> columns) {
    const auto csv = csv_rows(dir / "data" / file);
    REQUIRE(csv.size() == rows.size());
    for (size_t i = 0; i < rows.size(); ++i)
      for (const auto& c : columns) check_cell(csv[i].at(c), rows[i].at(c), std::string(file) + " row " + std::to_string(i) + " " + c);
  };
  compare("zoo.csv", j["zoo"], {"name", "family", "resolution", "params", "macs", "published_top1", "estimated_top1",
                                "predicted_latency_us", "published_latency_us", "measured_latency_us", "predicted_macps"});
  compare("block_macps.csv", j["block_macps"], {"variant", "channels", "resolution", "macps"});
  compare("roofline.csv", j["roofline"]["points"], {"model", "op", "op_class", "intensity_macs_per_byte", "macps", "source"});
  compare("layers.csv", j["layers"]["ops"], {"name", "stage", "op_class", "macs", "predicted_us", "measured_us"});
  compare("predictor_accuracy.csv", j["predictor_accuracy"]["points"], {"model", "family", "predicted_us", "actual_us", "low_us", "high_us"});
  compare("random_front.csv", j["search"]["random_front"], {"latency_us", "top1"});
  compare("accuracy_model.csv", j["accuracy_model"]["points"], {"model", "family", "published_top1", "fitted_top1", "loo_top1"});
  // The Pareto front is plotted fastest first, as the contract orders it.
  compare("pareto.csv", j["pareto"], {"id", "summary", "params", "macs", "predicted_latency_us", "estimated_top1", "measured_latency_us"});
  // Derived columns: MACpS in the zoo is MACs over the plotted (published) latency.
  for (const auto& row : csv_rows(dir / "data" / "zoo.csv"))
    if (!row.at("latency_us").empty()) CHECK(std::stod(row.at("macps")) == Approx(std::stod(row.at("macs")) / std::stod(row.at("latency_us")) * 1e6));
  fs::remove_all(dir);
}

TEST_CASE("schema errors name the file and the field path") {
  CHECK(render_error(sample_with([](Json& j) { j["zoo"][3].erase("macs"); })) == "results.json: zoo[3].macs: missing required field");
  CHECK(render_error(sample_with([](Json& j) { j["device"]["threads"] = "one"; })) ==
        "results.json: device.threads = \"one\": expected a number");
  CHECK(render_error(sample_with([](Json& j) { j["zoo"][0]["published_top1"] = 140; })) ==
        "results.json: zoo[0].published_top1 = 140: expected a top-1 accuracy in [0, 100] %");
  CHECK(render_error(sample_with([](Json& j) { j["pareto"][0]["predicted_latency_us"] = -1.5; })) ==
        "results.json: pareto[0].predicted_latency_us = -1.5: expected a number > 0");
  CHECK(render_error(sample_with([](Json& j) { j["accuracy_model"]["kind"] = "oracle"; })) ==
        "results.json: accuracy_model.kind = \"oracle\": expected one of proxy,user,macs");
  CHECK(render_error(sample_with([](Json& j) { j["proof"] = 5; })) == "results.json: proof = 5: expected an object or null");
  CHECK(render_error(sample_with([](Json& j) { j["layers"]["ops"] = Json::object(); })) ==
        "results.json: layers.ops = {}: expected an array");
  CHECK(render_error(sample_with([](Json& j) { j.erase("missing"); })) == "results.json: missing: missing required field");
  // The version is checked first: a file of another version is not reported as missing fields.
  // Older (v1: milliseconds; v2: domination by the point estimate) and newer versions alike are told what
  // writes the current one (the one version gate, check_file_version).
  for (const char* version : {"v1", "v2", "v9"})
    CHECK(render_error(sample_with([&](Json& j) { j["schema"] = std::string("cpubone-explore/results/") + version; })) ==
          "results.json: schema = \"cpubone-explore/results/" + std::string(version) +
              "\": expected \"cpubone-explore/results/v3\": a file of another version; regenerate it with the main job, `cpubone-explore`");
  CHECK(render_error(Json{{"schema", "cpubone-explore/results/v9"}}).find("regenerate it with") != std::string::npos);
  CHECK(render_error(sample_with([](Json& j) { j["capacity_matched"][0]["configurations"][0]["domination"] = "maybe"; })) ==
        "results.json: capacity_matched[0].configurations[0].domination = \"maybe\": expected one of earned,promising_unproven,none");
  CHECK(render_error(Json::array()) == "results.json: (top level) = []: expected the explorer's results object");
  // Nulls are allowed exactly where the contract allows them.
  CHECK(render_error(sample_with([](Json& j) { j["zoo"][0]["macs"] = nullptr; })) == "results.json: zoo[0].macs = null: expected a number");
  CHECK(render_error(sample_with([](Json& j) { j["predictor_accuracy"] = nullptr; })) == "(no error)");
}

TEST_CASE("bad input leaves the output directory as it was") {
  const fs::path dir = fresh_dir("keep");
  fs::create_directories(dir);
  write_file_atomic((dir / "report.html").string(), "previous report");
  CHECK_THROWS_AS(reports::render(sample_with([](Json& j) { j["zoo"][1].erase("name"); }), "r.json", dir), InputError);
  CHECK(slurp(dir / "report.html") == "previous report");
  CHECK(files_under(dir) == std::vector<fs::path>{"report.html"});
  // A data directory that cannot be made stops the render before any file is replaced.
  write_file_atomic((dir / "data").string(), "a file where the data directory goes");
  CHECK_THROWS_AS(reports::render(sample(), "r.json", dir), InputError);
  CHECK(slurp(dir / "report.html") == "previous report");
  fs::remove(dir / "data");
  // A good render replaces the old page whole.
  reports::render(sample(), "r.json", dir);
  CHECK(slurp(dir / "report.html").rfind("<!DOCTYPE html>", 0) == 0);
  fs::remove_all(dir);
}

TEST_CASE("the page is self-contained and every chart names device and runtime and accuracy model") {
  const fs::path dir = fresh_dir("page");
  reports::render(sample(), "results.json", dir);
  const std::string html = slurp(dir / "report.html");
  CHECK(html.find("<script src") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("vegaEmbed") != std::string::npos);
  CHECK(html.find(reports::embedded_libraries()) != std::string::npos);
  const Json& j = sample();
  const std::string device = j["device"]["name"], runtime = j["device"]["runtime"], model = j["accuracy_model"]["name"];
  const Json specs = specs_of(html);
  CHECK(specs.size() == 6);  // the sample has data for every chart
  for (const auto& c : specs) {
    INFO(c["id"]);
    const std::string subtitle = c["spec"]["title"]["subtitle"].dump();
    CHECK(subtitle.find(device) != std::string::npos);
    CHECK(subtitle.find(runtime) != std::string::npos);
    CHECK(subtitle.find(model) != std::string::npos);
    // Tooltips name the model (or block variant) and its MACpS.
    const std::string spec = c["spec"].dump();
    CHECK(spec.find("\"tooltip\"") != std::string::npos);
    CHECK(spec.find("MACpS") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("missing data is stated on the page and in the markdown") {
  const fs::path dir = fresh_dir("missing");
  const Json j = sample_with([](Json& r) {
    r["predictor_accuracy"] = nullptr;
    r["fused_crossover_channels"] = r["fused_vs_unfused"]["crossover_channels"] = nullptr;
    r["zoo"][0]["published_top1"] = nullptr;
    r["zoo"][0]["estimated_top1"] = nullptr;
  });
  const auto out = reports::render(j, "results.json", dir);
  const std::string html = slurp(dir / "report.html"), md = slurp(dir / "report.md");
  for (const auto& m : j["missing"]) {
    CHECK(html.find(m.get<std::string>()) != std::string::npos);
    CHECK(md.find(m.get<std::string>()) != std::string::npos);
  }
  const std::string first = j["zoo"][0]["name"];
  for (const std::string& m : std::vector<std::string>{"predictor accuracy: no measured or published latencies", "fused/unfused crossover: none found",
                                                       "speed-accuracy chart: "}) {
    INFO(m);
    CHECK(html.find(m) != std::string::npos);
    CHECK(md.find(m) != std::string::npos);
    CHECK(std::any_of(out.missing.begin(), out.missing.end(), [&](const std::string& s) { return s.find(m) == 0; }));
  }
  // The model without any top-1 is named where the page says what the speed-accuracy chart leaves out.
  const auto unplotted = std::find_if(out.missing.begin(), out.missing.end(), [](const std::string& s) { return s.find("speed-accuracy chart: ") == 0; });
  REQUIRE(unplotted != out.missing.end());
  CHECK(unplotted->find("not plotted: " + first) != std::string::npos);
  // The chart with nothing to plot is not drawn, and the others still are.
  const Json specs = specs_of(html);
  CHECK(specs.size() == 5);
  for (const auto& c : specs) CHECK(c["id"] != "chart-predictor-accuracy");
  fs::remove_all(dir);
}

TEST_CASE("a predictor fitted while the machine changed speed is named in the missing-data box") {
  const fs::path dir = fresh_dir("speed");
  const Json j = sample_with([](Json& r) { r["device"]["provenance"]["machine_speed"] = {{"spread", 0.134}, {"slowed", true}}; });
  const auto out = reports::render(j, "results.json", dir);
  const std::string expected = "steady machine: the device profile's speed reference spread by 13% while profiling";
  CHECK(std::any_of(out.missing.begin(), out.missing.end(), [&](const std::string& s) { return s.find(expected) == 0; }));
  CHECK(slurp(dir / "report.md").find(expected) != std::string::npos);
  const Json steady = sample_with([](Json& r) { r["device"]["provenance"]["machine_speed"] = {{"spread", 0.04}, {"slowed", false}}; });
  const auto quiet = reports::render(steady, "results.json", fresh_dir("steady"));
  CHECK(std::none_of(quiet.missing.begin(), quiet.missing.end(), [](const std::string& s) { return s.find("steady machine") == 0; }));
  fs::remove_all(dir);
  fs::remove_all(fresh_dir("steady"));
}

TEST_CASE("timings taken under an emulator or among noisy measurements are named in the missing-data box") {
  const Json j = sample_with([](Json& r) {
    r["environment"] = {{"emulated", true},
                        {"emulation_signs", "CPX_EMULATED=1 in the environment"},
                        {"noisy_measurements", {{"profile", {{"share", 0.3}, {"above_threshold", true}, {"summary", "30% of 90 runs noisy"}}},
                                                {"proof", {{"share", 0.01}, {"above_threshold", false}, {"summary", "1% of 90 runs noisy"}}}}}};
  });
  // Read once with the document: the notes say what the environment says, in its order.
  const Results doc = results_from_json(j, "results.json");
  CHECK(doc.machine_notes.emulated);
  CHECK(doc.machine_notes.emulation_signs == "CPX_EMULATED=1 in the environment");
  REQUIRE(doc.machine_notes.noisy.size() == 1);
  CHECK(doc.machine_notes.noisy[0].source == "profile");
  CHECK_FALSE(doc.machine_notes.slowed_spread);
  const fs::path dir = fresh_dir("machine");
  const auto out = reports::render(j, "results.json", dir);
  auto said = [&](const std::string& m) {
    return std::count_if(out.missing.begin(), out.missing.end(), [&](const std::string& s) { return s.find(m) == 0; });
  };
  CHECK(said("real timings: this run measured under an emulator (CPX_EMULATED=1 in the environment)") == 1);
  CHECK(said("quiet measurements: the profile's measurements are noisy, 30% of 90 runs noisy, above the threshold") == 1);
  CHECK(said("quiet measurements: the proof's") == 0);
  // Without recorded signs the page says so; an environment of another shape says nothing.
  const Json unsigned_run = sample_with([](Json& r) { r["environment"] = {{"emulated", true}}; });
  const fs::path bare_dir = fresh_dir("unsigned");
  const auto bare = reports::render(unsigned_run, "results.json", bare_dir);
  CHECK(std::any_of(bare.missing.begin(), bare.missing.end(), [](const std::string& s) {
    return s.find("real timings: this run measured under an emulator (signs not recorded)") == 0;
  }));
  const results::MachineNotes odd = machine_notes_from_json(Json::array({1, 2}), Json("emulated"));
  CHECK_FALSE(odd.emulated);
  CHECK(odd.noisy.empty());
  fs::remove_all(dir);
  fs::remove_all(bare_dir);
}

TEST_CASE("the roof is drawn from the measured peak and bandwidth") {
  const fs::path dir = fresh_dir("roof");
  const Json j = sample_with([](Json& r) {
    r["roofline"]["peak_macps"] = 6e10;
    r["roofline"]["bandwidth_bytes_per_s"] = 1.5e10;
    r["roofline"]["source"] = "profile";
  });
  reports::render(j, "results.json", dir);
  const auto roof = csv_rows(dir / "data" / "roofline_ceiling.csv");
  REQUIRE(roof.size() == 3);
  CHECK(roof[1].at("bound") == "ridge");
  CHECK(std::stod(roof[1].at("intensity_macs_per_byte")) == Approx(4.0));  // peak / bandwidth
  CHECK(std::stod(roof[0].at("macps")) == Approx(1.5e10 * std::stod(roof[0].at("intensity_macs_per_byte"))));
  CHECK(std::stod(roof[2].at("macps")) == Approx(6e10));
  fs::remove_all(dir);
}

TEST_CASE("cpubone-explore report writes the report and bad input exits 2 with one line") {
  const fs::path dir = fresh_dir("cli");
  const std::string out = (dir / "out.txt").string(), err = (dir / "err.txt").string();
  fs::create_directories(dir);
  auto run = [&](const std::string& args) {
    const int status = std::system((std::string(CPX_CLI) + " report " + args + " >" + out + " 2>" + err).c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  CHECK(run(std::string(CPX_RESULTS_SAMPLE) + " --out " + (dir / "r").string()) == 0);
  CHECK(slurp(out).find("report: " + (dir / "r" / "report.html").string()) != std::string::npos);
  write_file_atomic((dir / "bad.json").string(), sample_with([](Json& j) { j["search"].erase("seed"); }).dump());
  CHECK(run((dir / "bad.json").string() + " --out " + (dir / "r2").string()) == 2);
  CHECK(slurp(err) == "cpubone-explore: " + (dir / "bad.json").string() + ": search.seed: missing required field\n");
  CHECK(!fs::exists(dir / "r2"));
  CHECK(run((dir / "nosuch.json").string()) == 2);
  CHECK(run("") == 2);
  fs::remove_all(dir);
}

namespace {

// A proposal row of the results for a Pareto member, as the explorer writes it (explorer/job.cpp).
Json proposal_row(const Json& pareto, double published_top1) {
  return {{"id", pareto["id"]}, {"latency_us", pareto["predicted_latency_us"]}, {"top1", pareto["estimated_top1"]},
          {"top1_low", pareto["estimated_top1_low"]}, {"top1_high", pareto["estimated_top1_high"]},
          {"support_distance", pareto["support_distance"]}, {"delta_latency_pct", -10.0},
          {"delta_top1_pp", pareto["estimated_top1"].get<double>() - published_top1},
          {"delta_top1_low_pp", pareto["estimated_top1_low"].get<double>() - published_top1}, {"measured_latency_us", nullptr}};
}

}  // namespace

TEST_CASE("earned and promising-unproven proposals are tabled apart, the capacity-matched tier first, and headlines count only the earned") {
  const fs::path dir = fresh_dir("earned");
  const Json j = sample_with([](Json& r) {
    Json& b0 = r["proposals"][0];
    const double published = b0["baseline_published_top1"];
    Json earned = proposal_row(r["pareto"][0], published), unproven = proposal_row(r["pareto"][1], published);
    earned["delta_top1_low_pp"] = 0.5;
    b0["dominating"] = Json::array({earned});
    b0["promising_unproven"] = Json::array({unproven});
    r["capacity_matched"][0]["configurations"][0]["domination"] = "promising_unproven";
  });
  const std::string earned_id = j["proposals"][0]["dominating"][0]["id"], unproven_id = j["proposals"][0]["promising_unproven"][0]["id"];
  reports::render(j, "results.json", dir);
  const std::string md = slurp(dir / "report.md");
  const size_t matched = md.find("## Capacity-matched configurations vs CPUBone B0-B3"), earned = md.find("## Proposals that earn domination"),
               unproven = md.find("## Promising, unproven"), next = md.find("\n## ", unproven + 1);
  REQUIRE(matched != std::string::npos);
  REQUIRE(earned != std::string::npos);
  REQUIRE(unproven != std::string::npos);
  CHECK(matched < earned);
  CHECK(earned < unproven);
  const std::string earned_table = md.substr(earned, unproven - earned), unproven_table = md.substr(unproven, next - unproven);
  // Proposal rows start "|   p00 |" (indented under their baseline).
  CHECK(earned_table.find(" " + earned_id + " |") != std::string::npos);
  CHECK(earned_table.find(" " + unproven_id + " |") == std::string::npos);
  CHECK(unproven_table.find(" " + unproven_id + " |") != std::string::npos);
  CHECK(unproven_table.find(" " + earned_id + " |") == std::string::npos);
  CHECK(md.find("| unproven |") != std::string::npos);  // the tier's row says how it stands
  // Key findings: the earned proposal is counted, the unproven one is not named.
  const std::string findings = md.substr(md.find("## Key findings"), md.find("## Missing data") - md.find("## Key findings"));
  CHECK(findings.find("1 proposal(s) earn domination over b0; the fastest, " + earned_id) != std::string::npos);
  CHECK(findings.find(unproven_id) == std::string::npos);
  CHECK(findings.find("No proposal earns domination over b1") != std::string::npos);
  CHECK(findings.find("Capacity-matched b0: b0-m0") != std::string::npos);
  const auto rows = csv_rows(dir / "data" / "proposals.csv");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("standing") == "earned");
  CHECK(rows[1].at("standing") == "promising_unproven");
  fs::remove_all(dir);
}

TEST_CASE("the speed-accuracy chart draws estimates hollow with their intervals and leaves out what lies outside the support") {
  const fs::path dir = fresh_dir("estimates");
  // Two published models made unpublished: one inside the estimator's support, one outside it.
  const Json j = sample_with([](Json& r) {
    for (auto& z : r["zoo"])
      if (z["name"] == "fasternet-t0" || z["name"] == "fasternet-t2") z["published_top1"] = nullptr;
  });
  std::map<std::string, bool> inside;
  for (const auto& z : j["zoo"])
    if (z["published_top1"].is_null() && z["name"].get<std::string>().starts_with("fasternet")) inside[z["name"]] = z["inside_support"];
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
    return Json{{"model", model}, {"family", family}, {"predicted_us", pred}, {"actual_us", actual}, {"low_us", low}, {"high_us", high}};
  };
  const Json figures = {{"mape", 10.0}, {"within_10", 0.5}, {"spearman", 0.8}};
  const Json j = sample_with([&](Json& r) {
    r["predictor_accuracy"] = {{"against", "published latencies (leave-one-family-out predictions)"}, {"held_out", "lofo"},
                               {"method", "hardware_transfer"}, {"interval", {{"level", 0.8}, {"method", "hand-made"}}},
                               {"points", {point("b0", "CPUBone", 100, 110, 90, 120), point("b1", "CPUBone", 200, 260, 180, 240),
                                           point("fasternet-t0", "FasterNet", 300, 290, 250, 350),
                                           point("fasternet-t1", "FasterNet", 400, 380, nullptr, nullptr)}},
                               {"mape", 12.5}, {"within_10", 0.5}, {"spearman", 1.0},
                               {"methods", {{{"method", "hardware_transfer"}, {"chosen", true}, {"lomo", figures}, {"lofo", figures}},
                                            {{"method", "macs_only"}, {"chosen", false}, {"lomo", figures}, {"lofo", nullptr}}}}};
  });
  reports::render(j, "results.json", dir);
  const std::string html = slurp(dir / "report.html");
  const Json specs = specs_of(html);
  const auto chart = std::find_if(specs.begin(), specs.end(), [](const Json& c) { return c["id"] == "chart-predictor-accuracy"; });
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
    CHECK(std::count_if(rows.begin(), rows.end(), [](const Json& x) { return !x["low_us"].is_null() && !x["high_us"].is_null(); }) == 3);
  }
  CHECK(rule_layers == 1);
  CHECK(html.find("data-min-marks=\"7\"") != std::string::npos);  // four points and three bars
  const std::string md = slurp(dir / "report.md");
  CHECK(md.find("for 2 of 3 (67 %) of the points") != std::string::npos);
  CHECK(md.find("| model | family | predicted (ms) | interval (ms) | actual (ms) | error | inside interval |") != std::string::npos);
  CHECK(md.find("| hardware_transfer | yes |") != std::string::npos);
  std::map<std::string, std::string> inside;
  for (const auto& row : csv_rows(dir / "data" / "predictor_accuracy.csv")) inside[row.at("model")] = row.at("inside_interval");
  CHECK(inside == std::map<std::string, std::string>{{"b0", "true"}, {"b1", "false"}, {"fasternet-t0", "true"}, {"fasternet-t1", ""}});
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
  const auto chart = std::find_if(specs.begin(), specs.end(), [](const Json& c) { return c["id"] == "chart-predictor-accuracy"; });
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
  const std::string keep = "Keep " + tier["baseline"].get<std::string>() + " on " + sample()["device"]["name"].get<std::string>() +
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
  const Json d = {{"id", won["pareto"][0]["id"]}, {"latency_us", 1000.0}, {"top1", 80.0}, {"top1_low", 79.0}, {"top1_high", 81.0},
                  {"support_distance", 0.0}, {"delta_latency_pct", -12.5}, {"delta_top1_pp", 1.0}, {"delta_top1_low_pp", 0.5},
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

TEST_CASE("the speed-accuracy chart draws every estimate hollow and dashed beside its interval, published top-1 filled, and its legend says which is which") {
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
    const bool estimated = data == "pareto" || data == "capacity_matched" || data == "random_front" || how.find("'estimated'") != std::string::npos;
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
  CHECK(interval_layers == std::set<std::string>{"zoo", "pareto", "capacity_matched"});  // each estimate's interval is drawn
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
      if (layer["data"]["name"] != "zoo" || layer["mark"]["type"] != "point" || !layer["encoding"].contains("color")) continue;
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

TEST_CASE("labels keep clear: B0-B3 below their rings, the constant-MACpS labels inside the plot, the crossover label off the axis") {
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
    if (!row["label_here"].get<bool>()) along[row["label"]].insert(along[row["label"]].begin(), row["macs"].get<double>());
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
    reports::render(sample_with([&](Json& r) { r["fused_crossover_channels"] = r["fused_vs_unfused"]["crossover_channels"] = channels; }), "results.json", d);
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

TEST_CASE("the channels chart, its table, the rule and the key finding read one fused-vs-unfused comparison, in three lines") {
  const fs::path dir = fresh_dir("fused");
  reports::render(sample(), "results.json", dir);
  const Json& f = sample()["fused_vs_unfused"];
  REQUIRE(f["widths"].size() >= 3);
  const Json chart = chart_spec(specs_of(slurp(dir / "report.html")), "chart-block-macps");
  REQUIRE(chart["vconcat"].size() == 2);
  // Top: one line, the pair's time ratio, and the crossover's marker; bottom: the best fused and the best unfused, two lines.
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
    const bool after = !f["crossover_channels"].is_null() && std::stod(rows[i].at("channels")) >= f["crossover_channels"].get<double>();
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
  // A crossover the comparison does not say is refused; a file older than the comparison says what it lacks.
  CHECK_THAT(render_error(sample_with([](Json& r) { r["fused_crossover_channels"] = 8; })),
             Catch::Contains("results.json: fused_vs_unfused.crossover_channels = ") && Catch::Contains("differs from fused_crossover_channels = 8"));
  const fs::path old = fresh_dir("fused_old");
  const auto out = reports::render(sample_with([](Json& r) { r.erase("fused_vs_unfused"); }), "results.json", old);
  CHECK(std::any_of(out.missing.begin(), out.missing.end(), [](const std::string& m) { return m.find("fused vs unfused chart: ") == 0; }));
  fs::remove_all(old);
  fs::remove_all(dir);
}

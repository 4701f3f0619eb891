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

#include "report_testing.hpp"
#include "reports/report.hpp"
#include "space/io.hpp"
#include "space/network.hpp"
#include "space/results_schema.hpp"

using namespace cpx;
namespace fs = std::filesystem;

using namespace cpx::test;

TEST_CASE("the sample results render to html and markdown and csv and a copy of the input") {
  const fs::path dir = fresh_dir("ok");
  const auto r = reports::render(sample(), CPX_RESULTS_SAMPLE, dir);
  CHECK(r.files.front() == dir / "report.html");
  for (const char* f :
       {"report.html", "report.md", "results.json", "data/zoo.csv", "data/pareto.csv", "data/block_macps.csv",
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
      for (const auto& c : columns)
        check_cell(csv[i].at(c), rows[i].at(c), std::string(file) + " row " + std::to_string(i) + " " + c);
  };
  compare("zoo.csv", j["zoo"],
          {"name", "family", "resolution", "params", "macs", "published_top1", "estimated_top1", "predicted_latency_us",
           "published_latency_us", "measured_latency_us", "predicted_macps"});
  compare("block_macps.csv", j["block_macps"], {"variant", "channels", "resolution", "macps"});
  compare("roofline.csv", j["roofline"]["points"],
          {"model", "op", "op_class", "intensity_macs_per_byte", "macps", "source"});
  compare("layers.csv", j["layers"]["ops"], {"name", "stage", "op_class", "macs", "predicted_us", "measured_us"});
  compare("predictor_accuracy.csv", j["predictor_accuracy"]["points"],
          {"model", "family", "predicted_us", "actual_us", "low_us", "high_us"});
  compare("random_front.csv", j["search"]["random_front"], {"latency_us", "top1"});
  compare("accuracy_model.csv", j["accuracy_model"]["points"],
          {"model", "family", "published_top1", "fitted_top1", "loo_top1"});
  // The Pareto front is plotted fastest first, as the contract orders it.
  compare("pareto.csv", j["pareto"],
          {"id", "summary", "params", "macs", "predicted_latency_us", "estimated_top1", "measured_latency_us"});
  // Derived columns: MACpS in the zoo is MACs over the plotted (published) latency.
  for (const auto& row : csv_rows(dir / "data" / "zoo.csv"))
    if (!row.at("latency_us").empty())
      CHECK(std::stod(row.at("macps")) == Approx(std::stod(row.at("macs")) / std::stod(row.at("latency_us")) * 1e6));
  fs::remove_all(dir);
}

TEST_CASE("schema errors name the file and the field path") {
  CHECK(render_error(sample_with([](Json& j) { j["zoo"][3].erase("macs"); })) ==
        "results.json: zoo[3].macs: missing required field");
  CHECK(render_error(sample_with([](Json& j) { j["device"]["threads"] = "one"; })) ==
        "results.json: device.threads = \"one\": expected a number");
  CHECK(render_error(sample_with([](Json& j) { j["zoo"][0]["published_top1"] = 140; })) ==
        "results.json: zoo[0].published_top1 = 140: expected a top-1 accuracy in [0, 100] %");
  CHECK(render_error(sample_with([](Json& j) { j["pareto"][0]["predicted_latency_us"] = -1.5; })) ==
        "results.json: pareto[0].predicted_latency_us = -1.5: expected a number > 0");
  CHECK(render_error(sample_with([](Json& j) { j["accuracy_model"]["kind"] = "oracle"; })) ==
        "results.json: accuracy_model.kind = \"oracle\": expected one of proxy,user,macs");
  CHECK(render_error(sample_with([](Json& j) { j["proof"] = 5; })) ==
        "results.json: proof = 5: expected an object or null");
  CHECK(render_error(sample_with([](Json& j) { j["layers"]["ops"] = Json::object(); })) ==
        "results.json: layers.ops = {}: expected an array");
  CHECK(render_error(sample_with([](Json& j) { j.erase("missing"); })) ==
        "results.json: missing: missing required field");
  // The version is checked first: a file of another version is not reported as missing fields.
  // Older (v1: milliseconds; v2: domination by the point estimate) and newer versions alike are told what
  // writes the current one (the one version gate, check_file_version).
  for (const char* version : {"v1", "v2", "v9"})
    CHECK(render_error(sample_with([&](Json& j) {
            j["schema"] = std::string("cpubone-explore/results/") + version;
          })) == "results.json: schema = \"cpubone-explore/results/" + std::string(version) +
                     "\": expected \"cpubone-explore/results/v3\": a file of another version; regenerate it with the "
                     "main job, `cpubone-explore`");
  CHECK(render_error(Json{{"schema", "cpubone-explore/results/v9"}}).find("regenerate it with") != std::string::npos);
  CHECK(render_error(
            sample_with([](Json& j) { j["capacity_matched"][0]["configurations"][0]["domination"] = "maybe"; })) ==
        "results.json: capacity_matched[0].configurations[0].domination = \"maybe\": expected one of "
        "earned,promising_unproven,none");
  CHECK(render_error(Json::array()) == "results.json: (top level) = []: expected the explorer's results object");
  // Nulls are allowed exactly where the contract allows them.
  CHECK(render_error(sample_with([](Json& j) { j["zoo"][0]["macs"] = nullptr; })) ==
        "results.json: zoo[0].macs = null: expected a number");
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
  for (const std::string& m :
       std::vector<std::string>{"predictor accuracy: no measured or published latencies",
                                "fused/unfused crossover: none found", "speed-accuracy chart: "}) {
    INFO(m);
    CHECK(html.find(m) != std::string::npos);
    CHECK(md.find(m) != std::string::npos);
    CHECK(std::any_of(out.missing.begin(), out.missing.end(), [&](const std::string& s) { return s.find(m) == 0; }));
  }
  // The model without any top-1 is named where the page says what the speed-accuracy chart leaves out.
  const auto unplotted = std::find_if(out.missing.begin(), out.missing.end(),
                                      [](const std::string& s) { return s.find("speed-accuracy chart: ") == 0; });
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
  const Json j = sample_with([](Json& r) {
    r["device"]["provenance"]["machine_speed"] = {{"spread", 0.134}, {"slowed", true}};
  });
  const auto out = reports::render(j, "results.json", dir);
  const std::string expected = "steady machine: the device profile's speed reference spread by 13% while profiling";
  CHECK(
      std::any_of(out.missing.begin(), out.missing.end(), [&](const std::string& s) { return s.find(expected) == 0; }));
  CHECK(slurp(dir / "report.md").find(expected) != std::string::npos);
  const Json steady = sample_with([](Json& r) {
    r["device"]["provenance"]["machine_speed"] = {{"spread", 0.04}, {"slowed", false}};
  });
  const auto quiet = reports::render(steady, "results.json", fresh_dir("steady"));
  CHECK(std::none_of(quiet.missing.begin(), quiet.missing.end(),
                     [](const std::string& s) { return s.find("steady machine") == 0; }));
  fs::remove_all(dir);
  fs::remove_all(fresh_dir("steady"));
}

TEST_CASE("timings taken under an emulator or among noisy measurements are named in the missing-data box") {
  const Json j = sample_with([](Json& r) {
    r["environment"] = {
        {"emulated", true},
        {"emulation_signs", "CPX_EMULATED=1 in the environment"},
        {"noisy_measurements",
         {{"profile", {{"share", 0.3}, {"above_threshold", true}, {"summary", "30% of 90 runs noisy"}}},
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
  CHECK(said("quiet measurements: the profile's measurements are noisy, 30% of 90 runs noisy, above the threshold") ==
        1);
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
  return {{"id", pareto["id"]},
          {"latency_us", pareto["predicted_latency_us"]},
          {"top1", pareto["estimated_top1"]},
          {"top1_low", pareto["estimated_top1_low"]},
          {"top1_high", pareto["estimated_top1_high"]},
          {"support_distance", pareto["support_distance"]},
          {"delta_latency_pct", -10.0},
          {"delta_top1_pp", pareto["estimated_top1"].get<double>() - published_top1},
          {"delta_top1_low_pp", pareto["estimated_top1_low"].get<double>() - published_top1},
          {"measured_latency_us", nullptr}};
}

}  // namespace

TEST_CASE(
    "earned and promising-unproven proposals are tabled apart, the capacity-matched tier first, and headlines count "
    "only the earned") {
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
  const std::string earned_id = j["proposals"][0]["dominating"][0]["id"],
                    unproven_id = j["proposals"][0]["promising_unproven"][0]["id"];
  reports::render(j, "results.json", dir);
  const std::string md = slurp(dir / "report.md");
  const size_t matched = md.find("## Capacity-matched configurations vs CPUBone B0-B3"),
               earned = md.find("## Proposals that earn domination"), unproven = md.find("## Promising, unproven"),
               next = md.find("\n## ", unproven + 1);
  REQUIRE(matched != std::string::npos);
  REQUIRE(earned != std::string::npos);
  REQUIRE(unproven != std::string::npos);
  CHECK(matched < earned);
  CHECK(earned < unproven);
  const std::string earned_table = md.substr(earned, unproven - earned),
                    unproven_table = md.substr(unproven, next - unproven);
  // Proposal rows start "|   p00 |" (indented under their baseline).
  CHECK(earned_table.find(" " + earned_id + " |") != std::string::npos);
  CHECK(earned_table.find(" " + unproven_id + " |") == std::string::npos);
  CHECK(unproven_table.find(" " + unproven_id + " |") != std::string::npos);
  CHECK(unproven_table.find(" " + earned_id + " |") == std::string::npos);
  CHECK(md.find("| unproven |") != std::string::npos);  // the tier's row says how it stands
  // Key findings: the earned proposal is counted, the unproven one is not named.
  const std::string findings =
      md.substr(md.find("## Key findings"), md.find("## Missing data") - md.find("## Key findings"));
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

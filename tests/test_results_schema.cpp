// The results JSON has one description, the field table (space/results_fields.cpp): the explorer's real
// output holds every field it lists and none besides, the report checks files against it, and
// reports/results-schema.md is its text.
#include <catch2/catch.hpp>

#include "documents.hpp"
#include "processes.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "explorer/accuracy.hpp"
#include "explorer/job.hpp"
#include "explorer/search.hpp"
#include "predictor/predictor.hpp"
#include "profiler/profile/profile_file.hpp"
#include "reports/schema.hpp"
#include "space/io.hpp"
#include "space/results.hpp"

using namespace cpx;

namespace {

std::vector<std::string_view> choices_of(std::string_view path) {
  for (const ResultsField& f : results_fields())
    if (f.path == path) {
      std::vector<std::string_view> out;
      std::string_view rest = f.choices;
      for (size_t bar = rest.find('|'); bar != std::string_view::npos; bar = rest.find('|')) {
        out.push_back(rest.substr(0, bar));
        rest.remove_prefix(bar + 1);
      }
      out.push_back(rest);
      return out;
    }
  FAIL("no field " << path);
  return {};
}

explorer::JobOptions small_job(const std::string& device, const std::string& tag) {
  explorer::JobOptions o;
  o.device = device;
  o.search.evaluations = 300;
  o.matched_evaluations = 100;
  o.progress = false;
  o.out_dir =
      (std::filesystem::temp_directory_path() / ("cpx_schema_" + tag + "_" + std::to_string(::getpid()))).string();
  return o;
}

}  // namespace

TEST_CASE("reports/results-schema.md is the field table's text") {
  const std::string committed = test::slurp(std::filesystem::path(CPX_SOURCE_DIR) / "reports" / "results-schema.md");
  const std::string generated = reports::results_schema_markdown();
  // The first line that differs, not two pages of text.
  size_t at = 0;
  while (at < committed.size() && at < generated.size() && committed[at] == generated[at]) ++at;
  const size_t line = at == 0 ? 0 : committed.rfind('\n', at - 1) + 1;
  INFO("regenerate it: cpubone-explore report --schema > reports/results-schema.md");
  CHECK(committed.substr(line, committed.find('\n', line) - line) ==
        generated.substr(line, generated.find('\n', line) - line));
  CHECK(committed.size() == generated.size());
}

TEST_CASE("every field of the table nests in a listed object or array") {
  std::map<std::string_view, ResultsType> type_of;
  for (const ResultsField& f : results_fields()) {
    INFO(f.path);
    CHECK(type_of.emplace(f.path, f.type).second);  // listed once
    CHECK(!f.meaning.empty());
    CHECK((f.type == ResultsType::choice) == !f.choices.empty());
    const size_t dot = f.path.rfind('.');
    if (f.path.size() > 2 && f.path.substr(f.path.size() - 2) == "[]") {
      REQUIRE(type_of.count(f.path.substr(0, f.path.size() - 2)));
      CHECK(type_of.at(f.path.substr(0, f.path.size() - 2)) == ResultsType::array);
    } else if (dot != std::string_view::npos) {
      std::string_view parent = f.path.substr(0, dot);
      const bool element = parent.size() > 2 && parent.substr(parent.size() - 2) == "[]";
      if (element) parent.remove_suffix(2);
      REQUIRE(type_of.count(parent));
      CHECK(type_of.at(parent) == (element ? ResultsType::array : ResultsType::object));
    }
  }
}

TEST_CASE("the table's choices are the explorer's names") {
  CHECK(choices_of("accuracy_model.kind") ==
        std::vector<std::string_view>(explorer::accuracy_kind_names.begin(), explorer::accuracy_kind_names.end()));
  std::vector<std::string_view> domination;
  for (const auto d :
       {explorer::Domination::earned, explorer::Domination::promising_unproven, explorer::Domination::none})
    domination.push_back(explorer::to_string(d));
  CHECK(choices_of("capacity_matched[].configurations[].domination") == domination);
}

// [release-only]: three main jobs in process (52 s under the sanitizers); there the main job runs by the CLI
// (cli_main_job_pi5, cli_main_job_host), writing the same document.
TEST_CASE("the main job writes every field of the table and none besides, and the report accepts it",
          "[release-only]") {
  // A calibrated device (published points, intervals, the held-out table), the same without a top-1, and
  // the host with a profile and the proof measured (environment, proof rows, FasterNet's table).
  std::vector<Json> written;
  const std::string pi5_file = std::string(CPX_SOURCE_DIR) + "/predictor/devices/pi5.json";
  const predictor::Predictor pi5 = predictor::predictor_from_json(read_json_file(pi5_file), pi5_file);
  explorer::JobOptions o = small_job("pi5", "pi5");
  explorer::run_job(o, pi5, nullptr);
  written.push_back(read_json_file(o.out_dir + "/results.json"));
  std::filesystem::remove_all(o.out_dir);
  o = small_job("pi5", "macs");
  o.accuracy = "macs";
  explorer::run_job(o, pi5, nullptr);
  written.push_back(read_json_file(o.out_dir + "/results.json"));
  std::filesystem::remove_all(o.out_dir);
  Json profile = test::small_profile();
  profile["fasternet"] = Json::parse(
      R"([{"id": "fasternet_pconv_c64_r56_t1", "op": "PConv", "channels": 64, "resolution": 56, "threads": 1, "macs": 3211264,
                                          "macps": 1e10, "timing": {"stats_us": {"median": 321.1}}}])");
  o = small_job("host", "host");
  o.measure_min_time_s = 0, o.measure_min_runs = 2, o.measure_warmup_runs = 0;
  const profiler::Profile measured = profiler::read_profile(profile, "profile.json");
  explorer::run_job(o, predictor::predictor_from_json(test::shipped_predictor(), "host.json"), &measured);
  written.push_back(read_json_file(o.out_dir + "/results.json"));
  std::filesystem::remove_all(o.out_dir);

  std::set<std::string> listed;
  for (size_t k = 0; k < written.size(); ++k) {
    INFO("job " << k);
    CHECK_NOTHROW(reports::validate_results(written[k], "results.json"));
    const reports::SchemaCoverage c = reports::schema_coverage(written[k]);
    CHECK(c.unlisted == std::set<std::string>{});
    listed.insert(c.listed.begin(), c.listed.end());
    // The document's structs (space/results.hpp) hold all of it: the same bytes written back.
    CHECK(to_json(results_from_json(written[k], "results.json")).dump() == written[k].dump());
  }
  // Small searches earn no domination, so the earned list is empty in all three; one struct and its to_json
  // write both lists (space/results_to_json.cpp), so an unproven row stands in for an earned one's fields.
  Json earned = written[0];
  for (auto& p : earned["proposals"])
    if (!p["promising_unproven"].empty()) {
      Json row = p["promising_unproven"][0];  // an earned row's lower end is at or above the baseline's top-1
      row["delta_top1_low_pp"] = std::abs(row["delta_top1_low_pp"].get<double>());
      p["dominating"].push_back(row);
    }
  const reports::SchemaCoverage c = reports::schema_coverage(earned);
  CHECK(to_json(results_from_json(earned, "results.json")).dump() == earned.dump());
  listed.insert(c.listed.begin(), c.listed.end());
  std::set<std::string> never_written;
  for (const ResultsField& f : results_fields())
    if (!listed.count(std::string(f.path))) never_written.insert(std::string(f.path));
  CHECK(never_written == std::set<std::string>{});
}

TEST_CASE("a field the table lists is checked whether or not the report needs it") {
  Json j = read_json_file(CPX_RESULTS_SAMPLE);
  j["search"]["stopped_by_time"] = "no";
  std::string error;
  try {
    reports::validate_results(j, "results.json");
  } catch (const InputError& e) { error = e.what(); }
  CHECK(error == "results.json: search.stopped_by_time = \"no\": expected true or false");
  // An optional field the report does not need is checked too.
  j = read_json_file(CPX_RESULTS_SAMPLE);
  j["block_macps"][0]["latency_us"] = "fast";
  error.clear();
  try {
    reports::validate_results(j, "results.json");
  } catch (const InputError& e) { error = e.what(); }
  CHECK(error == "results.json: block_macps[0].latency_us = \"fast\": expected a number");
}

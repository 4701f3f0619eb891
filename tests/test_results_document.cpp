// The results document as structs (space/results.hpp): one reader that checks the field table first, one
// writer, and between them nothing the table lists is lost, renamed or reordered. The main job's own output
// makes the same round trip in test_results_schema.cpp.
#include <catch2/catch.hpp>

#include "processes.hpp"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "reports/report.hpp"
#include "space/io.hpp"
#include "space/results.hpp"
#include "space/results_schema.hpp"

using namespace cpx;

namespace {

// The same fields with the same values, numbers compared by value, whatever the order of the keys: the sample
// was written by Python, in an order of its own (the explorer's own output is compared byte for byte).
bool results_document_same(const Json& a, const Json& b) {
  return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump());
}

// A choice field's allowed strings, as the field table lists them.
std::vector<std::string> results_document_choices(std::string_view path) {
  for (const ResultsField& f : results_fields())
    if (f.path == path) {
      std::vector<std::string> out;
      std::string_view rest = f.choices;
      for (size_t bar = rest.find('|'); bar != std::string_view::npos; bar = rest.find('|')) {
        out.emplace_back(rest.substr(0, bar));
        rest.remove_prefix(bar + 1);
      }
      out.emplace_back(rest);
      return out;
    }
  return {};
}

std::string results_document_error(const Json& j) {
  try {
    results_from_json(j, "results.json");
  } catch (const InputError& e) { return e.what(); }
  return "(no error)";
}

}  // namespace

TEST_CASE("the committed sample results read into the structs and write back as they were") {
  const Json j = read_json_file(CPX_RESULTS_SAMPLE);
  REQUIRE(schema_coverage(j).unlisted.empty());  // else the round trip would drop what the table does not list
  const Results r = results_from_json(j, CPX_RESULTS_SAMPLE);
  CHECK(results_document_same(to_json(r), j));  // Python wrote whole numbers where the explorer writes doubles
  CHECK(r.device.name == j["device"]["name"].get<std::string>());
  REQUIRE(r.zoo.size() == j["zoo"].size());
  CHECK(r.zoo[0].macs == j["zoo"][0]["macs"].get<double>());
  REQUIRE(!r.layers.ops.empty());
  CHECK(r.layers.ops[0].op.name == j["layers"]["ops"][0]["name"].get<std::string>());
}

TEST_CASE("null stays null through the structs, and a field every writer has written is required") {
  Json j = read_json_file(CPX_RESULTS_SAMPLE);
  j["device"]["timed_by"] = nullptr;
  const Results r = results_from_json(j, "results.json");
  CHECK(!r.device.timed_by);
  CHECK(to_json(r)["device"]["timed_by"].is_null());
  CHECK(results_document_same(to_json(r), j));
  // One reader per format: results written before these fields are refused, naming the field.
  struct Dropped {
    const char* object;  // a JSON pointer
    const char* key;
    const char* path;  // as the error names it
  };
  for (const Dropped& d :
       {Dropped{"/device", "timed_by", "device.timed_by"},
        Dropped{"/search", "stopped_by_time", "search.stopped_by_time"},
        Dropped{"/layers/ops/0", "op", "layers.ops[0].op"}, Dropped{"", "fused_vs_unfused", "fused_vs_unfused"}}) {
    Json old = read_json_file(CPX_RESULTS_SAMPLE);
    old[Json::json_pointer(d.object)].erase(d.key);
    CHECK(results_document_error(old) == std::string("results.json: ") + d.path + ": missing required field");
  }
}

TEST_CASE("the results reader checks the field table before it reads") {
  Json j = read_json_file(CPX_RESULTS_SAMPLE);
  j["zoo"][1]["macs"] = -5;
  CHECK(results_document_error(j) == "results.json: zoo[1].macs = -5: expected a number > 0");
  j = read_json_file(CPX_RESULTS_SAMPLE);
  j["pareto"][0].erase("predicted_latency_us");
  CHECK(results_document_error(j) == "results.json: pareto[0].predicted_latency_us: missing required field");
}

TEST_CASE("each choice field of the results reads into an enum named as the field table lists its choices") {
  CHECK(results_document_choices("device.timed_by") == results::timed_by_names.all());
  CHECK(results_document_choices("accuracy_model.kind") == results::accuracy_kind_names.all());
  CHECK(results_document_choices("design_rules[].source") == results::rule_source_names.all());
  CHECK(results_document_choices("roofline.points[].source") == results::time_source_names.all());
  CHECK(results_document_choices("capacity_matched[].method") == results::matched_method_names.all());
  CHECK(results_document_choices("capacity_matched[].configurations[].domination") == results::domination_names.all());
  CHECK(results_document_choices("predictor_accuracy.held_out") == results::held_out_names.all());
  CHECK(results_document_choices("rank_correlations.latency_source") == results::latency_source_names.all());
  size_t choices = 0;
  for (const ResultsField& f : results_fields()) choices += f.type == ResultsType::choice;
  CHECK(choices == 8);  // a new choice field gets its enum here too
}

TEST_CASE(
    "the report renders the results document as it renders the file, and copies the document as to_json writes it") {
  const Json j = read_json_file(CPX_RESULTS_SAMPLE);
  const Results r = results_from_json(j, "results.json");
  const auto base = std::filesystem::temp_directory_path() / ("cpx_results_document_" + std::to_string(::getpid()));
  const reports::Rendered from_file = reports::render(j, "results.json", base / "file");
  const reports::Rendered from_document = reports::render(r, "results.json", base / "document");
  REQUIRE(from_file.files.size() == from_document.files.size());
  for (size_t i = 0; i < from_file.files.size(); ++i) {
    const auto name = std::filesystem::relative(from_file.files[i], base / "file");
    INFO(name.string());
    CHECK(name == std::filesystem::relative(from_document.files[i], base / "document"));
    if (name == "results.json") CHECK(test::slurp(from_document.files[i]) == to_json(r).dump(2) + "\n");
    else CHECK(test::slurp(from_file.files[i]) == test::slurp(from_document.files[i]));
  }
  std::filesystem::remove_all(base);
}

// The advice document (space/advice_doc.hpp): one to_json and one reader, round-tripping a real advise output
// with everything it may hold (--apply's record, --report's path), the report rendered from a file the same as
// from the advice itself, and the reader's errors naming file, field and value.
#include <catch2/catch.hpp>

#include "processes.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "space/advice_doc.hpp"
#include "space/io.hpp"
#include "space/network.hpp"

using namespace cpx;

namespace {

std::string advice_doc_text_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("the advice document reads back what advise --json --apply --report writes and writes it again byte for byte",
          "[advise][advice_doc]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("cpx_advice_doc_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const test::CliRun r = test::cli("advise mobilenetv2-1.0 --device pi5 --evaluations 60 --json --apply s1 --out " +
                                   (dir / "applied").string() + " --report " + (dir / "live").string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const Json j = Json::parse(r.out);
  REQUIRE(j.contains("applied"));
  REQUIRE(j.contains("report"));
  const AdviceDocument a = advice_from_json(j, "advice.json");
  CHECK(to_json(a) == j);
  CHECK(to_json(a).dump(2) == j.dump(2));
  // The typed fields are the document's figures.
  REQUIRE(a.applied);
  CHECK(a.applied->ids == "s1");
  CHECK(a.applied->rewrites.front() == a.suggestions.front().rewrite);
  CHECK(a.applied->notes.size() >= 3);
  REQUIRE(!a.blocks.empty());
  CHECK(a.blocks.size() == j["blocks"].size());
  CHECK(a.layers.size() == j["layers"].size());
  CHECK(a.unrecognised_summary.ops == a.unrecognised.size());
  CHECK(a.suggestions.front().gain.point == j["suggestions"][0]["gain"]["point"].get<double>());

  // `report` on the file renders the same data sets as --report did from the advice itself.
  const fs::path file = dir / "advice.json";
  write_file_atomic(file.string(), j.dump(2));
  const test::CliRun rep = test::cli("report " + file.string() + " --out " + (dir / "read").string());
  INFO(rep.err);
  REQUIRE(rep.exit_code == 0);
  for (const char* csv : {"data/advice_blocks.csv", "data/advice_suggestions.csv", "data/advice_front.csv"})
    CHECK(advice_doc_text_of(dir / "read" / csv) == advice_doc_text_of(dir / "live" / csv));
  fs::remove_all(dir);
}

TEST_CASE("the advice reader names file, field and value of what it refuses, and report exits 2 on it",
          "[advise][advice_doc]") {
  namespace fs = std::filesystem;
  const test::CliRun r = test::cli("advise mobilenetv2-1.0 --device pi5 --evaluations 20 --json");
  REQUIRE(r.exit_code == 0);
  const Json good = Json::parse(r.out);
  REQUIRE(!good["blocks"].empty());
  REQUIRE(!good["suggestions"].empty());
  Json j = good;
  j["blocks"][0]["macs"] = "many";
  CHECK_THROWS_WITH(advice_from_json(j, "f.json"),
                    Catch::Contains("f.json: blocks[0].macs = \"many\": expected an integer"));
  j = good;
  j["blocks"][0]["lost"] = 1.5;
  CHECK_THROWS_WITH(advice_from_json(j, "f.json"), Catch::Contains("f.json: blocks[0].lost = 1.5: unknown field"));
  j = good;
  j["suggestions"][0]["block_kind"] = "blob";
  CHECK_THROWS_WITH(advice_from_json(j, "f.json"),
                    Catch::Contains("f.json: suggestions[0].block_kind = \"blob\": not a block kind"));
  j = good;
  j["layers"][0]["conv_class"] = "wide";
  CHECK_THROWS_WITH(advice_from_json(j, "f.json"),
                    Catch::Contains("f.json: layers[0].conv_class = \"wide\": not a conv class"));
  j = good;
  j["suggestions"][0]["gain"]["low"] = nullptr;
  CHECK_THROWS_WITH(advice_from_json(j, "f.json"), Catch::Contains("f.json: suggestions[0].gain.high"));
  j = good;
  j.erase("layers");
  CHECK_THROWS_WITH(advice_from_json(j, "f.json"), Catch::Contains("f.json: layers: missing required field"));

  const fs::path dir = fs::temp_directory_path() / ("cpx_advice_doc_bad_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  j = good;
  j["local_search"]["evaluations"] = -3;
  write_file_atomic((dir / "bad.json").string(), j.dump());
  const test::CliRun rep = test::cli("report " + (dir / "bad.json").string() + " --out " + (dir / "out").string());
  CHECK(rep.exit_code == 2);
  CHECK(rep.err.find("bad.json: local_search.evaluations = -3: out of range") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out"));
  fs::remove_all(dir);
}

TEST_CASE("advise --apply says how to time the gain it predicted: the original against the written network",
          "[advise]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("cpx_advice_measure_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const test::CliRun r =
      test::cli("advise mobilenetv2-1.0 --device pi5 --evaluations 20 --top 1 --apply s1 --out " + dir.string());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("measure: cpubone-explore measure mobilenetv2-1.0 --against " +
                                    (dir / "advised.json").string() + " --threads 4"));
  fs::remove_all(dir);
}

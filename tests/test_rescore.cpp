// validate --rescore: the predictor as it is now, scored on an earlier validate's times, measuring nothing.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "documents.hpp"
#include "predictor/features.hpp"
#include "predictor/fit.hpp"
#include "predictor/validate/validate.hpp"
#include "space/error.hpp"

using namespace cpx;
namespace fs = std::filesystem;

namespace {

// $CPX_HOME for the scope of one test: a directory holding the shipped host model as the host predictor
// and the small profile as the profile it names.
struct Home {
  fs::path dir = fs::temp_directory_path() / ("cpx_rescore_" + std::to_string(::getpid()));
  std::string before = std::getenv("CPX_HOME") ? std::getenv("CPX_HOME") : "";
  Home() {
    fs::create_directories(dir / "devices");
    std::ofstream(dir / "devices/host.predictor.json") << test::shipped_predictor().dump();
    std::ofstream(dir / "devices/host.json") << test::small_profile().dump();
    ::setenv("CPX_HOME", dir.c_str(), 1);
  }
  ~Home() {
    before.empty() ? ::unsetenv("CPX_HOME") : ::setenv("CPX_HOME", before.c_str(), 1);
    fs::remove_all(dir);
  }
  fs::path write(const Json& j, const std::string& name) const {
    std::ofstream(dir / name) << j.dump();
    return dir / name;
  }
};

// rescore on this machine, as the file it writes (what `validate --rescore --json` prints).
Json rescored(const std::string& validation_path) {
  return predictor::to_json(predictor::rescore("host", validation_path));
}

}  // namespace

TEST_CASE("rescore predicts every network anew and scores it against the file's own times") {
  const Home home;
  const predictor::Predictor p = predictor::predictor_from_json(test::shipped_predictor(), "shipped");
  Json run = test::small_validation(4);
  // Every other network measured 25% slower than predicted, the rest as predicted (rounds ±1% around it);
  // each op at its predicted time, except pointwise convs, measured at twice theirs.
  const auto nets = [&] {
    std::vector<Network> out;
    for (const auto& e : zoo()) out.push_back(e.build(0));
    for (uint64_t s = 1; s <= 4; ++s) out.push_back(predictor::ood_network(s).network);
    return out;
  }();
  REQUIRE(nets.size() == run["rows"].size());
  size_t slow = 0;
  for (size_t i = 0; i < nets.size(); ++i) {
    const predictor::NetworkPrediction pred = predictor::predict(p, nets[i], 1);
    const double us = pred.latency_us * (i % 2 ? 1.25 : 1.0);
    slow += i % 2;
    run["rows"][i]["measured_round_medians_us"] = {us * 0.99, us, us * 1.01};
    Json ops = Json::array();
    for (const auto& op : pred.ops)
      ops.push_back(op.fused_into
                        ? Json(nullptr)
                        : Json(op.latency_us * (op.op_class == predictor::OpClass::conv_pointwise ? 2.0 : 1.0)));
    run["rows"][i]["ops_measured_us"] = ops;
  }
  const fs::path file = home.write(run, "run.json");
  const Json r = rescored(file.string());

  CHECK(r["rescored"]["from"] == file.string());
  CHECK(r["environment"] == run["environment"]);  // where the times were measured, not here
  REQUIRE(r["rows"].size() == nets.size());
  for (size_t i = 0; i < nets.size(); ++i) {
    const Json& row = r["rows"][i];
    INFO(row["network"]);
    CHECK(row["predicted_us"].get<double>() == Approx(predictor::predict(p, nets[i], 1).latency_us).epsilon(1e-12));
    CHECK(row["measured_us"].get<double>() ==
          Approx(run["rows"][i]["measured_round_medians_us"][1].get<double>()).epsilon(1e-12));
    CHECK(row["error"].get<double>() == Approx(i % 2 ? 1 / 1.25 - 1 : 0.0).margin(1e-9));
    // The baselines stay those the run was scored with: fixed references for every predictor rescored.
    CHECK(row["quadratic_baseline_us"] == 900.0);
    CHECK(row["params_baseline_us"] == 700.0);
  }
  const size_t in_distribution = zoo().size();
  const size_t slow_in = in_distribution / 2;  // odd indices below the zoo's size
  CHECK(r["in_distribution"]["predictor"]["within_10pct"].get<double>() ==
        Approx(static_cast<double>(in_distribution - slow_in) / static_cast<double>(in_distribution)));
  // Its two parts apart: the zoo (every other network slow) and no sampled networks.
  CHECK(r["in_distribution"]["by_set"]["zoo"] == r["in_distribution"]["predictor"]);
  CHECK_FALSE(r["in_distribution"]["by_set"].contains("sampled"));
  CHECK(r["out_of_distribution"]["networks"] == 4);
  CHECK(r["out_of_distribution"]["predictor"]["within_10pct"].get<double>() ==
        Approx(static_cast<double>(4 - (slow - slow_in)) / 4));
  // Per op class: pointwise convs predicted at half their time, every other class exactly.
  for (const Json& c : r["in_distribution"]["op_classes"]) {
    INFO(c["op_class"]);
    CHECK(c["sum_ratio"].get<double>() == Approx(c["op_class"] == "conv_pointwise" ? 0.5 : 1.0));
  }
  // Rescoring what rescore wrote gives the same figures: the times survive the round trip.
  const Json again = rescored(home.write(r, "again.json").string());
  CHECK(again["in_distribution"] == r["in_distribution"]);
  CHECK(again["out_of_distribution"] == r["out_of_distribution"]);
  CHECK(again["rows"] == r["rows"]);
}

TEST_CASE("validate brings each round to the profile's speed by the reference timed around it") {
  const Home home;
  Json profile = test::small_profile();
  profile["machine_speed"] = {{"reference", profiler::speed_reference},
                              {"samples", {{{"elapsed_s", 0.0}, {"threads", 1}, {"latency_us", 500.0}}}}};
  home.write(profile, "devices/host.json");
  const predictor::Predictor p = predictor::predictor_from_json(test::shipped_predictor(), "shipped");
  Json run = test::small_validation(1);
  // Every network takes its predicted time at the profile's speed, but the machine ran 20% slower in two
  // of the three rounds, and the reference timed around each round saw it. The run's reference median is
  // the profile's, so one global ratio cannot take the drift out; the per-round one can.
  run["machine_noise"]["reference_us"] = {500.0, 500.0, 500.0, 600.0};
  for (size_t i = 0; i < run["rows"].size(); ++i) {
    Json& row = run["rows"][i];
    const Network net = i < zoo().size() ? zoo()[i].build(0) : predictor::ood_network(1).network;
    const double us = predictor::predict(p, net, 1).latency_us;
    row["measured_round_medians_us"] = {us * 1.2, us, us * 1.2};
    row["measured_round_reference_us"] = {600.0, 500.0, 600.0};
  }
  const Json r = rescored(home.write(run, "run.json").string());
  for (const char* set : {"in_distribution", "out_of_distribution"}) {
    INFO(set);
    CHECK(r[set]["predictor"]["mape"].get<double>() == Approx(1 - 1 / 1.2));
    CHECK(r[set]["predictor_at_measured_speed"]["mape"].get<double>() == Approx(1 - 1 / 1.2));
    CHECK(r[set]["predictor_at_local_speed"]["mape"].get<double>() == Approx(0).margin(1e-9));
  }
  CHECK(r["rows"][0]["measured_round_reference_us"] == run["rows"][0]["measured_round_reference_us"]);

  // A row whose reference times are not one per round, or that lacks them, is an error naming the field.
  const auto error_of = [&](const Json& bad) {
    try {
      rescored(home.write(bad, "bad.json").string());
    } catch (const InputError& e) { return std::string(e.what()); }
    return std::string("no error");
  };
  Json bad = run;
  bad["rows"][1]["measured_round_reference_us"] = {600.0, 500.0};
  CHECK_THAT(error_of(bad),
             Catch::Contains("rows[1].measured_round_reference_us = 2") && Catch::Contains("one time per round"));
  bad = run;
  bad["rows"][1].erase("measured_round_reference_us");
  CHECK_THAT(error_of(bad), Catch::EndsWith("bad.json: rows[1].measured_round_reference_us: missing required field"));
}

TEST_CASE("rescore refuses measurements of networks that are not the ones its seeds build now") {
  const Home home;
  Json run = test::small_validation();
  run["ood_seed"] = 2;  // the file says seed 2, its last row measured seed 1's network
  const auto error = [&] {
    try {
      rescored(home.write(run, "run.json").string());
    } catch (const InputError& e) { return std::string(e.what()); }
    return std::string("no error");
  }();
  CHECK(error.find("run.json: rows[" + std::to_string(zoo().size()) +
                   "].network = \"ood-1\": expected network \"ood-2\"") != std::string::npos);
  // Files before 2026-11-24 called the reference's times reference_round_us: no longer read (one reader per
  // format), and refused naming the field the reader needs.
  Json old = test::small_validation();
  old["machine_noise"]["reference_round_us"] = {400.0, 440.0};
  old["machine_noise"].erase("reference_us");
  CHECK_THROWS_WITH(rescored(home.write(old, "old.json").string()),
                    Catch::Contains("old.json: machine_noise.reference_us"));
  CHECK_THROWS_AS(predictor::rescore("pi5", home.write(test::small_validation(), "run.json").string()), InputError);
}

TEST_CASE("the zoo's families split in two fixed halves, and validate scores the fitted half on its own") {
  // The split is a hash of the family name: predictor files and validate runs on any machine and build
  // agree on it. These are the families fit --zoo-families half fits on.
  std::set<std::string> fitted, all;
  for (const auto& e : zoo()) {
    all.insert(e.family);
    if (predictor::zoo_family_fitted(e.family)) fitted.insert(e.family);
  }
  CHECK(fitted == std::set<std::string>{"ConvNeXt", "CycleMLP", "EfficientMod", "FastViT", "LowFormer", "MixNet",
                                        "MobileNeXt", "MobileNetV2", "MobileViT", "PoolFormer", "ResNet", "Swin"});
  CHECK(all.size() > 2 * fitted.size() - 4);  // about half: 12 of 26 when written
  CHECK_FALSE(predictor::zoo_family_fitted("CPUBone"));

  // A predictor whose provenance says it fitted MobileNetV2's zoo networks: those rows are zoo_fitted, scored
  // apart, and in neither held-out set.
  const Home home;
  Json fitted_on_mobilenetv2 = test::shipped_predictor();
  fitted_on_mobilenetv2["provenance"]["zoo_families_fitted"] = {"MobileNetV2"};
  std::ofstream(home.dir / "devices/host.predictor.json") << fitted_on_mobilenetv2.dump();
  const Json r = rescored(home.write(test::small_validation(), "run.json").string());
  size_t mobilenetv2 = 0;
  for (const auto& e : zoo()) mobilenetv2 += e.family == "MobileNetV2";
  CHECK(r["zoo_networks_fitted"] == mobilenetv2);
  CHECK(r["zoo_fitted"]["networks"] == mobilenetv2);
  CHECK(r["in_distribution"]["networks"] == zoo().size() - mobilenetv2);
  for (const Json& row : r["rows"])
    CHECK((row["set"] == "zoo_fitted") == (row["network"].get<std::string>().rfind("mobilenetv2", 0) == 0));
}

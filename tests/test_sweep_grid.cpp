// The profile's sweep is a hand-written list of what to time. A new op kind that nobody adds to it is never
// measured alone, and fit then learns it only from whole networks, if at all: this test fails until each
// kind of the registry is timed by the grid's blocks or single ops, or is named below with the reason.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "profiler/profile/fusion.hpp"
#include "profiler/profile/rules.hpp"
#include "profiler/profile/sweep_grid.hpp"
#include "space/op.hpp"

using namespace cpx;
using namespace cpx::profiler;

TEST_CASE("every op kind is timed alone by the profile's sweep or named as not timed with the reason") {
  // Kinds the sweep's grid and single ops leave out on purpose: kind -> why.
  const std::map<std::string, std::string> not_swept{
      {std::string(Reshape::kind),
       "runs as a view of its input (profiler::runs_as_view): no time of its own, and fit learns none"},
      {std::string(ClassToken::kind),
       "imported from ViT only, once per network: predicted as data movement (a copy of its input) "
       "and named as uncalibrated work until a profile times it"},
      {std::string(WindowPartition::kind),
       "imported from Swin and MaxViT only (the zoo's Swin approximates its windows): predicted as data "
       "movement (a copy of its input) and named as uncalibrated work until a profile times it"}};
  std::set<std::string> swept;
  for (const SweepItem& item : sweep_work(false, {1}, 0)) {
    if (item.section != "configs" && item.section != "ops") continue;
    for (const Op& op : item.network().ops) swept.insert(std::string(op.kind()));
  }
  CHECK(profiler::runs_as_view(Reshape{}));  // the excuse below holds
  for (const std::string_view kind : op_kinds()) {
    INFO("op kind " << kind);
    const bool timed = swept.count(std::string(kind)) > 0;
    const bool excused = not_swept.count(std::string(kind)) > 0;
    CHECK(timed != excused);  // timed, or excused; an excuse for a kind the sweep times is stale
  }
}

TEST_CASE("the rules text prints each claim's measured figures rounded and named, never as raw JSON") {
  cpx::profiler::DesignRules rules;
  rules.complete = true;
  rules.claims.push_back(
      {4, 1, "2x2 kernels", "+42%",
       cpx::Json::parse(
           R"({"measured_macps_change_pct": {"dwconv": -30.29527520890285, "fumbconv": -4.660161854342881}})")});
  rules.claims.push_back({3, 1, "crossover", "C = 256", cpx::Json::parse(R"({
      "measured_crossover": [{"resolution": 7, "latency_crossover_channels": 128, "macps_crossover_channels": null}],
      "measured_macs_ratio": 0.7584905660377359})")});
  const std::string text = cpx::profiler::format_rules(rules);
  CHECK(text.find("measured: macps_change_pct (dwconv -30.3 %, fumbconv -4.7 %)") != std::string::npos);
  CHECK(text.find("crossover resolution 7, latency_crossover_channels 128, macps_crossover_channels none") !=
        std::string::npos);
  CHECK(text.find("macs_ratio 0.758") != std::string::npos);
  CHECK(text.find('{') == std::string::npos);
  CHECK(text.find("0.7584905660377359") == std::string::npos);
}

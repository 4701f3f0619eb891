// The explorer: the search space holds CPUBone B0-B3 exactly, the accuracy proxy and its penalties, the
// Pareto and hypervolume arithmetic, and the search itself on the shipped pi5 device.
#include <catch2/catch.hpp>

#include "error_of.hpp"

#include <cmath>

#include "explorer/accuracy.hpp"
#include "explorer/search.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::explorer;

namespace {

predictor::Predictor pi5() {
  const std::string path = std::string(CPX_SOURCE_DIR) + "/predictor/devices/pi5.json";
  return predictor::predictor_from_json(read_json_file(path), path);
}

Candidate point(double latency_us, double objective) {
  Candidate c;
  c.valid = true;
  c.latency_us = latency_us;
  c.objective = objective;
  return c;
}


}  // namespace

TEST_CASE("CPUBone B0 to B3 are points of the default space and rebuild with the zoo's exact params and MACs") {
  const SearchSpace space = SearchSpace::defaults();
  for (const char* name : {"b0", "b1", "b2", "b3", "nano", "t0", "s0"}) {
    INFO(name);
    const ZooEntry* e = find_zoo(name);
    const Genome g = space.encode(*e->macro);
    const NetworkCount rebuilt = count(expand(space.decode(g, name), name));
    const NetworkCount zoo_count = count(e->build(0));
    CHECK(rebuilt.total.params == zoo_count.total.params);
    CHECK(rebuilt.total.macs == zoo_count.total.macs);
    CHECK(space.encode(space.decode(g, name)) == g);
  }
}

TEST_CASE("a network outside the space is refused with the dimension and value that are missing") {
  Json j = SearchSpace::defaults().to_json();
  j["dimensions"]["stages[4].width"] = {128, 192};
  const SearchSpace narrow = SearchSpace::from_json(j, "narrow.json");
  const std::string msg = error_of([&] { narrow.encode(*find_zoo("b0")->macro); });
  CHECK(msg.find("stages[4].width = 256") != std::string::npos);
  CHECK(error_of([&] { SearchSpace::defaults().encode(*find_zoo("b1-transposed")->macro); }).find("differs from the released") != std::string::npos);
}

TEST_CASE("a search-space file restricts or widens dimensions and rejects what it cannot mean") {
  auto load = [](Json dims) {
    return SearchSpace::from_json({{"schema", "cpubone-explore/search-space/v1"}, {"dimensions", dims}}, "s.json");
  };
  const SearchSpace s = load({{"resolution", {192, 224, 256}}, {"stages[3].local_groups", {2}}});
  CHECK(s.size() == SearchSpace::defaults().size() * 3 / 4);
  CHECK(SearchSpace::from_json(s.to_json(), "again.json").to_json() == s.to_json());
  CHECK(error_of([&] { load({{"stages[9].width", {8}}}); }).find("s.json: dimensions.stages[9].width") == 0);
  CHECK(error_of([&] { load({{"stages[1].groups", {2, 2}}}); }).find("listed twice") != std::string::npos);
  CHECK(error_of([&] { load({{"stages[1].groups", {0}}}); }).find("s.json: dimensions.stages[1].groups[0] = 0") == 0);
  CHECK(error_of([&] { load({{"stages[1].block", {"conv"}}}); }).find("expected \"fumbconv\"") != std::string::npos);
  CHECK(error_of([&] { load({{"resolution", Json::array()}}); }).find("expected a list") != std::string::npos);
  CHECK(error_of([&] {
          SearchSpace::from_json({{"schema", "cpubone-explore/search-space/v0"}, {"dimensions", Json::object()}}, "old.json");
        }).find("old.json: schema") == 0);
}

TEST_CASE("every random point of the default space either builds or says why not") {
  const SearchSpace space = SearchSpace::defaults();
  std::mt19937_64 rng(7);
  int built = 0;
  for (int i = 0; i < 200; ++i) {
    const Genome g = space.random(rng);
    try {
      const Network net = expand(space.decode(g, "r"), "r");
      CHECK(count(net).total.macs > 0);
      ++built;
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).size() > 0);
    }
  }
  CHECK(built > 150);
}

TEST_CASE("the grouping penalty is the paper's ablation, weighted by the MACs of grouped convs") {
  Macro m = *find_zoo("b0")->macro;
  const Network g2 = expand(m, "g2");
  CHECK(capacity(g2, count(g2)).grouping_penalty_pp == 0);
  auto set_groups = [&](int64_t g) {
    Macro x = m;
    for (auto& s : x.stages) {
      for (auto* b : {&s.block, &s.down})
        if (*b && std::holds_alternative<FuMBConv>(**b)) std::get<FuMBConv>(**b).groups = g;
      if (s.block && std::holds_alternative<CPUBoneBlock>(*s.block)) std::get<CPUBoneBlock>(*s.block).local_groups = g;
    }
    const Network net = expand(x, "g");
    return capacity(net, count(net)).grouping_penalty_pp;
  };
  CHECK(set_groups(4) == Approx(0.3));
  CHECK(set_groups(8) == Approx(0.7));
}

TEST_CASE("the Pareto front keeps only non-dominated feasible points, fastest first") {
  std::vector<Candidate> all{point(3, 70), point(1, 60), point(2, 65), point(2.5, 64), point(1, 59)};
  Candidate infeasible = point(0.5, 90);
  infeasible.violation = 0.2;
  all.push_back(infeasible);
  const auto f = pareto_front(all);
  REQUIRE(f.size() == 3);
  CHECK(f[0].latency_us == 1);
  CHECK(f[1].objective == 65);
  CHECK(f[2].objective == 70);
}

TEST_CASE("hypervolume is the area dominated up to the reference point") {
  // Two points (1 us, 3) and (2 us, 5) against (4 us, 0): 1·3 + 2·5 = 13.
  CHECK(hypervolume({point(1, 3), point(2, 5)}, 4, 0) == Approx(13));
  CHECK(hypervolume({point(5, 3)}, 4, 0) == 0);
  CHECK(hypervolume({}, 4, 0) == 0);
}

TEST_CASE("the search is reproducible, beats random search and finds configurations dominating B0 on pi5") {
  const SearchSpace space = SearchSpace::defaults();
  const predictor::Predictor p = pi5();
  const AccuracyModel acc = fit_proxy();
  SearchOptions o;
  o.evaluations = 3000;
  for (const char* b : {"b0", "b1", "b2", "b3"}) o.seeds.push_back(space.encode(*find_zoo(b)->macro));
  Evaluator e1(space, p, acc, 1, {}), e2(space, p, acc, 1, {}), er(space, p, acc, 1, {});
  const SearchResult a = nsga2(e1, o), b = nsga2(e2, o), r = random_search(er, o);
  REQUIRE(a.front.size() == b.front.size());
  for (size_t i = 0; i < a.front.size(); ++i) CHECK(a.front[i].genome == b.front[i].genome);
  CHECK(a.evaluations == 3000);
  CHECK(r.evaluations == 3000);

  const Candidate& b0 = e1.evaluate(o.seeds[0]);
  double worst = INFINITY;
  for (const auto* f : {&a.front, &r.front})
    for (const auto& c : *f) worst = std::min(worst, c.objective);
  CHECK(hypervolume(a.front, 60e3, worst) > hypervolume(r.front, 60e3, worst));  // 60 ms
  const bool dominated = std::any_of(a.front.begin(), a.front.end(), [&](const Candidate& c) {
    return c.latency_us < b0.latency_us && c.objective >= b0.objective;
  });
  CHECK(dominated);
}

TEST_CASE("constraints make violating candidates infeasible, and they never reach the front") {
  const SearchSpace space = SearchSpace::defaults();
  const predictor::Predictor p = pi5();
  const AccuracyModel acc = fit_proxy();
  Constraints c;
  c.max_params = 8e6;
  Evaluator e(space, p, acc, 1, c);
  SearchOptions o;
  o.evaluations = 800;
  const SearchResult r = nsga2(e, o);
  REQUIRE(!r.front.empty());
  for (const auto& x : r.front) CHECK(x.params <= 8e6);
}

TEST_CASE("evaluating a candidate unit by unit gives exactly what the whole network gives") {
  const SearchSpace space = SearchSpace::defaults();
  const predictor::Predictor p = pi5();
  const AccuracyModel acc = fit_proxy();
  Evaluator units(space, p, acc, 1, {}), whole(space, p, acc, 1, {}, false);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 150; ++i) {
    const Genome g = space.random(rng);
    const Candidate& a = units.evaluate(g);
    const Candidate& b = whole.evaluate(g);
    REQUIRE(a.valid == b.valid);
    if (!a.valid) continue;
    CHECK(a.params == b.params);
    CHECK(a.macs == b.macs);
    CHECK(a.latency_us == Approx(b.latency_us).epsilon(1e-9));
    CHECK(a.objective == Approx(b.objective).epsilon(1e-12));
    CHECK(a.outside_trust == Approx(b.outside_trust).margin(1e-12));
  }
}

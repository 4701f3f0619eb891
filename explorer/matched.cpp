#include "explorer/matched.hpp"

#include <algorithm>

namespace cpx::explorer {

SearchSpace capacity_matched_space(const SearchSpace& space, const Genome& baseline, const std::string& name) {
  const auto& dims = space.dimensions();
  auto value = [&](const std::string& dim) -> const Json& {
    for (size_t i = 0; i < dims.size(); ++i)
      if (dims[i].name == dim) return dims[i].values[baseline[i]];
    throw std::logic_error("no dimension " + dim);
  };
  Json j = space.to_json();
  j["name"] = name;
  Json& d = j["dimensions"];
  auto fix = [&](const std::string& dim) { d[dim] = Json::array({value(dim)}); };
  for (const char* dim : {"resolution", "head"}) fix(dim);
  for (size_t i = 0; i < 5; ++i) {
    const std::string s = "stages[" + std::to_string(i) + "].";
    fix(s + "width");
    fix(s + "blocks");
    if (i <= 2) {
      if (value(s + "blocks") == 0) {
        // No repeated block: its choices build nothing, and would only multiply the points.
        for (const char* f : {"block", "kernel", "groups", "expansion"}) fix(s + f);
      } else if (value(s + "block") == "pconv") {
        fix(s + "block");
        fix(s + "groups");  // pconv has no groups
      } else {
        Json fused_or_not = Json::array();
        for (const Json& v : d[s + "block"])
          if (v != "pconv") fused_or_not.push_back(v);
        d[s + "block"] = fused_or_not;
      }
    }
    if (i >= 3) {
      fix(s + "attention");
      if (value(s + "attention") == false) fix(s + "attention_stride");
    }
  }
  return SearchSpace::from_json(j, name);
}

MatchedTier capacity_matched(const SearchSpace& space, const Genome& baseline, const std::string& baseline_name,
                             const predictor::Predictor& predictor, const AccuracyModel& accuracy, int64_t threads,
                             const MatchedOptions& o) {
  MatchedTier t;
  t.space = capacity_matched_space(space, baseline, "capacity-matched " + baseline_name);
  for (const auto& dim : t.space.dimensions())
    if (dim.values.size() > 1) t.varied.push_back(dim.name);
  const Genome base = t.space.encode(space.decode(baseline, baseline_name));

  // The baseline's capacity first, without limits, to set the window.
  Evaluator probe(t.space, predictor, accuracy, threads, {});
  t.baseline = probe.evaluate(base);
  Constraints c = o.constraints;
  auto tighter = [](const std::optional<double>& limit, double v) { return limit ? std::min(*limit, v) : v; };
  c.max_params = tighter(o.constraints.max_params, t.baseline.params * (1 + o.tolerance));
  c.max_macs = tighter(o.constraints.max_macs, t.baseline.macs * (1 + o.tolerance));
  c.min_params = t.baseline.params * (1 - o.tolerance);
  c.min_macs = t.baseline.macs * (1 - o.tolerance);
  Evaluator ev(t.space, predictor, accuracy, threads, c);

  std::vector<Candidate> front;
  if (t.space.size() <= static_cast<double>(o.evaluations)) {
    t.method = "exhaustive";
    std::vector<Candidate> all;
    Genome g(t.space.dimensions().size(), 0);
    for (;;) {
      const Candidate& x = ev.evaluate(g);
      if (x.valid) all.push_back(x);
      size_t i = 0;  // odometer
      while (i < g.size() && ++g[i] == t.space.dimensions()[i].values.size()) g[i++] = 0;
      if (i == g.size()) break;
    }
    front = pareto_front(all);
  } else {
    t.method = "NSGA-II";
    SearchOptions so;
    so.seed = o.seed;
    so.evaluations = o.evaluations;
    so.seeds = {base};
    front = nsga2(ev, so).front;
  }
  t.evaluations = ev.evaluations();
  // Genomes that build the baseline itself (e.g. another fused threshold between the same widths) are not
  // alternatives to it.
  std::erase_if(front, [&](const Candidate& x) {
    return x.latency_us == t.baseline.latency_us && x.params == t.baseline.params && x.macs == t.baseline.macs;
  });
  t.front_size = front.size();
  front.resize(std::min(front.size(), o.keep));
  t.fastest = std::move(front);
  return t;
}

}  // namespace cpx::explorer

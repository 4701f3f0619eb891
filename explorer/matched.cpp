#include "explorer/matched.hpp"

#include <algorithm>

namespace cpx::explorer {

namespace {

// Fused or unfused, the same block: the one swap of block kind that keeps capacity close (pconv is
// another block).
constexpr std::array<MacroBlock, 2> swappable_blocks{MacroBlock::fumbconv, MacroBlock::mbconv};

bool swappable(MacroBlock kind) {
  return std::find(swappable_blocks.begin(), swappable_blocks.end(), kind) != swappable_blocks.end();
}

}  // namespace

SearchSpace capacity_matched_space(const SearchSpace& space, const Genome& baseline, const std::string& name) {
  const Macro base = space.decode(baseline, name);
  Json j = space.to_json();
  j["name"] = name;
  Json& values = j["dimensions"];
  for (size_t i = 0; i < space.dimensions().size(); ++i) {
    const Dimension& d = space.dimensions()[i];
    // Capacity stays the baseline's; choices that build nothing there would only multiply the points.
    if (d.row->capacity || moot(d, base) ||
        (d.row->kind == ValueKind::block && !swappable(kind_of(*base.stages[d.stage].block)))) {
      values[d.name] = Json::array({d.values[baseline[i]]});
    } else if (d.row->kind == ValueKind::block) {
      values[d.name] = Json::array();
      for (const Json& v : d.values)
        if (swappable(v.get<MacroBlock>())) values[d.name].push_back(v);
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
    t.method = results::MatchedMethod::exhaustive;
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
    t.method = results::MatchedMethod::nsga2;
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

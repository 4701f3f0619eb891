#include "explorer/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "space/count.hpp"

namespace cpx::explorer {

Evaluator::Evaluator(const SearchSpace& space, const predictor::Predictor& predictor, const AccuracyModel& accuracy,
                     int64_t threads, Constraints constraints, bool by_units)
    : space_(space),
      predictor_(predictor),
      accuracy_(accuracy),
      threads_(threads),
      constraints_(constraints),
      by_units_(by_units) {}

namespace {

void set_accuracy(Candidate& c, const AccuracyModel& accuracy, const Capacity& cap) {
  if (accuracy.kind == AccuracyKind::macs) {
    c.objective = accuracy.objective(cap);
    return;
  }
  const Estimate e = accuracy.estimate(cap);
  c.objective = e.top1;  // also outside the support, where the violation ranks the candidate first
  c.support_distance = e.support_distance;
  c.outside_trust = e.beyond;
  if (!e.inside) return;
  c.top1 = e.top1;
  c.top1_low = e.low;
  c.top1_high = e.high;
}

}  // namespace

Domination domination(const Candidate& x, double baseline_latency_us, double baseline_top1) {
  if (!x.top1 || !x.top1_low) return Domination::none;
  auto beats = [&](double top1) {
    return (x.latency_us < baseline_latency_us && top1 >= baseline_top1) ||
           (x.latency_us <= baseline_latency_us && top1 > baseline_top1);
  };
  if (beats(*x.top1_low)) return Domination::earned;
  if (beats(*x.top1)) return Domination::promising_unproven;
  return Domination::none;
}

const char* to_string(Domination d) {
  switch (d) {
    case Domination::earned: return "earned";
    case Domination::promising_unproven: return "promising_unproven";
    case Domination::none: break;
  }
  return "none";
}

Candidate evaluate_network(const Network& net, const predictor::Predictor& predictor, const AccuracyModel& accuracy,
                           int64_t threads) {
  const Capacity cap = capacity(net, count(net));
  Candidate c;
  c.valid = true;
  c.params = cap.params;
  c.macs = cap.macs;
  c.latency_us = predictor::predict(predictor, net, threads).latency_us;
  set_accuracy(c, accuracy, cap);
  return c;
}

void Evaluator::evaluate_whole(Candidate& c, const Macro& m) {
  Genome g = std::move(c.genome);
  c = evaluate_network(expand(m, "candidate"), predictor_, accuracy_, threads_);
  c.genome = std::move(g);
}

void Evaluator::evaluate_units(Candidate& c, const Macro& m) {
  ShapeNhwc shape{m.batch, m.resolution, m.resolution, m.in_channels};
  CapacitySums sums;
  double latency_us = 0, weights_credit_us = 0, bytes = 0;
  // A unit's ops are decided by the genes that decode() reads for it and by its input shape.
  auto unit = [&](char kind, const std::vector<size_t>& genes,
                  const std::function<std::string(NetworkBuilder&)>& build) {
    std::string key(1, kind);
    for (int64_t v : {shape.n, shape.h, shape.w, shape.c}) key.append(reinterpret_cast<const char*>(&v), sizeof v);
    for (size_t gi : genes) key.append(reinterpret_cast<const char*>(&c.genome[gi]), sizeof(uint16_t));
    auto [it, inserted] = units_.try_emplace(std::move(key));
    Unit& u = it->second;
    if (inserted) {
      try {
        NetworkBuilder b("unit", "", shape, Where("candidate"));
        const std::string out = build(b);
        const Network net = std::move(b).finish(out);
        // Predicted as a part of a network small enough for the warm-weights credit, which is given
        // back below unless the whole candidate is.
        const auto pred = predictor::predict(predictor_, net, threads_, 0.0);
        if (!overhead_us_) overhead_us_ = pred.overhead_us;
        u.latency_us = pred.latency_us - pred.overhead_us + pred.weights_credit_us;
        u.weights_credit_us = pred.weights_credit_us;
        const NetworkCount counts = count(net);
        u.bytes = static_cast<double>(counts.bytes);
        u.sums = capacity_sums(net, counts);
        u.out = net.shapes.back();
      } catch (const InputError& e) { u.error = e.what(); }
    }
    if (!u.error.empty()) throw InputError(u.error);
    latency_us += u.latency_us;
    weights_credit_us += u.weights_credit_us;
    bytes += u.bytes;
    sums += u.sums;
    shape = u.out;
  };
  const std::string in(input_tensor);
  unit('S', space_.stem_genes(), [&](NetworkBuilder& b) { return expand_stem(b, m, in); });
  for (size_t i = 0; i < m.stages.size(); ++i) {
    const Stage& s = m.stages[i];
    if (s.down)
      unit('D', space_.down_genes(i),
           [&](NetworkBuilder& b) { return expand_block(b, *s.down, in, "down", s.width, s.down_stride, false); });
    for (int64_t d = 0; d < s.depth; ++d)
      unit('B', space_.block_genes(i),
           [&](NetworkBuilder& b) { return expand_block(b, *s.block, in, "block", s.width, 1, true); });
  }
  unit('H', space_.head_genes(), [&](NetworkBuilder& b) { return expand_head(b, m, Where("candidate"), in); });
  const Capacity cap = sums.finish(m.resolution, m.family);
  c.params = cap.params;
  c.macs = cap.macs;
  c.latency_us = latency_us + *overhead_us_ - (predictor_.warm_weights_for(threads_, bytes) ? weights_credit_us : 0.0);
  set_accuracy(c, accuracy_, cap);
}

const Candidate& Evaluator::evaluate(const Genome& g) {
  ++lookups_;
  std::string key(reinterpret_cast<const char*>(g.data()), g.size() * sizeof(uint16_t));
  auto [it, inserted] = cache_.try_emplace(std::move(key));
  if (!inserted) return it->second;
  ++evaluations_;
  Candidate& c = it->second;
  c.genome = g;
  try {
    const Macro m = space_.decode(g, "candidate");
    if (by_units_) evaluate_units(c, m);
    else evaluate_whole(c, m);
    c.valid = true;
  } catch (const InputError& e) {
    c.invalid_reason = e.what();
    return c;
  }
  auto excess = [](double v, const std::optional<double>& limit) { return limit && v > *limit ? v / *limit - 1 : 0.0; };
  auto shortfall = [](double v, const std::optional<double>& limit) {
    return limit && v < *limit ? 1 - v / *limit : 0.0;
  };
  c.violation = excess(c.latency_us, constraints_.max_latency_us) + excess(c.params, constraints_.max_params) +
                excess(c.macs, constraints_.max_macs) + shortfall(c.params, constraints_.min_params) +
                shortfall(c.macs, constraints_.min_macs) + c.outside_trust;
  return c;
}

namespace {

// Constrained domination (Deb): feasible beats infeasible, less violation beats more, else Pareto.
bool dominates(const Candidate& a, const Candidate& b) {
  if (a.valid != b.valid) return a.valid;
  if (a.violation != b.violation) return a.violation < b.violation;
  return a.latency_us <= b.latency_us && a.objective >= b.objective &&
         (a.latency_us < b.latency_us || a.objective > b.objective);
}

struct Ranked {
  const Candidate* c;
  int rank = 0;
  double crowding = 0;
};

// Fast non-dominated sort and crowding distance, in place.
void rank_and_crowd(std::vector<Ranked>& pop) {
  const size_t n = pop.size();
  for (Ranked& r : pop) r.crowding = 0;
  std::vector<std::vector<size_t>> dominated(n);
  std::vector<int> count(n, 0);
  std::vector<size_t> front;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      if (dominates(*pop[i].c, *pop[j].c)) dominated[i].push_back(j);
      else if (dominates(*pop[j].c, *pop[i].c)) ++count[i];
    }
    if (count[i] == 0) front.push_back(i);
  }
  int rank = 0;
  while (!front.empty()) {
    // Crowding distance within this front, on both objectives.
    for (int objective = 0; objective < 2; ++objective) {
      auto value = [&](size_t i) { return objective == 0 ? pop[i].c->latency_us : pop[i].c->objective; };
      std::sort(front.begin(), front.end(), [&](size_t a, size_t b) { return value(a) < value(b); });
      const double span = value(front.back()) - value(front.front());
      pop[front.front()].crowding = pop[front.back()].crowding = INFINITY;
      for (size_t k = 1; k + 1 < front.size(); ++k)
        if (span > 0) pop[front[k]].crowding += (value(front[k + 1]) - value(front[k - 1])) / span;
    }
    std::vector<size_t> next;
    for (size_t i : front) {
      pop[i].rank = rank;
      for (size_t j : dominated[i])
        if (--count[j] == 0) next.push_back(j);
    }
    front = std::move(next);
    ++rank;
  }
}

bool better(const Ranked& a, const Ranked& b) { return a.rank != b.rank ? a.rank < b.rank : a.crowding > b.crowding; }

class Clock {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::vector<Candidate> evaluated_valid(const std::vector<const Candidate*>& all) {
  std::vector<Candidate> out;
  for (const Candidate* c : all)
    if (c->valid) out.push_back(*c);
  return out;
}

}  // namespace

Genome Problem::random(std::mt19937_64& rng) const {
  Genome g(genes());
  for (size_t i = 0; i < g.size(); ++i)
    g[i] = static_cast<uint16_t>(std::uniform_int_distribution<size_t>(0, options(i) - 1)(rng));
  return g;
}

SearchResult nsga2(Problem& ev, const SearchOptions& o) {
  const Clock clock;
  const size_t n_dims = ev.genes();
  std::mt19937_64 rng(o.seed);
  const int64_t start = ev.evaluations();
  auto spent = [&] { return ev.evaluations() - start; };
  auto out_of_time = [&] { return o.max_seconds > 0 && clock.seconds() > o.max_seconds; };
  std::vector<const Candidate*> archive;
  auto evaluate = [&](const Genome& g) {
    const int64_t before = ev.evaluations();
    const Candidate* c = &ev.evaluate(g);
    if (ev.evaluations() > before) archive.push_back(c);
    return c;
  };

  std::vector<Ranked> pop;
  for (const Genome& g : o.seeds) pop.push_back({evaluate(g)});
  for (int guard = 0; static_cast<int64_t>(pop.size()) < o.population && guard < 100 * o.population; ++guard)
    pop.push_back({evaluate(ev.random(rng))});
  rank_and_crowd(pop);

  SearchResult r;
  std::uniform_real_distribution<double> unit(0, 1);
  const double p_mutate = 2.0 / static_cast<double>(n_dims);
  int64_t stale = 0;  // generations without a new genome: the space is exhausted
  while (spent() < o.evaluations && !out_of_time() && stale < 50) {
    const int64_t before = ev.evaluations();
    auto tournament = [&]() -> const Ranked& {
      std::uniform_int_distribution<size_t> pick(0, pop.size() - 1);
      const Ranked& a = pop[pick(rng)];
      const Ranked& b = pop[pick(rng)];
      return better(a, b) ? a : b;
    };
    std::vector<Ranked> next = pop;
    for (int64_t k = 0; k < o.population && spent() < o.evaluations; ++k) {
      const Genome& a = tournament().c->genome;
      const Genome& b = tournament().c->genome;
      Genome child = a;
      if (unit(rng) < 0.9)
        for (size_t i = 0; i < n_dims; ++i)
          if (unit(rng) < 0.5) child[i] = b[i];
      for (size_t i = 0; i < n_dims; ++i) {
        const size_t options = ev.options(i);
        if (options < 2 || unit(rng) >= p_mutate) continue;
        // Half the mutations step to a neighbouring value (the lists are ordered), half jump anywhere.
        if (unit(rng) < 0.5) {
          const int step = unit(rng) < 0.5 ? -1 : 1;
          child[i] = static_cast<uint16_t>(std::clamp<int>(child[i] + step, 0, static_cast<int>(options) - 1));
        } else {
          child[i] = static_cast<uint16_t>(std::uniform_int_distribution<size_t>(0, options - 1)(rng));
        }
      }
      next.push_back({evaluate(child)});
    }
    rank_and_crowd(next);
    std::sort(next.begin(), next.end(), better);
    // Duplicates (the same candidate twice) would crowd the population; keep one of each.
    std::vector<Ranked> unique;
    for (const Ranked& x : next)
      if (std::none_of(unique.begin(), unique.end(), [&](const Ranked& u) { return u.c == x.c; })) unique.push_back(x);
    unique.resize(std::min(unique.size(), static_cast<size_t>(o.population)));
    pop = std::move(unique);
    rank_and_crowd(pop);
    ++r.generations;
    stale = ev.evaluations() == before ? stale + 1 : 0;
    if (o.progress) o.progress(spent(), o.evaluations);
  }
  r.front = pareto_front(evaluated_valid(archive));
  r.evaluations = spent();
  r.lookups = ev.lookups();
  r.seconds = clock.seconds();
  r.stopped_by_time = out_of_time();
  return r;
}

SearchResult random_search(Problem& ev, const SearchOptions& o) {
  const Clock clock;
  std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ull);
  const int64_t start = ev.evaluations();
  std::vector<const Candidate*> archive;
  for (int64_t guard = 0; ev.evaluations() - start < o.evaluations && guard < 20 * o.evaluations; ++guard) {
    if (o.max_seconds > 0 && clock.seconds() > o.max_seconds) break;
    const int64_t before = ev.evaluations();
    const Candidate* c = &ev.evaluate(ev.random(rng));
    if (ev.evaluations() > before) archive.push_back(c);
  }
  SearchResult r;
  r.front = pareto_front(evaluated_valid(archive));
  r.evaluations = ev.evaluations() - start;
  r.seconds = clock.seconds();
  return r;
}

std::vector<Candidate> pareto_front(const std::vector<Candidate>& all) {
  std::vector<const Candidate*> sorted;
  for (const Candidate& c : all)
    if (c.valid && c.violation == 0) sorted.push_back(&c);
  // Fastest first; at equal latency the better objective first, so one sweep keeps the front.
  std::sort(sorted.begin(), sorted.end(), [](const Candidate* a, const Candidate* b) {
    return a->latency_us != b->latency_us ? a->latency_us < b->latency_us : a->objective > b->objective;
  });
  std::vector<Candidate> front;
  double best = -INFINITY;
  for (const Candidate* c : sorted)
    if (c->objective > best) {
      front.push_back(*c);
      best = c->objective;
    }
  return front;
}

double hypervolume(const std::vector<Candidate>& front, double latency_ref, double objective_ref) {
  const auto f = pareto_front(front);
  double area = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i].latency_us >= latency_ref) break;
    const double next = i + 1 < f.size() ? std::min(f[i + 1].latency_us, latency_ref) : latency_ref;
    // Between this point's latency and the next one's, this point has the best objective on the front.
    area += (next - f[i].latency_us) * std::max(0.0, f[i].objective - objective_ref);
  }
  return area;
}

}  // namespace cpx::explorer

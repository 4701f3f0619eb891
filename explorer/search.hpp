// Multi-objective search over a SearchSpace: predicted latency on the target device (minimised) against
// the accuracy model's objective (maximised), with NSGA-II (non-dominated sorting, crowding distance,
// constrained domination), seeded with given genomes (CPUBone B0-B3). Same seed and evaluation budget,
// same result. Random search with the same number of evaluations is the baseline it must beat.
#pragma once

#include <functional>
#include <optional>
#include <unordered_map>

#include "explorer/accuracy.hpp"
#include "explorer/space.hpp"
#include "predictor/predictor.hpp"

namespace cpx::explorer {

struct Constraints {
  std::optional<double> max_latency_us, max_params, max_macs;
  std::optional<double> min_params, min_macs;  // the capacity-matched tier's lower bounds (explorer/matched.hpp)
};

struct Candidate {
  Genome genome;
  bool valid = false;
  std::string invalid_reason;  // why the genome does not build a network (e.g. a head dim of 0)
  double latency_us = 0, objective = 0;
  std::optional<double> top1;                 // null for "macs" and outside the accuracy model's support
  std::optional<double> top1_low, top1_high;  // its interval (AccuracyModel::interval_level)
  double params = 0, macs = 0;
  double support_distance = 0;
  double outside_trust = 0;  // how far beyond the accuracy model's support threshold (0 = inside)
  double violation = 0;      // relative excess over the constraints + outside_trust; 0 = feasible
};

// How a candidate stands against a baseline whose published top-1 is `baseline_top1`:
//  earned: faster and the LOWER end of its top-1 interval >= baseline_top1, or at equal or lower latency
//    with that lower end above baseline_top1. Only possible inside the accuracy model's support.
//  promising_unproven: the same at the point estimate only (also inside the support).
//  none: neither, or no top-1 estimate (outside the support, or the "macs" model).
enum class Domination { none, promising_unproven, earned };
Domination domination(const Candidate& x, double baseline_latency_us, double baseline_top1);
const char* to_string(Domination d);

// Latency on the device, params, MACs and the accuracy objective of one whole network (valid = true).
Candidate evaluate_network(const Network& net, const predictor::Predictor& predictor, const AccuracyModel& accuracy,
                           int64_t threads);

// What NSGA-II and random search explore: genomes of genes() genes, gene i one of options(i) values, each
// evaluated once to a Candidate (latency minimised, objective maximised, constraints as violation). The
// CPUBone search space (Evaluator) and the rewrites of one network (explorer/advise.hpp) are two.
class Problem {
 public:
  virtual ~Problem() = default;
  virtual size_t genes() const = 0;
  virtual size_t options(size_t gene) const = 0;
  virtual const Candidate& evaluate(const Genome& g) = 0;
  virtual int64_t evaluations() const = 0;  // distinct genomes evaluated
  virtual int64_t lookups() const = 0;
  // Uniform over every gene's options.
  Genome random(std::mt19937_64& rng) const;
};

// Evaluates genomes once each (a cache keyed by genome): decode, count, predict, estimate. Latency, MACs,
// params and capacity are sums over a network's units (stem, each block, head), and candidates share most
// units, so each unit is expanded, counted and predicted once per input shape and cached; `by_units`
// false expands whole networks instead (the reference the unit sums are tested against).
class Evaluator : public Problem {
 public:
  Evaluator(const SearchSpace& space, const predictor::Predictor& predictor, const AccuracyModel& accuracy,
            int64_t threads, Constraints constraints, bool by_units = true);
  size_t genes() const override { return space_.dimensions().size(); }
  size_t options(size_t gene) const override { return space_.dimensions()[gene].values.size(); }
  const Candidate& evaluate(const Genome& g) override;
  int64_t evaluations() const override { return evaluations_; }
  int64_t lookups() const override { return lookups_; }
  const SearchSpace& space() const { return space_; }

 private:
  const SearchSpace& space_;
  const predictor::Predictor& predictor_;
  const AccuracyModel& accuracy_;
  int64_t threads_;
  Constraints constraints_;
  bool by_units_;
  struct Unit {
    std::string error;  // non-empty: the unit does not build
    ShapeNhwc out;
    double latency_us = 0;         // without the per-network overhead and the warm-weights credit
    double weights_credit_us = 0;  // its credit, if the whole candidate is small enough (predictor::predict)
    double bytes = 0;
    CapacitySums sums;
  };
  std::unordered_map<std::string, Candidate> cache_;
  std::unordered_map<std::string, Unit> units_;
  std::optional<double> overhead_us_;
  int64_t evaluations_ = 0, lookups_ = 0;
  void evaluate_whole(Candidate& c, const Macro& m);
  void evaluate_units(Candidate& c, const Macro& m);
};

struct SearchOptions {
  uint64_t seed = 1;
  int64_t population = 64;
  int64_t evaluations = 20000;  // distinct genomes; the deterministic budget
  double max_seconds = 0;       // > 0: also stop when this time is up (then not reproducible)
  std::vector<Genome> seeds;    // put into the first population
  std::function<void(int64_t done, int64_t total)> progress;
};

struct SearchResult {
  std::vector<Candidate> front;  // non-dominated feasible candidates of everything evaluated, fastest first
  int64_t evaluations = 0, lookups = 0, generations = 0;
  double seconds = 0;
  bool stopped_by_time = false;
};

SearchResult nsga2(Problem& problem, const SearchOptions& options);
SearchResult random_search(Problem& problem, const SearchOptions& options);

// Non-dominated feasible subset, fastest first; of equal points only one is kept.
std::vector<Candidate> pareto_front(const std::vector<Candidate>& all);

// Area dominated by a (latency, objective) front up to the reference point (latency_ref, objective_ref):
// latency minimised, objective maximised.
double hypervolume(const std::vector<Candidate>& front, double latency_ref, double objective_ref);

}  // namespace cpx::explorer

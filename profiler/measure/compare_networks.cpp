#include "profiler/measure/compare_networks.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "profiler/measure/measure_network.hpp"
#include "profiler/profile/order_statistics.hpp"

namespace cpx::profiler {

Json to_json(const Comparison& c) {
  return Json{{"a", to_json(c.a)},
              {"b", to_json(c.b)},
              {"pairs", c.ratios.size()},
              {"ratio_b_over_a", {{"median", c.ratio_median}, {"low", c.ratio_low}, {"high", c.ratio_high}}},
              {"gain", {{"point", 1 - c.ratio_median}, {"low", 1 - c.ratio_high}, {"high", 1 - c.ratio_low}}}};
}

std::pair<size_t, size_t> median_interval_ranks(size_t n) {
  if (n < 6) return {1, std::max<size_t>(n, 1)};
  const double half = 0.5 * static_cast<double>(n), reach = 1.96 * 0.5 * std::sqrt(static_cast<double>(n));
  const auto low = static_cast<size_t>(std::max(1.0, std::floor(half - reach)));
  const auto high = static_cast<size_t>(std::min(static_cast<double>(n), std::ceil(half + reach) + 1));
  return {low, high};
}

Comparison compare_networks(const Network& a, const NetworkWeights* a_weights, const Network& b,
                            const NetworkWeights* b_weights, const NetworkRun& run) {
  check_network_run(run);  // at least one pair: the median needs one
  if (run.layers) throw InputError("layers = true: a comparison times whole networks only");
  if (run.cold_caches) throw InputError("cold_caches = true: a comparison runs with the caches as they are");
  const auto plan_a = seeded_plan(a, run.threads, run.seed, a_weights),
             plan_b = seeded_plan(b, run.threads, run.seed, b_weights);
  const MeasureOptions& o = run.timing;
  using Clock = std::chrono::steady_clock;
  for (int64_t i = 0; i < o.warmup_runs; ++i) {
    plan_a->run();
    plan_b->run();
  }
  const auto elapsed_us = [](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
  // A network's run right after its own previous run finds its weights in the caches, as `measure` times
  // it and as an application that runs it in a loop does; right after the other network's run it is slower
  // (docs/log/advise.md, 2026-11-30 f). So each turn runs its network twice and times the second.
  const auto timed = [&](Plan& p) {
    p.run();
    const auto t0 = Clock::now();
    p.run();
    return elapsed_us(Clock::now() - t0);
  };
  std::vector<double> ta, tb;
  const double wait0 = run_queue_wait_s();
  const auto start = Clock::now();
  while (static_cast<int64_t>(ta.size()) < o.max_runs &&
         (static_cast<int64_t>(ta.size()) < o.min_runs || elapsed_us(Clock::now() - start) < o.min_time_s * 1e6)) {
    if (ta.size() % 2 == 0) {
      ta.push_back(timed(*plan_a));
      tb.push_back(timed(*plan_b));
    } else {
      tb.push_back(timed(*plan_b));
      ta.push_back(timed(*plan_a));
    }
  }
  const double wall_s = elapsed_us(Clock::now() - start) * 1e-6, wait1 = run_queue_wait_s();
  Comparison c;
  for (size_t k = 0; k < ta.size(); ++k) c.ratios.push_back(tb[k] / ta[k]);
  std::vector<double> sorted = c.ratios;
  std::sort(sorted.begin(), sorted.end());
  c.ratio_median = median(sorted);
  const auto [low, high] = median_interval_ranks(sorted.size());
  c.ratio_low = sorted[low - 1];
  c.ratio_high = sorted[high - 1];
  c.a = timing_of_runs(std::move(ta), wait0, wait1, wall_s, o);
  c.b = timing_of_runs(std::move(tb), wait0, wait1, wall_s, o);
  c.a.noisy = interfered(c.a, o);
  c.b.noisy = interfered(c.b, o);
  return c;
}

}  // namespace cpx::profiler

// The profile's time budget: how each measurement's timing and each coverage round's slice follow from
// what is left of it (profiler/measure/sweep.hpp).
#include <catch2/catch.hpp>

#include "profiler/measure/sweep.hpp"

using namespace cpx::profiler;

TEST_CASE("a measurement gets its share of the budget left, within 5 ms and 0.5 s") {
  CHECK(options_within(300, 1000, 3).min_time_s == Approx(0.1));
  CHECK(options_within(300, 1000, 1).min_time_s == Approx(0.3));
  CHECK(options_within(1, 1000, 3).min_time_s == Approx(0.005));    // floor: still three runs
  CHECK(options_within(-20, 1000, 3).min_time_s == Approx(0.005));  // an overrun budget is none left
  CHECK(options_within(1e6, 10, 3).min_time_s == Approx(0.5));      // ceiling
  CHECK(options_within(300, 0, 3).min_time_s == Approx(0.5));       // no items left is one
  CHECK(options_within(300, 1000).min_runs == 3);
}

TEST_CASE("the pacer divides by the measured ratio of item time to min_time, starting from 3") {
  Pacer pacer;
  CHECK(pacer.next(300, 1000).min_time_s == Approx(0.1));  // nothing measured yet: 3x
  const MeasureOptions first = pacer.next(300, 1000);
  pacer.done(10 * first.min_time_s, first);  // items take ten times what they are given (cold evictions, plans)
  CHECK(pacer.next(300, 1000).min_time_s == Approx(0.03));
  const MeasureOptions second = pacer.next(300, 1000);
  pacer.done(0.5 * second.min_time_s, second);  // faster than given: the ratio never drops below 1
  CHECK(pacer.next(300, 1000).min_time_s == Approx(300.0 / 1000 / ((10 * 0.1 + 0.5 * 0.03) / (0.1 + 0.03))));
  Pacer quick;
  const MeasureOptions q = quick.next(300, 1000);
  quick.done(0.1 * q.min_time_s, q);
  CHECK(quick.next(300, 1000).min_time_s == Approx(0.3));
}

TEST_CASE("a coverage round that starts on time gets its 15%, a late one an equal part of what is left, at least 5%") {
  const double budget = 600;
  CHECK(coverage_slice_s(1, 2, budget, grid_share * budget) == Approx(coverage_shares[0] * budget));
  CHECK(coverage_slice_s(2, 1, budget, (grid_share + coverage_shares[0]) * budget) ==
        Approx(coverage_shares[1] * budget));
  CHECK(coverage_slice_s(1, 2, budget, 500) == Approx(50));  // the grid overran by 80 s: 100 s left for two rounds
  CHECK(coverage_slice_s(2, 1, budget, 550) == Approx(50));
  CHECK(coverage_slice_s(1, 2, budget, 590) ==
        Approx(min_coverage_share * budget));  // the adaptive round still happens
  CHECK(coverage_slice_s(2, 1, budget, 700) == Approx(min_coverage_share * budget));
  CHECK(coverage_slice_s(1, 2, budget, 0) == Approx(coverage_shares[0] * budget));  // early: never more than its share
}

// Noisy machines: a measurement that shares its CPU with a busy process must come back flagged noisy
// or still within tolerance of the quiet measurement. The load is injected deliberately, on the very
// CPU the measurement is pinned to, so the contract is tested rather than the machine's mood.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>

#include "processes.hpp"
#include "profiler/executor/weights.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/measure.hpp"
#include "profiler/measure/sweep.hpp"

using namespace cpx;
using namespace cpx::profiler;
using cpx::test::spin_on_my_cpu;

TEST_CASE("a measurement sharing its pinned CPU with a busy process is flagged noisy or within tolerance") {
  REQUIRE(!pin_to_cpus(1).empty());
  const Network net = SweepConfig{BlockVariant::conv, 3, 1, 64, 28, 1, 1}.network();
  Plan plan(net, make_weights(net, 0), {1, false});
  MeasureOptions o;
  o.warmup_runs = 3;
  o.min_runs = 20;
  o.min_time_s = 0.3;
  o.attempts = 2;
  const Timing quiet = time_runs([&] { plan.run(); }, o);

  const pid_t load = spin_on_my_cpu();
  REQUIRE(load > 0);
  const Timing loaded = time_runs([&] { plan.run(); }, o);
  ::kill(load, SIGKILL);
  ::waitpid(load, nullptr, 0);
  pin_to_cpus(1 << 20);  // every CPU again, for the tests that follow in this process

  const double ratio = loaded.stats_us.median / quiet.stats_us.median;
  INFO("quiet median " << quiet.stats_us.median << " us (wait " << quiet.wait_fraction << ", cv " << quiet.stats_us.cv
                       << "), loaded median " << loaded.stats_us.median << " us (wait " << loaded.wait_fraction
                       << ", cv " << loaded.stats_us.cv << ", attempts " << loaded.attempts << ")");
  // The injected process takes its share of our only CPU: the run queue shows it even when it slows
  // every run alike, which the CV alone would miss.
  CHECK(loaded.wait_fraction > o.wait_threshold);
  CHECK((loaded.noisy || std::abs(ratio - 1) <= 0.25));
  CHECK(loaded.attempts == o.attempts);  // interference is re-measured before it is flagged
  CHECK(to_json(loaded)["noisy"] == loaded.noisy);
}

// A thread count is checked against the CPUs this process may use, by one function, wherever threads run
// on this machine: measure, profile, validate and the main job on the host (and so Python, which calls them).
#include <catch2/catch.hpp>

#include "error_of.hpp"
#include "explorer/job.hpp"
#include "explorer/option_checks.hpp"
#include "predictor/validate/validate.hpp"
#include "profiler/measure/measure_network.hpp"
#include "profiler/measure/sweep.hpp"
#include "profiler/profile/cpus.hpp"
#include "space/zoo.hpp"

using namespace cpx;

TEST_CASE("a cgroup CPU quota pays for its quota over its period, rounded down, at least one CPU", "[cpus]") {
  CHECK(profiler::quota_cpus("200000 100000\n") == 2);
  CHECK(profiler::quota_cpus("150000 100000\n") == 1);  // a second thread would be throttled every period
  CHECK(profiler::quota_cpus("50000 100000\n") == 1);
  CHECK(profiler::quota_cpus("800000 100000") == 8);
  CHECK(profiler::quota_cpus("max 100000\n") == std::nullopt);  // cgroup v2: no quota
  CHECK(profiler::quota_cpus("-1 100000") == std::nullopt);     // cgroup v1: no quota
  CHECK(profiler::quota_cpus("") == std::nullopt);
  CHECK(profiler::quota_cpus("lots 100000") == std::nullopt);
  CHECK(profiler::quota_cpus("100000 0") == std::nullopt);
}

TEST_CASE("the usable CPUs are the smaller of the affinity mask and the cgroup quota", "[cpus]") {
  profiler::UsableCpus u;
  u.affinity = 8;
  CHECK(u.count() == 8);
  CHECK(u.describe() == "affinity mask 8 CPUs, no cgroup CPU quota");
  u.quota = 2;
  CHECK(u.count() == 2);
  CHECK(u.describe() == "affinity mask 8 CPUs, cgroup CPU quota 2 CPUs");
  u.affinity = 1;
  CHECK(u.count() == 1);
  CHECK(u.describe() == "affinity mask 1 CPU, cgroup CPU quota 2 CPUs");
  CHECK(profiler::usable_cpus().count() >= 1);
}

namespace {
// A front end's check (explorer/option_checks.hpp) as the command line prints it and as Python raises it.
std::string said_by_cli(const std::function<void()>& f) {
  try {
    f();
  } catch (const FieldError& e) { return explorer::cli_message(e); }
  return "(no FieldError)";
}
std::string said_by_python(const std::function<void()>& f) {
  try {
    f();
  } catch (const FieldError& e) { return explorer::python_message(e); }
  return "(no FieldError)";
}
}  // namespace

TEST_CASE("one more thread than the usable CPUs is refused naming both numbers, wherever threads run here", "[cpus]") {
  const profiler::UsableCpus cpus = profiler::usable_cpus();
  const int64_t n = cpus.count(), over = n + 1;
  const std::string reason = ": more than the " + std::to_string(n) + (n == 1 ? " CPU" : " CPUs") +
                             " this process may use (" + cpus.describe() + "); ";
  // The command line's (and Python's) check names the option; the libraries' own guard names no option.
  const std::string refused = "--threads = " + std::to_string(over) + reason,
                    refused_here = "threads = " + std::to_string(over) + reason;
  CHECK_NOTHROW(explorer::check_threads_option(n));
  CHECK(said_by_cli([&] { explorer::check_threads_option(over); }).rfind(refused, 0) == 0);
  CHECK(said_by_cli([] { explorer::check_threads_option(0); }) == "--threads = 0: out of range [1, 256]");
  CHECK(said_by_cli([] { explorer::check_threads_option(257); }) == "--threads = 257: out of range [1, 256]");
  CHECK(said_by_cli([] {
          explorer::check_threads_option(std::vector<int64_t>{1, 0});
        }) == "--threads = 0: out of range [1, 256]");
  // Python says the same refusal by its keyword argument (python/module.cpp raises python_message).
  CHECK(said_by_python([] { explorer::check_threads_option(0); }) == "threads=0: out of range [1, 256]");
  CHECK_NOTHROW(profiler::check_threads(n));
  CHECK(error_of([&] { profiler::check_threads(over); }).rfind(refused_here, 0) == 0);
  CHECK(error_of([] { profiler::check_threads(0); }) == "threads = 0: out of range [1, 256]");

  // Each library entry point refuses before it measures anything.
  profiler::NetworkRun run = profiler::measure_defaults();
  run.threads = over;
  CHECK(error_of([&] { profiler::measure_network(load_model("b0", 32), run); }).rfind(refused_here, 0) == 0);
  run.threads = 1;
  run.timing.min_runs = 0;
  CHECK(error_of([&] { profiler::measure_network(load_model("b0", 32), run); }) ==
        "timing.min_runs = 0: out of range [1, 100000]");
  CHECK(said_by_cli([&] { explorer::check_measure_options(run); }) == "--min-runs = 0: out of range [1, 100000]");
  CHECK(said_by_python([&] { explorer::check_measure_options(run); }) == "min_runs=0: out of range [1, 100000]");
  profiler::SweepOptions sweep;
  sweep.threads = {1, over};
  std::atomic<bool> stop{false};
  CHECK(error_of([&] { profiler::profile_device("host", sweep, stop); }).rfind(refused_here, 0) == 0);
  predictor::ValidateOptions validation;
  validation.threads = over;
  CHECK(error_of([&] { predictor::validate("host", validation); }).rfind(refused_here, 0) == 0);
  explorer::JobOptions job;
  job.device = "host";
  job.threads = over;
  CHECK(said_by_cli([&] { explorer::validate(job); }).rfind(refused, 0) == 0);
  // A calibrated device's threads are its runtime's, not this machine's: pi5 predicts at 4 on any machine.
  job.device = "pi5";
  job.threads = 4;
  CHECK(error_of([&] { explorer::validate(job); }) == "(no error)");
}

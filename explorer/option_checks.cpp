#include "explorer/option_checks.hpp"

#include <string>

#include "profiler/profile/cpus.hpp"

namespace cpx::explorer {

void check_threads_option(int64_t threads) {
  if (const auto refusal = profiler::threads_refusal(threads)) throw InputError("--threads = " + std::to_string(threads) + ": " + *refusal);
}

void check_threads_option(const std::vector<int64_t>& threads) {
  for (int64_t t : threads) check_threads_option(t);
}

void check_measure_options(const profiler::NetworkRun& run) {
  check_threads_option(run.threads);
  if (const auto refusal = profiler::min_time_refusal(run.timing.min_time_s))
    throw InputError("--min-time = " + std::to_string(run.timing.min_time_s) + ": " + *refusal);
  if (const auto refusal = profiler::min_runs_refusal(run.timing.min_runs))
    throw InputError("--min-runs = " + std::to_string(run.timing.min_runs) + ": " + *refusal);
}

}  // namespace cpx::explorer

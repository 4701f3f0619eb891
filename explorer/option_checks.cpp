#include "explorer/option_checks.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "profiler/profile/cpus.hpp"

namespace cpx::explorer {

namespace {

// In cpx::Field's order.
constexpr std::array<std::string_view, field_names.size()> flag_of_field{
    "--device", "--samples", "--seed", "--ood", "--rounds", "--min-time", "--budget", "--resolution", "--threads",
    "--evaluations", "--population", "--accuracy", "--space", "--max-latency", "--max-params", "--max-macs",
    "--layers-model", "--hardware", "--host-from", "--apply", "--quiet-machine-check", "--allow-noisy", "--profile", "--skip-unknown", "--out", "--resume",
    "--runtime", "--min-runs", "--published", "--zero-shot"};
static_assert(std::find(flag_of_field.begin(), flag_of_field.end(), std::string_view()) == flag_of_field.end(),
              "every cpx::Field has its flag");

}  // namespace

std::string_view flag_of(Field field) { return flag_of_field[static_cast<size_t>(field)]; }

std::string cli_message(const FieldError& e) {
  return std::string(flag_of(e.field())) + (e.value().empty() ? "" : " = " + e.value()) + ": " + e.reason().spelled(flag_of);
}

std::string cli_message(const Wording& w) { return w.spelled(flag_of); }

std::string cli_message(const AdvisedError& e) { return cli_message(e.message()); }

std::string_view keyword_of(Field field) { return to_string(field); }

std::string python_message(const FieldError& e) {
  return std::string(keyword_of(e.field())) + (e.value().empty() ? "" : "=" + e.value()) + ": " + e.reason().spelled(keyword_of);
}

std::string python_message(const AdvisedError& e) { return e.message().spelled(keyword_of); }

void check_threads_option(int64_t threads) {
  if (const auto refusal = profiler::threads_refusal(threads)) throw FieldError(Field::threads, std::to_string(threads), *refusal);
}

void check_threads_option(const std::vector<int64_t>& threads) {
  for (int64_t t : threads) check_threads_option(t);
}

void check_measure_options(const profiler::NetworkRun& run) {
  check_threads_option(run.threads);
  if (const auto refusal = profiler::min_time_refusal(run.timing.min_time_s))
    throw FieldError(Field::min_time_s, std::to_string(run.timing.min_time_s), *refusal);
  if (const auto refusal = profiler::min_runs_refusal(run.timing.min_runs))
    throw FieldError(Field::min_runs, std::to_string(run.timing.min_runs), *refusal);
}

}  // namespace cpx::explorer

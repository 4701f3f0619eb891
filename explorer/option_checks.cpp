#include "explorer/option_checks.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "profiler/profile/cpus.hpp"

namespace cpx::explorer {

namespace {

// Each cpx::Field's flag on the command line.
constexpr Names<Field, field_names.size()> flag_of_field{{
    {Field::device, "--device"},
    {Field::samples, "--samples"},
    {Field::seed, "--seed"},
    {Field::ood, "--ood"},
    {Field::rounds, "--rounds"},
    {Field::min_time_s, "--min-time"},
    {Field::budget_s, "--budget"},
    {Field::resolution, "--resolution"},
    {Field::threads, "--threads"},
    {Field::evaluations, "--evaluations"},
    {Field::population, "--population"},
    {Field::accuracy, "--accuracy"},
    {Field::space, "--space"},
    {Field::max_latency_ms, "--max-latency"},
    {Field::max_params, "--max-params"},
    {Field::max_macs, "--max-macs"},
    {Field::layers_model, "--layers-model"},
    {Field::hardware, "--hardware"},
    {Field::host_from, "--host-from"},
    {Field::apply, "--apply"},
    {Field::quiet_machine_check, "--quiet-machine-check"},
    {Field::allow_noisy, "--allow-noisy"},
    {Field::profile, "--profile"},
    {Field::skip_unknown, "--skip-unknown"},
    {Field::out, "--out"},
    {Field::resume, "--resume"},
    {Field::runtime, "--runtime"},
    {Field::min_runs, "--min-runs"},
    {Field::published, "--published"},
    {Field::zero_shot, "--zero-shot"},
}};

}  // namespace

std::string_view flag_of(Field field) { return flag_of_field.name_of(field); }

std::string cli_message(const FieldError& e) {
  return std::string(flag_of(e.field())) + (e.value().empty() ? "" : " = " + e.value()) + ": " +
         e.reason().spelled(flag_of);
}

std::string cli_message(const Wording& w) { return w.spelled(flag_of); }

std::string cli_message(const AdvisedError& e) { return cli_message(e.message()); }

std::string_view keyword_of(Field field) { return to_string(field); }

std::string python_message(const FieldError& e) {
  return std::string(keyword_of(e.field())) + (e.value().empty() ? "" : "=" + e.value()) + ": " +
         e.reason().spelled(keyword_of);
}

std::string python_message(const AdvisedError& e) { return e.message().spelled(keyword_of); }

void check_threads_option(int64_t threads) {
  if (const auto refusal = profiler::threads_refusal(threads))
    throw FieldError(Field::threads, std::to_string(threads), *refusal);
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

// The command line's checks of values the libraries take as typed arguments, in its own spelling
// (`--threads = 3: ...`). The libraries guard the same values without naming any option; a front end runs
// these first, so that a user reads the option they typed. The Python module runs them too and raises them
// in its own spelling (python_message: the keyword argument).
#pragma once

#include <cstdint>
#include <vector>

#include "profiler/measure/measure_network.hpp"
#include "space/field_error.hpp"

namespace cpx::explorer {

// --threads: in [1, 256] and no more than the CPUs this process may use (profiler::threads_refusal).
void check_threads_option(int64_t threads);
void check_threads_option(const std::vector<int64_t>& threads);  // profile's list: each of them

// measure's --threads, --min-time and --min-runs (the limits profiler::measure_network holds to).
void check_measure_options(const profiler::NetworkRun& run);

// The flag under which the command line takes each value the libraries refuse by name (cpx::Field).
std::string_view flag_of(Field field);
// A library's FieldError in the command line's spelling ("--samples = -1: out of range [0, 10000]"): what
// the command line prints and the Python module raises.
std::string cli_message(const FieldError& e);
std::string cli_message(const AdvisedError& e);  // its advice, the options said as flags
std::string cli_message(const Wording& w);       // advice that is not an error (a warning line), said so too

// The Python module's spelling: a Field is its keyword argument (threads), a refused value
// "threads=8: more than the 2 CPUs ...", advice naming options by keyword.
std::string_view keyword_of(Field field);
std::string python_message(const FieldError& e);
std::string python_message(const AdvisedError& e);

}  // namespace cpx::explorer

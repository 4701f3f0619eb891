// The options, exit codes and last line that every measuring command shares.
#include <cstdio>
#include <cstdlib>

#include "explorer/cli/commands.hpp"
#include "explorer/option_checks.hpp"
#include "profiler/measure/machine_speed.hpp"
#include "profiler/measure/quiet_machine.hpp"
#include "profiler/profile/cpus.hpp"

namespace cpx::cli {

void QuietMachine::run(const std::string& command, int64_t threads) const {
  explorer::check_threads_option(threads);  // before sampling the load of CPUs that are not there
  if (!check) return;
  const profiler::CpuLoad load = profiler::sample_cpu_load(threads);
  if (!load.busy()) std::fprintf(stderr, "%s: quiet machine check: %s\n", command.c_str(), load.said().c_str());
  else if (!go_on_busy)
    throw InputError("--quiet-machine-check: " + load.said() +
                     "; stop what runs there, or pass --go-on-busy to measure anyway");
  else std::fprintf(stderr, "%s: warning: %s; going on (--go-on-busy)\n", command.c_str(), load.said().c_str());
}

void add_measuring_options(CLI::App* cmd, QuietMachine& quiet) {
  cmd->add_flag("--quiet-machine-check", quiet.check,
                "Before measuring, sample the load of the CPUs to pin to for 1 s and refuse (exit 2) if one is busy");
  cmd->add_flag("--go-on-busy", quiet.go_on_busy,
                "With --quiet-machine-check: only warn on a busy machine, and measure");
  cmd->footer(
      "Exit codes: 0 done; 2 bad input, or refused (another process writes the same file, or "
      "--quiet-machine-check found the machine busy); 3 done and written, but more than " +
      std::to_string(static_cast<int>(100 * profiler::interference_threshold)) +
      "% of the measurements were flagged noisy (run-queue wait, CV or outliers: the machine interfered; the last "
      "line says where and why), or (profile, validate) a fixed speed reference (a network) timed now and then spread "
      "by more than " +
      std::to_string(static_cast<int>(100 * profiler::max_speed_spread)) +
      "% (the machine changed speed, as a neighbour outside this VM makes it); 130 interrupted.");
}

void finish_measuring(const profiler::Interference& noise, const std::string& command) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", explorer::cli_message(noise.line(command)).c_str());
  if (noise.above()) std::exit(profiler::exit_interfered);
}

void finish_speed(const std::string& command, double spread) {
  if (spread <= profiler::max_speed_spread) return;
  std::fflush(stdout);
  std::fprintf(stderr,
               "%s: WARNING: the speed reference's times spread by %.0f%% (%s; limit %.0f%%): the machine "
               "changed speed while measuring, which no run-queue wait shows (another VM on this host?); measure "
               "again; exit %d\n",
               command.c_str(), 100 * spread, profiler::spread_of_meaning, 100 * profiler::max_speed_spread,
               profiler::exit_interfered);
  std::exit(profiler::exit_interfered);
}

}  // namespace cpx::cli

// The CPUs this process may run threads on, and the one check of a thread count against them. More
// threads than CPUs time the scheduler's slicing, not the network: on a 2-CPU machine `measure b0
// --threads 3` once took 2 min 17 s and reported 85x its 1-thread time (issue 57).
#pragma once

#include <sched.h>

#include <cstdint>
#include <optional>
#include <string>

namespace cpx::profiler {

// The affinity mask the process started with (pin_to_cpus narrows the current one: pinning to 1 CPU
// and later to 2 must not lose the second, nor make 2 threads look like too many). nullopt if unreadable.
const std::optional<cpu_set_t>& start_affinity();

struct UsableCpus {
  int64_t affinity = 0;          // CPUs in start_affinity() (0 if unreadable)
  std::optional<int64_t> quota;  // CPUs the cgroup's CPU quota pays for (cpu.max), if any quota is set
  int64_t count() const;         // the smaller of the two, at least 1
  std::string describe() const;  // "affinity mask 2 CPUs, no cgroup CPU quota"
};
UsableCpus usable_cpus();

// Whole CPUs a cgroup v2 cpu.max line ("QUOTA PERIOD", QUOTA "max" for none) pays for: QUOTA / PERIOD
// rounded down (threads beyond it are throttled every period), at least 1; nullopt for no quota or an
// unreadable line. The cgroup v1 pair (cpu.cfs_quota_us, cpu.cfs_period_us; quota -1 for none) is read
// into the same text.
std::optional<int64_t> quota_cpus(const std::string& cpu_max);

// Why a thread count cannot be measured here: outside [1, 256], or above usable_cpus().count(), naming the
// CPUs ("more than the 2 CPUs this process may use (affinity mask 2 CPUs, no cgroup CPU quota); ..."); nullopt
// when it can. Each front end puts it behind its own spelling of the option (explorer/option_checks.hpp:
// `--threads = 3: more than ...`, in the command line and in Python alike).
std::optional<std::string> threads_refusal(int64_t threads);
// The libraries' guard of a thread count they are given: InputError "threads = 3: <threads_refusal>".
void check_threads(int64_t threads);

}  // namespace cpx::profiler

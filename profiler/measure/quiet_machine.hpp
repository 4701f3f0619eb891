// `--quiet-machine-check`: is the machine quiet enough to measure on? Samples the load of the CPUs a
// command will pin to before it starts, so that a build or a browser on them is caught before it spoils
// a profile rather than after (profiler/profile/interference.hpp counts what happened during the measurements).
#pragma once

#include <cstdint>
#include <string>

namespace cpx::profiler {

// A CPU we will pin to that is busy more than this share of a second makes a busy machine.
inline constexpr double busy_cpu_threshold = 0.20;

// Share of the time the CPUs of `cpus` ("0,1" as pin_to_cpus returns) were busy over `seconds`, the
// busiest of them, from /proc/stat; -1 when it cannot be read.
double busiest_cpu_share(const std::string& cpus, double seconds, int* busiest_cpu = nullptr);

// `--quiet-machine-check`: pins to `threads` CPUs, samples their load for about a second and throws
// InputError (exit 2) naming the busiest one when it is above busy_cpu_threshold, unless go_on_busy (then
// it only warns). Prints one line either way.
void check_quiet_machine(const std::string& command, int64_t threads, bool go_on_busy);

}  // namespace cpx::profiler

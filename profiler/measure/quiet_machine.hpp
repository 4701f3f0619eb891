// Is the machine quiet enough to measure on? Samples the load of the CPUs a command will pin to before it
// starts, so that a build or a browser on them is caught before it spoils a profile rather than after
// (profiler/profile/interference.hpp counts what happened during the measurements). What a busy machine
// means (refuse, or only warn) is the front end's to decide and to say in its own options' words.
#pragma once

#include <cstdint>
#include <string>

namespace cpx::profiler {

// A CPU we will pin to that is busy more than this share of a second makes a busy machine.
inline constexpr double busy_cpu_threshold = 0.20;

// Share of the time the CPUs of `cpus` ("0,1" as pin_to_cpus returns) were busy over `seconds`, the
// busiest of them, from /proc/stat; -1 when it cannot be read.
double busiest_cpu_share(const std::string& cpus, double seconds, int* busiest_cpu = nullptr);

// The load of the CPUs a command pins to, sampled over sample_seconds before it measures.
struct CpuLoad {
  static constexpr double sample_seconds = 1.0;
  std::string cpus;  // as pin_to_cpus returns them ("0,1")
  int busiest_cpu = -1;
  double busiest_share = 0;  // of sample_seconds
  bool busy() const { return busiest_share > busy_cpu_threshold; }
  // Quiet: "CPUs 0,1 at most 3% busy over 1 s (limit 20%)"; busy: "the machine is busy: CPU 1, which we
  // pin to, was 87% busy over 1 s (limit 20%) before measuring".
  std::string said() const;
};

// Pins to `threads` CPUs and samples their load. A FieldError of Field::quiet_machine_check when it
// cannot pin to them or read their load.
CpuLoad sample_cpu_load(int64_t threads);

}  // namespace cpx::profiler

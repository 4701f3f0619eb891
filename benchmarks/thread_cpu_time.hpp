// The calling thread's CPU time: what the kernel benchmarks compare besides the wall clock, which on a
// shared machine also counts the time other processes held the core.
#pragma once

#include <ctime>

namespace cpx::bench {

inline double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return 1e6 * static_cast<double>(t.tv_sec) + 1e-3 * static_cast<double>(t.tv_nsec);
}

}  // namespace cpx::bench

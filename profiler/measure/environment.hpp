// Where a number was measured: every measurement carries one of these.
#pragma once

#include <string>

#include "space/error.hpp"

namespace cpx::profiler {

struct Environment {
  std::string cpu;                // package name as cpuinfo reports it (else /proc/cpuinfo)
  std::string microarchitecture;  // cpuinfo's uarch of core 0
  int64_t physical_cores = 0;
  int64_t logical_processors = 0;
  int64_t threads = 1;        // threads the measurement used
  std::string frequency_mhz;  // current frequency of cpu0 where readable, else "unreadable"
  std::string governor;       // cpufreq governor where readable, else "unreadable"
  std::string kernel;         // uname -sr
  std::string xnnpack_version;
  // Our igemm (AVX-512 or AVX2 tile) runs dense convs here, so the executor fuses residual adds into them
  // (profiler/profile/fusion.hpp); a predictor fitted on this machine's profile mirrors that.
  bool igemm = false;
  std::string igemm_tile;               // its register tile, e.g. "AVX2 6x16"; "" without igemm
  int64_t igemm_min_out_per_group = 0;  // the shapes it takes (IgemmRule); 0 without igemm
  // The level our kernels ran at (isa_name(active_isa()), profiler/executor/isa.hpp): "x86-64 AVX-512F",
  // "x86-64 AVX2+FMA", "x86-64 SSE/AVX", "arm64 NEON+FMA", else "unknown architecture". The CPU's highest
  // unless a test lowered it; XNNPACK's operators run at the CPU's highest regardless.
  std::string isa;
  std::string compiler;
  std::string build_type;
  std::string date_utc;  // ISO 8601
  std::string affinity;  // CPUs the process was pinned to, e.g. "0,1"
  // Under an emulator (profiler/measure/emulation.hpp) the times are the emulator's: recorded with every measurement.
  bool emulated = false;
  std::string emulation_signs;  // why it was judged emulated; "" when not
};

Environment capture_environment(int64_t threads);
Json to_json(const Environment& env);

// Pins the calling process to the first `threads` CPUs it may run on, so that a measurement with N
// threads does not migrate across more cores. Returns the CPU list used ("" if pinning failed).
std::string pin_to_cpus(int64_t threads);

}  // namespace cpx::profiler

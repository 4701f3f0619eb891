#include "profiler/measure/environment.hpp"

#include "profiler/executor/kernels/igemm.hpp"

#include <cpuinfo.h>
#include <sched.h>
#include <sys/utsname.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <optional>

#include "profiler/executor/isa.hpp"
#include "profiler/executor/kernel.hpp"
#include "profiler/measure/emulation.hpp"
#include "profiler/profile/cpus.hpp"

namespace cpx::profiler {

namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) return "unreadable";
  return line;
}

std::string uarch_name(cpuinfo_uarch u) {
  switch (u) {
#define X(name) \
  case cpuinfo_uarch_##name: return #name;
    X(p5)
    X(quark)
    X(p6)
    X(dothan)
    X(yonah)
    X(conroe)
    X(penryn)
    X(nehalem)
    X(sandy_bridge)
    X(ivy_bridge)
    X(haswell)
    X(broadwell)
    X(sky_lake)
    X(palm_cove)
    X(sunny_cove)
    X(willamette)
    X(prescott)
    X(bonnell)
    X(saltwell)
    X(silvermont)
    X(airmont)
    X(goldmont)
    X(goldmont_plus)
    X(knights_ferry)
    X(knights_corner)
    X(knights_landing)
    X(knights_hill)
    X(knights_mill)
    X(xscale)
    X(k5)
    X(k6)
    X(k7)
    X(k8)
    X(k10)
    X(bulldozer)
    X(piledriver)
    X(steamroller)
    X(excavator)
    X(zen)
    X(zen2)
    X(zen3)
    X(geode)
    X(bobcat)
    X(jaguar)
    X(puma)
    X(arm7)
    X(arm9)
    X(arm11)
    X(cortex_a5)
    X(cortex_a7)
    X(cortex_a8)
    X(cortex_a9)
    X(cortex_a12)
    X(cortex_a15)
    X(cortex_a17)
    X(cortex_a32)
    X(cortex_a35)
    X(cortex_a53)
    X(cortex_a55r0)
    X(cortex_a55)
    X(cortex_a57)
    X(cortex_a65)
    X(cortex_a72)
    X(cortex_a73)
    X(cortex_a75)
    X(cortex_a76)
    X(cortex_a77)
    X(cortex_a78)
    X(neoverse_n1)
    X(neoverse_e1)
    X(neoverse_v1)
    X(neoverse_n2)
    X(cortex_x1)
    X(scorpion)
    X(krait)
    X(kryo)
    X(falkor)
    X(saphira)
    X(denver)
    X(denver2)
    X(carmel)
    X(exynos_m1)
    X(exynos_m2)
    X(exynos_m3)
    X(exynos_m4)
    X(exynos_m5)
    X(swift)
    X(cyclone)
    X(typhoon)
    X(twister)
    X(hurricane)
    X(monsoon)
    X(mistral)
    X(vortex)
    X(tempest)
    X(lightning)
    X(thunder)
    X(firestorm)
    X(icestorm)
    X(thunderx)
    X(thunderx2)
    X(pj4)
    X(brahma_b15)
    X(brahma_b53)
    X(xgene)
    X(dhyana)
    X(taishan_v110)
#undef X
    default: return "unknown";
  }
}

std::string proc_cpuinfo_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace

Environment capture_environment(int64_t threads) {
  Environment e;
  e.threads = threads;
  if (cpuinfo_initialize()) {
    e.cpu = cpuinfo_get_packages_count() > 0 ? cpuinfo_get_package(0)->name : "";
    e.physical_cores = cpuinfo_get_cores_count();
    e.logical_processors = cpuinfo_get_processors_count();
    if (cpuinfo_get_cores_count() > 0) e.microarchitecture = uarch_name(cpuinfo_get_core(0)->uarch);
  }
  if (e.cpu.empty()) e.cpu = proc_cpuinfo_model();
  const std::string khz = read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq");
  e.frequency_mhz = khz == "unreadable" ? khz : std::to_string(std::stoll(khz) / 1000);
  e.governor = read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  utsname u{};
  e.kernel = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release : "unknown";
  e.xnnpack_version = std::string(xnnpack_version());
  const IgemmRule rule = igemm_rule();
  e.igemm = rule.available;
  e.igemm_tile = igemm_tile();
  e.igemm_min_out_per_group = rule.available ? rule.min_out_per_group : 0;
  e.isa = std::string(isa_name(active_isa()));
  e.compiler = "gcc " __VERSION__;
  e.build_type = CPX_BUILD_TYPE;
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  e.date_utc = buf;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) e.affinity += (e.affinity.empty() ? "" : ",") + std::to_string(c);
  }
  e.emulated = detect_emulation().emulated;
  e.emulation_signs = detect_emulation().signs;
  return e;
}

Json to_json(const Environment& e) {
  return {{"cpu", e.cpu},
          {"microarchitecture", e.microarchitecture},
          {"physical_cores", e.physical_cores},
          {"logical_processors", e.logical_processors},
          {"threads", e.threads},
          {"frequency_mhz", e.frequency_mhz},
          {"governor", e.governor},
          {"kernel", e.kernel},
          {"xnnpack_version", e.xnnpack_version},
          {"igemm", e.igemm},
          {"igemm_tile", e.igemm_tile},
          {"igemm_min_out_per_group", e.igemm_min_out_per_group},
          {"isa", e.isa},
          {"compiler", e.compiler},
          {"build_type", e.build_type},
          {"date_utc", e.date_utc},
          {"affinity", e.affinity},
          {"emulated", e.emulated},
          {"emulation_signs", e.emulation_signs}};
}

std::string pin_to_cpus(int64_t threads) {
  const std::optional<cpu_set_t>& original = start_affinity();
  if (!original) return "";
  const cpu_set_t& allowed = *original;
  cpu_set_t use;
  CPU_ZERO(&use);
  std::string list;
  int64_t taken = 0;
  for (int c = 0; c < CPU_SETSIZE && taken < threads; ++c) {
    if (!CPU_ISSET(c, &allowed)) continue;
    CPU_SET(c, &use);
    list += (list.empty() ? "" : ",") + std::to_string(c);
    ++taken;
  }
  if (taken == 0 || sched_setaffinity(0, sizeof use, &use) != 0) return "";
  return list;
}

}  // namespace cpx::profiler

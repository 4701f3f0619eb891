#include "profiler/measure/emulation.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cpx::profiler {

namespace {

// Whether some line of `text` starts with `key` (a /proc/cpuinfo field name).
bool has_field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return true;
  return false;
}

// The architecture /proc/cpuinfo describes, by the fields each kernel prints: x86 kernels "vendor_id"
// and "flags", arm64 kernels "CPU implementer" and "Features". "" when neither or both.
std::string cpuinfo_architecture(const std::string& text) {
  const bool x86 = has_field(text, "vendor_id") || has_field(text, "flags");
  const bool arm = has_field(text, "CPU implementer") || has_field(text, "Features");
  if (x86 == arm) return "";
  return x86 ? "x86_64" : "aarch64";
}

}  // namespace

Emulation judge_emulation(const EmulationSigns& s) {
  Emulation e;
  auto add = [&e](const std::string& sign) {
    e.emulated = true;
    e.signs += (e.signs.empty() ? "" : "; ") + sign;
  };
  if (s.flag && !s.flag->empty() && *s.flag != "0") add("CPX_EMULATED=" + *s.flag + " in the environment");
  const std::string described = cpuinfo_architecture(s.proc_cpuinfo);
  if (!described.empty() && (s.built_for == "aarch64" || s.built_for == "x86_64") && described != s.built_for)
    add("/proc/cpuinfo describes an " + described + " CPU but this binary is " + s.built_for +
        " (a user-mode emulator such as qemu-user)");
  return e;
}

EmulationSigns emulation_signs() {
  EmulationSigns s;
  if (const char* v = std::getenv("CPX_EMULATED")) s.flag = v;
  std::ifstream in("/proc/cpuinfo");
  std::ostringstream text;
  text << in.rdbuf();
  s.proc_cpuinfo = text.str();
#if defined(__aarch64__)
  s.built_for = "aarch64";
#elif defined(__x86_64__)
  s.built_for = "x86_64";
#else
  s.built_for = "other";
#endif
  return s;
}

const Emulation& detect_emulation() {
  static const Emulation e = judge_emulation(emulation_signs());
  return e;
}

std::string emulated_warning(const Emulation& e) {
  return "EMULATED (" + e.signs + "): these times are the emulator's, not this CPU's; measure on the device itself";
}

}  // namespace cpx::profiler

// Whether this process runs under an emulator, as the arm64 build does under qemu-user on an x86 machine
// (scripts/test-arm64). Its times are the emulator's, not a CPU's: `measure` labels them, and `profile`
// refuses unless --allow-emulated, so that no one takes them for a Raspberry Pi's.
//
// Why not "qemu" in /proc/cpuinfo: qemu-user does not emulate a machine, so the kernel's /proc/cpuinfo is
// the host's (qemu 7.2, Debian 12's) or one qemu makes up for the guest (later releases), and neither names
// qemu. The auxiliary vector qemu-user gives the guest (AT_PLATFORM "aarch64", AT_HWCAP) is what a real
// arm64 kernel gives, too. So: an explicit flag, and a /proc/cpuinfo that describes another architecture
// than the one this binary was built for.
#pragma once

#include <optional>
#include <string>

namespace cpx::profiler {

struct Emulation {
  bool emulated = false;
  std::string signs;  // why we think so, e.g. "CPX_EMULATED=1 in the environment"; "" when not emulated
};

// What the judgement reads, injectable so that tests need no emulator.
struct EmulationSigns {
  std::optional<std::string> flag;  // CPX_EMULATED's value; nullopt when unset
  std::string proc_cpuinfo;         // the text of /proc/cpuinfo
  std::string built_for;            // the architecture this binary was compiled for: "aarch64", "x86_64", ...
};

Emulation judge_emulation(const EmulationSigns& signs);

// This process's signs: CPX_EMULATED, /proc/cpuinfo and the compile target (read once).
EmulationSigns emulation_signs();

// judge_emulation(emulation_signs()), once per process.
const Emulation& detect_emulation();

// The line measuring commands print above emulated times: "EMULATED (signs): ...".
std::string emulated_warning(const Emulation& e);

}  // namespace cpx::profiler

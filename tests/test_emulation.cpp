// Emulation detection (profiler/measure/emulation.hpp): which signs make a run emulated, and the label its times
// carry. The signs are injected, so these run the same on a real CPU and under qemu-user.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "profiler/measure/emulation.hpp"

using namespace cpx::profiler;

namespace {
// The first lines an x86-64 and an arm64 (Raspberry Pi 5) kernel print per CPU in /proc/cpuinfo.
const std::string x86_cpuinfo =
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) CPU\n"
    "flags\t\t: fpu vme de pse tsc msr sse sse2 avx2\n";
const std::string arm64_cpuinfo =
    "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp "
    "cpuid\n"
    "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: 0xd0b\n";
}  // namespace

TEST_CASE("emulation: a CPU's own /proc/cpuinfo and no flag is not emulated", "[emulation]") {
  CHECK_FALSE(judge_emulation({std::nullopt, arm64_cpuinfo, "aarch64"}).emulated);
  CHECK_FALSE(judge_emulation({std::nullopt, x86_cpuinfo, "x86_64"}).emulated);
  CHECK(judge_emulation({std::nullopt, x86_cpuinfo, "x86_64"}).signs.empty());
  // CPX_EMULATED=0 or empty is a flag turned off, not on.
  CHECK_FALSE(judge_emulation({std::string("0"), arm64_cpuinfo, "aarch64"}).emulated);
  CHECK_FALSE(judge_emulation({std::string(""), arm64_cpuinfo, "aarch64"}).emulated);
  // An unreadable or unfamiliar /proc/cpuinfo is no sign either way.
  CHECK_FALSE(judge_emulation({std::nullopt, "", "aarch64"}).emulated);
  CHECK_FALSE(judge_emulation({std::nullopt, x86_cpuinfo, "riscv64"}).emulated);
}

TEST_CASE("emulation: the flag, or /proc/cpuinfo of another architecture, says emulated and why", "[emulation]") {
  const Emulation flagged = judge_emulation({std::string("1"), arm64_cpuinfo, "aarch64"});
  CHECK(flagged.emulated);
  CHECK(flagged.signs == "CPX_EMULATED=1 in the environment");
  // qemu-aarch64 7.2 on an x86 machine: the guest reads the host's /proc/cpuinfo.
  const Emulation qemu = judge_emulation({std::nullopt, x86_cpuinfo, "aarch64"});
  CHECK(qemu.emulated);
  CHECK(qemu.signs.find("/proc/cpuinfo describes an x86_64 CPU but this binary is aarch64") != std::string::npos);
  // An x86-64 build under an emulator on ARM.
  CHECK(judge_emulation({std::nullopt, arm64_cpuinfo, "x86_64"}).emulated);
  // Both signs are named.
  const Emulation both = judge_emulation({std::string("1"), x86_cpuinfo, "aarch64"});
  CHECK(both.signs.find("CPX_EMULATED=1") != std::string::npos);
  CHECK(both.signs.find("; /proc/cpuinfo") != std::string::npos);
  // The label measuring commands print says what the times are.
  const std::string label = emulated_warning(qemu);
  CHECK(label.rfind("EMULATED (", 0) == 0);
  CHECK(label.find("not this CPU's") != std::string::npos);
}

TEST_CASE("emulation: this process's signs name its own architecture", "[emulation]") {
  const EmulationSigns s = emulation_signs();
#if defined(__aarch64__)
  CHECK(s.built_for == "aarch64");
#elif defined(__x86_64__)
  CHECK(s.built_for == "x86_64");
#endif
  CHECK(detect_emulation().emulated == judge_emulation(s).emulated);
}

TEST_CASE("emulation: profile refuses under CPX_EMULATED=1 unless allowed, before measuring anything", "[emulation]") {
  const auto dir = std::filesystem::temp_directory_path() / ("cpx_emulated_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out = dir / "devices" / "host.json";
  const auto err = dir / "err.txt";
  // env -u: scripts/test-arm64 allows emulated profiles for the whole suite; this case must not be.
  const std::string cmd = "env -u CPX_ALLOW_EMULATED CPX_EMULATED=1 " + std::string(CPX_CLI) +
                          " profile --quick --budget 5 --out " + out.string() + " >/dev/null 2>" + err.string();
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  std::ifstream in(err);
  const std::string message((std::istreambuf_iterator<char>(in)), {});
  CHECK(message.find("profile: refused: running under an emulator (CPX_EMULATED=1 in the environment") !=
        std::string::npos);
  CHECK(message.find("--allow-emulated") != std::string::npos);
  CHECK(std::count(message.begin(), message.end(), '\n') == 1);  // one line
  CHECK_FALSE(std::filesystem::exists(out));
  std::filesystem::remove_all(dir);
}

// Child processes for the tests: the CLI run to completion with its output captured, or started with its
// stderr in a file, its exit status, and a CPU hog to inject load deliberately on the CPUs a measurement
// is pinned to.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cpx::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct CliRun {
  int exit_code;
  std::string out, err;
};

// Runs the CLI with `args` (shell words), capturing stdout and stderr; `env` is put before the command,
// e.g. "CPX_HOME=<scratch dir> ".
inline CliRun cli(const std::string& args, const std::string& env = "") {
  // ctest runs test cases in parallel processes: every call gets files of its own.
  static int calls = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "cpx_cli_" + std::to_string(::getpid()) + "_" + std::to_string(++calls);
  const std::string out = (dir / (stem + ".out")).string(), err = (dir / (stem + ".err")).string();
  const int status = std::system((env + CPX_CLI + " " + args + " >" + out + " 2>" + err).c_str());
  CliRun r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// Starts the CLI with `args`, stdout to /dev/null and stderr to `err`.
inline pid_t spawn(std::vector<std::string> args, const std::filesystem::path& err) {
  args.insert(args.begin(), CPX_CLI);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(fd, 2);
    ::dup2(null, 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(CPX_CLI, argv.data());
    ::_exit(127);
  }
  return pid;
}

// The exit code, or 128 + the signal that ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A child process spinning on the CPUs the caller is pinned to, until the caller kills it (or dies).
inline pid_t spin_on_my_cpu() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    volatile uint64_t x = 0;
    for (;;) x = x + 1;
  }
  return pid;
}

}  // namespace cpx::test

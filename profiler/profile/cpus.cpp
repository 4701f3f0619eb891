#include "profiler/profile/cpus.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "space/error.hpp"

namespace cpx::profiler {

namespace fs = std::filesystem;

const std::optional<cpu_set_t>& start_affinity() {
  static const std::optional<cpu_set_t> original = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    return sched_getaffinity(0, sizeof set, &set) == 0 ? std::optional<cpu_set_t>(set) : std::nullopt;
  }();
  return original;
}

std::optional<int64_t> quota_cpus(const std::string& cpu_max) {
  std::istringstream in(cpu_max);
  std::string quota_text;
  int64_t period = 0;
  if (!(in >> quota_text >> period) || period <= 0) return std::nullopt;
  int64_t quota = 0;
  const auto [end, ec] = std::from_chars(quota_text.data(), quota_text.data() + quota_text.size(), quota);
  // "max" (v2) and -1 (v1) mean no quota.
  if (ec != std::errc() || end != quota_text.data() + quota_text.size() || quota < 0) return std::nullopt;
  return std::max<int64_t>(1, quota / period);
}

namespace {

std::string cpus_text(int64_t n) { return std::to_string(n) + (n == 1 ? " CPU" : " CPUs"); }

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The smallest quota of the cgroup `path` (as /proc/self/cgroup names it) and of its ancestors under the
// hierarchy mounted at `mount`: a parent's quota caps its children. Inside a container the path may name
// the host's hierarchy while the container sees its own cgroup at the mount point: the mount point itself
// is always read.
std::optional<int64_t> smallest_quota(const fs::path& mount, const std::string& path, bool v2) {
  std::vector<fs::path> dirs{mount};
  for (const auto& part : fs::path(path).relative_path()) dirs.push_back(dirs.back() / part);
  std::optional<int64_t> smallest;
  for (const fs::path& d : dirs) {
    const std::string text =
        v2 ? read_text(d / "cpu.max") : read_text(d / "cpu.cfs_quota_us") + " " + read_text(d / "cpu.cfs_period_us");
    if (const auto q = quota_cpus(text)) smallest = std::min(smallest.value_or(*q), *q);
  }
  return smallest;
}

// cgroup v2 ("0::/path") or v1 (a line whose controllers include "cpu") quota of this process.
std::optional<int64_t> cgroup_quota() {
  std::ifstream in("/proc/self/cgroup");
  std::optional<int64_t> out;
  auto take = [&](std::optional<int64_t> q) {
    if (q) out = std::min(out.value_or(*q), *q);
  };
  for (std::string line; std::getline(in, line);) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (controllers.empty()) {
      take(smallest_quota(fs::exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified",
                          path, true));
      continue;
    }
    if (("," + controllers + ",").find(",cpu,") == std::string::npos) continue;
    for (const char* mount : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"})
      if (fs::exists(mount)) {
        take(smallest_quota(mount, path, false));
        break;
      }
  }
  return out;
}

}  // namespace

int64_t UsableCpus::count() const {
  int64_t n = affinity > 0 ? affinity : 1;
  if (quota) n = std::min(n, *quota);
  return std::max<int64_t>(1, n);
}

std::string UsableCpus::describe() const {
  return "affinity mask " + (affinity > 0 ? cpus_text(affinity) : std::string("unreadable")) + ", " +
         (quota ? "cgroup CPU quota " + cpus_text(*quota) : std::string("no cgroup CPU quota"));
}

UsableCpus usable_cpus() {
  UsableCpus u;
  if (const auto& set = start_affinity()) u.affinity = CPU_COUNT(&*set);
  u.quota = cgroup_quota();
  return u;
}

std::optional<std::string> threads_refusal(int64_t threads) {
  if (threads < 1 || threads > 256) return "out of range [1, 256]";
  const UsableCpus cpus = usable_cpus();
  if (threads > cpus.count())
    return "more than the " + cpus_text(cpus.count()) + " this process may use (" + cpus.describe() +
           "); threads beyond them would time the scheduler, not the network";
  return std::nullopt;
}

void check_threads(int64_t threads) {
  if (const auto refusal = threads_refusal(threads))
    throw InputError("threads = " + std::to_string(threads) + ": " + *refusal);
}

}  // namespace cpx::profiler

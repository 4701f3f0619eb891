#include "profiler/measure/quiet_machine.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "profiler/measure/environment.hpp"
#include "space/field_error.hpp"

namespace cpx::profiler {

namespace {

// Jiffies per CPU from /proc/stat: (busy, total).
std::map<int, std::pair<double, double>> cpu_jiffies() {
  std::map<int, std::pair<double, double>> out;
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream s(line.substr(3));
    int cpu = 0;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(s >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) continue;
    const double busy = user + nice + system + irq + softirq + steal;  // guest time is inside user
    out[cpu] = {busy, busy + idle + iowait};
  }
  return out;
}

}  // namespace

double busiest_cpu_share(const std::string& cpus, double seconds, int* busiest_cpu) {
  std::vector<int> list;
  std::istringstream s(cpus);
  for (std::string x; std::getline(s, x, ',');) list.push_back(std::stoi(x));
  const auto before = cpu_jiffies();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const auto after = cpu_jiffies();
  double worst = -1;
  for (int c : list) {
    if (!before.count(c) || !after.count(c)) return -1;
    const double busy = after.at(c).first - before.at(c).first, total = after.at(c).second - before.at(c).second;
    if (total <= 0) return -1;
    if (busy / total > worst) {
      worst = busy / total;
      if (busiest_cpu) *busiest_cpu = c;
    }
  }
  return worst;
}

std::string CpuLoad::said() const {
  char b[256];
  if (busy())
    std::snprintf(
        b, sizeof b,
        "the machine is busy: CPU %d, which we pin to, was %.0f%% busy over %.0f s (limit %.0f%%) before measuring",
        busiest_cpu, 100 * busiest_share, sample_seconds, 100 * busy_cpu_threshold);
  else
    std::snprintf(b, sizeof b, "CPUs %s at most %.0f%% busy over %.0f s (limit %.0f%%)", cpus.c_str(),
                  100 * busiest_share, sample_seconds, 100 * busy_cpu_threshold);
  return b;
}

CpuLoad sample_cpu_load(int64_t threads) {
  CpuLoad load;
  load.cpus = pin_to_cpus(threads);
  if (load.cpus.empty())
    throw FieldError(Field::quiet_machine_check, "cannot pin to " + std::to_string(threads) + " CPU(s) to check them");
  // We sleep meanwhile, so whatever keeps these CPUs busy is another process.
  load.busiest_share = busiest_cpu_share(load.cpus, CpuLoad::sample_seconds, &load.busiest_cpu);
  if (load.busiest_share < 0)
    throw FieldError(Field::quiet_machine_check, "cannot read the load of CPUs " + load.cpus + " from /proc/stat");
  return load;
}

}  // namespace cpx::profiler

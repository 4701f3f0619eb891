#include "profiler/interference.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "profiler/environment.hpp"

namespace cpx::profiler {

namespace {

std::string percent(double share) {
  char b[32];
  std::snprintf(b, sizeof b, share > 0 && share < 0.1 ? "%.1f%%" : "%.0f%%", 100 * share);
  return b;
}

double number_or(const Json& j, const char* key, double otherwise) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : otherwise;
}

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

bool timing_noisy(const Json& timing) {
  return timing.is_object() && timing.contains("noisy") && timing["noisy"].is_boolean() && timing["noisy"].get<bool>();
}

void Interference::add(const std::string& section, const Json& timing) {
  auto it = sections_.begin();
  while (it != sections_.end() && it->first != section) ++it;
  if (it == sections_.end()) it = sections_.insert(sections_.end(), {section, NoiseCount{}});
  NoiseCount& c = it->second;
  ++c.measurements;
  if (!timing_noisy(timing)) return;
  ++c.noisy;
  const double cv = timing.contains("stats_us") ? number_or(timing["stats_us"], "cv", 0) : 0;
  c.wait += number_or(timing, "wait_fraction", -1) > noisy_wait_threshold;
  c.cv += cv > noisy_cv_threshold;
  c.outliers += number_or(timing, "outlier_runs", 0) > 0;
}

NoiseCount Interference::total() const {
  NoiseCount t;
  for (const auto& [name, c] : sections_) {
    t.measurements += c.measurements;
    t.noisy += c.noisy;
    t.wait += c.wait;
    t.cv += c.cv;
    t.outliers += c.outliers;
  }
  return t;
}

std::string noise_reasons(const NoiseCount& c) {
  return "run-queue wait " + std::to_string(c.wait) + ", CV " + std::to_string(c.cv) + ", outliers " + std::to_string(c.outliers);
}

Json Interference::to_json() const {
  auto one = [](const NoiseCount& c) {
    return Json{{"measurements", c.measurements}, {"noisy", c.noisy}, {"share", c.share()},
                {"why", {{"run_queue_wait", c.wait}, {"cv", c.cv}, {"outliers", c.outliers}}}};
  };
  Json j = one(total());
  j["threshold"] = interference_threshold;
  j["above_threshold"] = above();
  j["sections"] = Json::object();
  for (const auto& [name, c] : sections_) j["sections"][name] = one(c);
  return j;
}

Interference Interference::from_json(const Json& j) {
  Interference out;
  if (!j.is_object() || !j.contains("sections") || !j["sections"].is_object()) return out;
  for (const auto& [name, c] : j["sections"].items()) {
    NoiseCount n;
    n.measurements = c.value("measurements", int64_t{0});
    n.noisy = c.value("noisy", int64_t{0});
    const Json why = c.value("why", Json::object());
    n.wait = why.value("run_queue_wait", int64_t{0});
    n.cv = why.value("cv", int64_t{0});
    n.outliers = why.value("outliers", int64_t{0});
    out.sections_.emplace_back(name, n);
  }
  return out;
}

Json Interference::brief() const { return {{"share", total().share()}, {"above_threshold", above()}, {"summary", summary()}}; }

std::string Interference::summary() const {
  const NoiseCount t = total();
  std::string per;
  for (const auto& [name, c] : sections_)
    per += (per.empty() ? "" : "; ") + name + " " + std::to_string(c.noisy) + "/" + std::to_string(c.measurements) +
           (c.noisy ? " (" + noise_reasons(c) + ")" : "");
  return std::to_string(t.noisy) + " of " + std::to_string(t.measurements) + " (" + percent(t.share()) + "): " + per;
}

std::string Interference::line(const std::string& command) const {
  if (!above())
    return command + ": noisy measurements " + summary() + " (below the " + percent(interference_threshold) + " threshold)";
  return command + ": WARNING: noisy measurements " + summary() + ", above the " + percent(interference_threshold) +
         " threshold: the machine was busy while measuring, so these figures read slower than this machine is; measure "
         "again on a quiet machine (--quiet-machine-check); exit " + std::to_string(exit_interfered);
}

Interference profile_interference(const Json& profile) {
  Interference out;
  for (const char* section : {"configs", "ops", "networks", "fasternet", "zoo"})
    for (const auto& r : profile.value(section, Json::array())) out.add(section, r.value("latency_us", Json::object()));
  return out;
}

Interference mark_interference(Json& profile) {
  Interference out = profile_interference(profile);
  if (out.above()) profile["interference"] = out.to_json();
  else profile.erase("interference");
  return out;
}

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

void check_quiet_machine(const std::string& command, int64_t threads, bool go_on_busy) {
  const std::string cpus = pin_to_cpus(threads);
  if (cpus.empty()) throw InputError("--quiet-machine-check: cannot pin to " + std::to_string(threads) + " CPU(s) to check them");
  int cpu = -1;
  // We sleep meanwhile, so whatever keeps these CPUs busy is another process.
  const double busy = busiest_cpu_share(cpus, 1.0, &cpu);
  if (busy < 0) throw InputError("--quiet-machine-check: cannot read the load of CPUs " + cpus + " from /proc/stat");
  char b[256];
  if (busy <= busy_cpu_threshold) {
    std::snprintf(b, sizeof b, "%s: quiet machine check: CPUs %s at most %.0f%% busy over 1 s (limit %.0f%%)\n", command.c_str(),
                  cpus.c_str(), 100 * busy, 100 * busy_cpu_threshold);
    std::fputs(b, stderr);
    return;
  }
  std::snprintf(b, sizeof b, "the machine is busy: CPU %d, which we pin to, was %.0f%% busy over 1 s (limit %.0f%%) before measuring",
                cpu, 100 * busy, 100 * busy_cpu_threshold);
  if (!go_on_busy)
    throw InputError(std::string("--quiet-machine-check: ") + b + "; stop what runs there, or pass --go-on-busy to measure anyway");
  std::fprintf(stderr, "%s: warning: %s; going on (--go-on-busy)\n", command.c_str(), b);
}

}  // namespace cpx::profiler

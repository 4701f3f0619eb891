// Benchmark (not a test): whole networks on our executor at 1 thread, timed by the wall clock and by the
// thread's CPU time per run. On a shared machine the CPU-time figure leaves out the time the thread waited
// for a CPU, which moves wall-clock medians by 2x in phases (docs/log/executor.md); it still includes what
// other processes cost it through shared caches. For before/after comparisons, build this file against
// both builds' libraries and alternate the two binaries. Text, or JSON with --json.
//   build/benchmarks/cpx_bench_network_cpu [--min-time 2] [--isa avx2|avx512] [--json] MODEL...
// (--isa limits our kernels, as CPX_TEST_ISA does in the tests; XNNPACK's stay at the CPU's level).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "profiler/executor/isa.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/time_network.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "space/zoo.hpp"
#include "thread_cpu_time.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {

using bench::thread_cpu_us;
using profiler::median;

}  // namespace

int main(int argc, char** argv) {
  double min_time = 2;
  bool as_json = false;
  std::vector<std::string> models;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) as_json = true;
    else if (!std::strcmp(argv[i], "--min-time") && i + 1 < argc) min_time = std::stod(argv[++i]);
    else if (!std::strcmp(argv[i], "--isa") && i + 1 < argc) {
      const std::string level = argv[++i];
      const std::optional<Isa> isa = x86_isa_from_flag(level);
      if (!isa) {
        std::fprintf(stderr, "%s: --isa = %s: not one of sse2, avx2, avx512\n", argv[0], level.c_str());
        return 2;
      }
      limit_isa(*isa);
    } else models.push_back(argv[i]);
  }
  if (models.empty()) {
    std::fprintf(stderr, "usage: %s [--min-time S] [--json] MODEL...\n", argv[0]);
    return 2;
  }
  pin_to_cpus(1);
  Json out = {{"benchmark", "cpx_bench_network_cpu"},
              {"isa", std::string(isa_name(active_isa()))},
              {"threads", 1},
              {"min_time_s", min_time},
              {"models", Json::array()}};
  for (const std::string& name : models) {
    Network net;
    try {
      net = load_model(name);
    } catch (const std::exception& e) {  // a model that is neither in the zoo nor a file: one line, exit 2
      std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
      return 2;
    }
    MeasureOptions options;
    options.min_time_s = min_time;
    // The thread's CPU clock just before every timed run: consecutive marks bound one run.
    std::vector<double> marks;
    options.before_each_run = [&] { marks.push_back(thread_cpu_us()); };
    const Timing t = time_network(net, {1, 0, false, options}).timings.network;
    std::vector<double> per_run;
    for (size_t i = 1; i < marks.size(); ++i)
      if (marks[i] > marks[i - 1]) per_run.push_back(marks[i] - marks[i - 1]);
    const double cpu_ms = median(per_run) * 1e-3, wall_ms = t.stats_us.median * 1e-3;
    out["models"].push_back({{"model", name},
                             {"cpu_ms", cpu_ms},
                             {"wall_ms", wall_ms},
                             {"runs", per_run.size() + 1},
                             {"wall_robust_cv", t.stats_us.robust_cv}});
    if (!as_json)
      std::printf("%-24s cpu %9.3f ms  wall %9.3f ms  (%zu runs)\n", name.c_str(), cpu_ms, wall_ms, per_run.size() + 1);
  }
  if (as_json) std::cout << out.dump(2) << "\n";
  return 0;
}

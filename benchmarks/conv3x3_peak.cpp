// Benchmark (not a test): the dense 3x3 convs of ResNet-50 (torchvision v1.5, stride in the 3x3) and the
// peak probe's 3x3 (28x28 256->256) as one-op networks at 1 thread, warm caches, each against this
// machine's FMA ceiling measured at the same level (probe_fma_peak: FMA chains in registers). Every level
// our kernels run here (AVX-512 and AVX2 on an AVX-512 CPU; limit_isa), interleaved round by round, so
// that a slower spell of a shared machine falls on every level alike. Prints a table and, with --json,
// JSON: per level the FMA peak and per shape GMACpS and % of it, every round's figures, and the
// MAC-weighted share over ResNet-50's 16 3x3 convs.
//   build/benchmarks/cpx_bench_conv3x3 [--rounds 3] [--min-time 0.3] [--isa avx2|avx512] [--json]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/probes.hpp"
#include "profiler/measure/time_network.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "space/count.hpp"
#include "thread_cpu_time.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {

struct Shape {
  const char* name;
  int64_t in_hw, channels, stride, count;  // count: how many ResNet-50 has (0: the peak probe's, not ResNet's)
};

constexpr Shape shapes[] = {
    {"56x56 64->64", 56, 64, 1, 3},        {"56x56 128->128 /2", 56, 128, 2, 1}, {"28x28 128->128", 28, 128, 1, 3},
    {"28x28 256->256 /2", 28, 256, 2, 1},  {"14x14 256->256", 14, 256, 1, 5},    {"14x14 512->512 /2", 14, 512, 2, 1},
    {"7x7 512->512", 7, 512, 1, 2},        {"28x28 256->256 (peak probe)", 28, 256, 1, 0},
};

// A ResNet-50 conv2: 3x3, padding 1, bias (folded BatchNorm) and relu.
Network conv3x3(const Shape& s) {
  NetworkBuilder b(s.name, "bench", {1, s.in_hw, s.in_hw, s.channels}, Where("bench"));
  Conv2d c;
  c.out_channels = s.channels;
  c.kernel = {3, 3};
  c.stride = {s.stride, s.stride};
  c.padding = {1, 1, 1, 1};
  c.bias = true;
  c.activation = Activation::relu;
  b.add("conv", {"input"}, c);
  return std::move(b).finish("conv");
}

using bench::thread_cpu_us;
using profiler::median;

// One reading: GMACpS from the median wall-clock run and from the median CPU time of this thread per run
// (at 1 thread the op runs on the calling thread). On a shared machine the CPU-time figure leaves out the
// time the thread waited for a CPU, which the wall-clock one includes.
struct Reading {
  double gmacps = 0, gmacps_cpu = 0, robust_cv = 0;
};

// f(options) returns the MACs of one run and the Timing of its runs under `options`.
template <class F>
Reading timed(MeasureOptions options, F&& f) {
  // The thread's CPU clock read just before every timed run: consecutive marks bound one run (plus the
  // loop's clock read and push_back, well under a microsecond).
  std::vector<double> marks;
  options.before_each_run = [&] { marks.push_back(thread_cpu_us()); };
  const auto [macs, t] = f(options);
  std::vector<double> per_run;
  for (size_t i = 1; i < marks.size(); ++i)
    if (marks[i] > marks[i - 1]) per_run.push_back(marks[i] - marks[i - 1]);
  const double cpu_us = median(per_run);
  return {macs / (t.stats_us.median * 1e3), cpu_us > 0 ? macs / (cpu_us * 1e3) : 0, t.stats_us.robust_cv};
}

Json to_json(const std::vector<Reading>& rs) {
  std::vector<double> wall, cpu;
  for (const Reading& r : rs) {
    wall.push_back(r.gmacps);
    cpu.push_back(r.gmacps_cpu);
  }
  const auto [lo, hi] = std::minmax_element(cpu.begin(), cpu.end());
  return {{"gmacps_cpu_median", median(cpu)}, {"gmacps_cpu_min", *lo}, {"gmacps_cpu_max", *hi},
          {"gmacps_cpu_rounds", cpu}, {"gmacps_wall_median", median(wall)}, {"gmacps_wall_rounds", wall}};
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rounds = 3;
  double min_time = 0.3;
  bool as_json = false;
  std::vector<Isa> levels;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) as_json = true;
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::stoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--min-time") && i + 1 < argc) min_time = std::stod(argv[++i]);
    else if (!std::strcmp(argv[i], "--isa") && i + 1 < argc) {
      const std::string n = argv[++i];
      if (n != "avx512" && n != "avx2") {
        std::fprintf(stderr, "%s: --isa = %s: not one of avx2, avx512\n", argv[0], n.c_str());
        return 2;
      }
      levels.push_back(n == "avx512" ? Isa::avx512 : Isa::avx2);
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--min-time S] [--isa avx2|avx512]... [--json]\n", argv[0]);
      return 2;
    }
  }
  if (levels.empty())
    for (Isa l : runnable_isas())
      if (l == Isa::avx2 || l == Isa::avx512) levels.push_back(l);
  const std::string cpus = pin_to_cpus(1);
  MeasureOptions options;
  options.min_time_s = min_time;
  // Per level: the FMA peak and each shape's readings, one per round.
  std::map<Isa, std::vector<Reading>> fma;
  std::map<Isa, std::map<std::string, std::vector<Reading>>> conv;
  std::map<Isa, std::string> tile, fma_source;
  for (int64_t round = 0; round < rounds; ++round)
    for (Isa level : levels) {
      limit_isa(level);
      tile[level] = igemm_tile();
      std::string source;
      fma[level].push_back(timed(options, [&](const MeasureOptions& o) {
        FmaPeak p = probe_fma_peak(1, o);
        source = p.source;
        return std::pair{p.macs, std::move(p.timing)};
      }));
      fma_source[level] = source;
      for (const Shape& s : shapes) {
        const Network net = conv3x3(s);
        const double macs = static_cast<double>(count(net).total.macs);
        conv[level][s.name].push_back(timed(options, [&](const MeasureOptions& o) {
          return std::pair{macs, time_network(net, {1, 0, false, o}).timings.network};
        }));
      }
    }
  limit_isa(detected_isa());

  Json out = {{"benchmark", "cpx_bench_conv3x3"}, {"threads", 1}, {"cpus", cpus}, {"rounds", rounds},
              {"min_time_s", min_time}, {"levels", Json::array()}};
  for (Isa level : levels) {
    const Json fma_json = to_json(fma[level]);
    // Both clocks: CPU time against the FMA chains' CPU time, wall clock against their wall clock.
    const double peak_cpu = fma_json["gmacps_cpu_median"].get<double>(), peak_wall = fma_json["gmacps_wall_median"].get<double>();
    Json l = {{"isa", std::string(isa_name(level))}, {"igemm_tile", tile[level]}, {"fma_source", fma_source[level]},
              {"fma_peak", fma_json}, {"shapes", Json::array()}};
    double macs_sum = 0, cpu_us_sum = 0, wall_us_sum = 0;
    if (!as_json)
      std::printf("%s (igemm %s), FMA peak %.1f GMACpS by CPU time (rounds %.1f-%.1f), %.1f by wall clock (%s)\n",
                  std::string(isa_name(level)).c_str(), tile[level].c_str(), peak_cpu, fma_json["gmacps_cpu_min"].get<double>(),
                  fma_json["gmacps_cpu_max"].get<double>(), peak_wall, fma_source[level].c_str());
    for (const Shape& s : shapes) {
      Json j = to_json(conv[level][s.name]);
      const double g = j["gmacps_cpu_median"].get<double>(), w = j["gmacps_wall_median"].get<double>();
      const double macs = static_cast<double>(count(conv3x3(s)).total.macs);
      if (s.count > 0) {
        macs_sum += static_cast<double>(s.count) * macs;
        cpu_us_sum += static_cast<double>(s.count) * macs / (g * 1e3);
        wall_us_sum += static_cast<double>(s.count) * macs / (w * 1e3);
      }
      j["shape"] = s.name;
      j["resnet50_count"] = s.count;
      j["macs"] = macs;
      j["percent_of_fma_peak_cpu"] = 100 * g / peak_cpu;
      j["percent_of_fma_peak_wall"] = 100 * w / peak_wall;
      l["shapes"].push_back(j);
      if (!as_json)
        std::printf("  %-28s %6.1f GMACpS %5.1f%% of peak (rounds %.1f-%.1f); wall clock %6.1f, %5.1f%%\n", s.name, g,
                    100 * g / peak_cpu, j["gmacps_cpu_min"].get<double>(), j["gmacps_cpu_max"].get<double>(), w, 100 * w / peak_wall);
    }
    const double cpu = macs_sum / (cpu_us_sum * 1e3), wall = macs_sum / (wall_us_sum * 1e3);
    l["resnet50_3x3"] = {{"gmacps_cpu", cpu}, {"percent_of_fma_peak_cpu", 100 * cpu / peak_cpu},
                         {"gmacps_wall", wall}, {"percent_of_fma_peak_wall", 100 * wall / peak_wall}};
    if (!as_json)
      std::printf("  ResNet-50's 16 3x3 convs, MAC-weighted: %.1f GMACpS, %.1f%% of the FMA peak; wall clock %.1f, %.1f%%\n", cpu,
                  100 * cpu / peak_cpu, wall, 100 * wall / peak_wall);
    out["levels"].push_back(l);
  }
  if (as_json) std::cout << out.dump(2) << "\n";
  return 0;
}

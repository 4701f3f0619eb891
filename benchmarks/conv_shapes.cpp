// Benchmark (not a test): conv and linear shapes as one-op networks at 1 thread, warm caches, on every
// engine that can run them here, against this machine's FMA ceiling (probe_fma_peak: FMA chains in
// registers) by the thread's CPU time. Engines: our igemm at every level our kernels run here (AVX-512 and
// AVX2 on an AVX-512 CPU; limit_isa) and XNNPACK (at the CPU's own level: it takes no limit), each forced
// on every shape (override_igemm_rule), so that the rule that picks between them is measured, not guessed:
// per level the engine the rule picks, and per model the MAC-weighted speed of igemm, XNNPACK, the rule's
// picks and the faster of the two per shape. Engines alternate round by round, so that a slower spell of
// a shared machine falls on every one alike. Prints a table and, with --json, JSON.
// Sets: resnet50-3x3, ResNet-50's 3x3 convs (torchvision v1.5, stride in the 3x3) and the peak probe's;
// pointwise, every 1x1 conv (groups 1) and fully connected layer of ResNet-50, MobileNetV3-L and
// EfficientNet-B0 as the zoo builds them (squeeze-excite's 1-pixel convs and the classifiers: GEMV shapes),
// one row per distinct shape with how many of it the model has.
//   build/benchmarks/cpx_bench_conv_shapes [--set resnet50-3x3|pointwise] [--rounds 3] [--min-time 0.3]
//       [--isa avx2|avx512]... [--engine igemm|xnnpack]... [--shape TEXT]... [--json]
// (--shape keeps the shapes whose name contains one of the texts.)
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/probes.hpp"
#include "profiler/measure/time_network.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"
#include "thread_cpu_time.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {

enum class Engine { igemm, xnnpack };
constexpr std::array<std::pair<Engine, const char*>, 2> engine_names{
    {{Engine::igemm, "igemm"}, {Engine::xnnpack, "xnnpack"}}};
const char* to_string(Engine e) { return engine_names[static_cast<size_t>(e)].second; }

enum class ShapeSet { resnet50_3x3, pointwise };
constexpr std::array<std::pair<ShapeSet, const char*>, 2> set_names{
    {{ShapeSet::resnet50_3x3, "resnet50-3x3"}, {ShapeSet::pointwise, "pointwise"}}};

// One shape: a one-op network and where it comes from.
struct Shape {
  std::string name, model;  // model: the network it is taken from ("" for the peak probe)
  int64_t count = 0;        // how many of it the model has
  Network net;
  double macs = 0;
  int64_t in_per_group = 0, out_per_group = 0, groups = 1;  // what the engine rule reads
};

Shape one_op(std::string name, std::string model, int64_t how_many, ShapeNhwc input, const OpAttrs& op) {
  NetworkBuilder b(name, "bench", input, Where("bench"));
  b.add("op", {"input"}, op);
  Shape s{std::move(name), std::move(model), how_many, std::move(b).finish("op")};
  s.macs = static_cast<double>(count(s.net).total.macs);
  if (const auto* c = std::get_if<Conv2d>(&op)) {
    s.in_per_group = input.c / c->groups, s.out_per_group = c->out_channels / c->groups, s.groups = c->groups;
  } else {
    s.in_per_group = input.c, s.out_per_group = std::get<FullyConnected>(op).out_features;
  }
  return s;
}

// ResNet-50's conv2: 3x3, padding 1, bias (folded BatchNorm) and relu; count 0 is the peak probe's.
std::vector<Shape> resnet50_3x3() {
  struct Row {
    const char* name;
    int64_t in_hw, channels, stride, count;
  };
  constexpr Row rows[] = {
      {"56x56 64->64", 56, 64, 1, 3},    {"56x56 128->128 /2", 56, 128, 2, 1},
      {"28x28 128->128", 28, 128, 1, 3}, {"28x28 256->256 /2", 28, 256, 2, 1},
      {"14x14 256->256", 14, 256, 1, 5}, {"14x14 512->512 /2", 14, 512, 2, 1},
      {"7x7 512->512", 7, 512, 1, 2},    {"28x28 256->256 (peak probe)", 28, 256, 1, 0},
  };
  std::vector<Shape> out;
  for (const Row& r : rows) {
    Conv2d c;
    c.out_channels = r.channels;
    c.kernel = {3, 3};
    c.stride = {r.stride, r.stride};
    c.padding = {1, 1, 1, 1};
    c.bias = true;
    c.activation = Activation::relu;
    out.push_back(one_op(r.name, r.count ? "resnet50" : "", r.count, {1, r.in_hw, r.in_hw, r.channels}, c));
  }
  return out;
}

// Every 1x1 conv of groups 1 and every fully connected layer of the models, one Shape per distinct
// (input, op) with its count.
std::vector<Shape> pointwise() {
  std::vector<Shape> out;
  for (const char* model : {"resnet50", "mobilenetv3-large", "efficientnet-b0"}) {
    const Network net = load_model(model);
    std::map<std::string, size_t> index;  // name -> position in out
    for (const Op& op : net.ops) {
      const ShapeNhwc in = net.shape_of(op.inputs[0]);
      std::string kind;
      if (const auto* c = op.as<Conv2d>(); c && c->kernel == std::array<int64_t, 2>{1, 1} && c->groups == 1)
        kind = std::to_string(in.c) + "->" + std::to_string(c->out_channels) + (c->stride[0] > 1 ? " /2" : "") +
               (c->activation == Activation::none ? "" : " " + std::string(cpx::to_string(c->activation)));
      else if (const auto* f = op.as<FullyConnected>())
        kind = "fc " + std::to_string(in.c) + "->" + std::to_string(f->out_features) +
               (f->activation == Activation::none ? "" : " " + std::string(cpx::to_string(f->activation)));
      else continue;
      const std::string name =
          std::string(model) + " " + std::to_string(in.h) + "x" + std::to_string(in.w) + " " + kind;
      if (auto it = index.find(name); it != index.end()) {
        ++out[it->second].count;
        continue;
      }
      index[name] = out.size();
      out.push_back(one_op(name, model, 1, in, op.attrs));
    }
  }
  return out;
}

using bench::thread_cpu_us;
using profiler::median;

// One reading: GMACpS from the median wall-clock run and from the median CPU time of this thread per run
// (at 1 thread the op runs on the calling thread). On a shared machine the CPU-time figure leaves out the
// time the thread waited for a CPU, which the wall-clock one includes.
struct Reading {
  double gmacps = 0, gmacps_cpu = 0;
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
  return {macs / (t.stats_us.median * 1e3), cpu_us > 0 ? macs / (cpu_us * 1e3) : 0};
}

// Median and range over rounds, by CPU time (the wall clock's median beside it).
struct Summary {
  double median = 0, min = 0, max = 0, wall = 0;
  std::vector<double> rounds;
};

Summary summarise(const std::vector<Reading>& rs) {
  Summary s;
  std::vector<double> wall;
  for (const Reading& r : rs) {
    s.rounds.push_back(r.gmacps_cpu);
    wall.push_back(r.gmacps);
  }
  const auto [lo, hi] = std::minmax_element(s.rounds.begin(), s.rounds.end());
  s.median = median(s.rounds), s.min = *lo, s.max = *hi, s.wall = median(wall);
  return s;
}

Json to_json(const Summary& s) {
  return {{"gmacps_cpu_median", s.median},
          {"gmacps_cpu_min", s.min},
          {"gmacps_cpu_max", s.max},
          {"gmacps_cpu_rounds", s.rounds},
          {"gmacps_wall_median", s.wall}};
}

// What one engine runs at: igemm at a level of ours, XNNPACK at the CPU's.
struct Runner {
  Engine engine;
  Isa isa;
  std::string label() const { return std::string(to_string(engine)) + " " + std::string(isa_name(isa)); }
};

struct Options {
  ShapeSet set = ShapeSet::resnet50_3x3;
  int64_t rounds = 3;
  double min_time = 0.3;
  bool as_json = false;
  std::vector<Isa> levels;
  std::vector<Engine> engines;
  std::vector<std::string> only;  // --shape: keep names containing one of these
};

// Bad input: one line naming the flag and value, exit 2.
[[noreturn]] void refuse(const char* argv0, const std::string& flag, const std::string& value, const char* allowed) {
  std::fprintf(stderr, "%s: %s = %s: not one of %s\n", argv0, flag.c_str(), value.c_str(), allowed);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--json") o.as_json = true;
    else if (a == "--rounds" && has_value) o.rounds = std::stoll(argv[++i]);
    else if (a == "--min-time" && has_value) o.min_time = std::stod(argv[++i]);
    else if (a == "--shape" && has_value) o.only.push_back(argv[++i]);
    else if (a == "--isa" && has_value) {
      const std::string n = argv[++i];
      const std::optional<Isa> level = x86_isa_from_flag(n);
      if (!level || level == Isa::sse2) refuse(argv[0], a, n, "avx2, avx512");  // igemm has no SSE tile
      o.levels.push_back(*level);
    } else if ((a == "--engine" || a == "--set") && has_value) {
      const std::string n = argv[++i];
      bool known = false;
      if (a == "--engine") {
        for (const auto& [e, name] : engine_names)
          if (n == name) o.engines.push_back(e), known = true;
        if (!known) refuse(argv[0], a, n, "igemm, xnnpack");
      } else {
        for (const auto& [s, name] : set_names)
          if (n == name) o.set = s, known = true;
        if (!known) refuse(argv[0], a, n, "resnet50-3x3, pointwise");
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--set resnet50-3x3|pointwise] [--rounds N] [--min-time S] [--isa avx2|avx512]... "
                   "[--engine igemm|xnnpack]... [--shape TEXT]... [--json]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  if (o.levels.empty())
    for (Isa l : runnable_isas())
      if (l == Isa::avx2 || l == Isa::avx512) o.levels.push_back(l);
  if (o.engines.empty()) o.engines = {Engine::igemm, Engine::xnnpack};
  return o;
}

std::vector<Runner> runners_of(const Options& o) {
  std::vector<Runner> out;
  for (Engine e : o.engines) {
    if (e == Engine::xnnpack) out.push_back({e, detected_isa()});
    else
      for (Isa l : o.levels) out.push_back({e, l});
  }
  return out;
}

struct Results {
  std::map<Isa, std::vector<Reading>> fma;  // per level of ours (and the CPU's, for XNNPACK)
  std::map<Isa, std::string> fma_source, tile;
  std::map<std::string, std::vector<std::vector<Reading>>> by_runner;  // label -> per shape, per round
};

Results run(const Options& o, const std::vector<Shape>& shapes, const std::vector<Runner>& runners) {
  Results r;
  MeasureOptions options;
  options.min_time_s = o.min_time;
  for (const Runner& x : runners) r.by_runner[x.label()].resize(shapes.size());
  // The FMA peak of every level a runner runs at, once a round.
  std::vector<Isa> fma_levels;
  for (const Runner& x : runners)
    if (std::find(fma_levels.begin(), fma_levels.end(), x.isa) == fma_levels.end()) fma_levels.push_back(x.isa);
  for (Isa level : o.levels)
    if (std::find(fma_levels.begin(), fma_levels.end(), level) == fma_levels.end()) fma_levels.push_back(level);
  for (int64_t round = 0; round < o.rounds; ++round) {
    for (Isa level : fma_levels) {
      limit_isa(level);
      r.tile[level] = igemm_tile();
      r.fma[level].push_back(timed(options, [&](const MeasureOptions& mo) {
        FmaPeak p = probe_fma_peak(1, mo);
        r.fma_source[level] = p.source;
        return std::pair{p.macs, std::move(p.timing)};
      }));
    }
    for (const Runner& x : runners) {
      limit_isa(x.isa);
      override_igemm_rule(x.engine == Engine::igemm ? IgemmRule{true, 1} : IgemmRule{});
      for (size_t i = 0; i < shapes.size(); ++i)
        r.by_runner[x.label()][i].push_back(timed(options, [&](const MeasureOptions& mo) {
          return std::pair{shapes[i].macs, time_network(shapes[i].net, {1, 0, false, mo}).timings.network};
        }));
    }
  }
  override_igemm_rule(std::nullopt);
  limit_isa(detected_isa());
  return r;
}

// The engine the machine's rule picks for a shape at `level` (igemm_prefers at 1 thread).
Engine rule_engine(const Shape& s, Isa level) {
  limit_isa(level);
  const Engine e = igemm_rule().takes(s.in_per_group, s.out_per_group, s.groups, 1) ? Engine::igemm : Engine::xnnpack;
  limit_isa(detected_isa());
  return e;
}

// MAC-weighted GMACpS over a model's shapes (each counted as often as the model has it), per shape
// choosing by `pick` the runner's median; 0 where a pick is missing.
template <class Pick>
double weighted(const std::vector<Shape>& shapes, const std::string& model, Pick&& pick) {
  double macs = 0, us = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (shapes[i].model != model || shapes[i].count == 0) continue;
    const double g = pick(i);
    if (g <= 0) return 0;
    macs += static_cast<double>(shapes[i].count) * shapes[i].macs;
    us += static_cast<double>(shapes[i].count) * shapes[i].macs / (g * 1e3);
  }
  return us > 0 ? macs / (us * 1e3) : 0;
}

Json report_level(const Options& o, const std::vector<Shape>& shapes, const Results& r, Isa level) {
  const Summary peak = summarise(r.fma.at(level));
  const Runner ours{Engine::igemm, level}, xnn{Engine::xnnpack, detected_isa()};
  const bool has_ours = r.by_runner.contains(ours.label()), has_xnn = r.by_runner.contains(xnn.label());
  auto gmacps = [&](const Runner& x, size_t i) { return summarise(r.by_runner.at(x.label())[i]).median; };
  Json l = {
      {"isa", std::string(isa_name(level))}, {"igemm_tile", r.tile.at(level)}, {"fma_source", r.fma_source.at(level)},
      {"fma_peak", to_json(peak)},           {"rule", Json::array()},          {"models", Json::object()}};
  if (!o.as_json)
    std::printf(
        "\n%s (igemm %s), FMA peak %.1f GMACpS by CPU time (rounds %.1f-%.1f); GMACpS, %% of that peak, [range of "
        "rounds]\n",
        std::string(isa_name(level)).c_str(), r.tile.at(level).c_str(), peak.median, peak.min, peak.max);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Engine pick = rule_engine(shapes[i], level);
    l["rule"].push_back({{"shape", shapes[i].name}, {"engine", to_string(pick)}});
    if (o.as_json) continue;
    std::printf("  %-44s x%-2lld rule %-7s", shapes[i].name.c_str(), static_cast<long long>(shapes[i].count),
                to_string(pick));
    for (const Runner& x : {ours, xnn}) {
      if (!r.by_runner.contains(x.label())) continue;
      const Summary s = summarise(r.by_runner.at(x.label())[i]);
      std::printf("  %s %6.1f %5.1f%% [%.1f-%.1f]", to_string(x.engine), s.median, 100 * s.median / peak.median, s.min,
                  s.max);
    }
    std::printf("\n");
  }
  std::vector<std::string> models;
  for (const Shape& s : shapes)
    if (!s.model.empty() && std::find(models.begin(), models.end(), s.model) == models.end()) models.push_back(s.model);
  for (const std::string& m : models) {
    Json mj = Json::object();
    if (has_ours) mj["igemm"] = weighted(shapes, m, [&](size_t i) { return gmacps(ours, i); });
    if (has_xnn) mj["xnnpack"] = weighted(shapes, m, [&](size_t i) { return gmacps(xnn, i); });
    if (has_ours && has_xnn) {
      mj["rule"] = weighted(
          shapes, m, [&](size_t i) { return gmacps(rule_engine(shapes[i], level) == Engine::igemm ? ours : xnn, i); });
      mj["best"] = weighted(shapes, m, [&](size_t i) { return std::max(gmacps(ours, i), gmacps(xnn, i)); });
    }
    if (!o.as_json) {
      std::printf("  %s, MAC-weighted:", m.c_str());
      for (const auto& [k, v] : mj.items())
        std::printf(" %s %.1f GMACpS (%.1f%%)", k.c_str(), v.get<double>(), 100 * v.get<double>() / peak.median);
      std::printf("\n");
    }
    for (auto& [k, v] : mj.items())
      v = Json{{"gmacps_cpu", v}, {"percent_of_fma_peak_cpu", 100 * v.get<double>() / peak.median}};
    l["models"][m] = mj;
  }
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::vector<Shape> shapes = o.set == ShapeSet::pointwise ? pointwise() : resnet50_3x3();
  if (!o.only.empty())
    std::erase_if(shapes, [&](const Shape& s) {
      return std::none_of(o.only.begin(), o.only.end(),
                          [&](const std::string& t) { return s.name.find(t) != std::string::npos; });
    });
  const std::vector<Runner> runners = runners_of(o);
  const std::string cpus = pin_to_cpus(1);
  const Results r = run(o, shapes, runners);
  Json out = {{"benchmark", "cpx_bench_conv_shapes"},
              {"set", set_names[static_cast<size_t>(o.set)].second},
              {"threads", 1},
              {"cpus", cpus},
              {"rounds", o.rounds},
              {"min_time_s", o.min_time},
              {"runners", Json::array()},
              {"levels", Json::array()}};
  for (const Runner& x : runners) {
    const Summary peak = summarise(r.fma.at(x.isa));
    Json rj = {{"engine", to_string(x.engine)}, {"isa", std::string(isa_name(x.isa))}, {"shapes", Json::array()}};
    for (size_t i = 0; i < shapes.size(); ++i) {
      Json j = to_json(summarise(r.by_runner.at(x.label())[i]));
      j["shape"] = shapes[i].name, j["model"] = shapes[i].model, j["count"] = shapes[i].count,
      j["macs"] = shapes[i].macs;
      j["percent_of_fma_peak_cpu"] = 100 * j["gmacps_cpu_median"].get<double>() / peak.median;
      rj["shapes"].push_back(j);
    }
    out["runners"].push_back(rj);
  }
  for (Isa level : o.levels) out["levels"].push_back(report_level(o, shapes, r, level));
  if (o.as_json) std::cout << out.dump(2) << "\n";
  return 0;
}

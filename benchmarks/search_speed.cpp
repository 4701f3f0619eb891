// Benchmark (not a test): candidate evaluations per second on one core (decode, expand, count, predict,
// estimate accuracy), split by stage, and the NSGA-II vs random-search hypervolume at equal evaluations.
//   build/benchmarks/cpx_bench_search [--device-file predictor/devices/pi5.json] [--evaluations N] [--json]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "explorer/search.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::explorer;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

int main(int argc, char** argv) {
  std::string path = std::string(CPX_SOURCE_DIR) + "/predictor/devices/pi5.json";
  int64_t evaluations = 20000;
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) as_json = true;
    else if (std::strcmp(argv[i], "--device-file") == 0 && i + 1 < argc) path = argv[++i];
    else if (std::strcmp(argv[i], "--evaluations") == 0 && i + 1 < argc) evaluations = std::stoll(argv[++i]);
  }
  try {
    const predictor::Predictor p = predictor::predictor_from_json(read_json_file(path), path);
    const SearchSpace space = SearchSpace::defaults();
    const AccuracyModel acc = fit_proxy();
    // Stage costs on 2000 random genomes.
    std::mt19937_64 rng(3);
    std::vector<Genome> genomes;
    for (int i = 0; i < 2000; ++i) genomes.push_back(space.random(rng));
    double t_decode = 0, t_expand = 0, t_count = 0, t_predict = 0;
    int64_t built = 0;
    for (const Genome& g : genomes) {
      auto t0 = Clock::now();
      const Macro m = space.decode(g, "c");
      t_decode += seconds_since(t0);
      try {
        t0 = Clock::now();
        const Network net = expand(m, "c");
        t_expand += seconds_since(t0);
        t0 = Clock::now();
        const NetworkCount c = count(net);
        t_count += seconds_since(t0);
        t0 = Clock::now();
        volatile double sink = predictor::predict(p, net, 1).latency_us + acc.objective(capacity(net, c));
        (void)sink;
        t_predict += seconds_since(t0);
        ++built;
      } catch (const InputError&) {}
    }
    // Whole search: 3 runs, median evaluations per second.
    std::vector<double> rates;
    double hv_ratio = 0;
    SearchOptions o;
    o.evaluations = evaluations;
    for (const char* b : {"b0", "b1", "b2", "b3"}) o.seeds.push_back(space.encode(*find_zoo(b)->macro));
    for (int run = 0; run < 3; ++run) {
      Evaluator e(space, p, acc, 1, {});
      const SearchResult r = nsga2(e, o);
      rates.push_back(static_cast<double>(r.evaluations) / r.seconds);
      if (run == 0) {
        Evaluator er(space, p, acc, 1, {});
        const SearchResult rr = random_search(er, o);
        double ref_obj = INFINITY, ref_lat = 0;
        for (const auto* f : {&r.front, &rr.front})
          for (const auto& c : *f) ref_obj = std::min(ref_obj, c.objective);
        for (const auto& s : o.seeds) ref_lat = std::max(ref_lat, 1.1 * e.evaluate(s).latency_us);
        hv_ratio = hypervolume(r.front, ref_lat, ref_obj) / hypervolume(rr.front, ref_lat, ref_obj);
      }
    }
    std::sort(rates.begin(), rates.end());
    const double n = static_cast<double>(built);
    const Json j = {{"benchmark", "search_speed"},
                    {"device_file", path},
                    {"evaluations", evaluations},
                    {"evaluations_per_second_median_of_3", rates[1]},
                    {"rates", rates},
                    {"per_candidate_us",
                     {{"decode", 1e6 * t_decode / 2000},
                      {"expand", 1e6 * t_expand / n},
                      {"count", 1e6 * t_count / n},
                      {"predict_and_accuracy", 1e6 * t_predict / n}}},
                    {"hypervolume_ratio_vs_random", hv_ratio}};
    if (as_json) {
      std::cout << j.dump(2) << "\n";
    } else {
      std::printf("search: %.0f evaluations/s (median of 3 runs of %lld)\n", rates[1],
                  static_cast<long long>(evaluations));
      std::printf("per candidate: decode %.1f us, expand %.1f us, count %.1f us, predict+accuracy %.1f us\n",
                  1e6 * t_decode / 2000, 1e6 * t_expand / n, 1e6 * t_count / n, 1e6 * t_predict / n);
      std::printf("hypervolume NSGA-II / random at %lld evaluations: %.3f\n", static_cast<long long>(evaluations),
                  hv_ratio);
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "cpx_bench_search: %s\n", e.what());
    return 2;
  }
  return 0;
}

// Benchmark (not a test): operator predictions per second on one core, and time per whole-network
// prediction (features + model) for every zoo network. Prints text and, with --json, JSON.
//   build/benchmarks/cpx_bench_predictor [PREDICTOR.json] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "predictor/predictor.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string path;
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) as_json = true;
    else path = argv[i];
  }
  if (path.empty()) {
    const char* home = std::getenv("CPX_HOME");
    path = home ? std::string(home) + "/devices/host.predictor.json"
                : std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") +
                      "/.cache/cpubone-explore/devices/host.predictor.json";
  }
  try {
    const predictor::Predictor p = predictor::predictor_from_json(read_json_file(path), path);
    std::vector<Network> nets;
    std::vector<predictor::OpFeatures> features;
    for (const auto& e : zoo()) {
      nets.push_back(e.build(0));
      for (size_t i = 0; i < nets.back().ops.size(); ++i) features.push_back(predictor::op_features(nets.back(), i, 1));
    }
    // Operator predictions from precomputed features, repeated for about a second; median of 5 rounds.
    std::vector<double> rates;
    double sink = 0;
    for (int round = 0; round < 5; ++round) {
      size_t n = 0;
      const auto start = Clock::now();
      while (std::chrono::duration<double>(Clock::now() - start).count() < 0.2) {
        for (const auto& f : features) sink += p.predict_op_us(f);
        n += features.size();
      }
      rates.push_back(static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(rates.begin(), rates.end());
    // Whole networks, features included.
    std::vector<double> per_net_us;
    for (const auto& net : nets) {
      std::vector<double> t;
      for (int k = 0; k < 50; ++k) {
        const auto s = Clock::now();
        sink += predictor::predict(p, net, 1).latency_us;
        t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - s).count());
      }
      std::sort(t.begin(), t.end());
      per_net_us.push_back(t[t.size() / 2]);
    }
    std::sort(per_net_us.begin(), per_net_us.end());
    const double median_net = per_net_us[per_net_us.size() / 2], max_net = per_net_us.back();
    if (as_json) {
      std::cout << Json{{"op_predictions_per_s_median", rates[2]},
                        {"ops", features.size()},
                        {"network_prediction_us_median", median_net},
                        {"network_prediction_us_max", max_net},
                        {"networks", nets.size()},
                        {"checksum", sink}}
                       .dump(2)
                << "\n";
    } else {
      std::printf("operator predictions: %.2f M/s (median of 5 rounds over %zu zoo operators, 1 core)\n",
                  rates[2] / 1e6, features.size());
      std::printf("whole-network prediction incl. features: median %.1f us, max %.1f us over %zu zoo networks\n",
                  median_net, max_net, nets.size());
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "cpx_bench_predictor: %s\n", e.what());
    return 2;
  }
  return 0;
}

// The profile's plain CNNs (profiler/plain_networks.hpp): deterministic, valid, within their MACs range,
// covering the op kinds they are there for (read back from the networks' ops), and in the full profile's
// networks section.
#include <catch2/catch.hpp>

#include <set>

#include "predictor/features.hpp"
#include "profiler/plain_networks.hpp"
#include "profiler/sweep_grid.hpp"
#include "space/count.hpp"

using namespace cpx;

TEST_CASE("plain networks are deterministic for a seed and differ between seeds", "[plain]") {
  const Network a = profiler::plain_cnn(5), b = profiler::plain_cnn(5), c = profiler::plain_cnn(6);
  CHECK(to_json(a) == to_json(b));
  CHECK(a.name == "plain_5");
  CHECK(to_json(a) != to_json(c));
}

TEST_CASE("plain networks load back through the space's validation and stay within their MACs range", "[plain]") {
  std::set<std::string> classes;
  std::set<int64_t> kernels, resolutions;
  bool factorised = false, se = false;
  int64_t max_width = 0;
  for (uint64_t seed = profiler::plain_seed_base; seed < profiler::plain_seed_base + 60; ++seed) {
    INFO("seed " << seed);
    const Network net = profiler::plain_cnn(seed);
    const Network back = load_network(to_json(net), "plain");  // every shape and attribute re-checked
    CHECK(to_json(back) == to_json(net));
    const int64_t macs = count(back).total.macs;
    CHECK(macs >= profiler::plain_min_macs);
    CHECK(macs <= profiler::plain_max_macs);
    resolutions.insert(net.input.h);
    for (size_t i = 0; i < net.ops.size(); ++i) {
      classes.insert(std::string(predictor::to_string(predictor::op_features(net, i, 1).op_class)));
      se |= net.ops[i].as<Multiply>() != nullptr;
      if (const auto* c = net.ops[i].as<Conv2d>()) {
        kernels.insert(c->kernel[0]);
        factorised |= c->kernel[0] != c->kernel[1];
        max_width = std::max(max_width, c->out_channels);
      }
    }
  }
  CHECK(kernels == std::set<int64_t>{1, 3, 5, 7});
  CHECK(factorised);
  CHECK(se);
  CHECK(max_width >= 1024);
  CHECK(*resolutions.begin() == 128);
  CHECK(*resolutions.rbegin() == 256);
  for (const char* c : {"conv_dense", "conv_grouped", "conv_depthwise", "conv_pointwise", "fully_connected", "pooling",
                        "elementwise"}) {
    INFO(c);
    CHECK(classes.count(c));
  }
}

TEST_CASE("a full profile measures 20 plain networks at each thread count in its networks section", "[plain]") {
  const auto work = profiler::sweep_work(false, {1, 2}, 0);
  std::set<std::string> plain;
  for (const auto& w : work) {
    if (w.id.rfind("plain_", 0) != 0) continue;
    CHECK(w.section == "networks");
    plain.insert(w.id);
  }
  CHECK(plain.size() == 40);
  CHECK(plain.count("plain_2000000_t1"));
  CHECK(plain.count("plain_2000019_t2"));
  for (const auto& w : work)
    if (w.id == "plain_2000003_t2") {
      const Network net = w.network();
      CHECK(net.name == "plain_2000003");
      CHECK(w.fields(net) == Json{{"plain_seed", 2000003}});
    }
}

// The roofline class model (issue 16 item 1) on synthetic operators whose true law is known.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "documents.hpp"
#include "error_of.hpp"
#include "explorer/option_checks.hpp"
#include "predictor/fit.hpp"
#include "profiler/profile/interference.hpp"

using namespace cpx;
using namespace cpx::predictor;

namespace {

// The message of the AdvisedError `f` throws as the command line (and Python) says it.
std::string cli_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const AdvisedError& e) { return explorer::cli_message(e); }
  return "(no AdvisedError)";
}

const Ceilings machine{1e11, 2e10};

struct Shape {
  int64_t cin, cout, res, kernel, groups = 1;
};

Conv2d conv_of(const Shape& s) {
  Conv2d c;
  c.out_channels = s.cout;
  c.kernel = {s.kernel, s.kernel};
  c.padding = {s.kernel / 2, s.kernel / 2, s.kernel / 2, s.kernel / 2};
  c.groups = s.groups;
  return c;
}

OpFeatures features_of(const Shape& s, int64_t threads = 1) {
  const ShapeNhwc in[] = {{1, s.res, s.res, s.cin}};
  return op_features(conv_of(s), in, ShapeNhwc{1, s.res, s.res, s.cout}, threads);
}

// The true law: efficiency rises with channels and pixels, never reaching 1.
double true_us(const Shape& s) {
  const OpFeatures f = features_of(s);
  const double z = -1.5 + 0.6 * (std::log(double(s.cout)) - 4.5) + 0.3 * (std::log(double(s.cin)) - 4.5) +
                   0.4 * (std::log(double(s.res * s.res)) - 6.0);
  return std::max(f.macs / machine.peak_macps, f.bytes / machine.bandwidth_bytes_per_s) * 1e6 * (1 + std::exp(-z));
}

std::vector<Shape> training_grid() {
  std::vector<Shape> g;
  for (int64_t cin : {16, 32, 64, 128, 256})
    for (int64_t cout : {16, 32, 64, 128, 256})
      for (int64_t res : {14, 28, 56})
        for (int64_t k : {3, 5}) g.push_back({cin, cout, res, k});
  return g;
}

// Far outside the grid: the shapes issue 16 found mispredicted (wide dense convs, big kernels).
std::vector<Shape> far_shapes() {
  std::vector<Shape> g;
  for (int64_t c : {1024, 2048, 4096})
    for (int64_t res : {7, 112})
      for (int64_t k : {3, 7}) g.push_back({c / 2, c, res, k});
  return g;
}

// A profile of one-conv configs measured at the true law times noise (3% log-normal); `depthwise` makes
// each grid shape a depthwise conv of its input channels.
Json synthetic_profile(double (*law)(const Shape&), unsigned seed, bool depthwise = false) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.03);
  Json configs = Json::array();
  for (Shape s : training_grid()) {
    if (depthwise) s.cout = s.groups = s.cin;
    const double us = law(s) * std::exp(noise(rng));
    const Json timing = {{"stats_us", {{"median", us}}}};
    const Json layer = {{"name", "conv"},
                        {"op", "conv2d"},
                        {"attrs",
                         {{"out_channels", s.cout},
                          {"kernel", {s.kernel, s.kernel}},
                          {"stride", {1, 1}},
                          {"padding", {s.kernel / 2, s.kernel / 2, s.kernel / 2, s.kernel / 2}},
                          {"groups", s.groups},
                          {"bias", false},
                          {"batch_norm", false},
                          {"activation", "none"}}},
                        {"in_nhwc", {{1, s.res, s.res, s.cin}}},
                        {"inputs", {std::string(input_tensor)}},
                        {"out_nhwc", {1, s.res, s.res, s.cout}},
                        {"timing", timing}};
    const int64_t macs = s.res * s.res * s.cout * (s.cin / s.groups) * s.kernel * s.kernel;
    configs.push_back({{"id", "conv_" + std::to_string(configs.size()) + "_t1"},
                       {"variant", s.groups == 1 ? "conv" : "dwconv"},
                       {"kernel", s.kernel},
                       {"groups", s.groups},
                       {"channels", s.cout},
                       {"resolution", s.res},
                       {"stride", 1},
                       {"threads", 1},
                       {"macs", macs},
                       {"macps", static_cast<double>(macs) / (us * 1e-6)},
                       {"timing", timing},
                       {"layers", {layer}}});
  }
  // The class models' memory ceiling is the cache bandwidth (DRAM's is for transfer to devices).
  Json profile =
      test::profile_header(machine.peak_macps, machine.bandwidth_bytes_per_s / 4, machine.bandwidth_bytes_per_s);
  profile["configs"] = configs;
  return profile;
}

double mape_on(const Predictor& p, const std::vector<Shape>& shapes, double (*law)(const Shape&)) {
  double ape = 0;
  for (const Shape& s : shapes) ape += std::abs(p.predict_op_us(features_of(s)) / law(s) - 1);
  return ape / static_cast<double>(shapes.size());
}

}  // namespace

TEST_CASE("roofline model: fitted on a grid, it recovers the law and beats the quadratic far outside it",
          "[roofline]") {
  const Json profile = synthetic_profile(true_us, 1);
  const Predictor chosen = test::fit_profile(profile, "synthetic.json");
  FitOptions quadratic_only;
  quadratic_only.roofline = false;
  const Predictor quadratic = test::fit_profile(profile, "synthetic.json", quadratic_only);
  const auto& c = *chosen.classes[static_cast<size_t>(OpClass::conv_dense)];
  REQUIRE(c.roofline);
  REQUIRE_FALSE(quadratic.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline);
  const Json& held = chosen.provenance.document["classes"]["conv_dense"]["held_out"];
  CHECK(held["chosen"] != "quadratic");
  CHECK(held["roofline"]["kfold_mape"].get<double>() < held["quadratic"]["kfold_mape"].get<double>());
  CHECK(held["roofline"]["kfold_mape"].get<double>() < 0.05);  // about the 3% noise
  const double far_roofline = mape_on(chosen, far_shapes(), true_us),
               far_quadratic = mape_on(quadratic, far_shapes(), true_us);
  INFO("far MAPE roofline " << far_roofline << ", quadratic " << far_quadratic);
  CHECK(far_roofline < 0.10);
  CHECK(far_roofline < 0.5 * far_quadratic);
  CHECK(mape_on(chosen, training_grid(), true_us) < 0.05);
}

TEST_CASE("roofline model: efficiency stays above 0 and at most 1 on random and extreme shapes", "[roofline]") {
  const Predictor p = test::fit_profile(synthetic_profile(true_us, 2), "synthetic.json");
  RooflineModel m = *p.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline;
  RooflineModel wild = m;  // coefficients far beyond anything a fit gives
  for (size_t k = 0; k < wild.theta.size(); ++k) wild.theta[k] = (k % 2 ? 60.0 : -45.0);
  std::mt19937 rng(3);
  auto pick = [&](std::initializer_list<int64_t> v) {
    return *(v.begin() + std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng));
  };
  std::vector<Shape> shapes;
  for (int i = 0; i < 500; ++i)
    shapes.push_back({pick({1, 3, 16, 96, 512, 4096}), pick({1, 8, 64, 640, 4096}), pick({1, 7, 14, 56, 224}),
                      pick({1, 3, 5, 7}), 1});
  shapes.push_back({4096, 4096, 224, 7});
  shapes.push_back({4096, 4096, 7, 7});
  shapes.push_back({1, 1, 1, 1});
  for (const Shape& s : shapes)
    for (int64_t threads : {1, 2, 64}) {
      const OpFeatures f = features_of(s, threads);
      for (const RooflineModel* model : {&m, &wild}) {
        const double e = model->efficiency(f.base);
        INFO(s.cin << "->" << s.cout << " r" << s.res << " k" << s.kernel << " t" << threads << ": efficiency " << e);
        CHECK(e > 0);
        CHECK(e <= 1);
        // No faster than the roofline at the ceilings the model carries.
        CHECK(model->predict_us(f.base) >= roofline_us(f.base, model->ceilings_at(threads)) * (1 - 1e-12));
        CHECK(std::isfinite(model->predict_us(f.base)));
      }
    }
}

namespace {
// A law where efficiency FALLS with output channels (what noise or cache effects can make a grid say).
double falling_us(const Shape& s) {
  const OpFeatures f = features_of(s);
  const double z = 0.5 - 0.8 * (std::log(double(s.cout)) - 4.5) + 0.3 * (std::log(double(s.res * s.res)) - 6.0);
  return std::max(f.macs / machine.peak_macps, f.bytes / machine.bandwidth_bytes_per_s) * 1e6 * (1 + std::exp(-z));
}
}  // namespace

TEST_CASE("roofline model: a dense conv's efficiency never falls with more channels or pixels", "[roofline]") {
  std::vector<RooflineSample> samples;
  for (const Shape& s : training_grid()) samples.push_back({features_of(s).base, falling_us(s)});
  const std::map<int64_t, Ceilings> ceilings{{1, machine}};
  const RooflineModel free = fit_roofline(samples, ceilings, {}, 1e-3);
  const RooflineModel bound = fit_roofline(samples, ceilings, monotone_features(OpClass::conv_dense), 1e-3);
  // Without the constraint the fit follows the data down; with it, it may not.
  bool free_negative = false;
  for (size_t k : monotone_features(OpClass::conv_dense)) {
    free_negative |= free.theta[1 + k] < -1e-3;
    CHECK(bound.theta[1 + k] >= 0);
  }
  CHECK(free_negative);
  for (const Shape& base : {Shape{32, 32, 14, 3}, Shape{256, 64, 56, 1}, Shape{16, 512, 7, 5}}) {
    double last_out = 0, last_in = 0, last_res = 0;
    for (int64_t m : {1, 2, 4, 8, 16, 64}) {
      const double e_out = bound.efficiency(features_of({base.cin, base.cout * m, base.res, base.kernel}).base);
      const double e_in = bound.efficiency(features_of({base.cin * m, base.cout, base.res, base.kernel}).base);
      const double e_res = bound.efficiency(features_of({base.cin, base.cout, base.res * m, base.kernel}).base);
      CHECK(e_out >= last_out * (1 - 1e-12));
      CHECK(e_in >= last_in * (1 - 1e-12));
      CHECK(e_res >= last_res * (1 - 1e-12));
      last_out = e_out, last_in = e_in, last_res = e_res;
    }
  }
  CHECK(monotone_features(OpClass::conv_grouped) == monotone_features(OpClass::conv_dense));
  CHECK(monotone_features(OpClass::conv_depthwise).empty());
}

TEST_CASE("roofline model: JSON round trip, and a roofline class without its ceilings is an error naming them",
          "[roofline]") {
  const Predictor p = test::fit_profile(synthetic_profile(true_us, 4), "synthetic.json");
  const Json j = to_json(p);
  const Json& dense = j["classes"]["conv_dense"];
  CHECK(dense["kind"] == "roofline");
  CHECK(dense["ceilings"]["1"]["peak_macps"].get<double>() == machine.peak_macps);
  const Predictor back = predictor_from_json(Json::parse(j.dump()), "p.json");
  for (const Shape& s : far_shapes())
    CHECK(back.predict_op_us(features_of(s)) == Approx(p.predict_op_us(features_of(s))).epsilon(1e-12));
  auto load_error = [&](const std::function<void(Json&)>& edit) {
    Json bad = j;
    edit(bad["classes"]["conv_dense"]);
    return error_of([&] { predictor_from_json(bad, "p.json"); });
  };
  CHECK_THAT(load_error([](Json& c) { c.erase("ceilings"); }),
             Catch::Contains("p.json") && Catch::Contains("classes.conv_dense") && Catch::Contains("ceilings"));
  CHECK_THAT(load_error([](Json& c) { c["ceilings"] = Json::object(); }),
             Catch::Contains("classes.conv_dense.ceilings"));
  CHECK_THAT(load_error([](Json& c) { c["ceilings"]["1"].erase("bandwidth_bytes_per_s"); }),
             Catch::Contains("classes.conv_dense.ceilings.1") && Catch::Contains("bandwidth_bytes_per_s"));
  CHECK_THAT(
      load_error([](Json& c) { c["efficiency_theta"]["log_out_per_group"] = -0.5; }),
      Catch::Contains("efficiency_theta.log_out_per_group") && Catch::Contains("negative for a monotone feature"));
  CHECK_THAT(load_error([](Json& c) { c["kind"] = "cubic"; }), Catch::Contains("classes.conv_dense.kind"));
  // Without "kind", a class is the quadratic model, as files written before this model were.
  CHECK_FALSE(predictor_from_json(to_json(test::fit_profile(synthetic_profile(true_us, 4), "s.json",
                                                            [] {
                                                              FitOptions o;
                                                              o.roofline = false;
                                                              return o;
                                                            }())),
                                  "q.json")
                  .classes[static_cast<size_t>(OpClass::conv_dense)]
                  ->roofline);
}

TEST_CASE(
    "fit keeps per class the eligible kind with the lowest k-fold held-out MAPE, ties within two standard errors going "
    "to "
    "the better extrapolator, --select balanced adds the largest shapes",
    "[roofline]") {
  // The true law here is a quadratic in log features, so that the choice is not one-sided.
  auto quadratic_law = [](const Shape& s) {
    return 0.01 * std::pow(double(s.cin * s.cout * s.res * s.res * s.kernel * s.kernel), 0.8);
  };
  auto check_choice = [](const Predictor& p, const char* op_class, FitOptions::Selection selection) {
    CHECK(p.provenance.document["selection"] == (selection == FitOptions::Selection::kfold ? "kfold" : "balanced"));
    const Json& held = p.provenance.document["classes"][op_class]["held_out"];
    REQUIRE(held.contains("quadratic"));
    const std::array<const char*, 3> kinds{"quadratic", "roofline", "roofline+trees"};
    std::string best;
    if (selection == FitOptions::Selection::balanced) {
      double best_score = 1e300;
      for (const char* kind : kinds) {
        const double score =
            0.5 * (held[kind]["kfold_mape"].get<double>() + held[kind]["largest_shapes_mape"].get<double>());
        if (held[kind]["eligible"].get<bool>() && score < best_score) best_score = score, best = kind;
      }
    } else {
      double lowest_kfold = 1e300;
      for (const char* kind : kinds)
        if (held[kind]["eligible"].get<bool>())
          lowest_kfold = std::min(lowest_kfold, held[kind]["kfold_mape"].get<double>());
      double best_largest = 1e300;
      for (const char* kind : kinds) {
        const Json& k = held[kind];
        // The standard error of a gap to the lowest eligible kind: 0 for that kind itself, positive for the others.
        CHECK((k["eligible"].get<bool>() && k["kfold_mape"].get<double>() == lowest_kfold) ==
              (k["kfold_gap_se"].get<double>() == 0));
        if (k["eligible"].get<bool>() &&
            k["kfold_mape"].get<double>() - lowest_kfold <= 2 * k["kfold_gap_se"].get<double>() &&
            k["largest_shapes_mape"].get<double>() < best_largest)
          best_largest = k["largest_shapes_mape"].get<double>(), best = kind;
      }
      // won_tie: chosen although another eligible kind had the lower k-fold MAPE.
      CHECK(held["won_tie"] == (held[best]["kfold_mape"].get<double>() != lowest_kfold));
    }
    CHECK(held["chosen"] == best);
    if (selection == FitOptions::Selection::balanced) CHECK_FALSE(held["won_tie"].get<bool>());
  };
  FitOptions balanced;
  balanced.selection = FitOptions::Selection::balanced;
  // A depthwise conv's efficiency has no monotone law to keep, so all three kinds compete.
  const Json depthwise = synthetic_profile(quadratic_law, 7, true);
  for (const Predictor& p :
       {test::fit_profile(depthwise, "synthetic.json"), test::fit_profile(depthwise, "synthetic.json", balanced)}) {
    REQUIRE(p.provenance.document["classes"].contains("conv_depthwise"));
    CHECK(p.provenance.document["classes"]["conv_depthwise"]["held_out"]["quadratic"]["eligible"] == true);
    check_choice(
        p, "conv_depthwise",
        p.provenance.document["selection"] == "kfold" ? FitOptions::Selection::kfold : FitOptions::Selection::balanced);
  }
  // A dense conv's must not fall as its channels or pixels grow: the quadratic, which can, is scored but
  // never chosen there, even on a law it fits exactly.
  const Json dense = synthetic_profile(quadratic_law, 7);
  for (const Predictor& p :
       {test::fit_profile(dense, "synthetic.json"), test::fit_profile(dense, "synthetic.json", balanced)}) {
    const Json& held = p.provenance.document["classes"]["conv_dense"]["held_out"];
    CHECK(held["quadratic"]["eligible"] == false);
    CHECK(held["roofline"]["eligible"] == true);
    CHECK(held["chosen"] != "quadratic");
    CHECK(p.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline);
    check_choice(
        p, "conv_dense",
        p.provenance.document["selection"] == "kfold" ? FitOptions::Selection::kfold : FitOptions::Selection::balanced);
  }
}

TEST_CASE(
    "fit refuses a profile measured while the machine changed speed by a quarter unless allowed noisy, and warns above "
    "a tenth",
    "[roofline]") {
  Json profile = synthetic_profile(true_us, 8);
  auto speed = [](const std::vector<double>& us) {
    Json samples = Json::array();
    for (double v : us) samples.push_back({{"elapsed_s", 0.0}, {"threads", 1}, {"latency_us", v}});
    return Json{{"reference", profiler::speed_reference}, {"samples", samples}};
  };
  profile["machine_speed"] = speed({1000, 1030, 1010});
  CHECK(test::fit_profile(profile, "synthetic.json").provenance.document["machine_speed"]["slowed"] == false);
  profile["machine_speed"] = speed({1000, 1150, 1010});  // fitted, and said
  FitReport report;
  const Json slowed = test::fit_profile(profile, "synthetic.json", {}, &report).provenance.document["machine_speed"];
  CHECK(slowed["slowed"] == true);
  CHECK(slowed["spread"].get<double>() == Approx(0.15));
  REQUIRE(report.machine_speed);  // what `fit` prints: the provenance is written from it
  CHECK(report.machine_speed->slowed);
  CHECK(report.machine_speed->spread == slowed["spread"].get<double>());
  profile["machine_speed"] = speed({1000, 1300, 1010});
  CHECK_THAT(
      error_of([&] { test::fit_profile(profile, "synthetic.json"); }),
      Catch::StartsWith(
          "synthetic.json: machine_speed: the speed reference's times spread by 30% (90th over 10th percentile of "
          "its times, slowest over fastest below ten; limit 25%)") &&
          Catch::EndsWith("re-profile on a quiet machine, or fit anyway with allow_noisy"));
  // The command line and Python say the switch as their flag.
  CHECK_THAT(cli_error_of([&] { test::fit_profile(profile, "synthetic.json"); }),
             Catch::EndsWith("or fit anyway with --allow-noisy"));
  FitOptions allow;
  allow.allow_noisy = true;
  CHECK(test::fit_profile(profile, "synthetic.json", allow).classes[static_cast<size_t>(OpClass::conv_dense)]);
  profile["machine_speed"]["samples"][1]["latency_us"] = "slow";
  CHECK_THAT(error_of([&] { test::fit_profile(profile, "synthetic.json"); }),
             Catch::Contains("synthetic.json: machine_speed.samples[1]"));
  profile["machine_speed"] = 5;
  CHECK_THAT(error_of([&] { test::fit_profile(profile, "synthetic.json"); }),
             Catch::Contains("synthetic.json: machine_speed: expected"));
}

TEST_CASE("fit refuses a profile with one section mostly noisy, however quiet the rest is, unless allowed noisy",
          "[roofline]") {
  Json profile = synthetic_profile(true_us, 8);
  // The same records again as quiet operator measurements: 30% of the profile is noisy, 60% of configs.
  profile["ops"] = profile["configs"];
  for (auto& r : profile["ops"]) r["id"] = "op_" + r["id"].get<std::string>();
  const size_t n = profile["configs"].size();
  for (size_t i = 0; i < n; ++i) profile["configs"][i]["timing"]["noisy"] = i < n * 6 / 10;
  const std::string error = error_of([&] { test::fit_profile(profile, "synthetic.json"); });
  CHECK_THAT(error,
             Catch::StartsWith("synthetic.json: configs: " + std::to_string(n * 6 / 10) + " of " + std::to_string(n) +
                               " measurements flagged noisy, more than 50%") &&
                 Catch::EndsWith(
                     "re-profile on a quiet machine (`cpubone-explore profile quiet_machine_check`), or fit anyway "
                     "with allow_noisy"));
  CHECK_THAT(cli_error_of([&] { test::fit_profile(profile, "synthetic.json"); }),
             Catch::EndsWith(
                 "re-profile on a quiet machine (`cpubone-explore profile --quiet-machine-check`), or fit anyway with "
                 "--allow-noisy"));
  FitOptions allow;
  allow.allow_noisy = true;
  CHECK(test::fit_profile(profile, "synthetic.json", allow).classes[static_cast<size_t>(OpClass::conv_dense)]);
  for (size_t i = 0; i < n; ++i) profile["configs"][i]["timing"]["noisy"] = i < n * 4 / 10;  // 40%: fitted
  CHECK(test::fit_profile(profile, "synthetic.json").classes[static_cast<size_t>(OpClass::conv_dense)]);
}

TEST_CASE("fit without probed ceilings (or without the cache bandwidth) keeps the quadratic and says why",
          "[roofline]") {
  Json profile = synthetic_profile(true_us, 5);
  profile["peaks"] = Json::array();
  const Predictor p = test::fit_profile(profile, "synthetic.json");
  CHECK_FALSE(p.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline);
  const Json& held = p.provenance.document["classes"]["conv_dense"]["held_out"];
  CHECK(held["chosen"] == "quadratic");
  CHECK_THAT(held["note"].get<std::string>(), Catch::Contains("peaks"));

  Json dram_only = synthetic_profile(true_us, 5);  // a machine whose cache bandwidth the probe could not measure
  dram_only["peaks"][0]["cache_bandwidth_bytes_per_s"] = 0;
  const Predictor q = test::fit_profile(dram_only, "synthetic.json");
  CHECK_FALSE(q.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline);
  CHECK_THAT(q.provenance.document["classes"]["conv_dense"]["held_out"]["note"].get<std::string>(),
             Catch::Contains("synthetic.json: peaks: no cache_bandwidth_bytes_per_s at 1 thread(s)"));
}

TEST_CASE("roofline model: below the ridge point intensity does not change the efficiency", "[roofline]") {
  // A squeeze-excitation conv (960 -> 240 on 1x1 pixels) does 0.25 MACs per byte, far below this machine's
  // ridge of 5; a near-ridge pointwise conv that writes a large output is slow for reasons a matrix-vector
  // product does not share. The fit may learn intensity's effect only on the compute side.
  const Predictor p = test::fit_profile(synthetic_profile(true_us, 6), "synthetic.json");
  const RooflineModel& m = *p.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline;
  REQUIRE(m.theta[1 + 9] > 0);  // the grid's intensities reach above the ridge, and the law rewards them
  const double log_ridge = std::log(machine.peak_macps / machine.bandwidth_bytes_per_s);
  std::array<double, base_feature_count> base = features_of({960, 240, 1, 1}).base;
  REQUIRE(base[9] < log_ridge);
  const double at_se = m.efficiency(base);
  for (double log_intensity : {-6.0, -1.0, 0.0, log_ridge - 1e-9}) {
    base[9] = log_intensity;
    CHECK(m.efficiency(base) == Approx(at_se).epsilon(1e-12));
  }
  double last = at_se;
  for (double above : {0.5, 1.0, 2.0, 4.0}) {
    base[9] = log_ridge + above;
    CHECK(m.efficiency(base) > last);
    last = m.efficiency(base);
  }
  CHECK(efficiency_inputs(base, machine)[9] == Approx(4.0));
}

TEST_CASE(
    "a quadratic class model is bounded by the hardware too: never faster than its roofline at the probed ceilings",
    "[roofline]") {
  FitOptions quadratic_only;
  quadratic_only.roofline = false;
  const Predictor p = test::fit_profile(synthetic_profile(true_us, 9), "synthetic.json", quadratic_only);
  ClassModel wild = *p.classes[static_cast<size_t>(OpClass::conv_dense)];
  REQUIRE_FALSE(wild.roofline);
  REQUIRE(wild.roofline_floor.size() == 1);
  CHECK(wild.roofline_floor.at(1).peak_macps == machine.peak_macps);
  CHECK(wild.roofline_floor.at(1).bandwidth_bytes_per_s == machine.bandwidth_bytes_per_s);  // the caches'
  // A polynomial that says every op takes e^-30 us: what an unbounded quadratic can do far from its data.
  wild.theta = {};
  wild.theta[0] = -30;
  wild.residual_trees = {};
  ClassModel unbounded = wild;
  unbounded.roofline_floor.clear();  // a file from before the floor
  for (const Shape& s : far_shapes())
    for (int64_t threads : {1, 2}) {
      const OpFeatures f = features_of(s, threads);
      INFO(s.cin << "->" << s.cout << " r" << s.res << " k" << s.kernel << " t" << threads);
      CHECK(class_model_us(wild, f.base) == Approx(roofline_us(f.base, machine)).epsilon(1e-12));
      CHECK(class_model_us(unbounded, f.base) < 1e-6);
      // The fitted model itself never beats the roofline either.
      CHECK(p.predict_op_us(f) >= roofline_us(f.base, machine) * (1 - 1e-12));
    }
  const Json j = to_json(p);
  CHECK(j["classes"]["conv_dense"]["roofline_floor"]["1"]["peak_macps"].get<double>() == machine.peak_macps);
  const Predictor back = predictor_from_json(Json::parse(j.dump()), "p.json");
  CHECK(back.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline_floor.size() == 1);
  Json bad = j;
  bad["classes"]["conv_dense"]["roofline_floor"]["1"]["peak_macps"] = -5;
  CHECK_THAT(error_of([&] { predictor_from_json(bad, "p.json"); }),
             Catch::Contains("p.json") && Catch::Contains("classes.conv_dense.roofline_floor.1.peak_macps"));
  bad["classes"]["conv_dense"]["roofline_floor"] = Json::array();
  CHECK_THAT(error_of([&] { predictor_from_json(bad, "p.json"); }),
             Catch::Contains("classes.conv_dense.roofline_floor"));
  // Without peaks in the profile there is nothing to bound by: the floor is absent, and says nothing.
  Json no_peaks = synthetic_profile(true_us, 9);
  no_peaks["peaks"] = Json::array();
  CHECK(test::fit_profile(no_peaks, "synthetic.json")
            .classes[static_cast<size_t>(OpClass::conv_dense)]
            ->roofline_floor.empty());
}

TEST_CASE(
    "weights past the last-level cache are read from DRAM again for every further GEMM row tile, and within it not at "
    "all",
    "[roofline]") {
  Ceilings c = machine;
  c.dram_bytes_per_s = 1e10;
  c.last_level_cache_bytes = 8 << 20;
  c.gemm_tile_rows = 4;
  // 3x3, 536 -> 536 on 5x5 pixels: 10.3 MB of weights, 25 rows in 7 tiles of 4: read 6 times more.
  const Shape big{536, 536, 5, 3};
  const double weights = features_of(big).weight_bytes;
  CHECK(weight_stream_bytes(features_of(big).base, c) == Approx(6 * weights).epsilon(1e-9));
  // A whole number of tiles is that many passes: 8x8 = 64 rows, 16 tiles.
  const Shape square{536, 536, 8, 3};
  CHECK(weight_stream_bytes(features_of(square).base, c) == Approx(15 * weights).epsilon(1e-9));
  // One tile (a 1x1-pixel conv, a classifier head): read once, like every op's weights.
  CHECK(weight_stream_bytes(features_of(Shape{536, 536, 1, 3}).base, c) == 0);
  // 4.9 MB fit in 8 MiB: they stay cached from one tile to the next.
  CHECK(weight_stream_bytes(features_of(Shape{368, 368, 5, 3}).base, c) == 0);
  // Grouped: each group's weights are what a tile sweeps; 8 groups of 1.3 MB fit though 10.3 MB do not.
  CHECK(features_of(Shape{536 * 8, 536 * 8, 5, 3, 64}).weight_bytes > c.last_level_cache_bytes);
  CHECK(weight_stream_bytes(features_of(Shape{536 * 8, 536 * 8, 5, 3, 64}).base, c) == 0);
  // The DRAM term binds where it exceeds compute and cache traffic, and only then.
  const double dram_us = 6 * weights / c.dram_bytes_per_s * 1e6;
  CHECK(roofline_us(features_of(big).base, c) == Approx(dram_us).epsilon(1e-9));
  CHECK(roofline_us(features_of(big).base, c) > roofline_us(features_of(big).base, machine));
  // Not modelled (a device, a model fitted before it): the two-ceiling roofline, unchanged.
  CHECK(weight_stream_bytes(features_of(big).base, machine) == 0);
  // The executor's igemm walks every row tile of a block of weights before the next: no second pass.
  // Which shapes it takes is feature [11].
  std::array<double, base_feature_count> own = features_of(big).base;
  own[11] = 1;
  c.igemm = true;
  CHECK(weight_stream_bytes(own, c) == 0);
  c.igemm = false;
  CHECK(weight_stream_bytes(own, c) == Approx(6 * weights).epsilon(1e-9));
}

TEST_CASE("fit takes the weight-streaming ceiling from the profile's peaks, stores it, and says when it cannot",
          "[roofline]") {
  Json profile = synthetic_profile(true_us, 6);
  profile["peaks"][0]["dram_read_bytes_per_s"] = 1e10;
  profile["peaks"][0]["last_level_cache_bytes"] = 8 << 20;
  profile["peaks"][0]["gemm_tile_rows"] = 4;
  const Predictor p = test::fit_profile(profile, "synthetic.json");
  CHECK_THAT(p.provenance.document["weight_streaming"].get<std::string>(), Catch::StartsWith("modelled"));
  const Json j = to_json(p);
  const Json& streaming = j["classes"]["conv_dense"]["ceilings"]["1"]["weight_streaming"];
  CHECK(streaming["dram_bytes_per_s"] == 1e10);
  CHECK(streaming["last_level_cache_bytes"] == 8 << 20);
  CHECK(j["classes"]["conv_dense"]["ceilings"]["1"]["gemm_tile"]["rows"] == 4);
  CHECK(j["classes"]["conv_dense"]["ceilings"]["1"]["gemm_tile"]["igemm"] == false);
  const Shape big{536, 536, 5, 3};
  const Predictor back = predictor_from_json(Json::parse(j.dump()), "p.json");
  CHECK(back.predict_op_us(features_of(big)) == Approx(p.predict_op_us(features_of(big))).epsilon(1e-12));
  // The prediction is never below the DRAM time of the streamed weights.
  CHECK(p.predict_op_us(features_of(big)) >= 6 * features_of(big).weight_bytes / 1e10 * 1e6 * (1 - 1e-9));
  Json bad = j;
  bad["classes"]["conv_dense"]["ceilings"]["1"]["gemm_tile"]["igemm"] = "no";
  CHECK_THAT(error_of([&] { predictor_from_json(bad, "p.json"); }),
             Catch::Contains("p.json") && Catch::Contains("ceilings.1.gemm_tile.igemm") && Catch::Contains("\"no\""));
  bad["classes"]["conv_dense"]["ceilings"]["1"]["gemm_tile"].erase("igemm");
  CHECK_THAT(error_of([&] { predictor_from_json(bad, "p.json"); }),
             Catch::Contains("gemm_tile") && Catch::Contains("igemm"));
  // Streaming counts row tiles: without the tile beside it, the file is an error naming where.
  bad = j;
  bad["classes"]["conv_dense"]["ceilings"]["1"].erase("gemm_tile");
  CHECK_THAT(error_of([&] { predictor_from_json(bad, "p.json"); }),
             Catch::Contains("classes.conv_dense.ceilings.1.weight_streaming") && Catch::Contains("gemm_tile"));

  // A probe that measured none of the three (0): the roofline without the third ceiling, and the provenance
  // says why.
  const Predictor none = test::fit_profile(synthetic_profile(true_us, 6), "synthetic.json");
  CHECK(none.classes[static_cast<size_t>(OpClass::conv_dense)]->roofline);
  CHECK_THAT(none.provenance.document["weight_streaming"].get<std::string>(),
             Catch::StartsWith("not modelled") && Catch::Contains("could not read the caches"));
  CHECK_FALSE(to_json(none)["classes"]["conv_dense"]["ceilings"]["1"].contains("weight_streaming"));
}

TEST_CASE("convs and linear ops compute whole GEMM tiles, and the roofline counts the work of the padded tiles",
          "[roofline]") {
  Ceilings c = machine;
  c.gemm_tile_cols = 16;
  c.gemm_tile_rows = 4;
  const auto padded_ratio = [&](const Shape& s) { return padded_macs(features_of(s).base, c) / features_of(s).macs; };
  // 24 output channels on 16-column tiles: the work of 32. 8x8 = 64 rows: whole tiles of 4.
  CHECK(padded_ratio({64, 24, 8, 3}) == Approx(32.0 / 24).epsilon(1e-9));
  // 7x7 = 49 rows: 13 tiles of 4 compute 52.
  CHECK(padded_ratio({64, 32, 7, 3}) == Approx(52.0 / 49).epsilon(1e-9));
  CHECK(padded_ratio({64, 24, 7, 3}) == Approx(32.0 / 24 * 52.0 / 49).epsilon(1e-9));
  // One row (a classifier head, a conv on 1x1 pixels) runs on one-row tiles: only the columns pad.
  CHECK(padded_ratio({64, 24, 1, 1}) == Approx(32.0 / 24).epsilon(1e-9));
  CHECK(padded_ratio({64, 1000, 1, 1}) == Approx(1008.0 / 1000).epsilon(1e-9));
  // Grouped: each group's output channels fill tiles of their own.
  CHECK(padded_ratio({128, 128, 8, 3, 16}) == Approx(2.0).epsilon(1e-9));  // 8 per group
  // The executor's own kernels do not tile as XNNPACK does: the grouped loops (4 per group, feature [11])...
  CHECK(features_of({64, 64, 8, 3, 16}).base[11] == 1);
  CHECK(padded_ratio({64, 64, 8, 3, 16}) == Approx(1.0).epsilon(1e-12));
  // ...depthwise convs (one input channel per group)...
  CHECK(padded_ratio({64, 64, 8, 3, 64}) == Approx(1.0).epsilon(1e-12));
  // ...and the AVX-512 igemm, whose shapes feature [11] flags but which runs only where the profile says so.
  CHECK(features_of({64, 40, 8, 3}).base[11] == 1);
  CHECK(padded_ratio({64, 40, 8, 3}) == Approx(48.0 / 40).epsilon(1e-9));
  c.igemm = true;
  CHECK(padded_ratio({64, 40, 8, 3}) == Approx(1.0).epsilon(1e-12));  // a model fitted before igemm_cols
  // The igemm computes whole vectors of output channels per group (16 floats with AVX-512), not whole rows
  // of tiles: 40 do the work of 48 on a 7x7 map.
  c.igemm_cols = 16;
  CHECK(padded_ratio({64, 40, 7, 3}) == Approx(48.0 / 40).epsilon(1e-9));
  CHECK(padded_ratio({64, 64, 8, 3, 16}) == Approx(1.0).epsilon(1e-12));  // the grouped loops pad nothing
  c.igemm_cols = 0;
  c.igemm = false;
  // The compute term uses the padded work; not modelled (a device, a model fitted before it): the MACs.
  const OpFeatures f = features_of({256, 24, 28, 3});
  CHECK(roofline_us(f.base, c) == Approx(f.macs * 32 / 24 / c.peak_macps * 1e6).epsilon(1e-9));
  CHECK(padded_macs(f.base, machine) == Approx(f.macs).epsilon(1e-12));
  CHECK(roofline_us(f.base, machine) == Approx(f.macs / machine.peak_macps * 1e6).epsilon(1e-9));
}

TEST_CASE(
    "fit pads the GEMM classes' work by the profile's tile, only theirs, stores the tile, and says when it cannot",
    "[roofline]") {
  Json profile = synthetic_profile(true_us, 7);
  const Json depthwise = synthetic_profile(true_us, 8, true);
  for (const Json& dw : depthwise["configs"]) {
    Json rec = dw;
    rec["id"] = "dw_" + rec["id"].get<std::string>();
    profile["configs"].push_back(rec);
  }
  // The tile's columns need its rows, which say how many rows pad.
  profile["peaks"][0]["gemm_tile_cols"] = 16;
  CHECK_THAT(test::fit_profile(profile, "synthetic.json").provenance.document["gemm_tiles"].get<std::string>(),
             Catch::StartsWith("not modelled"));
  // A machine whose caches cpuinfo cannot read (a VM that hides them): tiles pad, and weights do not stream.
  profile["peaks"][0]["gemm_tile_rows"] = 4;
  profile["peaks"][0]["dram_read_bytes_per_s"] = 1e10;
  profile["peaks"][0]["last_level_cache_bytes"] = 0;
  const Predictor p = test::fit_profile(profile, "synthetic.json");
  CHECK_THAT(p.provenance.document["gemm_tiles"].get<std::string>(),
             Catch::StartsWith("modelled") && Catch::Contains("16 output channels x 4 rows"));
  CHECK_THAT(p.provenance.document["weight_streaming"].get<std::string>(),
             Catch::StartsWith("not modelled") && Catch::Contains("caches"));
  const Json j = to_json(p);
  CHECK(j["classes"]["conv_dense"]["ceilings"]["1"]["gemm_tile"]["cols"] == 16);
  CHECK_FALSE(j["classes"]["conv_dense"]["ceilings"]["1"].contains("weight_streaming"));
  // A depthwise conv's one channel per group is no GEMM tile: its class model pads nothing.
  REQUIRE(j["classes"].contains("conv_depthwise"));
  const Json& dw = j["classes"]["conv_depthwise"];
  CHECK((dw.contains("ceilings") ? dw["ceilings"] : dw["roofline_floor"])["1"]["gemm_tile"]["cols"] == 0);
  const Shape odd{256, 24, 28, 3};
  const Predictor back = predictor_from_json(Json::parse(j.dump()), "p.json");
  CHECK(back.predict_op_us(features_of(odd)) == Approx(p.predict_op_us(features_of(odd))).epsilon(1e-12));
  // Never faster than the padded tiles at the peak (28x28 = 784 rows: whole tiles of 4).
  CHECK(p.predict_op_us(features_of(odd)) >= features_of(odd).macs * 32 / 24 / machine.peak_macps * 1e6 * (1 - 1e-9));
  Json bad = j;
  bad["classes"]["conv_dense"]["ceilings"]["1"]["gemm_tile"]["cols"] = -16;
  CHECK_THAT(error_of([&] { predictor_from_json(bad, "p.json"); }),
             Catch::Contains("p.json") && Catch::Contains("classes.conv_dense.ceilings.1.gemm_tile.cols"));
  // A probe that found no tile (0): no padding, and the provenance says why.
  const Predictor none = test::fit_profile(synthetic_profile(true_us, 7), "synthetic.json");
  CHECK_THAT(none.provenance.document["gemm_tiles"].get<std::string>(),
             Catch::StartsWith("not modelled") && Catch::Contains("no GEMM tile"));
  CHECK_FALSE(to_json(none)["classes"]["conv_dense"]["ceilings"]["1"].contains("gemm_tile"));
}

TEST_CASE(
    "fit --speed-correction local: each time at the profile's median speed, the slow span kept and the fast one "
    "corrected",
    "[roofline]") {
  Json profile = synthetic_profile(true_us, 9);
  Json& configs = profile["configs"];
  const std::vector<Shape> grid = training_grid();
  const size_t n = configs.size();
  REQUIRE(n == grid.size());
  // The machine ran at its usual speed, then at 0.7x its times for a fifth of the records (a neighbour
  // left), then at 1.6x for the last fifth; the reference was timed with every record.
  const auto speed_of = [&](size_t i) { return i < 3 * n / 5 ? 1.0 : i < 4 * n / 5 ? 0.7 : 1.6; };
  Json checks = Json::array();
  for (size_t i = 0; i < n; ++i) {
    const double at = static_cast<double>(i);
    configs[i]["elapsed_s"] = at;
    for (Json* t : {&configs[i]["timing"], &configs[i]["layers"][0]["timing"]})
      (*t)["stats_us"]["median"] = (*t)["stats_us"]["median"].get<double>() * speed_of(i);
    checks.push_back({{"elapsed_s", at}, {"threads", 1}, {"latency_us", 1000 * speed_of(i)}});
  }
  profile["machine_speed"] = {{"reference", "mobilenetv2-1.0 (zoo), 224x224, warm caches"}, {"samples", checks}};
  profiler::Profile flagged = profiler::read_profile(profile, "synthetic.json");
  CHECK(profiler::flag_slowed_records(flagged) ==
        static_cast<int64_t>(n - 4 * n / 5));  // the slow span, as profile flags it
  profile = profiler::to_json(flagged);

  FitOptions as_measured;
  as_measured.allow_noisy = true;  // the reference spread far past what fit takes unasked
  as_measured.speed_correction = FitOptions::SpeedCorrection::none;
  FitOptions corrected = as_measured;
  corrected.speed_correction = FitOptions::SpeedCorrection::local;
  const Predictor raw = test::fit_profile(profile, "synthetic.json", as_measured),
                  fixed = test::fit_profile(profile, "synthetic.json", corrected);
  CHECK(fixed.provenance.document["speed_correction"] == "local");
  CHECK(raw.provenance.document["speed_correction"] == "none");
  // As measured, the slow span is dropped as noisy and the fast one is learned as it ran.
  CHECK(raw.provenance.document["noise"]["samples_dropped"].get<int64_t>() == static_cast<int64_t>(n - 4 * n / 5));
  CHECK(fixed.provenance.document["noise"]["samples_dropped"].get<int64_t>() == 0);
  const std::vector<Shape> fast(grid.begin() + 3 * n / 5, grid.begin() + 4 * n / 5),
      slow(grid.begin() + 4 * n / 5, grid.end());
  INFO("fast span MAPE as measured " << mape_on(raw, fast, true_us) << ", corrected " << mape_on(fixed, fast, true_us));
  CHECK(mape_on(raw, fast, true_us) > 0.15);
  CHECK(mape_on(fixed, fast, true_us) < 0.06);
  CHECK(mape_on(fixed, slow, true_us) < 0.06);
  CHECK(mape_on(fixed, grid, true_us) < 0.05);
}

TEST_CASE("fit --speed-correction: an unknown name is an error naming the option") {
  CHECK_THAT(error_of([] { speed_correction_from_string("global", "--speed-correction"); }),
             Catch::Contains("--speed-correction") && Catch::Contains("global") && Catch::Contains("none or local"));
}

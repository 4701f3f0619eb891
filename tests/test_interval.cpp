// Intervals that mean what they say (issue 58): the pooled Student-t method, its finite-sample behaviour,
// and the widening for work the calibration never saw.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "predictor/calibrate.hpp"
#include "predictor/devices.hpp"
#include "predictor/interval.hpp"
#include "profiler/profile/order_statistics.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"
#include "synthetic_predictor.hpp"

using namespace cpx;
using namespace cpx::predictor;

namespace {

// `groups` families of 2 networks each, log errors ±a about 0 whose per-family variance is `variance`
// (Σ over families of their mean squared error, over families - 1).
HeldOutErrors errors_of(size_t groups, double variance, const std::string& device = "own") {
  HeldOutErrors e;
  e.device = device;
  const double a = std::sqrt(variance * static_cast<double>(groups - 1) / static_cast<double>(groups));
  for (size_t g = 0; g < groups; ++g)
    for (double sign : {-1.0, 1.0}) {
      e.log_error.push_back(sign * a);
      e.group.push_back("family" + std::to_string(g));
    }
  return e;
}

}  // namespace

TEST_CASE("order statistics: one median (NaN when empty) and one ranking with a named tie rule") {
  using namespace cpx::profiler;
  CHECK(std::isnan(median({})));
  CHECK(median({3, 1, 2}) == 2);
  CHECK(median({4, 1, 3, 2}) == 2.5);
  CHECK(ranks({10, 20, 20, 5}, Ties::mean_rank) == std::vector<double>{2, 3.5, 3.5, 1});
  CHECK(ranks({10, 20, 20, 5}, Ties::lowest_rank) == std::vector<double>{2, 3, 3, 1});
  CHECK(spearman({1, 2, 3}, {30, 20, 10}) == Approx(-1));
  CHECK(spearman({1, 1, 1}, {1, 2, 3}) == 0);
}

TEST_CASE("interval: Student's t quantiles match the tables, and the normal's at infinite degrees of freedom") {
  CHECK(student_t_quantile(0.9, 1) == Approx(3.0777).epsilon(1e-4));
  CHECK(student_t_quantile(0.9, 4) == Approx(1.5332).epsilon(1e-4));
  CHECK(student_t_quantile(0.9, 10) == Approx(1.3722).epsilon(1e-4));
  CHECK(student_t_quantile(0.975, 5) == Approx(2.5706).epsilon(1e-4));
  CHECK(student_t_quantile(0.9, 2.5) == Approx(1.730251).epsilon(1e-5));  // non-integer dof (by numerical integration)
  CHECK(student_t_quantile(0.1, 10) == Approx(-1.3722).epsilon(1e-4));
  CHECK(student_t_quantile(0.9, std::numeric_limits<double>::infinity()) == Approx(1.28155).epsilon(1e-5));
  CHECK_THROWS(student_t_quantile(1.0, 3));
}

TEST_CASE("interval: from 5 families it is wider than from 11 with the same errors, pooled or not") {
  const HeldOutErrors five = errors_of(5, 0.01), eleven = errors_of(11, 0.01);
  const LogInterval w5 = pooled_interval(five.log_error, five.group, {}, 0.8);
  const LogInterval w11 = pooled_interval(eleven.log_error, eleven.group, {}, 0.8);
  CHECK(w5.centre == Approx(0).margin(1e-12));
  CHECK(w5.half_width == Approx(student_t_quantile(0.9, 4) * std::sqrt(0.01 * (1 + 1.0 / 5))));
  CHECK(w11.half_width == Approx(student_t_quantile(0.9, 10) * std::sqrt(0.01 * (1 + 1.0 / 11))));
  CHECK(w5.half_width > w11.half_width);
  // The same other devices behind both: still wider from 5.
  const std::vector<HeldOutErrors> pool{errors_of(11, 0.04, "a"), errors_of(9, 0.04, "b")};
  CHECK(pooled_interval(five.log_error, five.group, pooled_prior(pool), 0.8).half_width >
        pooled_interval(eleven.log_error, eleven.group, pooled_prior(pool), 0.8).half_width);
}

TEST_CASE(
    "interval: the pool pulls a device's spread towards what other devices' new families did, less as it has more") {
  const std::vector<HeldOutErrors> pool{errors_of(11, 0.04, "a"), errors_of(11, 0.04, "b")};
  const HeldOutErrors five = errors_of(5, 0.0025), twenty = errors_of(20, 0.0025);
  const LogInterval p5 = pooled_interval(five.log_error, five.group, pooled_prior(pool), 0.8);
  const LogInterval p20 = pooled_interval(twenty.log_error, twenty.group, pooled_prior(pool), 0.8);
  // Prior weight: one typical pooled device's degrees of freedom (10), against the device's own 4 or 19.
  CHECK(p5.how.value().prior.dof == Approx(10));
  CHECK(p5.how.value().variance == Approx((10 * 0.04 + 4 * 0.0025) / 14));
  CHECK(p20.how.value().variance == Approx((10 * 0.04 + 19 * 0.0025) / 29));
  CHECK(p5.half_width > pooled_interval(five.log_error, five.group, {}, 0.8).half_width);
  // A device of one family says nothing of new families: it is not pooled.
  HeldOutErrors one_family = errors_of(2, 0.04, "c");
  one_family.group.assign(one_family.group.size(), "CPUBone");
  CHECK(pooled_interval(five.log_error, five.group, pooled_prior({one_family}), 0.8).how.value().prior.devices.empty());
  // A device's own bias stays its own: the centre is its errors' mean, whatever the pool's.
  HeldOutErrors biased = five;
  for (double& e : biased.log_error) e += 0.3;
  CHECK(pooled_interval(biased.log_error, biased.group, pooled_prior(pool), 0.8).centre == Approx(0.3));
}

TEST_CASE(
    "interval: a network made only of kinds the calibration never saw is widened by those kinds' spread across "
    "devices") {
  const Predictor host = constant_predictor(10.0);
  Predictor d = host;
  d.device = "pi5";
  d.calibrated = Calibrated{};
  d.calibrated->hardware = *shipped_hardware("pi5");
  d.calibrated->method = CalibrationMethod::host_scale;
  d.calibrated->host = {50e9, 20e9};
  d.calibrated->interval.error_low = -0.1;
  d.calibrated->interval.error_high = 0.1;
  d.calibrated->kind_share = {{predictor::OpKind{predictor::WorkClass::pixel_shuffle},
                               1.0}};  // a kind b0 has not: everything it does is unseen
  const Network net = find_zoo("b0")->build(96);
  NetworkPrediction base = predict(d, net, d.calibrated->hardware.threads);
  REQUIRE(base.uncalibrated);
  CHECK(base.uncalibrated->share == Approx(1));
  for (const auto& [kind, share] : base.uncalibrated->kinds) d.calibrated->kind_spread[kind] = 0.2;
  const NetworkPrediction p = predict(d, net, d.calibrated->hardware.threads);
  const double own = (std::log1p(0.1) - std::log1p(-0.1)) / 2, centre = (std::log1p(0.1) + std::log1p(-0.1)) / 2;
  const double unseen = 1.2815515655 * 0.2;  // z of 80% two-sided, times the whole network's share, times the spread
  CHECK(interval_to_json(p)["uncalibrated"]["half_width_unseen"].get<double>() == Approx(unseen).epsilon(1e-6));
  CHECK(interval_to_json(p)["uncalibrated"]["half_width_calibrated"].get<double>() == Approx(own));
  CHECK(interval_to_json(p)["uncalibrated"]["width_share_unseen"].get<double>() ==
        Approx(1 - own / std::hypot(own, unseen)));
  REQUIRE(p.interval_us);
  CHECK((*p.interval_us)[0] == Approx(p.latency_us / std::exp(centre + std::hypot(own, unseen))));
  CHECK((*p.interval_us)[1] == Approx(p.latency_us / std::exp(centre - std::hypot(own, unseen))));
  CHECK(p.latency_us == Approx(base.latency_us));  // the point estimate stays where the data puts it
  // A kind no device priced takes the widest spread there is.
  d.calibrated->kind_spread = {{predictor::OpKind{predictor::WorkClass::class_token}, 0.5}};
  CHECK(interval_to_json(predict(d, net, d.calibrated->hardware.threads))["uncalibrated"]["half_width_unseen"]
            .get<double>() == Approx(1.2815515655 * 0.5).epsilon(1e-6));
}

TEST_CASE(
    "interval: a family held out is scored by an interval that never saw it, so poisoning its latency cannot move it") {
  const Predictor host = constant_predictor(10.0);
  std::vector<PublishedPoint> points;
  const std::vector<std::pair<std::string, std::string>> models = {{"b0", "CPUBone"},
                                                                   {"b1", "CPUBone"},
                                                                   {"fasternet-t0", "FasterNet"},
                                                                   {"fasternet-t1", "FasterNet"},
                                                                   {"mobileone-s0", "MobileOne"},
                                                                   {"mobileone-s1", "MobileOne"},
                                                                   {"repvit-m0.9", "RepViT"},
                                                                   {"repvit-m1.0", "RepViT"}};
  for (const auto& [m, fam] : models)
    points.push_back(
        {m, static_cast<double>(count(find_zoo(m)->build(0)).total.macs) / 1e7, fam, find_zoo(m)->build(0), 0, ""});
  IntervalOptions options;
  options.evidence.devices = {errors_of(11, 0.04, "other")};
  auto interval_for = [&](std::vector<PublishedPoint> all, const std::string& held_family) {
    std::vector<PublishedPoint> fit;
    for (const auto& p : all)
      if (p.family != held_family) fit.push_back(p);
    const Calibration c =
        calibrate(host, {50e9, 20e9}, *shipped_hardware("pi5"), fit, "p.csv", "r", std::nullopt, options);
    return std::array<double, 2>{c.device.calibrated->interval.error_low, c.device.calibrated->interval.error_high};
  };
  std::vector<PublishedPoint> poisoned = points;
  for (auto& p : poisoned)
    if (p.family == "RepViT") p.latency_ms *= 50;
  CHECK(interval_for(points, "RepViT") == interval_for(poisoned, "RepViT"));
  // The bounds that score a group are sized without its errors: poisoning them moves no bound of its own.
  const HeldOutErrors five = errors_of(5, 0.01);
  std::vector<double> rel(five.log_error.size()), poisoned_rel;
  for (size_t i = 0; i < rel.size(); ++i) rel[i] = std::expm1(five.log_error[i]);
  poisoned_rel = rel;
  for (size_t i = 0; i < rel.size(); ++i)
    if (five.group[i] == "family0") poisoned_rel[i] = 49;
  const auto clean_bounds = pooled_error_bounds(rel, five.group, pooled_prior({errors_of(11, 0.04, "other")}), 0.8);
  const auto poisoned_bounds =
      pooled_error_bounds(poisoned_rel, five.group, pooled_prior({errors_of(11, 0.04, "other")}), 0.8);
  for (size_t i = 0; i < rel.size(); ++i)
    if (five.group[i] == "family0") CHECK(poisoned_bounds[i] == clean_bounds[i]);
    else CHECK(poisoned_bounds[i][1] > clean_bounds[i][1]);  // the others' bounds did see it
  // ...and the device's own coverage figure scores each family against the interval sized without it.
  const Calibration c =
      calibrate(host, {50e9, 20e9}, *shipped_hardware("pi5"), points, "p.csv", "r", std::nullopt, options);
  CHECK(c.device.calibrated->interval.interval_method == IntervalMethod::pooled_t);
  CHECK(c.device.calibrated->interval.coverage.how.find("sized without them") != std::string::npos);
}

// The machine's own speed while profile and validate measure (profiler/measure/machine_speed.hpp): a fixed network
// timed now and then, and what its spread means.
#include <catch2/catch.hpp>

#include "documents.hpp"
#include "error_of.hpp"
#include "predictor/validate/validate.hpp"
#include "profiler/measure/machine_speed.hpp"

using namespace cpx;
using namespace cpx::profiler;

namespace {
Json samples_of(int64_t threads, const std::vector<double>& latencies_us) {
  Json s = Json::array();
  for (size_t i = 0; i < latencies_us.size(); ++i)
    s.push_back({{"elapsed_s", 30.0 * static_cast<double>(i)}, {"threads", threads}, {"latency_us", latencies_us[i]}});
  return s;
}
// The samples as a profile's reader reads them.
std::vector<SpeedSample> speed_checks_of(const Json& samples) { return speed_samples_from_json(samples); }
// A profile with this machine_speed section (its reference the current one unless it names one), read.
Profile profile_with_speed(const Json& machine_speed) {
  Json j = test::small_profile();
  j["machine_speed"] = machine_speed;
  if (!machine_speed.contains("reference")) j["machine_speed"]["reference"] = speed_reference;
  return read_profile(j, "p.json");
}
}  // namespace

TEST_CASE("speed spread: slowest over fastest per thread count, the largest of them") {
  CHECK(speed_spread(speed_checks_of(Json::array())) == 0);
  CHECK(speed_spread(speed_checks_of(samples_of(1, {1000}))) == 0);  // one time says nothing about a change
  CHECK(speed_spread(speed_checks_of(samples_of(1, {1000, 1050, 1020}))) == Approx(0.05));
  Json both = samples_of(1, {1000, 1010});
  for (const auto& s : samples_of(2, {500, 650, 520})) both.push_back(s);
  CHECK(speed_spread(speed_checks_of(both)) ==
        Approx(0.30));  // 2 threads' 650 / 500, not 1 thread's against 2 threads'
  // validate's five rounds: slowest over fastest.
  CHECK(spread_of({1058, 1068, 1060, 1053, 1100}) == Approx(1100.0 / 1053 - 1));
  CHECK(spread_of({1000}) == 0);
}

TEST_CASE("speed spread: from ten times on, the tenths are left out, so that one slow run is not a slower machine") {
  std::vector<double> us(20, 1000.0);
  us[7] = 2000;  // one timing preempted
  CHECK(speed_spread(speed_checks_of(samples_of(1, us))) == Approx(0.0));
  // A machine that is a quarter slower for the last third of the profile is.
  for (size_t i = 13; i < us.size(); ++i) us[i] = 1250;
  CHECK(speed_spread(speed_checks_of(samples_of(1, us))) == Approx(0.25));
}

TEST_CASE("speed checks: a malformed sample is an error naming it") {
  Json bad = samples_of(1, {1000, 1100});
  bad[1]["latency_us"] = "fast";
  CHECK_THAT(error_of([&] { speed_checks_of(bad); }),
             Catch::Contains("machine_speed.samples[1]") && Catch::Contains("\"fast\""));
  bad[1] = 7;
  CHECK_THAT(error_of([&] { speed_checks_of(bad); }), Catch::Contains("machine_speed.samples[1] = 7"));
  bad[1] = {{"threads", 1}, {"latency_us", -5}};
  CHECK_THAT(error_of([&] { speed_checks_of(bad); }), Catch::Contains("latency_us\" > 0"));
  bad[1] = {{"threads", 1}, {"latency_us", 900}, {"elapsed_s", "late"}};
  CHECK_THAT(error_of([&] { speed_checks_of(bad); }), Catch::Contains("machine_speed.samples[1]"));
  CHECK_THAT(error_of([&] { speed_checks_of(Json::object()); }),
             Catch::Contains("machine_speed.samples: expected an array"));
}

TEST_CASE(
    "the speed watch times the reference once per thread count every speed_check_every_s, and keeps what it had") {
  Profile profile = profile_with_speed({{"samples", samples_of(1, {900})}});  // a resumed profile's
  double now = 0;
  SpeedWatch watch(profile, [&] { return now; });
  watch.maybe_check(1, 0.0);
  watch.maybe_check(1, speed_check_every_s / 2);  // too soon
  watch.maybe_check(2, speed_check_every_s / 2);  // another thread count has its own clock
  now = speed_check_every_s + 1;
  ProfileRecord record;
  record.id = "x";
  profile[ProfileSection::ops].push_back(record);
  watch.after(profile[ProfileSection::ops].back(), 1);  // stamps the record, and it is time again at 1 thread
  watch.finish();
  const std::vector<SpeedSample>& s = profile.machine_speed->samples;
  REQUIRE(s.size() == 4);
  CHECK(s[1].threads == 1);
  CHECK(s[2].threads == 2);
  CHECK(s[3].elapsed_s == Approx(speed_check_every_s + 1));
  CHECK(profile[ProfileSection::ops][0].elapsed_s.value_or(0) == Approx(speed_check_every_s + 1));
  for (const auto& x : s) CHECK(x.latency_us > 0);
  CHECK(profile.machine_speed->reference == speed_reference);
  CHECK(profile.machine_speed->spread.value_or(-1) == Approx(speed_spread(s)));
  CHECK(profile.machine_speed->slowed == (speed_spread(s) > max_speed_spread));
  CHECK(profile.machine_speed->records_flagged.has_value());
  // The profile's writer says what the watch wrote, in the file's order.
  const Json written = to_json(profile)["machine_speed"];
  std::vector<std::string> keys;
  for (const auto& [k, v] : written.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"reference", "samples", "spread", "slowed", "records_flagged"});
  CHECK(written["samples"][3]["threads"] == 1);
}

TEST_CASE(
    "a profile keeps the speed reference it began with, validate times the one its profile names, and an unknown one "
    "is an error naming it") {
  // A resumed profile goes on timing the reference it names, so that its samples stay comparable.
  Profile resumed = profile_with_speed({{"reference", network_speed_reference}, {"samples", samples_of(1, {1300})}});
  SpeedWatch watch(resumed, [] { return 0.0; });
  watch.maybe_check(1, 0.0);
  CHECK(resumed.machine_speed->reference == network_speed_reference);
  CHECK(resumed.machine_speed->samples.size() == 2);
  CHECK(profile_speed_reference(resumed) == network_speed_reference);
  CHECK(predictor::speed_vs_profile(resumed, 1, {1400})->reference == network_speed_reference);
  CHECK(profile_speed_reference(Profile{}) == speed_reference);  // a new profile: the network
  CHECK(std::string(speed_reference) == network_speed_reference);
  const Json unknown = {{"reference", "a 5x5 conv"}, {"samples", samples_of(1, {1300})}};
  CHECK_THAT(error_of([&] { profile_speed_reference(profile_with_speed(unknown)); }),
             Catch::Contains("machine_speed.reference = \"a 5x5 conv\": unknown"));
  CHECK_THAT(error_of([&] {
               Profile p = profile_with_speed(unknown);
               SpeedWatch w(p, [] { return 0.0; });
             }),
             Catch::Contains("machine_speed.reference"));
  CHECK_THAT(error_of([&] { time_speed_reference_us("a 5x5 conv", 1, 0.0); }),
             Catch::Contains("\"a 5x5 conv\": unknown"));
}

TEST_CASE(
    "records measured while the reference ran slow twice in a row are flagged noisy, from the reference before to the "
    "one after") {
  // 1 thread every 30 s: 1000 us, except 1200 us at 90 s; 2 threads at 15, 45, ... s: 500 us, except
  // 560 us at 105 s. Slow at 90 and 105 s: the span from 75 to 120 s.
  Json samples = Json::array();
  for (int i = 0; i < 6; ++i) {
    samples.push_back({{"elapsed_s", 30.0 * i}, {"threads", 1}, {"latency_us", i == 3 ? 1200.0 : 1000.0}});
    samples.push_back({{"elapsed_s", 30.0 * i + 15}, {"threads", 2}, {"latency_us", i == 3 ? 560.0 : 500.0}});
  }
  Profile profile;
  profile.machine_speed = MachineSpeed{"", speed_checks_of(samples), {}, {}, {}};
  for (double at : {10.0, 76.0, 80.0, 100.0, 104.0, 120.0}) {
    ProfileRecord r;
    r.elapsed_s = at;
    profile[at < 50 ? ProfileSection::configs : ProfileSection::ops].push_back(r);
  }
  profile[ProfileSection::ops].push_back(ProfileRecord{});  // from a profile before the watch: no time, left alone
  auto noisy = [&] {
    std::vector<bool> out;
    for (const ProfileSection section : {ProfileSection::configs, ProfileSection::ops})
      for (const ProfileRecord& r : profile[section]) out.push_back(r.timing.noisy);
    return out;
  };
  auto quiet_again = [&] {
    for (ProfileRecord& r : profile[ProfileSection::ops]) r.timing = Timing{};
  };
  CHECK(flag_slowed_records(profile) == 4);  // 76, 80, 100 and 104 s: within (75, 120)
  CHECK(noisy() == std::vector<bool>{false, true, true, true, true, false, false});
  CHECK(profile[ProfileSection::ops][0].timing.machine_slowed);
  // One slow time alone is a blip: nothing flagged.
  quiet_again();
  profile.machine_speed->samples[7].latency_us = 500.0;  // 105 s, 2 threads
  CHECK(flag_slowed_records(profile) == 0);
  // A profile where nothing moved more than the factor flags nothing.
  for (SpeedSample& x : profile.machine_speed->samples) x.latency_us = x.threads == 1 ? 1000.0 : 500.0;
  quiet_again();
  CHECK(flag_slowed_records(profile) == 0);
}

TEST_CASE("the speed at a moment: the median reference over the reference then, interpolated between checks") {
  Json samples = samples_of(1, {1000, 1000, 2000, 1000, 1000});  // checks at 0, 30, 60, 90, 120 s
  for (const auto& s : samples_of(2, {500, 400, 500})) samples.push_back(s);
  const SpeedAtTime speed(speed_checks_of(samples));
  CHECK(speed.factor(1, 30) == Approx(1.0));
  CHECK(speed.factor(1, 60) == Approx(0.5));  // twice as slow then: its times count half
  CHECK(speed.factor(1, 45) == Approx(1000.0 / 1500));
  CHECK(speed.factor(1, -5) == Approx(1.0));          // before the first check: the first check's
  CHECK(speed.factor(1, 500) == Approx(1.0));         // after the last: the last's
  CHECK(speed.factor(2, 30) == Approx(500.0 / 400));  // each thread count by its own checks and median
  CHECK(speed.factor(4, 30) == 1.0);                  // none at that thread count: as measured
  CHECK_THAT(error_of([] {
               speed_checks_of(Json::array({Json{{"threads", 1}, {"latency_us", -3}}}));
             }),
             Catch::Contains("machine_speed.samples[0]"));
}

TEST_CASE("a timing flagged only because the machine slowed is not noisy in itself, one with its own reason is") {
  const auto noisy_in_itself = [](const Json& timing) {
    return timing_noisy_in_itself(timing_from_json(timing, Where("t.json")));
  };
  const Json quiet = {{"stats_us", {{"median", 1000}, {"robust_cv", 0.01}}},
                      {"wait_fraction", 0.0},
                      {"outlier_runs", 0},
                      {"cv_threshold", 0.1}};
  CHECK_FALSE(noisy_in_itself(quiet));
  Json slowed = quiet;
  slowed["noisy"] = true;
  slowed["machine_slowed"] = true;
  CHECK_FALSE(noisy_in_itself(slowed));
  Json busy = slowed;
  busy["wait_fraction"] = 0.3;
  CHECK(noisy_in_itself(busy));
  Json spread = slowed;
  spread["stats_us"]["robust_cv"] = 0.3;
  CHECK(noisy_in_itself(spread));
  Json noisy = quiet;
  noisy["noisy"] = true;  // flagged when measured, whatever its stored figures say
  CHECK(noisy_in_itself(noisy));
}

TEST_CASE("validate compares the machine's speed with the profile's, by the speed reference at the same thread count") {
  Json speed = {{"samples", samples_of(1, {1000, 990, 1400})}};
  for (const auto& s : samples_of(2, {520, 500})) speed["samples"].push_back(s);
  const Profile profile = profile_with_speed(speed);
  const auto one = predictor::speed_vs_profile(profile, 1, {1100, 1080, 1120});
  REQUIRE(one);
  CHECK(one->profile_median_us == 1000);  // the median: a slow check during the profile does not move it
  CHECK(one->validate_median_us == 1100);
  CHECK(one->ratio == Approx(1.1));  // 10% slower now: every prediction about 10% low
  CHECK(predictor::speed_vs_profile(profile, 2, {470})->ratio == Approx(470.0 / 520));
  CHECK_FALSE(predictor::speed_vs_profile(profile, 4, {300}));     // never timed at 4 threads while profiling
  CHECK_FALSE(predictor::speed_vs_profile(Profile{}, 1, {1000}));  // a profile from before machine_speed
  speed["samples"][1]["latency_us"] = "fast";
  CHECK(error_of([&] { profile_with_speed(speed); }) ==
        "p.json: machine_speed.samples[1] = {\"elapsed_s\":30.0,\"threads\":1,\"latency_us\":\"fast\"}: expected "
        "{\"elapsed_s\", \"threads\", \"latency_us\" > 0}");
}

TEST_CASE("validate says how well its own measurements repeat: each network's even rounds against its odd rounds") {
  const auto r = predictor::repeatability({{100, 100, 100, 100, 100},  // repeats exactly
                                           {100, 110, 100, 110, 100},  // even 100, odd 110: -9.1%
                                           {100, 120, 101, 120},       // even 100.5, odd 120: -16.25%
                                           {100}});                    // one round: nothing to compare
  REQUIRE(r);
  CHECK(r->networks == 3);
  CHECK(r->within_5pct == Approx(1.0 / 3));
  CHECK(r->within_10pct == Approx(2.0 / 3));
  CHECK(r->median_abs_difference == Approx(10.0 / 110));
  // A network slower in its odd rounds counts as much as one slower in its even rounds.
  CHECK(predictor::repeatability({{110, 100, 110}})->median_abs_difference == Approx(0.10));
  CHECK_FALSE(predictor::repeatability({{100}, {200}}));
  CHECK_FALSE(predictor::repeatability({}));
}

TEST_CASE(
    "validate's verdict puts the predictor beside the instrument: at its floor within 5 points, short of it beyond") {
  const predictor::Repeatability instrument{10, 0.60, 0.90,
                                            0.03};  // networks, within 5%, within 10%, median difference
  const auto scores = [](double within_10pct, double within_5pct) {
    return predictor::Accuracy{0.05, within_5pct, within_10pct, 0.9};
  };
  const auto at = predictor::instrument_verdict(scores(0.86, 0.56), instrument);
  REQUIRE(at);
  CHECK(at->at_instrument_floor);
  CHECK(at->within_10pct.gap_points == Approx(4));
  // 5.5 points short within 5%: not at the floor, though within 10% it is.
  const auto short_of = predictor::instrument_verdict(scores(0.90, 0.545), instrument);
  CHECK_FALSE(short_of->at_instrument_floor);
  CHECK(short_of->within_5pct.gap_points == Approx(5.5));
  // Better than the instrument's own agreement counts as at the floor (a lucky run), never as a goal beaten.
  CHECK(predictor::instrument_verdict(scores(1.0, 0.9), instrument)->at_instrument_floor);
  CHECK_FALSE(predictor::instrument_verdict(scores(1.0, 0.9), std::nullopt));
}

TEST_CASE(
    "validate --layers scores each op class inside the networks, where a network's errors cancel between classes") {
  // One network within 1% as a whole: its depthwise convs predicted at 0.7x their time, its pointwise at 1.3x.
  constexpr auto zoo = predictor::HeldOutSet::zoo, ood = predictor::HeldOutSet::ood;
  const std::vector<predictor::OpScore> ops = {
      {zoo, "a", "conv_depthwise", 70, 100},  {zoo, "a", "conv_depthwise", 35, 50},
      {zoo, "a", "conv_pointwise", 130, 100}, {zoo, "a", "conv_pointwise", 65, 50},
      {zoo, "a", "elementwise", 0.5, 0},  // measured at 0: no time of its own
      {ood, "b", "conv_grouped", 50, 100}};
  // The whole networks as validate's rows: "a" measured at 303 us (Σ ops 300) and predicted at 300.
  std::vector<predictor::ValidationRow> rows(2);
  rows[0].network = "a", rows[0].set = zoo, rows[0].predicted_us = 300, rows[0].measured_us = 303;
  rows[1].network = "b", rows[1].set = ood, rows[1].predicted_us = 60, rows[1].measured_us = 110;
  const auto in = predictor::op_class_scores(ops, rows, {zoo, predictor::HeldOutSet::sampled});
  REQUIRE(in.size() == 2);
  for (const predictor::OpClassScore& c : in) {
    CHECK(c.ops == 2);
    CHECK(c.share == Approx(0.5));
    CHECK(c.weighted_abs_error == Approx(0.3));
  }
  const auto ratio_of = [&](const char* name) {
    for (const predictor::OpClassScore& c : in)
      if (c.op_class == name) return c.sum_ratio;
    return -1.0;
  };
  CHECK(ratio_of("conv_depthwise") == Approx(0.7));
  CHECK(ratio_of("conv_pointwise") == Approx(1.3));
  // Exact depthwise convs would add back their 45 us: "a" at 345 against 303 (+13.9%), outside ±10%;
  // exact pointwise convs take 45 us off: 255 (-15.8%). The network as a whole (-1.0%) hid both.
  const auto exact_of = [&](const char* name) {
    for (const predictor::OpClassScore& c : in)
      if (c.op_class == name) return c.networks_if_exact;
    return predictor::Accuracy{-1, -1, -1, -1};
  };
  CHECK(exact_of("conv_depthwise").mape == Approx(42.0 / 303));
  CHECK(exact_of("conv_depthwise").within_10pct == 0.0);
  CHECK(exact_of("conv_pointwise").mape == Approx(48.0 / 303));
  // The other set's ops stay out, and each set's shares add up to 1.
  const auto out = predictor::op_class_scores(ops, rows, {ood});
  REQUIRE(out.size() == 1);
  CHECK(out[0].op_class == "conv_grouped");
  CHECK(out[0].share == Approx(1.0));
  CHECK(out[0].median_ratio == Approx(0.5));
  // "b" was predicted 50 us short, all of it in its one grouped conv: exact, it is its measured 110.
  CHECK(out[0].networks_if_exact.mape == Approx(0.0));
  CHECK(out[0].networks_if_exact.within_5pct == 1.0);
  CHECK(predictor::op_class_scores(ops, rows, {predictor::HeldOutSet::sampled}).empty());
}

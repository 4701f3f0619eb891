#include "profiler/measure/machine_speed.hpp"

#include <algorithm>
#include <vector>

#include "profiler/measure/measure_network.hpp"
#include "space/zoo.hpp"

namespace cpx::profiler {

namespace {

InputError unknown_reference(const std::string& shown) {
  return InputError("machine_speed.reference = " + shown + ": unknown (known: \"" + network_speed_reference + "\")");
}

}  // namespace

double time_speed_reference_us(std::string_view name, int64_t threads, double min_time_s) {
  if (name != network_speed_reference) throw unknown_reference("\"" + std::string(name) + "\"");
  const Network reference = find_zoo("mobilenetv2-1.0")->build(0);
  NetworkRun run{threads, 1, false, {}};
  run.timing.min_time_s = min_time_s;
  run.timing.min_runs = 5;
  run.timing.warmup_runs = 2;
  return time_network(reference, run).timings.network.stats_us.median;
}

std::string profile_speed_reference(const Profile& profile) {
  if (!profile.machine_speed || profile.machine_speed->reference.empty()) return speed_reference;
  const std::string& r = profile.machine_speed->reference;
  if (r != network_speed_reference) throw unknown_reference(Json(r).dump());
  return r;
}

SpeedWatch::SpeedWatch(Profile& profile, std::function<double()> elapsed_s)
    : profile_(profile), elapsed_s_(std::move(elapsed_s)), reference_(profile_speed_reference(profile)) {
  if (!profile_.machine_speed) profile_.machine_speed = MachineSpeed{};
  section().reference = reference_;
}

void SpeedWatch::after(ProfileRecord& record, int64_t threads) {
  const double now = elapsed_s_();
  record.elapsed_s = now;
  maybe_check(threads, now);
}

void SpeedWatch::maybe_check(int64_t threads, double elapsed_s) {
  const auto last = last_s_.find(threads);
  if (last != last_s_.end() && elapsed_s - last->second < speed_check_every_s) return;
  last_s_[threads] = elapsed_s;
  const double us = time_speed_reference_us(reference_, threads, 0.05);
  section().samples.push_back({elapsed_s, threads, us});
}

void SpeedWatch::finish() {
  const double spread = speed_spread(section().samples);
  section().spread = spread;
  section().slowed = spread > max_speed_spread;
  section().records_flagged = flag_slowed_records(profile_);
}

}  // namespace cpx::profiler

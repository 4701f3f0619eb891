// What the machine did to a set of measurements: per section, how many timings were flagged noisy and
// why (run-queue wait, CV, outliers), a threshold above which a command says so loudly and exits with
// exit_interfered. Reads Timing structs (profiler/profile/timing.hpp), so it needs no executor (fit and the
// report use it; the busy-machine check before measuring is profiler/measure/quiet_machine.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "profiler/profile/profile_file.hpp"
#include "space/error.hpp"
#include "space/field_error.hpp"

namespace cpx::profiler {

// A timing is flagged noisy when, in every attempt, its robust CV (Stats::robust_cv: the CV of the
// middle 80% of runs), the share of wall time its threads waited on a run queue (another process on our
// CPUs), or a run above 10x the median crossed these (noisy_cv_threshold, in profiler/profile/timing.hpp
// as every Timing's default, and the thresholds below).
// Runs timed after a cache eviction (NetworkRun::cold_caches) vary by themselves, with no other process
// about: in a quiet profile the short cold single ops and blocks varied far more than the long ones, and
// noisy_cv_threshold flagged so much of it that fit dropped a large share. Their CV threshold is a quiet
// profile's 90th percentile of cold CVs, rounded up (docs/log/predictor.md, moved from code comments);
// the run-queue wait and outliers, which are signs of another process, keep their thresholds. A timing
// states the threshold it was held to ("cv_threshold"). These thresholds were set on the plain CV and are
// now compared with the robust one, which the rare slow runs do not raise.
inline constexpr double noisy_cv_threshold_cold = 0.25;
inline constexpr double noisy_wait_threshold = 0.10;
// Above this share of noisy measurements a command warns in its last line and exits with exit_interfered.
inline constexpr double interference_threshold = 0.10;
// So does it when one section of at least section_noise_min_measurements is more than this share noisy,
// however quiet the rest: a profile little noisy overall can have most of its networks measured while
// the machine ran slow (docs/log/predictor.md, moved from code comments), and fit learns the in-network
// op times and the whole-network scale from that section alone (fit refuses such a profile:
// predictor::max_noisy_share_to_fit).
inline constexpr double section_noise_limit = 0.5;
inline constexpr int64_t section_noise_min_measurements = 10;
// The command finished and wrote its output, but the machine interfered above the threshold.
inline constexpr int exit_interfered = 3;

struct NoiseCount {
  int64_t measurements = 0, noisy = 0;
  int64_t wait = 0, cv = 0, outliers = 0;  // why, among the noisy ones (one may have several reasons)
  int64_t slowed = 0;                      // measured while the machine ran slow (profiler/measure/machine_speed.hpp)
  double share() const {
    return measurements > 0 ? static_cast<double>(noisy) / static_cast<double>(measurements) : 0.0;
  }
};

class Interference {
 public:
  // Sections are kept in the order they are first added.
  void add(const std::string& section, const Timing& timing);
  NoiseCount total() const;
  bool above() const { return total().share() > interference_threshold || mostly_noisy_section(); }
  // The first section (name, count) of at least section_noise_min_measurements more than
  // section_noise_limit noisy; null when none is.
  const std::pair<std::string, NoiseCount>* mostly_noisy_section() const;
  const std::vector<std::pair<std::string, NoiseCount>>& sections() const { return sections_; }
  // {"measurements", "noisy", "share", "threshold", "above_threshold", "sections": {name: {...}}}
  Json to_json() const;
  static Interference from_json(const Json& j);  // of to_json (e.g. in validate's JSON)
  // {"share", "above_threshold", "summary"}: a row of the report's environment table.
  Json brief() const;
  // The last line of a measuring command: "<command>: N of M measurements noisy (x%; configs 3/80: run-queue
  // wait 2, CV 1, outliers 0; ...)", and when above the threshold the warning, the advice to measure on a
  // quiet machine (naming Field::quiet_machine_check) and the exit code.
  Wording line(const std::string& command) const;
  // "12 of 140 (8.6%): configs 5/68 (run-queue wait 3, CV 4, outliers 0); ops 7/59 ...", for tables.
  std::string summary() const;

 private:
  std::vector<std::pair<std::string, NoiseCount>> sections_;
};

// The measured sections of a device profile (profile_sections), one measurement per
// record (its whole-network timing; the per-op pass of a record runs right after it, on the same machine).
Interference profile_interference(const Profile& profile);
// Sets the profile's interference (Interference::to_json) when above the threshold and removes an outdated
// one otherwise.
Interference mark_interference(Profile& profile);

// The machine's speed while a profile measured (profiler/measure/machine_speed.hpp times the reference; these read
// what it wrote, so that fit needs no executor).
// Above this spread of the reference's times at one thread count, the machine changed speed under the
// measurements: the command warns and exits with exit_interfered (fit: see max_speed_spread_to_fit).
inline constexpr double max_speed_spread = 0.10;
// p90 / p10 - 1 of a reference's latencies (max / min - 1 below ten, where the tenths are the extremes);
// 0 below two.
double spread_of(std::vector<double> latencies_us);
// What spread_of computes, for messages that print it: "slowest over fastest" misleads from ten times on,
// where the extremes lie well outside the percentiles it reads (docs/log/predictor.md, moved from code
// comments).
inline constexpr const char* spread_of_meaning =
    "90th over 10th percentile of its times, slowest over fastest below ten";
// spread_of per thread count of the machine_speed samples, the largest; 0 without any.
double speed_spread(const std::vector<SpeedSample>& samples);
// The machine_speed samples' latencies by thread count, in their order.
std::map<int64_t, std::vector<double>> speed_by_threads(const std::vector<SpeedSample>& samples);
// The median reference time of each thread count of the machine_speed samples.
std::map<int64_t, double> speed_medians_us(const std::vector<SpeedSample>& samples);

// A reference time over slow_reference_factor times the median of its thread count's is slow. Two or more
// slow times in a row (all thread counts, in time order) mark the machine slow from the reference time
// before them to the one after them; every record of the profile's measured sections stamped inside such
// a span gets "noisy": true and "machine_slowed": true in its timing, so that fit drops it as it drops any
// noisy measurement. Returns how many it flagged. A slow time alone flags nothing: lone slow times between
// normal ones occur, and flagging from neighbour to neighbour for them dropped a large share of a profile.
// The factor sits well above the reference's own drift when nothing happens (docs/log/predictor.md,
// moved from code comments).
inline constexpr double slow_reference_factor = 1.05;
int64_t flag_slowed_records(Profile& profile);

// Whether a timing is noisy for a reason of its own (run-queue wait, CV, outliers), leaving aside a
// "machine_slowed" flag: what a reader that corrects for the machine's speed (SpeedAtTime) still drops.
bool timing_noisy_in_itself(const Timing& timing);

// The machine's speed at a moment of a profile, from its speed reference (the machine_speed samples):
// factor(threads, elapsed_s) is the median reference time at that thread count over the reference's time
// then, interpolated between the checks before and after it (the nearest check outside them), so that a
// time measured then, multiplied by it, is the time at the profile's median speed. 1 where the profile has
// no check at that thread count.
class SpeedAtTime {
 public:
  explicit SpeedAtTime(const std::vector<SpeedSample>& samples);
  double factor(int64_t threads, double elapsed_s) const;

 private:
  std::map<int64_t, std::vector<std::pair<double, double>>>
      checks_;  // per thread count: (elapsed_s, us), in time order
  std::map<int64_t, double> median_us_;
};

// "why" of a count as words: "run-queue wait 2, CV 1, outliers 0" (and ", machine slowed 3" when any).
std::string noise_reasons(const NoiseCount& c);

}  // namespace cpx::profiler

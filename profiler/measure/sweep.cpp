#include "profiler/measure/sweep.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "profiler/measure/environment.hpp"
#include "profiler/measure/machine_speed.hpp"
#include "profiler/measure/measure_network.hpp"
#include "profiler/measure/probes.hpp"
#include "profiler/profile/coverage.hpp"
#include "profiler/profile/cpus.hpp"
#include "profiler/profile/file_lock.hpp"
#include "profiler/profile/interference.hpp"
#include "profiler/profile/progress.hpp"
#include "space/count.hpp"
#include "space/field_error.hpp"
#include "space/io.hpp"

namespace cpx::profiler {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// One op of a profile record (MeasuredOp's profile document, profiler/profile/measured_op.hpp): count's row
// of it, with the op's attributes, how it ran and its timing (written without samples: the whole network's
// are kept).
MeasuredOp profile_op(const Network& net, size_t i, const LayerCount& c, const NetworkTimings& m) {
  const Op& op = net.ops[i];
  MeasuredOp r;
  // Every input's shape and which tensors it read (in the row): fit tells an activation that read the
  // network's input (cold, in the cold sections) from one that read what the op before it had just written
  // (warm, as inside any network).
  r.row = op_row(net, i, c);
  std::visit([&](const auto& a) { a.write(r.attrs); }, op.attrs);
  r.implementation = m.implementations[i].how;
  r.emulated = m.implementations[i].emulated;
  if (m.implementations[i].fused_into) r.row.fused_into = net.ops[*m.implementations[i].fused_into].name;
  r.timing = m.timings.ops[i];
  return r;
}

// A network's record: its totals, whole-network timing (with samples) and every op's row.
ProfileRecord measured_record(const Network& net, const NetworkTimings& m, double peak_macps) {
  const NetworkCount counts = count(net);
  ProfileRecord r;
  r.macs = counts.total.macs;
  r.params_inference = counts.total.params_inference;
  r.bytes = counts.bytes;
  r.timing = m.timings.network;
  r.macps = macps_of(counts.total.macs, m.timings.network.stats_us.median);
  r.fraction_of_peak = r.macps / peak_macps;
  r.additivity = m.timings.additivity;
  for (size_t i = 0; i < net.ops.size(); ++i) r.layers.push_back(profile_op(net, i, counts.layers[i], m));
  return r;
}

std::vector<int64_t> resolved_threads(const SweepOptions& options) {
  if (!options.threads.empty()) return options.threads;
  // The CPUs this process may use, not the machine's: a container's quota or a taskset is what runs.
  const int64_t cores = usable_cpus().count();
  return cores > 1 ? std::vector<int64_t>{1, cores} : std::vector<int64_t>{1};
}

// Single ops and blocks (a network of one op or one block) are timed with cold caches (NetworkRun::
// cold_caches), as their ops run inside the networks the predictor is for; whole networks as they are.
const std::vector<ProfileSection> cold_sections{ProfileSection::configs, ProfileSection::ops};
bool cold_section(ProfileSection section) {
  return std::find(cold_sections.begin(), cold_sections.end(), section) != cold_sections.end();
}

// The section a work item's record goes to (sweep_grid.hpp names it).
ProfileSection section_of(const SweepItem& w) {
  const std::optional<ProfileSection> s = profile_section_named(w.section);
  if (!s) throw std::logic_error("sweep item " + w.id + ": no profile section " + w.section);
  return *s;
}

// The options a profile states; resume compares them without the budget and the eviction's size (the
// machine's, not an option): `for_resume`.
ProfileOptions profile_options(const SweepOptions& options, const std::vector<int64_t>& threads, double budget_s,
                               bool for_resume) {
  ProfileOptions o{options.quick, threads, budget_s, options.seed, ColdCaches{cold_sections, cache_evict_bytes(), {}}};
  o.cold_caches->warm_twins = std::vector<std::string>(warm_twin_kinds.begin(), warm_twin_kinds.end());
  if (for_resume) {
    o.budget_s.reset();
    o.cold_caches->evict_bytes_per_thread.reset();
  }
  return o;
}

// Whether a profile begun with `had` may go on with `want` (profile_options for resume): the same grid (a
// different one would leave the profile a mix of two sweeps), the same coverage candidates (they follow
// the seed), and cold caches with the same warm twins (a profile timed with warm caches, before
// cold_caches, must not be continued cold).
bool same_sweep(const std::optional<ProfileOptions>& had, const ProfileOptions& want) {
  return had && had->quick == want.quick && had->threads == want.threads && had->seed == want.seed &&
         had->cold_caches && had->cold_caches->sections == want.cold_caches->sections &&
         had->cold_caches->warm_twins == want.cold_caches->warm_twins;
}

// The profile to continue: the one at out_path with --resume (its measured ids go to `done`), else a new
// one with no measurements.
Profile open_profile(const SweepOptions& options, const std::vector<int64_t>& threads, double budget_s,
                     std::set<std::string>& done) {
  if (!options.resume || !std::filesystem::exists(options.out_path)) {
    Profile p;
    p.device = options.device;
    p.options = profile_options(options, threads, budget_s, false);
    p.environment = to_json(capture_environment(threads.back()));
    p.definitions = std::string(count_definitions());
    return p;
  }
  Profile profile = read_profile_file(options.out_path);
  const ProfileOptions want = profile_options(options, threads, 0, true);
  if (!same_sweep(profile.options, want))
    throw AdvisedError({Where(options.out_path, "options")
                            .said(profile.options ? to_json(*profile.options) : Json::object(),
                                  "the profile was started with other options than " + to_json(want).dump() +
                                      "; resume with the same options, or start afresh without "),
                        Field::resume});
  for (const auto& section : profile.sections)
    for (const ProfileRecord& r : section) done.insert(r.id);
  std::fprintf(stderr, "profile: resuming %s with %zu measurements done\n", options.out_path.c_str(), done.size());
  return profile;
}

// Peak MACpS per thread count, probing the ones the profile lacks: every MACpS of the profile is also
// reported as a fraction of these.
std::map<int64_t, double> measure_peaks(Profile& profile, const std::vector<int64_t>& threads, bool quick) {
  std::map<int64_t, double> peak;
  for (const ProfilePeak& p : profile.peaks) peak[p.threads] = p.peak_macps;
  MeasureOptions probe_options;
  probe_options.min_runs = 5;
  probe_options.min_time_s = quick ? 0.2 : 0.5;
  for (int64_t t : threads) {
    if (peak.count(t)) continue;
    pin_to_cpus(t);
    PeakProbe p = probe_peak(t, probe_options);
    peak[t] = p.peak_macps;
    profile.peaks.push_back(std::move(p));
  }
  return peak;
}

// Measures one item into its section of `profile` and returns its record; pins only when the thread count
// changes.
ProfileRecord& measure_item(const SweepItem& w, Profile& profile, const std::map<int64_t, double>& peak, uint64_t seed,
                            const MeasureOptions& timing, int64_t& pinned) {
  if (w.threads != pinned) pin_to_cpus(w.threads);
  pinned = w.threads;
  const ProfileSection section = section_of(w);
  const Network net = w.network();
  NetworkRun run{w.threads, seed, true, timing};
  run.cold_caches = cold_section(section);
  ProfileRecord r = measured_record(net, time_network(net, run), peak.at(w.threads));
  r.caches = run.cold_caches ? Caches::cold : Caches::warm;
  if (!w.keep_layers) r.layers.clear();  // the writer then leaves them out (fasternet's ten identical layers)
  r.id = w.id;
  if (w.fields) w.fields(net, r);
  r.threads = w.threads;
  profile[section].push_back(std::move(r));
  return profile[section].back();
}

// Measures `todo` in order into `profile`, offering a checkpoint after every measurement (see run_sweep),
// until done or `stop`.
void measure_items(const std::vector<SweepItem>& todo, Profile& profile, const std::map<int64_t, double>& peak,
                   uint64_t seed, double budget_s, Clock::time_point start, SpeedWatch& speed,
                   const std::function<void()>& checkpoint, const std::atomic<bool>& stop) {
  Progress progress("profile", "measured", todo.size());
  int64_t pinned = -1;
  Pacer pacer;
  for (size_t k = 0; k < todo.size() && !stop; ++k) {
    const MeasureOptions timing = pacer.next(budget_s - seconds_since(start), todo.size() - k);
    const auto item_start = Clock::now();
    ProfileRecord& record = measure_item(todo[k], profile, peak, seed, timing, pinned);
    pacer.done(seconds_since(item_start), timing);
    speed.after(record, pinned);
    progress.update(k + 1);
    checkpoint();
  }
}

// The coverage section of the profile: how its candidates were drawn and, per round, its time slice, the
// time spent (a resumed round gets what is left of its slice) and how many it measured.
ProfileCoverage& coverage_section(Profile& profile, uint64_t seed, bool quick, size_t pool_size, double budget_s) {
  if (!profile.coverage)
    profile.coverage = ProfileCoverage{
        seed,
        static_cast<int64_t>(pool_size),
        {coverage_min_macs, quick ? coverage_max_macs_quick : coverage_max_macs},
        coverage_max_bytes,
        {CoverageRound{1, coverage_shares[0] * budget_s, 0.0, 0,
                       "space-filling: the candidates in farthest-point order; coverage_score = distance to the "
                       "candidates before it"},
         CoverageRound{2, coverage_shares[1] * budget_s, 0.0, 0,
                       "adaptive: the candidate of highest coverage_score = d/h + s/S (profiler/profile/coverage.hpp: "
                       "distance to the nearest "
                       "measured, spread of log MACpS among the 5 nearest), rescored after every measurement"}}};
  return *profile.coverage;
}

// The candidate of a coverage round to measure next among the `open` ones and its score: round 1 the
// first in the pool's order, round 2 the one the measurements so far are least sure of.
std::pair<size_t, double> next_candidate(size_t round, const std::vector<CoverageCandidate>& pool,
                                         const std::vector<size_t>& open,
                                         const std::vector<CoveragePosition>& positions,
                                         const std::vector<double>& log_macps) {
  if (round == 1) return {0, pool[open[0]].spread_distance};
  std::vector<CoveragePosition> open_positions;
  for (size_t i : open) open_positions.push_back(pool[i].position);
  const std::vector<double> scores = uncertainty_scores(open_positions, positions, log_macps);
  const size_t best = static_cast<size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
  return {best, scores[best]};
}

// The coverage set's two rounds, each until its time slice is spent: round 1 measures the candidates in
// their space-filling order, round 2 the one the measurements so far are least sure of. Records go to
// "ops" (the predictor fits them as it fits every single-op record) with coverage_round and coverage_score.
void measure_coverage(const SweepOptions& options, const std::vector<int64_t>& threads, double budget_s,
                      const std::function<double()>& elapsed_s, Profile& profile, const std::map<int64_t, double>& peak,
                      SpeedWatch& speed, const std::function<void()>& checkpoint, const std::atomic<bool>& stop) {
  const std::vector<CoverageCandidate> pool = coverage_pool(options.quick, threads, options.seed);
  ProfileCoverage& coverage = coverage_section(profile, options.seed, options.quick, pool.size(), budget_s);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < pool.size(); ++i) index[pool[i].conv.id()] = i;
  std::vector<bool> measured(pool.size(), false);
  std::vector<CoveragePosition> positions;
  std::vector<double> log_macps;
  auto add_measured = [&](size_t i, const ProfileRecord& record) {
    measured[i] = true;
    positions.push_back(pool[i].position);
    log_macps.push_back(std::log(std::max(1.0, record.macps)));
  };
  for (const ProfileRecord& r : profile[ProfileSection::ops])
    if (r.coverage_conv && index.count(r.id)) add_measured(index[r.id], r);
  int64_t pinned = -1;
  for (size_t round = 1; round <= 2 && !stop; ++round) {
    CoverageRound& slice = coverage.rounds[round - 1];
    if (slice.measured == 0 && slice.spent_s == 0)
      slice.budget_s = coverage_slice_s(round, 3 - round, budget_s, elapsed_s());
    const auto round_start = Clock::now();
    const double spent_before = slice.spent_s;
    auto left_s = [&] { return slice.budget_s - spent_before - seconds_since(round_start); };
    while (!stop && left_s() > 0) {
      std::vector<size_t> open;
      for (size_t i = 0; i < pool.size(); ++i)
        if (!measured[i]) open.push_back(i);
      if (open.empty()) break;
      const auto [best, score] = next_candidate(round, pool, open, positions, log_macps);
      const CoverageConv conv = pool[open[best]].conv;
      const SweepItem item{"ops", conv.id(), conv.threads, [conv] { return conv.network(); },
                           [conv](const Network&, ProfileRecord& r) { r.coverage_conv = conv; }};
      ProfileRecord& record =
          measure_item(item, profile, peak, options.seed, options_within(left_s(), open.size()), pinned);
      record.coverage_round = static_cast<int64_t>(round);
      record.coverage_score = score;
      add_measured(open[best], record);
      speed.after(record, pinned);
      slice.spent_s = spent_before + seconds_since(round_start);
      ++slice.measured;
      checkpoint();
    }
    std::fprintf(stderr, "profile: coverage round %zu measured %lld ops in %.0f s\n", round,
                 static_cast<long long>(slice.measured), slice.spent_s);
  }
}

}  // namespace

double coverage_slice_s(size_t round, size_t rounds_left, double budget_s, double elapsed_s) {
  const double fair = (budget_s - elapsed_s) / static_cast<double>(std::max<size_t>(1, rounds_left));
  return std::clamp(fair, min_coverage_share * budget_s, coverage_shares.at(round - 1) * budget_s);
}

MeasureOptions options_within(double budget_left_s, size_t items_left, double item_per_min_time) {
  MeasureOptions o;
  o.warmup_runs = 1;
  o.min_runs = 3;
  o.max_runs = 300;  // bounds the raw samples kept; the median of 300 runs is stable enough
  o.attempts = 2;
  o.min_time_s = std::clamp(
      std::max(0.0, budget_left_s) / static_cast<double>(std::max<size_t>(1, items_left)) / item_per_min_time, 0.005,
      0.5);
  return o;
}

MeasureOptions Pacer::next(double budget_left_s, size_t items_left) const {
  return options_within(budget_left_s, items_left, min_time_s_ > 0 ? std::max(1.0, item_s_ / min_time_s_) : 3.0);
}

void Pacer::done(double item_s, const MeasureOptions& given) {
  item_s_ += item_s;
  min_time_s_ += given.min_time_s;
}

Profile profile_device(const std::string& device, SweepOptions& o, const std::atomic<bool>& stop) {
  if (device.empty() || device.size() > 64 || device.find_first_of("/\\.") != std::string::npos)
    throw FieldError(Field::device, "\"" + device + "\"", "a device name of 1-64 characters without '/', '\\' or '.'");
  o.device = device;
  for (int64_t t : o.threads) check_threads(t);
  if (o.budget_s < 0 || o.budget_s > 86400)
    throw FieldError(Field::budget_s, std::to_string(o.budget_s), "out of range [0, 86400]");
  // The device cache's layout is predictor::resolve_device's: the front end gives the path.
  if (o.out_path.empty()) throw std::logic_error("profile_device: no out_path (resolve_device(device).profile_path)");
  return run_sweep(o, stop);
}

Profile run_sweep(const SweepOptions& options, const std::atomic<bool>& stop) {
  const std::vector<int64_t> threads = resolved_threads(options);
  const double budget_s = options.budget_s > 0 ? options.budget_s : default_budget_s(options.quick);
  const auto start = Clock::now();
  // One writer per profile: two sweeps on one file would each replace the other's checkpoints and each
  // load the CPUs the other measures on.
  const FileLock lock(options.out_path, "cpubone-explore profile");

  std::set<std::string> done;
  Profile profile = open_profile(options, threads, budget_s, done);
  const std::filesystem::path dir = std::filesystem::path(options.out_path).parent_path();
  std::filesystem::create_directories(dir.empty() ? std::filesystem::path(".") : dir);
  // Writing a checkpoint converts and dumps the whole profile (to_json(Profile)): 0.1-0.3 s for the dump
  // alone once it holds 20 MB of raw samples, one per measurement (3,000); the conversion comes on top,
  // and the rule counts it with the rest. So one is written only when the time since the last exceeds 19
  // times what the last took (writing then costs at most 5% of the time): after every measurement while
  // the file is small, every few seconds when it is large. A kill loses at most those seconds; an interrupt (stop)
  // and the end always write. Measured, one default profile each: 670 s with a checkpoint per measurement,
  // 634 s with this rule and write_file_atomic's fdatasync (on a shared VM that drifts by several percent).
  double last_write_s = 0;
  auto last_write = Clock::now();
  auto write = [&] {
    const auto t0 = Clock::now();
    write_file_atomic(options.out_path, to_json(profile).dump() + "\n");
    last_write_s = seconds_since(t0);
    last_write = Clock::now();
  };
  auto checkpoint = [&] {
    if (seconds_since(last_write) >= 19 * last_write_s) write();
  };

  const double elapsed_before_s = profile.elapsed_s.value_or(0.0);  // of the runs this one resumes
  // Before the first write: every file written names its speed reference (machine_speed), even one stopped
  // before the first check.
  SpeedWatch speed(profile, [&] { return elapsed_before_s + seconds_since(start); });
  const std::map<int64_t, double> peak = measure_peaks(profile, threads, options.quick);
  write();
  std::vector<SweepItem> todo = sweep_work(options.quick, threads, options.seed);
  std::erase_if(todo, [&](const SweepItem& w) { return done.count(w.id) > 0; });
  measure_items(todo, profile, peak, options.seed, grid_share * budget_s, start, speed, checkpoint, stop);
  if (!stop)
    measure_coverage(
        options, threads, budget_s, [&] { return elapsed_before_s + seconds_since(start); }, profile, peak, speed,
        checkpoint, stop);

  speed.finish();
  profile.complete = !stop;
  profile.elapsed_s = elapsed_before_s + seconds_since(start);
  mark_interference(profile);
  write();
  return profile;
}

}  // namespace cpx::profiler

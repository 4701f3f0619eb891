// No lost work: a `profile` interrupted by SIGINT, SIGTERM or SIGKILL keeps its last checkpoint, and
// --resume finishes it with the same configurations an uninterrupted run measures. Timings differ
// between runs, so the comparison is of structure: ids, fields and layers of every measurement.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "documents.hpp"
#include "explorer/option_checks.hpp"
#include "processes.hpp"
#include "profiler/measure/sweep.hpp"
#include "profiler/profile/interference.hpp"

using namespace cpx;
using namespace cpx::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> sections{"peaks", "configs", "ops", "networks", "fasternet", "zoo"};
const std::vector<std::string> quick_args{"profile", "--quick", "--threads", "1", "--budget", "8"};

// The coverage set's rounds end with their time slices, so two runs measure different numbers of its
// convs: they are counted apart, and only the fixed work is compared between runs.
bool coverage(const Json& record) { return record.contains("coverage_round"); }

size_t measurements(const Json& profile, bool with_coverage = true) {
  size_t n = 0;
  for (const auto& s : sections)
    if (s != "peaks" && profile.contains(s))
      for (const auto& r : profile[s]) n += with_coverage || !coverage(r);
  return n;
}

// The checkpoint as it is on disk now: every version of it must be a whole, valid profile.
Json checkpoint(const fs::path& p) { return profiler::load_profile(p.string()); }

// Waits until the checkpoint holds at least `n` measurements (the run is then mid-sweep).
size_t wait_for(const fs::path& p, size_t n, pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  size_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(p)) {
      const size_t now = measurements(checkpoint(p));
      CHECK(now >= seen);  // checkpoints only grow
      seen = now;
      if (seen >= n) return seen;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) FAIL("profile ended before it was interrupted");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  FAIL("no checkpoint with " << n << " measurements within 10 minutes");
  return seen;
}

// What must match between two profiles of the same options: per section, each measurement's id, its
// field names and (where kept) the names and ops of its layers.
std::map<std::string, std::set<std::string>> structure(const Json& profile) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& s : sections) {
    for (const auto& r : profile.value(s, Json::array())) {
      if (coverage(r)) continue;
      std::string key = s == "peaks" ? "threads " + r["threads"].dump() : r["id"].get<std::string>();
      for (const auto& [k, v] : r.items()) key += " " + k;
      for (const auto& l : r.value("layers", Json::array()))
        key += " " + l["name"].get<std::string>() + ":" + l["op"].get<std::string>();
      out[s].insert(key);
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "resuming a profile begun with other options is refused: the library names resume, the command line --resume") {
  const fs::path dir = fs::temp_directory_path() / ("cpx_resume_options_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path path = dir / "two.json";
  Json begun = test::small_profile();
  begun["options"]["threads"] = {1, 2};
  std::ofstream(path) << begun.dump();
  profiler::SweepOptions o;
  o.quick = true;
  o.threads = {1};
  o.budget_s = 5;
  o.out_path = path.string();
  o.resume = true;
  const std::atomic<bool> stop{false};
  try {
    profiler::run_sweep(o, stop);
    FAIL("resumed a profile begun with other options");
  } catch (const AdvisedError& e) {
    CHECK(e.message().spelled([](Field f) { return f == Field::resume ? "RESUME" : "?"; }).ends_with("without RESUME"));
    CHECK_THAT(e.what(), Catch::StartsWith(path.string() + ": options = {\"quick\":true,\"threads\":[1,2]") &&
                             Catch::EndsWith("; resume with the same options, or start afresh without resume"));
    CHECK(explorer::cli_message(e) == std::string(e.what()).substr(0, std::string(e.what()).size() - 6) + "--resume");
    const CliRun r = cli("profile --quick --threads 1 --budget 5 --resume --out " + path.string());
    CHECK(r.exit_code == 2);
    CHECK(r.err == "cpubone-explore: " + explorer::cli_message(e) + "\n");
  }
  CHECK(slurp(path) == begun.dump());  // left as it was
  fs::remove_all(dir);
}

TEST_CASE("an interrupted profile resumes to the configurations of an uninterrupted one") {
  const fs::path dir = fs::temp_directory_path() / ("cpx_resume_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path reference = dir / "reference.json", run = dir / "run.json", err = dir / "stderr.txt";
  auto with = [](std::vector<std::string> a, std::initializer_list<std::string> more) {
    a.insert(a.end(), more);
    return a;
  };

  // Finished: 0, or exit_interfered when the shared machine made too many measurements noisy.
  auto finished = [](int code) { return code == 0 || code == profiler::exit_interfered; };
  REQUIRE(finished(wait_exit(spawn(with(quick_args, {"--out", reference.string()}), err))));
  const Json full = checkpoint(reference);
  CHECK(full["complete"] == true);
  const size_t total = measurements(full, false);
  REQUIRE(total > 20);

  // 1. SIGINT mid-sweep: exit 130, a clear message, the checkpoint of everything measured so far.
  pid_t pid = spawn(with(quick_args, {"--out", run.string()}), err);
  wait_for(run, 3, pid);
  ::kill(pid, SIGINT);
  CHECK(wait_exit(pid) == 130);
  const std::string message = slurp(err);
  CHECK(message.find("profile: interrupted; the measurements so far are in " + run.string()) != std::string::npos);
  CHECK(message.find("--resume") != std::string::npos);
  Json partial = checkpoint(run);
  CHECK(partial["complete"] == false);
  const size_t after_int = measurements(partial);
  CHECK(after_int >= 3);
  CHECK(after_int < measurements(full));
  // A caught signal finishes the checkpoint it was writing: no temporary file is left behind.
  for (const auto& f : fs::directory_iterator(dir))
    CHECK(f.path().filename().string().find(".tmp.") == std::string::npos);

  // 2. SIGTERM during the resumed run: the same contract.
  pid = spawn(with(quick_args, {"--out", run.string(), "--resume"}), err);
  wait_for(run, after_int + 3, pid);
  ::kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 130);
  CHECK(slurp(err).find("profile: resuming " + run.string() + " with " + std::to_string(after_int) +
                        " measurements done") != std::string::npos);
  CHECK(slurp(err).find("profile: interrupted") != std::string::npos);
  const size_t after_term = measurements(checkpoint(run));
  CHECK(after_term >= after_int + 3);

  // 3. SIGKILL cannot be caught: the last checkpoint (written every few measurements at most) must still be
  // whole.
  pid = spawn(with(quick_args, {"--out", run.string(), "--resume"}), err);
  const size_t before_kill = wait_for(run, after_term + 3, pid);
  ::kill(pid, SIGKILL);
  wait_exit(pid);
  const size_t after_kill = measurements(checkpoint(run));
  CHECK(after_kill >= before_kill);
  CHECK(after_kill < measurements(full));

  // 4. Resume to the end.
  REQUIRE(finished(wait_exit(spawn(with(quick_args, {"--out", run.string(), "--resume"}), err))));
  const Json resumed = checkpoint(run);
  CHECK(resumed["complete"] == true);
  CHECK(measurements(resumed, false) == total);
  // Each coverage round went on from what it had spent before the interruptions, within its slice plus
  // the one conv it had started.
  int64_t coverage_records = 0;
  for (const auto& r : resumed["ops"]) coverage_records += coverage(r);
  const Json& rounds = resumed["coverage"]["rounds"];
  CHECK(rounds[0]["measured"].get<int64_t>() + rounds[1]["measured"].get<int64_t>() == coverage_records);
  for (const auto& round : rounds) CHECK(round["spent_s"].get<double>() < round["budget_s"].get<double>() + 2);
  const auto want = structure(full), got = structure(resumed);
  for (const auto& s : sections) {
    INFO("section " << s);
    CHECK(got.at(s) == want.at(s));
  }
  fs::remove_all(dir);
}

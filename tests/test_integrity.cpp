// Measurement integrity: one writer per profile file (a second is refused at once, naming the holder;
// a dead holder's lock file never blocks), and a machine that interferes is said out loud: the warning
// line, exit_interfered and the profile marked "interference". The load is injected deliberately, on the
// CPU the profile pins to, so the test never depends on (or asserts) the shared machine being quiet.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "processes.hpp"
#include "explorer/option_checks.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/quiet_machine.hpp"
#include "profiler/measure/sweep.hpp"
#include "profiler/profile/file_lock.hpp"
#include "profiler/profile/interference.hpp"

using namespace cpx;
using namespace cpx::test;
namespace fs = std::filesystem;

namespace {

// The last non-empty line of a file.
std::string last_line(const fs::path& p) {
  std::string text = slurp(p);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
}

pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

}  // namespace

TEST_CASE(
    "one profile writer at a time, and a CPU hog on the pinned CPU gives the warning, exit 3 and a marked profile") {
  const fs::path dir = fs::temp_directory_path() / ("cpx_integrity_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "host.json";
  const std::vector<std::string> quick{"profile", "--quick", "--threads", "1", "--budget", "4", "--out", out.string()};

  // A stale lock: the file a killed writer leaves, naming a process that no longer exists.
  std::ofstream(profiler::FileLock::lock_path(out.string())) << dead_pid() << "\n";

  // The hog spins on the first CPU, which `--threads 1` pins to; the children start unpinned.
  REQUIRE(!profiler::pin_to_cpus(1).empty());
  const pid_t hog = spin_on_my_cpu();
  REQUIRE(hog > 0);
  profiler::pin_to_cpus(1 << 20);

  // --quiet-machine-check sees the hog and refuses before measuring anything.
  std::vector<std::string> checked = quick;
  checked.back() = (dir / "checked.json").string();
  checked.push_back("--quiet-machine-check");
  CHECK(wait_exit(spawn(checked, dir / "checked.err")) == 2);
  CHECK(slurp(dir / "checked.err").find("--quiet-machine-check: the machine is busy: CPU ") != std::string::npos);
  CHECK(!fs::exists(dir / "checked.json"));

  const pid_t first = spawn(quick, dir / "first.err");
  // The first holds the lock once its pid is in the lock file (the stale pid did not stop it).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (slurp(profiler::FileLock::lock_path(out.string())) != std::to_string(first) + "\n" &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(slurp(profiler::FileLock::lock_path(out.string())) == std::to_string(first) + "\n");

  const auto second_start = std::chrono::steady_clock::now();
  CHECK(wait_exit(spawn(quick, dir / "second.err")) == 2);
  const double second_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - second_start).count();
  CHECK(second_s < 10);  // refused at once, not after waiting (generous: the machine is shared)
  CHECK(slurp(dir / "second.err") == "cpubone-explore: " + out.string() + ": being written by process " +
                                         std::to_string(first) + " (cpubone-explore profile, lock " + out.string() +
                                         ".lock); wait for it to finish or stop it, then run again\n");

  const int first_exit = wait_exit(first);
  ::kill(hog, SIGKILL);
  ::waitpid(hog, nullptr, 0);
  INFO(slurp(dir / "first.err"));
  CHECK(first_exit == profiler::exit_interfered);
  const std::string warning = last_line(dir / "first.err");
  CHECK(warning.rfind("profile: WARNING: noisy measurements ", 0) == 0);
  CHECK(warning.find("run-queue wait") != std::string::npos);
  CHECK(warning.find("exit 3") != std::string::npos);

  // The first's file is whole, complete and marked.
  const Json profile = profiler::load_profile(out.string());
  CHECK(profile["complete"] == true);
  REQUIRE(profile.contains("interference"));
  CHECK(profile["interference"]["above_threshold"] == true);
  CHECK(profile["interference"]["share"].get<double>() > profiler::interference_threshold);
  CHECK(profile["interference"]["sections"]["configs"]["why"]["run_queue_wait"].get<int64_t>() > 0);
  CHECK(profile["interference"] ==
        profiler::profile_interference(profiler::read_profile(profile, out.string())).to_json());
  fs::remove_all(dir);
}

namespace {
// A timing as the interference summary reads it: flagged or not, and the figures that say why.
profiler::Timing timing_flagged(bool noisy, double wait_fraction, int64_t outlier_runs, double robust_cv,
                                double cv_threshold = profiler::noisy_cv_threshold) {
  profiler::Timing t;
  t.noisy = noisy, t.wait_fraction = wait_fraction, t.outlier_runs = outlier_runs, t.cv_threshold = cv_threshold;
  t.stats_us.robust_cv = robust_cv;
  return t;
}
}  // namespace

TEST_CASE("the interference summary counts noisy timings per section and why") {
  profiler::Interference n;
  n.add("configs", timing_flagged(true, 0.4, 0, 0.02));
  n.add("configs", timing_flagged(false, 0.0, 0, 0.01));
  n.add("ops", timing_flagged(true, 0.0, 2, 0.3));
  // A cold timing noisy by its outliers: CV 0.2 is within the cold threshold it states, so not a CV reason.
  n.add("ops", timing_flagged(true, 0.0, 1, 0.2, profiler::noisy_cv_threshold_cold));
  for (int i = 0; i < 6; ++i) n.add("ops", timing_flagged(false, 0.0, 0, 0.0));
  CHECK(n.total().measurements == 10);
  CHECK(n.total().noisy == 3);
  CHECK(n.above());  // 30% > 10%
  CHECK(
      n.summary() ==
      "3 of 10 (30%): configs 1/2 (run-queue wait 1, CV 0, outliers 0); ops 2/8 (run-queue wait 0, CV 1, outliers 2)");
  CHECK(profiler::Interference::from_json(n.to_json()).to_json() == n.to_json());
  profiler::Interference quiet;
  quiet.add("network", profiler::Timing{});
  CHECK(!quiet.above());
  CHECK(quiet.line("measure").str() ==
        "measure: noisy measurements 0 of 1 (0%): network 0/1 (below the 10% threshold)");
  CHECK(explorer::cli_message(quiet.line("measure")) == quiet.line("measure").str());
}

TEST_CASE("the interference check warns when one section is mostly noisy, however quiet the whole") {
  const profiler::Timing noisy = timing_flagged(true, 0.0, 0, 0.3);
  const profiler::Timing quiet = timing_flagged(false, 0.0, 0, 0.0);
  profiler::Interference n;
  for (int i = 0; i < 200; ++i) n.add("configs", quiet);
  for (int i = 0; i < 9; ++i) n.add("networks", noisy);
  CHECK(n.total().share() < profiler::interference_threshold);
  CHECK_FALSE(n.above());  // 9 of 9, but too few to say
  n.add("networks", quiet);
  n.add("networks", noisy);
  CHECK(n.above());  // 10 of 11
  REQUIRE(n.mostly_noisy_section());
  CHECK(n.mostly_noisy_section()->first == "networks");
  CHECK_THAT(n.line("profile").str(),
             Catch::StartsWith("profile: WARNING: noisy measurements 10 of 211 (4.7%): configs 0/200") &&
                 Catch::Contains("networks more than 50% of it") &&
                 Catch::EndsWith("measure again on a quiet machine (quiet_machine_check); exit 3"));
  // The library names its field; the command line says its flag.
  CHECK_THAT(explorer::cli_message(n.line("profile")),
             Catch::EndsWith("measure again on a quiet machine (--quiet-machine-check); exit 3"));
  CHECK(n.to_json()["above_threshold"] == true);
}

TEST_CASE(
    "the quiet-machine check says what it sampled and the command line says its flag where the library names none") {
  profiler::CpuLoad load{"0,1", 1, 0.05};
  CHECK_FALSE(load.busy());
  CHECK(load.said() == "CPUs 0,1 at most 5% busy over 1 s (limit 20%)");
  load.busiest_share = 0.87;
  CHECK(load.busy());
  CHECK(load.said() ==
        "the machine is busy: CPU 1, which we pin to, was 87% busy over 1 s (limit 20%) before measuring");
  // A switch whose work cannot be done: a FieldError without a value, said under the flag.
  const FieldError e(Field::quiet_machine_check, "cannot read the load of CPUs 0 from /proc/stat");
  CHECK(std::string(e.what()) == "quiet_machine_check: cannot read the load of CPUs 0 from /proc/stat");
  CHECK(explorer::cli_message(e) == "--quiet-machine-check: cannot read the load of CPUs 0 from /proc/stat");
  CHECK(explorer::cli_message(FieldError(Field::apply, "\"s9\"", "no suggestion or variant \"s9\"")) ==
        "--apply = \"s9\": no suggestion or variant \"s9\"");
}

TEST_CASE(
    "advice that names an option says it by the field's name in the library and by the flag on the command line") {
  // Words with options in them, e.g. what to do about a noisy profile: each option is its Field, not text.
  const AdvisedError noisy({"p.json: mostly noisy; re-profile on a quiet machine (`cpubone-explore profile ",
                            Field::quiet_machine_check, "`), or fit anyway with ", Field::allow_noisy});
  CHECK(std::string(noisy.what()) ==
        "p.json: mostly noisy; re-profile on a quiet machine (`cpubone-explore profile quiet_machine_check`), or fit "
        "anyway with allow_noisy");
  CHECK(explorer::cli_message(noisy) ==
        "p.json: mostly noisy; re-profile on a quiet machine (`cpubone-explore profile --quiet-machine-check`), or fit "
        "anyway with "
        "--allow-noisy");
  // A refused value whose reason advises another option: both named, each in the front end's spelling.
  const FieldError missing(Field::device, "\"mypi\"",
                           {"no profile at p.json; run `cpubone-explore profile ", Field::device,
                            " mypi` on that device, or give ", Field::profile, " FILE measured there"});
  CHECK(std::string(missing.what()) ==
        "device = \"mypi\": no profile at p.json; run `cpubone-explore profile device mypi` on that device, or give "
        "profile FILE measured there");
  CHECK(explorer::cli_message(missing) ==
        "--device = \"mypi\": no profile at p.json; run `cpubone-explore profile --device mypi` on that device, or "
        "give --profile FILE "
        "measured there");
  // A path is text, whatever it holds: only Fields are respelled.
  CHECK(explorer::cli_message(AdvisedError({"my--allow-noisy{}.json: ", Field::skip_unknown})) ==
        "my--allow-noisy{}.json: --skip-unknown");
}

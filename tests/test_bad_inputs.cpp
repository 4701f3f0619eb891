// Hostile inputs, one table row each: the CLI must exit 2 with one line naming the file, the field path
// and the value, print nothing on stdout, and leave every file of its working directory as it was.
// The rows are in test_bad_inputs_table.cpp: adding a format is adding rows there.
#include <catch2/catch.hpp>

#include "processes.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "bad_inputs.hpp"
#include "documents.hpp"
#include "profiler/profile/cpus.hpp"
#include "space/zoo.hpp"

using namespace cpx;
namespace fs = std::filesystem;

using cpx::test::shipped_predictor;
using cpx::test::slurp;
using cpx::test::small_profile;

namespace {

struct Run {
  int exit_code;
  std::string out, err;
};

// `taskset -c N`, N the first CPU this process may use: the CLI then may use that one alone.
std::string on_one_cpu() {
  const auto& cpus = profiler::start_affinity();
  REQUIRE(cpus);
  int first = 0;
  while (!CPU_ISSET(first, &*cpus)) ++first;
  return "taskset -c " + std::to_string(first) + " ";
}

// Runs the CLI in `dir` with $CPX_HOME = dir, so no row can touch the user's device cache.
Run run_cli(const fs::path& dir, const std::string& args, bool one_cpu = false) {
  const std::string out = (dir.parent_path() / (dir.filename().string() + ".stdout")).string();
  const std::string err = (dir.parent_path() / (dir.filename().string() + ".stderr")).string();
  const std::string cmd = "cd '" + dir.string() + "' && CPX_HOME='" + dir.string() + "' " +
                          (one_cpu ? on_one_cpu() : "") + CPX_CLI + " " + args + " >'" + out + "' 2>'" + err +
                          "' </dev/null";
  const int status = std::system(cmd.c_str());
  Run r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  fs::remove(out);
  fs::remove(err);
  return r;
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    files[fs::relative(e.path(), dir).string()] = e.is_regular_file() ? slurp(e.path()) : "(directory)";
  return files;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

// A fresh directory holding a valid host predictor and host profile (calibrate needs the predictor and
// the profile's probed ceilings) and, for odd rows, an output file that must survive unchanged.
fs::path row_dir(size_t index) {
  const fs::path dir = fs::temp_directory_path() / ("cpx_bad_" + std::to_string(::getpid())) / std::to_string(index);
  fs::remove_all(dir);
  fs::create_directories(dir / "devices");
  std::ofstream(dir / "devices/host.predictor.json") << shipped_predictor().dump();
  std::ofstream(dir / "devices/host.json") << small_profile().dump();
  if (index % 2) std::ofstream(dir / "out.json") << "previous output\n";
  return dir;
}

Run run_row(const BadInput& row, size_t index, fs::path* dir_out = nullptr) {
  const fs::path dir = row_dir(index);
  const fs::path in = dir / row.in;
  fs::create_directories(in.parent_path());
  std::ofstream(in, std::ios::binary) << row.content;
  if (dir_out) *dir_out = dir;
  return run_cli(dir, replace_all(replace_all(row.args, "{in}", in.string()), "{out}", (dir / "out.json").string()),
                 row.one_cpu);
}

}  // namespace

TEST_CASE("the bad-input table has at least 60 distinct rows") {
  const auto rows = bad_inputs();
  std::set<std::string> names, inputs;
  for (const auto& r : rows) {
    CHECK(names.insert(r.name).second);
    inputs.insert(r.args + "\n" + r.in + "\n" + r.content);
  }
  CHECK(inputs.size() == rows.size());
  CHECK(rows.size() >= 60);
  std::printf("bad inputs tried: %zu\n", rows.size());
}

TEST_CASE("the unedited documents of the bad-input table are accepted") {
  // Otherwise a row could fail for a reason other than its edit.
  const std::vector<BadInput> good = good_inputs();
  for (size_t i = 0; i < good.size(); ++i) {
    const Run r = run_row(good[i], 1000 + i);
    INFO(good[i].name << ": " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("cpubone-explore:") == std::string::npos);
    if (good[i].args.find("--rescore") != std::string::npos) {
      // The file's times may come from another machine: the text names the run, never this one.
      CHECK(r.out.find("by the run rescored") != std::string::npos);
      CHECK(r.out.find("this machine") == std::string::npos);
    }
  }
  fs::remove_all(fs::temp_directory_path() / ("cpx_bad_" + std::to_string(::getpid())));
}

TEST_CASE("every bad input exits 2 with one line naming file and field and leaves every file as it was") {
  const auto rows = bad_inputs();
#if defined(CPX_SANITIZED)
  // Under the sanitizers every other row: a row is one start of the instrumented CLI (139 s for all of them
  // there, docs/log/ci.md), and neighbouring rows take the same reader through the same error path; the
  // fuzz targets run the readers on malformed files there too. The Release suite runs every row.
  const size_t step = 2;
#else
  const size_t step = 1;
#endif
  for (size_t i = 0; i < rows.size(); i += step) {
    const BadInput& row = rows[i];
    INFO(row.name << ": cpubone-explore " << row.args);
    fs::path dir;
    const fs::path before_dir = row_dir(i);
    fs::create_directories((before_dir / row.in).parent_path());
    std::ofstream(before_dir / row.in, std::ios::binary) << row.content;
    const auto before = snapshot(before_dir);
    const Run r = run_row(row, i, &dir);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("cpubone-explore: ", 0) == 0);
    CHECK(r.err.find(row.expect) != std::string::npos);
    // A row that reads its file names it (rows of options alone name the option instead).
    if (!row.content.empty() || row.args.find("{in}") != std::string::npos)
      CHECK(r.err.find((dir / row.in).string()) != std::string::npos);
    CHECK(snapshot(dir) == before);
  }
  fs::remove_all(fs::temp_directory_path() / ("cpx_bad_" + std::to_string(::getpid())));
}

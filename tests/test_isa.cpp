// The instruction set decided in one place (profiler/executor/isa.hpp): forcing each level this machine
// runs lowers igemm, the vector loops, the FMA probe and the recorded environment together, each checked
// against the naive reference and by the levels the kernels marked as dispatched.
#include <catch2/catch.hpp>

#include <cmath>

#include "executor_testers.hpp"
#include "processes.hpp"
#include "profiler/executor/isa.hpp"
#include "profiler/executor/kernels/igemm.hpp"
#include "profiler/executor/kernels/vector.hpp"
#include "profiler/measure/environment.hpp"
#include "profiler/measure/probes.hpp"
#include "space/zoo.hpp"

using namespace cpx;
using namespace cpx::profiler;
using namespace cpx::testing;

namespace {

struct LiftLimit {
  ~LiftLimit() { limit_isa(detected_isa()); }
};

// Exactly `level` marked dispatched: it ran, and nothing above or beside it did.
void check_dispatched_only(Isa level) {
  for (const IsaRow& r : isa_rows) {
    CAPTURE(r.name);
    CHECK(dispatched(r.isa) == (r.isa == level));
  }
}

bool has_igemm(Isa level) { return level == Isa::avx2 || level == Isa::avx512; }

// A dense conv igemm takes at either tile (64 outputs: two of AVX-512's vectors, four of AVX2's).
ConvTester igemm_conv() { return ConvTester().input(8, 7, 32).output_channels(64).kernel(3).padding(1).bias(true); }

}  // namespace

TEST_CASE("the ISA names table reads back every level, and only this build's levels can be forced") {
  for (const IsaRow& r : isa_rows) {
    CAPTURE(r.name);
    CHECK(isa_from_name(r.name) == r.isa);
  }
  CHECK_FALSE(isa_from_name("x86-64 (cpuinfo unavailable)").has_value());
  const std::vector<Isa> levels = runnable_isas();
  REQUIRE_FALSE(levels.empty());
  CHECK(levels.back() == detected_isa());
  CHECK(active_isa() == detected_isa());
#if defined(__x86_64__)
  CHECK(levels.front() == Isa::sse2);
  CHECK_THROWS_AS(limit_isa(Isa::neon), std::invalid_argument);
#elif defined(__aarch64__)
  CHECK(levels == std::vector<Isa>{Isa::neon});
  CHECK_THROWS_AS(limit_isa(Isa::avx2), std::invalid_argument);
#endif
  CHECK(active_isa() == detected_isa());  // a refused limit changes nothing
}

TEST_CASE("a forced ISA level runs igemm, the vector loops and a zoo network at that level, like the reference") {
  LiftLimit lift;
  for (Isa level : runnable_isas()) {
    limit_isa(level);
    CAPTURE(isa_name(level));
    REQUIRE(active_isa() == level);
    CHECK(igemm_available() == has_igemm(level));
    CHECK(vector_width() == isa_row(level).loops);

    clear_dispatched();
    igemm_conv().threads(1).test();
    if (has_igemm(level)) check_dispatched_only(level);  // else XNNPACK's, which marks nothing
    else CHECK_THROWS_AS(GemmPanels(8, 16), Unsupported);

    clear_dispatched();
    OpTester().input({1, 5, 7, 23}).input_scale(8).threads(2).test(ActivationOp{Activation::gelu});
    check_dispatched_only(level);

    clear_dispatched();
    check_network_against_reference(find_zoo("b0")->build(64), {1});
    check_dispatched_only(level);
  }
  limit_isa(detected_isa());
  CHECK(active_isa() == detected_isa());
}

TEST_CASE("igemm's packed panels keep the level they were packed for when the limit changes") {
  LiftLimit lift;
  const std::vector<Isa> levels = runnable_isas();
  if (!has_igemm(levels.back())) return;
  const int64_t k = 19, n = 70, rows = 7;  // a partial panel at either tile
  std::vector<float> a(static_cast<size_t>(rows * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(rows * n));
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 7) - 3.0f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 5) * 0.5f - 1.0f;
  GemmPanels panels(k, n);
  panels.pack(b.data(), n, 1, 1.0f, nullptr);
  CHECK(panels.isa() == detected_isa());
  limit_isa(levels.front());
  clear_dispatched();
  panels.multiply(a.data(), k, rows, c.data(), n);
  check_dispatched_only(detected_isa());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      float want = 0;
      for (int64_t kk = 0; kk < k; ++kk)
        want += a[static_cast<size_t>(r * k + kk)] * b[static_cast<size_t>(kk * n + j)];
      CHECK(c[static_cast<size_t>(r * n + j)] == Approx(want).margin(1e-4));
    }
}

// Under AddressSanitizer the tiles' loads and stores are checked per tile, not per access (igemm.cpp's
// check_tile_memory): an output one float short must still be reported.
TEST_CASE("under AddressSanitizer, an igemm tile writing one float past its output is reported") {
#if defined(__SANITIZE_ADDRESS__)
  if (!has_igemm(detected_isa())) return;
  const int64_t k = 5, n = 20, rows = 3;
  std::vector<float> a(static_cast<size_t>(rows * k), 1.0f), b(static_cast<size_t>(k * n), 0.5f);
  const std::filesystem::path err =
      std::filesystem::temp_directory_path() / ("cpx_tile_asan_" + std::to_string(::getpid()));
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGABRT, SIG_DFL);  // ASan's abort, not Catch's handler of it
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    std::vector<float> c(static_cast<size_t>(rows * n - 1));  // the last row one float short
    GemmPanels panels(k, n);
    panels.pack(b.data(), n, 1, 1.0f, nullptr);
    panels.multiply(a.data(), k, rows, c.data(), n);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string report = cpx::test::slurp(err);
  std::filesystem::remove(err);
  CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(report.find("AddressSanitizer: heap-buffer-overflow") != std::string::npos);
  CHECK(report.find("WRITE of size 4") != std::string::npos);
#else
  SUCCEED("a check of the sanitizer build (scripts/test's ASan+UBSan suite)");
#endif
}

TEST_CASE("the environment and the peak probe record the forced ISA level, and today's names unforced") {
  LiftLimit lift;
  const Environment unforced = capture_environment(1);
  CHECK(unforced.isa == isa_name(detected_isa()));
  CHECK(to_json(unforced)["isa"] == std::string(isa_name(detected_isa())));
  MeasureOptions quick;
  quick.warmup_runs = 0;
  quick.min_runs = 2;
  quick.min_time_s = 0;
  quick.attempts = 1;
  for (Isa level : runnable_isas()) {
    if (level == detected_isa()) continue;  // the unforced probe: test_measure.cpp
    limit_isa(level);
    CAPTURE(isa_name(level));
    const Environment e = capture_environment(1);
    CHECK(e.isa == isa_name(level));
    CHECK(to_json(e)["isa"] == std::string(isa_name(level)));
    CHECK(e.igemm == has_igemm(level));
    CHECK(e.igemm_tile == (level == Isa::avx512 ? "AVX-512 6x64" : level == Isa::avx2 ? "AVX2 6x16" : ""));
    CHECK(e.igemm_min_out_per_group == (has_igemm(level) ? 2 * isa_row(level).vector_floats : 0));

    clear_dispatched();
    const PeakProbe p = probe_peak(1, quick);
    check_dispatched_only(level);  // the FMA chains, and the conv probes where igemm runs them
    CHECK_THAT(p.fma_peak_source, Catch::StartsWith(level == Isa::avx512 ? "AVX-512"
                                                    : level == Isa::avx2 ? "AVX2"
                                                                         : "SSE2"));
    CHECK(std::isfinite(p.fma_peak_macps));
  }
}

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "profiler/executor/isa.hpp"

// CPX_TEST_ISA=sse2|avx2|avx512 limits our kernels to that level before any case runs, so that the
// whole-network cases of every zoo family (`cpx_tests "[#test_zoo_fasternet]"`, ...) check the forced level
// against the naive reference too (XNNPACK's own microkernels keep the CPU's: they take no limit). Cases that
// force levels themselves (test_isa, the vector-width case) lift the limit when they end, and the cases that
// check the unforced level fail under it: run it on the family and executor cases.
int main(int argc, char* argv[]) {
  if (const char* name = std::getenv("CPX_TEST_ISA")) {
    using cpx::profiler::Isa;
    const std::string_view n(name);
    const std::optional<Isa> level = cpx::profiler::x86_isa_from_flag(n);
    if (!level) {
      std::fprintf(stderr, "CPX_TEST_ISA=%s: not one of sse2, avx2, avx512\n", name);
      return 2;
    }
    cpx::profiler::limit_isa(*level);
    std::fprintf(stderr, "CPX_TEST_ISA: our kernels limited to %s\n",
                 std::string(cpx::profiler::isa_name(cpx::profiler::active_isa())).c_str());
  }
  return Catch::Session().run(argc, argv);
}

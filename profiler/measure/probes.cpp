#include "profiler/measure/probes.hpp"

#include <cpuinfo.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include <cmath>
#include <cstring>
#include <vector>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define CPX_PROBE_X86 1
#endif

#include "profiler/executor/isa.hpp"
#include "profiler/executor/kernel.hpp"
#include "profiler/measure/time_network.hpp"
#include "space/count.hpp"

namespace cpx::profiler {

namespace {

struct ConvProbe {
  const char* name;
  int64_t hw, c_in, c_out, kernel;
};

// Large enough to be compute-bound, small enough to take milliseconds: a 1x1 (pure GEMM) and a 3x3.
constexpr ConvProbe conv_probes[] = {
    {"conv1x1 56x56 256->256", 56, 256, 256, 1},
    {"conv3x3 28x28 256->256", 28, 256, 256, 3},
};

Network single_conv(const ConvProbe& p) {
  NetworkBuilder b(p.name, "probe", {1, p.hw, p.hw, p.c_in}, Where("probe"));
  Conv2d c;
  c.out_channels = p.c_out;
  c.kernel = {p.kernel, p.kernel};
  c.padding = {p.kernel / 2, p.kernel / 2, p.kernel / 2, p.kernel / 2};
  c.bias = true;
  b.add("conv", {"input"}, c);
  return std::move(b).finish("conv");
}

struct CacheCopy {
  static constexpr size_t floats = size_t{32} << 10, repeats = 64;
  std::vector<float> src, dst;
};

struct StreamRead {
  static constexpr size_t words = size_t{8} << 20;  // 64 MiB of uint64_t
  std::vector<uint64_t> data;
  size_t parts = 1;
  std::vector<uint64_t> sums;  // one per part, so that the reads cannot be optimised away
};

void read_part(void* self, size_t part) {
  auto* r = static_cast<StreamRead*>(self);
  const size_t begin = StreamRead::words * part / r->parts, end = StreamRead::words * (part + 1) / r->parts;
  uint64_t a = 0, b = 0, c = 0, d = 0;  // four chains: the loop waits on memory, not on one add
  size_t i = begin;
  for (; i + 4 <= end; i += 4) {
    a += r->data[i];
    b += r->data[i + 1];
    c += r->data[i + 2];
    d += r->data[i + 3];
  }
  for (; i < end; ++i) a += r->data[i];
  r->sums[part] = a + b + c + d;
}

struct GemmTile {
  int64_t rows, cols;
  const char* source;
};

// XNNPACK's f32 GEMM tile (`mr` rows x `nr` output channels) on this CPU, as the snapshot's src/init.c
// picks it. The library does not export the choice, so it is restated here from the source it was built
// from, on init.c's own cpuinfo flags: this is XNNPACK's decision, not ours (active_isa() does not reach
// XNNPACK, which takes no limit), and its criteria differ from our levels (AVX-512F alone where ours needs
// all of x86-64-v4; FMA3 and AVX below AVX2, where ours has none).
GemmTile xnnpack_gemm_tile() {
#if defined(__x86_64__) || defined(__i386__)
  if (cpuinfo_initialize()) {
    if (cpuinfo_has_x86_avx512f()) return {7, 16, "XNNPACK 2022-02-16 src/init.c: f32 GEMM 7x16 (AVX-512F)"};
    if (cpuinfo_has_x86_fma3()) {
      const cpuinfo_uarch u = cpuinfo_get_cores_count() > 0 ? cpuinfo_get_core(0)->uarch : cpuinfo_uarch_unknown;
      if (u == cpuinfo_uarch_zen || u == cpuinfo_uarch_dhyana)
        return {4, 16, "XNNPACK 2022-02-16 src/init.c: f32 GEMM 4x16s4 (FMA3, Zen)"};
      return {5, 16, "XNNPACK 2022-02-16 src/init.c: f32 GEMM 5x16 (FMA3)"};
    }
    if (cpuinfo_has_x86_avx()) return {5, 16, "XNNPACK 2022-02-16 src/init.c: f32 GEMM 5x16 (AVX)"};
  }
  return {4, 8, "XNNPACK 2022-02-16 src/init.c: f32 GEMM 4x8 (SSE)"};
#else
  // init.c picks per ARM core, and which it picks here is not restated: an assumption, labelled as one.
  return {6, 8, "assumed, not read from src/init.c for this core: 6x8, as in XNNPACK's 6x8 ARM f32 GEMMs"};
#endif
}

// The FMA probe: per thread, `chains` accumulators a = a * m + b in registers, each waiting only on its
// own previous FMA, so that the loop is bound by the FMA units' throughput, not their latency. 12 chains
// cover latency x pipes (4 x 2) of current x86 cores and leave 16 ymm registers enough for the two
// constants; AVX-512's 32 registers take 24. m and b keep every value near 1 (no overflow, no denormals).
// Each run is a few milliseconds per thread, so that waking the pool's threads is not part of the figure.
constexpr int64_t fma_iterations = 2000000;

struct FmaRun {
  float (*chains)(int64_t) = nullptr;  // one of the fma_chains_* below
  int64_t iterations = fma_iterations;
  std::vector<float> sinks;  // one per thread, so that the chains are not optimised away
};

#if CPX_PROBE_X86
__attribute__((target("avx512f"))) float fma_chains_avx512(int64_t iterations) {
  constexpr int chains = 24;
  __m512 acc[chains];
  for (int i = 0; i < chains; ++i) acc[i] = _mm512_set1_ps(1.0f + 0.01f * static_cast<float>(i));
  const __m512 m = _mm512_set1_ps(0.5f), b = _mm512_set1_ps(0.5f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < chains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, b);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < chains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  return lanes[0];
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2(int64_t iterations) {
  constexpr int chains = 12;
  __m256 acc[chains];
  for (int i = 0; i < chains; ++i) acc[i] = _mm256_set1_ps(1.0f + 0.01f * static_cast<float>(i));
  const __m256 m = _mm256_set1_ps(0.5f), b = _mm256_set1_ps(0.5f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < chains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, b);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < chains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  return lanes[0];
}
#endif

// The baseline's 4-float vectors: NEON FMAs on arm64 (GCC contracts a * m + b), a multiply and an add on
// the x86-64 baseline (SSE2 has no FMA; reached only on x86 CPUs without AVX2+FMA).
float fma_chains_baseline(int64_t iterations) {
  typedef float v4 __attribute__((vector_size(16)));
  constexpr int chains = 12;
  v4 acc[chains];
  for (int i = 0; i < chains; ++i) acc[i] = v4{} + (1.0f + 0.01f * static_cast<float>(i));
  const v4 m = v4{} + 0.5f, b = v4{} + 0.5f;
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < chains; ++i) acc[i] = acc[i] * m + b;
  }
  v4 sum = acc[0];
  for (int i = 1; i < chains; ++i) sum += acc[i];
  return sum[0];
}

struct FmaKind {
  float (*run)(int64_t);
  int64_t macs_per_iteration;  // chains x floats per vector
  const char* source;
};

// The chains of active_isa(): the widest vectors our kernels run at.
FmaKind fma_of(Isa isa) {
  switch (isa) {
#if CPX_PROBE_X86
    case Isa::avx512: return {fma_chains_avx512, 24 * 16, "AVX-512 FMA, 24 chains of 16 floats per thread"};
    case Isa::avx2: return {fma_chains_avx2, 12 * 8, "AVX2 FMA, 12 chains of 8 floats per thread"};
    default: return {fma_chains_baseline, 12 * 4, "SSE2 multiply + add (no FMA), 12 chains of 4 floats per thread"};
#else
    default: return {fma_chains_baseline, 12 * 4, "4-float FMA (baseline: NEON on arm64), 12 chains per thread"};
#endif
  }
}

}  // namespace

FmaPeak probe_fma_peak(int64_t threads, const MeasureOptions& options) {
  const Isa isa = active_isa();
  const FmaKind fma = fma_of(isa);
  note_dispatch(isa);
  FmaRun fr;
  fr.chains = fma.run;
  fr.sinks.assign(static_cast<size_t>(threads), 0.0f);
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(static_cast<size_t>(threads)) : nullptr;
  FmaPeak out;
  out.timing = time_runs(
      [&] {
        pthreadpool_parallelize_1d(
            pool,
            [](void* self, size_t part) {
              auto* r = static_cast<FmaRun*>(self);
              r->sinks[part] = r->chains(r->iterations);
            },
            &fr, static_cast<size_t>(threads), 0);
      },
      options);
  if (pool) pthreadpool_destroy(pool);
  for (float v : fr.sinks)
    if (!std::isfinite(v)) throw std::logic_error("peak probe: an FMA chain did not stay finite");
  out.macs = static_cast<double>(fma.macs_per_iteration * fr.iterations * threads);
  out.macps = macps_of(static_cast<int64_t>(out.macs), out.timing.stats_us.median);
  out.source = fma.source;
  return out;
}

PeakProbe probe_peak(int64_t threads, const MeasureOptions& options) {
  PeakProbe out;
  out.threads = threads;
  out.details = Json::object();
  for (const ConvProbe& p : conv_probes) {
    const Network net = single_conv(p);
    const Timing t = time_network(net, {threads, 0, false, options}).timings.network;
    const int64_t macs = count(net).total.macs;
    const double macps = macps_of(macs, t.stats_us.median);
    out.details[p.name] = {{"macs", macs}, {"macps", macps}, {"timing", to_json(t, false)}};
    if (macps > out.peak_macps) {
      out.peak_macps = macps;
      out.peak_source = p.name;
    }
  }
  // 64 MiB each way: well past any last-level cache here.
  ensure_xnnpack();
  const size_t floats = size_t{16} << 20;
  std::vector<float> src(floats + XNN_EXTRA_BYTES / sizeof(float), 1.0f), dst(floats, 0.0f);
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(static_cast<size_t>(threads)) : nullptr;

  const FmaPeak fma = probe_fma_peak(threads, options);
  out.fma_peak_macps = fma.macps;
  out.fma_peak_source = fma.source;
  out.details["fma chains"] = {{"macs", fma.macs}, {"macps", fma.macps}, {"timing", to_json(fma.timing, false)}};
  xnn_operator_t copy = nullptr;
  constexpr size_t row = 4096;
  check_xnn(xnn_create_copy_nc_x32(row, row, row, 0, &copy), "create copy_nc_x32");
  check_xnn(xnn_setup_copy_nc_x32(copy, floats / row, src.data(), dst.data(), pool), "setup copy_nc_x32");
  const Timing t = time_runs([&] { check_xnn(xnn_run_operator(copy, pool), "run copy_nc_x32"); }, options);
  xnn_delete_operator(copy);
  const double bytes = 2.0 * static_cast<double>(floats * sizeof(float));
  out.bandwidth_bytes_per_s = bytes / (t.stats_us.median * 1e-6);
  out.details["copy 64 MiB"] = {{"bytes", bytes}, {"timing", to_json(t, false)}};

  // Reads alone, 64 MiB split over the threads: how fast a GEMM can stream weights from DRAM.
  StreamRead sr;
  sr.parts = static_cast<size_t>(threads);
  sr.data.assign(StreamRead::words, 1);
  sr.sums.assign(sr.parts, 0);
  const Timing read = time_runs([&] { pthreadpool_parallelize_1d(pool, read_part, &sr, sr.parts, 0); }, options);
  const double read_bytes = static_cast<double>(StreamRead::words * sizeof(uint64_t));
  out.dram_read_bytes_per_s = read_bytes / (read.stats_us.median * 1e-6);
  out.details["read 64 MiB"] = {{"bytes", read_bytes}, {"timing", to_json(read, false)}};

  // The same copy within each thread's caches: 128 KiB each way per thread (256 KiB, no more than the
  // per-core L2 of any CPU in predictor/devices/hardware), copied 64 times per run so that one dispatch to the pool is
  // not most of the time.
  CacheCopy cc;
  cc.src.assign(CacheCopy::floats * static_cast<size_t>(threads), 1.0f);
  cc.dst.assign(CacheCopy::floats * static_cast<size_t>(threads), 0.0f);
  const Timing cached = time_runs(
      [&] {
        pthreadpool_parallelize_1d(
            pool,
            [](void* self, size_t part) {
              auto* c = static_cast<CacheCopy*>(self);
              for (size_t r = 0; r < CacheCopy::repeats; ++r)
                std::memcpy(c->dst.data() + part * CacheCopy::floats, c->src.data() + part * CacheCopy::floats,
                            CacheCopy::floats * sizeof(float));
            },
            &cc, static_cast<size_t>(threads), 0);
      },
      options);
  if (pool) pthreadpool_destroy(pool);
  const double cache_bytes =
      2.0 * static_cast<double>(CacheCopy::floats * sizeof(float) * CacheCopy::repeats) * static_cast<double>(threads);
  out.cache_bandwidth_bytes_per_s = cache_bytes / (cached.stats_us.median * 1e-6);
  out.details["copy 128 KiB per thread, 64 times"] = {{"bytes", cache_bytes}, {"timing", to_json(cached, false)}};
  out.last_level_cache_bytes = last_level_cache_bytes();
  const GemmTile tile = xnnpack_gemm_tile();
  out.gemm_tile_rows = tile.rows;
  out.gemm_tile_cols = tile.cols;
  out.gemm_tile_rows_source = tile.source;
  return out;
}

}  // namespace cpx::profiler

#include "profiler/measure/time_network.hpp"

#include <cpuinfo.h>
#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <vector>

#include "profiler/executor/weights.hpp"

namespace cpx::profiler {

namespace {

// Reads `bytes` per thread of the plan's pool, each thread its own part, so every CPU's caches fill with
// lines of this buffer instead of the plan's.
class CacheEvictor {
 public:
  CacheEvictor(size_t threads, int64_t bytes)
      : per_thread_(static_cast<size_t>(bytes) / sizeof(uint64_t)), buffer_(threads * per_thread_, 1) {}
  void run(pthreadpool_t pool) {
    pthreadpool_parallelize_1d(
        pool,
        [](void* self, size_t t) {
          auto* e = static_cast<CacheEvictor*>(self);
          const uint64_t* p = e->buffer_.data() + t * e->per_thread_;
          // One load per 64-byte line is enough to bring the line in.
          uint64_t sum = 0;
          for (size_t i = 0; i < e->per_thread_; i += 8) sum += p[i];
          e->sink_.fetch_add(sum, std::memory_order_relaxed);
        },
        this, buffer_.size() / per_thread_, PTHREADPOOL_FLAG_DISABLE_DENORMALS);
  }

 private:
  size_t per_thread_;
  std::vector<uint64_t> buffer_;
  std::atomic<uint64_t> sink_{0};  // keeps the loads
};

// One evictor per thread count, kept for the life of the process: allocating and filling a fresh 32 MB
// per thread takes many times as long as a whole warm 3x3 conv item, so it was most of a cold profile's
// time (docs/log/predictor.md, moved from code comments). The buffer is only read after construction, so
// sharing it is safe.
CacheEvictor& shared_evictor(size_t threads) {
  static std::mutex mutex;
  static std::map<size_t, std::unique_ptr<CacheEvictor>> evictors;
  const std::lock_guard lock(mutex);
  auto& e = evictors[threads];
  if (!e) e = std::make_unique<CacheEvictor>(threads, cache_evict_bytes());
  return *e;
}

// The largest cache of `level` (3 or 2) per instance, 0 if none or unknown.
int64_t largest_cache_bytes(int level) {
  if (!cpuinfo_initialize()) return 0;
  int64_t bytes = 0;
  if (level == 3)
    for (uint32_t i = 0; i < cpuinfo_get_l3_caches_count(); ++i)
      bytes = std::max<int64_t>(bytes, cpuinfo_get_l3_cache(i)->size);
  else
    for (uint32_t i = 0; i < cpuinfo_get_l2_caches_count(); ++i)
      bytes = std::max<int64_t>(bytes, cpuinfo_get_l2_cache(i)->size);
  return bytes;
}
}  // namespace

int64_t last_level_cache_bytes() {
  const int64_t l3 = largest_cache_bytes(3);
  return l3 > 0 ? l3 : largest_cache_bytes(2);
}

int64_t cache_evict_bytes() {
  const int64_t l3 = largest_cache_bytes(3);
  return l3 > 0 ? std::min<int64_t>(2 * l3, int64_t{256} << 20) : int64_t{32} << 20;
}

double macps_of(int64_t macs, double latency_us) {
  return latency_us > 0 ? static_cast<double>(macs) / (latency_us * 1e-6) : 0;
}

std::unique_ptr<Plan> seeded_plan(const Network& net, int64_t threads, uint64_t seed, const NetworkWeights* weights) {
  const PlanOptions options{static_cast<size_t>(threads), false};
  auto plan = weights ? std::make_unique<Plan>(net, *weights, options)
                      : std::make_unique<Plan>(net, make_weights(net, seed), options);
  const auto input = make_input(net.input, seed);
  std::copy(input.begin(), input.end(), plan->input().begin());
  return plan;
}

NetworkTimings time_network(const Network& net, const NetworkRun& run) {
  const auto plan = seeded_plan(net, run.threads, run.seed, run.weights);
  NetworkTimings m;
  MeasureOptions timing = run.timing;
  CacheEvictor* evictor = nullptr;
  if (run.cold_caches) {
    evictor = &shared_evictor(std::max<size_t>(1, plan->threads()));
    timing.cv_threshold = std::max(timing.cv_threshold, noisy_cv_threshold_cold);
    // Then the input is read once, as the op that produced it inside a network would have left it cached.
    timing.before_each_run = [&] {
      evictor->run(plan->pool());
      const std::span<float> in = plan->input();
      volatile float sink = std::accumulate(in.begin(), in.end(), 0.0f);
      (void)sink;
    };
  }
  if (run.layers) m.timings = time_layers(*plan, timing);
  else m.timings.network = time_runs([&] { plan->run(); }, timing);
  for (size_t i = 0; i < plan->size(); ++i) {
    m.implementations.push_back(plan->implementation(i));
    m.emulated_ops += plan->implementation(i).emulated;
  }
  m.arena_bytes = plan->arena_bytes();
  return m;
}

std::vector<Implementation> plan_implementations(const Network& net, uint64_t seed) {
  const auto plan = seeded_plan(net, 1, seed);
  std::vector<Implementation> out;
  for (size_t i = 0; i < plan->size(); ++i) out.push_back(plan->implementation(i));
  return out;
}

}  // namespace cpx::profiler

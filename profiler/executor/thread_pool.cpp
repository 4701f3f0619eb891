// See thread_pool.hpp: the pthreadpool API, where the caller never waits for a worker that has not started.
#include "profiler/executor/thread_pool.hpp"

#include <cpuinfo.h>
#include <dlfcn.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace {

std::atomic<uint64_t> parallel_calls{0};
std::atomic<uint64_t> any_calls{0};  // serial ones too: the probe below runs XNNPACK without a pool

void cpu_pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// PTHREADPOOL_FLAG_DISABLE_DENORMALS: flush denormals to zero in every thread that runs the call's items,
// restoring the thread's own mode afterwards.
class DenormalsOff {
 public:
  explicit DenormalsOff(uint32_t flags) : on_((flags & PTHREADPOOL_FLAG_DISABLE_DENORMALS) != 0) {
    if (!on_) return;
#if defined(__x86_64__) || defined(__i386__)
    saved_ = _mm_getcsr();
    _mm_setcsr(static_cast<unsigned>(saved_) | 0x8040u);  // FTZ | DAZ
#elif defined(__aarch64__)
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(saved_));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_ | (uint64_t{1} << 24)));  // FZ
#endif
  }
  ~DenormalsOff() {
    if (!on_) return;
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  DenormalsOff(const DenormalsOff&) = delete;
  DenormalsOff& operator=(const DenormalsOff&) = delete;

 private:
  bool on_;
  uint64_t saved_ = 0;
};

// One parallel call: `claims` items, each run by `run(closure, item)`.
struct Task {
  void (*run)(const void* closure, size_t item) = nullptr;
  const void* closure = nullptr;
  size_t claims = 0;
  uint32_t flags = 0;
};

// One thread's items of the open call, on a cache line of its own.
struct alignas(64) Range {
  std::atomic<uint64_t> word{0};
};

// The call word: bit 63 set while no call is open; bits 32-62 the call's number.
constexpr uint64_t closed_bit = uint64_t{1} << 63;
constexpr uint64_t max_claims = uint64_t{1} << 31;
// How long an idle worker checks for the next call before it sleeps: a few hundred microseconds, longer
// than the gap between two ops of a network, so that a network's ops do not each pay a wake-up.
constexpr int spin_checks = 20000;
// How long the caller spins on a claimed item before it also yields its core (to that item's thread, if
// they share one).
constexpr int spins_before_yield = 1000;

}  // namespace

// The opaque type pthreadpool.h names.
struct pthreadpool {
  explicit pthreadpool(size_t threads) : ranges_(threads) {
    for (size_t t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
  }
  ~pthreadpool() {
    stop_.store(true, std::memory_order_release);
    wake_.fetch_add(1, std::memory_order_seq_cst);
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  pthreadpool(const pthreadpool&) = delete;
  pthreadpool& operator=(const pthreadpool&) = delete;

  size_t threads() const { return workers_.size() + 1; }

  void parallelize(const Task& task) {
    const std::lock_guard<std::mutex> one_call_at_a_time(caller_);
    task_ = task;  // no worker is in flight and the word is closed: none reads it now
    // Each thread starts on a contiguous range of its own, as libpthreadpool's do (its items' data stay in
    // its core's cache, and no two threads touch one counter until they steal).
    const size_t n = threads();
    for (size_t t = 0; t < n; ++t)
      ranges_[t].word.store(pack(task.claims * t / n, task.claims * (t + 1) / n), std::memory_order_relaxed);
    const uint64_t call = ((state_.load(std::memory_order_relaxed) >> 32) + 1) & 0x7fffffff;
    state_.store(call << 32, std::memory_order_seq_cst);
    parallel_calls.fetch_add(1, std::memory_order_relaxed);
    wake_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) wake_.notify_all();
    claim_and_run(0);
    state_.store(closed_bit | (call << 32), std::memory_order_seq_cst);
    // Every item is claimed; wait only for those a worker claimed and still runs.
    for (int spins = 0; in_flight_.load(std::memory_order_seq_cst) != 0; ++spins) {
      if (spins < spins_before_yield) cpu_pause();
      else std::this_thread::yield();
    }
  }

 private:
  // Runs items of the open call until none is left: its own range from the front, then the others' from
  // their backs. A worker calls it only while counted in in_flight_, so the caller cannot close the call and
  // write the next task and ranges while it reads them.
  void claim_and_run(size_t self) {
    // seq_cst: against the caller's closing store and its reading of in_flight_ (parallelize), a worker
    // either sees the call open before it closes, and is waited for, or sees it closed.
    if (state_.load(std::memory_order_seq_cst) & closed_bit) return;
    const Task& task = task_;
    const DenormalsOff denormals(task.flags);
    const size_t n = threads();
    size_t k = 0;
    while (take(ranges_[self], true, k)) task.run(task.closure, k);
    for (size_t i = 1; i < n; ++i)
      while (take(ranges_[(self + i) % n], false, k)) task.run(task.closure, k);
  }

  static uint64_t pack(uint64_t begin, uint64_t end) { return begin | (end << 32); }
  // Claims the first (front) or last item of a range: false once it is empty.
  static bool take(Range& r, bool front, size_t& k) {
    uint64_t w = r.word.load(std::memory_order_acquire);
    while (true) {
      const uint64_t begin = w & 0xffffffff, end = w >> 32;
      if (begin >= end) return false;
      const uint64_t next = front ? pack(begin + 1, end) : pack(begin, end - 1);
      if (r.word.compare_exchange_weak(w, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
        k = static_cast<size_t>(front ? begin : end - 1);
        return true;
      }
    }
  }

  void work(size_t self) {
    // 0, the count before any call, and not a load of wake_: a worker that starts after the first call
    // (or after the destructor's stop) must see that it missed it, not wait for one more.
    uint32_t seen = 0;
    while (true) {
      seen = wait_for_call(seen);
      if (stop_.load(std::memory_order_acquire)) return;
      in_flight_.fetch_add(1, std::memory_order_seq_cst);
      claim_and_run(self);
      in_flight_.fetch_sub(1, std::memory_order_release);
    }
  }

  uint32_t wait_for_call(uint32_t seen) {
    for (int i = 0; i < spin_checks; ++i) {
      const uint32_t now = wake_.load(std::memory_order_acquire);
      if (now != seen) return now;
      cpu_pause();
    }
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    wake_.wait(seen, std::memory_order_seq_cst);  // returns at once if a call opened after the spin
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return wake_.load(std::memory_order_acquire);
  }

  std::mutex caller_;
  Task task_;
  std::atomic<uint64_t> state_{closed_bit};
  std::atomic<uint32_t> wake_{0};
  std::atomic<uint32_t> sleepers_{0};
  std::atomic<uint32_t> in_flight_{0};
  std::atomic<bool> stop_{false};
  std::vector<Range> ranges_;  // thread t's items: begin in the low 32 bits, end in the high
  std::vector<std::thread> workers_;
};

namespace {

// A grid of up to six dimensions, the last one or two cut in tiles (tile 1 elsewhere), walked in
// pthreadpool's order: the last dimension fastest.
struct Grid {
  int dims = 0;
  std::array<size_t, 6> range{}, tile{};

  Grid(std::initializer_list<size_t> ranges, std::initializer_list<size_t> tiles)
      : dims(static_cast<int>(ranges.size())) {
    std::copy(ranges.begin(), ranges.end(), range.begin());
    tile.fill(1);
    // pthreadpool requires tiles of at least 1; a 0 would divide by zero here.
    std::transform(tiles.begin(), tiles.end(), tile.begin() + (dims - static_cast<int>(tiles.size())),
                   [](size_t t) { return std::max<size_t>(1, t); });
  }
  size_t tiles(int d) const { return (range[d] + tile[d] - 1) / tile[d]; }
  size_t items() const {
    size_t n = 1;
    for (int d = 0; d < dims; ++d) n *= tiles(d);
    return n;
  }
  // The start and size along each dimension of item k.
  void at(size_t k, size_t* start, size_t* size) const {
    for (int d = dims - 1; d >= 0; --d) {
      const size_t t = k % tiles(d);
      k /= tiles(d);
      start[d] = t * tile[d];
      size[d] = std::min(tile[d], range[d] - start[d]);
    }
  }
};

// Runs f(start, size) on every item of the grid, on the pool's threads (or the caller's alone).
template <class F>
void run_grid(pthreadpool_t pool, uint32_t flags, const Grid& grid, const F& f) {
  struct Closure {
    const Grid& grid;
    const F& f;
    size_t per_claim;
    size_t items;
  };
  any_calls.fetch_add(1, std::memory_order_relaxed);
  const size_t items = grid.items();
  if (items == 0) return;
  const size_t per_claim = (items + max_claims - 1) / max_claims;  // 1 but for grids of over 2^31 items
  const Closure closure{grid, f, std::max<size_t>(1, per_claim), items};
  auto run = [](const void* c, size_t claim) {
    const auto& cl = *static_cast<const Closure*>(c);
    std::array<size_t, 6> start{}, size{};
    for (size_t k = claim * cl.per_claim; k < std::min(cl.items, (claim + 1) * cl.per_claim); ++k) {
      cl.grid.at(k, start.data(), size.data());
      cl.f(start.data(), size.data());
    }
  };
  const size_t claims = (items + closure.per_claim - 1) / closure.per_claim;
  if (pool == nullptr || pool->threads() == 1 || claims == 1) {
    const DenormalsOff denormals(flags);
    for (size_t c = 0; c < claims; ++c) run(&closure, c);
    return;
  }
  pool->parallelize({run, &closure, claims, flags});
}

// The microarchitecture a *_with_uarch call passes its function: the caller's, read once per call (the
// index selects among equally correct kernels, so a worker on another core type computes the same).
uint32_t uarch_index(uint32_t default_index, uint32_t max_index) {
  const uint32_t current = cpuinfo_initialize() ? cpuinfo_get_current_uarch_index() : default_index;
  return current > max_index ? default_index : current;
}

// Whether XNNPACK calls libpthreadpool's functions and not ours. It happens when libXNNPACK was loaded
// before us in another library's scope: in Python, `import torch` (Debian's torch links the same
// libXNNPACK) before `import cpubone_explore`. XNNPACK would then run libpthreadpool's code on our pool
// object; instead every pool is libpthreadpool's and every call goes to it (and a 2-thread run on a busy
// machine waits as before). Probed once: a clamp run without a pool, which both implementations run
// serially, counted here only if XNNPACK called us.
bool xnnpack_calls_us() {
  if (xnn_initialize(nullptr) != xnn_status_success) return true;  // then XNNPACK runs nothing at all
  std::array<float, 16 + XNN_EXTRA_BYTES / sizeof(float)> x{}, y{};
  xnn_operator_t op = nullptr;
  if (xnn_create_clamp_nc_f32(4, 4, 4, -1.0f, 1.0f, 0, &op) != xnn_status_success) return true;
  const uint64_t before = any_calls.load();
  const bool ran = xnn_setup_clamp_nc_f32(op, 4, x.data(), y.data(), nullptr) == xnn_status_success &&
                   xnn_run_operator(op, nullptr) == xnn_status_success;
  xnn_delete_operator(op);
  return !ran || any_calls.load() != before;
}

thread_local bool probing = false;  // the probe's own calls reach us: they run here, serially

bool foreign_pools() {
  if (probing) return false;
  static const bool foreign = [] {
    probing = true;
    const bool ours = xnnpack_calls_us();
    probing = false;
    return !ours;
  }();
  return foreign;
}

// libpthreadpool's own definition of `name` (XNNPACK has loaded the library).
void* real_symbol(const char* name) {
  static void* const lib = dlopen("libpthreadpool.so.0", RTLD_NOW | RTLD_NOLOAD);
  void* const symbol = lib != nullptr ? dlsym(lib, name) : nullptr;
  if (symbol == nullptr) {
    std::fprintf(stderr, "cpubone-explore: XNNPACK calls libpthreadpool, whose %s is not found: %s\n", name, dlerror());
    std::abort();
  }
  return symbol;
}

// libpthreadpool's `name`, called with `args` (each of the parameter's own type: the function's own
// parameters are passed on).
template <class R, class... Args>
R forward(const char* name, Args... args) {
  return reinterpret_cast<R (*)(Args...)>(real_symbol(name))(args...);
}

}  // namespace

// In a process where XNNPACK calls libpthreadpool (foreign_pools), every function hands its call to it.
// (The name is spelled, not taken by address: pthreadpool.h overloads the functions for C++ functors.)
#define CPX_FORWARD(R, fn, ...)                               \
  do {                                                        \
    if (foreign_pools()) return forward<R>(#fn, __VA_ARGS__); \
  } while (false)

extern "C" {

pthreadpool_t pthreadpool_create(size_t threads_count) {
  CPX_FORWARD(pthreadpool_t, pthreadpool_create, threads_count);
  if (threads_count == 0) threads_count = std::max(1u, std::thread::hardware_concurrency());
  try {
    return new pthreadpool(threads_count);
  } catch (...) { return nullptr; }
}

void pthreadpool_destroy(pthreadpool_t threadpool) {
  CPX_FORWARD(void, pthreadpool_destroy, threadpool);
  delete threadpool;
}

size_t pthreadpool_get_threads_count(pthreadpool_t threadpool) {
  CPX_FORWARD(size_t, pthreadpool_get_threads_count, threadpool);
  return threadpool ? threadpool->threads() : 1;
}

void pthreadpool_parallelize_1d(pthreadpool_t p, pthreadpool_task_1d_t f, void* c, size_t r0, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_1d, p, f, c, r0, flags);
  run_grid(p, flags, Grid({r0}, {}), [&](const size_t* s, const size_t*) { f(c, s[0]); });
}

void pthreadpool_parallelize_1d_with_uarch(pthreadpool_t p, pthreadpool_task_1d_with_id_t f, void* c,
                                           uint32_t default_uarch, uint32_t max_uarch, size_t r0, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_1d_with_uarch, p, f, c, default_uarch, max_uarch, r0, flags);
  const uint32_t u = uarch_index(default_uarch, max_uarch);
  run_grid(p, flags, Grid({r0}, {}), [&](const size_t* s, const size_t*) { f(c, u, s[0]); });
}

void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t p, pthreadpool_task_1d_tile_1d_t f, void* c, size_t r0, size_t t0,
                                        uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_1d_tile_1d, p, f, c, r0, t0, flags);
  run_grid(p, flags, Grid({r0}, {t0}), [&](const size_t* s, const size_t* n) { f(c, s[0], n[0]); });
}

void pthreadpool_parallelize_2d(pthreadpool_t p, pthreadpool_task_2d_t f, void* c, size_t r0, size_t r1,
                                uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_2d, p, f, c, r0, r1, flags);
  run_grid(p, flags, Grid({r0, r1}, {}), [&](const size_t* s, const size_t*) { f(c, s[0], s[1]); });
}

void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t p, pthreadpool_task_2d_tile_1d_t f, void* c, size_t r0, size_t r1,
                                        size_t t1, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_2d_tile_1d, p, f, c, r0, r1, t1, flags);
  run_grid(p, flags, Grid({r0, r1}, {t1}), [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], n[1]); });
}

void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t p, pthreadpool_task_2d_tile_2d_t f, void* c, size_t r0, size_t r1,
                                        size_t t0, size_t t1, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_2d_tile_2d, p, f, c, r0, r1, t0, t1, flags);
  run_grid(p, flags, Grid({r0, r1}, {t0, t1}), [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], n[0], n[1]); });
}

void pthreadpool_parallelize_2d_tile_2d_with_uarch(pthreadpool_t p, pthreadpool_task_2d_tile_2d_with_id_t f, void* c,
                                                   uint32_t default_uarch, uint32_t max_uarch, size_t r0, size_t r1,
                                                   size_t t0, size_t t1, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_2d_tile_2d_with_uarch, p, f, c, default_uarch, max_uarch, r0, r1, t0, t1,
              flags);
  const uint32_t u = uarch_index(default_uarch, max_uarch);
  run_grid(p, flags, Grid({r0, r1}, {t0, t1}),
           [&](const size_t* s, const size_t* n) { f(c, u, s[0], s[1], n[0], n[1]); });
}

void pthreadpool_parallelize_3d(pthreadpool_t p, pthreadpool_task_3d_t f, void* c, size_t r0, size_t r1, size_t r2,
                                uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_3d, p, f, c, r0, r1, r2, flags);
  run_grid(p, flags, Grid({r0, r1, r2}, {}), [&](const size_t* s, const size_t*) { f(c, s[0], s[1], s[2]); });
}

void pthreadpool_parallelize_3d_tile_1d(pthreadpool_t p, pthreadpool_task_3d_tile_1d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t t2, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_3d_tile_1d, p, f, c, r0, r1, r2, t2, flags);
  run_grid(p, flags, Grid({r0, r1, r2}, {t2}), [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], n[2]); });
}

void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t p, pthreadpool_task_3d_tile_2d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t t1, size_t t2, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_3d_tile_2d, p, f, c, r0, r1, r2, t1, t2, flags);
  run_grid(p, flags, Grid({r0, r1, r2}, {t1, t2}),
           [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], n[1], n[2]); });
}

void pthreadpool_parallelize_3d_tile_2d_with_uarch(pthreadpool_t p, pthreadpool_task_3d_tile_2d_with_id_t f, void* c,
                                                   uint32_t default_uarch, uint32_t max_uarch, size_t r0, size_t r1,
                                                   size_t r2, size_t t1, size_t t2, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_3d_tile_2d_with_uarch, p, f, c, default_uarch, max_uarch, r0, r1, r2, t1,
              t2, flags);
  const uint32_t u = uarch_index(default_uarch, max_uarch);
  run_grid(p, flags, Grid({r0, r1, r2}, {t1, t2}),
           [&](const size_t* s, const size_t* n) { f(c, u, s[0], s[1], s[2], n[1], n[2]); });
}

void pthreadpool_parallelize_4d(pthreadpool_t p, pthreadpool_task_4d_t f, void* c, size_t r0, size_t r1, size_t r2,
                                size_t r3, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_4d, p, f, c, r0, r1, r2, r3, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3}, {}), [&](const size_t* s, const size_t*) { f(c, s[0], s[1], s[2], s[3]); });
}

void pthreadpool_parallelize_4d_tile_1d(pthreadpool_t p, pthreadpool_task_4d_tile_1d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t r3, size_t t3, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_4d_tile_1d, p, f, c, r0, r1, r2, r3, t3, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3}, {t3}),
           [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], s[3], n[3]); });
}

void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t p, pthreadpool_task_4d_tile_2d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t r3, size_t t2, size_t t3, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_4d_tile_2d, p, f, c, r0, r1, r2, r3, t2, t3, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3}, {t2, t3}),
           [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], s[3], n[2], n[3]); });
}

void pthreadpool_parallelize_4d_tile_2d_with_uarch(pthreadpool_t p, pthreadpool_task_4d_tile_2d_with_id_t f, void* c,
                                                   uint32_t default_uarch, uint32_t max_uarch, size_t r0, size_t r1,
                                                   size_t r2, size_t r3, size_t t2, size_t t3, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_4d_tile_2d_with_uarch, p, f, c, default_uarch, max_uarch, r0, r1, r2, r3,
              t2, t3, flags);
  const uint32_t u = uarch_index(default_uarch, max_uarch);
  run_grid(p, flags, Grid({r0, r1, r2, r3}, {t2, t3}),
           [&](const size_t* s, const size_t* n) { f(c, u, s[0], s[1], s[2], s[3], n[2], n[3]); });
}

void pthreadpool_parallelize_5d(pthreadpool_t p, pthreadpool_task_5d_t f, void* c, size_t r0, size_t r1, size_t r2,
                                size_t r3, size_t r4, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_5d, p, f, c, r0, r1, r2, r3, r4, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3, r4}, {}),
           [&](const size_t* s, const size_t*) { f(c, s[0], s[1], s[2], s[3], s[4]); });
}

void pthreadpool_parallelize_5d_tile_1d(pthreadpool_t p, pthreadpool_task_5d_tile_1d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t r3, size_t r4, size_t t4, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_5d_tile_1d, p, f, c, r0, r1, r2, r3, r4, t4, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3, r4}, {t4}),
           [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], s[3], s[4], n[4]); });
}

void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t p, pthreadpool_task_5d_tile_2d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t r3, size_t r4, size_t t3, size_t t4, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_5d_tile_2d, p, f, c, r0, r1, r2, r3, r4, t3, t4, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3, r4}, {t3, t4}),
           [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], s[3], s[4], n[3], n[4]); });
}

void pthreadpool_parallelize_6d(pthreadpool_t p, pthreadpool_task_6d_t f, void* c, size_t r0, size_t r1, size_t r2,
                                size_t r3, size_t r4, size_t r5, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_6d, p, f, c, r0, r1, r2, r3, r4, r5, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3, r4, r5}, {}),
           [&](const size_t* s, const size_t*) { f(c, s[0], s[1], s[2], s[3], s[4], s[5]); });
}

void pthreadpool_parallelize_6d_tile_1d(pthreadpool_t p, pthreadpool_task_6d_tile_1d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t r3, size_t r4, size_t r5, size_t t5, uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_6d_tile_1d, p, f, c, r0, r1, r2, r3, r4, r5, t5, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3, r4, r5}, {t5}),
           [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], s[3], s[4], s[5], n[5]); });
}

void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t p, pthreadpool_task_6d_tile_2d_t f, void* c, size_t r0, size_t r1,
                                        size_t r2, size_t r3, size_t r4, size_t r5, size_t t4, size_t t5,
                                        uint32_t flags) {
  CPX_FORWARD(void, pthreadpool_parallelize_6d_tile_2d, p, f, c, r0, r1, r2, r3, r4, r5, t4, t5, flags);
  run_grid(p, flags, Grid({r0, r1, r2, r3, r4, r5}, {t4, t5}),
           [&](const size_t* s, const size_t* n) { f(c, s[0], s[1], s[2], s[3], s[4], s[5], n[4], n[5]); });
}

}  // extern "C"

uint64_t cpx::profiler::thread_pool_parallel_calls() { return parallel_calls.load(std::memory_order_relaxed); }

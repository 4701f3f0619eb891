// The executor's thread pool (profiler/executor/thread_pool.hpp): the pthreadpool API, each call visiting
// every point of its grid exactly once in tiles of the asked size, whatever the thread count; XNNPACK's
// operators running on it; and the denormal flag honoured on every thread.
#include <catch2/catch.hpp>

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "profiler/executor/kernel.hpp"
#include "profiler/executor/thread_pool.hpp"

namespace {

// How often each point of a grid of up to six dimensions was visited, and whether every call's tile was
// one pthreadpool would pass (starting on a multiple of the tile, no larger than it, inside the range).
struct Visits {
  std::array<size_t, 6> range{1, 1, 1, 1, 1, 1}, tile{1, 1, 1, 1, 1, 1};
  std::vector<std::atomic<int>> count;
  std::atomic<int> bad_tiles{0};

  Visits(std::vector<size_t> ranges, std::vector<size_t> tiles) : count(product(ranges)) {
    std::copy(ranges.begin(), ranges.end(), range.begin());
    std::copy(tiles.begin(), tiles.end(), tile.begin() + static_cast<long>(ranges.size() - tiles.size()));
  }
  static size_t product(const std::vector<size_t>& r) {
    size_t n = 1;
    for (size_t x : r) n *= x;
    return n;
  }
  // One call's tile: starts s[d], sizes n[d] (1 on untiled dimensions).
  void visit(std::array<size_t, 6> s, std::array<size_t, 6> n) {
    for (size_t d = 0; d < 6; ++d)
      if (s[d] % tile[d] != 0 || n[d] == 0 || n[d] > tile[d] || s[d] + n[d] > range[d]) ++bad_tiles;
    visit_from(0, s, n, 0);
  }
  void visit_from(size_t d, std::array<size_t, 6>& s, const std::array<size_t, 6>& n, size_t flat) {
    if (d == 6) {
      ++count[flat];
      return;
    }
    const size_t first = s[d];
    for (size_t i = first; i < first + n[d] && i < range[d]; ++i) {
      s[d] = i;
      visit_from(d + 1, s, n, flat * range[d] + i);
    }
    s[d] = first;
  }
  bool each_once() const {
    for (const auto& c : count)
      if (c.load() != 1) return false;
    return bad_tiles.load() == 0;
  }
};

Visits& v(void* c) { return *static_cast<Visits*>(c); }

// Every pthreadpool_parallelize_* variant on the ranges {7, 5, 3, 4, 2, 3} cut to its dimensions, tiles
// 3 and 2 (odd, not dividing the ranges): the name and whether each point was visited once.
std::vector<std::pair<const char*, bool>> every_variant(pthreadpool_t p) {
  std::vector<std::pair<const char*, bool>> out;
  auto run = [&](const char* name, std::vector<size_t> r, std::vector<size_t> t, auto call) {
    Visits visits(r, t);
    call(&visits);
    out.emplace_back(name, visits.each_once());
  };
  run("1d", {7}, {}, [&](Visits* x) {
    pthreadpool_parallelize_1d(
        p,
        [](void* c, size_t i) {
          v(c).visit({i, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1});
        },
        x, 7, 0);
  });
  run("1d_tile_1d", {7}, {3}, [&](Visits* x) {
    pthreadpool_parallelize_1d_tile_1d(
        p,
        [](void* c, size_t i, size_t n) {
          v(c).visit({i, 0, 0, 0, 0, 0}, {n, 1, 1, 1, 1, 1});
        },
        x, 7, 3, 0);
  });
  run("1d_with_uarch", {7}, {}, [&](Visits* x) {
    pthreadpool_parallelize_1d_with_uarch(
        p,
        [](void* c, uint32_t, size_t i) {
          v(c).visit({i, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1});
        },
        x, 0, 0, 7, 0);
  });
  run("2d", {7, 5}, {}, [&](Visits* x) {
    pthreadpool_parallelize_2d(
        p,
        [](void* c, size_t i, size_t j) {
          v(c).visit({i, j, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1});
        },
        x, 7, 5, 0);
  });
  run("2d_tile_1d", {7, 5}, {2}, [&](Visits* x) {
    pthreadpool_parallelize_2d_tile_1d(
        p,
        [](void* c, size_t i, size_t j, size_t nj) {
          v(c).visit({i, j, 0, 0, 0, 0}, {1, nj, 1, 1, 1, 1});
        },
        x, 7, 5, 2, 0);
  });
  run("2d_tile_2d", {7, 5}, {3, 2}, [&](Visits* x) {
    pthreadpool_parallelize_2d_tile_2d(
        p,
        [](void* c, size_t i, size_t j, size_t ni, size_t nj) {
          v(c).visit({i, j, 0, 0, 0, 0}, {ni, nj, 1, 1, 1, 1});
        },
        x, 7, 5, 3, 2, 0);
  });
  run("2d_tile_2d_with_uarch", {7, 5}, {3, 2}, [&](Visits* x) {
    pthreadpool_parallelize_2d_tile_2d_with_uarch(
        p,
        [](void* c, uint32_t, size_t i, size_t j, size_t ni, size_t nj) {
          v(c).visit({i, j, 0, 0, 0, 0}, {ni, nj, 1, 1, 1, 1});
        },
        x, 0, 0, 7, 5, 3, 2, 0);
  });
  run("3d", {7, 5, 3}, {}, [&](Visits* x) {
    pthreadpool_parallelize_3d(
        p,
        [](void* c, size_t i, size_t j, size_t k) {
          v(c).visit({i, j, k, 0, 0, 0}, {1, 1, 1, 1, 1, 1});
        },
        x, 7, 5, 3, 0);
  });
  run("3d_tile_1d", {7, 5, 3}, {2}, [&](Visits* x) {
    pthreadpool_parallelize_3d_tile_1d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t nk) {
          v(c).visit({i, j, k, 0, 0, 0}, {1, 1, nk, 1, 1, 1});
        },
        x, 7, 5, 3, 2, 0);
  });
  run("3d_tile_2d", {7, 5, 3}, {3, 2}, [&](Visits* x) {
    pthreadpool_parallelize_3d_tile_2d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t nj, size_t nk) {
          v(c).visit({i, j, k, 0, 0, 0}, {1, nj, nk, 1, 1, 1});
        },
        x, 7, 5, 3, 3, 2, 0);
  });
  run("3d_tile_2d_with_uarch", {7, 5, 3}, {3, 2}, [&](Visits* x) {
    pthreadpool_parallelize_3d_tile_2d_with_uarch(
        p,
        [](void* c, uint32_t, size_t i, size_t j, size_t k, size_t nj, size_t nk) {
          v(c).visit({i, j, k, 0, 0, 0}, {1, nj, nk, 1, 1, 1});
        },
        x, 0, 0, 7, 5, 3, 3, 2, 0);
  });
  run("4d", {7, 5, 3, 4}, {}, [&](Visits* x) {
    pthreadpool_parallelize_4d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l) {
          v(c).visit({i, j, k, l, 0, 0}, {1, 1, 1, 1, 1, 1});
        },
        x, 7, 5, 3, 4, 0);
  });
  run("4d_tile_1d", {7, 5, 3, 4}, {3}, [&](Visits* x) {
    pthreadpool_parallelize_4d_tile_1d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t nl) {
          v(c).visit({i, j, k, l, 0, 0}, {1, 1, 1, nl, 1, 1});
        },
        x, 7, 5, 3, 4, 3, 0);
  });
  run("4d_tile_2d", {7, 5, 3, 4}, {2, 3}, [&](Visits* x) {
    pthreadpool_parallelize_4d_tile_2d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t nk, size_t nl) {
          v(c).visit({i, j, k, l, 0, 0}, {1, 1, nk, nl, 1, 1});
        },
        x, 7, 5, 3, 4, 2, 3, 0);
  });
  run("4d_tile_2d_with_uarch", {7, 5, 3, 4}, {2, 3}, [&](Visits* x) {
    pthreadpool_parallelize_4d_tile_2d_with_uarch(
        p,
        [](void* c, uint32_t, size_t i, size_t j, size_t k, size_t l, size_t nk, size_t nl) {
          v(c).visit({i, j, k, l, 0, 0}, {1, 1, nk, nl, 1, 1});
        },
        x, 0, 0, 7, 5, 3, 4, 2, 3, 0);
  });
  run("5d", {7, 5, 3, 4, 2}, {}, [&](Visits* x) {
    pthreadpool_parallelize_5d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t m) {
          v(c).visit({i, j, k, l, m, 0}, {1, 1, 1, 1, 1, 1});
        },
        x, 7, 5, 3, 4, 2, 0);
  });
  run("5d_tile_1d", {7, 5, 3, 4, 2}, {3}, [&](Visits* x) {
    pthreadpool_parallelize_5d_tile_1d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t nm) {
          v(c).visit({i, j, k, l, m, 0}, {1, 1, 1, 1, nm, 1});
        },
        x, 7, 5, 3, 4, 2, 3, 0);
  });
  run("5d_tile_2d", {7, 5, 3, 4, 2}, {3, 3}, [&](Visits* x) {
    pthreadpool_parallelize_5d_tile_2d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t nl, size_t nm) {
          v(c).visit({i, j, k, l, m, 0}, {1, 1, 1, nl, nm, 1});
        },
        x, 7, 5, 3, 4, 2, 3, 3, 0);
  });
  run("6d", {7, 5, 3, 4, 2, 3}, {}, [&](Visits* x) {
    pthreadpool_parallelize_6d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n) {
          v(c).visit({i, j, k, l, m, n}, {1, 1, 1, 1, 1, 1});
        },
        x, 7, 5, 3, 4, 2, 3, 0);
  });
  run("6d_tile_1d", {7, 5, 3, 4, 2, 3}, {2}, [&](Visits* x) {
    pthreadpool_parallelize_6d_tile_1d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n, size_t nn) {
          v(c).visit({i, j, k, l, m, n}, {1, 1, 1, 1, 1, nn});
        },
        x, 7, 5, 3, 4, 2, 3, 2, 0);
  });
  run("6d_tile_2d", {7, 5, 3, 4, 2, 3}, {3, 2}, [&](Visits* x) {
    pthreadpool_parallelize_6d_tile_2d(
        p,
        [](void* c, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n, size_t nm, size_t nn) {
          v(c).visit({i, j, k, l, m, n}, {1, 1, 1, 1, nm, nn});
        },
        x, 7, 5, 3, 4, 2, 3, 3, 2, 0);
  });
  return out;
}

struct PoolDeleter {
  void operator()(pthreadpool_t p) const { pthreadpool_destroy(p); }
};
using Pool = std::unique_ptr<pthreadpool, PoolDeleter>;

}  // namespace

TEST_CASE("every pthreadpool call visits each point of its grid once, in tiles of the asked size", "[thread_pool]") {
  for (size_t threads : {0, 1, 2, 3, 5}) {
    Pool pool(threads == 0 ? nullptr : pthreadpool_create(threads));
    CHECK(pthreadpool_get_threads_count(pool.get()) == std::max<size_t>(1, threads));
    for (int repeat = 0; repeat < 20;
         ++repeat)  // back-to-back calls: a worker late for one must not run the next's items twice
      for (const auto& [name, once] : every_variant(pool.get())) {
        INFO(name << " at " << threads << " threads (0: no pool), repeat " << repeat);
        CHECK(once);
      }
  }
}

TEST_CASE("a call with an empty range calls nothing and returns", "[thread_pool]") {
  Pool pool(pthreadpool_create(2));
  int calls = 0;
  pthreadpool_parallelize_2d(
      pool.get(), [](void* c, size_t, size_t) { ++*static_cast<int*>(c); }, &calls, 0, 5, 0);
  CHECK(calls == 0);
}

TEST_CASE("XNNPACK's operators run on this pool, not on libpthreadpool's", "[thread_pool]") {
  cpx::profiler::ensure_xnnpack();
  Pool pool(pthreadpool_create(2));
  const size_t batch = 512, channels = 64;
  std::vector<float> x(batch * channels + XNN_EXTRA_BYTES / sizeof(float)), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) - 3.0f;
  xnn_operator_t op = nullptr;
  REQUIRE(xnn_create_clamp_nc_f32(channels, channels, channels, -1.0f, 1.0f, 0, &op) == xnn_status_success);
  REQUIRE(xnn_setup_clamp_nc_f32(op, batch, x.data(), y.data(), pool.get()) == xnn_status_success);
  const uint64_t before = cpx::profiler::thread_pool_parallel_calls();
  REQUIRE(xnn_run_operator(op, pool.get()) == xnn_status_success);
  xnn_delete_operator(op);
  CHECK(cpx::profiler::thread_pool_parallel_calls() > before);
  for (size_t i = 0; i < batch * channels; ++i) REQUIRE(y[i] == std::clamp(x[i], -1.0f, 1.0f));
}

TEST_CASE("PTHREADPOOL_FLAG_DISABLE_DENORMALS flushes denormals on every thread, then restores the caller's mode",
          "[thread_pool]") {
  Pool pool(pthreadpool_create(3));
  struct Products {
    volatile float tiny = 1e-30f, scale = 1e-10f;  // their product, 1e-40, is a denormal
    std::array<float, 64> out{};
  } products;
  pthreadpool_parallelize_1d(
      pool.get(),
      [](void* c, size_t i) {
        auto& p = *static_cast<Products*>(c);
        p.out[i] = p.tiny * p.scale;
      },
      &products, 64, PTHREADPOOL_FLAG_DISABLE_DENORMALS);
  for (float f : products.out) CHECK(f == 0.0f);
  const volatile float tiny = 1e-30f, scale = 1e-10f;
  CHECK(std::fpclassify(tiny * scale) == FP_SUBNORMAL);
}

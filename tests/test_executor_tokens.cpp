// The executor on the ops that move tokens and windows as imported transformers need them (ViT's class
// token, Swin's window partition and reverse), each against the naive reference (executor_testers.hpp).
#include <catch2/catch.hpp>

#include "executor_testers.hpp"

using namespace cpx;
using namespace cpx::testing;

TEST_CASE("executor class_token: one and two tokens before a map's pixels, batches 1 and 2") {
  for (size_t threads : thread_counts)
    for (int64_t tokens : {1, 2}) {
      OpTester().input({1, 4, 4, 32}).threads(threads).test(ClassToken{tokens});
      OpTester().input({2, 3, 5, 7}).threads(threads).test(ClassToken{tokens});
      OpTester().input({1, 14, 14, 768}).threads(threads).test(ClassToken{tokens});  // ViT-B/16's
    }
}

// Swin's windows: a shifted partition (the roll wraps rows and columns), its reverse cropping a padded map,
// patch merging's column-major 2 x 2, batch 2; and a stage-1 Swin-T map split over both threads.
TEST_CASE("executor window_partition: shifted and not, reverse with a crop, column-major, batch 2") {
  AlternateThreads threads;
  const WindowPartition shifted{{3, 4}, {2, 3}, {1, 2}, false, false, {0, 0}};
  OpTester().input({1, 6, 12, 5}).threads(threads()).test(shifted);
  OpTester()
      .input({2, 6, 12, 3})
      .threads(threads())
      .test(WindowPartition{{3, 4}, {2, 3}, {0, 0}, false, false, {0, 0}});
  OpTester().input({12, 3, 4, 5}).threads(threads()).test(WindowPartition{{3, 4}, {2, 3}, {1, 2}, true, false, {0, 0}});
  OpTester()
      .input({12, 3, 4, 5})
      .threads(threads())
      .test(WindowPartition{{3, 4}, {2, 3}, {2, 3}, true, false, {5, 10}});
  OpTester().input({2, 6, 8, 7}).threads(threads()).test(WindowPartition{{2, 2}, {3, 4}, {0, 0}, false, true, {0, 0}});
  OpTester().input({1, 56, 56, 96}).threads(2).test(WindowPartition{{7, 7}, {8, 8}, {3, 3}, false, false, {0, 0}});
}

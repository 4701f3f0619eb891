// Our implementation of the pthreadpool API (pthreadpool.h), which XNNPACK and our own kernels call: the
// executor's thread pool.
//
// Why not Debian's libpthreadpool: its caller waits, after every parallel call, for every worker to check
// in, even a worker that has not started and whose share the caller already did. Where another process
// holds the other core (a laptop, a shared VM) that worker waits for a time slice at every op, and a
// 2-thread run took ten times as long as a 1-thread one (docs/log/thread-pool.md, "The executor's thread
// pool"). Here each thread starts on a contiguous range of its own and steals from the others when done, as
// in libpthreadpool, but the caller waits only for items a worker has claimed (ONNX Runtime's rule): a worker that is
// not running never holds the caller up.
//
// The definitions (thread_pool.cpp) take the place of libpthreadpool's: an executable or module that links
// cpx_executor defines every pthreadpool_* function, and the dynamic linker binds XNNPACK's calls to the
// first definition it finds, ours (tests/test_thread_pool.cpp checks that XNNPACK's operators run on it).
// Where another library loaded libXNNPACK before us (in Python, `import torch` first), XNNPACK calls
// libpthreadpool's, and ours hand every call to it (thread_pool.cpp, foreign_pools): correct, and as slow
// on a busy machine as before.
#pragma once

#include <cstdint>

namespace cpx::profiler {

// Parallel calls this process's pools have run on more than one thread (callers, tests): the evidence
// that XNNPACK's operators run on this pool and not on libpthreadpool's.
uint64_t thread_pool_parallel_calls();

}  // namespace cpx::profiler

// One writer per file: an exclusive flock(2) on "<file>.lock", which holds the writer's pid so that a
// refused writer can say who holds it, and which the writer removes when done. The kernel drops a flock
// when its process dies, however it dies (SIGKILL included), so a lock file left behind by a dead process
// never blocks: it is only a file with a stale pid in it, which the next writer takes over.
#pragma once

#include <string>

namespace cpx::profiler {

class FileLock {
 public:
  // Takes the lock at once or throws InputError "<file>: being written by process <pid> (<what>) ...".
  // `what` names the writer in that message, e.g. "cpubone-explore profile".
  FileLock(const std::string& file, const std::string& what);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // "<file>.lock"
  static std::string lock_path(const std::string& file);

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace cpx::profiler

#include "profiler/profile/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "space/error.hpp"

namespace cpx::profiler {

namespace {

// The holder writes its pid right after taking the lock: a reader that comes in between sees an empty
// file, so it waits briefly for the pid before giving up on naming it.
std::string holder_pid(int fd) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) {
      std::string s(buf, static_cast<size_t>(n));
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      if (!s.empty()) return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "unknown";
}

}  // namespace

std::string FileLock::lock_path(const std::string& file) { return file + ".lock"; }

FileLock::FileLock(const std::string& file, const std::string& what) {
  const std::string path = lock_path(file);
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // The holder removes the lock file when it is done, so the file we locked may have been unlinked
  // between our open and our flock: then it locks nothing, and we try again on the path's new file.
  for (;;) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(path + ": cannot open the lock file of " + file + " (" + std::strerror(errno) + ")");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string pid = err == EWOULDBLOCK ? holder_pid(fd_) : "";
      ::close(fd_);
      fd_ = -1;
      if (err != EWOULDBLOCK) throw InputError(path + ": cannot lock " + file + " (" + std::strerror(err) + ")");
      throw InputError(file + ": being written by process " + pid + " (" + what + ", lock " + path +
                       "); wait for it to finish or stop it, then run again");
    }
    struct stat locked {
    }, named{};
    if (::fstat(fd_, &locked) == 0 && ::stat(path.c_str(), &named) == 0 && locked.st_dev == named.st_dev &&
        locked.st_ino == named.st_ino)
      break;
    ::close(fd_);
    fd_ = -1;
  }
  path_ = path;
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw InputError(path + ": cannot write the lock file of " + file + " (" + std::strerror(err) + ")");
  }
}

FileLock::~FileLock() {
  // Removed while still held, so that nothing is left behind; a writer that opened it meanwhile sees the
  // unlinked inode after its flock and starts over (above).
  if (fd_ >= 0) {
    ::unlink(path_.c_str());
    ::close(fd_);
  }
}

}  // namespace cpx::profiler

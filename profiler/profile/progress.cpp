#include "profiler/profile/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace cpx::profiler {

Progress::Progress(std::string label, std::string done_word, size_t total)
    : label_(std::move(label)), done_word_(std::move(done_word)), total_(total), tty_(::isatty(2)) {}

void Progress::update(size_t done) {
  done = std::min(done, total_);  // a search may count past its budget; the bar must not overflow
  const auto now = std::chrono::steady_clock::now();
  if (tty_ && done < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double elapsed_s = std::chrono::duration<double>(now - start_).count();
  const double eta = done > 0 ? elapsed_s / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
  if (tty_) {
    const size_t width = 30;
    const size_t filled = total_ ? width * done / total_ : width;
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu  %.0f s elapsed, ETA %.0f s   ", label_.c_str(),
                 std::string(filled, '=').c_str(), std::string(width - filled, ' ').c_str(), done, total_, elapsed_s,
                 eta);
    if (done == total_) std::fprintf(stderr, "\n");
    return;
  }
  const int decile = total_ ? static_cast<int>(10 * done / total_) : 10;
  if (decile == last_decile_) return;
  std::fprintf(stderr, "%s: %zu/%zu %s, %.0f s elapsed, ETA %.0f s\n", label_.c_str(), done, total_, done_word_.c_str(),
               elapsed_s, eta);
  last_decile_ = decile;
}

}  // namespace cpx::profiler

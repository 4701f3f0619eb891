// Progress of a long command on stderr: on a terminal one line that rewrites itself
// ("profile [=========                     ] 12/40  30 s elapsed, ETA 70 s"); otherwise a line per tenth
// done, so that logs of non-interactive runs stay short. The terminal line is redrawn at most five times
// a second (a search updates it thousands of times). Used by `profile`; the explorer's search can use it
// too (it needs nothing of the executor).
#pragma once

#include <chrono>
#include <string>

namespace cpx::profiler {

class Progress {
 public:
  // `label` starts every line ("profile"), `done_word` follows the counts in log lines ("measured").
  Progress(std::string label, std::string done_word, size_t total);
  void update(size_t done);

 private:
  std::string label_, done_word_;
  size_t total_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_draw_{};
};

}  // namespace cpx::profiler

#include "profiler/executor/kernel.hpp"

#include <xnnpack.h>

#include <mutex>

namespace cpx::profiler {

void check_xnn(int status, const std::string& what) {
  if (status == xnn_status_success) return;
  static const char* const names[] = {"success",       "uninitialized",         "invalid_parameter",
                                      "invalid_state", "unsupported_parameter", "unsupported_hardware",
                                      "out_of_memory"};
  const std::string name = status >= 0 && status < 7 ? names[status] : std::to_string(status);
  throw std::runtime_error("XNNPACK " + what + " failed: " + name);
}

void ensure_xnnpack() {
  static std::once_flag once;
  std::call_once(once, [] { check_xnn(xnn_initialize(nullptr), "xnn_initialize"); });
}

std::string_view xnnpack_version() { return CPX_XNNPACK_VERSION; }

}  // namespace cpx::profiler

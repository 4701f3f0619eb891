// The message of the InputError `f` throws, or "(no error)": tests compare messages, not just types.
#pragma once

#include <functional>
#include <string>

#include "space/error.hpp"

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const cpx::InputError& e) { return e.what(); }
  return "(no error)";
}

// Output files are written whole or not at all: a temporary file beside the target, then rename.
#pragma once

#include <string>
#include <string_view>

namespace cpx {

void write_file_atomic(const std::string& path, std::string_view content);

// 12,345,678
std::string thousands(int64_t value);

}  // namespace cpx

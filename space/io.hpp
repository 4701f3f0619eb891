// Output files are written whole or not at all: a temporary file beside the target, then rename.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cpx {

void write_file_atomic(const std::string& path, std::string_view content);

// 12,345,678
std::string thousands(int64_t value);

// "a, b, c": names listed in a message.
std::string comma_joined(const std::vector<std::string>& names);

// RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines. Empty lines are skipped.
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

}  // namespace cpx

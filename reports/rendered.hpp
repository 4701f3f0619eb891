// What rendering a report wrote: report.hpp's result, and the parts' (parts.hpp's write_report), below both.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cpx::reports {

struct Rendered {
  std::vector<std::filesystem::path> files;  // in the order written, report.html first
  std::vector<std::string> missing;          // what the page states as missing (explorer's list + nulls found)
};

}  // namespace cpx::reports

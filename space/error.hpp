// Errors about user input: one line naming the file, the field path and the offending value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cpx {

using Json = nlohmann::ordered_json;

// Thrown for anything wrong with what a user gave us (files, names, sizes). The CLI turns it into one
// line on stderr and exit code 2; every other exception is a bug.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Limits that turn absurd inputs into errors before they turn into allocations or overflows.
namespace limits {
inline constexpr int64_t max_channels = 1 << 16;
inline constexpr int64_t max_spatial = 1 << 14;  // height or width of any tensor
inline constexpr int64_t max_kernel = 64;
inline constexpr int64_t max_batch = 1024;
inline constexpr int64_t max_tensor_elements = int64_t{1} << 32;
inline constexpr int64_t max_ops = 100000;
// fp32 weights plus every activation, as if none were reused: what building and running could take.
inline constexpr int64_t max_network_bytes = int64_t{1} << 35;  // 32 GiB
}  // namespace limits

// A location inside an input document, e.g. file "b0.json" and path "stages[3].block.groups".
class Where {
 public:
  Where(std::string file, std::string path = "") : file_(std::move(file)), path_(std::move(path)) {}
  Where operator/(std::string_view key) const {
    return Where(file_, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
  }
  Where operator[](size_t index) const { return Where(file_, path_ + "[" + std::to_string(index) + "]"); }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

  // "<file>: <path> = <value>: <reason>"
  [[noreturn]] void fail(const Json& value, std::string_view reason) const;
  std::string said(const Json& value, std::string_view reason) const;  // fail's message
  [[noreturn]] void fail(std::string_view reason) const;               // no value to show (e.g. a missing field)

 private:
  std::string file_;
  std::string path_;
};

// Typed access to one JSON object with path-carrying errors; rejects fields nobody read, so typos
// such as "group" for "groups" are errors instead of silently ignored defaults.
class ObjectReader {
 public:
  ObjectReader(const Json& j, Where where);
  ~ObjectReader() = default;

  bool has(std::string_view key) const;
  const Json& raw(std::string_view key);  // required, any type
  int64_t integer(std::string_view key, int64_t min, int64_t max);
  int64_t integer(std::string_view key, int64_t min, int64_t max, int64_t fallback);
  double number(std::string_view key, double min, double max);
  double number(std::string_view key, double min, double max, double fallback);
  bool boolean(std::string_view key, bool fallback);
  std::string string(std::string_view key);
  std::string string(std::string_view key, std::string fallback);
  Where at(std::string_view key) const { return where_ / key; }
  const Where& where() const { return where_; }
  // Call after reading every field you accept.
  void finish() const;

 private:
  const Json& j_;
  Where where_;
  std::vector<std::string> seen_;
};

// The version gate of every file the tool reads back. A file's "schema" names its kind and version
// ("cpubone-explore/<kind>/v<n>"), and a reader takes the versions it lists here and no other: a file of
// another version of the same kind is refused with the command that writes the current one, so that no
// reader grows a branch per field an older version lacked. (Within a version, a reader requires every field
// its writers always write; see docs/architecture.md, "File versions".)
struct FileVersion {
  std::string_view schema;      // "cpubone-explore/<kind>/v<n>"
  std::string_view written_by;  // what writes one now, e.g. "`cpubone-explore fit --device host`"
};
// Throws InputError "<file>: schema = <found>: expected "<schema>" (or ...)[: a file of another version;
// regenerate it with <written_by>]" unless `found` is one of `accepted`.
void check_file_version(const Where& where, const Json& found, std::initializer_list<FileVersion> accepted);
// Whether `found` is exactly `version`'s schema (to tell file kinds apart before reading one).
bool is_file_version(const Json& found, const FileVersion& version);

// Reads either a scalar n (meaning [n, n]) or a pair [a, b] of integers in [min, max].
std::array<int64_t, 2> read_pair(const Json& j, const Where& where, int64_t min, int64_t max);

// Overflow-checked product and sum for counts; a result past int64 means the input was absurd.
int64_t checked_mul(int64_t a, int64_t b, const Where& where);
int64_t checked_add(int64_t a, int64_t b, const Where& where);

}  // namespace cpx

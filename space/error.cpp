#include "space/error.hpp"
#include "space/names.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>
#include <vector>

namespace cpx {

namespace {
std::string show(const Json& value) {
  std::string s = value.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}
std::string prefix(const Where& w) {
  return w.file() + ": " + (w.path().empty() ? std::string("(top level)") : w.path());
}
}  // namespace

std::string Where::said(const Json& value, std::string_view reason) const {
  return prefix(*this) + " = " + show(value) + ": " + std::string(reason);
}
void Where::fail(const Json& value, std::string_view reason) const { throw InputError(said(value, reason)); }
void Where::fail(std::string_view reason) const { throw InputError(prefix(*this) + ": " + std::string(reason)); }

bool is_file_version(const Json& found, const FileVersion& version) {
  return found.is_string() && found.get<std::string>() == version.schema;
}

void check_file_version(const Where& where, const Json& found, std::initializer_list<FileVersion> accepted) {
  std::string expected;
  for (const FileVersion& v : accepted) {
    if (is_file_version(found, v)) return;
    expected += (expected.empty() ? "expected \"" : "\" or \"") + std::string(v.schema);
  }
  expected += "\"";
  // Another version of an accepted kind: "cpubone-explore/<kind>/" alike, the version after it not.
  const auto kind = [](std::string_view schema) { return schema.substr(0, schema.rfind('/') + 1); };
  for (const FileVersion& v : accepted)
    if (found.is_string() && kind(found.get<std::string>()) == kind(v.schema) && !kind(v.schema).empty())
      where.fail(found, expected + ": a file of another version; regenerate it with " + std::string(v.written_by));
  where.fail(found, expected);
}

ObjectReader::ObjectReader(const Json& j, Where where) : j_(j), where_(std::move(where)) {
  if (!j_.is_object()) where_.fail(j_, "expected an object");
}

bool ObjectReader::has(std::string_view key) const { return j_.contains(key); }

const Json& ObjectReader::raw(std::string_view key) {
  if (!j_.contains(key)) (where_ / key).fail("missing required field");
  seen_.emplace_back(key);
  return j_.at(std::string(key));
}

int64_t ObjectReader::integer(std::string_view key, int64_t min, int64_t max) {
  const Json& v = raw(key);
  const Where w = where_ / key;
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) w.fail(v, "expected an integer");
    if (d < static_cast<double>(min) || d > static_cast<double>(max))
      w.fail(v, "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return static_cast<int64_t>(d);
  }
  if (!v.is_number_integer()) w.fail(v, "expected an integer");
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    w.fail(v, "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  const int64_t x = v.get<int64_t>();
  if (x < min || x > max) w.fail(v, "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return x;
}
int64_t ObjectReader::integer(std::string_view key, int64_t min, int64_t max, int64_t fallback) {
  return has(key) ? integer(key, min, max) : fallback;
}

double ObjectReader::number(std::string_view key, double min, double max) {
  const Json& v = raw(key);
  const Where w = where_ / key;
  if (!v.is_number()) w.fail(v, "expected a number");
  const double x = v.get<double>();
  if (!std::isfinite(x)) w.fail(v, "expected a finite number");
  if (x < min || x > max) w.fail(v, "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return x;
}
double ObjectReader::number(std::string_view key, double min, double max, double fallback) {
  return has(key) ? number(key, min, max) : fallback;
}

bool ObjectReader::boolean(std::string_view key, bool fallback) {
  if (!has(key)) return fallback;
  const Json& v = raw(key);
  if (!v.is_boolean()) (where_ / key).fail(v, "expected true or false");
  return v.get<bool>();
}

std::string ObjectReader::string(std::string_view key) {
  const Json& v = raw(key);
  if (!v.is_string()) (where_ / key).fail(v, "expected a string");
  return v.get<std::string>();
}
std::string ObjectReader::string(std::string_view key, std::string fallback) {
  return has(key) ? string(key) : fallback;
}

void ObjectReader::finish() const {
  for (const auto& [key, value] : j_.items()) {
    if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) (where_ / key).fail(value, "unknown field");
  }
}

std::array<int64_t, 2> read_pair(const Json& j, const Where& where, int64_t min, int64_t max) {
  auto one = [&](const Json& v, const Where& w) -> int64_t {
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max)
      w.fail(v, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return v.get<int64_t>();
  };
  if (j.is_array()) {
    if (j.size() != 2) where.fail(j, "expected [height, width]");
    return {one(j[0], where[0]), one(j[1], where[1])};
  }
  const int64_t x = one(j, where);
  return {x, x};
}

int64_t checked_mul(int64_t a, int64_t b, const Where& where) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) where.fail("count overflows 64 bits: the network is absurdly large");
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const Where& where) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) where.fail("count overflows 64 bits: the network is absurdly large");
  return r;
}

namespace {

// Levenshtein distance.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Lower case with '_' read as '-', so "mobilenetv2_1.0" finds "mobilenetv2-1.0" and "Pi5" finds "pi5".
std::string normalised_name(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<std::string> similar_names(std::string_view name, const std::vector<std::string>& candidates, size_t most) {
  const std::string a = normalised_name(name);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const std::string& candidate : candidates) {
    // A slip in the start of a longer name ("mobilnetv2" for "mobilenetv2-1.0") counts as one more edit.
    const std::string b = normalised_name(candidate);
    size_t d = edit_distance(a, b);
    for (size_t len = a.size() > 0 ? a.size() - 1 : 0; len <= a.size() + 1 && len < b.size(); ++len)
      d = std::min(d, edit_distance(a, b.substr(0, len)) + 1);
    scored.push_back({d, candidate});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  // Close enough to be a slip: at most a third of the name's letters differ; a name that differs only in case
  // or '_' ("Pi5") means the one it matches, and no other is offered.
  const size_t limit = !scored.empty() && scored.front().first == 0 ? 0 : std::max<size_t>(2, a.size() / 3);
  for (const auto& [d, n] : scored)
    if (out.size() < most && d <= limit) out.push_back(n);
  return out;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates, size_t most) {
  std::string similar;
  for (const std::string& n : similar_names(name, candidates, most)) similar += (similar.empty() ? "" : ", ") + n;
  return similar.empty() ? "" : "; did you mean " + similar + "?";
}

void throw_unknown_name(std::string_view what, std::string_view name, const std::vector<std::string>& names) {
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  throw InputError(std::string(what) + " = \"" + std::string(name) + "\": not one of " + known +
                   did_you_mean(name, names));
}

}  // namespace cpx

// Vocabularies of names: "did you mean" for a name a user mistyped (zoo models, devices, any enum's names),
// and Names<E>, the one names table of an enum.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpx {

// Up to `most` of `candidates` within a few edits of `name` (case and '_' against '-' ignored; a slip in the
// start of a longer name counts one more edit), closest first: the "did you mean" of every unknown name
// (zoo models, devices). did_you_mean: "; did you mean a, b?" or "" when none is close.
std::vector<std::string> similar_names(std::string_view name, const std::vector<std::string>& candidates, size_t most);
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates, size_t most = 5);
// Throws the InputError of a name not in `names`: "<what> = "name": not one of a, b, c[; did you mean b?]".
[[noreturn]] void throw_unknown_name(std::string_view what, std::string_view name,
                                     const std::vector<std::string>& names);

// An enum's names, the one table of its vocabulary: entry i names the enumerator of value i. Written as
// {{E::a, "a"}, {E::b, "b"}} (or read from a table of rows that carry a `kind` and a `name`), the order,
// the count and the names (non-empty, distinct) are checked when the table is compiled, so a new
// enumerator without its name, or a row out of place, fails to build rather than naming the wrong thing.
template <class E, size_t N>
class Names {
 public:
  struct Entry {
    E value;
    std::string_view name;
  };
  consteval Names(const Entry (&entries)[N]) {
    for (size_t i = 0; i < N; ++i) {
      if (static_cast<size_t>(entries[i].value) != i) throw "a names table lists its enum's values in order, each once";
      names_[i] = entries[i].name;
    }
    check_names();
  }
  template <class Row>
  consteval Names(const std::array<Row, N>& rows) {
    for (size_t i = 0; i < N; ++i) {
      if (static_cast<size_t>(rows[i].kind) != i) throw "a table of rows lists its enum's values in order, each once";
      names_[i] = rows[i].name;
    }
    check_names();
  }

  constexpr std::string_view name_of(E e) const { return names_[static_cast<size_t>(e)]; }
  // The enumerator named exactly `name`, if any.
  constexpr std::optional<E> find(std::string_view name) const {
    for (size_t i = 0; i < N; ++i)
      if (names_[i] == name) return static_cast<E>(i);
    return std::nullopt;
  }
  // find(name), or an InputError "<what> = "name": not one of a, b, c[; did you mean b?]".
  E parse(std::string_view name, std::string_view what) const {
    if (const std::optional<E> e = find(name)) return *e;
    throw_unknown_name(what, name, all());
  }
  // Every name, in the enum's order.
  std::vector<std::string> all() const { return {names_.begin(), names_.end()}; }
  // "a, b or c" (`last` before the last name): the names as a message lists them.
  std::string joined(std::string_view last = " or ") const {
    std::string out;
    for (size_t i = 0; i < N; ++i)
      out += (i == 0 ? "" : i + 1 == N ? std::string(last) : ", ") + std::string(names_[i]);
    return out;
  }
  constexpr const std::array<std::string_view, N>& names() const { return names_; }
  // Every enumerator, in order (to walk a vocabulary without casting indices at each use).
  static constexpr std::array<E, N> values() {
    std::array<E, N> out{};
    for (size_t i = 0; i < N; ++i) out[i] = static_cast<E>(i);
    return out;
  }
  static constexpr size_t size() { return N; }

 private:
  consteval void check_names() const {
    for (size_t i = 0; i < N; ++i) {
      if (names_[i].empty()) throw "every value of a names table has a name";
      for (size_t j = 0; j < i; ++j)
        if (names_[i] == names_[j]) throw "a names table names each value differently";
    }
  }
  std::array<std::string_view, N> names_{};
};

}  // namespace cpx

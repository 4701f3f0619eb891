#include "space/op.hpp"

namespace cpx {

namespace {
template <size_t I = 0>
bool read_alternative(std::string_view kind, ObjectReader& r, OpAttrs& out) {
  if constexpr (I < std::variant_size_v<OpAttrs>) {
    using T = std::variant_alternative_t<I, OpAttrs>;
    if (kind == T::kind) {
      out = T::read(r);
      return true;
    }
    return read_alternative<I + 1>(kind, r, out);
  } else {
    return false;
  }
}
template <size_t... I>
std::vector<std::string_view> kinds(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, OpAttrs>::kind...};
}
}  // namespace

std::vector<std::string_view> op_kinds() { return kinds(std::make_index_sequence<std::variant_size_v<OpAttrs>>{}); }

OpAttrs read_op_attrs(ObjectReader& r) {
  const std::string kind = r.string("op");
  OpAttrs attrs;
  if (!read_alternative(kind, r, attrs)) {
    std::string known;
    for (auto k : op_kinds()) known += (known.empty() ? "" : ", ") + std::string(k);
    r.at("op").fail(kind, "unknown op (known: " + known + ")");
  }
  return attrs;
}

int op_arity(const OpAttrs& attrs) {
  return std::visit([](const auto& a) { return std::decay_t<decltype(a)>::arity; }, attrs);
}

}  // namespace cpx

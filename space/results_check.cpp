// The results JSON's check against its field table (space/results_schema.hpp), and what of the table a file
// holds. In space/ because the document's one reader (space/results_from_json.cpp) runs it first.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "space/results.hpp"
#include "space/results_schema.hpp"

namespace cpx {

namespace {

// The field table (space/results_fields.cpp) as a tree: a node per object field, an element node per array.
struct Node {
  const ResultsField* field = nullptr;  // null: an array's element that is an object (its fields are below)
  std::vector<std::pair<std::string_view, std::unique_ptr<Node>>> fields;  // in the table's order
  std::unique_ptr<Node> element;

  Node& child(std::string_view key) {
    for (auto& [k, n] : fields)
      if (k == key) return *n;
    fields.emplace_back(key, std::make_unique<Node>());
    return *fields.back().second;
  }
  ResultsType type() const { return field ? field->type : ResultsType::object; }
  bool nullable() const { return field && field->nullable; }
  bool required() const { return !field || field->required; }
};

Node build_tree() {
  Node root;
  for (const ResultsField& f : results_fields()) {
    Node* n = &root;
    std::string_view rest = f.path;
    while (!rest.empty()) {
      const size_t dot = rest.find('.');
      std::string_view step = rest.substr(0, dot);
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
      size_t arrays = 0;
      while (step.size() > 2 && step.substr(step.size() - 2) == "[]") step.remove_suffix(2), ++arrays;
      n = &n->child(step);
      for (; arrays > 0; --arrays) {
        if (!n->element) n->element = std::make_unique<Node>();
        n = n->element.get();
      }
    }
    if (n->field) throw std::logic_error("results fields: " + std::string(f.path) + " listed twice");
    n->field = &f;
  }
  return root;
}

const Node& tree() {
  static const Node root = build_tree();
  return root;
}

void check_number(const Json& v, const Where& w, double lo, double hi, ResultsType t) {
  if (!v.is_number()) w.fail(v, "expected a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) w.fail(v, "expected " + std::string(expected_of(t)));
}

void check_choice(const Json& v, const ResultsField& f, const Where& w) {
  std::string_view options = f.choices;
  std::string list;
  while (true) {
    const size_t bar = options.find('|');
    const std::string_view option = options.substr(0, bar);
    if (v.is_string() && v.get<std::string>() == option) return;
    list += (list.empty() ? "" : ",") + std::string(option);
    if (bar == std::string_view::npos) break;
    options.remove_prefix(bar + 1);
  }
  w.fail(v, "expected one of " + list);
}

void check_value(const Json& v, const Node& n, const Where& w) {
  const double inf = HUGE_VAL;
  const std::string expected = "expected " + std::string(expected_of(n.type())) + (n.nullable() ? " or null" : "");
  switch (n.type()) {
    case ResultsType::string:
      if (!v.is_string()) w.fail(v, expected);
      return;
    case ResultsType::boolean:
      if (!v.is_boolean()) w.fail(v, expected);
      return;
    case ResultsType::object:
    case ResultsType::open_object:
      if (!v.is_object()) w.fail(v, expected);
      return;
    case ResultsType::array:
      if (!v.is_array()) w.fail(v, expected);
      return;
    case ResultsType::any: return;
    case ResultsType::integer:
    case ResultsType::count:
      check_number(v, w, n.type() == ResultsType::integer ? 0 : 1, 9e15, n.type());
      if (v.get<double>() != std::floor(v.get<double>())) w.fail(v, "expected an integer");
      return;
    case ResultsType::number: return check_number(v, w, -inf, inf, n.type());
    case ResultsType::nonneg: return check_number(v, w, 0, inf, n.type());
    case ResultsType::positive:
      check_number(v, w, 0, inf, n.type());
      if (v.get<double>() == 0) w.fail(v, expected);
      return;
    case ResultsType::top1: return check_number(v, w, 0, 100, n.type());
    case ResultsType::fraction: return check_number(v, w, 0, 1, n.type());
    case ResultsType::correlation: return check_number(v, w, -1, 1, n.type());
    case ResultsType::choice: return check_choice(v, *n.field, w);
  }
}

void check(const Json& v, const Node& n, const Where& w) {
  if (n.nullable() && v.is_null()) return;
  check_value(v, n, w);
  if (v.is_array() && n.element)
    for (size_t i = 0; i < v.size(); ++i) check(v[i], *n.element, w[i]);
  if (v.is_object() && n.type() == ResultsType::object)
    for (const auto& [key, sub] : n.fields) {
      const std::string k(key);
      if (!v.contains(k)) {
        if (sub->required()) (w / k).fail("missing required field");
        continue;
      }
      check(v.at(k), *sub, w / k);
    }
}

void cover(const Json& v, const Node& n, const std::string& path, SchemaCoverage& out) {
  if (v.is_array() && n.element)
    for (const auto& e : v) {
      if (n.element->field) out.listed.insert(path + "[]");  // an array of scalars: its element has a row
      cover(e, *n.element, path + "[]", out);
    }
  if (!v.is_object() || n.type() != ResultsType::object) return;
  for (const auto& item : v.items()) {  // not a structured binding: a lambda may not capture one in C++17
    const std::string& key = item.key();
    const Json& value = item.value();
    const std::string p = path.empty() ? key : path + "." + key;
    const auto it = std::find_if(n.fields.begin(), n.fields.end(), [&](const auto& f) { return f.first == key; });
    if (it == n.fields.end()) {
      out.unlisted.insert(p);
      continue;
    }
    out.listed.insert(p);
    cover(value, *it->second, p, out);
  }
}

}  // namespace

void validate_results(const Json& results, const std::string& results_file) {
  const Where top(results_file);
  if (!results.is_object()) top.fail(results, "expected the explorer's results object");
  // The version first: a file of another version is reported as such, not as a missing field.
  if (!results.contains("schema"))
    (top / "schema").fail(std::string("missing required field (expected \"") + results_schema + "\")");
  check_file_version(top / "schema", results.at("schema"), {results_version});
  check(results, tree(), top);
  // One comparison says both: the chart and its table read fused_vs_unfused, older readers the crossover alone.
  if (results.contains("fused_vs_unfused") &&
      results["fused_vs_unfused"]["crossover_channels"] != results["fused_crossover_channels"])
    (top / "fused_vs_unfused" / "crossover_channels")
        .fail(results["fused_vs_unfused"]["crossover_channels"],
              "differs from fused_crossover_channels = " + results["fused_crossover_channels"].dump() +
                  "; both are the one crossover");
}

SchemaCoverage schema_coverage(const Json& results) {
  SchemaCoverage out;
  cover(results, tree(), "", out);
  return out;
}

}  // namespace cpx

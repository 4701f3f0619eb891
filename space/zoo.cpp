#include "space/zoo.hpp"

#include <filesystem>

#include "space/io.hpp"
#include "space/zoo/families.hpp"

namespace cpx {

extern const char* const published_models_csv;  // generated from space/zoo/published_models.csv

namespace {

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t used = 0;
  const double v = std::stod(s, &used);
  if (used != s.size()) throw std::logic_error("published_models.csv: not a number: " + s);
  return v;
}

std::vector<PublishedFigures> parse_published() {
  const auto rows = parse_csv(published_models_csv);
  const auto& header = rows.at(0);
  auto column = [&](std::string_view name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw std::logic_error("published_models.csv: no column " + std::string(name));
  };
  const size_t model = column("model"), source = column("source"), kind = column("value_kind"),
               params = column("params_M"), macs = column("macs_M"), top1 = column("top1"),
               resolution = column("resolution"), notes = column("notes");
  std::vector<PublishedFigures> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != header.size())
      throw std::logic_error("published_models.csv: row " + std::to_string(r) + " has " + std::to_string(row.size()) + " fields");
    PublishedFigures f;
    f.model = row[model];
    f.source = row[source];
    f.value_kind = row[kind];
    f.params_m = number(row[params]);
    f.macs_m = number(row[macs]);
    f.top1 = number(row[top1]);
    if (auto res = number(row[resolution])) f.resolution = static_cast<int64_t>(*res);
    f.notes = row[notes];
    for (size_t i = resolution + 1; i < notes; ++i)
      if (auto v = number(row[i])) f.devices[header[i]] = *v;
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<ZooEntry> make_zoo() {
  std::vector<ZooEntry> entries;
  zoo_families::add_cpubone(entries);
  zoo_families::add_fasternet(entries);
  zoo_families::add_mobileone(entries);
  zoo_families::add_lowformer(entries);
  zoo_families::add_repvit(entries);
  zoo_families::add_fastvit(entries);
  zoo_families::add_efficientmod(entries);
  zoo_families::add_efficientformerv2(entries);
  zoo_families::add_ghostnetv2(entries);
  zoo_families::add_classic(entries);
  for (ZooEntry& e : entries) {
    if (e.published_name.empty()) continue;
    for (const auto& f : published_models())
      if (f.model == e.published_name) e.published.push_back(f);
    if (e.published.empty()) throw std::logic_error("zoo entry " + e.name + ": no published row " + e.published_name);
  }
  return entries;
}

}  // namespace

const std::vector<PublishedFigures>& published_models() {
  static const std::vector<PublishedFigures> rows = parse_published();
  return rows;
}

std::optional<double> ZooEntry::top1() const {
  for (const auto& f : published)
    if (f.value_kind == "reported" && f.top1) return f.top1;
  for (const auto& f : published)
    if (f.top1) return f.top1;
  return std::nullopt;
}

const std::vector<ZooEntry>& zoo() {
  static const std::vector<ZooEntry> entries = make_zoo();
  return entries;
}

const ZooEntry* find_zoo(std::string_view name) {
  for (const auto& e : zoo())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const auto& e : zoo()) names.push_back(e.name);
  return names;
}

namespace {
[[noreturn]] void unknown_model(const std::string& name) {
  std::string known;
  for (const auto& n : zoo_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError(name + ": not a zoo model (" + known + ") and not a file");
}
bool looks_like_file(const std::string& s) {
  return s.find('/') != std::string::npos || s.find('.') != std::string::npos || std::filesystem::exists(s);
}
}  // namespace

std::optional<Macro> load_macro(const std::string& name_or_file) {
  if (const ZooEntry* e = find_zoo(name_or_file)) return e->macro;
  if (!looks_like_file(name_or_file)) unknown_model(name_or_file);
  const Json j = read_json_file(name_or_file);
  if (j.is_object() && j.value("schema", "") == macro_schema) return read_macro(j, name_or_file);
  return std::nullopt;
}

Network load_model(const std::string& name_or_file, int64_t resolution) {
  if (resolution < 0 || resolution > limits::max_spatial)
    throw InputError("--resolution = " + std::to_string(resolution) + ": out of range [1, " +
                     std::to_string(limits::max_spatial) + "]");
  if (const ZooEntry* e = find_zoo(name_or_file)) return e->build(resolution);
  if (!looks_like_file(name_or_file)) unknown_model(name_or_file);
  return network_from_json(read_json_file(name_or_file), name_or_file, resolution);
}

Network network_from_json(const Json& j, const std::string& file, int64_t resolution) {
  const std::string schema = j.is_object() && j.contains("schema") && j["schema"].is_string() ? j["schema"].get<std::string>() : "";
  if (schema == macro_schema) {
    Macro m = read_macro(j, file);
    if (resolution > 0) m.resolution = resolution;
    return expand(m, file);
  }
  if (schema == network_schema) {
    Network n = load_network(j, file);
    if (resolution > 0) n = with_input(n, {n.input.n, resolution, resolution, n.input.c}, file);
    return n;
  }
  Where(file, "schema").fail(j.is_object() && j.contains("schema") ? j["schema"] : Json(nullptr),
                             "expected \"" + std::string(macro_schema) + "\" or \"" + std::string(network_schema) + "\"");
}

}  // namespace cpx

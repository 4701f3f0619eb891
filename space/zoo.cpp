#include "space/zoo.hpp"

#include <algorithm>
#include <filesystem>

#include "space/count.hpp"
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
  zoo_families::add_shufflenetv2(entries);
  zoo_families::add_convnext(entries);
  zoo_families::add_poolformer(entries);
  zoo_families::add_mobilevit(entries);
  zoo_families::add_edgenext(entries);
  zoo_families::add_pvt(entries);
  zoo_families::add_swin(entries);
  zoo_families::add_cyclemlp(entries);
  zoo_families::add_ghostnet(entries);
  zoo_families::add_mobilenetv1(entries);
  zoo_families::add_mnasnet(entries);
  zoo_families::add_mixnet(entries);
  zoo_families::add_mobilenext(entries);
  for (ZooEntry& e : entries) {
    if (e.published_name.empty() && !e.published_aliases.empty())
      throw std::logic_error("zoo entry " + e.name + ": aliases without a published name");
    std::vector<std::string> names{e.published_name};
    names.insert(names.end(), e.published_aliases.begin(), e.published_aliases.end());
    for (const std::string& name : names) {
      if (name.empty()) continue;
      const size_t before = e.published.size();
      for (const auto& f : published_models())
        if (f.model == name && e.published_as(f.model, f.source)) e.published.push_back(f);
      if (e.published.size() == before) throw std::logic_error("zoo entry " + e.name + ": no published row " + name);
    }
  }
  return entries;
}

}  // namespace

const std::vector<PublishedFigures>& published_models() {
  static const std::vector<PublishedFigures> rows = parse_published();
  return rows;
}

bool ZooEntry::published_as(std::string_view model, std::string_view source) const {
  if (model.empty()) return false;
  if (!unlinked_source.empty() && source.find(unlinked_source) != std::string_view::npos) return false;
  return model == published_name || std::find(published_aliases.begin(), published_aliases.end(), model) != published_aliases.end();
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
void check_resolution(int64_t resolution) {
  if (resolution < 0 || resolution > limits::max_spatial)
    throw InputError("--resolution = " + std::to_string(resolution) + ": out of range [1, " +
                     std::to_string(limits::max_spatial) + "]");
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
  check_resolution(resolution);
  if (const ZooEntry* e = find_zoo(name_or_file)) return e->build(resolution);
  if (!looks_like_file(name_or_file)) unknown_model(name_or_file);
  return load_model_json(read_json_file(name_or_file), name_or_file, resolution);
}

Network load_model_json(const Json& j, const std::string& file, int64_t resolution) {
  check_resolution(resolution);
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

Json zoo_entry_json(const ZooEntry& e) {
  Json rows = Json::array();
  for (const auto& f : e.published) {
    Json r;
    r["model"] = f.model;
    r["source"] = f.source;
    r["value_kind"] = f.value_kind;
    r["params_m"] = f.params_m ? Json(*f.params_m) : Json(nullptr);
    r["macs_m"] = f.macs_m ? Json(*f.macs_m) : Json(nullptr);
    r["top1"] = f.top1 ? Json(*f.top1) : Json(nullptr);
    r["resolution"] = f.resolution ? Json(*f.resolution) : Json(nullptr);
    r["devices"] = f.devices;
    rows.push_back(std::move(r));
  }
  const NetworkCount c = count(e.build(0));
  Json j;
  j["name"] = e.name;
  j["family"] = e.family;
  j["description"] = e.description;
  j["resolution"] = e.resolution;
  j["params"] = c.total.params;
  j["params_inference"] = c.total.params_inference;
  j["macs"] = c.total.macs;
  j["top1"] = e.top1() ? Json(*e.top1()) : Json(nullptr);
  j["published"] = std::move(rows);
  return j;
}

}  // namespace cpx

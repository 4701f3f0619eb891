#include "space/zoo.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "space/count.hpp"
#include "space/field_error.hpp"
#include "space/io.hpp"
#include "space/names.hpp"
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
      throw std::logic_error("published_models.csv: row " + std::to_string(r) + " has " + std::to_string(row.size()) +
                             " fields");
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
  return model == published_name ||
         std::find(published_aliases.begin(), published_aliases.end(), model) != published_aliases.end();
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

namespace {

// timm's names for zoo models of the same architecture (timm 0.9/1.0 model names, without a pretrained
// tag such as ".a1_in1k", which find_zoo strips). One row per name; a model timm builds differently
// (GhostNet's width rounding, MnasNet's variants) has no row.
constexpr std::pair<std::string_view, std::string_view> timm_names[] = {
    {"mobilenetv2_100", "mobilenetv2-1.0"},
    {"mobilenetv2_140", "mobilenetv2-1.4"},
    {"mobilenetv3_large_100", "mobilenetv3-large"},
    {"efficientnet_b0", "efficientnet-b0"},
    {"fastvit_t8", "fastvit-t8"},
    {"fastvit_t12", "fastvit-t12"},
    {"fastvit_sa12", "fastvit-sa12"},
    {"fastvit_sa24", "fastvit-sa24"},
    {"repvit_m0_9", "repvit-m0.9"},
    {"repvit_m1_0", "repvit-m1.0"},
    {"repvit_m1_1", "repvit-m1.1"},
    {"repvit_m1_5", "repvit-m1.5"},
    {"repvit_m2_3", "repvit-m2.3"},
    {"efficientformerv2_s0", "efficientformerv2-s0"},
    {"efficientformerv2_s1", "efficientformerv2-s1"},
    {"efficientformerv2_s2", "efficientformerv2-s2"},
    {"efficientformerv2_l", "efficientformerv2-l"},
    {"mobileone_s0", "mobileone-s0"},
    {"mobileone_s1", "mobileone-s1"},
    {"mobileone_s2", "mobileone-s2"},
    {"mobileone_s3", "mobileone-s3"},
    {"mobileone_s4", "mobileone-s4"},
    {"convnext_tiny", "convnext-t"},
    {"convnext_small", "convnext-s"},
    {"convnext_base", "convnext-b"},
    {"poolformer_s12", "poolformer-s12"},
    {"poolformer_s24", "poolformer-s24"},
    {"poolformer_s36", "poolformer-s36"},
    {"poolformer_m36", "poolformer-m36"},
    {"poolformer_m48", "poolformer-m48"},
    {"mobilevit_xxs", "mobilevit-xxs"},
    {"mobilevit_xs", "mobilevit-xs"},
    {"mobilevit_s", "mobilevit-s"},
    {"edgenext_xx_small", "edgenext-xxs"},
    {"edgenext_x_small", "edgenext-xs"},
    {"edgenext_small", "edgenext-s"},
    {"swin_tiny_patch4_window7_224", "swin-t"},
    {"swin_small_patch4_window7_224", "swin-s"},
    {"swin_base_patch4_window7_224", "swin-b"},
    {"mixnet_s", "mixnet-s"},
    {"fasternet_t0", "fasternet-t0"},
    {"fasternet_t1", "fasternet-t1"},
    {"fasternet_t2", "fasternet-t2"},
    {"fasternet_s", "fasternet-s"},
    {"fasternet_m", "fasternet-m"},
    {"fasternet_l", "fasternet-l"},
};

const ZooEntry* exact(std::string_view name) {
  for (const auto& e : zoo())
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace

// The extensions of the network files every command takes (network or macro JSON, ONNX).
constexpr std::array<std::string_view, 2> network_file_extensions{"json", "onnx"};

const ZooEntry* find_zoo(std::string_view name) {
  if (const ZooEntry* e = exact(name)) return e;
  // "cpubone-b0": the CPUBone models by the family's name too, since "b0" alone reads as EfficientNet-B0.
  if (name.starts_with("cpubone-"))
    if (const ZooEntry* e = exact(name.substr(8)); e && e->family == "CPUBone") return e;
  // timm's pretrained tag ("resnet50.a1_in1k"), never a file's extension: "b0.json" is a file, not b0.
  std::string_view arch = name;
  if (const size_t dot = name.find('.'); dot != std::string_view::npos) {
    const std::string_view tag = name.substr(dot + 1);
    const bool file_extension =
        std::find(network_file_extensions.begin(), network_file_extensions.end(), tag) != network_file_extensions.end();
    if (file_extension || name.find('/') != std::string_view::npos || std::filesystem::exists(std::string(name)))
      return nullptr;
    arch = name.substr(0, dot);
  }
  if (arch.size() < name.size())
    if (const ZooEntry* e = exact(arch)) return e;
  for (const auto& [timm, ours] : timm_names)
    if (timm == arch) return exact(ours);
  return nullptr;
}

std::vector<std::string> similar_zoo_names(std::string_view name, size_t most) {
  return similar_names(name, zoo_names(), most);
}

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const auto& e : zoo()) names.push_back(e.name);
  return names;
}

namespace {
[[noreturn]] void unknown_model(const std::string& name) {
  throw InputError(name + ": not a zoo model and not a file" + did_you_mean(name, zoo_names()) +
                   " (`cpubone-explore zoo` lists the " + std::to_string(zoo().size()) + " models)");
}
void check_resolution(int64_t resolution) {
  if (resolution < 0 || resolution > limits::max_spatial)
    throw FieldError(Field::resolution, std::to_string(resolution),
                     "out of range [1, " + std::to_string(limits::max_spatial) + "]");
}
bool looks_like_file(const std::string& s) {
  return s.find('/') != std::string::npos || s.find('.') != std::string::npos || std::filesystem::exists(s);
}
}  // namespace

std::optional<Macro> load_macro(const std::string& name_or_file) {
  if (const ZooEntry* e = find_zoo(name_or_file)) return e->macro;
  if (!looks_like_file(name_or_file)) unknown_model(name_or_file);
  const Json j = read_json_file(name_or_file);
  if (j.is_object() && is_file_version(j.value("schema", Json()), macro_version)) return read_macro(j, name_or_file);
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
  const Json schema = j.is_object() ? j.value("schema", Json()) : Json();
  if (is_file_version(schema, macro_version)) {
    Macro m = read_macro(j, file);
    if (resolution > 0) m.resolution = resolution;
    return expand(m, file);
  }
  if (is_file_version(schema, network_version)) {
    Network n = read_network(j, file);
    if (resolution > 0) n = with_input(n, {n.input.n, resolution, resolution, n.input.c}, file);
    return n;
  }
  check_file_version(Where(file, "schema"), schema, {macro_version, network_version});
  throw std::logic_error("load_model_json: the version gate let an unread schema through");
}

Json zoo_entry_to_json(const ZooEntry& e) {
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

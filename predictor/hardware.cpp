#include "predictor/hardware.hpp"

#include <algorithm>
#include <map>

namespace cpx::predictor {

extern const std::map<std::string, const char*>
    shipped_hardware_files;  // generated from predictor/devices/hardware/*.json

namespace {

// {"value": ..., "source": "non-empty text"}, the value read by `read` from the figure's object.
template <class Read>
auto sourced_figure(ObjectReader& r, const char* key, Read read) {
  ObjectReader f(r.raw(key), r.at(key));
  const auto v = read(f);
  if (f.string("source").empty()) f.at("source").fail("", "every hardware figure needs its source");
  f.finish();
  return v;
}

double sourced(ObjectReader& r, const char* key, double lo, double hi) {
  return sourced_figure(r, key, [&](ObjectReader& f) { return f.number("value", lo, hi); });
}

// A count: 4.5 cores or lanes is refused, not truncated to 4.
int64_t sourced_count(ObjectReader& r, const char* key, int64_t lo, int64_t hi) {
  return sourced_figure(r, key, [&](ObjectReader& f) { return f.integer("value", lo, hi); });
}

bool sourced_bool(ObjectReader& r, const char* key) {
  return sourced_figure(r, key, [](ObjectReader& f) {
    const Json& v = f.raw("value");
    if (!v.is_boolean()) f.at("value").fail(v, "expected true or false");
    return v.get<bool>();
  });
}

}  // namespace

double Hardware::peak_macps() const {
  double sum = 0;
  for (const auto& c : cores) sum += static_cast<double>(c.count * c.fp32_lanes * c.fma_pipes) * c.ghz * 1e9;
  return sum;
}

Hardware hardware_from_json(const Json& j, const Where& where) {
  ObjectReader r(j, where);
  Hardware h;
  h.json = j;
  h.device = r.string("device");
  h.description = r.string("description");
  {
    ObjectReader f(r.raw("runtime"), r.at("runtime"));
    h.runtime = f.string("value");
    if (f.string("source").empty()) f.at("source").fail("", "every hardware figure needs its source");
    f.finish();
  }
  {
    ObjectReader f(r.raw("runtime_class"), r.at("runtime_class"));
    const std::string name = f.string("value");
    const std::optional<RuntimeClass> c = runtime_class_names.find(name);
    if (!c)
      f.at("value").fail(name, "not a runtime class a calibrated device ran: one of " + runtime_class_names.joined());
    h.runtime_class = *c;
    if (f.string("source").empty()) f.at("source").fail("", "every hardware figure needs its source");
    f.finish();
  }
  h.runtime_fuses_relu = sourced_bool(r, "runtime_fuses_relu");
  h.threads = sourced_count(r, "threads", 1, 256);
  const Json& cores = r.raw("cores");
  if (!cores.is_array() || cores.empty()) r.at("cores").fail(cores, "expected a non-empty array of core groups");
  int64_t counted = 0;
  for (size_t i = 0; i < cores.size(); ++i) {
    ObjectReader c(cores[i], r.at("cores")[i]);
    CoreGroup g;
    g.count = sourced_count(c, "count", 1, 256);
    g.core = c.string("core");
    g.ghz = sourced(c, "ghz", 0.1, 10);
    g.fp32_lanes = sourced_count(c, "fp32_lanes", 1, 64);
    g.fma_pipes = sourced_count(c, "fma_pipes", 1, 8);
    c.finish();
    counted += g.count;
    h.cores.push_back(g);
  }
  // One thread per core: the peak is over the cores the runtime ran on, so they must be its threads.
  if (counted != h.threads)
    r.at("cores").fail(counted,
                       "counts " + std::to_string(counted) + " cores, threads.value is " + std::to_string(h.threads));
  h.l1d_kib = sourced(r, "l1d_kib", 1, 1 << 20);
  h.l2_kib = sourced(r, "l2_kib", 0, 1 << 20);
  h.l3_kib = sourced(r, "l3_kib", 0, 1 << 22);
  h.dram_bytes_per_s = sourced(r, "dram_bytes_per_s", 1e8, 1e13);
  r.finish();
  return h;
}

Hardware with_threads(const Hardware& h, int64_t threads, const std::string& source) {
  int64_t cores = 0;
  for (const auto& g : h.cores) cores += g.count;
  if (threads < 1 || threads > cores)
    throw InputError(source + " = " + std::to_string(threads) + ": the hardware description of " + h.device + " has " +
                     std::to_string(cores) + " cores");
  Json j = h.json;
  j["threads"] = {{"value", threads}, {"source", source}};
  int64_t left = threads;
  Json kept = Json::array();
  for (Json g : j["cores"]) {
    const int64_t n = std::min(left, g["count"]["value"].get<int64_t>());
    if (n == 0) break;
    g["count"] = {{"value", n},
                  {"source", source + " (of " + g["count"]["value"].dump() + ": " +
                                 g["count"]["source"].get<std::string>() + ")"}};
    kept.push_back(g);
    left -= n;
  }
  j["cores"] = kept;
  return hardware_from_json(j, Where(source));
}

Hardware with_runtime_class(const Hardware& h, RuntimeClass c, const std::string& source) {
  Json j = h.json;
  j["runtime_class"] = {
      {"value", std::string(to_string(c))},
      {"source", source + " (the description said " + h.json["runtime_class"]["value"].get<std::string>() + ")"}};
  // The runtime's words follow: the description's named the runtime it had.
  j["runtime"] = {{"value", std::string(runtime_classes[static_cast<size_t>(c)].what) + ", fp32, batch 1"},
                  {"source", source}};
  return hardware_from_json(j, Where(source));
}

Hardware renamed(const Hardware& h, const std::string& device) {
  Hardware out = h;
  out.device = device;
  out.json["device"] = device;
  return out;
}

std::optional<Hardware> shipped_hardware(const std::string& device) {
  const auto it = shipped_hardware_files.find(device);
  if (it == shipped_hardware_files.end()) return std::nullopt;
  return hardware_from_json(Json::parse(it->second), Where("shipped hardware " + device));
}

std::vector<std::string> shipped_hardware_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : shipped_hardware_files) names.push_back(name);
  return names;
}

}  // namespace cpx::predictor

// read_published (predictor/calibrate.hpp): whole-network latencies from a CSV, published or the user's own.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "predictor/calibrate.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::predictor {

namespace {

// A network the user timed: a zoo name, or a network or macro JSON file, or an ONNX graph (relative paths
// against the CSV's folder). Returns the network and the key that makes two rows the same network.
std::pair<Network, std::string> timed_network(const std::string& name, const std::string& csv_path) {
  if (find_zoo(name)) return {load_model(name), "zoo:" + name};
  std::filesystem::path file(name);
  if (file.is_relative()) file = std::filesystem::path(csv_path).parent_path() / file;
  if (!std::filesystem::exists(file)) throw InputError("no such zoo model or file " + file.string());
  const std::string key = std::filesystem::weakly_canonical(file).string();
  return {profiler::load_any_model(file.string()), key};  // JSON or ONNX, told apart by content
}

double positive_number(const std::string& text, const std::string& at) {
  double v = 0;
  try {
    size_t used = 0;
    v = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) { throw InputError(at + " = \"" + text + "\": not a number"); }
  if (!(v > 0) || !std::isfinite(v)) throw InputError(at + " = " + text + ": must be positive");
  return v;
}

}  // namespace

std::vector<PublishedPoint> read_published(const std::string& path, const std::string& column) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto rows = parse_csv(text);
  if (rows.empty()) throw InputError(path + ": empty CSV");
  const auto& header = rows[0];
  auto find_col = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    return SIZE_MAX;
  };
  auto col = [&](const std::string& name) -> size_t {
    const size_t i = find_col(name);
    if (i == SIZE_MAX) throw InputError(path + ": header = \"" + name + "\": no such column");
    return i;
  };
  const bool user_file = column.empty();  // the user's own list, not the published-figures format
  // The user's file may call its model column "network" (it names network files).
  const size_t model = user_file && find_col("model") == SIZE_MAX && find_col("network") != SIZE_MAX
                           ? find_col("network")
                           : col("model");
  const size_t value = col(user_file ? "latency_ms" : column);
  const size_t kind = user_file ? SIZE_MAX : col("value_kind");
  const size_t family_col = user_file ? find_col("family") : col("family"), source_col = find_col("source");
  const size_t threads_col = user_file ? find_col("threads") : SIZE_MAX;
  auto family_of = [&](const std::vector<std::string>& row) {
    if (family_col == SIZE_MAX) return std::string();
    const std::string& f = row[family_col];
    const size_t paren = f.find(" (");
    return paren == std::string::npos ? f : f.substr(0, paren);
  };
  std::vector<PublishedPoint> points;
  std::vector<std::pair<std::string, int>> seen;  // network key, rank of the row used (0 = reported)
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::string at = path + ": row " + std::to_string(r + 1);
    if (row.size() != header.size())
      throw InputError(at + " has " + std::to_string(row.size()) + " fields, header has " +
                       std::to_string(header.size()));
    if (row[value].empty() && !user_file) continue;  // the published file has a column per device, most of it empty
    const double ms = positive_number(row[value], at + "." + header[value]);
    PublishedPoint p;
    std::string key;
    if (user_file) {
      try {
        std::tie(p.net, key) = timed_network(row[model], path);
      } catch (const InputError& e) {
        throw InputError(at + "." + header[model] + " = \"" + row[model] + "\": " + e.what());
      }
      p.model = row[model];
      if (threads_col != SIZE_MAX) {
        const double t = positive_number(row[threads_col], at + ".threads");
        if (t != std::floor(t) || t > 256)
          throw InputError(at + ".threads = " + row[threads_col] + ": expected a whole number from 1 to 256");
        p.threads = static_cast<int64_t>(t);
        if (!points.empty() && points.front().threads != p.threads)
          throw InputError(at + ".threads = " + row[threads_col] +
                           ": every row of one device needs the same thread count (row 2 has " +
                           std::to_string(points.front().threads) + ")");
      }
    } else {
      for (const auto& e : zoo())
        if (p.model.empty() && (e.name == row[model] ||
                                e.published_as(row[model], source_col == SIZE_MAX ? std::string() : row[source_col])))
          p.model = e.name;
      if (p.model.empty()) continue;  // the published file covers many models the zoo does not build
      p.net = load_model(p.model);
      key = "zoo:" + p.model;
    }
    const int rank = kind != SIZE_MAX && row[kind] == "reported" ? 0 : 1;
    // A user's rows are one network each by what it computes: "b0" and a file `expand b0` wrote are one.
    if (user_file) key = architecture_key(p.net);
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == key; });
    if (it != seen.end()) {
      // A user's file is their own list: two figures for one network is a mistake, not a choice.
      if (user_file) throw InputError(at + "." + header[model] + " = \"" + row[model] + "\": duplicate network");
      if (rank >= it->second) continue;  // keep the reported figure over a digitised one
      points[static_cast<size_t>(it - seen.begin())].latency_ms = ms;
      points[static_cast<size_t>(it - seen.begin())].at = "row " + std::to_string(r + 1) + "." + header[value];
      it->second = rank;
      continue;
    }
    seen.emplace_back(key, rank);
    p.latency_ms = ms;
    p.at = "row " + std::to_string(r + 1) + "." + header[value];
    p.family = family_of(row);
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace cpx::predictor

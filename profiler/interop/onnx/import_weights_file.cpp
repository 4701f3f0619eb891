// Weights that come with a network from a file: the raw float32 file a network JSON names, or an ONNX
// file's initializers (import.cpp); see onnx.hpp.
#include <filesystem>
#include <fstream>

#include "profiler/executor/weight_sizes.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/field_error.hpp"
#include "space/zoo.hpp"

namespace cpx::profiler {

NetworkWeights read_weights_file(const Network& net, const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw InputError(path + ": cannot open the weights file");
  const auto bytes = static_cast<size_t>(in.tellg());
  in.seekg(0);
  NetworkWeights w(net.ops.size());
  size_t need = 0;
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const std::array<size_t, 2> sizes = op_weight_sizes(net, i);
    w[i].weight.resize(sizes[0]);
    w[i].bias.resize(sizes[1]);
    need += (sizes[0] + sizes[1]) * sizeof(float);
  }
  if (bytes != need)
    throw InputError(path + ": holds " + std::to_string(bytes) + " bytes but " + net.name + " needs " +
                     std::to_string(need) + " (float32 weight then bias of every op, in op order)");
  for (auto& o : w)
    for (auto* v : {&o.weight, &o.bias})
      in.read(reinterpret_cast<char*>(v->data()), static_cast<std::streamsize>(v->size() * sizeof(float)));
  if (!in) throw InputError(path + ": could not read all " + std::to_string(need) + " bytes");
  return w;
}

namespace {

// The "weights" field of a network JSON file, resolved against the file's folder; "" when absent.
std::string read_weights_field(const std::string& file) {
  if (is_onnx_file(file) || find_zoo(file)) return "";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return "";
  const Json j = read_json_file(file);
  if (!j.is_object() || !j.contains("weights")) return "";
  if (!j["weights"].is_string() || j["weights"].get<std::string>().empty())
    throw InputError(file + ": weights = " + j["weights"].dump() + ": expected the path of a raw float32 weights file");
  const std::filesystem::path p = j["weights"].get<std::string>();
  const std::filesystem::path resolved = p.is_absolute() ? p : std::filesystem::path(file).parent_path() / p;
  if (!std::filesystem::is_regular_file(resolved, ec))
    throw InputError(file + ": weights = " + j["weights"].dump() + ": no such weights file (" + resolved.string() +
                     ")");
  return resolved.string();
}

// An ONNX file's weights at another input size: only an attention bias (one value per pixel) depends on it.
void check_resolution_keeps(const ModelWithWeights& m, const std::string& file) {
  for (size_t i = 0; i < m.net.ops.size(); ++i)
    if (op_weight_sizes(m.net, i)[0] != (*m.weights)[i].weight.size())
      throw InputError(file + ": --resolution " + std::to_string(m.net.input.h) + ": op " + m.net.ops[i].name +
                       " has weights for the file's own input size only");
}

}  // namespace

ModelWithWeights load_model_with_weights(const std::string& name_or_file, int64_t resolution,
                                         std::vector<std::string>* skipped, BatchNormFolding* folding) {
  ModelWithWeights m;
  if (!is_onnx_file(name_or_file)) {
    m.net = load_model(name_or_file, resolution);
    const std::string weights = read_weights_field(name_or_file);
    if (!weights.empty()) {
      m.weights = read_weights_file(m.net, weights);
      m.weights_label = weights;
    }
    return m;
  }
  ImportedModel imported = import_onnx_model(name_or_file, skipped, folding);
  m.weights = std::move(imported.weights);
  m.weights_label = "the ONNX file's initializers";
  m.seeded_ops = std::move(imported.seeded_ops);
  m.net = std::move(imported.net);
  if (resolution < 0 || resolution > limits::max_spatial)
    throw FieldError(Field::resolution, std::to_string(resolution),
                     "out of range [1, " + std::to_string(limits::max_spatial) + "]");
  if (resolution > 0 && resolution != m.net.input.h) {
    m.net = with_input(m.net, {m.net.input.n, resolution, resolution, m.net.input.c}, name_or_file);
    check_resolution_keeps(m, name_or_file);
  }
  return m;
}

}  // namespace cpx::profiler

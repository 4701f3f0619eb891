// The model argument, --resolution and --skip-unknown of every command that reads a network: added and
// honoured here only, so that count, expand, measure, predict, export, import and advise take them alike.
#include "explorer/cli/commands.hpp"
#include "explorer/option_checks.hpp"
#include "profiler/interop/onnx.hpp"

namespace cpx::cli {

void add_model_options(CLI::App* cmd, ModelArgs& m, const ModelOptionSpec& spec) {
  auto* model = cmd->add_option(spec.name, m.model, spec.help);
  if (spec.required) model->required();
  if (spec.resolution) cmd->add_option("--resolution", m.resolution, "Input height and width (0: the network's own)");
  cmd->add_flag(std::string(explorer::flag_of(Field::skip_unknown)), m.skip_unknown,
                "An ONNX node of an op type the importer does not know passes its input on (listed, and every total "
                "excludes it) instead of an error");
}

LoadedNetwork load_network(const ModelArgs& m, bool weights) {
  LoadedNetwork n;
  std::vector<std::string>* skipped = m.skip_unknown ? &n.skipped : nullptr;
  if (!weights) {
    n.net = profiler::load_any_model(m.model, m.resolution, skipped, &n.folding);
    return n;
  }
  profiler::ModelWithWeights w = profiler::load_model_with_weights(m.model, m.resolution, skipped, &n.folding);
  n.net = std::move(w.net);
  n.weights = std::move(w.weights);
  n.weights_label = std::move(w.weights_label);
  n.seeded_ops = std::move(w.seeded_ops);
  return n;
}

std::string skipped_line(const LoadedNetwork& n) { return explorer::cli_message(profiler::skipped_note(n.skipped)); }

void print_skipped(const LoadedNetwork& n, std::FILE* out) {
  if (!n.skipped.empty()) std::fprintf(out, "warning: %s\n", skipped_line(n).c_str());
}

void add_skipped(Json& doc, const LoadedNetwork& n) {
  if (n.skipped.empty()) return;
  doc["skipped_onnx_nodes"] = n.skipped;
  if (!doc.contains("warnings")) doc["warnings"] = Json::array();
  doc["warnings"].push_back(skipped_line(n));
}

}  // namespace cpx::cli

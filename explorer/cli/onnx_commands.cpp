// export / import: ONNX out (with the executor's weights) and in (architecture only).
#include <charconv>
#include <filesystem>
#include <iostream>

#include "explorer/advise_apply.hpp"
#include "explorer/cli/commands.hpp"
#include "profiler/interop/onnx.hpp"
#include "profiler/interop/torch.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::cli {

namespace {

struct ExportArgs {
  ModelArgs model;
  std::string out;
  std::string torch;
  std::string weights = "0";
  bool dynamic_batch = true;
};

void run_export(const ExportArgs& a) {
  if (a.model.resolution < 0 || a.model.resolution > limits::max_spatial)
    throw InputError("--resolution = " + std::to_string(a.model.resolution) + ": out of range [0, " + std::to_string(limits::max_spatial) + "]");
  if (a.out.empty() && a.torch.empty()) throw InputError("export: give --onnx FILE, --torch FILE.py or both");
  if (!a.torch.empty() && (a.torch.size() < 4 || a.torch.substr(a.torch.size() - 3) != ".py"))
    throw InputError("--torch = \"" + a.torch + "\": must end in .py (it is a Python module)");
  const LoadedNetwork loaded = load_network(a.model);
  const Network& net = loaded.net;
  const explorer::WeightsSpec spec = explorer::read_weights_spec(a.weights);
  const profiler::NetworkWeights weights = explorer::weights_for(net, spec, a.weights);
  if (!a.out.empty()) {
    const std::string bytes = profiler::export_onnx(net, weights, a.dynamic_batch);
    profiler::check_onnx(bytes, a.out);
    write_file_atomic(a.out, bytes);
    std::cout << "wrote " << a.out << ": " << net.name << ", input "
              << (a.dynamic_batch ? std::string(profiler::onnx_batch_dim) : std::to_string(net.input.n)) << "x" << net.input.c << "x" << net.input.h
              << "x" << net.input.w << " (NCHW), " << net.ops.size() << " ops, opset " << profiler::onnx_opset
              << ", weights " << spec.label << ", passes the ONNX checker\n";
  }
  if (!a.torch.empty()) {
    const std::string weights_file = a.torch.substr(0, a.torch.size() - 3) + ".f32";
    const auto t = profiler::export_torch(net, weights, std::filesystem::path(weights_file).filename().string());
    write_file_atomic(weights_file, t.weights);
    write_file_atomic(a.torch, t.source);
    std::cout << "wrote " << a.torch << " and " << weights_file << ": " << net.name << " as a PyTorch nn.Module (Net; load() "
              << "gives weights " << spec.label << "), input NCHW, " << thousands(t.params) << " params\n";
  }
  print_skipped(loaded);  // the files written leave them out
}

struct ImportArgs {
  ModelArgs in;
  std::string out;
};

void run_import(const ImportArgs& a) {
  // As import_onnx says it: load_network would read a zoo name or a JSON file too.
  if (!profiler::is_onnx_file(a.in.model))
    throw InputError(a.in.model + (std::filesystem::exists(a.in.model) ? ": not an ONNX file" : ": cannot open"));
  const LoadedNetwork loaded = load_network(a.in);
  const Network& net = loaded.net;
  write_file_atomic(a.out, to_json(net).dump(2) + "\n");
  const NetworkCount c = count(net);
  std::cout << "wrote " << a.out << ": " << net.ops.size() << " ops, input " << net.input.str() << " (NHWC), macs "
            << thousands(c.total.macs) << ", params (inference) " << thousands(c.total.params_inference) << "\n";
  if (const std::string batch = profiler::onnx_symbolic_batch(a.in.model); !batch.empty())
    std::cout << "symbolic batch \"" << batch << "\" read as 1 (networks of the space are batch 1)\n";
  print_skipped(loaded);
}

}  // namespace

void add_onnx_commands(CLI::App& app) {
  {
    auto a = std::make_shared<ExportArgs>();
    auto* cmd = app.add_subcommand("export", "Write a network as an ONNX model (opset 17, NCHW) and/or a PyTorch module, with the executor's weights");
    add_model_options(cmd, a->model, {.help = "Zoo name, a macro or expanded network JSON file, or an ONNX file (exported again with these weights)"});
    cmd->add_option("--onnx", a->out, "Output .onnx file (written atomically)");
    cmd->add_option("--torch", a->torch,
                    "Output PyTorch module FILE.py (nn.Module Net, torch and numpy only) and its weights FILE.f32 next to it");
    cmd->add_option("--weights", a->weights,
                    "A seed (the weights `measure --seed` uses) or a raw float32 file: every op's weight then bias, in op order")
        ->capture_default_str();
    cmd->add_flag("--dynamic-batch,!--fixed-batch", a->dynamic_batch,
                  "ONNX: a symbolic batch axis (\"batch\") on input and output, so that one model runs any batch size "
                  "(the default); --fixed-batch writes the network's batch (1)");
    cmd->callback([a] { run_export(*a); });
  }
  {
    auto a = std::make_shared<ImportArgs>();
    auto* cmd = app.add_subcommand("import", "Turn an ONNX inference graph into a network of the space (architecture only)");
    add_model_options(cmd, a->in, {.name = "onnx", .help = "Input .onnx file", .resolution = false});
    cmd->add_option("--out", a->out, "Output network JSON (expanded form, written atomically)")->required();
    cmd->callback([a] { run_import(*a); });
  }
}

}  // namespace cpx::cli

// export / import: ONNX out (with the executor's weights) and in (architecture only).
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "explorer/check.hpp"
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
  std::string weights;  // "": the model file's own weights, else seed 0
  bool dynamic_batch = true;
};

void run_export(const ExportArgs& a) {
  if (a.model.resolution < 0 || a.model.resolution > limits::max_spatial)
    throw InputError("--resolution = " + std::to_string(a.model.resolution) + ": out of range [0, " +
                     std::to_string(limits::max_spatial) + "]");
  if (a.out.empty() && a.torch.empty()) throw InputError("export: give --onnx FILE, --torch FILE.py or both");
  if (!a.torch.empty() && (a.torch.size() < 4 || a.torch.substr(a.torch.size() - 3) != ".py"))
    throw InputError("--torch = \"" + a.torch + "\": must end in .py (it is a Python module)");
  LoadedNetwork loaded = load_network(a.model, true);
  const Network& net = loaded.net;
  const bool own = a.weights.empty() && loaded.weights;
  const explorer::WeightsSpec spec = own ? explorer::WeightsSpec{std::nullopt, loaded.weights_label}
                                         : explorer::read_weights_spec(a.weights.empty() ? "0" : a.weights);
  const profiler::NetworkWeights weights =
      own ? std::move(*loaded.weights) : explorer::weights_for(net, spec, spec.label);
  if (!a.out.empty()) {
    const std::string bytes = profiler::export_onnx(net, weights, a.dynamic_batch);
    profiler::check_onnx(bytes, a.out);
    write_file_atomic(a.out, bytes);
    std::cout << "wrote " << a.out << ": " << net.name << ", input "
              << (a.dynamic_batch ? std::string(profiler::onnx_batch_dim) : std::to_string(net.input.n)) << "x"
              << net.input.c << "x" << net.input.h << "x" << net.input.w << " (NCHW), " << net.ops.size()
              << " ops, opset " << profiler::onnx_opset << ", weights " << spec.label << ", passes the ONNX checker\n";
  }
  if (!a.torch.empty()) {
    const std::string weights_file = a.torch.substr(0, a.torch.size() - 3) + ".f32";
    const auto t = profiler::export_torch(net, weights, std::filesystem::path(weights_file).filename().string());
    write_file_atomic(weights_file, t.weights);
    write_file_atomic(a.torch, t.source);
    std::cout << "wrote " << a.torch << " and " << weights_file << ": " << net.name
              << " as a PyTorch nn.Module (Net; load() "
              << "gives weights " << spec.label << "), input NCHW, " << thousands(t.params) << " params\n";
  }
  print_skipped(loaded);  // the files written leave them out
}

struct ImportArgs {
  ModelArgs in;
  std::string out;
};

// The network JSON and, next to it, its weights file (OUT without .json, plus .f32), which the JSON names.
void run_import(const ImportArgs& a) {
  // As import_onnx says it: load_network would read a zoo name or a JSON file too.
  if (!profiler::is_onnx_file(a.in.model))
    throw InputError(a.in.model + (std::filesystem::exists(a.in.model) ? ": not an ONNX file" : ": cannot open"));
  LoadedNetwork loaded = load_network(a.in, true);
  const Network& net = loaded.net;
  const std::filesystem::path out(a.out);
  const std::filesystem::path weights = out.parent_path() / (out.stem().string() + ".f32");
  Json j = to_json(net);
  j["weights"] = weights.filename().string();
  write_file_atomic(weights.string(), profiler::weights_bytes(*loaded.weights));
  write_file_atomic(a.out, j.dump(2) + "\n");
  const NetworkCount c = count(net);
  std::cout << "wrote " << a.out << " and " << weights.string() << " (its weights, which it names): " << net.ops.size()
            << " ops, input " << net.input.str() << " (NHWC), macs " << thousands(c.total.macs)
            << ", params (inference) " << thousands(c.total.params_inference) << "\n";
  if (!loaded.seeded_ops.empty())
    std::cout << "warning: " << loaded.seeded_ops.size()
              << " op(s) have seeded weights (no initializer import reads gives them): " << loaded.seeded_ops.front()
              << (loaded.seeded_ops.size() > 1 ? ", ..." : "") << "\n";
  if (const std::string batch = profiler::onnx_symbolic_batch(a.in.model); !batch.empty())
    std::cout << "symbolic batch \"" << batch << "\" read as 1 (networks of the space are batch 1)\n";
  print_skipped(loaded);
}

struct CheckArgs {
  std::string model;
  explorer::CheckOptions options;
  bool json = false;
};

void print_error(const char* what, const explorer::TensorError& e) {
  std::printf("%-8s %-28s %-28s %12.3g %12.3g %12.3g\n", what, e.op.c_str(), e.onnx_tensor.c_str(), e.relative,
              e.max_abs_error, e.scale);
}

// Exit 1 when the output disagrees beyond the tolerance (after printing), 2 on bad input (InputError).
void run_check(const CheckArgs& a) {
  const explorer::CheckResult r = explorer::check_model(a.model, a.options);
  if (a.json) {
    std::cout << explorer::to_json(r).dump(2) << "\n";
  } else {
    std::printf("check %s: ours (file's weights) against ONNX Runtime, input %s NHWC of seed %llu, tolerance %.3g\n",
                r.model.c_str(), r.input.str().c_str(), static_cast<unsigned long long>(a.options.seed), r.tolerance);
    std::printf("%-8s %-28s %-28s %12s %12s %12s\n", "", "op", "onnx tensor", "rel_error", "max_abs", "scale");
    for (const auto& e : r.outputs) print_error("output", e);
    if (r.first_disagreeing) print_error("first", *r.first_disagreeing);
    if (r.compared_tensors > 0)
      std::printf("compared %lld intermediate tensors%s\n", static_cast<long long>(r.compared_tensors),
                  r.first_disagreeing ? "; \"first\" is the first op in our order above the tolerance"
                                      : "; none above the tolerance");
    if (!r.seeded_ops.empty())
      std::printf("warning: %zu op(s) have seeded weights (no initializer gave them)\n", r.seeded_ops.size());
    std::printf("%s\n", r.agrees() ? "agrees" : "DISAGREES");
  }
  std::fflush(stdout);
  if (!r.agrees()) std::exit(1);
}

}  // namespace

void add_onnx_commands(CLI::App& app) {
  {
    auto a = std::make_shared<CheckArgs>();
    auto* cmd = app.add_subcommand(
        "check",
        "Run an ONNX file with its own weights on our executor and on ONNX Runtime, on one seeded input, "
        "and compare (exit 1: they disagree beyond the tolerance)");
    cmd->add_option("model", a->model, "The ONNX file")->required();
    cmd->add_option("--seed", a->options.seed, "Seed of the input (uniform in [-1, 1))")->capture_default_str();
    cmd->add_option("--tolerance", a->options.tolerance,
                    "Largest relative error (max |ours - ort| / max |ort|) that agrees")
        ->capture_default_str();
    cmd->add_option("--threads", a->options.threads, "Threads of both runtimes")->capture_default_str();
    cmd->add_option("--ort", a->options.ort_runner,
                    "ONNX Runtime's Node runner (default $CPX_ORT_RUN, else the source tree's benchmarks/ort/run.mjs)");
    cmd->add_flag("--per-op", a->options.per_op,
                  "Compare the intermediate tensors whose names map even when the output agrees");
    cmd->add_flag("--json", a->json, "Print JSON");
    cmd->callback([a] { run_check(*a); });
  }
  {
    auto a = std::make_shared<ExportArgs>();
    auto* cmd = app.add_subcommand(
        "export",
        "Write a network as an ONNX model (opset 17, NCHW) and/or a PyTorch module, with the executor's weights");
    add_model_options(
        cmd, a->model,
        {.help =
             "Zoo name, a macro or expanded network JSON file, or an ONNX file (exported again with these weights)"});
    cmd->add_option("--onnx", a->out, "Output .onnx file (written atomically)");
    cmd->add_option(
        "--torch", a->torch,
        "Output PyTorch module FILE.py (nn.Module Net, torch and numpy only) and its weights FILE.f32 next to it");
    cmd->add_option(
        "--weights", a->weights,
        "A seed (the weights `measure --seed` uses) or a raw float32 file: every op's weight then bias, in op order "
        "(default: the model file's own weights, else seed 0)");
    cmd->add_flag("--dynamic-batch,!--fixed-batch", a->dynamic_batch,
                  "ONNX: a symbolic batch axis (\"batch\") on input and output, so that one model runs any batch size "
                  "(the default); --fixed-batch writes the network's batch (1)");
    cmd->callback([a] { run_export(*a); });
  }
  {
    auto a = std::make_shared<ImportArgs>();
    auto* cmd = app.add_subcommand("import",
                                   "Turn an ONNX inference graph into a network of the space, and its initializers "
                                   "into the weights file the network JSON names");
    add_model_options(cmd, a->in, {.name = "onnx", .help = "Input .onnx file", .resolution = false});
    cmd->add_option("--out", a->out, "Output network JSON (expanded form, written atomically)")->required();
    cmd->callback([a] { run_import(*a); });
  }
}

}  // namespace cpx::cli

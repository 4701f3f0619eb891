// zoo, count, expand: the architecture space from the command line.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "explorer/cli/commands.hpp"
#include "predictor/validate/ood_networks.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

namespace cpx::cli {

namespace {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

void run_zoo(bool as_json, const std::string& family) {
  std::vector<const ZooEntry*> entries;
  for (const auto& e : zoo()) {
    std::string a = e.family, b = family;
    for (auto& ch : a) ch = static_cast<char>(std::tolower(ch));
    for (auto& ch : b) ch = static_cast<char>(std::tolower(ch));
    if (family.empty() || a == b) entries.push_back(&e);
  }
  if (entries.empty()) throw InputError("--family = \"" + family + "\": no zoo model has this family");
  if (as_json) {
    Json out = Json::array();
    for (const ZooEntry* e : entries) out.push_back(zoo_entry_to_json(*e));
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%-22s %-18s %5s %12s %15s %6s  %s\n", "name", "family", "res", "params", "macs", "top1", "description");
  for (const ZooEntry* e : entries) {
    const NetworkCount c = count(e->build(0));
    const auto top1 = e->top1();
    std::printf("%-22s %-18s %5lld %12s %15s %6s  %s\n", e->name.c_str(), e->family.c_str(),
                static_cast<long long>(e->resolution), thousands(c.total.params).c_str(),
                thousands(c.total.macs).c_str(), top1 ? fixed(*top1, 2).c_str() : "-", e->description.c_str());
  }
  std::printf(
      "params: PyTorch-style (BatchNorm separate); macs at the listed resolution; top1: published ImageNet-1k.\n");
  std::printf(
      "names: nano..b3 are CPUBone's (also cpubone-b0, ...; b0 is CPUBone-B0, EfficientNet-B0 is efficientnet-b0); "
      "timm's names work where the architecture is the same (mobilenetv2_100, resnet50.a1_in1k, fastvit_t8, ...).\n");
}

// The params lines: PyTorch-style, or, where the exporter folded BatchNorms, what the file holds and the
// inferred PyTorch-style count, each labelled as what it is.
void print_params(const NetworkCount& c, const BatchNormFolding& folding) {
  if (folding.convs.empty()) {
    std::printf("params           %15s  (PyTorch-style, BatchNorm separate)\n", thousands(c.total.params).c_str());
  } else {
    std::printf(
        "params           %15s  (as the file holds them: the exporter folded a BatchNorm into each of %zu conv(s))\n",
        thousands(c.total.params).c_str(), folding.convs.size());
    std::printf(
        "params_batch_norm_separate %s  (PyTorch-style, BatchNorm separate, inferred: +%s, one per folded channel)\n",
        thousands(c.total.params + folding.channels).c_str(), thousands(folding.channels).c_str());
    std::printf("inferred: %s\n", std::string(batch_norm_folding_inference).c_str());
  }
  std::printf("params_inference %15s  (BatchNorm folded)\n", thousands(c.total.params_inference).c_str());
}

void run_count(const ModelArgs& m, bool layers, bool as_json) {
  const LoadedNetwork loaded = load_network(m);
  const Network& net = loaded.net;
  const BatchNormFolding& folding = loaded.folding;
  const NetworkCount c = count(net);
  if (as_json) {
    Json j = count_to_json(net, c, layers, &folding);
    add_skipped(j, loaded);
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::printf("%s (%s), input %s (NHWC)\n", net.name.c_str(), net.family.empty() ? "-" : net.family.c_str(),
              net.input.str().c_str());
  if (layers) {
    std::printf("%-28s %-16s %-10s %-16s %-16s %-5s %-6s %-6s %-8s %12s %15s %12s\n", "name", "op", "conv_class", "in",
                "out", "k", "stride", "groups", "padding", "params", "macs", "bytes");
    for (size_t i = 0; i < net.ops.size(); ++i) {
      const Op& op = net.ops[i];
      const auto w = window_of(op.attrs);
      const ShapeNhwc& in = net.shape_of(op.inputs[0]);
      const std::string cls = op.as<Conv2d>() ? std::string(to_string(conv_class(*op.as<Conv2d>(), in.c))) : "";
      auto pair = [](const std::array<int64_t, 2>& p) {
        return p[0] == p[1] ? std::to_string(p[0]) : std::to_string(p[0]) + "x" + std::to_string(p[1]);
      };
      // A dilated kernel: its size, then "d" and the dilation (3d2: a 3x3 kernel with taps 2 pixels apart).
      auto kernel = [&](const Window& x) {
        return x.dilation == std::array<int64_t, 2>{1, 1} ? pair(x.kernel) : pair(x.kernel) + "d" + pair(x.dilation);
      };
      std::printf("%-28s %-16s %-10s %-16s %-16s %-5s %-6s %-6s %-8s %12s %15s %12s\n", op.name.c_str(),
                  std::string(op.kind()).c_str(), cls.c_str(), in.str().c_str(), net.shapes[i].str().c_str(),
                  w ? kernel(*w).c_str() : "", w ? pair(w->stride).c_str() : "",
                  w ? std::to_string(w->groups).c_str() : "", w ? w->padding.str().c_str() : "",
                  thousands(c.layers[i].cost.params).c_str(), thousands(c.layers[i].cost.macs).c_str(),
                  thousands(c.layers[i].bytes).c_str());
    }
  }
  print_params(c, folding);
  std::printf("macs             %15s\n", thousands(c.total.macs).c_str());
  std::printf("bytes            %15s\n", thousands(c.bytes).c_str());
  // The JSON's definitions, which say which count is PyTorch-style when the exporter folded BatchNorms.
  std::printf("definitions: %s\n", count_definitions_of(&folding).c_str());
  print_skipped(loaded);
}

// --ood SEED: the out-of-distribution network `validate` draws for that seed (predictor/validate/ood_networks.hpp);
// its blocks go to stderr, so that stdout stays the network's JSON.
// The network document goes to stdout (or --out), so what --skip-unknown passed over is said on stderr.
void run_expand(const ModelArgs& m, const std::string& out, const std::optional<uint64_t>& ood) {
  if (m.model.empty() == !ood) throw InputError("expand: give either a model or --ood SEED");
  Network net;
  if (ood) {
    predictor::OodNetwork n = predictor::ood_network(*ood);
    std::cerr << n.network.name << ": " << n.blocks << "\n";
    net = load_model_json(to_json(n.network), n.network.name, m.resolution);
  } else {
    const LoadedNetwork loaded = load_network(m);
    print_skipped(loaded, stderr);
    net = loaded.net;
  }
  const std::string text = to_json(net).dump(2) + "\n";
  if (out.empty()) std::cout << text;
  else write_file_atomic(out, text);
}

}  // namespace

void add_space_commands(CLI::App& app) {
  {
    auto* cmd = app.add_subcommand("zoo", "List the model zoo: name, family, params, MACs, published top-1");
    auto as_json = std::make_shared<bool>(false);
    auto family = std::make_shared<std::string>();
    cmd->add_flag("--json", *as_json, "Print JSON with every published figure");
    cmd->add_option("--family", *family, "Only this family (case-insensitive), e.g. CPUBone");
    cmd->callback([=] { run_zoo(*as_json, *family); });
  }
  {
    auto* cmd = app.add_subcommand("count", "Exact params, MACs and bytes of a zoo model or a network JSON file");
    auto model = std::make_shared<ModelArgs>();
    auto layers = std::make_shared<bool>(false);
    auto as_json = std::make_shared<bool>(false);
    add_model_options(cmd, *model, {.help = "Zoo name (see `zoo`), a macro/network JSON file or an ONNX file"});
    cmd->add_flag("--layers", *layers, "One row per operator");
    cmd->add_flag("--json", *as_json,
                  "Print JSON (keys model, resolution, params, params_inference, macs, layers; an ONNX export "
                  "whose exporter folded its BatchNorms also params_batch_norm_separate and batch_norm_folding)");
    cmd->callback([=] { run_count(*model, *layers, *as_json); });
  }
  {
    auto* cmd =
        app.add_subcommand("expand", "Print the expanded operator-list JSON of a zoo model, macro file or ONNX file");
    auto model = std::make_shared<ModelArgs>();
    auto out = std::make_shared<std::string>();
    auto ood_seed = std::make_shared<uint64_t>(0);
    add_model_options(
        cmd, *model,
        {.help = "Zoo name, a macro/network JSON file or an ONNX file (or give --ood SEED)", .required = false});
    cmd->add_option("--out", *out, "Write to this file (atomically) instead of stdout");
    auto* ood = cmd->add_option(
        "--ood", *ood_seed,
        "Instead of a model: the out-of-distribution network `validate` draws for this seed (named ood-SEED, "
        "family ood); its blocks are printed to stderr");
    cmd->callback([=] { run_expand(*model, *out, ood->count() ? std::optional<uint64_t>(*ood_seed) : std::nullopt); });
  }
}

}  // namespace cpx::cli

// Each group of subcommands registers itself on the app; its callbacks throw InputError for bad input.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "predictor/fit.hpp"
#include "profiler/executor/weights.hpp"
#include "profiler/profile/interference.hpp"
#include "space/count.hpp"
#include "space/network.hpp"

namespace cpx::cli {

void add_space_commands(CLI::App& app);      // zoo, count, expand
void add_profiler_commands(CLI::App& app);   // measure, profile, rules
void add_predictor_commands(CLI::App& app);  // fit, predict, validate, calibrate
void add_explore_commands(CLI::App& app);    // the main job (no subcommand), space
void add_report_commands(CLI::App& app);     // report
void add_onnx_commands(CLI::App& app);       // export, import
void add_accuracy_commands(CLI::App& app);   // accuracy
void add_advise_commands(CLI::App& app);     // advise

// What every command that reads a network takes (count, expand, measure, predict, export, import, advise):
// the model argument, --resolution and --skip-unknown, added here (add_model_options) and honoured here
// (load_network), so that each command takes and says them alike.
struct ModelArgs {
  std::string model;
  int64_t resolution = 0;
  bool skip_unknown = false;
};
struct ModelOptionSpec {
  std::string name = "model";  // the positional's name
  std::string help = "Zoo name, a macro/network JSON file or an ONNX file";
  bool required = true;
  bool resolution = true;  // also --resolution
};
void add_model_options(CLI::App* cmd, ModelArgs& m, const ModelOptionSpec& spec = {});
// The network, and the ONNX nodes --skip-unknown passed through ("name (OpType)"; every total excludes them).
struct LoadedNetwork {
  Network net;
  std::vector<std::string> skipped;
  BatchNormFolding folding;  // what the exporter folded (space/count.hpp), for count's two params counts
  // With `weights`: the weights the file comes with (profiler::ModelWithWeights), for what runs the network.
  std::optional<profiler::NetworkWeights> weights;
  std::string weights_label;
  std::vector<std::string> seeded_ops;
};
LoadedNetwork load_network(const ModelArgs& m, bool weights = false);
// The one line that says which nodes were skipped and that totals exclude them ("" when none was), in the
// command line's spelling; print_skipped writes it to `out`, add_skipped puts the nodes and the line into a
// JSON document (skipped_onnx_nodes, warnings).
std::string skipped_line(const LoadedNetwork& n);
void print_skipped(const LoadedNetwork& n, std::FILE* out = stdout);
void add_skipped(Json& doc, const LoadedNetwork& n);

// Fits the device's predictor from its profile, profiling this machine first when device is host.
// allow_emulated: profile the host first even under an emulator (so does CPX_ALLOW_EMULATED=1, for the main job).
void run_fit(const std::string& device, const std::string& profile_file, bool quick,
             const predictor::FitOptions& options, bool allow_emulated = false);

// What every measuring command (profile, measure, validate, the main job on host) shares: the
// --quiet-machine-check and --go-on-busy options, the exit codes in its --help, and its last line.
struct QuietMachine {
  bool check = false, go_on_busy = false;
  // Refuses a thread count above the CPUs this process may use (explorer::check_threads_option), then, with
  // --quiet-machine-check, samples the load of the CPUs it will pin to.
  void run(const std::string& command, int64_t threads) const;
};
void add_measuring_options(CLI::App* cmd, QuietMachine& quiet);
// Prints the interference line last (stderr) and exits with profiler::exit_interfered when it is above
// the threshold, after everything was written.
void finish_measuring(const profiler::Interference& noise, const std::string& command);
// When `spread` (the speed reference's, profiler/measure/machine_speed.hpp) exceeds max_speed_spread: a warning that
// the machine changed speed under the measurements, and exit_interfered.
void finish_speed(const std::string& command, double spread);

}  // namespace cpx::cli

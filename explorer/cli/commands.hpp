// Each group of subcommands registers itself on the app; its callbacks throw InputError for bad input.
#pragma once

#include <CLI/CLI.hpp>

namespace cpx::cli {

void add_space_commands(CLI::App& app);     // zoo, count, expand
void add_profiler_commands(CLI::App& app);  // measure, profile, rules
void add_predictor_commands(CLI::App& app); // fit, predict, validate, calibrate
void add_explore_commands(CLI::App& app);   // the main job (no subcommand), space
void add_report_commands(CLI::App& app);    // report
void add_onnx_commands(CLI::App& app);      // export, import
void add_accuracy_commands(CLI::App& app);  // accuracy

// Fits the device's predictor from its profile, profiling this machine first when device is host.
void run_fit(const std::string& device, const std::string& profile_file, bool quick, bool residual_trees = true);

}  // namespace cpx::cli

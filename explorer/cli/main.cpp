#include <iostream>
#include <string>

#include "explorer/cli/commands.hpp"
#include "explorer/option_checks.hpp"
#include "space/error.hpp"
#include "space/field_error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"cpubone-explore: how fast will this architecture really run on that CPU?"};
  app.name("cpubone-explore");
  app.require_subcommand(0, 1);
#if defined(__aarch64__)
  const char* isa = "arm64";
#elif defined(__x86_64__)
  const char* isa = "x86-64";
#else
  const char* isa = "another ISA";
#endif
  app.set_version_flag("--version", std::string("cpubone-explore ") + CPX_VERSION + " (" + isa + ")");
  cpx::cli::add_space_commands(app);
  cpx::cli::add_profiler_commands(app);
  cpx::cli::add_predictor_commands(app);
  cpx::cli::add_explore_commands(app);
  cpx::cli::add_report_commands(app);
  cpx::cli::add_onnx_commands(app);
  cpx::cli::add_accuracy_commands(app);
  cpx::cli::add_advise_commands(app);
  std::string names;
  bool known = false;
  for (const auto* sub : app.get_subcommands({})) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
    known = known || (argc > 1 && sub->get_name() == argv[1]);
  }
  if (argc > 1 && argv[1][0] != '-' && !known) {
    std::cerr << "cpubone-explore: unknown command \"" << argv[1] << "\" (commands: " << names << ")\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) { return app.exit(e); } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) { return app.exit(e); } catch (const CLI::ParseError& e) {
    std::cerr << "cpubone-explore: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const cpx::FieldError& e) {
    std::cerr << "cpubone-explore: " << cpx::explorer::cli_message(e) << "\n";
    return 2;
  } catch (const cpx::AdvisedError& e) {
    std::cerr << "cpubone-explore: " << cpx::explorer::cli_message(e) << "\n";
    return 2;
  } catch (const cpx::InputError& e) {
    std::cerr << "cpubone-explore: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // A bug, not bad input: still one line and no core dump; exit 70 (EX_SOFTWARE) tells them apart.
    std::cerr << "cpubone-explore: internal error (please report): " << e.what() << "\n";
    return 70;
  }
  return 0;
}

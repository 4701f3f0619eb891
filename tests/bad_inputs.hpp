// The bad-input table: hostile inputs, one row each, that the CLI must refuse with exit 2 and one line
// naming the file, the field path and the value (tests/test_bad_inputs.cpp runs them). Adding a format is
// adding rows (tests/test_bad_inputs_table.cpp).
#pragma once

#include <string>
#include <vector>

struct BadInput {
  std::string name;            // unique
  std::string args;            // CLI arguments; {in} and {out} become paths in the row's own directory
  std::string content;         // written to the input file before the run
  std::string expect;          // must appear in the one-line message: the field path (and value)
  std::string in = "in.json";  // the input file, relative to the row's directory (also $CPX_HOME)
  bool one_cpu = false;        // run under `taskset` on one CPU (the first this test may use)
};

std::vector<BadInput> bad_inputs();
// The table's documents unedited, each as the command it is given to: every one must be accepted.
std::vector<BadInput> good_inputs();

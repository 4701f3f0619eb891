// Networks: a named input, a list of ops in execution order, and the tensor that is the output.
// JSON form "cpubone-explore/network/v1" (the expanded form; see macro.hpp for the compact one).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "space/op.hpp"

namespace cpx {

inline constexpr std::string_view network_schema = "cpubone-explore/network/v1";
inline constexpr FileVersion network_version{network_schema, "`cpubone-explore expand <model>`"};
inline constexpr std::string_view input_tensor = "input";

// Invariant: built only by NetworkBuilder (or read_network, which uses it), so every op's inputs
// exist before it and every shape is inferred and valid.
struct Network {
  std::string name;
  std::string family;
  ShapeNhwc input;
  std::vector<Op> ops;
  std::vector<ShapeNhwc> shapes;                         // output shape of ops[i]
  std::string output;                                    // name of the op whose output is the network's output
  std::map<std::string, size_t, std::less<>> positions;  // op name -> index in ops (derived, for lookups)

  // Shape of a tensor by name ("input" or an op name).
  const ShapeNhwc& shape_of(const std::string& tensor) const;
  size_t index_of(const std::string& op_name) const;  // ops.size() if absent
};

class NetworkBuilder {
 public:
  NetworkBuilder(std::string name, std::string family, ShapeNhwc input, Where where);

  // Adds an op reading `inputs`, infers its output shape, and returns its name (= its output tensor).
  // Errors are reported at the current location (see locate()).
  std::string add(std::string name, std::vector<std::string> inputs, OpAttrs attrs);
  const ShapeNhwc& shape(const std::string& tensor) const;
  // Where errors of the following ops are reported (a macro field, or ops[i] of a file).
  void locate(Where where) { where_ = std::move(where); }
  const Where& where() const { return where_; }
  Network finish(const std::string& output) &&;

 private:
  Network net_;
  std::map<std::string, size_t, std::less<>> index_;  // tensor name -> ops index (input = SIZE_MAX)
  Where where_;
  int64_t bytes_ = 0;  // against limits::max_network_bytes
};

// Loads the expanded JSON form. `file` names the source in error messages.
Network read_network(const Json& j, const std::string& file);
Json to_json(const Network& net);
// What makes two networks the same computation whatever they and their ops are called: the input shape,
// each op's kind and attributes, and which earlier op (by position) each input is. Equal for `b0` and
// `expand b0 --out b0.json`; a renamed op or network does not change it, any other change does.
std::string architecture_key(const Network& net);

// The same network at another input size (every op is size-agnostic; shapes are re-inferred).
Network with_input(const Network& net, ShapeNhwc input, const std::string& file);

// Parses a JSON file; malformed JSON is an InputError naming the file and position.
Json read_json_file(const std::string& path);
// The same for text already in memory; `file` names it in errors.
Json parse_json(std::string_view text, const std::string& file);

}  // namespace cpx

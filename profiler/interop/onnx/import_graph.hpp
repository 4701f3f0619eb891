// The importer's protobuf access layer: one ONNX graph's nodes, constants, attributes and readers, and
// which nodes are already imported. Everything a hostile file controls (input counts, tensor sizes) is
// bounds-checked here, so the pattern and translation code above it can index freely.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "space/shape.hpp"

namespace cpx::profiler::onnx_import {

using Dims = std::vector<int64_t>;

// An initializer, Constant node or folded node (import_fold.hpp): dims, and values for FLOAT, DOUBLE,
// INT64, INT32 and BOOL tensors (empty for other types, whose shapes are all the importer needs).
// `integer`: of an integer or boolean type, where Div truncates and Cast is exact.
// A FLOAT initializer of more than `lazy_above` elements (a weight, never shape arithmetic) keeps no values
// here: `stored` points at its tensor in the ModelProto, and floats() reads it straight into the one copy
// the network's weights keep, so that import holds at most two copies of a model's weights.
struct Constant {
  Dims dims;
  std::vector<double> values;
  bool integer = false;
  const onnx::TensorProto* stored = nullptr;  // set when values are left in the ModelProto
  // The ONNX data type when the import does not decode it (its values are then absent). Optional, not 0 for
  // "read": 0 is UNDEFINED, a type a fuzzed file can name (found by fuzz_onnx: a weight of it read as empty).
  std::optional<int> unread_type;

  static constexpr int64_t lazy_above = 4096;
  // The element count its dims say (values.size() is 0 for a stored one).
  size_t count() const;
};

// `lazy`: a large FLOAT tensor keeps its values in `t` (Constant::stored); its size is checked either way.
Constant read_tensor(const onnx::TensorProto& t, const std::string& file, bool lazy = false);
// A FLOAT or DOUBLE constant's values as float32, as the file stores them.
std::vector<float> floats(const Constant& c);
// The same values read in place, one at a time (a large weight's layout change then makes no third copy).
class FloatView {
 public:
  explicit FloatView(const Constant& c);
  float operator[](size_t k) const;
  size_t size() const { return size_; }

 private:
  const char* raw_ = nullptr;       // little-endian float32 (raw_data)
  const float* typed_ = nullptr;    // float_data
  const double* values_ = nullptr;  // decoded values
  size_t size_ = 0;
};

// A constant's value as an integer: none for NaN or a fraction; values past +-2^53 are clamped there, since
// PyTorch writes INT64_MAX for "to the end" and a cast of it back from double would overflow (found by
// fuzz_onnx), while sums of clamped values cannot.
std::optional<int64_t> as_integer(double v);

class Graph {
 public:
  Graph(const onnx::GraphProto& g, std::string file);

  const onnx::GraphProto& proto() const { return g_; }
  const std::string& file() const { return file_; }
  int size() const { return g_.node_size(); }
  const onnx::NodeProto& at(int i) const { return g_.node(i); }
  // Node i's k-th input or output name, or "" past the end (protobuf's accessors do not check; found
  // by fuzz_onnx).
  const std::string& input(int i, int k) const;
  const std::string& output(int i, int k = 0) const;
  bool has_input(int i, int k) const { return !input(i, k).empty(); }
  [[noreturn]] void fail(int i, const std::string& reason) const;

  void add_constant(const std::string& name, Constant c) { constants_[name] = std::move(c); }
  const Constant* constant(const std::string& name) const;
  const Constant& need_constant(int i, int input) const;  // input k of node i, or fails
  std::optional<double> scalar(const std::string& name) const;
  // A constant's value used as a size, pad, axis or index of node i (as_integer), or fails naming it.
  int64_t integer(int i, double v) const;
  bool is_scalar(const std::string& name, double v) const;

  const onnx::AttributeProto* attribute(int i, const std::string& name) const;
  // Integer attributes past +-2^31 fail: no vision graph needs them, and products of two stay in int64.
  int64_t int_attr(int i, const std::string& name, int64_t fallback) const;
  double float_attr(int i, const std::string& name, double fallback) const;
  std::string string_attr(int i, const std::string& name, const std::string& fallback) const;
  Dims ints_attr(int i, const std::string& name, Dims fallback) const;
  // Float attributes and scalars were stored as float32: 7 significant digits give back the decimal
  // the exporter meant (1e-05, not 9.99999974737875e-06).
  static double decimal(double v);

  std::vector<int> consumers(const std::string& tensor) const;
  bool is_graph_output(const std::string& tensor) const;
  // The one node reading `tensor` if exactly one does, it is of `type`, not yet imported, and the tensor
  // is not a graph output.
  bool sole_is(const std::string& tensor, const std::string& type, int& which) const;
  // The one node reading `tensor` if exactly one does, it is not yet imported, and the tensor is not a
  // graph output (sole_is without the type).
  std::optional<int> sole_reader(const std::string& tensor) const;
  // A Pad node's fill: its value input (0 when absent) in constant mode; none in another mode, or when
  // the value is not a known scalar.
  std::optional<double> pad_fill(int i) const;
  // Node i has exactly the two inputs a and b, in either order.
  bool has_inputs(int i, const std::string& a, const std::string& b) const;
  // Node i has two inputs: x and a scalar constant equal to v, in either order.
  bool other_is_scalar(int i, const std::string& x, double v) const;

  void mark_done(int i) { done_.insert(i); }
  bool done(int i) const { return done_.count(i) > 0; }

 private:
  const onnx::GraphProto& g_;
  std::string file_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, std::vector<int>> consumers_;
  std::set<int> done_;
};

// Attributes of a conv or pool node, read and checked: its pads (explicit, or auto_pad VALID) as a
// Padding, its groups, and an attribute that must be all ones (dilations, where unsupported).
Padding read_pads(const Graph& g, int i);
int64_t read_groups(const Graph& g, int i);
void require_unit(const Graph& g, int i, const std::string& name);

// The target shape of Reshape node i for an input of `elements` and dims `in`: its 0s copied from `in`
// (ONNX's default, allowzero 0) and its one -1 filled in; fails naming the node when it cannot hold the tensor.
Dims resolve(const Graph& g, int i, int64_t elements, const Dims& in);

}  // namespace cpx::profiler::onnx_import

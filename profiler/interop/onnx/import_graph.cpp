#include "profiler/interop/onnx/import_graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "space/error.hpp"

namespace cpx::profiler::onnx_import {

namespace {

// Values stored either packed in raw_data (little-endian) or in the typed repeated field.
template <typename T, typename Repeated>
std::vector<double> decode(const std::string& raw, const Repeated& typed, const onnx::TensorProto& t,
                           const std::string& file) {
  if (raw.empty()) return {typed.begin(), typed.end()};
  if (raw.size() % sizeof(T) != 0)
    throw InputError(file + ": initializer " + t.name() + " has raw_data of " + std::to_string(raw.size()) +
                     " bytes, not a whole number of " + std::to_string(sizeof(T)) + "-byte values");
  std::vector<T> v(raw.size() / sizeof(T));
  std::memcpy(v.data(), raw.data(), raw.size());  // raw is non-empty here, so v.data() is not null
  return {v.begin(), v.end()};
}

}  // namespace

namespace {

// The element count of a FLOAT tensor's stored data: raw_data bytes / 4 or float_data's size; fails on
// data in an external file (which import does not read) and on raw_data of a partial value.
int64_t stored_floats(const onnx::TensorProto& t, const std::string& file) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw InputError(
        file + ": initializer " + t.name() +
        " keeps its data in an external file, which import does not read (save the model with its weights inside)");
  if (t.raw_data().empty()) return t.float_data_size();
  if (t.raw_data().size() % sizeof(float) != 0)
    throw InputError(file + ": initializer " + t.name() + " has raw_data of " + std::to_string(t.raw_data().size()) +
                     " bytes, not a whole number of 4-byte values");
  return static_cast<int64_t>(t.raw_data().size() / sizeof(float));
}

}  // namespace

size_t Constant::count() const {
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

std::vector<float> floats(const Constant& c) {
  if (!c.stored) return {c.values.begin(), c.values.end()};
  const onnx::TensorProto& t = *c.stored;
  if (t.raw_data().empty()) return {t.float_data().begin(), t.float_data().end()};
  std::vector<float> v(t.raw_data().size() / sizeof(float));
  std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(float));
  return v;
}

FloatView::FloatView(const Constant& c) {
  if (!c.stored) {
    values_ = c.values.data();
    size_ = c.values.size();
  } else if (c.stored->raw_data().empty()) {
    typed_ = c.stored->float_data().data();
    size_ = static_cast<size_t>(c.stored->float_data_size());
  } else {
    raw_ = c.stored->raw_data().data();
    size_ = c.stored->raw_data().size() / sizeof(float);
  }
}

float FloatView::operator[](size_t k) const {
  if (values_) return static_cast<float>(values_[k]);
  if (typed_) return typed_[k];
  float v;
  std::memcpy(&v, raw_ + k * sizeof(float), sizeof(float));
  return v;
}

Constant read_tensor(const onnx::TensorProto& t, const std::string& file, bool lazy) {
  Constant c;
  // Dims are checked before their product is taken: a fuzzed file can hold any int64 there.
  int64_t n = 1;
  for (auto d : t.dims()) {
    if (d < 0 || d > limits::max_tensor_elements || (d > 0 && n > limits::max_tensor_elements / d))
      throw InputError(file + ": initializer " + t.name() + " has dim " + std::to_string(d) +
                       ": negative, or more than " + std::to_string(limits::max_tensor_elements) + " elements in all");
    c.dims.push_back(d);
    n *= d;
  }
  c.integer = t.data_type() != onnx::TensorProto::FLOAT && t.data_type() != onnx::TensorProto::DOUBLE;
  if (lazy && t.data_type() == onnx::TensorProto::FLOAT && n > Constant::lazy_above) {
    if (stored_floats(t, file) != n)
      throw InputError(file + ": initializer " + t.name() + " holds " + std::to_string(stored_floats(t, file)) +
                       " values for dims of " + std::to_string(n) + " (truncated?)");
    c.stored = &t;
    return c;
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) stored_floats(t, file);  // fails, naming the file
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: c.values = decode<float>(t.raw_data(), t.float_data(), t, file); break;
    case onnx::TensorProto::DOUBLE: c.values = decode<double>(t.raw_data(), t.double_data(), t, file); break;
    case onnx::TensorProto::INT64: c.values = decode<int64_t>(t.raw_data(), t.int64_data(), t, file); break;
    case onnx::TensorProto::INT32: c.values = decode<int32_t>(t.raw_data(), t.int32_data(), t, file); break;
    case onnx::TensorProto::BOOL:
      c.values = decode<uint8_t>(t.raw_data(), t.int32_data(), t, file);
      break;  // raw: 1 byte each
    default:
      c.integer = false;
      c.unread_type = t.data_type();
      return c;
  }
  if (static_cast<int64_t>(c.values.size()) != n)
    throw InputError(file + ": initializer " + t.name() + " holds " + std::to_string(c.values.size()) +
                     " values for dims of " + std::to_string(n));
  return c;
}

Graph::Graph(const onnx::GraphProto& g, std::string file) : g_(g), file_(std::move(file)) {
  for (const auto& t : g_.initializer()) constants_[t.name()] = read_tensor(t, file_, true);
  for (int i = 0; i < g_.node_size(); ++i)
    for (const auto& in : g_.node(i).input())
      if (!in.empty()) consumers_[in].push_back(i);
}

const std::string& Graph::input(int i, int k) const {
  static const std::string none;
  const auto& n = at(i);
  return k >= 0 && k < n.input_size() ? n.input(k) : none;
}

const std::string& Graph::output(int i, int k) const {
  static const std::string none;
  const auto& n = at(i);
  return k >= 0 && k < n.output_size() ? n.output(k) : none;
}

void Graph::fail(int i, const std::string& reason) const {
  throw InputError(file_ + ": node \"" + at(i).name() + "\" (" + at(i).op_type() + "): " + reason);
}

// A constant of a type the import does not decode fails where it is used: left unused it does no harm, and
// used it would read as empty.
const Constant* Graph::constant(const std::string& name) const {
  auto it = constants_.find(name);
  if (it == constants_.end()) return nullptr;
  if (const std::optional<int> type = it->second.unread_type) {
    // A number no ONNX type has (a fuzzed file) has no name: the number stands in.
    std::string type_name = onnx::TensorProto::DataType_Name(*type);
    if (type_name.empty()) type_name = std::to_string(*type);
    throw InputError(file_ + ": initializer " + name + " has data type " + type_name +
                     ", which the import does not read (it reads FLOAT, DOUBLE, INT64, INT32 and BOOL)");
  }
  return &it->second;
}

const Constant& Graph::need_constant(int i, int input) const {
  const Constant* c = at(i).input_size() > input ? constant(this->input(i, input)) : nullptr;
  if (!c) fail(i, "input " + std::to_string(input) + " must be a constant (initializer or Constant node)");
  return *c;
}

std::optional<double> Graph::scalar(const std::string& name) const {
  const Constant* c = constant(name);
  if (!c || c->values.size() != 1) return std::nullopt;
  return c->values[0];
}

bool Graph::is_scalar(const std::string& name, double v) const {
  auto s = scalar(name);
  return s && std::abs(*s - v) <= 1e-6 * std::max(1.0, std::abs(v));
}

const onnx::AttributeProto* Graph::attribute(int i, const std::string& name) const {
  for (const auto& a : at(i).attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

namespace {
constexpr int64_t max_attribute = int64_t{1} << 31;
}  // namespace

std::optional<int64_t> as_integer(double v) {
  constexpr double bound = 9007199254740992.0;  // 2^53
  if (std::isnan(v) || v != std::floor(v)) return std::nullopt;
  return static_cast<int64_t>(std::clamp(v, -bound, bound));
}

int64_t Graph::integer(int i, double v) const {
  const std::optional<int64_t> n = as_integer(v);
  if (!n) fail(i, "value " + std::to_string(v) + " is not an integer");
  return *n;
}

int64_t Graph::int_attr(int i, const std::string& name, int64_t fallback) const {
  const auto* a = attribute(i, name);
  if (!a) return fallback;
  if (a->i() < -max_attribute || a->i() > max_attribute)
    fail(i, "attribute " + name + " = " + std::to_string(a->i()) + " is out of range");
  return a->i();
}

double Graph::decimal(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.7g", v);
  return std::strtod(text, nullptr);
}

double Graph::float_attr(int i, const std::string& name, double fallback) const {
  const auto* a = attribute(i, name);
  return a ? decimal(a->f()) : fallback;
}

std::string Graph::string_attr(int i, const std::string& name, const std::string& fallback) const {
  const auto* a = attribute(i, name);
  return a ? a->s() : fallback;
}

Dims Graph::ints_attr(int i, const std::string& name, Dims fallback) const {
  const auto* a = attribute(i, name);
  if (!a) return fallback;
  for (int64_t v : a->ints())
    if (v < -max_attribute || v > max_attribute)
      fail(i, "attribute " + name + " holds " + std::to_string(v) + ", out of range");
  return Dims(a->ints().begin(), a->ints().end());
}

std::vector<int> Graph::consumers(const std::string& tensor) const {
  auto it = consumers_.find(tensor);
  return it == consumers_.end() ? std::vector<int>{} : it->second;
}

bool Graph::is_graph_output(const std::string& tensor) const {
  for (const auto& o : g_.output())
    if (o.name() == tensor) return true;
  return false;
}

std::optional<int> Graph::sole_reader(const std::string& tensor) const {
  if (is_graph_output(tensor)) return std::nullopt;
  const auto c = consumers(tensor);
  if (c.size() != 1 || done(c[0])) return std::nullopt;
  return c[0];
}

bool Graph::sole_is(const std::string& tensor, const std::string& type, int& which) const {
  const auto k = sole_reader(tensor);
  if (!k || at(*k).op_type() != type) return false;
  which = *k;
  return true;
}

std::optional<double> Graph::pad_fill(int i) const {
  if (string_attr(i, "mode", "constant") != "constant") return std::nullopt;
  return has_input(i, 2) ? scalar(input(i, 2)) : 0.0;
}

bool Graph::has_inputs(int i, const std::string& a, const std::string& b) const {
  return at(i).input_size() == 2 && ((input(i, 0) == a && input(i, 1) == b) || (input(i, 0) == b && input(i, 1) == a));
}

bool Graph::other_is_scalar(int i, const std::string& x, double v) const {
  if (at(i).input_size() != 2) return false;
  return (input(i, 0) == x && is_scalar(input(i, 1), v)) || (input(i, 1) == x && is_scalar(input(i, 0), v));
}

Padding read_pads(const Graph& g, int i) {
  const std::string auto_pad = g.string_attr(i, "auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID")
    g.fail(i, "auto_pad " + auto_pad + " is not supported; give explicit pads");
  const Dims p = g.ints_attr(i, "pads", {0, 0, 0, 0});
  if (p.size() != 4) g.fail(i, "pads must have 4 values for a 2-D window");
  return {p[0], p[2], p[1], p[3]};
}

int64_t read_groups(const Graph& g, int i) {
  const int64_t groups = g.int_attr(i, "group", 1);
  if (groups < 1 || groups > limits::max_channels) g.fail(i, "group " + std::to_string(groups) + " is out of range");
  return groups;
}

void require_unit(const Graph& g, int i, const std::string& name) {
  for (auto d : g.ints_attr(i, name, {1, 1}))
    if (d != 1) g.fail(i, name + " other than 1 is not supported");
}

// The target shape of a Reshape with its 0s copied from the input's dims `in` (ONNX's default, allowzero
// 0) and its one -1 filled in. Checked before any product: a dimension above the element count, or
// dimensions whose product passes it, cannot hold the tensor (and their product could overflow int64).
Dims resolve(const Graph& g, int i, int64_t elements, const Dims& in) {
  if (g.int_attr(i, "allowzero", 0) != 0) g.fail(i, "allowzero=1 is not supported");
  Dims d;
  for (double v : g.need_constant(i, 1).values) {
    if (!(v >= -1 && v <= static_cast<double>(elements)) || v != std::floor(v))
      g.fail(i, "target shape dimension " + std::to_string(v) + " is not -1 or an integer in [0, " +
                    std::to_string(elements) + "]");
    if (v == 0 && d.size() >= in.size())
      g.fail(i, "target shape dimension " + std::to_string(d.size()) + " is 0 past the input's rank");
    d.push_back(v == 0 ? in[d.size()] : static_cast<int64_t>(v));
  }
  int64_t known = 1, unknown = -1;
  for (size_t k = 0; k < d.size(); ++k) {
    if (d[k] == -1) {
      if (unknown >= 0) g.fail(i, "more than one -1 in the target shape");
      unknown = static_cast<int64_t>(k);
    } else if (d[k] <= 0) {
      g.fail(i, "target shape dimensions must be positive");
    } else {
      if (d[k] > elements / known)
        g.fail(i, "target shape does not hold the " + std::to_string(elements) + " elements");
      known *= d[k];
    }
  }
  if (unknown >= 0) d[static_cast<size_t>(unknown)] = elements / known;
  int64_t total = 1;
  for (auto v : d) total *= v;
  if (total != elements) g.fail(i, "target shape does not hold the " + std::to_string(elements) + " elements");
  return d;
}

}  // namespace cpx::profiler::onnx_import

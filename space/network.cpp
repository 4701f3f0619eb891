#include "space/network.hpp"

#include <fstream>
#include <sstream>

namespace cpx {

const ShapeNhwc& Network::shape_of(const std::string& tensor) const {
  if (tensor == input_tensor) return input;
  const size_t i = index_of(tensor);
  if (i == ops.size()) throw std::logic_error("no tensor named " + tensor);
  return shapes[i];
}

size_t Network::index_of(const std::string& op_name) const {
  const auto it = positions.find(op_name);
  return it == positions.end() ? ops.size() : it->second;
}

NetworkBuilder::NetworkBuilder(std::string name, std::string family, ShapeNhwc input, Where where)
    : where_(std::move(where)) {
  net_.name = std::move(name);
  net_.family = std::move(family);
  net_.input = checked_shape(input, where_);
  index_.emplace(std::string(input_tensor), SIZE_MAX);
}

const ShapeNhwc& NetworkBuilder::shape(const std::string& tensor) const {
  const auto it = index_.find(tensor);
  if (it == index_.end()) throw std::logic_error("no tensor named " + tensor);
  return it->second == SIZE_MAX ? net_.input : net_.shapes[it->second];
}

std::string NetworkBuilder::add(std::string name, std::vector<std::string> inputs, OpAttrs attrs) {
  if (name.empty() || name.size() > 200) where_.fail(name, "op names must have 1 to 200 characters");
  if (index_.count(name))
    where_.fail(name, name == input_tensor ? "\"input\" names the network input" : "duplicate op name");
  if (net_.ops.size() >= static_cast<size_t>(limits::max_ops))
    where_.fail("more than " + std::to_string(limits::max_ops) + " ops");
  const int arity = op_arity(attrs);
  if ((arity == variadic && inputs.size() < 2) || (arity != variadic && inputs.size() != static_cast<size_t>(arity)))
    where_.fail(Json(inputs), "op takes " + (arity == variadic ? std::string("2 or more") : std::to_string(arity)) +
                                  " inputs, got " + std::to_string(inputs.size()));
  std::vector<ShapeNhwc> in;
  for (const auto& t : inputs) {
    if (!index_.count(t)) where_.fail(t, "input is not the network input or an earlier op");
    in.push_back(shape(t));
  }
  const ShapeNhwc out = std::visit([&](const auto& a) { return a.infer(in, where_); }, attrs);
  const int64_t params = std::visit([&](const auto& a) { return a.cost(in, out, where_); }, attrs).params_inference;
  bytes_ =
      checked_add(bytes_, checked_mul(checked_add(params, out.elements(), where_), bytes_per_element, where_), where_);
  if (net_.ops.empty())
    bytes_ = checked_add(bytes_, checked_mul(net_.input.elements(), bytes_per_element, where_), where_);
  if (bytes_ > limits::max_network_bytes)
    where_.fail("the network needs more than " + std::to_string(limits::max_network_bytes >> 30) +
                " GiB of fp32 weights and activations (limits::max_network_bytes)");
  index_.emplace(name, net_.ops.size());
  net_.ops.push_back({std::move(name), std::move(inputs), std::move(attrs)});
  net_.shapes.push_back(out);
  return net_.ops.back().name;
}

Network NetworkBuilder::finish(const std::string& output) && {
  if (net_.ops.empty()) where_.fail("a network needs at least one op");
  const auto it = index_.find(output);
  if (it == index_.end() || it->second == SIZE_MAX) where_.fail(output, "output is not an op of the network");
  net_.output = output;
  for (size_t i = 0; i < net_.ops.size(); ++i) net_.positions.emplace(net_.ops[i].name, i);
  return std::move(net_);
}

namespace {
ShapeNhwc read_input_shape(const Json& j, const Where& where) {
  if (!j.is_array() || j.size() != 4) where.fail(j, "expected [n, h, w, c]");
  std::array<int64_t, 4> d{};
  const std::array<int64_t, 4> max{limits::max_batch, limits::max_spatial, limits::max_spatial, limits::max_channels};
  for (size_t i = 0; i < 4; ++i) {
    if (!j[i].is_number_integer() || j[i].get<int64_t>() <= 0 || j[i].get<int64_t>() > max[i])
      where[i].fail(j[i], "expected an integer in [1, " + std::to_string(max[i]) + "]");
    d[i] = j[i].get<int64_t>();
  }
  return {d[0], d[1], d[2], d[3]};
}

}  // namespace

Network read_network(const Json& j, const std::string& file) {
  ObjectReader r(j, Where(file));
  check_file_version(r.at("schema"), r.raw("schema"), {network_version});
  const std::string name = r.string("name");
  const std::string family = r.string("family", "");
  const ShapeNhwc input = read_input_shape(r.raw("input_nhwc"), r.at("input_nhwc"));
  const Json& ops = r.raw("ops");
  if (!ops.is_array()) r.at("ops").fail(ops, "expected an array of ops");
  NetworkBuilder b(name, family, input, r.at("ops"));
  for (size_t i = 0; i < ops.size(); ++i) {
    const Where w = r.at("ops")[i];
    ObjectReader o(ops[i], w);
    const std::string op_name = o.string("name");
    const Json& in = o.raw("inputs");
    if (!in.is_array()) o.at("inputs").fail(in, "expected an array of tensor names");
    std::vector<std::string> inputs;
    for (size_t k = 0; k < in.size(); ++k) {
      if (!in[k].is_string()) o.at("inputs")[k].fail(in[k], "expected a tensor name");
      inputs.push_back(in[k].get<std::string>());
    }
    OpAttrs attrs = read_op_attrs(o);
    o.finish();
    b.locate(w);
    b.add(op_name, std::move(inputs), std::move(attrs));
  }
  // "weights": the raw float32 file of this network's weights (profiler::load_model_with_weights reads it).
  if (r.has("weights")) r.string("weights");
  std::string output;
  if (r.has("output")) output = r.string("output");
  else if (!ops.empty()) output = ops.back()["name"].get<std::string>();
  r.finish();
  b.locate(r.at("output"));
  return std::move(b).finish(output);
}

Json to_json(const Network& net) {
  Json j;
  j["schema"] = network_schema;
  j["name"] = net.name;
  j["family"] = net.family;
  j["input_nhwc"] = net.input.to_json();
  Json ops = Json::array();
  for (const Op& op : net.ops) {
    Json o;
    o["name"] = op.name;
    o["op"] = op.kind();
    o["inputs"] = op.inputs;
    std::visit([&](const auto& a) { a.write(o); }, op.attrs);
    ops.push_back(std::move(o));
  }
  j["ops"] = std::move(ops);
  j["output"] = net.output;
  return j;
}

std::string architecture_key(const Network& net) {
  Json key = {{"input_nhwc", net.input.to_json()}, {"output", net.index_of(net.output)}};
  Json ops = Json::array();
  for (const Op& op : net.ops) {
    Json o;
    o["op"] = op.kind();
    Json inputs = Json::array();
    for (const std::string& t : op.inputs)
      inputs.push_back(t == input_tensor ? -1 : static_cast<int64_t>(net.index_of(t)));
    o["inputs"] = inputs;
    std::visit([&](const auto& a) { a.write(o); }, op.attrs);
    ops.push_back(std::move(o));
  }
  key["ops"] = std::move(ops);
  return key.dump();
}

Network with_input(const Network& net, ShapeNhwc input, const std::string& file) {
  NetworkBuilder b(net.name, net.family, input, Where(file, "input_nhwc"));
  for (size_t i = 0; i < net.ops.size(); ++i) {
    b.locate(Where(file, "ops[" + std::to_string(i) + "]"));
    b.add(net.ops[i].name, net.ops[i].inputs, net.ops[i].attrs);
  }
  return std::move(b).finish(net.output);
}

Json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_json(buffer.str(), path);
}

namespace limits {
inline constexpr int max_json_depth = 100;  // nesting of any JSON input (copies and dumps recurse)
}

Json parse_json(std::string_view text, const std::string& file) {
  // The parser's position as a field path, for the errors nlohmann reports without one (a number
  // beyond double range, which would otherwise become inf) and for nesting beyond the limit.
  struct Level {
    bool array;
    size_t index;
    std::string key;
  };
  std::vector<Level> levels;
  auto path = [&] {
    std::string p;
    for (const auto& l : levels) p += l.array ? "[" + std::to_string(l.index) + "]" : (p.empty() ? "" : ".") + l.key;
    if (p.size() > 60) p = p.substr(0, 57) + "...";  // a path 100 levels deep says nothing more
    return p.empty() ? std::string("(top level)") : p;
  };
  try {
    return Json::parse(text, [&](int depth, Json::parse_event_t event, Json& parsed) {
      if (depth > limits::max_json_depth)
        throw InputError(file + ": " + path() + ": JSON nested deeper than " + std::to_string(limits::max_json_depth) +
                         " levels");
      using E = Json::parse_event_t;
      if (event == E::object_start || event == E::array_start) levels.push_back({event == E::array_start, 0, ""});
      if (event == E::key) levels.back().key = parsed.get<std::string>();
      if (event == E::object_end || event == E::array_end) levels.pop_back();
      if ((event == E::value || event == E::object_end || event == E::array_end) && !levels.empty() &&
          levels.back().array)
        ++levels.back().index;
      return true;
    });
  } catch (const Json::parse_error& e) {
    // nlohmann's message already names byte position and cause; keep it on one line.
    std::string what = e.what();
    const auto p = what.find("parse error");
    throw InputError(file + ": malformed JSON: " + (p == std::string::npos ? what : what.substr(p)));
  } catch (const Json::out_of_range& e) {
    // "number overflow parsing '1e999'": the token is between the quotes.
    const std::string what = e.what();
    const auto a = what.find('\''), b = what.rfind('\'');
    const std::string token = a != std::string::npos && b > a ? what.substr(a + 1, b - a - 1) : "?";
    throw InputError(file + ": " + path() + " = " + token + ": number beyond the range of a double");
  } catch (const Json::exception& e) { throw InputError(file + ": malformed JSON: " + e.what()); }
}

}  // namespace cpx

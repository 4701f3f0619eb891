// What the ONNX tests share (test_onnx.cpp: import and export; test_onnx_runtime.cpp: ONNX Runtime against
// our executor): a graph written node by node as PyTorch spells it, and running ONNX Runtime on a file.
#pragma once

#include <catch2/catch.hpp>

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include "profiler/executor/plan.hpp"
#include "profiler/executor/weights.hpp"
#include "profiler/interop/onnx.hpp"
#include "space/count.hpp"
#include "space/io.hpp"

namespace cpx::onnx_testing {

using namespace cpx::profiler;

// B0, B1 with transposed upsampling and attention (conv_transpose2d, matmul), and one network of every
// other zoo family: together every op kind the zoo uses. 64x64 keeps the whole file under ~30 s.
inline const std::vector<std::string> models = {
    "b0",           "b1-transposed", "mobilenetv3-large", "resnet18",     "efficientformerv2-s0", "efficientmod-xxs",
    "fasternet-t0", "fastvit-t8",    "ghostnetv2-1.0",    "lowformer-b0", "mobileone-s0",         "repvit-m0.9"};
inline constexpr int64_t resolution = 64;

inline std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("cpx_onnx_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::vector<float> nhwc_to_nchw(const std::vector<float>& x, const ShapeNhwc& s) {
  std::vector<float> y(x.size());
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t p = 0; p < s.pixels(); ++p)
      for (int64_t c = 0; c < s.c; ++c)
        y[static_cast<size_t>((n * s.c + c) * s.pixels() + p)] = x[static_cast<size_t>((n * s.pixels() + p) * s.c + c)];
  return y;
}

inline void write_floats(const std::filesystem::path& p, const std::vector<float>& v) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

inline std::vector<float> read_floats(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

inline int64_t params_without_bias_tables(const Network& net) {
  const NetworkCount c = count(net);
  int64_t p = 0;
  for (size_t i = 0; i < net.ops.size(); ++i)
    if (!net.ops[i].as<AttentionBias>()) p += c.layers[i].cost.params;
  return p;
}

// A small graph written node by node, the way a PyTorch export spells things.
struct TestGraph {
  onnx::ModelProto m;
  onnx::GraphProto& g = *m.mutable_graph();
  TestGraph() {
    g.set_name("torch");
    m.set_ir_version(8);
    m.add_opset_import()->set_version(17);
  }
  static void io(onnx::ValueInfoProto& v, const std::string& name, std::vector<int64_t> dims) {
    v.set_name(name);
    auto& t = *v.mutable_type()->mutable_tensor_type();
    t.set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.mutable_shape()->add_dim()->set_dim_value(d);
  }
  onnx::NodeProto& node(const std::string& type, std::vector<std::string> in, const std::string& out) {
    auto& n = *g.add_node();
    n.set_name(out);
    n.set_op_type(type);
    for (auto& i : in) n.add_input(i);
    n.add_output(out);
    return n;
  }
  std::string floats(const std::string& name, std::vector<int64_t> dims) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (auto d : dims) {
      t.add_dims(d);
      n *= d;
    }
    for (int64_t k = 0; k < n; ++k) t.add_float_data(0.5f);
    return name;
  }
  std::string scalar(const std::string& name, float v) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(v);
    return name;
  }
  std::string ints(const std::string& name, std::vector<int64_t> v) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(v.size()));
    for (auto x : v) t.add_int64_data(x);
    return name;
  }
  static void ints_attr(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v) {
    auto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a.add_ints(x);
  }
  static void int_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(v);
  }
  std::string bytes() const {
    std::string b;
    m.SerializeToString(&b);
    return b;
  }
};

// The folder `tests/<script> DIR` wrote its exports to (temp_dir()/<folder>), run once per process: the Python
// scripts that export torchvision's own layers (swin_export.py, maxvit_export.py) take seconds each.
inline std::filesystem::path exported_by_script(const std::string& script, const std::string& folder) {
  static std::map<std::string, std::filesystem::path> done;
  if (const auto it = done.find(script); it != done.end()) return it->second;
  const std::filesystem::path d = temp_dir() / folder;
  std::filesystem::create_directories(d);
  const std::string cmd =
      "/usr/bin/python3 " + std::string(CPX_SOURCE_DIR) + "/tests/" + script + " " + d.string() + " 2> /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return done[script] = d;
}

// The ops of `net` of type T, in order.
template <typename T>
std::vector<const T*> ops_of(const Network& net) {
  std::vector<const T*> out;
  for (const Op& op : net.ops)
    if (const T* t = op.as<T>()) out.push_back(t);
  return out;
}

// ONNX Runtime's output (NCHW) of `onnx_file` on an NCHW input of `batch` samples. Files go to `dir`.
inline std::vector<float> run_ort(const std::filesystem::path& onnx_file, const std::vector<float>& input_nchw,
                                  int batch, const std::filesystem::path& dir) {
  write_floats(dir / "in.f32", input_nchw);
  const std::string cmd = std::string("node ") + CPX_ORT_RUN + " --runs 0 --batch " + std::to_string(batch) +
                          " --model " + onnx_file.string() + " --input " + (dir / "in.f32").string() + " --output " +
                          (dir / "out.f32").string() + " > " + (dir / "ort.json").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  return read_floats(dir / "out.f32");
}

// Our executor's output (NCHW) on one NHWC sample.
inline std::vector<float> run_ours(const Network& net, const NetworkWeights& weights, const float* sample_nhwc) {
  Plan plan(net, weights, {1, false});
  std::copy(sample_nhwc, sample_nhwc + net.input.elements(), plan.input().begin());
  plan.run();
  return nhwc_to_nchw(std::vector<float>(plan.output().begin(), plan.output().end()), net.shape_of(net.output));
}

// ‖a − b‖₂ / ‖b‖₂ over b.size() values from a.
inline double relative_l2(const float* a, const std::vector<float>& b) {
  double diff = 0, norm = 0;
  for (size_t k = 0; k < b.size(); ++k) {
    diff += std::pow(static_cast<double>(a[k]) - b[k], 2);
    norm += std::pow(static_cast<double>(b[k]), 2);
  }
  REQUIRE(norm > 0);
  return std::sqrt(diff / norm);
}

// Relative L2 difference ‖ours − ort‖₂ / ‖ort‖₂ between our executor and ONNX Runtime on the exported
// graph of `net`, seeded weights and input. Files go to `dir`.
inline double ort_relative_difference(const Network& net, const std::filesystem::path& dir) {
  const NetworkWeights weights = make_weights(net, 1);
  const auto onnx_file = dir / (net.name + ".onnx");
  write_file_atomic(onnx_file.string(), export_onnx(net, weights));
  const std::vector<float> input = make_input(net.input, 2);
  const std::vector<float> ort = run_ort(onnx_file, nhwc_to_nchw(input, net.input), 1, dir);
  const std::vector<float> ours = run_ours(net, weights, input.data());
  REQUIRE(ours.size() == ort.size());
  return relative_l2(ours.data(), ort);
}

}  // namespace cpx::onnx_testing

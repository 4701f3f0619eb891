#include "explorer/check.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "profiler/executor/plan.hpp"
#include "profiler/interop/onnx.hpp"

namespace cpx::explorer {

namespace fs = std::filesystem;

namespace {

// A fresh directory for one check's files, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("cpx-check-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<float> read_floats(const fs::path& p) {
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  return v;
}

std::vector<float> nhwc_to_nchw(std::span<const float> x, const ShapeNhwc& s) {
  std::vector<float> out(x.size());
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t p = 0; p < s.h * s.w; ++p)
      for (int64_t c = 0; c < s.c; ++c)
        out[static_cast<size_t>((n * s.c + c) * s.h * s.w + p)] = x[static_cast<size_t>((n * s.h * s.w + p) * s.c + c)];
  return out;
}

std::string runner(const CheckOptions& o) {
  if (!o.ort_runner.empty()) return o.ort_runner;
  if (const char* env = std::getenv("CPX_ORT_RUN")) return env;
  return CPX_ORT_RUN_DEFAULT;
}

// Runs `model` on ONNX Runtime with the NCHW input file; its outputs land in dir/<k>.f32, listed (name,
// dims) in the JSON it prints.
// One tensor ONNX Runtime's runner wrote: its ONNX name and the raw float32 file (NCHW) in the run's folder.
struct OrtOutput {
  std::string name, file;
};

// The runner's document ({"outputs": [{"name", "file"}, ...]}, the model's outputs in order), read once here.
std::vector<OrtOutput> read_ort_outputs(const Json& j, const std::string& file) {
  if (!j.is_object() || !j.contains("outputs") || !j["outputs"].is_array() || j["outputs"].empty())
    throw InputError(file + ": ONNX Runtime's runner wrote no outputs");
  std::vector<OrtOutput> out;
  for (const Json& t : j["outputs"]) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string() || !t.contains("file") ||
        !t["file"].is_string())
      throw InputError(file + ": ONNX Runtime's runner wrote an output without a name and file: " + t.dump());
    out.push_back({t["name"].get<std::string>(), t["file"].get<std::string>()});
  }
  return out;
}

std::vector<OrtOutput> run_ort(const CheckOptions& o, const std::string& model, const fs::path& input,
                               const fs::path& dir, const std::string& file) {
  const std::string run = runner(o);
  if (!fs::is_regular_file(run))
    throw InputError("check: ONNX Runtime's runner " + run + " is missing (give --ort FILE or set CPX_ORT_RUN)");
  const fs::path json = dir / "ort.json", err = dir / "ort.err";
  const std::string cmd = "node " + quoted(run) + " --runs 0 --threads " + std::to_string(o.threads) + " --model " +
                          quoted(model) + " --input " + quoted(input.string()) + " --outputs-dir " +
                          quoted(dir.string()) + " > " + quoted(json.string()) + " 2> " + quoted(err.string());
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream e(err);
    std::string line;
    std::getline(e, line);
    throw InputError(file + ": ONNX Runtime failed: " + (line.empty() ? "(no message; is node installed?)" : line));
  }
  return read_ort_outputs(read_json_file(json.string()), file);
}

TensorError compare(std::span<const float> ours_nhwc, const ShapeNhwc& s, const std::vector<float>& ort) {
  const std::vector<float> ours = nhwc_to_nchw(ours_nhwc, s);
  TensorError e;
  if (ours.size() != ort.size()) {
    e.relative = e.max_abs_error = INFINITY;
    return e;
  }
  for (size_t k = 0; k < ours.size(); ++k) {
    e.max_abs_error = std::max(e.max_abs_error, std::abs(static_cast<double>(ours[k]) - ort[k]));
    e.scale = std::max(e.scale, std::abs(static_cast<double>(ort[k])));
    if (std::isnan(ours[k]) != std::isnan(ort[k])) e.max_abs_error = INFINITY;
  }
  e.relative = e.scale > 0 ? e.max_abs_error / e.scale : e.max_abs_error;
  return e;
}

// The ONNX file with every tensor `names` lists added as a graph output (written to `to`).
void write_probe(const std::string& file, const std::vector<std::string>& names, const fs::path& to) {
  onnx::ModelProto model;
  std::ifstream in(file, std::ios::binary);
  if (!model.ParseFromIstream(&in)) throw InputError(file + ": not an ONNX model (protobuf parse failed)");
  for (const std::string& n : names) {
    auto& out = *model.mutable_graph()->add_output();
    out.set_name(n);
    out.mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  std::ofstream o(to, std::ios::binary);
  if (!model.SerializeToOstream(&o)) throw InputError(to.string() + ": cannot write the probe model");
}

struct Ours {
  const Network& net;
  const profiler::Plan& plan;
  const std::map<std::string, std::string>& onnx_names;
};

// Compares every mapped intermediate tensor (a second ONNX Runtime run); sets the first that disagrees.
void compare_ops(const std::string& file, const CheckOptions& o, const Ours& us, const fs::path& input,
                 CheckResult& r) {
  const TempDir dir;
  std::vector<size_t> ops;
  std::vector<std::string> names;
  for (size_t i = 0; i < us.net.ops.size(); ++i) {
    const auto it = us.onnx_names.find(us.net.ops[i].name);
    if (it == us.onnx_names.end() || !us.plan.holds_own_output(i) || us.net.ops[i].name == us.net.output) continue;
    ops.push_back(i);
    names.push_back(it->second);
  }
  write_probe(file, names, dir.path / "probe.onnx");
  std::map<std::string, std::string> files;
  for (const OrtOutput& out : run_ort(o, (dir.path / "probe.onnx").string(), input, dir.path, file))
    files[out.name] = out.file;
  for (size_t k = 0; k < ops.size(); ++k) {
    const auto f = files.find(names[k]);
    if (f == files.end()) continue;
    TensorError e = compare(us.plan.tensor(ops[k]), us.net.shapes[ops[k]], read_floats(dir.path / f->second));
    e.op = us.net.ops[ops[k]].name;
    e.onnx_tensor = names[k];
    ++r.compared_tensors;
    if (e.relative > o.tolerance && !r.first_disagreeing) r.first_disagreeing = e;
  }
}

}  // namespace

bool CheckResult::agrees() const {
  return std::all_of(outputs.begin(), outputs.end(), [&](const TensorError& e) { return e.relative <= tolerance; });
}

CheckResult check_model(const std::string& onnx_file, const CheckOptions& o) {
  if (!(o.tolerance > 0)) throw InputError("--tolerance = " + std::to_string(o.tolerance) + ": must be positive");
  if (o.threads < 1 || o.threads > 256)
    throw InputError("--threads = " + std::to_string(o.threads) + ": out of range [1, 256]");
  const profiler::ImportedModel m = profiler::import_onnx_model(onnx_file);
  CheckResult r{onnx_file, m.net.input, o.tolerance, {}, std::nullopt, 0, m.seeded_ops};
  profiler::Plan plan(m.net, m.weights, {static_cast<size_t>(o.threads), true});
  const std::vector<float> input = profiler::make_input(m.net.input, o.seed);
  std::copy(input.begin(), input.end(), plan.input().begin());
  plan.run();
  const TempDir dir;
  const fs::path in = dir.path / "input.f32";
  const std::vector<float> nchw = nhwc_to_nchw(input, m.net.input);
  std::ofstream(in, std::ios::binary)
      .write(reinterpret_cast<const char*>(nchw.data()), static_cast<std::streamsize>(nchw.size() * sizeof(float)));
  const OrtOutput first = run_ort(o, onnx_file, in, dir.path, onnx_file).front();
  TensorError e = compare(plan.output(), m.net.shape_of(m.net.output), read_floats(dir.path / first.file));
  e.op = m.net.output;
  e.onnx_tensor = first.name;
  r.outputs.push_back(e);
  if (!r.agrees() || o.per_op) compare_ops(onnx_file, o, {m.net, plan, m.onnx_names}, in, r);
  return r;
}

Json to_json(const TensorError& e) {
  return {{"op", e.op},
          {"onnx_tensor", e.onnx_tensor},
          {"max_abs_error", e.max_abs_error},
          {"scale", e.scale},
          {"relative_error", e.relative}};
}

Json to_json(const CheckResult& r) {
  Json outs = Json::array();
  for (const TensorError& e : r.outputs) outs.push_back(to_json(e));
  return {{"schema", "cpubone-explore/check/v1"},
          {"model", r.model},
          {"input_nhwc", r.input.to_json()},
          {"tolerance", r.tolerance},
          {"agrees", r.agrees()},
          {"outputs", outs},
          {"compared_tensors", r.compared_tensors},
          {"first_disagreeing_op", r.first_disagreeing ? to_json(*r.first_disagreeing) : Json(nullptr)},
          {"seeded_weight_ops", r.seeded_ops}};
}

}  // namespace cpx::explorer

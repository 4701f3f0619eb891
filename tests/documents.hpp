// Valid input documents that tests edit or run on: a fitted host model, the smallest profile fit accepts,
// and a validation file as `validate --json` writes it (what `validate --rescore` reads).
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "predictor/fit.hpp"
#include "predictor/validate/ood_networks.hpp"
#include "predictor/validate/validate.hpp"
#include "profiler/measure/machine_speed.hpp"
#include "profiler/profile/profile_file.hpp"
#include "space/count.hpp"
#include "space/zoo.hpp"

namespace cpx::test {

// An ONNX model of one node of type `type` between a 1x3x8x8 input and the output; `symbolic_hw`: the input's
// height and width are symbolic (dim_param), as a dynamic-shape export makes them.
inline std::string model_with_node(const std::string& type, bool symbolic_hw = false) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto& g = *m.mutable_graph();
  auto io = [&](onnx::ValueInfoProto& v, const std::string& name) {
    v.set_name(name);
    auto& t = *v.mutable_type()->mutable_tensor_type();
    t.set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {1, 3, 8, 8}) t.mutable_shape()->add_dim()->set_dim_value(d);
    if (symbolic_hw)
      for (int k : {2, 3}) t.mutable_shape()->mutable_dim(k)->set_dim_param(k == 2 ? "height" : "width");
  };
  io(*g.add_input(), "x");
  auto& n = *g.add_node();
  n.set_name("the_" + type);
  n.set_op_type(type);
  n.add_input("x");
  n.add_output("y");
  io(*g.add_output(), "y");
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

// A model of one Conv (3 -> `out` channels, 3x3, pad 1) on a 1x3x8x8 input whose weight initializer holds
// `weight_values` floats in raw_data (out·27 for a whole one) and whose bias holds `bias_values` (none at
// 0); `external`: the weight's data in an external file instead.
inline std::string model_with_conv(int64_t out, int64_t weight_values, int64_t bias_values, bool external = false) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto& g = *m.mutable_graph();
  auto io = [&](onnx::ValueInfoProto& v, const std::string& name, int64_t c) {
    v.set_name(name);
    auto& t = *v.mutable_type()->mutable_tensor_type();
    t.set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {int64_t{1}, c, int64_t{8}, int64_t{8}}) t.mutable_shape()->add_dim()->set_dim_value(d);
  };
  io(*g.add_input(), "x", 3);
  auto initializer = [&](const std::string& name, std::vector<int64_t> dims, int64_t values) {
    auto& t = *g.add_initializer();
    t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t.add_dims(d);
    if (external) {
      t.set_data_location(onnx::TensorProto::EXTERNAL);
      auto& e = *t.add_external_data();
      e.set_key("location");
      e.set_value("weights.bin");
      return;
    }
    const std::vector<float> v(static_cast<size_t>(values), 0.5f);
    t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
  };
  initializer("W", {out, 3, 3, 3}, weight_values);
  auto& n = *g.add_node();
  n.set_name("conv");
  n.set_op_type("Conv");
  n.add_input("x");
  n.add_input("W");
  if (bias_values > 0) {
    external = false;
    initializer("B", {bias_values}, bias_values);
    n.add_input("B");
  }
  auto& pads = *n.add_attribute();
  pads.set_name("pads");
  pads.set_type(onnx::AttributeProto::INTS);
  for (int k = 0; k < 4; ++k) pads.add_ints(1);
  n.add_output("y");
  io(*g.add_output(), "y", out);
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

// A fitted (host-shaped) predictor document: the host model inside the shipped pi5 device file.
inline const Json& shipped_predictor() {
  static const Json j = [] {
    std::ifstream in(std::filesystem::path(CPX_SOURCE_DIR) / "predictor/devices/pi5.json", std::ios::binary);
    return Json::parse(std::string(std::istreambuf_iterator<char>(in), {}))["host"];
  }();
  return j;
}

// What every profile file carries besides its records, for the profiles tests build: the machine of
// small_profile() below (no igemm, 4 floats per vector, its speed reference timed once), the sweep's options
// with `warm_twins`, and one peak probe at 1 thread of these figures (the probes' others 0: not measured).
inline Json profile_header(double peak_macps, double bandwidth_bytes_per_s, double cache_bandwidth_bytes_per_s,
                           const std::vector<std::string>& warm_twins = {"activation"}) {
  return {
      {"schema", profiler::device_profile_schema},
      {"device", "host"},
      {"complete", true},
      {"options", {{"cold_caches", {{"warm_twins", warm_twins}}}}},
      {"environment", {{"cpu", "test"}, {"igemm", false}, {"igemm_min_out_per_group", 32}, {"isa", "x86-64 SSE/AVX"}}},
      {"peaks",
       {{{"threads", 1},
         {"peak_macps", peak_macps},
         {"peak_source", "synthetic"},
         {"fma_peak_macps", 0},
         {"fma_peak_source", "synthetic"},
         {"bandwidth_bytes_per_s", bandwidth_bytes_per_s},
         {"cache_bandwidth_bytes_per_s", cache_bandwidth_bytes_per_s},
         {"dram_read_bytes_per_s", 0},
         {"last_level_cache_bytes", 0},
         {"gemm_tile_rows", 0},
         {"gemm_tile_cols", 0},
         {"gemm_tile_rows_source", "synthetic"}}}},
      {"machine_speed",
       {{"reference", profiler::speed_reference},
        {"samples", {{{"elapsed_s", 0}, {"threads", 1}, {"latency_us", 10000}}}}}},
      {"configs", Json::array()},
      {"ops", Json::array()},
      {"networks", Json::array()}};
}

// The smallest profile that rules and fit accept: one peak, one measured conv with its layer, on a machine
// without igemm, 4 floats per vector, whose speed reference was timed once.
inline const Json& small_profile() {
  static const Json j = Json::parse(R"({
    "schema": "cpubone-explore/device-profile/v2", "device": "host", "complete": true,
    "options": {"quick": true, "threads": [1], "budget_s": 60, "seed": 0,
                "cold_caches": {"sections": ["configs", "ops"], "evict_bytes_per_thread": 67108864,
                                "warm_twins": ["activation"]}},
    "environment": {"cpu": "test", "igemm": false, "igemm_min_out_per_group": 32, "isa": "x86-64 SSE/AVX"},
    "peaks": [{"threads": 1, "peak_macps": 1e10, "peak_source": "test", "fma_peak_macps": 2e10,
               "fma_peak_source": "test", "bandwidth_bytes_per_s": 1e9, "cache_bandwidth_bytes_per_s": 4e9,
               "dram_read_bytes_per_s": 0, "last_level_cache_bytes": 0, "gemm_tile_rows": 0, "gemm_tile_cols": 0,
               "gemm_tile_rows_source": "test"}],
    "machine_speed": {"reference": "mobilenetv2-1.0 (zoo), 224x224, warm caches",
                      "samples": [{"elapsed_s": 0, "threads": 1, "latency_us": 10000}]},
    "configs": [{"id": "conv_k3_g1_c32_r56_s1_t1", "variant": "conv", "kernel": 3, "groups": 1, "channels": 32,
                 "resolution": 56, "stride": 1, "threads": 1, "macs": 28901376, "params_inference": 9216,
                 "macps": 1e10, "timing": {"stats_us": {"median": 2890.1}},
                 "layers": [{"name": "conv", "op": "conv2d",
                             "attrs": {"out_channels": 32, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1, 1, 1],
                                       "groups": 1, "bias": false, "batch_norm": false, "activation": "none"},
                             "in_nhwc": [[1, 56, 56, 32]], "inputs": ["input"], "out_nhwc": [1, 56, 56, 32],
                             "timing": {"stats_us": {"median": 2800.0}}}]}],
    "zoo": [{"id": "zoo_b0_t1", "model": "b0", "resolution": 224, "threads": 1, "macs": 519710080, "macps": 1e10,
             "timing": {"stats_us": {"median": 51971.0}}}],
    "fasternet": [], "ops": [], "networks": []})");
  return j;
}

// fit on a hand-made profile, read as `fit` reads a file (its errors name `path`).
inline predictor::Predictor fit_profile(const Json& profile, const std::string& path,
                                        const predictor::FitOptions& options = {},
                                        predictor::FitReport* report = nullptr) {
  return predictor::fit(profiler::read_profile(profile, path), path, options, report);
}

// A validation file of the zoo and `ood` generated networks (seeds 1...) at 1 thread, 3 rounds, with the
// layers pass: every network at 1 ms (rounds 990, 1000, 1010 us), every op at 10 us, the speed reference
// steady at 500 us around every round, the baselines at 0.9, 0.8 and 0.7 ms. Tests overwrite the times they need.
inline Json small_validation(int64_t ood = 1) {
  Json rows = Json::array();
  auto add = [&](const std::string& name, const char* set, const Network& n) {
    rows.push_back({{"network", name},
                    {"set", set},
                    {"macs", count(n).total.macs},
                    {"measured_round_medians_us", {990.0, 1000.0, 1010.0}},
                    {"measured_round_reference_us", {500.0, 500.0, 500.0}},
                    {"measured_cv", 0.01},
                    {"quadratic_baseline_us", 900.0},
                    {"macs_baseline_us", 800.0},
                    {"params_baseline_us", 700.0},
                    {"ops_measured_us", Json(std::vector<double>(n.ops.size(), 10.0))},
                    {"layers_additivity", 1.0}});
  };
  for (const auto& e : zoo()) add(e.name, "zoo", e.build(0));
  for (int64_t i = 0; i < ood; ++i) {
    const predictor::OodNetwork n = predictor::ood_network(1 + static_cast<uint64_t>(i));
    add(n.network.name, "ood", n.network);
  }
  return {{"schema", predictor::validation_schema},
          {"device", "host"},
          {"threads", 1},
          {"sampled_networks", 0},
          {"seed", 1},
          {"ood_networks", ood},
          {"ood_seed", 1},
          {"rounds", 3},
          {"min_time_s_per_round", 0.2},
          {"layers", true},
          {"machine_noise",
           {{"reference", std::string(profiler::speed_reference) + ", timed before every round"},
            {"reference_us", {500.0, 500.0, 500.0, 500.0}}}},
          {"interference", Json::object()},
          {"baseline_constant_macps", 1e10},
          {"environment", {{"cpu", "test"}}},
          {"rows", rows}};
}

}  // namespace cpx::test

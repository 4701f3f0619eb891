#include "profiler/sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "profiler/environment.hpp"
#include "profiler/file_lock.hpp"
#include "profiler/interference.hpp"
#include "profiler/weights.hpp"
#include "profiler/xnnpack_caps.hpp"
#include "space/blocks.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/sample.hpp"
#include "space/zoo.hpp"

namespace cpx::profiler {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Channel counts at each resolution where CPUBone-like networks have them (stage by stage).
const std::vector<std::pair<int64_t, std::vector<int64_t>>> full_positions{
    {112, {16, 32, 64}}, {56, {16, 32, 64, 128}}, {28, {32, 64, 128, 256}}, {14, {64, 128, 256, 512}}, {7, {128, 256, 512, 1024}}};
const std::vector<std::pair<int64_t, std::vector<int64_t>>> quick_positions{{56, {32, 64}}, {14, {128, 256}}};

Conv2d plain_conv(int64_t out, int64_t k, int64_t stride, int64_t groups) {
  return same_conv(out, k, stride, groups, true, false, Activation::none);
}

// FasterNet's Table 1: ten stacked layers of one operator on a typical feature map.
const std::vector<std::pair<int64_t, int64_t>> fasternet_maps{{96, 56}, {192, 28}, {384, 14}, {768, 7}};
const std::vector<std::string> fasternet_ops{"conv", "gconv16", "dwconv", "pconv"};

Network fasternet_network(const std::string& op, int64_t c, int64_t r) {
  const std::string name = "fasternet_" + op + "_c" + std::to_string(c) + "_r" + std::to_string(r);
  NetworkBuilder b(name, "sweep", {1, r, r, c}, Where("sweep", name));
  std::string x(input_tensor);
  for (int i = 0; i < 10; ++i) {
    const std::string p = "l" + std::to_string(i);
    if (op == "pconv") x = expand_block(b, PConv{3, 4}, x, p, c, 1, false);
    else x = b.add(p, {x}, plain_conv(c, 3, 1, op == "conv" ? 1 : op == "gconv16" ? 16 : c));
  }
  return std::move(b).finish(x);
}

// Single operators of every class that the block grid does not exercise, over shapes like the zoo's, so
// that a predictor fitted on the profile never needs the zoo (which stays held out for validation).
struct OpItem {
  std::string id;
  std::function<Network()> build;
};

Network one_op(const std::string& name, ShapeNhwc input, const std::function<std::string(NetworkBuilder&)>& body) {
  NetworkBuilder b(name, "sweep", input, Where("sweep", name));
  const std::string out = body(b);
  return std::move(b).finish(out);
}

std::vector<OpItem> op_items(bool quick) {
  std::vector<OpItem> items;
  auto add = [&](std::string id, ShapeNhwc in, std::function<std::string(NetworkBuilder&)> body) {
    items.push_back({"op_" + id, [=] { return one_op("op_" + id, in, body); }});
  };
  const std::string x(input_tensor);
  const std::vector<std::pair<int64_t, int64_t>> maps =
      quick ? std::vector<std::pair<int64_t, int64_t>>{{56, 64}, {14, 256}}
            : std::vector<std::pair<int64_t, int64_t>>{{112, 32}, {56, 64}, {28, 128}, {14, 256}, {7, 512}};
  for (int64_t in : quick ? std::vector<int64_t>{1536} : std::vector<int64_t>{256, 512, 1024, 1536, 2304})
    for (int64_t out : quick ? std::vector<int64_t>{1000} : std::vector<int64_t>{1000, 1600, 2560})
      add("fc_" + std::to_string(in) + "_" + std::to_string(out), {1, 1, 1, in},
          [=](NetworkBuilder& b) { return b.add("fc", {x}, FullyConnected{out, true, false, Activation::none}); });
  // Fully connected layers on token maps (attention and MLP projections of token-based networks): a GEMM
  // with as many rows as tokens, unlike a classifier head's single row.
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> token_maps =
      quick ? std::vector<std::pair<int64_t, std::vector<int64_t>>>{{14, {128}}}
            : std::vector<std::pair<int64_t, std::vector<int64_t>>>{{7, {256, 512}}, {14, {128, 256}}, {28, {64, 128}}, {56, {32, 64}}};
  for (const auto& [grid, widths] : token_maps)
    for (int64_t c : widths)
      for (const auto& [in, out] : std::vector<std::pair<int64_t, int64_t>>{{c, c}, {c, 4 * c}, {4 * c, c}}) {
        const int64_t o = out;  // clang 14: lambdas cannot capture structured bindings
        add("fc_tokens_" + std::to_string(grid * grid) + "_" + std::to_string(in) + "_" + std::to_string(out),
            {1, grid, grid, in}, [=](NetworkBuilder& b) { return b.add("fc", {x}, FullyConnected{o, true, false, Activation::none}); });
      }
  for (int64_t heads : quick ? std::vector<int64_t>{2} : std::vector<int64_t>{1, 2, 4, 8})
    for (int64_t grid : quick ? std::vector<int64_t>{7} : std::vector<int64_t>{7, 14})
      for (int64_t hd : quick ? std::vector<int64_t>{32} : std::vector<int64_t>{32, 64}) {
        const std::string tag = "h" + std::to_string(heads) + "_l" + std::to_string(grid * grid) + "_d" + std::to_string(hd);
        const int64_t tokens = grid * grid;
        add("attention_" + tag, {1, grid, grid, 3 * heads * hd}, [=](NetworkBuilder& b) {
          const auto s = b.add("scores", {x, x}, Matmul{heads, {0, hd}, {hd, hd}, true, 1.0});
          const auto p = b.add("softmax", {s}, Softmax{heads});
          return b.add("av", {p, x}, Matmul{heads, {0, tokens}, {2 * hd, hd}, false, 1.0});
        });
        add("head_mix_" + tag, {1, grid, grid, heads * tokens}, [=](NetworkBuilder& b) {
          const auto m = b.add("mix", {x}, HeadMix{heads, true});
          return b.add("bias", {m}, AttentionBias{heads, tokens});
        });
      }
  for (const auto& map : maps) {
    const int64_t r = map.first, c = map.second;  // lambdas below capture these (clang 14: not bindings)
    const std::string tag = std::to_string(r) + "_" + std::to_string(c);
    const ShapeNhwc in{1, r, r, c};
    add("group_norm_" + tag, in, [=](NetworkBuilder& b) { return b.add("gn", {x}, GroupNorm{1, 1e-5}); });
    add("layer_norm_" + tag, in, [=](NetworkBuilder& b) { return b.add("ln", {x}, LayerNorm{1e-5}); });
    add("batch_norm_" + tag, in, [=](NetworkBuilder& b) { return b.add("bn", {x}, BatchNorm{1e-5}); });
    add("layer_scale_" + tag, in, [=](NetworkBuilder& b) { return b.add("ls", {x}, LayerScale{}); });
    add("add_" + tag, in, [=](NetworkBuilder& b) { return b.add("add", {x, x}, Add{}); });
    add("multiply_broadcast_" + tag, in, [=](NetworkBuilder& b) {
      const auto g = b.add("pool", {x}, GlobalAvgPool{});
      return b.add("mul", {x, g}, Multiply{});
    });
    for (Activation a : {Activation::relu, Activation::hardswish, Activation::hardsigmoid, Activation::sigmoid,
                         Activation::silu, Activation::gelu})
      add("activation_" + std::string(to_string(a)) + "_" + tag, in,
          [=](NetworkBuilder& b) { return b.add("act", {x}, ActivationOp{a}); });
    add("max_pool_3s2_" + tag, in, [=](NetworkBuilder& b) {
      return b.add("pool", {x}, MaxPool{{3, 3}, {2, 2}, {1, 1, 1, 1}});
    });
    add("avg_pool_2s2_" + tag, in, [=](NetworkBuilder& b) { return b.add("pool", {x}, AvgPool{{2, 2}, {2, 2}, {}}); });
    add("avg_pool_3s1p1_" + tag, in, [=](NetworkBuilder& b) {
      return b.add("pool", {x}, AvgPool{{3, 3}, {1, 1}, {1, 1, 1, 1}});
    });
    add("upsample_x2_" + tag, in, [=](NetworkBuilder& b) { return b.add("up", {x}, UpsampleNearest{{2, 2}, {0, 0}}); });
    add("resize_bilinear_x2_" + tag, in, [=](NetworkBuilder& b) {
      return b.add("up", {x}, ResizeBilinear{{2 * r, 2 * r}, false});
    });
    add("slice_concat_" + tag, in, [=](NetworkBuilder& b) {
      const auto a = b.add("head", {x}, Slice{0, c / 4});
      const auto rest = b.add("rest", {x}, Slice{c / 4, c});
      return b.add("cat", {rest, a}, Concat{});
    });
    add("pad_" + tag, in, [=](NetworkBuilder& b) { return b.add("pad", {x}, Pad{{1, 0, 1, 0}}); });
    // Depthwise kernels beyond the grid's 2x2 and 3x3 (EfficientNet, FastViT, GhostNetV2, EfficientMod):
    // XNNPACK has fast microkernels for some tap counts only, so each shape is measured.
    for (const auto& [kh, kw, stride] : std::vector<std::array<int64_t, 3>>{{5, 5, 1}, {5, 5, 2}, {7, 7, 1}, {7, 7, 2}, {1, 5, 1}, {5, 1, 1}}) {
      Conv2d dw;
      dw.out_channels = c;
      dw.kernel = {kh, kw};
      dw.stride = {stride, stride};
      dw.padding = {kh / 2, kh / 2, kw / 2, kw / 2};
      dw.groups = c;
      dw.bias = true;
      add("dwconv_" + std::to_string(kh) + "x" + std::to_string(kw) + "s" + std::to_string(stride) + "_" + tag, in,
          [=](NetworkBuilder& b) { return b.add("dw", {x}, dw); });
      // Kernels without an XNNPACK microkernel run as the executor's own loops, whose speed also depends
      // on the channel count (16-channel vectors): half and double the map's width as well.
      if (quick || xnnpack_has_depthwise_microkernel(kh * kw)) continue;
      for (int64_t width : {c / 2, 2 * c}) {
        Conv2d other = dw;
        other.out_channels = other.groups = width;
        add("dwconv_" + std::to_string(kh) + "x" + std::to_string(kw) + "s" + std::to_string(stride) + "_" +
                std::to_string(r) + "_" + std::to_string(width),
            {1, r, r, width}, [=](NetworkBuilder& b) { return b.add("dw", {x}, other); });
      }
    }
    if (r <= 14) {
      add("global_avg_pool_" + tag, in, [=](NetworkBuilder& b) { return b.add("pool", {x}, GlobalAvgPool{}); });
      ConvTranspose2d up;
      up.out_channels = c;
      up.kernel = {4, 4};
      up.stride = {2, 2};
      up.padding = {1, 1, 1, 1};
      up.bias = true;
      add("conv_transpose_k4s2_" + tag, in, [=](NetworkBuilder& b) { return b.add("deconv", {x}, up); });
      ConvTranspose2d same = up;
      same.kernel = {3, 3};
      same.stride = {1, 1};
      add("conv_transpose_k3s1_" + tag, in, [=](NetworkBuilder& b) { return b.add("deconv", {x}, same); });
    }
  }
  return items;
}

}  // namespace

std::string SweepConfig::id() const {
  return variant + "_k" + std::to_string(kernel) + "_g" + std::to_string(groups) + "_c" + std::to_string(channels) + "_r" +
         std::to_string(resolution) + "_s" + std::to_string(stride) + "_t" + std::to_string(threads);
}

Network SweepConfig::network() const {
  NetworkBuilder b(id(), "sweep", {1, resolution, resolution, channels}, Where("sweep", id()));
  const std::string in(input_tensor);
  std::string out;
  if (variant == "conv" || variant == "gconv" || variant == "pwconv") {
    out = b.add("conv", {in}, plain_conv(channels, kernel, stride, groups));
  } else if (variant == "dwconv") {
    out = b.add("conv", {in}, plain_conv(channels, kernel, stride, channels));
  } else if (variant == "pconv") {
    out = expand_block(b, PConv{kernel, 4}, in, "blk", channels, 1, false);
  } else if (variant == "fumbconv" || variant == "grfumbconv") {
    out = expand_block(b, FuMBConv{kernel, 4, groups, {false, false}, Activation::hardswish}, in, "blk", channels, stride, false);
  } else if (variant == "mbconv" || variant == "grmbconv") {
    MBConv m;
    m.kernel = kernel;
    m.groups = groups;
    out = expand_block(b, m, in, "blk", channels, stride, false);
  } else {
    throw std::logic_error("unknown sweep variant " + variant);
  }
  return std::move(b).finish(out);
}

std::vector<SweepConfig> sweep_grid(bool quick, const std::vector<int64_t>& threads) {
  std::vector<SweepConfig> grid;
  const std::vector<int64_t> kernels{2, 3};
  const std::vector<int64_t> groups = quick ? std::vector<int64_t>{2} : std::vector<int64_t>{2, 4, 8};
  const std::vector<int64_t> strides = quick ? std::vector<int64_t>{1} : std::vector<int64_t>{1, 2};
  for (int64_t t : threads) {
    for (const auto& position : quick ? quick_positions : full_positions) {
      const int64_t r = position.first;  // captured below (clang 14 cannot capture a structured binding)
      for (int64_t c : position.second) {
        for (int64_t s : strides) {
          auto add = [&](const char* v, int64_t k, int64_t g) { grid.push_back({v, k, g, c, r, s, t}); };
          add("pwconv", 1, 1);
          for (int64_t k : kernels) {
            add("conv", k, 1);
            add("dwconv", k, 1);
            add("fumbconv", k, 1);
            add("mbconv", k, 1);
            if (s == 1) add("pconv", k, 1);  // a partial conv keeps its resolution
            for (int64_t g : groups) {
              add("gconv", k, g);
              add("grfumbconv", k, g);
              add("grmbconv", k, g);
            }
          }
        }
      }
    }
  }
  return grid;
}

Json profile_device(const std::string& device, SweepOptions& o, const std::atomic<bool>& stop) {
  if (device.empty() || device.size() > 64 || device.find_first_of("/\\.") != std::string::npos)
    throw InputError("--device = \"" + device + "\": a device name of 1-64 characters without '/', '\\' or '.'");
  o.device = device;
  for (int64_t t : o.threads)
    if (t < 1 || t > 256) throw InputError("--threads = " + std::to_string(t) + ": out of range [1, 256]");
  if (o.budget_s < 0 || o.budget_s > 86400) throw InputError("--budget = " + std::to_string(o.budget_s) + ": out of range [0, 86400]");
  if (o.out_path.empty()) o.out_path = default_profile_path(device);
  return run_sweep(o, stop);
}

std::string default_profile_path(const std::string& device) {
  std::string home;
  if (const char* p = std::getenv("CPX_HOME")) home = p;
  else if (const char* h = std::getenv("HOME")) home = std::string(h) + "/.cache/cpubone-explore";
  else home = ".cpubone-explore";
  return home + "/devices/" + device + ".json";
}

namespace {

Json layer_records(const Network& net, const NetworkCount& counts, const Plan& plan, const LayerTimings& t) {
  Json rows = Json::array();
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const Op& op = net.ops[i];
    Json attrs;
    std::visit([&](const auto& a) { a.write(attrs); }, op.attrs);
    Json in_shapes = Json::array();
    for (const auto& x : op.inputs) in_shapes.push_back(net.shape_of(x).to_json());
    const ShapeNhwc& in0 = net.shape_of(op.inputs[0]);
    rows.push_back({{"name", op.name},
                    {"op", op.kind()},
                    {"class", op.as<Conv2d>() ? Json(to_string(conv_class(*op.as<Conv2d>(), in0.c))) : Json(nullptr)},
                    {"attrs", attrs},
                    {"in_nhwc", in_shapes},
                    {"out_nhwc", net.shapes[i].to_json()},
                    {"macs", counts.layers[i].cost.macs},
                    {"params_inference", counts.layers[i].cost.params_inference},
                    {"bytes", counts.layers[i].bytes},
                    {"implementation", plan.implementation(i).how},
                    {"emulated", plan.implementation(i).emulated},
                    {"latency_us", to_json(t.ops[i], false)}});  // samples of the whole are kept
  }
  return rows;
}

Json measure_network(const Network& net, int64_t threads, uint64_t seed, const MeasureOptions& o, double peak_macps) {
  const NetworkCount counts = count(net);
  Plan plan(net, make_weights(net, seed), {static_cast<size_t>(threads), false});
  const auto input = make_input(net.input, seed);
  std::copy(input.begin(), input.end(), plan.input().begin());
  const LayerTimings t = time_layers(plan, o);
  const double macps = static_cast<double>(counts.total.macs) / (t.network.stats_us.median * 1e-6);
  return {{"macs", counts.total.macs},
          {"params_inference", counts.total.params_inference},
          {"bytes", counts.bytes},
          {"latency_us", to_json(t.network)},
          {"macps", macps},
          {"fraction_of_peak", macps / peak_macps},
          {"additivity", t.additivity},
          {"layers", layer_records(net, counts, plan, t)}};
}

void progress(size_t done, size_t total, double elapsed_s, bool tty) {
  static int last_decile = -1;
  const double eta = done > 0 ? elapsed_s / static_cast<double>(done) * static_cast<double>(total - done) : 0;
  if (tty) {
    const int width = 30;
    const int filled = total ? static_cast<int>(width * done / total) : width;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu  %.0f s elapsed, ETA %.0f s   ", std::string(filled, '=').c_str(),
                 std::string(width - filled, ' ').c_str(), done, total, elapsed_s, eta);
    if (done == total) std::fprintf(stderr, "\n");
  } else {
    const int decile = total ? static_cast<int>(10 * done / total) : 10;
    if (decile != last_decile) {
      std::fprintf(stderr, "profile: %zu/%zu measured, %.0f s elapsed, ETA %.0f s\n", done, total, elapsed_s, eta);
      last_decile = decile;
    }
  }
}

}  // namespace

Json run_sweep(const SweepOptions& options, const std::atomic<bool>& stop) {
  std::vector<int64_t> threads = options.threads;
  if (threads.empty()) {
    const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
    threads = cores > 1 ? std::vector<int64_t>{1, cores} : std::vector<int64_t>{1};
  }
  const double budget_s = options.budget_s > 0 ? options.budget_s : (options.quick ? 60 : 600);
  const auto start = Clock::now();
  // One writer per profile: two sweeps on one file would each replace the other's checkpoints and each
  // load the CPUs the other measures on.
  const FileLock lock(options.out_path, "cpubone-explore profile");

  Json profile;
  std::set<std::string> done;
  if (options.resume && std::filesystem::exists(options.out_path)) {
    profile = load_profile(options.out_path);
    // A different grid would leave the profile a mix of two sweeps.
    const Json had = profile.contains("options") ? profile["options"] : Json::object();
    const Json want = {{"quick", options.quick}, {"threads", threads}};
    if (!had.is_object() || had.value("quick", Json()) != want["quick"] || had.value("threads", Json()) != want["threads"])
      Where(options.out_path, "options").fail(had, "the profile was started with other --quick/--threads than " + want.dump() +
                                                       "; resume with the same options, or start afresh without --resume");
    for (const auto& c : profile["configs"]) done.insert(c["id"].get<std::string>());
    for (const auto& z : profile["zoo"]) done.insert(z["id"].get<std::string>());
    for (const auto& z : profile["fasternet"]) done.insert(z["id"].get<std::string>());
    for (const auto& z : profile["ops"]) done.insert(z["id"].get<std::string>());
    for (const auto& z : profile["networks"]) done.insert(z["id"].get<std::string>());
    std::fprintf(stderr, "profile: resuming %s with %zu measurements done\n", options.out_path.c_str(), done.size());
  } else {
    profile = {{"schema", device_profile_schema},
               {"device", options.device},
               {"complete", false},
               {"options", {{"quick", options.quick}, {"threads", threads}, {"budget_s", budget_s}, {"seed", options.seed}}},
               {"environment", to_json(capture_environment(threads.back()))},
               {"definitions", count_definitions()},
               {"peaks", Json::array()},
               {"configs", Json::array()},
               {"zoo", Json::array()},
               {"fasternet", Json::array()},
               {"ops", Json::array()},
               {"networks", Json::array()}};
  }
  std::filesystem::create_directories(std::filesystem::path(options.out_path).parent_path().empty()
                                          ? std::filesystem::path(".")
                                          : std::filesystem::path(options.out_path).parent_path());
  auto checkpoint = [&] { write_file_atomic(options.out_path, profile.dump() + "\n"); };

  // Peaks first: every MACpS of the profile is also reported as a fraction of these.
  std::map<int64_t, double> peak;
  for (const auto& p : profile["peaks"]) peak[p["threads"].get<int64_t>()] = p["peak_macps"].get<double>();
  MeasureOptions probe_options;
  probe_options.min_runs = 5;
  probe_options.min_time_s = options.quick ? 0.2 : 0.5;
  for (int64_t t : threads) {
    if (peak.count(t)) continue;
    pin_to_cpus(t);
    const PeakProbe p = probe_peak(t, probe_options);
    peak[t] = p.peak_macps;
    profile["peaks"].push_back(to_json(p));
  }
  checkpoint();

  // Work list: grid configs in a seeded random order (so slow drifts of the machine do not line up with
  // one variant), then the zoo networks in context.
  std::vector<SweepConfig> grid = sweep_grid(options.quick, threads);
  std::mt19937_64 shuffle_rng(options.seed);
  std::shuffle(grid.begin(), grid.end(), shuffle_rng);
  struct FasterNetItem {
    std::string op;
    int64_t channels, resolution, threads;
    std::string id() const {
      return "fasternet_" + op + "_c" + std::to_string(channels) + "_r" + std::to_string(resolution) + "_t" + std::to_string(threads);
    }
  };
  std::vector<FasterNetItem> fasternet_work;
  for (int64_t t : threads)
    for (const auto& op : fasternet_ops)
      for (const auto& [c, r] : fasternet_maps)
        if (!options.quick || (t == 1 && (r == 56 || r == 14))) fasternet_work.push_back({op, c, r, t});
  struct OpWork {
    OpItem item;
    int64_t threads;
    std::string id() const { return item.id + "_t" + std::to_string(threads); }
  };
  std::vector<OpWork> op_work;
  for (int64_t t : threads)
    for (auto& item : op_items(options.quick)) op_work.push_back({item, t});
  std::shuffle(op_work.begin(), op_work.end(), shuffle_rng);
  // Whole networks sampled from the CPUBone-like space, with seeds from training_seed_base on: they give
  // predictors per-op times in context and the network overhead. Validation samples other seeds.
  std::vector<std::pair<uint64_t, int64_t>> network_work;  // (seed, threads)
  for (int64_t t : threads)
    for (uint64_t i = 0; i < (options.quick ? 4u : 40u); ++i) network_work.emplace_back(training_seed_base + i, t);
  std::vector<std::pair<std::string, int64_t>> zoo_work;  // (zoo name, threads)
  for (int64_t t : threads)
    for (const auto& e : zoo())
      if (!options.quick || e.name == "b0") zoo_work.emplace_back(e.name, t);

  size_t remaining = 0;
  for (const auto& c : grid) remaining += !done.count(c.id());
  for (const auto& [name, t] : zoo_work) remaining += !done.count("zoo_" + name + "_t" + std::to_string(t));
  for (const auto& f : fasternet_work) remaining += !done.count(f.id());
  for (const auto& w : op_work) remaining += !done.count(w.id());
  auto network_id = [](uint64_t seed, int64_t t) { return "sampled_" + std::to_string(seed) + "_t" + std::to_string(t); };
  for (const auto& [seed, t] : network_work) remaining += !done.count(network_id(seed, t));
  const size_t total = remaining;
  size_t finished = 0;
  const bool tty = ::isatty(2);
  auto options_for_next = [&] {
    MeasureOptions o;
    o.warmup_runs = 1;
    o.min_runs = 3;
    o.max_runs = 300;  // bounds the raw samples kept; the median of 300 runs is stable enough
    o.attempts = 2;
    const double left = std::max(0.0, budget_s - seconds_since(start));
    // Creating a plan and the per-op pass cost about as much again as the whole-network timing.
    o.min_time_s = std::clamp(left / static_cast<double>(std::max<size_t>(1, remaining - finished)) / 3.0, 0.005, 0.5);
    return o;
  };
  auto after_each = [&] {
    ++finished;
    progress(finished, total, seconds_since(start), tty);
    // After every measurement: an interrupt (or a kill) costs at most the one in progress.
    checkpoint();
  };
  int64_t pinned = -1;
  auto pin = [&](int64_t t) {
    if (t != pinned) pin_to_cpus(t);
    pinned = t;
  };

  for (const SweepConfig& c : grid) {
    if (stop) break;
    if (done.count(c.id())) continue;
    pin(c.threads);
    Json r = measure_network(c.network(), c.threads, options.seed, options_for_next(), peak[c.threads]);
    r["id"] = c.id();
    r["variant"] = c.variant;
    r["kernel"] = c.kernel;
    r["groups"] = c.groups;
    r["channels"] = c.channels;
    r["resolution"] = c.resolution;
    r["stride"] = c.stride;
    r["threads"] = c.threads;
    profile["configs"].push_back(std::move(r));
    after_each();
  }
  for (const auto& w : op_work) {
    if (stop) break;
    if (done.count(w.id())) continue;
    pin(w.threads);
    Json r = measure_network(w.item.build(), w.threads, options.seed, options_for_next(), peak[w.threads]);
    r["id"] = w.id();
    r["threads"] = w.threads;
    profile["ops"].push_back(std::move(r));
    after_each();
  }
  for (const auto& [seed, t] : network_work) {
    if (stop) break;
    const std::string id = network_id(seed, t);
    if (done.count(id)) continue;
    pin(t);
    const Macro m = sample_cpubone_like(seed);
    Json r = measure_network(expand(m, m.name), t, options.seed, options_for_next(), peak[t]);
    r["id"] = id;
    r["sample_seed"] = seed;
    r["threads"] = t;
    profile["networks"].push_back(std::move(r));
    after_each();
  }
  for (const auto& f : fasternet_work) {
    if (stop) break;
    if (done.count(f.id())) continue;
    pin(f.threads);
    Json r = measure_network(fasternet_network(f.op, f.channels, f.resolution), f.threads, options.seed,
                             options_for_next(), peak[f.threads]);
    r.erase("layers");  // ten identical layers: the totals are the point
    r["id"] = f.id();
    r["op"] = f.op;
    r["channels"] = f.channels;
    r["resolution"] = f.resolution;
    r["threads"] = f.threads;
    profile["fasternet"].push_back(std::move(r));
    after_each();
  }
  for (const auto& [name, t] : zoo_work) {
    if (stop) break;
    const std::string id = "zoo_" + name + "_t" + std::to_string(t);
    if (done.count(id)) continue;
    pin(t);
    const Network net = find_zoo(name)->build(0);
    Json r = measure_network(net, t, options.seed, options_for_next(), peak[t]);
    r["id"] = id;
    r["model"] = name;
    r["resolution"] = net.input.h;
    r["threads"] = t;
    profile["zoo"].push_back(std::move(r));
    after_each();
  }
  profile["complete"] = !stop;
  profile["elapsed_s"] = profile.value("elapsed_s", 0.0) + seconds_since(start);
  mark_interference(profile);
  checkpoint();
  return profile;
}

}  // namespace cpx::profiler

// cpubone_explore._core: the C++ layers for Python. Every function here is a thin call into space/,
// profiler/ or predictor/ (the same ones the CLI calls); results cross as the CLI's JSON documents, turned
// into Python dicts. The Python-facing docs are in cpubone_explore/__init__.pyi.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <thread>

#include "explorer/advise.hpp"
#include "explorer/check.hpp"
#include "explorer/advise_apply.hpp"
#include "explorer/job.hpp"
#include "explorer/option_checks.hpp"
#include "predictor/devices.hpp"
#include "predictor/prediction_notes.hpp"
#include "predictor/validate/validate.hpp"
#include "profiler/executor/plan.hpp"
#include "profiler/interop/onnx.hpp"
#include "profiler/interop/torch.hpp"
#include "profiler/measure/measure_network.hpp"
#include "profiler/measure/sweep.hpp"
#include "profiler/profile/cpus.hpp"
#include "reports/report.hpp"
#include "space/count.hpp"
#include "space/io.hpp"
#include "space/zoo.hpp"

#include <filesystem>

namespace py = pybind11;
using cpx::Json;
using NetworkPtr = std::shared_ptr<cpx::Network>;

namespace {

py::object to_python(const Json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

Json from_python(const py::handle& o, const std::string& what) {
  std::string text;
  try {
    text = py::module_::import("json").attr("dumps")(o, py::arg("allow_nan") = false).cast<std::string>();
  } catch (py::error_already_set& e) {
    throw cpx::InputError(what + ": not JSON-serialisable (" + std::string(py::str(e.value())) + ")");
  }
  return Json::parse(text);
}

// A zoo name, a file path or a dict, as `load` takes them. With `skipped`, an ONNX node of an op type the
// importer does not know passes its input on and is listed there (skip_unknown).
NetworkPtr load(const py::handle& source, int64_t resolution, std::vector<std::string>* skipped = nullptr) {
  if (py::isinstance<py::dict>(source)) {
    const Json j = from_python(source, "<dict>");
    py::gil_scoped_release release;
    return std::make_shared<cpx::Network>(cpx::load_model_json(j, "<dict>", resolution));
  }
  if (!py::isinstance<py::str>(source)) throw py::type_error("load: expected a zoo name, a file path or a dict");
  const std::string name = source.cast<std::string>();
  py::gil_scoped_release release;
  return std::make_shared<cpx::Network>(cpx::profiler::load_any_model(name, resolution, skipped));
}

// The weights a network came with from its file (an ONNX file's initializers, a network JSON's weights
// file), held by the Python Network object as its `_weights` attribute: run() and measure() use them
// unless given a seed.
struct FileWeights {
  cpx::profiler::NetworkWeights weights;
  std::string label;
  std::vector<std::string> seeded_ops;  // ModelWithWeights::seeded_ops
  cpx::BatchNormFolding folding;        // the convs the file's exporter folded a BatchNorm into, for advise's apply
};

// load() as the Python module returns it: the network, with `_weights` when its file has weights.
py::object load_with_weights(const py::handle& source, int64_t resolution,
                             std::vector<std::string>* skipped = nullptr) {
  if (!py::isinstance<py::str>(source)) return py::cast(load(source, resolution));
  const std::string name = source.cast<std::string>();
  cpx::profiler::ModelWithWeights m;
  cpx::BatchNormFolding folding;
  {
    py::gil_scoped_release release;
    m = cpx::profiler::load_model_with_weights(name, resolution, skipped, &folding);
  }
  py::object net = py::cast(std::make_shared<cpx::Network>(std::move(m.net)));
  if (m.weights)
    net.attr("_weights") = std::make_shared<FileWeights>(
        FileWeights{std::move(*m.weights), m.weights_label, std::move(m.seeded_ops), std::move(folding)});
  return net;
}

// The file's weights of a Python Network when it has them and no seed was given; else null (seeded).
std::shared_ptr<FileWeights> own_weights(const py::object& net, const std::optional<uint64_t>& seed) {
  if (seed || !py::hasattr(net, "_weights")) return nullptr;
  return net.attr("_weights").cast<std::shared_ptr<FileWeights>>();
}

// Anything else (a path object, a torch nn.Module) goes through the package's _network, which exports a
// module to ONNX first.
NetworkPtr as_network(const py::handle& net) {
  if (py::isinstance<cpx::Network>(net)) return net.cast<NetworkPtr>();
  if (!py::isinstance<py::dict>(net) && !py::isinstance<py::str>(net))
    return py::module_::import("cpubone_explore").attr("_network")(net).cast<NetworkPtr>();
  return load(net, 0);
}

// Long calls run on a thread of their own with the GIL released: measuring pins the calling thread to
// CPUs (profiler::pin_to_cpus), which must not stick to the interpreter's thread. With a `stop` flag,
// Ctrl-C in the interpreter sets it and the call returns early; its KeyboardInterrupt is then raised.
template <typename F>
auto off_thread(F&& fn, std::atomic<bool>* stop = nullptr) {
  using T = decltype(fn());
  std::packaged_task<T()> task(std::forward<F>(fn));
  std::future<T> result = task.get_future();
  std::thread worker(std::move(task));
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (!stop || interrupted) continue;
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) {
        interrupted = true;
        *stop = true;
      }
    }
    worker.join();
  }
  if (interrupted) throw py::error_already_set();
  return result.get();
}

py::tuple nhwc(const cpx::ShapeNhwc& s) { return py::make_tuple(s.n, s.h, s.w, s.c); }

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "C++ core of cpubone_explore; use the cpubone_explore package.";
  static py::exception<cpx::InputError>& input_error =
      py::register_exception<cpx::InputError>(m, "InputError", PyExc_ValueError);
  input_error.attr("__doc__") = "Bad input (file, field, value, name or option), with the CLI's one-line message.";
  // A library's FieldError names its own field, and its AdvisedError the options its advice names: raised in
  // Python's terms, each option its keyword argument ("threads=8: ...", not the command line's "--threads = 8").
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cpx::FieldError& e) {
      input_error(cpx::explorer::python_message(e).c_str());
    } catch (const cpx::AdvisedError& e) { input_error(cpx::explorer::python_message(e).c_str()); }
  });

  py::class_<FileWeights, std::shared_ptr<FileWeights>>(m, "FileWeights",
                                                        "The weights a network's file holds (opaque).")
      .def_property_readonly("label", [](const FileWeights& w) { return w.label; });
  py::class_<cpx::Network, std::shared_ptr<cpx::Network>>(
      m, "Network", "An expanded network: named ops in execution order on an NHWC input (immutable).",
      py::dynamic_attr())
      .def_property_readonly("name", [](const cpx::Network& n) { return n.name; })
      .def_property_readonly("family", [](const cpx::Network& n) { return n.family; })
      .def_property_readonly("input_nhwc", [](const cpx::Network& n) { return nhwc(n.input); })
      .def_property_readonly("output_nhwc", [](const cpx::Network& n) { return nhwc(n.shapes.back()); })
      .def_property_readonly("resolution", [](const cpx::Network& n) { return n.input.h; })
      .def_property_readonly("op_count", [](const cpx::Network& n) { return n.ops.size(); })
      .def("__len__", [](const cpx::Network& n) { return n.ops.size(); })
      .def(
          "to_dict", [](const cpx::Network& n) { return to_python(cpx::to_json(n)); },
          "The \"cpubone-explore/network/v1\" document (as `expand` writes it); load() takes it back.")
      .def(
          "to_json", [](const cpx::Network& n, int indent) { return cpx::to_json(n).dump(indent); },
          py::arg("indent") = 2, "to_dict() as JSON text.")
      .def(
          "to_torch",
          [](const cpx::Network& n, const std::string& path, uint64_t seed) {
            if (path.size() < 4 || path.substr(path.size() - 3) != ".py")
              throw cpx::InputError("path = \"" + path + "\": must end in .py (it is a Python module)");
            const std::string weights_file = path.substr(0, path.size() - 3) + ".f32";
            const auto t = cpx::profiler::export_torch(n, cpx::profiler::make_weights(n, seed),
                                                       std::filesystem::path(weights_file).filename().string());
            cpx::write_file_atomic(weights_file, t.weights);
            cpx::write_file_atomic(path, t.source);
            py::dict d;
            d["module"] = path;
            d["weights"] = weights_file;
            d["params"] = t.params;
            return d;
          },
          py::arg("path"), py::arg("seed") = 0,
          "Writes a self-contained PyTorch nn.Module (class Net; torch and numpy only) to path (.py), and next to it "
          "(.f32) the weights of `seed` (those of measure(seed=...)), which the module's load() reads. Returns "
          "{module, weights, params}; params equals count()'s.")
      .def("__repr__", [](const cpx::Network& n) {
        return "<Network " + n.name + ": " + std::to_string(n.ops.size()) + " ops, input " + n.input.str() + " (NHWC)>";
      });

  m.def("zoo_names", &cpx::zoo_names);
  m.def(
      "similar_zoo_names", [](const std::string& name) { return cpx::similar_zoo_names(name, 5); }, py::arg("name"));
  m.def("zoo_info", [](const std::string& name) {
    const cpx::ZooEntry* e = cpx::find_zoo(name);
    if (!e) throw cpx::InputError(name + ": not a zoo model");
    return to_python(cpx::zoo_entry_to_json(*e));
  });
  m.def(
      "load", [](const py::handle& source, int64_t resolution) { return load_with_weights(source, resolution); },
      py::arg("source"), py::arg("resolution") = 0);
  m.def(
      "load_skipping",
      [](const py::handle& source, int64_t resolution) {
        std::vector<std::string> skipped;
        const py::object net = load_with_weights(source, resolution, &skipped);
        return py::make_tuple(net, skipped, cpx::profiler::skipped_note(skipped).spelled(cpx::explorer::keyword_of));
      },
      py::arg("source"), py::arg("resolution") = 0,
      "load() with skip_unknown: (network, the ONNX nodes passed through as \"name (OpType)\", the warning that says "
      "so or \"\")");

  m.def(
      "count",
      [](const cpx::Network& n, bool layers) {
        Json j;
        {
          py::gil_scoped_release release;
          j = cpx::count_to_json(n, cpx::count(n), layers);
        }
        return to_python(j);
      },
      py::arg("net"), py::arg("layers") = true);
  // A file by path, as `count FILE` reads it: an ONNX export's folded BatchNorms are then known.
  m.def(
      "count_file",
      [](const std::string& path, bool layers) {
        Json j;
        {
          py::gil_scoped_release release;
          cpx::BatchNormFolding folding;
          const cpx::Network n = cpx::profiler::load_any_model(path, 0, nullptr, &folding);
          j = cpx::count_to_json(n, cpx::count(n), layers, &folding);
        }
        return to_python(j);
      },
      py::arg("path"), py::arg("layers") = true);

  m.def(
      "run",
      [](const py::object& net, std::optional<uint64_t> seed, int64_t threads) {
        cpx::explorer::check_threads_option(
            threads);  // the command line's checks and messages (explorer/option_checks.hpp)
        const cpx::Network& n = net.cast<const cpx::Network&>();
        const std::shared_ptr<FileWeights> own = own_weights(net, seed);
        std::vector<float> input = cpx::profiler::make_input(n.input, seed.value_or(0)), output;
        {
          py::gil_scoped_release release;
          cpx::profiler::Plan plan(n, own ? own->weights : cpx::profiler::make_weights(n, seed.value_or(0)),
                                   {static_cast<size_t>(threads), false});
          std::copy(input.begin(), input.end(), plan.input().begin());
          plan.run();
          output.assign(plan.output().begin(), plan.output().end());
        }
        const cpx::ShapeNhwc& o = n.shape_of(n.output);
        py::dict d;
        d["input_nhwc"] =
            py::array_t<float>(std::vector<py::ssize_t>{n.input.n, n.input.h, n.input.w, n.input.c}, input.data());
        d["output_nhwc"] = py::array_t<float>(std::vector<py::ssize_t>{o.n, o.h, o.w, o.c}, output.data());
        d["weights"] = own ? own->label : "seed " + std::to_string(seed.value_or(0));
        return d;
      },
      py::arg("net"), py::arg("seed") = py::none(), py::arg("threads") = 1);

  m.def(
      "check",
      [](const std::string& model, uint64_t seed, double tolerance, int64_t threads, bool per_op) {
        cpx::explorer::CheckOptions o;
        o.seed = seed;
        o.tolerance = tolerance;
        o.threads = threads;
        o.per_op = per_op;
        Json j;
        {
          py::gil_scoped_release release;
          j = cpx::explorer::to_json(cpx::explorer::check_model(model, o));
        }
        return to_python(j);
      },
      py::arg("model"), py::arg("seed") = 0, py::arg("tolerance") = 1e-4, py::arg("threads") = 1,
      py::arg("per_op") = false);

  m.def(
      "measure",
      [](const py::object& net, int64_t threads, bool layers, std::optional<uint64_t> seed, double min_time_s,
         int64_t min_runs) {
        const cpx::Network& n = net.cast<const cpx::Network&>();
        const std::shared_ptr<FileWeights> own = own_weights(net, seed);
        cpx::profiler::NetworkRun o = cpx::profiler::measure_defaults();
        o.threads = threads;
        o.layers = layers;
        o.seed = seed.value_or(0);
        o.weights = own ? &own->weights : nullptr;
        o.timing.min_time_s = min_time_s;
        o.timing.min_runs = min_runs;
        cpx::explorer::check_measure_options(o);
        return to_python(off_thread([&] { return to_json(cpx::profiler::measure_network(n, o)); }));
      },
      py::arg("net"), py::arg("threads") = 1, py::arg("layers") = false, py::arg("seed") = py::none(),
      py::arg("min_time_s") = 1.0, py::arg("min_runs") = 20);

  m.def(
      "profile",
      [](const std::string& device, bool quick, std::vector<int64_t> threads, double budget, std::string out,
         bool resume, uint64_t seed) {
        cpx::explorer::check_threads_option(threads);
        cpx::profiler::SweepOptions o;
        o.quick = quick;
        o.threads = std::move(threads);
        o.budget_s = budget;
        o.out_path = std::move(out);
        o.resume = resume;
        o.seed = seed;
        if (o.out_path.empty()) o.out_path = cpx::predictor::resolve_device(device).profile_path;
        std::atomic<bool> stop{false};
        const cpx::profiler::Profile profile =
            off_thread([&] { return cpx::profiler::profile_device(device, o, stop); }, &stop);
        py::object d = to_python(cpx::profiler::to_json(profile));
        d["path"] = o.out_path;
        return d;
      },
      py::arg("device") = std::string(cpx::predictor::host_device), py::arg("quick") = true,
      py::arg("threads") = std::vector<int64_t>{}, py::arg("budget_s") = 0.0, py::arg("out") = "",
      py::arg("resume") = false, py::arg("seed") = 0);

  py::class_<cpx::predictor::Predictor>(m, "Predictor",
                                        "A device's MACpS predictor (one regression per operator class).")
      .def_readonly("device", &cpx::predictor::Predictor::device)
      .def_readonly("runtime", &cpx::predictor::Predictor::runtime)
      .def_property_readonly("provenance",
                             [](const cpx::predictor::Predictor& p) { return to_python(p.provenance.document); })
      .def(
          "predict",
          [](const cpx::predictor::Predictor& p, const py::handle& net, std::optional<int64_t> requested, bool layers) {
            if (requested && (*requested < 1 || *requested > 256))
              throw cpx::FieldError(cpx::Field::threads, std::to_string(*requested), "out of range [1, 256]");
            const int64_t threads = cpx::predictor::prediction_threads(p, requested);
            const NetworkPtr n = as_network(net);
            Json j;
            std::vector<std::string> notes;
            {
              py::gil_scoped_release release;
              const cpx::predictor::NetworkPrediction pred = cpx::predictor::predict(p, *n, threads);
              j = cpx::predictor::prediction_to_json(p, *n, pred, threads, layers);
              notes = cpx::predictor::prediction_notes(pred, cpx::predictor::outside_profile(p, *n, pred, threads),
                                                       n->name);
            }
            // The caveats `predict` prints in text, each a UserWarning at the caller's line (an error under -W error).
            for (const std::string& note : notes)
              if (PyErr_WarnEx(PyExc_UserWarning, note.c_str(), 1) != 0) throw py::error_already_set();
            return py::module_::import("cpubone_explore").attr("Result")(to_python(j));
          },
          py::arg("net"), py::arg("threads") = py::none(), py::arg("layers") = true,
          "Predicted latency (`predict --json`): latency_us, macps, overhead_us, network_bytes, weights_credit_us "
          "(what cached\n"
          "weights saved, host models only) and, with layers, each op's class, MACs and time. Each caveat the text "
          "form of\n"
          "`predict` prints (the interval's warning, work the calibration barely exercised, ops outside the profile) "
          "is\n"
          "also raised as a UserWarning (warnings.warn).\n"
          "net: a Network, zoo name, file path or dict.")
      .def(
          "to_dict", [](const cpx::predictor::Predictor& p) { return to_python(cpx::predictor::to_json(p)); },
          "The \"cpubone-explore/predictor/v1\" document, with its provenance.")
      .def("__repr__",
           [](const cpx::predictor::Predictor& p) { return "<Predictor " + p.device + ": " + p.runtime + ">"; });

  m.def(
      "predictor",
      [](const std::string& device) {
        py::gil_scoped_release release;
        return cpx::predictor::load_predictor(cpx::predictor::resolve_device(device));
      },
      py::arg("device") = std::string(cpx::predictor::default_device));
  m.def("shipped_devices", &cpx::predictor::shipped_device_names);
  m.def(
      "predictor_path", [](const std::string& device) { return cpx::predictor::resolve_device(device).predictor_path; },
      py::arg("device"));

  m.def(
      "fit",
      [](const std::string& device, const std::string& profile, bool allow_noisy, const std::string& select,
         const std::string& zoo_families, const std::string& speed_correction) {
        cpx::predictor::FitOptions options;
        options.allow_noisy = allow_noisy;
        options.selection = cpx::predictor::selection_from_string(select, "select");
        options.zoo_families = cpx::predictor::zoo_families_from_string(zoo_families, "zoo_families");
        options.speed_correction = cpx::predictor::speed_correction_from_string(speed_correction, "speed_correction");
        return off_thread(
            [&] { return cpx::predictor::fit_device(cpx::predictor::resolve_device(device), profile, options); });
      },
      py::arg("device") = std::string(cpx::predictor::host_device), py::arg("profile") = "",
      py::arg("allow_noisy") = false, py::arg("select") = "kfold",
      py::arg("zoo_families") = std::string(cpx::predictor::to_string(cpx::predictor::FitOptions{}.zoo_families)),
      py::arg("speed_correction") =
          std::string(cpx::predictor::to_string(cpx::predictor::FitOptions{}.speed_correction)));

  m.def("calibration_candidates", [] { return cpx::predictor::calibration_method_names(); });
  m.def(
      "calibrate",
      [](const std::string& device, const std::string& published, const std::string& column,
         const std::string& hardware, const std::string& out, const std::string& method, const std::string& host_from,
         const std::string& interval_method, const std::string& runtime, std::optional<int64_t> threads, bool zero_shot,
         const std::string& runtime_class) {
        const auto interval = cpx::predictor::interval_method_from(interval_method, "interval_method");
        const auto chosen =
            method.empty() ? std::nullopt : std::optional(cpx::predictor::calibration_method_from(method, "--method"));
        const auto runtime_kind =
            runtime_class.empty()
                ? std::nullopt
                : std::optional(cpx::predictor::runtime_class_names.parse(runtime_class, "runtime_class"));
        const auto r = off_thread([&] {
          return cpx::predictor::calibrate_device({device, published, column, hardware, out, chosen, host_from,
                                                   interval, runtime, threads, zero_shot, runtime_kind});
        });
        const auto& c = *r.calibration.device.calibrated;
        if (!r.host_note.empty() &&
            PyErr_WarnEx(PyExc_UserWarning, r.host_note.spelled(cpx::explorer::flag_of).c_str(), 1) != 0)
          throw py::error_already_set();
        // What calibrate found wrong and wrote all the same, as the command line prints it (also in held_out.warnings).
        if (c.held_out)
          for (const std::string& w : c.held_out->warnings)
            if (PyErr_WarnEx(PyExc_UserWarning, w.c_str(), 1) != 0) throw py::error_already_set();
        for (const std::string& o : r.calibration.device.provenance.outside_learning_devices)
          if (PyErr_WarnEx(PyExc_UserWarning,
                           (o + ": the prior extrapolates, and its interval may be too narrow").c_str(), 1) != 0)
            throw py::error_already_set();
        return to_python(
            {{"device", device},
             {"path", r.path},
             {"method", cpx::predictor::to_string(c.method)},
             {"held_out", c.held_out ? to_json(*c.held_out) : Json(nullptr)},
             {"interval", to_json(c.interval)},
             {"kinds", cpx::predictor::kinds_json(c.kind_share)},
             {"uncalibrated", c.uncalibrated ? to_json(*c.uncalibrated, c.uncalibrated_factor) : Json(nullptr)},
             {"published", cpx::predictor::published_to_json(r.calibration.device.provenance)},
             {"zero_shot", cpx::predictor::zero_shot_to_json(r.calibration.device.provenance)},
             {"timed_by", cpx::predictor::to_string(c.timed_by)},
             {"runtime", r.calibration.device.runtime},
             // The device whose carried host model was used; "" for this machine's fitted host predictor.
             {"host_from", r.host_from_shipped.empty() ? host_from : r.host_from_shipped}});
      },
      py::arg("device"), py::arg("published"), py::arg("column") = "", py::arg("hardware") = "", py::arg("out") = "",
      py::arg("method") = "", py::arg("host_from") = "", py::arg("interval_method") = "pooled_t",
      py::arg("runtime") = "", py::arg("threads") = py::none(), py::arg("zero_shot") = false,
      py::arg("runtime_class") = "");

  m.def(
      "validate",
      [](const std::string& device, int64_t samples, uint64_t seed, int64_t threads, double min_time, int64_t rounds,
         int64_t ood, uint64_t ood_seed, bool layers) {
        if (cpx::predictor::resolve_device(device).is_host())
          cpx::explorer::check_threads_option(threads);  // as the command line does first
        return to_python(off_thread([&] {
          return to_json(
              cpx::predictor::validate(device, {samples, seed, threads, min_time, rounds, ood, ood_seed, layers}));
        }));
      },
      py::arg("device") = std::string(cpx::predictor::host_device), py::arg("samples") = 30, py::arg("seed") = 1,
      py::arg("threads") = 1, py::arg("min_time_s") = 0.2, py::arg("rounds") = 5,
      py::arg("ood") = cpx::predictor::ValidateOptions{}.ood, py::arg("ood_seed") = 1, py::arg("layers") = false);
  m.def(
      "rescore",
      [](const std::string& validation, const std::string& device) {
        return to_python(off_thread([&] { return to_json(cpx::predictor::rescore(device, validation)); }));
      },
      py::arg("validation"), py::arg("device") = std::string(cpx::predictor::host_device),
      "The predictor now, scored on the times of an earlier validate's JSON file (validate --rescore)");

  m.def(
      "search",
      [](const py::object& space, const std::string& device, int64_t evaluations, double budget_s, uint64_t seed,
         std::optional<int64_t> threads, const std::string& accuracy, const std::string& out, bool prove,
         std::optional<double> max_latency_ms, std::optional<double> max_params, std::optional<double> max_macs) {
        cpx::explorer::JobOptions o;
        o.device = device;
        o.command = "cpubone_explore.search(device=\"" + device + "\")";
        o.threads = threads;
        o.accuracy = accuracy;
        o.out_dir = out;
        o.prove = prove;
        o.progress = false;  // notebooks treat stderr as a failure signal
        o.search.seed = seed;
        o.search.evaluations = evaluations;
        o.search.max_seconds = budget_s;
        // The latency limit is given in milliseconds, as on the command line.
        o.constraints = {max_latency_ms ? std::optional<double>(*max_latency_ms * 1e3) : std::nullopt, max_params,
                         max_macs, std::nullopt, std::nullopt};
        if (py::isinstance<py::dict>(space)) {
          // A space given as a dict is kept beside the results, so that they say what was searched.
          std::filesystem::create_directories(out);
          o.space_file = (std::filesystem::path(out) / "space.json").string();
          cpx::write_file_atomic(o.space_file, from_python(space, "space").dump(2) + "\n");
        } else if (!space.is_none() && py::str(space).cast<std::string>() != "default") {
          o.space_file = py::str(space).cast<std::string>();
        }
        cpx::explorer::validate(o);  // as the command line does: bad options before loading or fitting anything
        return to_python(off_thread([&] {
          const cpx::predictor::DeviceRef d = cpx::predictor::resolve_device(device);
          const cpx::predictor::Predictor p = cpx::predictor::load_predictor(d);
          const std::optional<cpx::profiler::Profile> profile = cpx::predictor::measured_profile(d);
          return cpx::to_json(
              cpx::explorer::run_job(o, p, profile ? &*profile : nullptr));  // Python receives the file's JSON
        }));
      },
      py::arg("space") = py::none(), py::arg("device") = std::string(cpx::predictor::default_device),
      py::arg("evaluations") = 20000, py::arg("budget_s") = 60.0, py::arg("seed") = 1, py::arg("threads") = py::none(),
      py::arg("accuracy") = "proxy", py::arg("out") = "cpubone-search", py::arg("prove") = false,
      py::arg("max_latency_ms") = py::none(), py::arg("max_params") = py::none(), py::arg("max_macs") = py::none());

  m.def(
      "advise",
      [](const NetworkPtr& net, std::vector<std::string> skipped, const std::string& device,
         std::optional<int64_t> threads, std::optional<double> max_params, std::optional<double> max_macs,
         int64_t evaluations, uint64_t seed, const std::string& apply, const std::string& out,
         const std::string& weights, bool batch_norm) {
        if (!apply.empty() && out.empty())
          throw cpx::FieldError(cpx::Field::apply, "\"" + apply + "\"",
                                {"needs ", cpx::Field::out, " (the directory written)"});
        // Weights "": the file's own when the network came with them (load's _weights), else seed 0. Looked up
        // here, holding the GIL; apply moves from the copy, and the Network keeps its own.
        const std::shared_ptr<FileWeights> own = weights.empty() ? own_weights(py::cast(net), std::nullopt) : nullptr;
        std::optional<cpx::profiler::NetworkWeights> copy;
        if (own) copy = own->weights;
        return to_python(off_thread([&] {
          cpx::explorer::AdviceOptions o;
          o.threads = threads;
          o.max_params = max_params;
          o.max_macs = max_macs;
          o.evaluations = evaluations;
          o.seed = seed;
          cpx::explorer::Advice a =
              cpx::explorer::advise(*net, cpx::predictor::load_predictor(cpx::predictor::resolve_device(device)), o);
          cpx::explorer::note_skipped(a, std::move(skipped), cpx::explorer::keyword_of);
          // What `advise --apply` writes, by the same code (explorer/advise_apply.hpp).
          if (!apply.empty())
            a.applied = cpx::explorer::apply_advice(
                a, {apply, out, weights, copy ? &*copy : nullptr, own ? &own->seeded_ops : nullptr,
                    own ? &own->folding : nullptr, batch_norm});
          return cpx::to_json(static_cast<const cpx::AdviceDocument&>(a));
        }));
      },
      py::arg("net"), py::arg("skipped"), py::arg("device") = std::string(cpx::predictor::default_device),
      py::arg("threads") = py::none(), py::arg("max_params") = py::none(), py::arg("max_macs") = py::none(),
      py::arg("evaluations") = 1500, py::arg("seed") = 1, py::arg("apply") = "", py::arg("out") = "",
      py::arg("weights") = "", py::arg("batch_norm") = true,
      "advise: the document `cpubone-explore advise MODEL --json [--apply IDS --out DIR]` prints "
      "(cpubone-explore/advice/v1)");

  m.def(
      "report",
      [](const py::object& results, const std::string& out) {
        const bool is_path = py::isinstance<py::str>(results);
        const std::string file = is_path ? results.cast<std::string>() : "<results dict>";
        const Json j = is_path ? cpx::read_json_file(file) : from_python(results, "results");
        const auto r = off_thread([&] { return cpx::reports::render(j, file, out); });
        std::vector<std::string> files;
        for (const auto& f : r.files) files.push_back(f.string());
        return files;
      },
      py::arg("results"), py::arg("out"));
}

"""cpubone_explore: how fast will a vision network run on a CPU, from Python.

The same engine as the ``cpubone-explore`` command line: exact counting, measuring on this machine with
XNNPACK, and MACpS predictors of other devices. Results are the documents ``cpubone-explore ... --json``
prints, as dicts (``Result``) with the same keys; per-layer rows are lists of flat-keyed dicts that
``pandas.DataFrame`` takes as they are (``to_records`` makes a numpy structured array).

Bad input raises ``InputError`` (a ``ValueError``) with the CLI's one-line message, each option named as
its keyword argument here (``threads=8: ...``, where the command line says ``--threads = 8``). Long calls
release the GIL, so they can run in a thread while the interpreter goes on.

Wherever a function takes a network it also takes a PyTorch ``nn.Module``: it is exported to ONNX in a
temporary directory (``torch.onnx.export``, its defaults) on ``example_input`` or a random
1 x 3 x ``resolution`` x ``resolution`` input (224 when not given), then imported as an ONNX file is.

    >>> import torchvision
    >>> cx.count(torchvision.models.resnet18())["params"]
    11689512

    >>> import cpubone_explore as cx
    >>> b0 = cx.zoo()["b0"]
    >>> cx.count(b0)["macs"]
    519710080
"""
from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Union

from . import _core
from ._core import InputError, Network, Predictor

__all__ = [
    "InputError", "Network", "Predictor", "Result", "Zoo",
    "zoo", "load", "count", "run", "check", "measure", "profile", "fit", "predictor", "shipped_devices", "calibration_candidates", "calibrate",
    "validate", "rescore", "search", "advise", "report", "to_records",
]

#: Anything ``load`` accepts, a loaded Network, or a torch ``nn.Module`` (exported to ONNX first).
NetworkLike = Union[Network, str, "os.PathLike[str]", dict, Any]
PathLike = Union[str, "os.PathLike[str]"]


class Result(dict):
    """A result document (a dict with the CLI's JSON keys) that prints without its long lists."""

    def __repr__(self) -> str:
        return _short(dict(self))


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list) and len(value) > 6:
        return f"[... {len(value)} items]"
    return repr(value)


class Zoo(Mapping[str, Network]):
    """The model zoo: name -> Network, each built on first access. ``info(name)`` gives the published
    figures (the entry of ``cpubone-explore zoo --json``)."""

    def __init__(self) -> None:
        self._names = list(_core.zoo_names())
        self._built: dict[str, Network] = {}

    def __getitem__(self, name: str) -> Network:
        if name not in self._names:
            similar = _core.similar_zoo_names(name)
            hint = f"; did you mean {', '.join(similar)}?" if similar else ""
            raise KeyError(f"{name!r}: not a zoo model{hint} (cx.zoo() lists the {len(self)} models)")
        if name not in self._built:
            self._built[name] = _core.load(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def info(self, name: str) -> Result:
        """Family, description, resolution, exact params and MACs, published top-1 and every published
        row (with device latencies such as ``rpi5_ms``) of one zoo entry."""
        return Result(_core.zoo_info(name))

    def __repr__(self) -> str:
        return f"<Zoo of {len(self)} networks: {', '.join(self._names)}>"


_zoo: Zoo | None = None


def zoo() -> Zoo:
    """The model zoo (one shared instance, so every network is built once)."""
    global _zoo
    if _zoo is None:
        _zoo = Zoo()
    return _zoo


def load(source: str | os.PathLike[str] | dict, resolution: int = 0) -> Network:
    """A network from a zoo name, a macro or network JSON file, an ONNX file (told apart from JSON by its
    content, whatever its name), or the dict of such a JSON file (as ``Network.to_dict()`` returns).
    ``resolution`` > 0 sets the input height and width."""
    if not isinstance(source, (dict, str)):
        source = os.fspath(source)
    return _core.load(source, resolution)


def count(net: NetworkLike, layers: bool = True, resolution: int = 0, skip_unknown: bool = False,
          example_input: Any = None) -> Result:
    """Exact params, MACs and bytes (``count --json``): totals, the counting definitions and, with
    ``layers``, ``result["layers"]``: one dict per operator (name, op, conv_class, shapes, params, macs, bytes).
    ``net`` may be a torch ``nn.Module`` (see the module's doc; ``resolution``, ``example_input``).
    ``skip_unknown``: an ONNX node of an op type the importer does not know passes its input on instead of
    raising InputError; the nodes are in ``skipped_onnx_nodes``, warned about, and every total excludes them.
    An ONNX file given by path (or a module, exported to one) whose exporter folded the BatchNorms into the
    convs (torch.onnx.export) also gets ``params_batch_norm_separate``, the PyTorch-style count inferred, and
    ``batch_norm_folding``, how."""
    if _is_torch_module(net):
        with _exported(net, resolution, example_input) as path:
            return count(path, layers, 0, skip_unknown)
    if isinstance(net, (str, os.PathLike)) and os.path.isfile(net) and not skip_unknown and not resolution:
        return Result(_core.count_file(os.fspath(net), layers))
    network, skipped, note = _loaded(net, resolution, skip_unknown, example_input)
    return _noting_skipped(Result(_core.count(network, layers)), skipped, note)


def run(net: NetworkLike, seed: int | None = None, threads: int = 1) -> dict[str, Any]:
    """Runs the network once on this machine's executor: ``{"input_nhwc": array, "output_nhwc": array,
    "weights": label}`` (float32 numpy arrays). The weights are the network file's own (an ONNX file's
    initializers, the weights file a network JSON names) unless ``seed`` is given, else those of ``seed``
    (``measure(seed=...)``'s, which ``Network.to_torch(path, seed)`` exports); the input is seed's (0 if none)."""
    return _core.run(_network(net), seed, threads)


def check(model: str | os.PathLike[str], seed: int = 0, tolerance: float = 1e-4, threads: int = 1,
          per_op: bool = False) -> Result:
    """``cpubone-explore check --json``: the ONNX file run with its own weights on our executor and on ONNX
    Runtime (its Node package, benchmarks/ort) on one seeded input. ``result["agrees"]``; per output the
    largest error relative to the output's scale (``outputs``); ``first_disagreeing_op`` among the
    intermediate tensors whose names map (compared when the output disagrees, or with ``per_op``)."""
    return Result(_core.check(os.fspath(model), seed, tolerance, threads, per_op))


def measure(net: NetworkLike, threads: int = 1, layers: bool = False, seed: int | None = None,
            min_time_s: float = 1.0, min_runs: int = 20, resolution: int = 0, skip_unknown: bool = False,
            example_input: Any = None) -> Result:
    """Measures latency on this machine with XNNPACK (``measure --json``): ``timing`` has the median
    and every statistic (``stats_us``) and the raw ``samples_us``; also MACpS, the measured peak, the
    environment and, with ``layers``, one row per operator plus the additivity gap. Runs on a thread of
    its own pinned to ``threads`` CPUs, with the GIL released. A measurement the machine interfered with
    (``interference.above_threshold``, where the command line exits 3) is returned with a warning.
    ``resolution``, ``skip_unknown``, ``example_input`` (and a torch ``nn.Module`` as ``net``): as ``count``."""
    network, skipped, note = _loaded(net, resolution, skip_unknown, example_input)
    doc = _noting_skipped(Result(_core.measure(network, threads, layers, seed, min_time_s, min_runs)), skipped, note)
    noise = doc.get("interference", {})
    if noise.get("above_threshold"):
        import warnings
        warnings.warn(f"noisy measurements {noise['noisy']} of {noise['measurements']} ({100 * noise['share']:.0f}%), above the "
                      f"{100 * noise['threshold']:.0f}% threshold: the machine was busy while measuring, so these figures read "
                      "slower than this machine is; measure again on a quiet machine", stacklevel=2)
    return doc


def profile(device: str = "host", quick: bool = True, threads: Sequence[int] | None = None,
            budget_s: float = 0.0, out: PathLike | None = None, resume: bool = False, seed: int = 0) -> Result:
    """Sweeps the design space on this machine and writes a device profile (``profile``), to ``out`` or
    the device cache (``$CPX_HOME`` or ``~/.cache/cpubone-explore``); returns it, with ``"path"`` added.
    Only ``"host"`` can be profiled. Ctrl-C (interrupting the kernel) stops it at the next checkpoint and
    raises KeyboardInterrupt; ``resume=True`` continues."""
    return Result(_core.profile(device, quick, list(threads or []), budget_s, _path(out), resume, seed))


def fit(device: str = "host", profile: PathLike | None = None, allow_noisy: bool = False,
        select: str = "kfold", zoo_families: str = "half") -> Predictor:
    """Fits the device's MACpS predictor from its profile (default: the cached one, see ``profile``) and
    writes it to the device cache, where ``predictor(device)`` finds it. Samples of noisy measurements are
    dropped; a profile mostly measured on a busy machine raises InputError unless ``allow_noisy``.
    ``select`` chooses each operator class's model kind as ``fit --select`` does: "kfold" (lowest k-fold
    held-out MAPE) or "balanced" (mean of that and the largest-shapes held-out MAPE). ``zoo_families``
    as ``fit --zoo-families``: "none" (the profile's sampled networks only) or "half" (also its zoo networks
    of half the zoo's families; ``validate`` scores the other half as held out)."""
    return _core.fit(device, _path(profile), allow_noisy, select, zoo_families)


def predictor(device: PathLike = "pi5") -> Predictor:
    """The predictor of a device (default ``"pi5"``, shipped, as the main job's; ``"host"`` is this machine once
    ``fit("host")`` has profiled it): by name, fitted or calibrated on this machine (device cache), else a
    shipped calibrated one (``shipped_devices()``); or the path of a device or predictor file (one that
    ``calibrate(out=...)`` wrote, say; a string with a '/' or ending in .json is a path). An unknown name
    raises InputError listing the known devices. ``.predict(net)`` gives the total and per op, and raises
    each caveat the text form of ``predict`` prints as a ``warnings.warn`` (UserWarning)."""
    return _core.predictor(os.fspath(device))


def shipped_devices() -> list[str]:
    """Calibrated devices built into the library (e.g. ``pi5``)."""
    return list(_core.shipped_devices())


def calibration_candidates() -> list[str]:
    """The candidate models ``calibrate`` scores, simplest first (its ``method`` argument takes one)."""
    return list(_core.calibration_candidates())


def calibrate(device: str, published: PathLike | None = None, column: str | None = None, hardware: PathLike | None = None,
              out: PathLike | None = None, method: str | None = None, host_from: PathLike | None = None,
              interval_method: str = "pooled_t", runtime: str | None = None, threads: int | None = None,
              zero_shot: bool = False, runtime_class: str | None = None) -> Result:
    """Calibrates a device you do not own from whole-network latencies (``calibrate``): your own CSV
    ``model,latency_ms[,family][,threads]``, where model is a zoo name or a network file (network or macro
    JSON, or ``.onnx``; relative to the CSV), or the published-figures format with ``column`` (e.g.
    ``"rpi5_ms"``), and the device's hardware description (``hardware``: a JSON file; default the shipped
    one of that name; or a shipped device's name, whose hardware is then taken under ``device``'s name). Uses
    the host predictor (``fit``), or ``host_from``: a calibrated device (shipped name or file) whose carried
    host model and ceilings stand in for this machine's; without either, the host model a shipped device
    carries, with a ``warnings.warn`` saying which (``result["host_from"]``). Every candidate
    (``calibration_candidates()``, simplest first) is scored held out; the device keeps the simplest within
    one standard error of the best, or ``method`` if given. Writes the device to ``out`` or the device cache;
    returns its held-out table (``held_out``: every candidate, the choice, its nested score, how sure),
    interval, what its networks exercised (``kinds``) and points. ``interval_method``: ``"pooled_t"`` (the
    device's held-out errors, their spread pooled with the shipped devices', Student-t; unseen work widened
    per kind by how devices differ on it) or ``"percentile"`` (the 10th to 90th percentile of its own).
    Your own CSV needs ``runtime`` (the runtime and version you timed with, e.g. ``"ONNX Runtime 1.17"``)
    and ``threads`` (or a threads column): the device then names them wherever it is used
    (``result["timed_by"] == "user"``). Timings faster than the hardware allows raise InputError; rows far
    from the others' fit, and other doubts, are ``warnings.warn``-ed and in ``held_out["warnings"]``.
    ``zero_shot``: a device from its hardware description alone (no ``published``), its parameters learned over
    the shipped calibrated devices other than ``device`` and its interval from their errors, each left out in
    turn (``result["zero_shot"]``; ``timed_by`` "zero_shot"); with ``published`` (1 network or more), that
    prior updated by the timings. ``runtime_class`` (``"onnxruntime"``, ``"tflite"`` or ``"pytorch"``): the kind of
    runtime the device's figures are for, instead of its hardware description's (``calibrate --runtime-class``)."""
    return Result(_core.calibrate(device, _path(published), column or "", _path(hardware), _path(out), method or "",
                                  str(host_from) if host_from else "", interval_method, runtime or "", threads, zero_shot,
                                  runtime_class or ""))


def validate(device: str = "host", samples: int = 30, seed: int = 1, threads: int = 1,
             min_time_s: float = 0.2, rounds: int = 5, ood: int = 30, ood_seed: int = 1,
             layers: bool = False) -> Result:
    """Measures every zoo network and ``samples`` sampled ones (in-distribution) and ``ood`` generated plain
    CNNs (out-of-distribution) on this machine in ``rounds`` interleaved rounds and scores the host
    predictor against the MACs and params baselines, each set on its own (``validate --json``). With
    ``layers``, each set also scores its ops per op class, every op timed inside its network
    (``op_classes``). Takes minutes."""
    return Result(_core.validate(device, samples, seed, threads, min_time_s, rounds, ood, ood_seed, layers))


def rescore(validation: Union[str, "os.PathLike[str]"], device: str = "host") -> Result:
    """Scores the host predictor as it is now on the times of an earlier ``validate --json`` file, measuring
    nothing (``validate --rescore``): two fits compared on the same measurements. The file's networks are
    rebuilt from its seeds; one that changed since (zoo, generators) is an InputError naming its row."""
    return Result(_core.rescore(_path(validation), device))


class SearchResults(dict):
    """The ``cpubone-explore/results/v3`` document of a search (a dict, as ``results.json`` holds it; every
    latency in microseconds, ``_us``), with ``networks``: the Pareto front as Networks, fastest first, loaded
    from the files the search wrote."""

    def __init__(self, results: Mapping[str, Any], out: str) -> None:
        super().__init__(results)
        self.out = out

    @property
    def networks(self) -> list[Network]:
        return [load(os.path.join(self.out, p["file"])) for p in self["pareto"]]


def search(space: PathLike | Mapping[str, Any] | None = None, device: PathLike = "pi5", evaluations: int = 20000,
           budget_s: float = 60.0, seed: int = 1, threads: int | None = None, accuracy: str = "proxy",
           out: PathLike = "cpubone-search", prove: bool = False, max_latency_ms: float | None = None,
           max_params: float | None = None, max_macs: float | None = None) -> SearchResults:
    """Searches a space (None: CPUBone's default; a search-space file or dict) with NSGA-II for networks
    Pareto-optimal in predicted latency on ``device`` (a name or a device file's path, as ``predictor``) and
    estimated top-1 (``accuracy``: "proxy", "macs" or a CSV of measured accuracies), seeded with CPUBone
    B0-B3: the main job of ``cpubone-explore --device``.
    Writes ``out``/results.json, ``out``/pareto/*.json and ``out``/matched/*.json (each baseline's
    capacity-matched configurations); a proposal "dominates" a baseline only when the lower end of its top-1
    interval reaches the baseline's published top-1, the others are in "promising_unproven". With
    ``device="host"`` and ``prove``, measures B0-B3 and each one's fastest earned proposal and fastest
    capacity-matched configuration here (needs ``profile()`` and ``fit()`` first). Same seed and evaluations, same result.
    ``threads`` None: 1 on the host, a calibrated device's own (any other count there raises InputError).
    ``max_latency_ms`` is in milliseconds, as ``--max-latency``; ``budget_s`` 0 means no time limit. Options out
    of range raise InputError with the command line's message (e.g. "--evaluations = 5: out of range ...")."""
    out = _path(out)
    space_arg: Any = dict(space) if isinstance(space, Mapping) else (None if space is None else _path(space))
    return SearchResults(_core.search(space_arg, os.fspath(device), evaluations, budget_s, seed, threads, accuracy, out, prove,
                                      max_latency_ms, max_params, max_macs), out)


def advise(model: NetworkLike, device: str = "pi5", threads: int | None = None, max_params: float | None = None,
           max_macs: float | None = None, evaluations: int = 1500, seed: int = 1, skip_unknown: bool = False,
           apply: str | Sequence[str] | None = None, out: PathLike | None = None, weights: int | PathLike | None = None,
           resolution: int = 0, example_input: Any = None, batch_norm: bool = True) -> Result:
    """Where ``model`` (a Network, zoo name, network JSON or ONNX file, or a torch ``nn.Module``) loses MACpS on
    ``device`` (default ``"pi5"``, shipped, as the main job's; ``"host"`` needs ``fit("host")`` first), which typed rewrites win there, and the local search's front: the document
    ``cpubone-explore advise MODEL --json`` prints (schema cpubone-explore/advice/v1). Every gain is a prediction
    with its interval. ``apply`` (suggestion or variant ids, ``"s1,s3"`` or ``["s1", "s3"]``) with ``out`` (a
    directory) writes what ``advise --apply IDS --out DIR`` writes, by the same code: advised.json, advised.onnx,
    advised.py and advised.f32, the original's ``weights`` (a seed or a raw float32 file; None: the model file's own, else seed 0) carried over; the
    document then has ``applied`` (files, MACs, params, which weights are yours, seeded or need training).
    ``batch_norm=False`` keeps the BatchNorms the file's exporter folded into convs folded (``--no-batch-norm``);
    by default advised.py has them back as conv + BatchNorm, the same function in eval mode. Its warnings
    are raised as Python warnings too.
    ``skip_unknown``: an ONNX node of an op type the importer does not know passes its input on (listed in
    ``skipped_onnx_nodes`` and warned about) instead of raising InputError. ``resolution``, ``example_input``:
    as ``count``."""
    network, skipped, _ = _loaded(model, resolution, skip_unknown, example_input, warn=False)  # the document warns
    ids = apply if apply is None or isinstance(apply, str) else ",".join(apply)
    doc = Result(_core.advise(network, skipped, device, threads, max_params, max_macs, evaluations, seed, ids or "",
                              _path(out), "" if weights is None else str(os.fspath(weights)) if not isinstance(weights, int) else str(weights),
                              batch_norm))
    for w in doc.get("warnings", []):
        warnings.warn(w, stacklevel=2)
    return doc


def report(results: PathLike | Mapping[str, Any], out: PathLike) -> list[str]:
    """Writes report.html (offline charts), report.md, data/*.csv and results.json into ``out`` from a
    search's results (a dict or a results.json path); returns the files written, report.html first."""
    arg: Any = dict(results) if isinstance(results, Mapping) else _path(results)
    return _core.report(arg, _path(out))


def to_records(rows: Sequence[Mapping[str, Any]]) -> Any:
    """A numpy structured array from result rows (e.g. ``count(net)["layers"]``): nested dicts are
    flattened to dotted names (``timing.stats_us.median``); list-valued fields (shapes, samples) are
    left out; None becomes NaN in numeric columns."""
    import numpy as np

    flat = [_flatten(r) for r in rows]
    names: list[str] = []
    for r in flat:
        names.extend(k for k in r if k not in names)
    columns = []
    for name in names:
        values = [r.get(name) for r in flat]
        present = [v for v in values if v is not None]
        if any(isinstance(v, (list, tuple)) for v in present):
            continue
        if present and all(isinstance(v, bool) for v in present):
            columns.append((name, np.array([bool(v) for v in values])))
        elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present) and len(present) == len(values):
            columns.append((name, np.array(values, dtype=np.int64)))
        elif present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            columns.append((name, np.array([np.nan if v is None else float(v) for v in values])))
        else:
            columns.append((name, np.array(["" if v is None else str(v) for v in values])))
    out = np.empty(len(flat), dtype=[(n, a.dtype) for n, a in columns])
    for n, a in columns:
        out[n] = a
    return out


def _flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _network(net: NetworkLike) -> Network:
    return _loaded(net)[0]


def _loaded(net: NetworkLike, resolution: int = 0, skip_unknown: bool = False, example_input: Any = None,
            warn: bool = True, stacklevel: int = 3) -> tuple[Network, list[str], str]:
    """(Network, the ONNX nodes skip_unknown passed through, the warning that says so) of anything a function
    takes as a network; the warning is also raised, at the line that called the public function, unless
    ``warn`` is False."""
    if isinstance(net, Network):
        return net, [], ""
    if _is_torch_module(net):
        with _exported(net, resolution, example_input) as path:
            return _loaded(path, 0, skip_unknown, warn=warn, stacklevel=stacklevel + 1)  # one frame deeper
    if not isinstance(net, (dict, str)):
        if not isinstance(net, os.PathLike):
            raise TypeError(f"expected a Network, zoo name, file path, dict or torch nn.Module, not {type(net).__name__}")
        net = os.fspath(net)
    if not skip_unknown:
        return _core.load(net, resolution), [], ""
    network, skipped, note = _core.load_skipping(net, resolution)
    if note and warn:
        warnings.warn(note, stacklevel=stacklevel)
    return network, list(skipped), note


def _is_torch_module(obj: Any) -> bool:
    torch = sys.modules.get("torch")  # a module object can only come from an imported torch
    return torch is not None and isinstance(obj, torch.nn.Module)


@contextlib.contextmanager
def _exported(module: Any, resolution: int, example_input: Any) -> Iterator[str]:
    """The path of a torch nn.Module exported with torch.onnx.export (its defaults) into a temporary directory,
    removed after the block; named after the module's class, which the imported network is then named after."""
    import tempfile

    import torch
    if example_input is None:
        size = resolution or 224
        example_input = torch.randn(1, 3, size, size)
    with tempfile.TemporaryDirectory(prefix="cpubone-explore-") as tmp:
        path = os.path.join(tmp, f"{type(module).__name__}.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing, not the user's concern here
            torch.onnx.export(module, example_input, path)
        yield path


def _noting_skipped(doc: Result, skipped: list[str], note: str) -> Result:
    """What the command line's --json adds after skipping: the nodes and the warning."""
    if skipped:
        doc["skipped_onnx_nodes"] = skipped
        doc.setdefault("warnings", []).append(note)
    return doc


def _path(p: PathLike | None) -> str:
    return "" if p is None else os.fspath(p)

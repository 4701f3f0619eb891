#!/usr/bin/env python3
"""This machine under ONNX Runtime as a learning device for the zero-shot prior (issue 75).

    /usr/bin/python3 benchmarks/runtime_devices.py [--models a,b,...] [--rounds 2] [--min-time 1.0]
                                                    [--min-runs 10] [--threads 2] [--out CSV]

Six calibrated devices say little of how far a runtime falls below a spec sheet: one TFLite column, two ONNX
Runtime columns and three of papers' PyTorch code, with threads and runtimes partly assumed. This times the
zoo networks those columns published (their union, each at its own resolution) on this machine, where the
runtime, the thread count and the ISA are known: onnxruntime-node (benchmarks/ort/run.mjs), graph
optimisation "all", --threads threads (default 2: the whole VM, as the published ONNX Runtime columns ran on
whole machines), pinned with taskset, the network as `export --onnx --fixed-batch --weights 0` writes it.
No PyTorch device: Debian's python3-torch 1.13 is built with a generic BLAS (its matmul ran at 1.8 GMACpS on
one AVX-512 core, swin-t took 2.4 s against FasterNet's 124 ms on an i9-9900X), not what a paper's eager column ran.
--rounds passes over the networks (odd passes reversed): how far each round lies from the networks' medians
is the machine's repeatability, printed and in the .meta.json. Per run: warm-up 3, then until --min-runs
and --min-time are both reached; a round's figure is its median.
Written: --out (default benchmarks/results/runtime-devices-<date>.csv): model, family, resolution, macs,
latency_ms (the median of the round medians), round_ms (";"-separated); beside it .meta.json: machine, ISA,
versions, settings. `calibrate --published CSV --column latency_ms` reads it.
Needs `npm ci --ignore-scripts` in benchmarks/ort and build/python (the Python module) built.
"""
import argparse
import csv
import datetime
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import transfer  # noqa: E402  (run(), machine(), ort_version())

RUN_MJS = os.path.join(HERE, "ort", "run.mjs")


def published_models():
    """The zoo models any shipped device's published column times, with their families, in file order."""
    seen = {}
    for name in sorted(os.listdir(os.path.join(ROOT, "predictor", "devices"))):
        if name.endswith(".json"):
            with open(os.path.join(ROOT, "predictor", "devices", name)) as f:
                for p in json.load(f)["provenance"]["published"]:
                    seen.setdefault(p["model"], p.get("family", ""))
    return seen


def repeatability(round_ms):
    """round_ms: per network, its rounds' medians. A level shared by a round (the machine changing speed) shows
    in round_level; each network's own scatter in worst_deviation."""
    rel = [[v / statistics.median(r) for v in r] for r in round_ms]
    worst = [max(abs(x - 1) for x in r) for r in rel]
    return {"round_level": [statistics.median(r[i] for r in rel) for i in range(len(rel[0]))],
            "worst_deviation": {"median": statistics.median(worst), "p90": transfer.quantile(worst, 0.9)}}


def time_ort(onnx, cpus, a):
    out = transfer.run(["taskset", "-c", cpus, "node", RUN_MJS, "--model", onnx, "--threads", str(a.threads),
                        "--min-time", str(a.min_time), "--min-runs", str(a.min_runs)]).stdout
    return json.loads(out)["timing"]["stats_us"]["median"] / 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="", help="comma-separated zoo names (default: every published one)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--min-runs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "explorer", "cpubone-explore"))
    ap.add_argument("--out", default=os.path.join(HERE, "results", f"runtime-devices-{datetime.date.today()}.csv"))
    a = ap.parse_args()
    cpus = ",".join(map(str, sorted(os.sched_getaffinity(0))[-a.threads:]))
    families = published_models()
    models = a.models.split(",") if a.models else list(families)
    rows = {}
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            onnx = os.path.join(tmp, m + ".onnx")
            transfer.run([a.cli, "export", m, "--onnx", onnx, "--fixed-batch", "--weights", "0"])
            c = json.loads(transfer.run([a.cli, "count", m, "--json"]).stdout)
            rows[m] = {"family": families.get(m, ""), "resolution": c["resolution"], "macs": c["macs"], "onnx": onnx,
                       "ms": []}
        for r in range(a.rounds):
            for m in models if r % 2 == 0 else models[::-1]:
                rows[m]["ms"].append(time_ort(rows[m]["onnx"], cpus, a))
                print(f"round {r + 1} {m}: {rows[m]['ms'][-1]:.2f} ms", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["model", "family", "resolution", "macs", "latency_ms", "round_ms"])
        w.writeheader()
        for m in models:
            row = rows[m]
            w.writerow({"model": m, "family": row["family"], "resolution": row["resolution"], "macs": row["macs"],
                        "latency_ms": f"{statistics.median(row['ms']):.4f}",
                        "round_ms": ";".join(f"{v:.4f}" for v in row["ms"])})
    spread = repeatability([rows[m]["ms"] for m in models]) if a.rounds >= 2 else None
    if spread:
        print("repeatability: each round / the network's median, median over the networks: "
              + ", ".join(f"{v:.3f}" for v in spread["round_level"]) + "; each network's largest |round / median - 1|: "
              f"median {100 * spread['worst_deviation']['median']:.1f}%, 90th percentile {100 * spread['worst_deviation']['p90']:.1f}%")
    meta = {"date": str(datetime.date.today()), "machine": transfer.machine(), "threads": a.threads, "cpus": cpus,
            "onnxruntime": transfer.ort_version(), "rounds": a.rounds, "min_time_s": a.min_time,
            "min_runs": a.min_runs, "seconds": round(time.time() - t0), "repeatability": spread,
            "load_1min": os.getloadavg()[0]}
    with open(os.path.splitext(a.out)[0] + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {os.path.relpath(a.out, ROOT)}")


if __name__ == "__main__":
    main()

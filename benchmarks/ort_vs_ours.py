#!/usr/bin/env python3
"""Our executor against ONNX Runtime 1.30 (CPU, graph optimisation "all", batch 1) on the same exported
graph, on this machine, at 1 and 2 threads, interleaved in one run.

    python3 benchmarks/ort_vs_ours.py [--models b0,b1,...] [--threads 1,2] [--rounds 2]
                                      [--min-time 1.0] [--min-runs 20] [--json OUT.json]
                                      [--per-op] [--per-node] [--cli build/explorer/cpubone-explore]
                                      [--before OLD_CLI [--before-label 'main at COMMIT']] [--load N]

A model is a zoo name or an ONNX file (`--models resnet50.onnx`, a user's export as
benchmarks/torchvision_intake.py writes it): ONNX Runtime then runs that file itself and ours imports it.
Per zoo model: `cpubone-explore export` writes the ONNX graph (seed 0, the weights `measure` uses), then for
each thread count and round our `measure --json` and ONNX Runtime (benchmarks/ort/run.mjs, pinned with
taskset to as many CPUs as threads, like `measure`) run back to back, each going first in turn; --before
adds an earlier build of our CLI as a third side of every round, so before and after come from one run.
Each side's figure is the median over rounds of its per-round median; ratio = ours / ONNX Runtime
(< 1: we are faster). --per-op adds per-op-type time sums from `measure --layers` and ORT's profiler.
--per-node matches those two profiles node by node (benchmarks/per_node.py says how; ORT nodes matched to
none of ours and ours with no ORT node are listed) and sums both sides per op class, beside the whole-network
figures of the same run; with --before, the earlier build's `measure --layers` is matched to the same profile.
--load N runs N busy-looping processes beside the measurements, as on a laptop or a shared VM where
another program holds a core: how each runtime's threads cope when one of them waits for a CPU.
Not a test: numbers depend on the machine and its load; compare ratios measured in the same run.
Needs `npm ci --ignore-scripts` in benchmarks/ort (scripts/setup does it).
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

import per_node as pn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RUN_MJS = os.path.join(HERE, "ort", "run.mjs")


NOISY = []  # commands whose measurement said the machine was busy (our exit 3): kept, and listed at the end


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 3:  # measured, but noisy: the figure stands, flagged, as a ratio from a busy run
        NOISY.append(" ".join(os.path.basename(c) for c in cmd[:3]))
        return p.stdout
    if p.returncode != 0:
        sys.exit(f"ort_vs_ours: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def cpus(threads):
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < threads:
        sys.exit(f"ort_vs_ours: {threads} threads but only CPUs {allowed} are available")
    return ",".join(str(c) for c in allowed[:threads])


def timing(measurement):
    """The whole network's timing object: "timing" since measurement v2, "latency_us" in v1 (a --before
    binary from before 2026-11-27 writes v1)."""
    return measurement["timing"] if "timing" in measurement else measurement["latency_us"]


def user_file(model):
    """An ONNX file (a user's export, as benchmarks/torchvision_intake.py writes) rather than a zoo name."""
    return model.endswith(".onnx") and os.path.isfile(model)


def label(model):
    """How the results name a model: a file by its name without folder or extension (no machine path)."""
    return os.path.basename(model)[:-len(".onnx")] if user_file(model) else model


def ours(cli, model, resolution, threads, a, layers=False):
    cmd = [cli, "measure", model, "--threads", str(threads), "--json", "--min-time", str(a.min_time),
           "--min-runs", str(a.min_runs)]
    if resolution:
        cmd += ["--resolution", str(resolution)]
    if layers:
        cmd.append("--layers")
    return json.loads(run(cmd))


def ort(onnx, threads, a, profile=None, save_optimized=None):
    cmd = ["taskset", "-c", cpus(threads), "node", RUN_MJS, "--model", onnx, "--threads", str(threads),
           "--min-time", str(a.min_time), "--min-runs", str(a.min_runs)]
    if profile:
        cmd += ["--profile", profile]
    if save_optimized:
        cmd += ["--save-optimized", save_optimized]
    return json.loads(run(cmd))


def ort_per_op(profile_file):
    """Sum over ORT's nodes of each node's median kernel time, per op type (µs), from its profiler's trace;
    medians per node as `measure --layers` takes them per op, so load spikes weigh alike on both sides."""
    with open(profile_file) as f:
        events = json.load(f)
    per_node = defaultdict(list)
    op_type = {}
    for e in events:
        if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time"):
            per_node[e["name"]].append(e["dur"])
            op_type[e["name"]] = e.get("args", {}).get("op_name", "?")
    total = defaultdict(float)
    for node, durations in per_node.items():
        total[op_type[node]] += statistics.median(durations)
    return dict(sorted(total.items(), key=lambda kv: -kv[1]))


def ours_per_op(measurement):
    total = defaultdict(float)
    for layer in measurement["layers"]:
        total[layer["op"]] += layer["timing"]["stats_us"]["median"]
    return dict(sorted(total.items(), key=lambda kv: -kv[1]))


def profiled(a, model, onnx, t, tmp, row):
    """ORT's profile and our `measure --layers` (and --before's), back to back, each going first in turn: once
    for --per-op, --rounds times for --per-node (each node's figure the median of its per-round medians: one
    profile on a busy machine put identical layers 3x apart on both sides). The whole-network medians of this
    run's rounds go beside them."""
    name = label(model)
    rounds = a.rounds if a.per_node else 1
    optimized = os.path.join(tmp, f"{name}_{t}.optimized.onnx")
    sides = ["ort", "ours"] + (["before"] if a.before and a.per_node else [])
    profiles, ours_runs, before_runs = [], [], []
    for r in range(rounds):
        for side in sides[r % len(sides):] + sides[:r % len(sides)]:
            if side == "ort":
                prefix = os.path.join(tmp, f"{name}_{t}_r{r}")
                ort(onnx, t, a, profile=prefix, save_optimized=optimized if a.per_node and r == 0 else None)
                traces = glob.glob(prefix + "_*.json")
                if len(traces) != 1:
                    sys.exit(f"ort_vs_ours: expected one ONNX Runtime profile {prefix}_*.json, found {traces}")
                profiles.append(traces[0])
            else:
                (ours_runs if side == "ours" else before_runs).append(
                    ours(a.cli if side == "ours" else a.before, model, a.resolution, t, a, layers=True))
    if a.per_op:
        row["ort_per_op_us"] = ort_per_op(profiles[0])
        row["ours_per_op_us"] = ours_per_op(ours_runs[0])
    if a.per_node:
        exported, graph = pn.onnx_nodes(onnx), pn.onnx_nodes(optimized)
        nodes = pn.median_of_rounds([pn.ort_nodes(p) for p in profiles])
        row["per_node_rounds"] = rounds
        row["per_node"] = pn.per_node(pn.median_layers(ours_runs), nodes, exported, graph, row["ours_ms"] * 1e3,
                                      row["ort_ms"] * 1e3)
        if before_runs:
            row["per_node_before"] = pn.per_node(pn.median_layers(before_runs), pn.median_of_rounds(
                [pn.ort_nodes(p) for p in profiles]), exported, graph, row["before_ms"] * 1e3, row["ort_ms"] * 1e3)


def machine_of(env):
    """The machine a run measured: our environment's cpu and ISA (`isa`, recorded since 2026-11-26; for an
    older build, from /proc/cpuinfo's flags here) and the igemm tile our executor ran."""
    isa = env.get("isa")
    if not isa:
        flags = set()
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith(("flags", "Features")):
                        flags = set(line.split(":", 1)[1].split())
                        break
        except OSError:
            pass
        if "avx512f" in flags:
            isa = "x86-64 AVX-512F"
        elif {"avx2", "fma"} <= flags:
            isa = "x86-64 AVX2+FMA"
        elif "asimd" in flags:
            isa = "arm64 NEON+FMA"
        else:
            isa = "unknown"
        isa += " (from /proc/cpuinfo)"
    tile = env.get("igemm_tile")
    if tile is None and env.get("igemm"):
        tile = "AVX-512 6x64" if isa.startswith("x86-64 AVX-512") else "AVX2 6x16" if "AVX2" in isa else "unknown"
    return {"cpu": env.get("cpu", "?"), "microarchitecture": env.get("microarchitecture", "?"), "isa": isa,
            "igemm_tile": tile or ""}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="nano,t0,s0,b0,b1,b2,b3,mobilenetv3-large,resnet18,efficientformerv2-s0,"
                    "efficientmod-xxs,fasternet-t0,fastvit-t8,ghostnetv2-1.0,lowformer-b0,mobileone-s0,repvit-m0.9")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--resolution", type=int, default=0, help="0: each model's own")
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--min-runs", type=int, default=20)
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--per-op", action="store_true", help="per-op-type times of both runtimes (slower)")
    ap.add_argument("--per-node", action="store_true", help="node-by-node comparison of both runtimes' profiles, "
                    "with per-op-class totals (slower)")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "explorer", "cpubone-explore"))
    ap.add_argument("--before", help="an earlier build of the CLI, measured in the same rounds (before and after "
                    "in one run): each row gains before_ms and before_ratio")
    ap.add_argument("--before-label", help="what --before is, as the JSON records it instead of its path (e.g. "
                    "'main at 6be217e'); default: its --version line")
    ap.add_argument("--load", type=int, default=0, help="busy-looping processes to run beside the measurements "
                    "(a machine another program shares)")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(HERE, "ort", "node_modules", "onnxruntime-node")):
        sys.exit("ort_vs_ours: run `npm ci --ignore-scripts` in benchmarks/ort first (scripts/setup does)")
    threads = [int(t) for t in a.threads.split(",")]
    before_label = (a.before_label or run([a.before, "--version"]).strip()) if a.before else None
    results = []
    load = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(a.load)]
    try:
        compare(a, threads, results)
    finally:
        for p in load:
            p.kill()
    report(a, threads, results, before_label)


def compare(a, threads, results):
    with tempfile.TemporaryDirectory() as tmp:
        for model in a.models.split(","):
            if user_file(model):  # ONNX Runtime runs the file itself; ours imports it, with its weights
                onnx = model
            else:
                onnx = os.path.join(tmp, model + ".onnx")
                cmd = [a.cli, "export", model, "--onnx", onnx, "--fixed-batch"]  # batch 1, as ours runs it
                if a.resolution:
                    cmd += ["--resolution", str(a.resolution)]
                run(cmd)
            for t in threads:
                our_medians, ort_medians, our_cv, ort_cv, before_medians = [], [], [], [], []
                m = o = None
                sides = ["ours", "ort"] + (["before"] if a.before else [])
                for r in range(a.rounds):
                    # Each side goes first in turn (with two sides: alternating), so drift weighs alike on all.
                    steps = sides[r % len(sides):] + sides[:r % len(sides)]
                    for side in steps:
                        if side == "before":
                            before_medians.append(timing(ours(a.before, model, a.resolution, t, a))["stats_us"]["median"])
                        elif side == "ours":
                            m = ours(a.cli, model, a.resolution, t, a)
                            our_medians.append(m["timing"]["stats_us"]["median"])
                            our_cv.append(m["timing"]["stats_us"]["cv"])
                        else:
                            o = ort(onnx, t, a)
                            ort_medians.append(o["timing"]["stats_us"]["median"])
                            ort_cv.append(o["timing"]["stats_us"]["cv"])
                row = {
                    "model": label(model), "threads": t, "resolution": m["resolution"], "macs": m["macs"],
                    "ours_ms": statistics.median(our_medians) / 1e3, "ort_ms": statistics.median(ort_medians) / 1e3,
                    "ours_round_medians_us": our_medians, "ort_round_medians_us": ort_medians,
                    "ours_cv": max(our_cv), "ort_cv": max(ort_cv), "emulated_ops": m["emulated_ops"],
                    "ours_environment": m["environment"], "ort_environment": o["environment"], "ort_runtime": o["runtime"],
                }
                row["ratio"] = row["ours_ms"] / row["ort_ms"]
                if a.before:
                    row["before_ms"] = statistics.median(before_medians) / 1e3
                    row["before_round_medians_us"] = before_medians
                    row["before_ratio"] = row["before_ms"] / row["ort_ms"]
                row["load_average_1min"] = os.getloadavg()[0]  # other processes on the machine distort both sides
                if a.per_op or a.per_node:
                    profiled(a, model, onnx, t, tmp, row)
                results.append(row)
                before = f"  before {row['before_ms']:8.3f} ms ({row['before_ratio']:.3f})" if a.before else ""
                print(f"{label(model):22s} {t}T  ours {row['ours_ms']:8.3f} ms  ort {row['ort_ms']:8.3f} ms  "
                      f"ours/ort {row['ratio']:.3f}{before}  (max cv ours {100 * row['ours_cv']:.1f}%, ort {100 * row['ort_cv']:.1f}%, "
                      f"load {row['load_average_1min']:.1f})",
                      flush=True)
                if a.per_node:
                    pn.print_per_node(label(model), t, row["per_node"])
                    if a.before:
                        print("    before (same ORT profile):")
                        pn.print_per_node(label(model), t, row["per_node_before"], top=5)
                if a.per_op:
                    print("    ours per op kind (us): " + ", ".join(f"{k} {v:.0f}" for k, v in row["ours_per_op_us"].items()))
                    print("    ort per op type (us):  " + ", ".join(f"{k} {v:.0f}" for k, v in row["ort_per_op_us"].items()))


def report(a, threads, results, before_label):
    env = results[0]["ours_environment"] if results else {}
    machine = machine_of(env)
    print(f"\nenv: {env.get('cpu', '?')} ({machine['isa']}; our igemm tile: {machine['igemm_tile'] or 'none'}), "
          f"{results[0]['ort_runtime'] if results else ''}, "
          f"{a.rounds} interleaved rounds, min {a.min_runs} runs and {a.min_time} s per measurement"
          + (f", {a.load} busy-looping processes beside them" if a.load else ""))
    before_head = lambda t: f" {'before':>6s}" if a.before else ""
    print(f"{'model':22s} {'res':>4s} " + " ".join(f"{'ours ' + str(t) + 'T':>9s} {'ort ' + str(t) + 'T':>9s} {'ratio':>6s}"
                                                   + before_head(t) for t in threads))
    for model in dict.fromkeys(r["model"] for r in results):
        rows = {r["threads"]: r for r in results if r["model"] == model}
        before = lambda t: f" {rows[t]['before_ratio']:6.3f}" if a.before else ""
        print(f"{model:22s} {rows[threads[0]]['resolution']:4d} " +
              " ".join(f"{rows[t]['ours_ms']:9.3f} {rows[t]['ort_ms']:9.3f} {rows[t]['ratio']:6.3f}" + before(t) for t in threads))
    if NOISY:
        print(f"\nnoisy: {len(NOISY)} of our measurements said the machine was busy (exit 3); their ratios are "
              "from a loaded machine", file=sys.stderr)
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump({"schema": "cpubone-explore/ort-comparison/v1", "machine": machine, "before": before_label,
                       "background_busy_processes": a.load, "results": results,
                       "noisy_measurements": NOISY},
                      f, indent=2)
        os.replace(a.json + ".tmp", a.json)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""ONNX Runtime as a device we do not own (issue 45, item 4): time ~150 networks under ONNX Runtime on this
machine (1 thread), then calibrate a "device" from k networks of some families and predict the others.

    python3 benchmarks/transfer.py [--dataset CSV | --generate-only] [--networks DIR] [--rounds 2] [--min-time 0.25]
                                   [--min-runs 5] [--no-host] [--smoke N] [--ks 5,10,20,40] [--splits 5]
                                   [--candidates auto|none|NAME,...] [--json OUT.json] [--cli PATH]

Dataset (skipped with --dataset, which reads an earlier CSV and regenerates missing network files):
  networks  written to --networks (default benchmarks/results/transfer-networks/, not committed: every
            file is regenerated deterministically): 38 zoo models at their own resolution (`expand`, up to
            ~2 GMACs), 40 out-of-distribution networks (`expand --ood SEED`, the generator of `validate`,
            family "ood-<the stages' most common block>"; one above 1.5 GMACs is taken at the largest
            resolution, a multiple of 16 and at least 96, that brings it under) and 70 plain CNNs
            (benchmarks/plain_cnns.py, 5 cell types, family "plain-<cell>"); MACs from `count --json`.
  timing    each network exported to ONNX (`export`, weights seed 0) and timed with ONNX Runtime
            (benchmarks/ort/run.mjs, graph optimisation "all", 1 thread, pinned with taskset) and, unless
            --no-host, with our executor (`measure`, 1 thread, pinned), back to back in alternating order;
            --rounds whole passes over the dataset (odd passes in reverse order), so round A against round
            B is the machine's own repeatability floor over minutes, not seconds.
  written   benchmarks/results/transfer-ort-<date>.csv: network (file relative to the CSV), family,
            generator, macs, latency_ms (ONNX Runtime, median of the round medians), ort_round_ms (the
            rounds, ";"-separated), ort_round_min_ms (each round's fastest run), host_ms, host_round_ms and
            host_round_min_ms (our executor), load_1min; beside it a .meta.json (how and when it was timed). The `network`,
            `latency_ms` and `family` columns are what `calibrate --published` reads.

Evaluation, for each k and --splits seeded splits: whole families drawn at random until they hold >= k
networks; k of those networks (at random) calibrate, every network of the other families is held out.
Scored on the held out: MAPE, share within +-10%, Spearman, coverage of the 80% interval.
  macs          latency = MACs / one MACpS, fitted on the k by least squares on relative errors
                (scale = sum(x)/sum(x^2) with x = MACs/latency; the same fit for every one-factor baseline)
  host×factor   this host's own measured latency (`measure`) times one factor (the issue's strongest baseline)
  host-pred×factor  the host predictor's prediction times one factor (when build/python and a host
                predictor exist)
  candidates    calibrate_candidates(): `cpubone_explore.calibrate(..., method=NAME)` from a CSV of the k
                network files, then `predictor(device).predict(net)`; "default" is the device calibrate
                chooses itself (nested inside each split: it never sees the held-out families). The timed
                device's hardware is --hardware (this VM, figures partly assumed); the host model is the
                cached host predictor's, or without one the model the shipped --host-from device carries
                (fitted on another machine: an AVX-512 VM).
One-factor baselines get an 80% interval from the 10th and 90th percentiles of their relative errors on the k
(in sample, so expect coverage below 80%). Not a test: the figures depend on the machine and its load.
Needs `npm ci --ignore-scripts` in benchmarks/ort and the CLI built (build/explorer/cpubone-explore).
"""
import argparse
import collections
import csv
import datetime
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RUN_MJS = os.path.join(HERE, "ort", "run.mjs")
sys.path.insert(0, HERE)
import plain_cnns  # noqa: E402

# Zoo models up to ~2 GMACs at their own resolution, every family the zoo has in that range.
ZOO = ("nano,t0,s0,b0,b1,mobilenetv1-1.0,mobilenetv2-1.0,mobilenetv2-1.4,mobilenetv3-large,efficientnet-b0,"
       "mnasnet-a1,resnet18,mobileone-s0,mobileone-s1,mobileone-s2,fasternet-t0,fasternet-t1,fasternet-t2,"
       "fastvit-t8,fastvit-t12,lowformer-b0,lowformer-b1,efficientmod-xxs,efficientmod-xs,edgenext-xxs,"
       "edgenext-xs,mobilevit-xxs,mobilevit-xs,poolformer-s12,repvit-m0.9,repvit-m1.1,ghostnet-1.0,ghostnetv2-1.0,"
       "efficientformerv2-s0,efficientformerv2-s1,shufflenetv2-x1.0,mixnet-s,mobilenext-1.0")
MAX_MACS = plain_cnns.MAX_MACS
OOD_KINDS = ("basic", "bottleneck", "grouped", "mbconv", "fused", "factorised", "plain")
NOISY = []


def log(*args):
    print(*args, flush=True)


def run(cmd, check_noisy=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 3 and check_noisy:  # our measure: measured, but the machine was busy; kept, flagged
        NOISY.append(" ".join(os.path.basename(c) for c in cmd[:3]))
        return p
    if p.returncode != 0:
        sys.exit(f"transfer: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


def first_cpu():
    return str(sorted(os.sched_getaffinity(0))[0])


# ---------------------------------------------------------------------------------------------- dataset

def ood_family(blocks):
    """"ood-<kind>" of the most common block kind over an ood network's stages (first on ties)."""
    kinds = [s.strip().split()[0] for s in blocks.split("|")[1:]]
    kinds = [k for k in kinds if k in OOD_KINDS]
    if not kinds:
        return "ood-other"
    counts = collections.Counter(kinds)
    return "ood-" + max(kinds, key=lambda k: (counts[k], -kinds.index(k)))


def generate(a):
    """Writes every network file into a.networks; returns rows {network, family, generator, describe}."""
    os.makedirs(a.networks, exist_ok=True)
    rows = []
    zoo_info = {e["name"]: e for e in json.loads(run([a.cli, "zoo", "--json"]).stdout)}
    for name in a.zoo.split(","):
        if name not in zoo_info:
            sys.exit(f"transfer: {name}: not a zoo model (see `cpubone-explore zoo`)")
        path = os.path.join(a.networks, f"zoo-{name}.json")
        if not os.path.exists(path):
            run([a.cli, "expand", name, "--out", path])
        rows.append({"network": os.path.basename(path), "family": zoo_info[name]["family"], "generator": "zoo",
                     "describe": zoo_info[name].get("description", "")})
    for seed in range(1, a.ood + 1):
        path = os.path.join(a.networks, f"ood-{seed}.json")
        p = run([a.cli, "expand", "--ood", str(seed), "--out", path])
        blocks = p.stderr.strip().split(": ", 1)[1]
        c = json.loads(run([a.cli, "count", path, "--json"]).stdout)
        if c["macs"] > MAX_MACS:  # at a lower resolution (multiple of 16, >= 96), as the plain CNNs are capped
            res = max(96, 16 * int(c["resolution"] * math.sqrt(MAX_MACS / c["macs"]) / 16))
            run([a.cli, "expand", "--ood", str(seed), "--resolution", str(res), "--out", path])
            blocks += f" (taken at {res} px)"
        rows.append({"network": os.path.basename(path), "family": ood_family(blocks), "generator": "ood",
                     "describe": blocks})
    for net, family, _, describe in plain_cnns.plain_networks(a.plain_per_family, a.plain_seed):
        path = os.path.join(a.networks, net["name"] + ".json")
        with open(path, "w") as f:
            json.dump(net, f, indent=1)
        rows.append({"network": os.path.basename(path), "family": family, "generator": "plain", "describe": describe})
    for r in rows:
        r["macs"] = json.loads(run([a.cli, "count", os.path.join(a.networks, r["network"]), "--json"]).stdout)["macs"]
    return rows


def time_ort(onnx, a):
    cmd = ["taskset", "-c", first_cpu(), "node", RUN_MJS, "--model", onnx, "--threads", "1",
           "--min-time", str(a.min_time), "--min-runs", str(a.min_runs)]
    o = json.loads(run(cmd).stdout)
    return o["timing"]["stats_us"], o["runtime"]


def time_host(path, a):
    cmd = [a.cli, "measure", path, "--threads", "1", "--json", "--min-time", str(a.min_time),
           "--min-runs", str(a.min_runs)]
    m = json.loads(run(cmd).stdout)
    return m["timing"]["stats_us"], m["environment"]


def time_dataset(rows, a, meta):
    """--rounds passes over rows (odd passes reversed), ONNX Runtime and (unless --no-host) our executor back
    to back per network, their order alternating. Fills each row's ort_round_ms / host_round_ms."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        for r in rows:
            r["onnx"] = os.path.join(tmp, r["network"][:-5] + ".onnx")
            run([a.cli, "export", os.path.join(a.networks, r["network"]), "--onnx", r["onnx"], "--fixed-batch"])  # batch 1
            for key in ("ort_round_ms", "host_round_ms", "ort_round_min_ms", "host_round_min_ms", "ort_cv", "loads"):
                r[key] = []
        meta["export_s"] = round(time.time() - t0, 1)
        log(f"exported {len(rows)} networks to ONNX in {meta['export_s']} s; timing {a.rounds} rounds, load "
            f"{os.getloadavg()[0]:.2f}")
        t0 = time.time()
        meta["round_loads_1min"] = []
        for rnd in range(a.rounds):
            order = list(range(len(rows)))
            if rnd % 2:
                order.reverse()
            loads = []
            for n, i in enumerate(order):
                r = rows[i]
                sides = ["ort", "host"] if not a.no_host else ["ort"]
                if (rnd + i) % 2:
                    sides.reverse()
                for side in sides:
                    if side == "ort":
                        st, meta["ort_runtime"] = time_ort(r["onnx"], a)
                        r["ort_round_ms"].append(st["median"] / 1e3)
                        r["ort_round_min_ms"].append(st["min"] / 1e3)
                        r["ort_cv"].append(st["cv"])
                    else:
                        st, meta["host_environment"] = time_host(os.path.join(a.networks, r["network"]), a)
                        r["host_round_ms"].append(st["median"] / 1e3)
                        r["host_round_min_ms"].append(st["min"] / 1e3)
                load = os.getloadavg()[0]
                r["loads"].append(load)
                loads.append(load)
                if n % 10 == 0 or n == len(order) - 1:
                    host = f"  host {r['host_round_ms'][-1]:8.3f} ms" if r["host_round_ms"] else ""
                    log(f"round {rnd} {n + 1:3d}/{len(order)} {r['network']:28s} ort {r['ort_round_ms'][-1]:8.3f} ms"
                        f"{host}  load {load:.2f}  ({time.time() - t0:.0f} s)")
            meta["round_loads_1min"].append({"min": min(loads), "median": statistics.median(loads), "max": max(loads)})
        meta["timing_s"] = round(time.time() - t0, 1)
    for r in rows:
        r["latency_ms"] = statistics.median(r["ort_round_ms"])
        r["host_ms"] = statistics.median(r["host_round_ms"]) if r["host_round_ms"] else ""
        r["load_1min"] = max(r["loads"])


CSV_FIELDS = ["network", "family", "generator", "macs", "threads", "latency_ms", "ort_round_ms", "ort_round_min_ms",
              "ort_max_cv", "host_ms", "host_round_ms", "host_round_min_ms", "load_1min", "describe"]


def write_csv(rows, path):
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({"network": os.path.relpath(os.path.join(r["dir"], r["network"]), os.path.dirname(os.path.abspath(path))),
                        "family": r["family"], "generator": r["generator"], "macs": r["macs"], "threads": 1,
                        "latency_ms": f"{r['latency_ms']:.5f}",
                        "ort_round_ms": ";".join(f"{x:.5f}" for x in r["ort_round_ms"]),
                        "ort_max_cv": f"{max(r['ort_cv']):.4f}" if r.get("ort_cv") else "",
                        "host_ms": f"{r['host_ms']:.5f}" if r["host_ms"] != "" else "",
                        "host_round_ms": ";".join(f"{x:.5f}" for x in r["host_round_ms"]),
                        "ort_round_min_ms": ";".join(f"{x:.5f}" for x in r["ort_round_min_ms"]),
                        "host_round_min_ms": ";".join(f"{x:.5f}" for x in r["host_round_min_ms"]),
                        "load_1min": f"{r['load_1min']:.2f}", "describe": r["describe"]})
    os.replace(path + ".tmp", path)


def read_csv(path):
    rows = []
    with open(path, newline="") as f:  # columns of older files may be missing: .get
        for d in csv.DictReader(f):
            rows.append({"network": os.path.basename(d["network"]), "dir": os.path.join(os.path.dirname(path),
                         os.path.dirname(d["network"])), "family": d["family"], "generator": d["generator"],
                         "macs": int(d["macs"]), "latency_ms": float(d["latency_ms"]),
                         "ort_round_ms": [float(x) for x in d["ort_round_ms"].split(";") if x],
                         "host_ms": float(d["host_ms"]) if d["host_ms"] else "",
                         "host_round_ms": [float(x) for x in d["host_round_ms"].split(";") if x],
                         "ort_round_min_ms": [float(x) for x in d.get("ort_round_min_ms", "").split(";") if x],
                         "host_round_min_ms": [float(x) for x in d.get("host_round_min_ms", "").split(";") if x],
                         "load_1min": float(d["load_1min"]), "describe": d["describe"]})
    return rows


# ---------------------------------------------------------------------------------------------- scoring

def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")


def score(pred, truth, lo=None, hi=None):
    errors = [p / t - 1 for p, t in zip(pred, truth)]
    s = {"n": len(truth), "mape": 100 * statistics.fmean(abs(e) for e in errors),
         "within_10": 100 * sum(abs(e) <= 0.10 for e in errors) / len(errors),
         "within_5": 100 * sum(abs(e) <= 0.05 for e in errors) / len(errors),
         "spearman": spearman(pred, truth), "coverage_80": None}
    if lo is not None and hi is not None:
        s["coverage_80"] = 100 * sum(low <= t <= high for low, high, t in zip(lo, hi, truth)) / len(truth)
    return s


def quantile(values, q):
    s = sorted(values)
    pos = q * (len(s) - 1)
    i = math.floor(pos)
    j = min(i + 1, len(s) - 1)
    return s[i] + (s[j] - s[i]) * (pos - i)


def one_factor(train_x, train_y, test_x):
    """Prediction = factor · x, the factor least-squares on relative errors (sum(x/y) / sum((x/y)^2)), with an
    80% interval from the 10th and 90th percentiles of the calibration's relative errors (in sample)."""
    r = [x / y for x, y in zip(train_x, train_y)]
    factor = sum(r) / sum(v * v for v in r)
    errors = [factor * x / y - 1 for x, y in zip(train_x, train_y)]  # predicted / measured - 1
    e_lo, e_hi = quantile(errors, 0.1), quantile(errors, 0.9)
    pred = [factor * x for x in test_x]
    return {"pred": pred, "lo": [p / (1 + e_hi) for p in pred], "hi": [p / (1 + e_lo) for p in pred], "factor": factor}


def repeatability(rows, key, label):
    """Round A (the first) against round B (the second): the instrument's own floor."""
    pairs = [r[key][:2] for r in rows if len(r[key]) >= 2]
    if not pairs:
        return None
    s = score([p[0] for p in pairs], [p[1] for p in pairs])
    s["what"] = f"{label}: round A's median against round B's, per network"
    return s


# ---------------------------------------------------------------------------------------------- calibration hook

class Module:
    """build/python's cpubone_explore, with a device cache of its own (CPX_HOME in a temp dir) holding a copy of
    the user's host predictor when there is one. None when the module cannot be imported."""

    def __init__(self, a):
        self.cx, self.why, self.home = None, "", None
        sys.path.insert(0, os.path.join(ROOT, "build", "python"))
        try:
            import cpubone_explore as cx
        except Exception as e:  # noqa: BLE001 - any failure to import means: no module
            self.why = f"cannot import cpubone_explore from build/python with {sys.executable} ({e})"
            return
        self.cx = cx
        host = None
        try:
            host = cx._core.predictor_path("host")
        except Exception:  # noqa: BLE001
            pass
        self.home = tempfile.mkdtemp(prefix="transfer-cpx-home-")
        os.environ["CPX_HOME"] = self.home
        self.has_host = False
        if host and os.path.exists(host):
            dest = cx._core.predictor_path("host")
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(host, dest)
            self.has_host = True

    def calibrate_has_method(self):
        """Whether calibrate() takes method= (the calibration from a CSV of network files, issue 45 item 1)."""
        if self.cx is None:
            return False
        import inspect
        try:
            return "method" in inspect.signature(self.cx.calibrate).parameters
        except (TypeError, ValueError):  # a builtin without a signature: its docstring's first line has one
            return "method" in (self.cx.calibrate.__doc__ or "").split("\n")[0]

    def close(self):
        if self.home:
            shutil.rmtree(self.home, ignore_errors=True)


def predicted_ms(result):
    lo = result.get("latency_us_low")
    hi = result.get("latency_us_high")
    return result["latency_us"] / 1e3, (lo / 1e3 if lo else None), (hi / 1e3 if hi else None)


def calibrate_candidates(train_rows, test_rows, ctx):
    """{candidate: {"pred": [ms per test row], "lo": [...] or None, "hi": [...] or None}} from
    cpubone_explore.calibrate(device, TRAIN.csv, method=candidate) and predictor(device).predict(file).
    TRAIN.csv: network (file relative to the CSV), latency_ms, family, threads = 1, written next to the
    network files. ctx: {"module": Module, "candidates": [names] or ["auto"], "device": name, "notes": []}."""
    m = ctx["module"]
    if m.cx is None or not m.calibrate_has_method():
        return {}
    cx = m.cx
    directory = train_rows[0]["dir"]
    train_csv = os.path.join(directory, f".{ctx['device']}.csv")
    with open(train_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["network", "latency_ms", "family", "threads"])
        for r in train_rows:
            w.writerow([r["network"], f"{r['latency_ms']:.5f}", r["family"], 1])
    candidates = ctx["candidates"]
    if candidates == ["auto"]:
        listed = getattr(cx, "calibration_candidates", None)
        candidates = ["default"] + (list(listed()) if callable(listed) else [])  # the device's own choice first
    out = {}
    try:
        for cand in candidates:
            device = f"{ctx['device']}-{cand}"
            try:
                # The timed device's hardware description under this device's name; the host model is the
                # cached host predictor's, or without one the model a shipped device carries (--host-from).
                hw = json.load(open(ctx["hardware"]))
                hw["device"] = device
                hw_file = os.path.join(m.home, f"{device}-hw.json")
                with open(hw_file, "w") as f:
                    json.dump(hw, f)
                kw = {"hardware": hw_file, "host_from": None if m.has_host else ctx["host_from"]}
                if "interval_method" in ctx:  # benchmarks/coverage.py: the interval methods side by side
                    kw["interval_method"] = ctx["interval_method"]
                if cand == "default":
                    cx.calibrate(device, train_csv, **kw)
                else:
                    cx.calibrate(device, train_csv, method=cand, **kw)
                p = cx.predictor(device)
                preds = [predicted_ms(p.predict(os.path.join(r["dir"], r["network"]), threads=1, layers=False))
                         for r in test_rows]
            except Exception as e:  # noqa: BLE001 - one candidate failing must not end the run
                ctx["notes"].append(f"{device}: {type(e).__name__}: {e}")
                continue
            lo = [x[1] for x in preds]
            hi = [x[2] for x in preds]
            out[f"calibrate:{cand}"] = {"pred": [x[0] for x in preds],
                                        "lo": lo if all(v is not None for v in lo) else None,
                                        "hi": hi if all(v is not None for v in hi) else None}
    finally:
        os.remove(train_csv)
    return out


# ---------------------------------------------------------------------------------------------- evaluation

def split(rows, k, rng):
    """Whole families at random until they hold >= k networks; k of them (at random) calibrate, the other
    families are held out. None when the families left would hold nothing."""
    families = sorted({r["family"] for r in rows})
    rng.shuffle(families)
    chosen, pool = [], []
    for fam in families:
        if len(pool) >= k:
            break
        chosen.append(fam)
        pool += [r for r in rows if r["family"] == fam]
    if len(pool) < k:
        return None
    train = rng.sample(pool, k)
    test = [r for r in rows if r["family"] not in chosen]
    return (train, test, chosen) if test and len(train) == k else None


def evaluate(rows, a, module):
    host_pred = {}
    if module.cx is not None and module.has_host:
        p = module.cx.predictor("host")
        for r in rows:
            host_pred[r["network"]] = p.predict(os.path.join(r["dir"], r["network"]), threads=1, layers=False)["latency_us"] / 1e3
    has_host = all(r["host_ms"] != "" for r in rows)
    ctx = {"module": module, "candidates": a.candidates.split(","), "notes": [], "hardware": a.hardware, "host_from": a.host_from}
    results = []
    for k in a.ks:
        for s in range(a.splits):
            rng = random.Random(f"transfer/{a.seed}/{k}/{s}")
            sp = split(rows, k, rng)
            if sp is None:
                ctx["notes"].append(f"k={k} split {s}: too few networks to calibrate, or no family left to hold out")
                continue
            train, test, chosen = sp
            truth = [r["latency_ms"] for r in test]
            y = [r["latency_ms"] for r in train]
            methods = {"macs": one_factor([r["macs"] for r in train], y, [r["macs"] for r in test])}
            if has_host:
                methods["host×factor"] = one_factor([r["host_ms"] for r in train], y, [r["host_ms"] for r in test])
            if host_pred:
                methods["host-pred×factor"] = one_factor([host_pred[r["network"]] for r in train], y,
                                                         [host_pred[r["network"]] for r in test])
            if a.candidates != "none":
                ctx["device"] = f"transfer-k{k}-s{s}"
                methods.update(calibrate_candidates(train, test, ctx))
            for name, m in methods.items():
                sc = score(m["pred"], truth, m.get("lo"), m.get("hi"))
                results.append({"k": k, "split": s, "method": name, "train_families": chosen,
                                "held_out_families": len({r["family"] for r in test}), **sc})
    return results, ctx["notes"]


def summarize(results):
    table = []
    for k in sorted({r["k"] for r in results}):
        for method in dict.fromkeys(r["method"] for r in results if r["k"] == k):
            rs = [r for r in results if r["k"] == k and r["method"] == method]
            row = {"k": k, "method": method, "splits": len(rs), "held_out_n": statistics.fmean(r["n"] for r in rs)}
            for key in ("mape", "within_10", "spearman", "coverage_80"):
                vals = [r[key] for r in rs if r[key] is not None and not math.isnan(r[key])]
                row[key] = statistics.fmean(vals) if vals else None
                row[key + "_range"] = [min(vals), max(vals)] if vals else None
            table.append(row)
    return table


def print_table(table):
    log(f"\n{'k':>3s} {'method':24s} {'splits':>6s} {'held out':>8s} {'MAPE %':>14s} {'±10% share':>16s} "
        f"{'Spearman':>16s} {'80% cov.':>14s}")
    for r in table:
        def cell(key, fmt, width):
            if r[key] is None:
                return f"{'-':>{width}s}"
            lo, hi = r[key + "_range"]
            return f"{fmt.format(r[key])} ({fmt.format(lo)}-{fmt.format(hi)})".rjust(width)
        log(f"{r['k']:3d} {r['method']:24s} {r['splits']:6d} {r['held_out_n']:8.0f} {cell('mape', '{:.1f}', 14)} "
            f"{cell('within_10', '{:.0f}', 16)} {cell('spearman', '{:.3f}', 16)} {cell('coverage_80', '{:.0f}', 14)}")
    log("means over splits (min-max); held out: networks of the families no calibration network belongs to")


def ort_version():
    try:
        with open(os.path.join(HERE, "ort", "node_modules", "onnxruntime-node", "package.json")) as f:
            return "onnxruntime-node " + json.load(f)["version"]
    except (OSError, KeyError, ValueError):
        return "?"


def machine():
    info = {"platform": platform.platform(), "cpus_allowed": len(os.sched_getaffinity(0))}
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        for line in text.splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        flags = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
        info["isa"] = {f: f in flags for f in ("avx512f", "avx2", "fma")}
    except OSError:
        pass
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", help="an earlier transfer-ort-*.csv: evaluate it, time nothing")
    ap.add_argument("--networks", default=os.path.join(HERE, "results", "transfer-networks"))
    ap.add_argument("--zoo", default=ZOO, help="comma-separated zoo names")
    ap.add_argument("--ood", type=int, default=40, help="out-of-distribution networks, seeds 1..N")
    ap.add_argument("--plain-per-family", type=int, default=14)
    ap.add_argument("--plain-seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--min-time", type=float, default=0.25, help="seconds per measurement, each runtime")
    ap.add_argument("--min-runs", type=int, default=5)
    ap.add_argument("--no-host", action="store_true", help="time ONNX Runtime only (no host×factor baseline)")
    ap.add_argument("--generate-only", action="store_true", help="write the network files and list them; time nothing")
    ap.add_argument("--smoke", type=int, default=0, help="time only every Nth network (a busy machine's smoke run)")
    ap.add_argument("--out-csv", help="default benchmarks/results/transfer-ort-<date>.csv")
    ap.add_argument("--statistic", choices=("median", "min"), default="median",
                    help="which per-round figure the evaluation uses: the median (the CSV's latency_ms) or the fastest "
                         "run (steadier on a loaded machine)")
    ap.add_argument("--ks", default="5,10,20,40")
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--candidates", default="auto",
                    help="calibration methods to score (auto: cpubone_explore.calibration_candidates() if it exists, "
                         "else calibrate's default; none: skip)")
    ap.add_argument("--hardware", default=os.path.join(HERE, "ort-host-hardware.json"),
                    help="hardware description of the timed device (the candidates' calibrate --hardware)")
    ap.add_argument("--host-from", default="pi5",
                    help="without a host predictor in the device cache: the shipped device whose carried host model "
                         "the host-based candidates use (calibrate --host-from)")
    ap.add_argument("--json", help="default benchmarks/results/transfer-<date>.json")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "explorer", "cpubone-explore"))
    a = ap.parse_args()
    a.ks = [int(k) for k in a.ks.split(",")]
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    meta = {"started_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "load_1min_at_start": os.getloadavg()[0], "machine": machine(), "ort": ort_version()}
    if a.dataset:
        rows = read_csv(a.dataset)
        meta["dataset"] = os.path.relpath(a.dataset, ROOT)
        if os.path.exists(a.dataset[:-4] + ".meta.json"):  # how the dataset was timed
            with open(a.dataset[:-4] + ".meta.json") as f:
                meta["timing"] = json.load(f)
        a.networks = rows[0]["dir"] if rows else a.networks
        missing = [r for r in rows if not os.path.exists(os.path.join(r["dir"], r["network"]))]
        if missing:
            log(f"regenerating {len(missing)} missing network files in {a.networks}")
            generate(a)
    else:
        if not os.path.exists(os.path.join(HERE, "ort", "node_modules", "onnxruntime-node")):
            sys.exit("transfer: run `npm ci --ignore-scripts` in benchmarks/ort first (scripts/setup does)")
        rows = generate(a)
        for r in rows:
            r["dir"] = a.networks
        if a.generate_only:
            for r in rows:
                log(f"{r['network']:28s} {r['family']:20s} {r['macs'] / 1e6:9.1f} MMACs  {r['describe'][:80]}")
            fams = collections.Counter(r["family"] for r in rows)
            log(f"{len(rows)} networks in {a.networks}, {len(fams)} families: " +
                ", ".join(f"{f} {n}" for f, n in sorted(fams.items())))
            return
        if a.smoke:
            rows = rows[::a.smoke]
        meta.update({"rounds": a.rounds, "min_time_s": a.min_time, "min_runs": a.min_runs, "smoke_every": a.smoke,
                     "host_timed": not a.no_host})
        log(f"{len(rows)} networks, {len({r['family'] for r in rows})} families; load {os.getloadavg()[0]:.2f}")
        time_dataset(rows, a, meta)
        out_csv = a.out_csv or os.path.join(HERE, "results", f"transfer-ort-{date}{'-smoke' if a.smoke else ''}.csv")
        write_csv(rows, out_csv)
        timing = {k: meta.pop(k) for k in list(meta) if k not in ("machine", "ort", "started_utc")}
        timing["started_utc"] = meta["started_utc"]
        timing["finished_utc"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        timing["host_environment"] = timing.get("host_environment")
        with open(out_csv[:-4] + ".meta.json", "w") as f:
            json.dump({"machine": meta["machine"], "ort": meta["ort"], **timing}, f, indent=1)
        meta["timing"] = timing
        meta["dataset"] = os.path.relpath(out_csv, ROOT)
        log(f"wrote {out_csv}")
    if a.statistic == "min":
        for r in rows:
            if not r["ort_round_min_ms"]:
                sys.exit(f"transfer: --statistic min: {r['network']} has no ort_round_min_ms in the dataset")
            r["ort_round_ms"], r["host_round_ms"] = r["ort_round_min_ms"], r["host_round_min_ms"]
            r["latency_ms"] = statistics.median(r["ort_round_ms"])
            r["host_ms"] = statistics.median(r["host_round_ms"]) if r["host_round_ms"] else ""
    meta["statistic"] = a.statistic
    fams = collections.Counter(r["family"] for r in rows)
    log(f"dataset: {len(rows)} networks, {len(fams)} families: " + ", ".join(f"{f} {n}" for f, n in sorted(fams.items())))
    floor = {"ort": repeatability(rows, "ort_round_ms", "ONNX Runtime"),
             "host": repeatability(rows, "host_round_ms", "our executor (measure)")}
    for key, f in floor.items():
        if f:
            log(f"repeatability floor, {f['what']}: MAPE {f['mape']:.2f}%, within ±10% {f['within_10']:.0f}%, "
                f"within ±5% {f['within_5']:.0f}%, Spearman {f['spearman']:.4f} (n={f['n']})")
    module = Module(a)
    if module.cx is None:
        log(f"calibration candidates: skipped, {module.why}")
    elif not module.calibrate_has_method():
        log("calibration candidates: skipped, cpubone_explore.calibrate has no method= here (calibration from a CSV "
            "of network files is not in this build)")
    if module.cx is not None and not module.has_host:
        log("host-pred×factor: skipped, no host predictor in the device cache (`cpubone-explore fit`)")
    try:
        results, notes = evaluate(rows, a, module)
    finally:
        module.close()
    for n in notes:
        log(f"note: {n}")
    table = summarize(results)
    print_table(table)
    out_json = a.json or os.path.join(HERE, "results", f"transfer-{date}.json")
    meta["finished_utc"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    doc = {"schema": "cpubone-explore/transfer/v1", **meta, "networks": len(rows), "families": dict(sorted(fams.items())),
           "repeatability_floor": floor, "ks": a.ks, "splits": a.splits, "seed": a.seed, "table": table,
           "splits_detail": results, "notes": notes, "noisy_measurements": NOISY}
    with open(out_json + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(out_json + ".tmp", out_json)
    log(f"wrote {out_json}")


if __name__ == "__main__":
    main()

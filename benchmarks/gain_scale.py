#!/usr/bin/python3
"""Whether advise's gain intervals are the right size (issue 73 item 1): factors on their class-level and
op-level parts and a floor, fitted on measured gains of networks that neither the evidence
(benchmarks/gain_evidence.py --exclude) nor the scored advise benchmark reads, then scored on a held-out run.

The per-op evidence says how unsure each op class and each op is relative to the others; whether those
spreads, summed as predictor/gain_interval.hpp sums them, are the size of the errors of whole-network gains
is for measured gains to say. For each row of a `benchmarks/advise.py --paired` run (a rewrite measured
against its original, run by run, in each round): advise the network again with the CLI as it is (the run's
device, threads and evaluations; the row's suggestion by id, a variant as the front's fastest) for the
interval's parts (advise's "spread_sd_us": the standard deviations in time of its class-level, op-level and
device parts; a row whose predicted gain differs from the stored one is dropped: another predictor). Then
the predicted gain errs by
    e = predicted - measured ~ N(0, (a^2 class^2 + b^2 op^2 + device^2 + floor^2) / before^2 + c^2 + noise^2),
noise the measured gain's own (the spread of its rounds: pi/2 var / rounds for a median), floor the one advise
applies (since 2026-11-30 g; scoring only: a fit sets it aside, and c is the floor to apply in its place), c a
floor any change to a network might have beyond the ops it changes, and (a, b, c) are the maximum-likelihood
values on a grid; --floor-only fits c alone (a = b = 1). The fit prints its AIC, to choose between the two. Prints them and the rows' 80% coverage with the intervals as they are and with the factors; --score
FIT.json prints the same for a held-out run. The result of 2026-11-30 (docs/log/advise.md): the factors did
not hold on the held-out networks, and advise does not apply any; of 2026-11-30 g: a floor alone, which advise
applies (docs/log/advise.md).

    benchmarks/gain_scale.py TRAIN.json [TRAIN.json ...] [--cli build/explorer/cpubone-explore] [--json-out FIT.json]
    benchmarks/gain_scale.py HELD_OUT.json --score FIT.json
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

from advise import Z80, gain_noise  # benchmarks/advise.py: the run's own definitions


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"gain_scale.py: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-400:]}")
    return p.stdout


def rows_of(cli, path, work):
    doc = json.load(open(path))
    o = doc["options"]
    if not o.get("paired"):
        sys.exit(f"gain_scale.py: {path}: not a --paired run (its gains carry the machine's phases)")
    out = []
    for name in sorted({r["network"] for r in doc["rows"]}):
        spec = next((s for s in o["networks"].split(",") if os.path.splitext(os.path.basename(s))[0] == name), name)
        onnx = os.path.join(work, name + ".onnx")
        run([cli, "export", spec, "--onnx", onnx])
        cmd = [cli, "advise", onnx, "--device", o["device"], "--evaluations", str(o["evaluations"]), "--json"]
        if o["device"] == "host":
            cmd += ["--threads", str(o["threads"])]
        advice = json.loads(run(cmd))
        by_id = {s["id"]: s["gain"] for s in advice["suggestions"]}
        front = advice["local_search"]["front"]
        for r in (r for r in doc["rows"] if r["network"] == name):
            gain = by_id.get(r["id"]) if r["kind"] == "suggestion" else (front[0]["gain"] if front else None)
            if not gain or "spread_sd_us" not in gain or abs(gain["point"] - r["predicted_gain"]) > 1e-9:
                print(f"  dropped {name} {r['id']}: advised now {gain and gain['point']}, stored {r['predicted_gain']}")
                continue
            s = gain["spread_sd_us"]
            out.append({"network": name, "id": r["id"], "kind": r["kind"], "error": r["predicted_gain"] - r["measured_gain"],
                        "in_interval": gain["low"] <= r["measured_gain"] <= gain["high"],
                        "noise": gain_noise(r["gains_by_round"]),
                        "class": s["class"] / advice["latency_us"], "op": s["op"] / advice["latency_us"],
                        "device": s["device"] / advice["latency_us"],
                        "floor": s.get("floor", 0) / advice["latency_us"]})
    return out


def sd(r, a, b, c):
    return ((a * r["class"]) ** 2 + (b * r["op"]) ** 2 + r["device"] ** 2 + r.get("floor", 0) ** 2 + c * c
            + r["noise"] ** 2) ** 0.5


def nll(rows, a, b, c):
    return sum(math.log(sd(r, a, b, c) ** 2) + r["error"] ** 2 / sd(r, a, b, c) ** 2 for r in rows)


def coverage(rows, p, kind=None, with_noise=False):
    xs = [r for r in rows if kind is None or r["kind"] == kind]
    def half(r):
        return Z80 * (sd(r, *p) if with_noise else sd(dict(r, noise=0), *p))
    return sum(abs(r["error"]) <= half(r) for r in xs) / len(xs) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--cli", default="build/explorer/cpubone-explore")
    ap.add_argument("--json-out", default="")
    ap.add_argument("--score", default="", help="A --json-out of this script: score its factors on RUN.json's rows "
                                                "(held out from the fit) instead of fitting")
    ap.add_argument("--floor-only", action="store_true",
                    help="fit the floor alone, the class and op parts as the evidence has them (a = b = 1)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cpx-gain-scale-") as work:
        rows = [r for path in args.runs for r in rows_of(args.cli, path, work)]
    if args.score:
        fit = json.load(open(args.score))
        print(f"{len(rows)} rows of {', '.join(args.runs)}, held out from the fit {args.score}")
        for kind in ("suggestion", "variant"):
            xs = [r for r in rows if r["kind"] == kind]
            print(f"  {kind}s inside the interval as advise prints it: {sum(r['in_interval'] for r in xs)} of {len(xs)}")
        for label, p in (("as the CLI has them", (1, 1, 0)), ("with the fit's factors", (fit["class"], fit["op"], fit["floor"]))):
            print(f"  {label}: 80% coverage, singles {100 * coverage(rows, p, 'suggestion'):.0f}% (with their own noise "
                  f"{100 * coverage(rows, p, 'suggestion', True):.0f}%), variants {100 * coverage(rows, p, 'variant'):.0f}% "
                  f"(with noise {100 * coverage(rows, p, 'variant', True):.0f}%); median half-width singles "
                  f"{100 * Z80 * statistics.median(sd(dict(r, noise=0), *p) for r in rows if r['kind'] == 'suggestion'):.2f} pp, "
                  f"variants {100 * Z80 * statistics.median(sd(dict(r, noise=0), *p) for r in rows if r['kind'] == 'variant'):.2f} pp, "
                  f"widest variant {100 * Z80 * max(sd(dict(r, noise=0), *p) for r in rows if r['kind'] == 'variant'):.2f} pp")
        return
    grid = [0.0] + [math.exp(math.log(0.02) + k * (math.log(5) - math.log(0.02)) / 60) for k in range(61)]
    floors = [0.0005 * k for k in range(41)]  # 0 to 2% of the network's time
    as_cli = {kind: coverage(rows, (1, 1, 0), kind) for kind in ("suggestion", "variant")}
    rows = [dict(r, floor=0.0) for r in rows]  # c is the floor advise is to apply: the one it applies now set aside
    if args.floor_only:
        grid = [1.0]
    a, b, c = min(((a, b, c) for a in grid for b in grid for c in floors), key=lambda p: nll(rows, *p))
    print(f"{len(rows)} rows ({sum(r['kind'] == 'suggestion' for r in rows)} singles, "
          f"{sum(r['kind'] == 'variant' for r in rows)} variants) of {', '.join(args.runs)}")
    k = 1 if args.floor_only else 3
    aic = nll(rows, a, b, c) + len(rows) * math.log(2 * math.pi) + 2 * k
    print(f"fitted: class factor {a:.3f}, op factor {b:.3f} (relative to those the CLI applied), floor {100 * c:.2f} pp; "
          f"-2 log L {nll(rows, a, b, c):.1f} + {len(rows) * math.log(2 * math.pi):.1f}, AIC with {k} parameter(s) "
          f"{aic:.1f}")
    print(f"  as the CLI has them: 80% coverage of the measured gains, singles {100 * as_cli['suggestion']:.0f}%, "
          f"variants {100 * as_cli['variant']:.0f}%")
    for label, p in (("the evidence alone (no floor)", (1, 1, 0)), ("fitted", (a, b, c))):
        print(f"  {label}: 80% coverage of the measured gains, singles "
              f"{100 * coverage(rows, p, 'suggestion'):.0f}% (with their own noise "
              f"{100 * coverage(rows, p, 'suggestion', True):.0f}%), variants {100 * coverage(rows, p, 'variant'):.0f}% "
              f"(with noise {100 * coverage(rows, p, 'variant', True):.0f}%)")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"schema": "cpubone-explore/gain-scale/v1", "runs": [os.path.basename(p) for p in args.runs],
                       "class": a, "op": b, "floor": c, "parameters": k, "aic": aic, "rows": rows}, f, indent=1)
        print(f"wrote {args.json_out}")


if __name__ == "__main__":
    main()

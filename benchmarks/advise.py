#!/usr/bin/python3
"""Proof of `advise` by measurement on this machine (issue 56).

For each network (zoo networks that are not CPUBone): export it to ONNX, advise on that ONNX file for
--device (host by default: this machine's predictor, so that its gains can be measured here), apply the top
--top single suggestions (largest predicted gain first) and the local front's fastest variant, and measure the
original and every rewritten network here, interleaved, --rounds rounds. Each round also measures the
original a second time: the ratio of the two original measurements (A/A) is the instrument's repeatability,
taken from the same run. With --paired, each round instead times every rewrite against its original run by
run in one process (`measure ORIGINAL --against REWRITTEN`), and the original against itself for the A/A:
the machine's phases, which move separate measurements by 10-20% on a shared VM, then fall on both sides. A suggestion is "measurably faster" when its measured gain exceeds the 90th
percentile of |A/A - 1| over all networks and rounds.

Prints and saves (--json-out) per suggestion: predicted gain with its interval, measured gain (median over
rounds of 1 - t_variant / t_original in the same round), whether it is measurably faster, and the error of the
predicted gain in percentage points; then the share of measurably faster suggestions, the share within
+-10 pp, and the interval's coverage. With --predict-device (default pi5), the same networks' advice there is
printed too: predictions only, nothing to measure on this machine.

    benchmarks/advise.py [--cli build/explorer/cpubone-explore] [--rounds 3] [--json-out FILE]
    benchmarks/advise.py --rescore FILE      # the summary of a saved run again, without measuring

The rewritten networks live in a scratch folder (ONNX files with weights: 2 GB for 10 networks), removed at
the end; --keep DIR writes them to DIR instead and keeps them.
"""
import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

NETWORKS = ["mobilenetv2-1.0", "mobilenetv3-large", "resnet18", "resnet50", "efficientnet-b0", "ghostnetv2-1.0",
            "repvit-m1.0", "fasternet-t0", "efficientformerv2-s0", "mobileone-s0", "mnasnet-a1", "mobilenetv1-1.0"]


def run(cmd, ok=(0,)):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit(f"advise.py: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-400:]}")
    return p.stdout


def measure_ms(cli, path, threads, min_time):
    # Exit 3 is a busy machine: the figure is still printed, and the A/A ratio of the same run shows the noise.
    out = run([cli, "measure", path, "--threads", str(threads), "--json", "--min-time", str(min_time)], ok=(0, 3))
    return json.loads(out)["timing"]["stats_us"]["median"] / 1e3


def measure_pair_gain(cli, original, rewritten, threads, min_time):
    """`measure ORIGINAL --against REWRITTEN`: the two timed in turn, run by run, in one process. Returns the
    gain (1 - the median of the pairs' time ratios) and each side's median in ms."""
    out = json.loads(run([cli, "measure", original, "--against", rewritten, "--threads", str(threads), "--json",
                          "--min-time", str(min_time)], ok=(0, 3)))["comparison"]
    return out["gain"]["point"], out["a"]["stats_us"]["median"] / 1e3, out["b"]["stats_us"]["median"] / 1e3


def frac(x):
    return "n/a" if x is None else f"{100 * x:.0f}%"


def pct(x):
    return "   n/a" if x is None else f"{100 * x:+6.1f}%"


def summarise(rows, repeat, top):
    """The summary of one run's rows: for the top single suggestions and for the front's fastest variants
    apart, the share measurably faster (beyond `repeat`), the error of the predicted gain against MACs alone's
    (the share of MACs removed), and the interval's coverage. Printed and returned."""
    def share(xs, f):
        return sum(1 for x in xs if f(x)) / len(xs) if xs else None

    def median(xs):
        return statistics.median(xs) if xs else None

    summary = {"repeatability": repeat}
    for kind, label in (("suggestion", f"top-{top} single suggestions"), ("variant", "front's fastest variants")):
        xs = [r for r in rows if r["kind"] == kind]
        s = {"count": len(xs),
             "share_faster": share(xs, lambda r: r["measured_gain"] > 0),
             "share_measurably_faster": share(xs, lambda r: r["measurably_faster"]),
             "share_within_10pp": share(xs, lambda r: abs(r["error_pp"]) <= 10),
             "share_within_2pp": share(xs, lambda r: abs(r["error_pp"]) <= 2),
             "median_abs_error_pp": median([abs(r["error_pp"]) for r in xs]),
             "max_abs_error_pp": max((abs(r["error_pp"]) for r in xs), default=None),
             "interval_coverage": share(xs, lambda r: r["in_interval"]),
             "median_predicted_gain": median([r["predicted_gain"] for r in xs]),
             "median_measured_gain": median([r["measured_gain"] for r in xs]),
             "macs_alone_share_within_2pp": share(xs, lambda r: abs(r["macs_error_pp"]) <= 2),
             "macs_alone_median_abs_error_pp": median([abs(r["macs_error_pp"]) for r in xs]),
             "macs_alone_max_abs_error_pp": max((abs(r["macs_error_pp"]) for r in xs), default=None),
             "median_interval_width_pp": median([100 * (r["predicted_high"] - r["predicted_low"]) for r in xs
                                                 if r["predicted_low"] is not None])}
        s.update(noise_split(xs))
        # Issue 73's goal: where advise and MACs alone disagree by 3 pp or more, advise is the closer one.
        split = [r for r in xs if abs(r["error_pp"] - r["macs_error_pp"]) >= 3]
        s["disagree_3pp"] = len(split)
        s["advise_closer_where_disagree"] = share(split, lambda r: abs(r["error_pp"]) < abs(r["macs_error_pp"]))
        summary["suggestions" if kind == "suggestion" else "variants"] = s
        if not xs:
            continue
        print(f"\n{label}: {s['count']}; measured faster {frac(s['share_faster'])}, measurably faster (> {100 * repeat:.1f}%) "
              f"{frac(s['share_measurably_faster'])}; median gain predicted {pct(s['median_predicted_gain'])}, measured "
              f"{pct(s['median_measured_gain'])}")
        print(f"  predicted gain: median |error| {s['median_abs_error_pp']:.2f} pp (max {s['max_abs_error_pp']:.1f}), within 2 pp "
              f"{frac(s['share_within_2pp'])}, within 10 pp {frac(s['share_within_10pp'])}; interval coverage {frac(s['interval_coverage'])}")
        print(f"  MACs alone:     median |error| {s['macs_alone_median_abs_error_pp']:.2f} pp (max {s['macs_alone_max_abs_error_pp']:.1f}), "
              f"within 2 pp {frac(s['macs_alone_share_within_2pp'])}")
        print(f"  where the two disagree by 3 pp or more ({s['disagree_3pp']}): advise closer in "
              f"{frac(s['advise_closer_where_disagree'])}; interval width median {s['median_interval_width_pp']:.1f} pp")
        if s.get("noise_rms_pp") is not None:
            ratio = s["interval_to_prediction_error"]
            print(f"  error split: rms {s['rms_error_pp']:.2f} pp = measurement noise {s['noise_rms_pp']:.2f} pp (the rows' own "
                  f"round-to-round spread) + the prediction's own {s['prediction_rms_error_pp']:.2f} pp; the intervals claim "
                  f"{s['interval_rms_pp']:.2f} pp ({'ratio ' + format(ratio, '.2f') if ratio else 'the noise explains all the error'}); "
                  f"coverage with each row's own noise {frac(s['coverage_with_own_noise'])}")
    return summary


Z80 = 1.2816  # the normal quantile of an 80% two-sided interval


def gain_noise(gains_by_round):
    """The noise of a measured gain, the median of its rounds' gains: the variance of a median of n is about
    pi/2 sigma^2 / n, sigma from the rounds' spread."""
    return (math.pi / 2 * statistics.variance(gains_by_round) / len(gains_by_round)) ** 0.5


def noise_split(xs):
    """The rms error of the predicted gains split into the measured gains' own noise and the prediction's.
    A measured gain is the median over rounds of the round's gain; its noise is estimated from the spread of
    those per-round gains (variance of a median of n: about pi/2 sigma^2 / n). Since the two errors are
    independent, the prediction's own rms error is sqrt(rms error^2 - noise^2): what an interval should claim.
    The intervals' claim is their half-width over z80 (the side the measured gain fell on). Rows of a saved
    run without per-round gains give nothing."""
    rows = [r for r in xs if len(r.get("gains_by_round", [])) >= 2 and r["predicted_low"] is not None]
    if not rows:
        return {}
    def noise(r):
        return gain_noise(r["gains_by_round"])

    def half_width(r):
        return (r["predicted_high"] - r["predicted_gain"]) if r["measured_gain"] > r["predicted_gain"] else (r["predicted_gain"] - r["predicted_low"])

    def rms(v):
        return (sum(x * x for x in v) / len(v)) ** 0.5

    err = [r["predicted_gain"] - r["measured_gain"] for r in rows]
    noise_rms = rms([noise(r) for r in rows])
    pred = max(0.0, rms(err) ** 2 - noise_rms ** 2) ** 0.5
    claim = rms([half_width(r) / Z80 for r in rows])
    covered = [abs(e) <= (half_width(r) ** 2 + (Z80 * noise(r)) ** 2) ** 0.5 for e, r in zip(err, rows)]
    return {"rms_error_pp": 100 * rms(err), "noise_rms_pp": 100 * noise_rms, "prediction_rms_error_pp": 100 * pred,
            "interval_rms_pp": 100 * claim, "interval_to_prediction_error": claim / pred if pred > 0 else None,
            "coverage_with_own_noise": sum(covered) / len(covered), "rows_with_rounds": len(rows)}


def save(path, doc):
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(path + ".tmp", path)


def originals(nets):
    return [{"network": e["network"], "times_ms": e["original"]["times_ms"], "again_ms": e["original"]["again_ms"],
             **({"aa_gains": e["original"]["aa_gains"]} if "aa_gains" in e["original"] else {})} for e in nets]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", default="build/explorer/cpubone-explore")
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--device", default="host")
    ap.add_argument("--predict-device", default="pi5")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--paired", action="store_true",
                    help="Time each rewrite against its original run by run in one process (measure --against) "
                         "instead of in separate processes; the A/A is the original against itself")
    ap.add_argument("--evaluations", type=int, default=600)
    ap.add_argument("--json-out", default="")
    ap.add_argument("--rescore", default="", help="Re-print and re-summarise a saved --json-out file (no measuring)")
    ap.add_argument("--keep", default="", help="Write the exported and rewritten networks to DIR and keep them")
    args = ap.parse_args()
    if args.rescore:
        doc = json.load(open(args.rescore))
        doc["summary"] = summarise(doc["rows"], doc["summary"]["repeatability"], doc["options"]["top"])
        save(args.rescore, doc)
        return
    work = args.keep or tempfile.mkdtemp(prefix="cpx-advise-")
    os.makedirs(work, exist_ok=True)
    try:
        measure_and_report(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def measure_and_report(args, work):
    started = time.time()

    # 1. Export, advise, apply.
    nets = []
    for spec in args.networks.split(","):
        # A zoo name, or the path of a network file (JSON or ONNX: a user's own network) named by its stem.
        name = os.path.splitext(os.path.basename(spec))[0] if os.path.exists(spec) else spec
        onnx = os.path.join(work, name + ".onnx")
        run([args.cli, "export", spec, "--onnx", onnx])
        base = [args.cli, "advise", onnx, "--device", args.device, "--evaluations", str(args.evaluations)]
        if args.device == "host":
            base += ["--threads", str(args.threads)]
        advice = json.loads(run(base + ["--json"]))
        orig = os.path.join(work, name + ".json")
        run([args.cli, "import", onnx, "--out", orig])
        entry = {"network": name, "predicted_ms": advice["latency_us"] / 1e3, "suggestions": [], "variant": None,
                 "blocks": len(advice["blocks"]), "unrecognised_ops": len(advice["unrecognised"])}
        picks = [(s, "suggestion") for s in advice["suggestions"][:args.top]]
        front = advice["local_search"]["front"]
        if front:
            picks.append((front[0], "variant"))
        for item, kind in picks:
            out = os.path.join(work, f"{name}-{item['id']}")
            run(base + ["--apply", item["id"], "--out", out, "--json"])
            # Paths relative to the run's scratch folder: the saved JSON names no folder of this machine.
            row = {"id": item["id"], "kind": kind, "path": os.path.relpath(os.path.join(out, "advised.json"), work),
                   "rewrite": item["rewrite"]["kind"] if kind == "suggestion" else "+".join(item["suggestions"]),
                   "block": item.get("block"), "predicted_gain": item["gain"]["point"],
                   "predicted_low": item["gain"]["low"], "predicted_high": item["gain"]["high"],
                   "keeps_function": item.get("keeps_function"), "times_ms": [],
                   # The simplest baseline, MACs alone: the predicted gain is the share of MACs removed.
                   "macs_gain": 1 - item.get("macs_after", item.get("macs", 0)) / advice["macs"]}
            if kind == "variant":
                entry["variant"] = row
            else:
                entry["suggestions"].append(row)
        entry["original"] = {"path": orig, "times_ms": [], "again_ms": []}
        nets.append(entry)
        print(f"advised {name}: {entry['blocks']} blocks, {entry['unrecognised_ops']} ops unrecognised, "
              f"{len(advice['suggestions'])} suggestions, front {len(front)}", flush=True)

    # 2. Measure, interleaved: every round measures every network's original, its rewrites, then the original
    # again. --paired: every round times each rewrite against its original run by run in one process
    # (`measure --against`), and the original against itself (the A/A).
    for r in range(args.rounds):
        for e in nets:
            rewrites = e["suggestions"] + ([e["variant"]] if e["variant"] else [])
            if args.paired:
                orig = e["original"]["path"]
                aa, a_ms, again_ms = measure_pair_gain(args.cli, orig, orig, args.threads, args.min_time)
                e["original"]["times_ms"].append(a_ms)
                e["original"]["again_ms"].append(again_ms)
                e["original"].setdefault("aa_gains", []).append(aa)
                for row in rewrites:
                    g, o_ms, t_ms = measure_pair_gain(args.cli, orig, os.path.join(work, row["path"]), args.threads, args.min_time)
                    row["times_ms"].append(t_ms)
                    row.setdefault("original_ms", []).append(o_ms)
                    row.setdefault("paired_gains", []).append(g)
                continue
            e["original"]["times_ms"].append(measure_ms(args.cli, e["original"]["path"], args.threads, args.min_time))
            for row in rewrites:
                row["times_ms"].append(measure_ms(args.cli, os.path.join(work, row["path"]), args.threads, args.min_time))
            e["original"]["again_ms"].append(measure_ms(args.cli, e["original"]["path"], args.threads, args.min_time))
        print(f"round {r + 1}/{args.rounds} done ({time.time() - started:.0f} s)", flush=True)

    # 3. Repeatability from the same run, then the table.
    aa = ([abs(g) for e in nets for g in e["original"]["aa_gains"]] if args.paired else
          [abs(b / a - 1) for e in nets for a, b in zip(e["original"]["times_ms"], e["original"]["again_ms"])])
    repeat = sorted(aa)[max(0, int(0.9 * len(aa)) - 1)] if aa else 0.0
    rows = []
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; threads {args.threads}; "
          f"device {args.device}; repeatability (90th percentile |A/A - 1|, {len(aa)} pairs): {100 * repeat:.1f}%")
    print(f"{'network':22s} {'id':4s} {'rewrite':22s} {'pred gain':>9s} {'[interval]':>18s} {'measured':>9s} {'err pp':>7s} "
          f"{'MACs gain':>9s} {'err pp':>7s}  faster")
    for e in nets:
        for row in e["suggestions"] + ([e["variant"]] if e["variant"] else []):
            gains = row["paired_gains"] if args.paired else [1 - t / o for t, o in zip(row["times_ms"], e["original"]["times_ms"])]
            row["gains_by_round"] = gains
            row["measured_gain"] = statistics.median(gains)
            row["error_pp"] = 100 * (row["predicted_gain"] - row["measured_gain"])
            row["macs_error_pp"] = 100 * (row["macs_gain"] - row["measured_gain"])
            row["measurably_faster"] = row["measured_gain"] > repeat
            row["in_interval"] = (row["predicted_low"] is not None and
                                  row["predicted_low"] <= row["measured_gain"] <= row["predicted_high"])
            row["network"] = e["network"]
            rows.append(row)
            interval = (f"[{pct(row['predicted_low'])},{pct(row['predicted_high'])}]" if row["predicted_low"] is not None else "")
            print(f"{e['network']:22s} {row['id']:4s} {row['rewrite'][:22]:22s} {pct(row['predicted_gain']):>9s} {interval:>18s} "
                  f"{pct(row['measured_gain']):>9s} {row['error_pp']:+7.1f} {pct(row['macs_gain']):>9s} {row['macs_error_pp']:+7.1f}  "
                  f"{'yes' if row['measurably_faster'] else 'no'}")
    if args.json_out:  # the measurements first: a summary that fails loses none of them (--rescore makes it again)
        save(args.json_out, {"schema": "cpubone-explore/benchmark-advise/v1", "date": time.strftime("%Y-%m-%d"),
                             "options": vars(args), "summary": {"repeatability": repeat}, "rows": rows,
                             "originals": originals(nets)})
    summary = summarise(rows, repeat, args.top)

    # 4. The same networks on the other device: predictions only.
    predicted = []
    if args.predict_device:
        print(f"\n{args.predict_device}: predictions only (not this machine: nothing to measure)")
        for e in nets:
            onnx = os.path.join(work, e["network"] + ".onnx")
            a = json.loads(run([args.cli, "advise", onnx, "--device", args.predict_device, "--evaluations", str(args.evaluations), "--json"]))
            top = a["suggestions"][:args.top]
            predicted.append({"network": e["network"], "predicted_ms": a["latency_us"] / 1e3,
                              "top": [{"id": s["id"], "rewrite": s["rewrite"]["kind"], "block": s["block"], "gain": s["gain"]} for s in top],
                              "front_fastest": a["local_search"]["front"][0] if a["local_search"]["front"] else None})
            print(f"{e['network']:22s} {a['latency_us'] / 1e3:8.2f} ms  " +
                  "; ".join(f"{s['id']} {s['rewrite']['kind']} {s['block']} {pct(s['gain']['point'])}" for s in top))

    doc = {"schema": "cpubone-explore/benchmark-advise/v1", "date": time.strftime("%Y-%m-%d"),
           "machine": {"processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                       "version": run([args.cli, "--version"]).strip()},
           "options": vars(args), "summary": summary, "rows": rows, "predicted_elsewhere": predicted,
           "originals": originals(nets),
           "seconds": time.time() - started}
    if args.json_out:
        save(args.json_out, doc)
        print(f"wrote {args.json_out}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A device from its spec sheet alone (issue 75), scored by leaving each calibrated device out.

    /usr/bin/python3 benchmarks/zeroshot.py [--ks 1,2,3,5] [--splits 10] [--json OUT.json]

For each shipped calibrated device D (its timed points: the `published` rows of its file, the host
model it carries), `calibrate --device D --zero-shot` builds D from its hardware description and the prior
learned over the other shipped devices (never D's timings), and every one of D's points is predicted. Scored
(MAPE, share within 10% and 25%, Spearman, coverage of the 80% interval) beside:
  (a) MACs alone, the single MACpS of least relative error chosen with hindsight on D's own points;
  (b) MACs / (D's fp32 peak x the other devices' mean efficiency), efficiency = MACpS / peak, mean in log space;
  (c) D's own full calibration: its file's held-out predictions (family held out), its file's coverage.
Then few-shot: for k in --ks and seeded splits (transfer.py's rule: whole families drawn until they hold k
networks, k of them timed, the other families held out), the zero-shot device updated by the k timings
(`calibrate --zero-shot --published`), scored on the held-out families beside the zero-shot device on the
same networks. Not a test; no timing of this machine.
"""
import argparse
import csv
import datetime
import json
import math
import os
import random
import statistics
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import transfer  # noqa: E402  (its split rule, spearman and machine())


def device_file(device):
    with open(os.path.join(ROOT, "predictor", "devices", f"{device}.json")) as f:
        return json.load(f)


def scores(pred, truth, lo=None, hi=None):
    errors = [p / t - 1 for p, t in zip(pred, truth)]
    s = {"n": len(truth), "mape": 100 * statistics.fmean(abs(e) for e in errors),
         "within_10": 100 * sum(abs(e) <= 0.10 for e in errors) / len(errors),
         "within_25": 100 * sum(abs(e) <= 0.25 for e in errors) / len(errors),
         "spearman": transfer.spearman(pred, truth) if len(truth) > 2 else None, "coverage_80": None}
    if lo is not None:
        s["coverage_80"] = 100 * sum(a <= t <= b for a, b, t in zip(lo, hi, truth)) / len(truth)
        # the interval's width as the ratio of its ends (high / low), the median over the points
        s["width_ratio_80"] = statistics.median(b / a for a, b in zip(lo, hi))
    return s


def predictions(cx, path, models):
    p = cx.predictor(path)
    out = [p.predict(m, layers=False) for m in models]
    return ([r["latency_us"] / 1e3 for r in out], [r["latency_us_low"] / 1e3 for r in out], [r["latency_us_high"] / 1e3 for r in out])


def macs_of(cx, models):
    return {m: cx.count(cx.zoo()[m])["macs"] for m in models}


def efficiency(points, macs, peak):
    """The device's mean log efficiency: log(MACs / latency / fp32 peak) over its points."""
    return statistics.fmean(math.log(macs[p["model"]] / (p["latency_ms"] / 1e3) / peak) for p in points)


def baselines(device, files, macs):
    points = files[device]["provenance"]["published"]
    truth = [p["latency_ms"] for p in points]
    x = [macs[p["model"]] for p in points]
    r = [a / t for a, t in zip(x, truth)]
    k = sum(r) / sum(v * v for v in r)  # MACs alone, hindsight: least squares on relative errors
    others = [efficiency(files[o]["provenance"]["published"], macs, files[o]["fp32_peak_macps"]) for o in files if o != device]
    eff = math.exp(statistics.fmean(others))
    peak = files[device]["fp32_peak_macps"]
    own = [p["held_out_ms"] for p in points]
    c = scores(own, truth)
    c["coverage_80"] = 100 * files[device]["interval"]["coverage"]["share"]
    return {"macs_hindsight": scores([k * v for v in x], truth), "macs_over_peak": scores([v / (peak * eff) / 1e-3 for v in x], truth),
            "own_calibration": c, "macs_hindsight_gmacps": 1e-6 / k, "others_mean_efficiency": eff}


def zero_shot(cx, device, scratch, timings=None, threads=None):
    out = os.path.join(scratch, f"{device}-zs.json")
    kw = {"zero_shot": True, "host_from": os.path.join(ROOT, "predictor", "devices", f"{device}.json"), "out": out}
    if timings:
        path = os.path.join(scratch, f"{device}-timed.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["model", "latency_ms", "family"])
            w.writerows([p["model"], p["latency_ms"], p["family"]] for p in timings)
        kw.update(published=path, runtime="published figures", threads=threads)
    return cx.calibrate(device, **kw), out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ks", default="1,2,3,5")
    ap.add_argument("--splits", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="default benchmarks/results/zeroshot-<date>.json")
    a = ap.parse_args()
    ks = [int(k) for k in a.ks.split(",")]
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))
    import cpubone_explore as cx
    warnings.simplefilter("ignore")  # each prediction's caveats: the figures are what is scored here
    started = datetime.datetime.now(datetime.timezone.utc)
    files = {d: device_file(d) for d in cx.shipped_devices()}
    macs = macs_of(cx, sorted({p["model"] for f in files.values() for p in f["provenance"]["published"]}))
    rows, fewshot, priors = [], [], {}
    with tempfile.TemporaryDirectory(prefix="zeroshot-") as scratch:
        for device in files:
            points = files[device]["provenance"]["published"]
            models, truth = [p["model"] for p in points], [p["latency_ms"] for p in points]
            result, path = zero_shot(cx, device, scratch)
            priors[device] = {k: result["zero_shot"][k] for k in ("devices", "efficiency_exponent", "dispatch_us_per_op", "form", "covariate",
                                                                   "slope", "runtime_class", "runtime_level", "group_factors", "centre",
                                                                   "level_variance", "residual_variance",
                                                                   "family_variance", "point_variance")}
            priors[device]["interval"] = [result["interval"]["error_low"], result["interval"]["error_high"]]
            pred, lo, hi = predictions(cx, path, models)
            zs = {m: (p, l, h) for m, p, l, h in zip(models, pred, lo, hi)}
            row = {"device": device, "runtime_class": files[device]["hardware"]["runtime_class"]["value"], "n": len(points),
                   "zero_shot": scores(pred, truth, lo, hi)}
            row.update(baselines(device, files, macs))
            row["errors"] = {m: p / t - 1 for m, p, t in zip(models, pred, truth)}
            rows.append(row)
            transfer.log(f"{device}: zero-shot MAPE {row['zero_shot']['mape']:.1f}%  (b) {row['macs_over_peak']['mape']:.1f}%  "
                         f"(a) {row['macs_hindsight']['mape']:.1f}%  (c) {row['own_calibration']['mape']:.1f}%")
            threads = files[device]["hardware"]["threads"]["value"]
            for k in ks:
                for s in range(a.splits):
                    sp = transfer.split(points, k, random.Random(f"zeroshot/{a.seed}/{device}/{k}/{s}"))
                    if sp is None:
                        continue
                    train, test, chosen = sp
                    _, upath = zero_shot(cx, device, scratch, train, threads)
                    tm = [p["model"] for p in test]
                    tt = [p["latency_ms"] for p in test]
                    up, ulo, uhi = predictions(cx, upath, tm)
                    fewshot.append({"device": device, "k": k, "split": s, "timed": [p["model"] for p in train], "held_out_families": chosen,
                                    "updated": scores(up, tt, ulo, uhi),
                                    "zero_shot": scores([zs[m][0] for m in tm], tt, [zs[m][1] for m in tm], [zs[m][2] for m in tm])})
        analysis = misses(cx, scratch)
    summary = summarise(rows, fewshot, ks)
    goals = against_goals(rows, summary)
    print_tables(rows, summary)
    print_analysis(analysis, goals)
    out = a.json or os.path.join(HERE, "results", f"zeroshot-{started.strftime('%Y-%m-%d')}.json")
    with open(out, "w") as f:
        json.dump({"started_utc": started.isoformat(timespec="seconds"), "machine": transfer.machine(), "ks": ks, "splits": a.splits,
                   "seed": a.seed, "rows": rows, "priors": priors, "fewshot_summary": summary, "goals": goals, "analysis": analysis,
                   "fewshot": fewshot}, f, indent=1)
    print(f"wrote {os.path.relpath(out, ROOT)}")


GROUPS = ("gemm", "depthwise", "elementwise", "attention")  # OpGroup's order (predictor/predictor.hpp)


def misses(cx, scratch):
    """Why each device misses: the prior learned from every shipped device (a board none of them is: the Pi 4 spec
    sheet) holds each device predicted by the prior learned without it. Per device: the level (geometric
    mean of predicted / timed), the MAPE left once that level is removed (shape), and how the log error
    moves with each op group's share of the predicted time (slope of a least-squares line; share range)."""
    out = os.path.join(scratch, "all-devices.json")
    r = cx.calibrate("pi4", hardware=os.path.join(ROOT, "predictor", "devices", "specs", "pi4.json"), zero_shot=True,
                     host_from=os.path.join(ROOT, "predictor", "devices", "pi5.json"), out=out)
    z = r["zero_shot"]
    rows = []
    for d in z["left_out"]:
        e = d["log_error"]
        level = statistics.fmean(e)
        row = {"device": d["device"], "n": len(e), "level_ratio": math.exp(level),
               "mape_level_removed": 100 * statistics.fmean(abs(math.exp(x - level) - 1) for x in e), "by_group": {}}
        for g, name in enumerate(GROUPS):
            share = [s[g] for s in d["group_share"]]
            ms = statistics.fmean(share)
            sxx = sum((v - ms) ** 2 for v in share)
            slope = sum((v - ms) * (x - level) for v, x in zip(share, e)) / sxx if sxx > 1e-12 else None
            row["by_group"][name] = {"mean_share": ms, "share_range": [min(share), max(share)], "log_error_per_share": slope}
        rows.append(row)
    return {"prior": {k: z[k] for k in ("form", "covariate", "runtime_level", "efficiency_exponent", "dispatch_us_per_op", "centre", "level_variance",
                                         "family_variance", "point_variance", "log_error_quantiles")},
            "devices": rows}


def against_goals(rows, summary):
    """The issue's goals, each with its count or figure."""
    zs = {r["device"]: r["zero_shot"] for r in rows}
    n_total = sum(r["n"] for r in rows)
    pooled = sum(r["zero_shot"]["coverage_80"] * r["n"] for r in rows) / n_total
    k5 = [s for s in summary if s["k"] == 5]
    return {"spearman_at_least_macs": [r["device"] for r in rows if r["zero_shot"]["spearman"] >= r["macs_hindsight"]["spearman"] - 1e-9],
            "mape_at_most_30": [d for d, s in zs.items() if s["mape"] <= 30],
            "mape_below_b": [r["device"] for r in rows if r["zero_shot"]["mape"] < r["macs_over_peak"]["mape"]],
            "coverage_pooled": pooled, "coverage_min": min(s["coverage_80"] for s in zs.values()),
            "width_ratio_median": statistics.median(s["width_ratio_80"] for s in zs.values()),
            "k5_no_worse": [s["device"] for s in k5 if s["mape_updated"] <= s["mape_zero_shot"]],
            "k5_worse": [s["device"] for s in k5 if s["mape_updated"] > s["mape_zero_shot"]]}


def print_analysis(analysis, goals):
    print(f"\nwhy (the prior from every shipped device, each left out): form {analysis['prior']['form']}, covariate {analysis['prior']['covariate']}")
    print(f"{'device':14s} {'level':>6s} {'MAPE, level removed':>20s}  log error per unit share of: " + " ".join(f"{g:>11s}" for g in GROUPS))
    for d in analysis["devices"]:
        per = " ".join("          -" if d["by_group"][g]["log_error_per_share"] is None else f"{d['by_group'][g]['log_error_per_share']:11.2f}"
                       for g in GROUPS)
        print(f"{d['device']:14s} {d['level_ratio']:6.2f} {d['mape_level_removed']:19.1f}%  {'':28s} {per}")
    print("goals:", json.dumps(goals))


def summarise(rows, fewshot, ks):
    """Per device and k: the mean over splits of the updated and the zero-shot MAPE and coverage on the same held-out networks."""
    out = []
    for r in rows:
        for k in ks:
            v = [f for f in fewshot if f["device"] == r["device"] and f["k"] == k]
            if not v:
                continue
            out.append({"device": r["device"], "k": k, "splits": len(v),
                        "mape_updated": statistics.fmean(f["updated"]["mape"] for f in v),
                        "mape_zero_shot": statistics.fmean(f["zero_shot"]["mape"] for f in v),
                        "coverage_updated": statistics.fmean(f["updated"]["coverage_80"] for f in v),
                        "width_ratio_updated": statistics.median(f["updated"]["width_ratio_80"] for f in v),
                        "splits_no_worse": sum(f["updated"]["mape"] <= f["zero_shot"]["mape"] for f in v)})
    return out


def print_tables(rows, summary):
    cols = [("zero_shot", "zero-shot"), ("macs_hindsight", "(a) MACs, hindsight"), ("macs_over_peak", "(b) MACs/peak x eff"),
            ("own_calibration", "(c) own calibration")]
    print(f"{'device':14s} {'n':>3s} {'method':22s} {'MAPE':>7s} {'<=10%':>6s} {'<=25%':>6s} {'rho':>6s} {'cover80':>7s} {'width':>6s}")
    for r in rows:
        for key, name in cols:
            s = r[key]
            cov = "-" if s["coverage_80"] is None else f"{s['coverage_80']:.0f}%"
            width = f"x{s['width_ratio_80']:.2f}" if s.get("width_ratio_80") else "-"
            print(f"{r['device']:14s} {r['n']:3d} {name:22s} {s['mape']:6.1f}% {s['within_10']:5.0f}% {s['within_25']:5.0f}% "
                  f"{s['spearman']:6.3f} {cov:>7s} {width:>6s}")
    pooled = [e for r in rows for e in r["errors"].values()]
    print(f"zero-shot coverage pooled over the devices' points: "
          f"{statistics.fmean(r['zero_shot']['coverage_80'] * r['n'] for r in rows) * len(rows) / sum(r['n'] for r in rows):.0f}%"
          f" ({len(pooled)} points)")
    print(f"\n{'device':14s} {'k':>3s} {'splits':>6s} {'MAPE updated':>12s} {'zero-shot, same nets':>20s} {'cover80':>7s} {'width':>6s} {'no worse':>8s}")
    for s in summary:
        print(f"{s['device']:14s} {s['k']:3d} {s['splits']:6d} {s['mape_updated']:11.1f}% {s['mape_zero_shot']:19.1f}% "
              f"{s['coverage_updated']:6.0f}% x{s['width_ratio_updated']:.2f} {s['splits_no_worse']:5d}/{s['splits']}")


if __name__ == "__main__":
    main()

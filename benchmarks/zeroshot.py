#!/usr/bin/env python3
"""A device from its spec sheet alone (issue 75), scored by leaving each calibrated device out.

    /usr/bin/python3 benchmarks/zeroshot.py [--ks 1,2,3,5] [--splits 10] [--json OUT.json]

For each shipped calibrated device D (its published points: the `published` rows of its file, the host
model it carries), `calibrate --device D --zero-shot` builds D from its hardware description and the prior
learned over the other five devices (never D's timings), and every one of D's points is predicted. Scored
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
import coverage  # noqa: E402  (the shipped devices)
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
    files = {d: device_file(d) for d, _ in coverage.SHIPPED}
    macs = macs_of(cx, sorted({p["model"] for f in files.values() for p in f["provenance"]["published"]}))
    rows, fewshot, priors = [], [], {}
    with tempfile.TemporaryDirectory(prefix="zeroshot-") as scratch:
        for device in files:
            points = files[device]["provenance"]["published"]
            models, truth = [p["model"] for p in points], [p["latency_ms"] for p in points]
            result, path = zero_shot(cx, device, scratch)
            priors[device] = {k: result["zero_shot"][k] for k in ("devices", "efficiency_exponent", "dispatch_us_per_op", "covariate",
                                                                   "slope", "group_factors", "centre", "level_variance", "residual_variance")}
            priors[device]["interval"] = [result["interval"]["error_low"], result["interval"]["error_high"]]
            pred, lo, hi = predictions(cx, path, models)
            zs = {m: (p, l, h) for m, p, l, h in zip(models, pred, lo, hi)}
            row = {"device": device, "n": len(points), "zero_shot": scores(pred, truth, lo, hi)}
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
    summary = summarise(rows, fewshot, ks)
    print_tables(rows, summary)
    out = a.json or os.path.join(HERE, "results", f"zeroshot-{started.strftime('%Y-%m-%d')}.json")
    with open(out, "w") as f:
        json.dump({"started_utc": started.isoformat(timespec="seconds"), "machine": transfer.machine(), "ks": ks, "splits": a.splits,
                   "seed": a.seed, "rows": rows, "priors": priors, "fewshot_summary": summary, "fewshot": fewshot}, f, indent=1)
    print(f"wrote {os.path.relpath(out, ROOT)}")


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
                        "splits_no_worse": sum(f["updated"]["mape"] <= f["zero_shot"]["mape"] for f in v)})
    return out


def print_tables(rows, summary):
    cols = [("zero_shot", "zero-shot"), ("macs_hindsight", "(a) MACs, hindsight"), ("macs_over_peak", "(b) MACs/peak x eff"),
            ("own_calibration", "(c) own calibration")]
    print(f"{'device':14s} {'n':>3s} {'method':22s} {'MAPE':>7s} {'<=10%':>6s} {'<=25%':>6s} {'rho':>6s} {'cover80':>7s}")
    for r in rows:
        for key, name in cols:
            s = r[key]
            cov = "-" if s["coverage_80"] is None else f"{s['coverage_80']:.0f}%"
            print(f"{r['device']:14s} {r['n']:3d} {name:22s} {s['mape']:6.1f}% {s['within_10']:5.0f}% {s['within_25']:5.0f}% "
                  f"{s['spearman']:6.3f} {cov:>7s}")
    pooled = [e for r in rows for e in r["errors"].values()]
    print(f"zero-shot coverage pooled over the devices' points: "
          f"{statistics.fmean(r['zero_shot']['coverage_80'] * r['n'] for r in rows) * len(rows) / sum(r['n'] for r in rows):.0f}%"
          f" ({len(pooled)} points)")
    print(f"\n{'device':14s} {'k':>3s} {'splits':>6s} {'MAPE updated':>12s} {'zero-shot, same nets':>20s} {'cover80':>7s} {'no worse':>8s}")
    for s in summary:
        print(f"{s['device']:14s} {s['k']:3d} {s['splits']:6d} {s['mape_updated']:11.1f}% {s['mape_zero_shot']:19.1f}% "
              f"{s['coverage_updated']:6.0f}% {s['splits_no_worse']:5d}/{s['splits']}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Few-shot calibration on real boards (issue 58, item 3): calibrated from k networks, how well does a device
predict the families it never saw, against MACs alone?

    python3 benchmarks/fewshot.py [--ks 5,10] [--splits 10] [--methods default,macs_only,group_prior,group_scale]
                                  [--json OUT.json]

For every shipped device of at least three families (the points its file was calibrated from, and the host
model it carries; hardware: its own), for each k and seeded split (transfer.py's rule): whole families
drawn at random until they hold at least k networks, k of those networks calibrate (`cpubone_explore.calibrate` under the
shipped device's own name, so that group_prior's other devices never include it), every network of the
other families is predicted. Scored per split: MAPE of the held-out; per device and k: the mean and range
over splits, and in how many splits each method beat MACs alone (calibrate --method macs_only). "default" is
the device calibrate chooses itself (nested: it never sees the held-out families). Not a test; no timing.
"""
import argparse
import csv
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import coverage  # noqa: E402  (the shipped devices, their columns and the family rule)
import transfer  # noqa: E402  (its split rule and machine())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ks", default="5,10")
    ap.add_argument("--splits", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--methods", default="default,macs_only,group_prior,group_scale")
    ap.add_argument("--json", help="default benchmarks/results/fewshot-<date>.json")
    a = ap.parse_args()
    ks = [int(k) for k in a.ks.split(",")]
    methods = a.methods.split(",")
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))
    import cpubone_explore as cx
    warnings.simplefilter("ignore")  # the caveats of each prediction: the figures are what is scored here
    started = datetime.datetime.now(datetime.timezone.utc)
    rows, detail = [], []
    with tempfile.TemporaryDirectory(prefix="fewshot-") as scratch:
        for device, _ in coverage.SHIPPED:
            with open(os.path.join(ROOT, "predictor", "devices", f"{device}.json")) as f:
                points = json.load(f)["provenance"]["published"]
            if len({p["family"] for p in points}) < 3:
                continue
            host_from = os.path.join(ROOT, "predictor", "devices", f"{device}.json")
            for k in ks:
                mape = {m: [] for m in methods}
                for s in range(a.splits):
                    sp = transfer.split(points, k, random.Random(f"fewshot/{a.seed}/{device}/{k}/{s}"))
                    if sp is None:
                        continue
                    train, test, chosen = sp
                    csv_path = os.path.join(scratch, f"{device}.csv")
                    with open(csv_path, "w", newline="") as f:  # the user's own format: zoo name, latency, family
                        w = csv.writer(f)
                        w.writerow(["model", "latency_ms", "family"])
                        w.writerows([p["model"], p["latency_ms"], p["family"]] for p in train)
                    for m in methods:
                        out = os.path.join(scratch, f"{device}-{m}.json")
                        kw = {"host_from": host_from, "out": out}
                        if m != "default":
                            kw["method"] = m
                        result = cx.calibrate(device, csv_path, **kw)
                        p = cx.predictor(out)
                        errors = [abs(p.predict(q["model"], layers=False)["latency_us"] / 1e3 / q["latency_ms"] - 1) for q in test]
                        mape[m].append(100 * statistics.fmean(errors))
                        detail.append({"device": device, "k": k, "split": s, "method": m, "train_families": chosen,
                                       "chosen": result["held_out"]["chosen"],
                                       "held_out_n": len(test), "mape": mape[m][-1]})
                    transfer.log(f"{device} k={k} split {s}: " + "  ".join(f"{m} {mape[m][-1]:.1f}" for m in methods))
                base = mape.get("macs_only")
                for m in methods:
                    v = mape[m]
                    if not v:
                        continue
                    rows.append({"device": device, "k": k, "method": m, "splits": len(v), "mape_mean": statistics.fmean(v),
                                 "mape_median": statistics.median(v), "mape_range": [min(v), max(v)],
                                 "splits_better_than_macs": None if base is None else sum(x < b for x, b in zip(v, base))})
    print(f"{'device':14s} {'k':>3s} {'method':12s} {'splits':>6s} {'MAPE mean':>9s} {'median':>7s} {'range':>13s} {'< MACs':>6s}")
    for r in rows:
        lo, hi = r["mape_range"]
        print(f"{r['device']:14s} {r['k']:3d} {r['method']:12s} {r['splits']:6d} {r['mape_mean']:8.1f}% {r['mape_median']:6.1f}% "
              f"{lo:5.1f}-{hi:5.1f}% {r['splits_better_than_macs']!s:>6s}")
    out = a.json or os.path.join(HERE, "results", f"fewshot-{started.strftime('%Y-%m-%d')}.json")
    with open(out, "w") as f:
        json.dump({"started_utc": started.isoformat(timespec="seconds"), "machine": transfer.machine(), "ks": ks,
                   "splits": a.splits, "seed": a.seed, "rows": rows, "detail": detail}, f, indent=1)
    print(f"wrote {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()

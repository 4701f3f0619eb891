#!/usr/bin/python3
"""How often advise's gain intervals hold measured gains (issue 73 item 1): scored on stored
`benchmarks/advise.py` runs, whose gains were measured before the interval model existed (held out for it).

For each stored run and network: advise again with the CLI as it is now (--device host, the run's threads and
evaluations; this machine's host predictor, $CPX_HOME), find the stored row's rewrite there (a suggestion: the
same id if it names the same rewrite kind and block, else the first suggestion of that kind and block; a
variant: the front's fastest, which need not be the same combination), and put the new interval's offsets from
its point around the stored row's predicted gain. Then, per kind (single suggestions, variants): the share of
measured gains inside the interval, the median width, and the same with the run's measurement noise added
(the 90th percentile of |A/A - 1| of the run, as 1.645 standard deviations, added in quadrature to each half
of the interval at its level): the interval is the predicted gain's; a measured gain also carries the
instrument's noise.

    benchmarks/gain_intervals.py RUN.json [RUN.json ...] [--cli build/explorer/cpubone-explore] [--json-out FILE]
    benchmarks/gain_intervals.py --rescore FILE     # the summary of a saved --json-out again
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

Z80 = 1.2816  # the two-sided 80% normal quantile: advise's level
Z90_ONE_SIDED = 1.645  # the 90th percentile of |x| for a normal x is 1.645 sd


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"gain_intervals.py: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-400:]}")
    return p.stdout


def network_file(cli, name, work, generated):
    if name in generated:
        return generated[name]
    path = os.path.join(work, name + ".onnx")
    run([cli, "export", name, "--onnx", path])
    return path


def generate(work):
    """The plain VGGs and the DeepLab-like net of the 2026-11-28 run, as that run made them."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = {}
    subprocess.run([sys.executable, os.path.join(here, "plain_cnns.py"), work, "--per-family", "3"], check=True, capture_output=True)
    subprocess.run([sys.executable, os.path.join(here, "deeplab_like.py"), work], check=True, capture_output=True)
    for f in os.listdir(work):
        out[f] = os.path.join(work, f)
    return out


def match(row, advice):
    if row["kind"] == "variant":
        front = advice["local_search"]["front"]
        return front[0] if front else None
    same = [s for s in advice["suggestions"] if s["rewrite"]["kind"] == row["rewrite"] and s["block"] == row["block"]]
    for s in same:
        if s["id"] == row["id"]:
            return s
    return same[0] if same else None


def half(r):
    return max(r["new_high"] - r["predicted_gain"], r["predicted_gain"] - r["new_low"])


def score(rows, repeat):
    noise = Z80 * repeat / Z90_ONE_SIDED  # half-width the measurement alone adds at 80%
    out = {}
    for kind in ("suggestion", "variant"):
        xs = [r for r in rows if r["kind"] == kind and r.get("new_low") is not None]
        if not xs:
            continue
        inside = sum(1 for r in xs if r["new_low"] <= r["measured_gain"] <= r["new_high"])
        def widened(r):
            lo, hi = r["predicted_gain"] - r["new_low"], r["new_high"] - r["predicted_gain"]
            return r["predicted_gain"] - (lo * lo + noise * noise) ** 0.5, r["predicted_gain"] + (hi * hi + noise * noise) ** 0.5
        inside_noise = sum(1 for r in xs if widened(r)[0] <= r["measured_gain"] <= widened(r)[1])
        old_inside = sum(1 for r in xs if r["predicted_low"] is not None and r["predicted_low"] <= r["measured_gain"] <= r["predicted_high"])
        out[kind] = {"rows": len(xs), "coverage": inside / len(xs), "coverage_with_measurement_noise": inside_noise / len(xs),
                     "median_width_pp": 100 * statistics.median(r["new_high"] - r["new_low"] for r in xs),
                     "max_half_width_pp": 100 * max(half(r) for r in xs),
                     "share_within_15pp_half_width": sum(1 for r in xs if half(r) <= 0.15) / len(xs),
                     "before_coverage": old_inside / len(xs),
                     "before_median_width_pp": 100 * statistics.median(r["predicted_high"] - r["predicted_low"] for r in xs),
                     "measurement_noise_half_width_pp": 100 * noise}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--cli", default="build/explorer/cpubone-explore")
    ap.add_argument("--json-out", default="")
    ap.add_argument("--rescore", action="store_true", help="re-summarise a saved --json-out file (the runs given) without advising")
    args = ap.parse_args()
    if args.rescore:
        doc = json.load(open(args.runs[0]))
        for run_ in doc["runs"]:
            run_["summary"] = score(run_["rows"], run_["repeatability"])
            print(run_["file"], json.dumps(run_["summary"], indent=1))
        with open(args.runs[0], "w") as f:
            json.dump(doc, f, indent=1)
        return
    work = tempfile.mkdtemp(prefix="cpx-gain-intervals-")
    generated = {}
    started = time.time()
    result = {"schema": "cpubone-explore/benchmark-gain-intervals/v1", "date": time.strftime("%Y-%m-%d"),
              "version": run([args.cli, "--version"]).strip(), "runs": []}
    for path in args.runs:
        doc = json.load(open(path))
        opts = doc["options"]
        if any(n.endswith(".json") or n.endswith(".onnx") for n in opts["networks"].split(",")) and not generated:
            generated = generate(work)
        rows = [dict(r) for r in doc["rows"]]
        for name in opts["networks"].split(","):
            f = network_file(args.cli, name, work, generated)
            advice = json.loads(run([args.cli, "advise", f, "--device", opts["device"], "--threads", str(opts["threads"]),
                                     "--evaluations", str(opts["evaluations"]), "--json"]))
            for r in rows:
                if r["network"] != name:
                    continue
                m = match(r, advice)
                r["new_low"] = r["new_high"] = None
                if m is None:
                    continue
                g = m["gain"]
                r["matched_id"], r["matched_point"] = m["id"], g["point"]
                r["new_low"] = r["predicted_gain"] + (g["low"] - g["point"])
                r["new_high"] = r["predicted_gain"] + (g["high"] - g["point"])
            print(f"{path}: advised {name}", flush=True)
        repeat = doc["summary"]["repeatability"]
        s = score(rows, repeat)
        result["runs"].append({"file": path, "repeatability": repeat, "summary": s,
                               "rows": [{k: r.get(k) for k in ("network", "id", "kind", "rewrite", "block", "predicted_gain", "predicted_low",
                                                               "predicted_high", "measured_gain", "matched_id", "matched_point", "new_low", "new_high")}
                                        for r in rows]})
        print(f"\n{path} (repeatability {100 * repeat:.1f}%)")
        print(f"{'network':22s} {'id':4s} {'rewrite':16s} {'predicted':>9s} {'before [interval]':>20s} {'now [interval]':>20s} {'measured':>9s}")
        for r in rows:
            lo, hi = r.get("new_low"), r.get("new_high")
            now = f"[{100 * lo:+.1f}, {100 * hi:+.1f}]" if lo is not None else "unmatched"
            print(f"{r['network'][:22]:22s} {r['id']:4s} {r['rewrite'][:16]:16s} {100 * r['predicted_gain']:+8.1f}% "
                  f"[{100 * r['predicted_low']:+.1f}, {100 * r['predicted_high']:+.1f}]".ljust(20) + f" {now:>20s} {100 * r['measured_gain']:+8.1f}%")
        for kind, v in s.items():
            print(f"  {kind}s: {v['rows']}; coverage {100 * v['coverage']:.0f}% (with the run's measurement noise "
                  f"{100 * v['coverage_with_measurement_noise']:.0f}%), median width {v['median_width_pp']:.1f} pp, largest half-width "
                  f"{v['max_half_width_pp']:.1f} pp, within +-15 pp {100 * v['share_within_15pp_half_width']:.0f}%; before: coverage {100 * v['before_coverage']:.0f}%, median width {v['before_median_width_pp']:.1f} pp")
    result["seconds"] = time.time() - started
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=1)
        print(f"wrote {args.json_out}")


if __name__ == "__main__":
    main()

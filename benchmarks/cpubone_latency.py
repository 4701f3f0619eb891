#!/usr/bin/env python3
"""Benchmark (not a test): CPUBone nano..B3 whole-network latency on this machine at 1 and 2 threads.

Prints per model: MACs, median latency, MACpS, % of the measured peak and the additivity gap (sum of
per-layer medians / whole-network median), next to ONNX Runtime 1.30's figures for the same machine kind
from the profiler issue. Writes the same as JSON (--json-out). Uses only the cpubone-explore CLI.

    benchmarks/cpubone_latency.py [--cli build/explorer/cpubone-explore] [--min-time 2] [--json-out FILE]
"""
import argparse
import json
import os
import subprocess
import sys

MODELS = ["nano", "t0", "s0", "b0", "b1", "b2", "b3"]
# ONNX Runtime 1.30, graph optimisation "all", batch 1, on a 2-core machine of this kind (issue 3).
ORT_MS = {"b0": (8.1, 5.3), "b1": (12.3, 7.8), "b2": (24.1, 13.6), "b3": (55.0, 30.4)}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default=os.path.join(here, "..", "build", "explorer", "cpubone-explore"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--min-time", default="2")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--json-out", default="")
    args = parser.parse_args()

    rows = []
    for model in args.models.split(","):
        for threads in [int(t) for t in args.threads.split(",")]:
            out = subprocess.run([args.cli, "measure", model, "--threads", str(threads), "--layers", "--json",
                                  "--min-time", args.min_time], check=True, capture_output=True, text=True).stdout
            m = json.loads(out)
            ort = ORT_MS.get(model, (None, None))[threads - 1] if threads in (1, 2) else None
            median_ms = m["timing"]["stats_us"]["median"] / 1e3
            rows.append({
                "model": model, "threads": threads, "macs": m["macs"], "median_ms": median_ms,
                "cv": m["timing"]["stats_us"]["cv"], "macps": m["macps"],
                "fraction_of_peak": m["fraction_of_peak"], "peak_macps": m["peak"]["peak_macps"],
                "additivity": m["additivity"], "emulated_ops": m["emulated_ops"],
                "ort_ms": ort, "ours_over_ort": (median_ms / ort) if ort else None,
                "samples_us": m["timing"]["samples_us"], "environment": m["environment"],
            })
            r = rows[-1]
            print(f"{model:5s} t={threads}  MACs {r['macs']/1e6:8.1f}M  median {median_ms:8.3f} ms (cv {100*r['cv']:4.1f}%)  "
                  f"{r['macps']/1e9:6.2f} GMACpS  {100*r['fraction_of_peak']:5.1f}% of peak  additivity {r['additivity']:.3f}  "
                  + (f"ORT {ort:.1f} ms  ours/ORT {median_ms/ort:.2f}" if ort else "ORT n/a"), flush=True)
    if args.json_out:
        with open(args.json_out + ".tmp", "w") as f:
            json.dump({"schema": "cpubone-explore/benchmark-cpubone/v1", "rows": rows}, f, indent=1)
        os.replace(args.json_out + ".tmp", args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

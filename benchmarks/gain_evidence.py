#!/usr/bin/python3
"""The evidence behind advise's gain intervals (issue 73 item 1), from a `validate --layers --json` run.

A rewrite's gain errs by the predicted time of the ops it changes, and only by how those ops err relative to
the rest of the network: a factor common to every op (the machine's speed, the network scale) cancels in
`1 - new / old`. So the residuals are read relative to each network's whole, per op class and per op:

- class level: u[n][c] = log(sum predicted / sum measured over class c's ops in network n) less the same over
  all of n's ops. Its second moments about zero (a class's bias counts as error) across networks, per class
  and per pair of classes: how far a class's cost relative to the network strays, and whether two classes
  stray together (what a rewrite that swaps one class for another carries);
- op level: w[i] = log(predicted / measured of op i) less u of its class in its network, plus the network's
  own: what one op errs beyond its class. Its time-weighted root mean square per class, and the correlation of
  w between two ops of one block (an op's name up to its last '.'), the standardised w's mean product over
  pairs of ops in the same block.

A residual read once carries that read's timing noise, which is not the predictor's error (at 2 threads the
noise was a third to all of some classes' second moments). So a network read more than once (two --measured
folders) counts by products across its reads, u of one read times u of another, whose expectation is the
error's second moment without the noise (independent between reads); a network read once counts by its own
squares, noise and all. Each network weighs once. A class whose cross-read moment comes out below zero (its
residual is all noise) gets 0; a pair's moment is kept within the product of its classes' rms.

Only held-out networks are read (sets zoo, sampled and ood; not zoo_fitted, whose families fitted the
predictor), and only ops with a time of their own of at least --min-op-us (shorter ones are timer noise).
A class needs ops in at least --min-networks networks for its class-level moment.

    benchmarks/gain_evidence.py [validate.json ...] [--measured DIR] [--exclude NAMES] [--json-out FILE]
    benchmarks/gain_evidence.py --collect DIR --networks NAMES [--threads N] [--min-time S] [--measured DIR] ...

--measured DIR (repeatable: reads of the same networks pool, a network counting once toward --min-networks) reads pairs NAME.measure.json (`measure NAME --layers --json`) and NAME.predict.json (`predict
NAME --device host --layers --json`) as rows of set zoo: the same residuals, one network at a time. --exclude
leaves out networks by name (those whose rewrites a benchmark then scores, so that the score stays held out).
--collect DIR first writes those pairs for --networks at --threads (measure and predict run one after the
other, one network at a time; run it with nothing else on the machine), then reads them as --measured DIR.
The evidence's thread count is the one its measure files were taken at; files of two counts are refused.
"""
import argparse
import json
import math
import os
import subprocess
import sys
from collections import defaultdict

HELD_OUT = ("zoo", "sampled", "ood")


def block_of(name):
    return name.rsplit(".", 1)[0] if "." in name else name


def collect(cli, folder, networks, threads, min_time):
    """measure --layers and predict --layers --device host of each network at `threads`, as --measured reads them."""
    os.makedirs(folder, exist_ok=True)
    for name in networks:
        stem = os.path.join(folder, os.path.basename(name).removesuffix(".onnx").removesuffix(".json"))
        for what, cmd in (("measure", [cli, "measure", name, "--layers", "--json", "--threads", str(threads),
                                       "--min-time", str(min_time)]),
                          ("predict", [cli, "predict", name, "--device", "host", "--layers", "--json",
                                       "--threads", str(threads)])):
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode not in (0, 3):  # 3: written, but the machine interfered (said on stderr)
                sys.exit(f"gain_evidence.py: {' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
            if p.returncode == 3:
                print(f"gain_evidence.py: {name}: {what} flagged noisy: {p.stderr.strip().splitlines()[-1]}", file=sys.stderr)
            with open(f"{stem}.{what}.json", "w") as f:
                f.write(p.stdout)
        print(f"collected {name} at {threads} thread(s)", file=sys.stderr)


def measured_rows(folder, threads):
    rows = []
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".measure.json"):
            continue
        name = f[:-len(".measure.json")]
        try:
            m = json.load(open(os.path.join(folder, f)))
            p = json.load(open(os.path.join(folder, name + ".predict.json")))
            threads.add(m["threads"])
        except (OSError, ValueError) as e:
            print(f"gain_evidence.py: {folder}/{name}: skipped ({e})", file=sys.stderr)
            continue
        if [o["name"] for o in m["layers"]] != [o["name"] for o in p["layers"]]:
            sys.exit(f"gain_evidence.py: {folder}/{name}: measure and predict list different ops")
        rows.append({"network": name, "set": "zoo", "ops_name": [o["name"] for o in p["layers"]],
                     "ops_class": [o["op_class"] for o in p["layers"]],
                     "ops_predicted_us": [o["latency_us"] for o in p["layers"]],
                     "ops_measured_us": [o["timing"]["stats_us"]["median"] if o.get("timing") else None for o in m["layers"]]})
    return rows


def read_networks(rows, min_op_us, exclude):
    nets = []
    for row in rows:
        if row["network"] in exclude:
            continue
        if row.get("set") not in HELD_OUT or "ops_class" not in row:
            continue
        ops = [(n, c, p, m) for n, c, p, m in zip(row["ops_name"], row["ops_class"], row["ops_predicted_us"], row["ops_measured_us"])
               if p is not None and m is not None and p > 0 and m >= min_op_us]
        if len(ops) >= 3:
            nets.append({"network": row["network"], "set": row["set"], "ops": ops})
    return nets


def class_level(nets, min_share):
    """Per network: its log ratio r and each class's u (classes with at least min_share of its measured time)."""
    for n in nets:
        p = sum(o[2] for o in n["ops"])
        m = sum(o[3] for o in n["ops"])
        n["r"] = math.log(p / m)
        by = defaultdict(lambda: [0.0, 0.0])
        for _, c, pi, mi in n["ops"]:
            by[c][0] += pi
            by[c][1] += mi
        n["u"] = {c: math.log(pc / mc) - n["r"] for c, (pc, mc) in by.items() if mc >= min_share * m}
        n["r_class"] = {c: math.log(pc / mc) for c, (pc, mc) in by.items()}


def by_network(nets):
    """The reads of each network (several --measured folders of the same networks), in order."""
    reads = defaultdict(list)
    for n in nets:
        reads[n["network"]].append(n)
    return reads


def cross_mean(values):
    """The mean product over pairs of distinct reads (noise-free second moment), or of one read with itself."""
    if len(values) == 1:
        return values[0][0] * values[0][1]
    prods = [a[0] * b[1] for i, a in enumerate(values) for j, b in enumerate(values) if i != j]
    return sum(prods) / len(prods)


def moments(nets, min_networks):
    reads = by_network(nets)
    classes = sorted({c for n in nets for c in n["u"]})
    second = {}
    count = {}
    for a in classes:
        for b in classes:
            terms = [cross_mean([(r["u"][a], r["u"][b]) for r in rs if a in r["u"] and b in r["u"]])
                     for rs in reads.values() if any(a in r["u"] and b in r["u"] for r in rs)]
            if len(terms) >= min_networks:
                second[(a, b)] = sum(terms) / len(terms)
                count[(a, b)] = len(terms)
    for a in classes:
        if (a, a) in second:
            second[(a, a)] = max(0.0, second[(a, a)])
    for (a, b), v in second.items():
        if a != b and (a, a) in second and (b, b) in second:
            bound = math.sqrt(second[(a, a)] * second[(b, b)])
            second[(a, b)] = max(-bound, min(bound, v))
    return [c for c in classes if (c, c) in second], second, count


def op_level(nets):
    """Per class the time-weighted rms of w; the block correlation of the standardised w (both across reads)."""
    per_net = {}
    for name, rs in by_network(nets).items():
        ops = defaultdict(dict)  # op name -> {read index: (class, measured us, w)}: an op a read filtered out is absent
        for k, r in enumerate(rs):
            for op, c, p, m in r["ops"]:
                ops[op][k] = (c, m, math.log(p / m) - r["r_class"][c])
        per_net[name] = {op: v for op, v in ops.items() if len({x[0] for x in v.values()}) == 1}
    acc = defaultdict(lambda: [0.0, 0.0, 0])
    for ops in per_net.values():
        for v in ops.values():
            c, m = next(iter(v.values()))[0], sum(x[1] for x in v.values()) / len(v)
            acc[c][0] += m * cross_mean([(x[2], x[2]) for x in v.values()])
            acc[c][1] += m
            acc[c][2] += 1
    sd = {c: math.sqrt(max(0.0, s) / wsum) for c, (s, wsum, _) in acc.items() if wsum > 0}
    num = den = 0.0
    pairs = 0
    for ops in per_net.values():
        blocks = defaultdict(list)
        for op, v in ops.items():
            c = next(iter(v.values()))[0]
            if sd.get(c, 0) > 0:
                blocks[block_of(op)].append({k: x[2] / sd[c] for k, x in v.items()})
        for zs in blocks.values():
            for i in range(len(zs)):
                for j in range(i + 1, len(zs)):
                    both = sorted(zs[i].keys() & zs[j].keys())  # the reads that kept both ops
                    if not both:
                        continue
                    num += cross_mean([(zs[i][r], zs[j][r]) for r in both])
                    den += 0.5 * (cross_mean([(zs[i][r], zs[i][r]) for r in both])
                                  + cross_mean([(zs[j][r], zs[j][r]) for r in both]))
                    pairs += 1
    rho = max(-1.0, min(1.0, num / den)) if den > 0 else 0.0
    return sd, {c: acc[c][2] for c in acc}, rho, pairs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("validation", nargs="*")
    ap.add_argument("--measured", action="append", default=[])
    ap.add_argument("--exclude", default="")
    ap.add_argument("--min-op-us", type=float, default=5.0)
    ap.add_argument("--min-share", type=float, default=0.01)
    ap.add_argument("--min-networks", type=int, default=5)
    ap.add_argument("--json-out", default="")
    ap.add_argument("--collect", default="")
    ap.add_argument("--networks", default="")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--cli", default="build/explorer/cpubone-explore")
    args = ap.parse_args()
    if args.collect:
        if not args.networks:
            sys.exit("gain_evidence.py: --collect needs --networks")
        collect(args.cli, args.collect, args.networks.split(","), args.threads, args.min_time)
        args.measured.append(args.collect)
    rows, threads = [], set()
    for path in args.validation:
        doc = json.load(open(path))
        rows += doc["rows"]
        threads.add(doc.get("threads"))
    for folder in args.measured:
        rows += measured_rows(folder, threads)
    threads.discard(None)
    if len(threads) != 1:
        sys.exit(f"gain_evidence.py: the rows were measured at {sorted(threads) or 'no recorded'} thread count(s); "
                 "the evidence needs one")
    nets = read_networks(rows, args.min_op_us, set(args.exclude.split(",")) if args.exclude else set())
    if not nets:
        sys.exit("gain_evidence.py: no held-out row with ops_name and ops_class (validate --layers --json, or --measured)")
    class_level(nets, args.min_share)
    classes, second, count = moments(nets, args.min_networks)
    op_sd, op_count, rho, pairs = op_level(nets)
    names = sorted({n["network"] for n in nets})
    by_set = {s: len({n["network"] for n in nets if n["set"] == s}) for s in HELD_OUT}
    print(f"{len(names)} held-out networks in {len(nets)} reads ({', '.join(f'{s} {k}' for s, k in by_set.items())})")
    print(f"{'class':24s} {'networks':>8s} {'class rms':>9s} {'ops':>5s} {'op rms':>7s}")
    for c in sorted(set(classes) | set(op_sd)):
        cl = math.sqrt(second[(c, c)]) if (c, c) in second else float("nan")
        print(f"{c:24s} {count.get((c, c), 0):8d} {cl:9.3f} {op_count.get(c, 0):5d} {op_sd.get(c, float('nan')):7.3f}")
    print("class-pair correlations (second moments over the product of rms):")
    for a in classes:
        for b in classes:
            if a < b and (a, b) in second and second[(a, a)] * second[(b, b)] > 0:
                print(f"  {a} / {b}: {second[(a, b)] / math.sqrt(second[(a, a)] * second[(b, b)]):+.2f} over {count[(a, b)]} networks")
    print(f"op residuals within one block: correlation {rho:+.3f} over {pairs} pairs")
    source = " ".join(os.path.basename(v) for v in args.validation) + "".join(f" measured {os.path.basename(m.rstrip('/'))}" for m in args.measured)
    out = {"schema": "cpubone-explore/gain-evidence/v1", "source": f"benchmarks/gain_evidence.py on {source.strip()}",
           "networks": len(names), "reads": len(nets), "network_names": names, "excluded": args.exclude, "by_set": by_set,
           "options": {"min_op_us": args.min_op_us, "min_share": args.min_share, "min_networks": args.min_networks},
           "class_second_moment": {f"{a}|{b}": v for (a, b), v in second.items()},
           "class_pair_networks": {f"{a}|{b}": v for (a, b), v in count.items()},
           "op_rms": op_sd, "op_count": op_count, "block_correlation": rho, "block_pairs": pairs,
           "threads": threads.pop()}
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(out, f, indent=1)
        print(f"wrote {args.json_out}")


if __name__ == "__main__":
    main()

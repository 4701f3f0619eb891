#!/usr/bin/python3
"""Unrecognised time per network (issue 73 item 2): the share of a network's predicted time that `advise`
leaves in no recognised block, over every zoo network and torchvision's models exported as a user exports
them (benchmarks/torchvision_intake.py's export: weights=None, eval mode, torch.onnx.export defaults).

Per network: `advise NET --device DEVICE --evaluations 1 --json` (the local search is not what is measured);
its "unrecognised_summary" (ops, predicted time, share of the predicted time) and the block kinds found. A
network is a CNN when its graph has no matmul or softmax op (attention); the goal (issue 73) is at most 10%
unrecognised time on every CNN. Predicted times are the device predictor's, not measurements: the figures
do not depend on this machine's load.

    /usr/bin/python3 benchmarks/recognition.py [--device pi5] [--zoo all|none|NAME,...]
        [--torchvision all|none|NAME,...] [--keep DIR] [--json OUT.json] [--cli build/explorer/cpubone-explore]
"""
import argparse
import collections
import json
import os
import tempfile
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOAL_SHARE = 0.10

# torchvision_intake.py's default set (one model per family) and the CNNs issue 73 names.
TORCHVISION = ["alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "efficientnet_v2_s", "googlenet",
               "inception_v3", "maxvit_t", "mnasnet1_0", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
               "regnet_x_400mf", "regnet_y_400mf", "resnet18", "resnet50", "resnext50_32x4d", "shufflenet_v2_x1_0",
               "squeezenet1_1", "swin_t", "vgg11_bn", "vit_b_16", "wide_resnet50_2", "lraspp_mobilenet_v3_large",
               "deeplabv3_mobilenet_v3_large", "fcn_resnet50"]
ATTENTION_OPS = {"matmul", "softmax"}


def zoo_names(cli):
    out = subprocess.run([cli, "zoo", "--json"], capture_output=True, text=True, check=True).stdout
    j = json.loads(out)
    rows = j if isinstance(j, list) else j.get("networks", j.get("zoo", []))
    return [r["name"] for r in rows]


def export_torchvision(name, folder):
    path = os.path.join(folder, name + ".onnx")
    if not os.path.exists(path):
        sys.path.insert(0, HERE)
        import torchvision_intake
        torchvision_intake.export(name, path)
    return path


def advise(cli, target, device):
    p = subprocess.run([cli, "advise", target, "--device", device, "--evaluations", "1", "--json"],
                       capture_output=True, text=True)
    if p.returncode not in (0, 3):
        return None, (p.stderr.strip() or p.stdout.strip()).splitlines()[-1:] or [f"exit {p.returncode}"]
    return json.loads(p.stdout), None


def row_of(name, source, advice):
    ops = [layer["op"] for layer in advice["layers"]]
    unrec = advice["unrecognised"]
    # advise's own "unrecognised_summary" where it has one (older builds: the rows summed, the same figure).
    unrec_us = advice.get("unrecognised_summary", {}).get("latency_us", sum(u["latency_us"] for u in unrec))
    total_us = advice["latency_us"]
    by_kind = collections.Counter()
    for u in unrec:
        by_kind[u["op"]] += u["latency_us"]
    return {"network": name, "source": source, "cnn": not any(o in ATTENTION_OPS for o in ops), "ops": len(ops),
            "blocks": len(advice["blocks"]), "block_kinds": dict(collections.Counter(b["kind"] for b in advice["blocks"])),
            "suggestions": len(advice["suggestions"]), "unrecognised_ops": len(unrec),
            "unrecognised_us": round(unrec_us, 3), "latency_us": round(total_us, 3),
            "unrecognised_share": round(unrec_us / total_us, 4) if total_us > 0 else 0.0,
            "unrecognised_by_op_us": {k: round(v, 3) for k, v in by_kind.most_common()}}


def table(rows):
    print(f"{'network':32s} {'source':11s} {'cnn':3s} {'ops':>5s} {'blocks':>6s} {'unrec ops':>9s} {'unrec ms':>9s} "
          f"{'share':>6s}  largest unrecognised op kinds (ms)")
    for r in rows:
        if "error" in r:
            print(f"{r['network']:32s} {r['source']:11s} error: {r['error'][:100]}")
            continue
        worst = ", ".join(f"{k} {v / 1e3:.2f}" for k, v in list(r["unrecognised_by_op_us"].items())[:3])
        print(f"{r['network']:32s} {r['source']:11s} {'yes' if r['cnn'] else 'no':3s} {r['ops']:5d} {r['blocks']:6d} "
              f"{r['unrecognised_ops']:9d} {r['unrecognised_us'] / 1e3:9.3f} {100 * r['unrecognised_share']:5.1f}%  {worst}")


def summary(rows):
    ok = [r for r in rows if "error" not in r]
    cnns = [r for r in ok if r["cnn"]]
    over = [r for r in cnns if r["unrecognised_share"] > GOAL_SHARE]
    print(f"{len(ok)} networks advised ({len(rows) - len(ok)} failed), {len(cnns)} CNNs; CNNs above "
          f"{100 * GOAL_SHARE:.0f}% unrecognised time: {len(over)}" + (": " + ", ".join(
              f"{r['network']} {100 * r['unrecognised_share']:.0f}%" for r in over) if over else ""))
    others = [r for r in ok if not r["cnn"] and r["unrecognised_share"] > GOAL_SHARE]
    if others:
        print("networks with attention above the same share (not in the goal): " +
              ", ".join(f"{r['network']} {100 * r['unrecognised_share']:.0f}%" for r in others))
    return {"networks": len(ok), "failed": len(rows) - len(ok), "cnns": len(cnns), "cnns_over_goal": [r["network"] for r in over]}


def names(arg, every):
    return every if arg == "all" else [] if arg == "none" else arg.split(",")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="pi5")
    ap.add_argument("--zoo", default="all")
    ap.add_argument("--torchvision", default="all")
    ap.add_argument("--keep", default=os.path.join(tempfile.gettempdir(), "recognition-torchvision"),
                    help="folder for the exported ONNX files (reused)")
    ap.add_argument("--json")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "explorer", "cpubone-explore"))
    a = ap.parse_args()
    os.makedirs(a.keep, exist_ok=True)
    targets = [(n, "zoo", n) for n in names(a.zoo, zoo_names(a.cli) if a.zoo == "all" else [])]
    for n in names(a.torchvision, TORCHVISION):
        try:
            targets.append((n, "torchvision", export_torchvision(n, a.keep)))
        except Exception as e:  # PyTorch's own export failure is listed, not hidden
            targets.append((n, "torchvision", None))
            print(f"# {n}: export failed: {type(e).__name__}: {str(e).splitlines()[0][:160]}", file=sys.stderr)
    rows = []
    for name, source, target in targets:
        advice, err = advise(a.cli, target, a.device) if target else (None, ["export failed"])
        rows.append({"network": name, "source": source, "error": err[0]} if err else row_of(name, source, advice))
        print(f"# {name}", file=sys.stderr, flush=True)
    table(rows)
    s = summary(rows)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"device": a.device, "goal_share": GOAL_SHARE, "summary": s, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

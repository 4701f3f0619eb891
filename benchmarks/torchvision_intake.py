#!/usr/bin/env python3
"""The user's own trained network, whole (issue 72): torchvision 0.14's classification and segmentation
models (Debian's python3-torchvision), each built with weights=None in eval mode, its BatchNorm statistics
randomised (so that a folded BatchNorm is not the identity), and exported by torch.onnx.export with its
defaults at its documented input size. Per model:

  import   `cpubone-explore count FILE --json` succeeds (else the one-line error);
  params   ours against the graph's own: the float initializers' element count (what the file holds), and
           the BatchNorm-separate count count infers against PyTorch's sum(p.numel());
  MACs     ours beside torchvision's documented GFLOPS (its model pages; multiply-adds, as ours);
  error    `cpubone-explore check FILE --json`: our executor with the file's weights against ONNX Runtime
           on the same file and input, the largest error relative to the output's scale;
  speed    ours (`measure FILE`) over ONNX Runtime (benchmarks/ort/run.mjs) on the same file, at 1 and 2
           threads, interleaved, each going first in turn, median of rounds (ort_vs_ours.py's runners);
  predict  `predict FILE --device pi5` and `advise FILE --device pi5` succeed.

    /usr/bin/python3 benchmarks/torchvision_intake.py [--models resnet18,...|--all] [--rounds 2]
        [--threads 1,2] [--no-speed] [--json OUT.json] [--cli build/explorer/cpubone-explore] [--keep DIR]

The default set is one model per family (the 26 of issue 72); --all takes every classification and
segmentation model torchvision 0.14 lists. Not a test: a benchmark that prints figures and misses.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import ort_vs_ours as ovo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# torchvision's documented GFLOPS (the "GFLOPS" field of each model's weights on its documentation pages,
# pytorch.org/vision/stable/models/generated/torchvision.models.NAME; multiply-adds at the documented size).
DOCUMENTED_GFLOPS = {
    "alexnet": 0.71, "convnext_tiny": 4.46, "densenet121": 2.83, "efficientnet_b0": 0.39,
    "efficientnet_v2_s": 8.37, "googlenet": 1.5, "inception_v3": 5.71, "maxvit_t": 5.56, "mnasnet1_0": 0.31,
    "mobilenet_v2": 0.3, "mobilenet_v3_large": 0.22, "mobilenet_v3_small": 0.06, "regnet_x_400mf": 0.41,
    "regnet_y_400mf": 0.4, "resnet18": 1.81, "resnet50": 4.09, "resnext50_32x4d": 4.23,
    "shufflenet_v2_x1_0": 0.14, "squeezenet1_1": 0.35, "swin_t": 4.49, "vgg11_bn": 7.61, "vit_b_16": 17.56,
    "wide_resnet50_2": 11.4, "lraspp_mobilenet_v3_large": 2.09, "deeplabv3_mobilenet_v3_large": 10.45,
    "fcn_resnet50": 152.72,
}
DEFAULT = list(DOCUMENTED_GFLOPS)
SEGMENTATION = {"lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large", "fcn_resnet50", "deeplabv3_resnet50",
                "deeplabv3_resnet101", "fcn_resnet101"}
# Documented input sizes other than 224 (the weights' transforms: resize then crop).
SIZE = {"inception_v3": 299, "efficientnet_b1": 240, "efficientnet_b2": 288, "efficientnet_b3": 300,
        "efficientnet_b4": 380, "efficientnet_b5": 456, "efficientnet_b6": 528, "efficientnet_b7": 600,
        "efficientnet_v2_s": 384, "efficientnet_v2_m": 480, "efficientnet_v2_l": 480, "vit_h_14": 518}


def every_model():
    import torchvision.models as M
    detection = ("rcnn", "retinanet", "ssd", "fcos", "raft", "r3d", "mc3", "r2plus1d", "s3d", "mvit", "quantized")
    return [m for m in M.list_models() if not any(d in m for d in detection)]


def export(name, path):
    """The model as a user exports it; returns its input size and PyTorch's parameter count."""
    import torch
    import torchvision.models as M
    torch.manual_seed(0)
    seg = name in SEGMENTATION
    size = 520 if seg else SIZE.get(name, 224)
    kwargs = {"weights": None}
    if seg:
        kwargs["weights_backbone"] = None
    if name in ("googlenet", "inception_v3"):
        kwargs["aux_logits"] = False
        kwargs["init_weights"] = True
    model = M.get_model(name, **kwargs).eval()
    for m in model.modules():  # trained-looking statistics: a folded BatchNorm is then no identity
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            if m.affine:
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.5, 0.5)
    # Weights a model starts at zero (ViT's head and class token): drawn at random, as training leaves them,
    # so that the outputs depend on them (a zero head makes every output 0, and the check compares nothing).
    for p in model.parameters():
        if p.dim() >= 2 and not p.detach().any():
            p.data.normal_(std=0.02)
    # Not under torch.no_grad(): there nn.MultiheadAttention takes its fused fast path
    # (aten::_native_multi_head_attention), which torch 1.13 cannot export (vit_b_16 fails).
    torch.onnx.export(model, torch.randn(1, 3, size, size), path)
    return size, sum(p.numel() for p in model.parameters())


def graph_params(path):
    """The float initializers' element count: the parameters the exported file holds, each Identity of one
    counted as the parameter it names (torch.onnx.export stores equal initializers once, e.g. ViT's untrained
    LayerNorm weights and zero biases, and names the others by Identity nodes)."""
    import onnx
    from onnx import TensorProto
    m = onnx.load(path, load_external_data=False)
    sizes = {}
    for t in m.graph.initializer:
        if t.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE):
            k = 1
            for d in t.dims:
                k *= d
            sizes[t.name] = k
    return sum(sizes.values()) + sum(sizes.get(n.input[0], 0) for n in m.graph.node if n.op_type == "Identity" and n.input)


def cli_json(cli, args):
    p = subprocess.run([cli] + args + ["--json"], capture_output=True, text=True)
    if p.returncode not in (0, 3):
        return None, (p.stderr.strip() or p.stdout.strip()).splitlines()[-1:] or ["exit %d" % p.returncode]
    return json.loads(p.stdout), None


def cli_ok(cli, args):
    p = subprocess.run([cli] + args, capture_output=True, text=True)
    return p.returncode == 0, (p.stderr.strip().splitlines() or [""])[-1]


ENVIRONMENT = {}  # our executor's environment at its last measurement: the machine the speed figures are from


def time_ours(cli, path, threads, a):
    m = ovo.ours(cli, path, 0, threads, a)
    ENVIRONMENT.update(m.get("environment") or {})
    return ovo.timing(m)["stats_us"]["median"] / 1e3


def speed(cli, path, threads, a):
    """ours / ONNX Runtime per thread count: medians over rounds, each side going first in turn."""
    out = {}
    for t in threads:
        ours_ms, ort_ms = [], []
        for r in range(a.rounds):
            sides = [("ours", lambda: time_ours(cli, path, t, a)),
                     ("ort", lambda: ovo.ort(path, t, a)["timing"]["stats_us"]["median"] / 1e3)]
            for side, f in (sides if r % 2 == 0 else sides[::-1]):
                (ours_ms if side == "ours" else ort_ms).append(f())
        o, r_ = statistics.median(ours_ms), statistics.median(ort_ms)
        out[str(t)] = {"ours_ms": round(o, 3), "ort_ms": round(r_, 3), "ratio": round(o / r_, 3)}
    return out


def one(name, a, tmp):
    row = {"model": name}
    path = os.path.join(tmp, name + ".onnx")
    try:
        row["resolution"], row["pytorch_params"] = export(name, path)
    except Exception as e:  # a model PyTorch cannot export is PyTorch's miss, listed as such
        row["export_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
        return row
    row["graph_params"] = graph_params(path)
    count, err = cli_json(a.cli, ["count", path])
    if err:
        row["import_error"] = err[0].replace(path, os.path.basename(path))  # no path of this machine in the results
        return row
    row["params"], row["macs"] = count["params"], count["macs"]
    row["params_equal_graph"] = count["params"] == row["graph_params"]
    # PyTorch's sum(p.numel()): the exporter folded each BatchNorm, count infers it back (issue 71 item 10).
    row["params_pytorch_style"] = count.get("params_batch_norm_separate", count["params"])
    row["params_equal_pytorch"] = row["params_pytorch_style"] == row["pytorch_params"]
    if name in DOCUMENTED_GFLOPS:
        row["documented_gmacs"] = DOCUMENTED_GFLOPS[name]
        row["macs_vs_documented"] = round(count["macs"] / 1e9 / DOCUMENTED_GFLOPS[name] - 1, 4)
    check, err = cli_json(a.cli, ["check", path])
    if err:
        row["check_error"] = err[0]
    else:
        row["max_rel_error"] = max(o["relative_error"] for o in check["outputs"])
        row["first_disagreeing_op"] = check.get("first_disagreeing_op")
        row["seeded_weight_ops"] = len(check.get("seeded_weight_ops", []))
    for cmd in ("predict", "advise"):
        ok, why = cli_ok(a.cli, [cmd, path, "--device", "pi5"])
        row[cmd + "_ok"] = ok
        if not ok:
            row[cmd + "_error"] = why
    if not a.no_speed:
        row["speed"] = speed(a.cli, path, a.threads, a)
    return row


def table(rows, threads):
    head = f"{'model':30s} {'import':6s} {'params=graph':12s} {'=pytorch':8s} {'GMACs':>7s} {'doc':>7s} {'rel.err':>9s} " + \
        " ".join(f"{'ratio@' + t:>8s}" for t in threads) + "  predict advise  note"
    print(head)
    for r in rows:
        note = r.get("export_error") or r.get("import_error") or r.get("check_error") or \
            r.get("predict_error") or r.get("advise_error") or ""
        imported = "macs" in r
        ratios = " ".join(f"{r['speed'][t]['ratio']:8.3f}" if "speed" in r else f"{'-':>8s}" for t in threads)
        err = f"{r['max_rel_error']:9.1e}" if "max_rel_error" in r else f"{'-':>9s}"
        print(f"{r['model']:30s} {'yes' if imported else 'NO':6s} "
              f"{(('yes' if r['params_equal_graph'] else 'NO') if imported else '-'):12s} "
              f"{(('yes' if r['params_equal_pytorch'] else 'NO') if imported else '-'):8s} "
              f"{(r['macs'] / 1e9 if imported else 0):7.2f} {r.get('documented_gmacs', 0):7.2f} {err} {ratios}  "
              f"{('ok' if r.get('predict_ok') else '-'):7s} {('ok' if r.get('advise_ok') else '-'):6s}  {note[:100]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(DEFAULT))
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--min-runs", type=int, default=10)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--keep", help="keep the exported files in this folder")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "explorer", "cpubone-explore"))
    a = ap.parse_args()
    a.threads = [int(t) for t in a.threads.split(",")]
    models = every_model() if a.all else a.models.split(",")
    tmp = a.keep or tempfile.mkdtemp(prefix="tv-intake-")
    os.makedirs(tmp, exist_ok=True)
    rows = []
    for name in models:
        t0 = time.time()
        rows.append(one(name, a, tmp))
        print(f"# {name}: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    threads = [str(t) for t in a.threads]
    table(rows, threads)
    imported = [r for r in rows if "macs" in r]
    exported = [r for r in rows if "export_error" not in r]
    print(f"imported {len(imported)} of {len(exported)} exported ({len(rows)} built)")
    errs = [r["max_rel_error"] for r in rows if "max_rel_error" in r]
    if errs:
        print(f"executor vs ONNX Runtime: {sum(e <= 1e-4 for e in errs)} of {len(errs)} within 1e-4 "
              f"(largest {max(errs):.1e})")
    for t in threads:
        ratios = [r["speed"][t]["ratio"] for r in rows if "speed" in r]
        if ratios:
            print(f"ours / ONNX Runtime at {t} thread(s): median {statistics.median(ratios):.3f}, "
                  f"{sum(x <= 1.10 for x in ratios)} of {len(ratios)} at most 1.10, worst {max(ratios):.3f}")
    machine = ovo.machine_of(ENVIRONMENT)  # without --no-speed's measurements: the ISA from /proc/cpuinfo
    print(f"machine: {machine['isa']}; noisy measurements: {len(ovo.NOISY)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine, "noisy": ovo.NOISY, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

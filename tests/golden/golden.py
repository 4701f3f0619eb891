#!/usr/bin/env python3
"""Golden outputs of the zoo, counting and predicting commands for every zoo model.

The committed files (tests/golden/zoo/<model>.json) hold, per model, the JSON that `zoo --json` (its entry), `count --layers
--json`, `expand` and `predict --layers --json` on every shipped device printed before a refactor. A
refactor must leave them unchanged: numbers are compared to a relative 1e-9 (summation order may move
the last bits), everything else exactly.

Deliberate key renames are listed in RENAMES rather than regenerating the files, so that the check
still proves the values unchanged: before comparing, each committed per-layer row of a command has its
old keys renamed (old -> new). Current renames (issue 18, one name per concept):
  count   layers[].class -> conv_class   (dense/grouped/depthwise/pointwise)
  predict layers[].class -> op_class     (the predictor's class, e.g. conv_dense, as the results JSON says)

Keys added since the files were written are listed in ADDED: where a committed output lacks one, the
current output's key is left out of the comparison (every other key and value must still match), so
adding a key needs no regeneration. Current additions (issue 16):
  predict  latency_us_low, latency_us_high, interval   (a calibrated device's interval; checked for shape)
  predict  outside_profile, ops_outside_profile, outside_profile_features   (ops outside the profiled ranges)
  predict layers[]  outside_profile, outside_features
  predict  network_bytes, weights_credit_us   (the host's warm-weights credit; 0 on every device)
  count layers[]  dilation   (a conv's dilation, [1, 1] on every zoo conv; null for ops without a window)
A calibrated device now reports the threads of its published runtime (DEVICE_THREADS), which the committed
files recorded as 1 (the old default); that value is mapped back before comparing.

  golden.py CLI --check   compare against the committed files (the ctest)
  golden.py CLI --check --devices pi5,a72   the same, predict on those devices alone (scripts/test-arm64:
                          under an emulator each run starts qemu)
  golden.py CLI --write   regenerate them (only when an output is meant to change; say why in the commit)
"""
import concurrent.futures
import json
import math
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "zoo"
DEVICES = ["pi5", "pixel7pro", "xeon-w2125", "a72", "xeon-gold5118", "i9-9900x"]
RTOL = 1e-9
# command -> {old key: new key} in each of its per-layer rows; see the docstring.
RENAMES = {
    "count": {"class": "conv_class"},
    "predict": {"class": "op_class"},
}
# The threads of each shipped device's published runtime (predictor/devices/hardware/<device>.json).
DEVICE_THREADS = {"pi5": 4, "pixel7pro": 2, "xeon-w2125": 4, "a72": 1, "xeon-gold5118": 12, "i9-9900x": 1}

# command -> keys new in its output ("layers" = in each per-layer row); see the docstring.
ADDED = {
    "predict": {"latency_us_low", "latency_us_high", "interval",
                "outside_profile", "ops_outside_profile", "outside_profile_features",
                "network_bytes", "weights_credit_us"},
    "predict layers": {"outside_profile", "outside_features"},
    "count layers": {"dilation"},
}


def run(cli, *args):
    p = subprocess.run([cli, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"golden: {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout)


def outputs(cli, model, zoo_entry, devices=DEVICES):
    return {
        "zoo": zoo_entry,
        "count": run(cli, "count", model, "--layers", "--json"),
        "expand": run(cli, "expand", model),
        "predict": {d: run(cli, "predict", model, "--device", d, "--layers", "--json") for d in devices},
    }


def renamed_rows(rows, renames):
    return [{renames.get(k, k): v for k, v in row.items()} for row in rows]


def apply_renames(committed):
    """The committed outputs of one model with RENAMES applied to its per-layer rows."""
    count = committed["count"]
    if "layers" in count:
        count["layers"] = renamed_rows(count["layers"], RENAMES["count"])
    for pred in committed["predict"].values():
        if "layers" in pred:
            pred["layers"] = renamed_rows(pred["layers"], RENAMES["predict"])
    return committed


def without_additions(committed, current, out, model):
    """The current outputs of one model without the ADDED keys its committed outputs lack (the interval
    checked first), and with DEVICE_THREADS mapped back to 1 where the committed files predate it."""
    def drop(new, old, keys):
        for k in keys - set(old):
            new.pop(k, None)
    for new_row, old_row in zip(current["count"].get("layers", []), committed["count"].get("layers", [])):
        drop(new_row, old_row, ADDED["count layers"])
    for device, pred in current["predict"].items():
        old = committed["predict"].get(device, {})
        low, high = pred.get("latency_us_low"), pred.get("latency_us_high")
        if not (isinstance(low, float) and isinstance(high, float) and 0 < low < high):
            out.append(f"{model}.predict.{device}: interval [{low}, {high}] is not a positive range")
        drop(pred, old, ADDED["predict"])
        for new_row, old_row in zip(pred.get("layers", []), old.get("layers", [])):
            drop(new_row, old_row, ADDED["predict layers"])
        if old.get("threads") == 1 and pred.get("threads") == DEVICE_THREADS[device]:
            pred["threads"] = 1
    return current


def diff(a, b, path, out):
    if len(out) >= 10:
        return
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        if type(a) != type(b):
            out.append(f"{path}: {a!r} became {b!r}")
        elif isinstance(a, dict):
            for k in sorted(set(a) | set(b)):
                if k not in a or k not in b:
                    out.append(f"{path}.{k}: {'added' if k in b else 'removed'}")
                else:
                    diff(a[k], b[k], f"{path}.{k}", out)
        elif isinstance(a, list):
            if len(a) != len(b):
                out.append(f"{path}: {len(a)} items became {len(b)}")
            for i, (x, y) in enumerate(zip(a, b)):
                diff(x, y, f"{path}[{i}]", out)
        elif a != b:
            out.append(f"{path}: {a!r} became {b!r}")
    elif not math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-12):
        out.append(f"{path}: {a!r} became {b!r}")


def main():
    args = sys.argv[1:]
    devices = DEVICES
    if len(args) == 4 and args[1] == "--check" and args[2] == "--devices":
        devices = args[3].split(",")
        if not devices or any(d not in DEVICES for d in devices):
            sys.exit(f"golden: --devices {args[3]}: each must be one of {','.join(DEVICES)}")
        args = args[:2]
    if len(args) != 2 or args[1] not in ("--check", "--write"):
        sys.exit(__doc__)
    cli, mode = args
    zoo = {m["name"]: m for m in run(cli, "zoo", "--json")}
    models = list(zoo)
    if mode == "--write":
        OUT.mkdir(exist_ok=True)
        for old in OUT.glob("*.json"):
            old.unlink()
        for m in models:
            (OUT / f"{m}.json").write_text(json.dumps(outputs(cli, m, zoo[m]), separators=(",", ":")) + "\n")
        print(f"golden: wrote {len(models)} models to {OUT}")
        return
    committed = sorted(p.stem for p in OUT.glob("*.json"))
    failures = []
    if committed != sorted(models):
        failures.append(f"zoo models {sorted(models)} differ from the golden set {committed}")
    # The CLI runs are independent: as many at once as CPX_JOBS says (default 2), which halves the check
    # under an emulator (scripts/test-arm64), where each run starts qemu.
    with concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("CPX_JOBS", "2"))) as pool:
        current = dict(zip(models, pool.map(lambda m: outputs(cli, m, zoo[m], devices), models)))
    for m in models:
        f = OUT / f"{m}.json"
        if not f.exists():
            continue
        found = []
        committed = apply_renames(json.loads(f.read_text()))
        committed["predict"] = {d: p for d, p in committed["predict"].items() if d in devices}
        diff(committed, without_additions(committed, current[m], found, m), m, found)
        failures += found
    for line in failures[:40]:
        print(line)
    print(f"golden: {len(models) - len({l.split('.')[0].split('[')[0] for l in failures})} of {len(models)} models unchanged")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

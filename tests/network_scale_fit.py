#!/usr/bin/env python3
"""fit's network scale comes from whole networks alone: in copies of the quick profile (every record
flagged quiet), slowing the "networks" records' whole-network medians by 1.5 multiplies the fitted scale by
exactly 1.5 (each network's held-out Σ ops does not depend on its whole time), and slowing the blocks and
single ops timed alone ("configs", "ops") as wholes leaves it unchanged (they are their ops' sums and must
not outvote the networks).

usage: network_scale_fit.py CLI QUICK_PROFILE WORKDIR"""
import json, os, subprocess, sys

from quiet_profile import fail, fit_workdir, load_quiet

cli, source, work, env = fit_workdir(sys.argv)


def scales(name, slow_sections):
    p = load_quiet(source)
    for s in ("configs", "ops", "networks"):
        for r in p.get(s, []):
            r["timing"]["noisy"] = False
            if s in slow_sections:
                r["timing"]["stats_us"]["median"] *= 1.5
    path = os.path.join(work, "devices", name + ".json")
    json.dump(p, open(path, "w"))
    r = subprocess.run([cli, "fit", "--device", name, "--profile", path], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        fail("fit exited %d" % r.returncode, r.stdout + r.stderr)
    pred = json.load(open(os.path.join(work, "devices", name + ".predictor.json")))
    return {int(t): v for t, v in pred["network_scale"].items()}


if not json.load(open(source)).get("networks"):
    fail("the quick profile has no whole networks to fit a scale on")
base = scales("base", ())
slow_networks = scales("slow_networks", ("networks",))
slow_parts = scales("slow_parts", ("configs", "ops"))
if not base or set(base) != set(slow_networks) or set(base) != set(slow_parts):
    fail("a scale per profiled thread count in every fit: %s %s %s" % (base, slow_networks, slow_parts))
for t, s in base.items():
    if abs(slow_networks[t] / s - 1.5) > 1e-6:
        fail("%d thread(s): networks 1.5x slower must scale by 1.5, got %g -> %g" % (t, s, slow_networks[t]))
    if abs(slow_parts[t] / s - 1) > 1e-6:
        fail("%d thread(s): slower blocks and single ops must not move the network scale, got %g -> %g" % (t, s, slow_parts[t]))
print("NETWORK_SCALE_OK: %s" % {t: round(s, 4) for t, s in base.items()})

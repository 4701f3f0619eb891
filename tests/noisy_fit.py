#!/usr/bin/env python3
"""fit and noisy profiles, with the noise set deliberately in a copy of the quick profile (never hoped for):
quiet-flagged it fits and drops nothing; 80% noisy it refuses (exit 2, telling to re-profile on a quiet
machine); with --allow-noisy it fits, drops the noisy samples where a class has quiet ones, and says per
class in its output and in the predictor's provenance what it used and dropped.

usage: noisy_fit.py CLI QUICK_PROFILE WORKDIR"""
import json, os, subprocess, sys

from quiet_profile import fail, fit_workdir, load_quiet

cli, source, work, env = fit_workdir(sys.argv)
profile = load_quiet(source)
FITTED = ("configs", "ops", "networks")


def flag(noisy_share):
    """Every fitted section: the first noisy_share of its records noisy, the rest quiet."""
    p = json.loads(json.dumps(profile))
    for s in FITTED:
        recs = p.get(s, [])
        for i, r in enumerate(recs):
            r["timing"]["noisy"] = i < round(noisy_share * len(recs))
    path = os.path.join(work, "devices", "noisy%d.json" % round(100 * noisy_share))
    json.dump(p, open(path, "w"))
    return p, path


def fit(path, *extra):
    r = subprocess.run([cli, "fit", "--device", "host", "--profile", path, *extra], env=env, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


_, quiet = flag(0.0)
code, out, err = fit(quiet)
if code != 0 or "noisy samples: 0 of 0 dropped, 0 used" not in out:
    fail("a quiet-flagged profile must fit and drop nothing (exit %d)" % code, out + err)

noisy_profile, noisy = flag(0.8)
code, out, err = fit(noisy)
if code != 2 or "re-profile on a quiet machine" not in err or "--allow-noisy" not in err or out:
    fail("an 80%% noisy profile must be refused with exit 2 (got %d)" % code, out + err)

code, out, err = fit(noisy, "--allow-noisy")
if code != 0:
    fail("--allow-noisy must fit (exit %d)" % code, out + err)
pred = json.load(open(os.path.join(work, "devices", "host.predictor.json")))
noise = pred["provenance"]["noise"]
classes = pred["provenance"]["classes"]
dropped = sum(c["noisy_dropped"] for c in classes.values())
used = sum(c["noisy_used"] for c in classes.values())
# Rows fused into another op's kernel ("fused_into") are no samples: their time is in the owner's row.
layers = sum(sum("fused_into" not in l for l in r["layers"]) for s in FITTED for r in noisy_profile.get(s, [])
             if r["timing"]["noisy"])
if noise["allow_noisy"] is not True or noise["samples_noisy"] != layers or dropped == 0 or noise["samples_dropped"] != dropped \
        or noise["samples_used"] != used:
    fail("the provenance must count the noisy samples (%d) and what was dropped (%d) and used (%d): %s" % (layers, dropped, used, noise))
if noise["measurements"]["noisy"] != sum(round(0.8 * len(noisy_profile.get(s, []))) for s in FITTED):
    fail("the provenance must count the noisy measurements: %s" % noise["measurements"])
for name, c in classes.items():
    line = next((l for l in out.splitlines() if l.split()[:1] == [name]), "")
    if "noisy: %d dropped, %d used" % (c["noisy_dropped"], c["noisy_used"]) not in line:
        fail("fit must print per class what it dropped and used (%s)" % name, out)
if "noisy samples: %d of %d dropped, %d used" % (dropped, layers, used) not in out:
    fail("fit must print the noisy samples it dropped", out)
print("NOISY_FIT_OK: dropped %d of %d noisy samples, used %d (classes with fewer than 3 quiet ones)" % (dropped, layers, used))

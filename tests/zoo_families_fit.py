#!/usr/bin/env python3
"""fit --zoo-families half fits on the profile's zoo networks of the fitted half of the zoo's families only:
in copies of the quick profile (every record flagged quiet; its zoo section holds b0, a CPUBone, a held-out
family), the half fit equals the none fit, even with b0's times multiplied by 10 (the held-out family is
never read); with b0's record relabelled as resnet18 (ResNet is in the fitted half), the fit names ResNet
and its network scale follows that record's whole-network time (the scale is a median over the networks,
so the record is made 10x slower or 10x faster: one side of the median or the other); a zoo record naming
no zoo model is an error naming it.

usage: zoo_families_fit.py CLI QUICK_PROFILE WORKDIR"""
import json, os, subprocess, sys

from quiet_profile import fail, fit_workdir, load_quiet

cli, source, work, env = fit_workdir(sys.argv)


def profile(edit):
    p = load_quiet(source)
    for s in ("configs", "ops", "networks", "zoo"):
        for r in p.get(s, []):
            r["timing"]["noisy"] = False
    edit(p)
    return p


def fit(name, p, zoo_families, expect_exit=0):
    path = os.path.join(work, "devices", name + ".json")
    json.dump(p, open(path, "w"))
    r = subprocess.run([cli, "fit", "--device", name, "--profile", path, "--zoo-families", zoo_families], env=env,
                       capture_output=True, text=True)
    if r.returncode != expect_exit:
        fail("%s: fit exited %d" % (name, r.returncode), r.stdout + r.stderr)
    if expect_exit:
        return r.stderr
    return json.load(open(os.path.join(work, "devices", name + ".predictor.json")))


def model(pred):
    return {k: v for k, v in pred.items() if k not in ("provenance", "device")}


def slow_zoo(factor):
    def edit(p):
        for r in p["zoo"]:
            r["timing"]["stats_us"]["median"] *= factor
            for l in r["layers"]:
                l["timing"]["stats_us"]["median"] *= factor
    return edit


def as_resnet(factor):
    def edit(p):
        p["zoo"] = [r for r in p["zoo"] if r["model"] == "b0"][:1]
        p["zoo"][0]["model"] = "resnet18"
        p["zoo"][0]["id"] = "zoo_resnet18_t1"
        p["zoo"][0]["timing"]["stats_us"]["median"] *= factor
    return edit


if [r["model"] for r in json.load(open(source)).get("zoo", [])] != ["b0"]:
    fail("the quick profile's zoo section was b0 alone; this test assumes it")
none = fit("none", profile(lambda p: None), "none")
half = fit("half", profile(lambda p: None), "half")
if model(half) != model(none) or half["provenance"]["zoo_families_fitted"] != []:
    fail("a held-out family's zoo record (CPUBone's b0) must change nothing")
poisoned = fit("poisoned", profile(slow_zoo(10)), "half")
if model(poisoned) != model(none):
    fail("b0's record 10x slower changed the half fit: a held-out family was read")
resnet = fit("resnet", profile(as_resnet(1)), "half")
fast_resnet = fit("fast_resnet", profile(as_resnet(0.1)), "half")
slow_resnet = fit("slow_resnet", profile(as_resnet(10)), "half")
if resnet["provenance"]["zoo_families_fitted"] != ["ResNet"] or resnet["provenance"]["zoo_families"] != "half":
    fail("a fitted family's record must be named in the provenance: %s" % resnet["provenance"]["zoo_families_fitted"])
if resnet["network_scale"] == none["network_scale"]:
    fail("a fitted family's whole network must enter the network scale")
if any(slow_resnet["network_scale"][t] <= fast_resnet["network_scale"][t] for t in resnet["network_scale"]):
    fail("its whole network 10x slower must give a higher network scale than 10x faster: %s, %s" %
         (fast_resnet["network_scale"], slow_resnet["network_scale"]))


def unknown(p):
    as_resnet(1)(p)
    p["zoo"][0]["model"] = "resnet9000"


err = fit("unknown", profile(unknown), "half", expect_exit=2)
if 'zoo[0].model = "resnet9000"' not in err:
    fail("an unknown zoo model must be named", err)
print("ZOO_FAMILIES_OK: none %s, with a ResNet record %s, 10x faster %s, 10x slower %s" %
      (none["network_scale"], resnet["network_scale"], fast_resnet["network_scale"], slow_resnet["network_scale"]))

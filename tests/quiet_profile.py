"""The quick profile as the fit tests need it: a copy whose speed reference says the machine kept its speed.

The quick profile is measured while the rest of the suite runs (under the sanitizers, its speed reference
has doubled in time), and fit refuses a profile whose machine changed speed by more than a quarter. The
tests that use this copy are about something else, so they set that part as a quiet machine would have."""
import json
import os
import shutil
import sys


def load_quiet(path):
    p = json.load(open(path))
    section = p.get("machine_speed")
    if section and section.get("samples"):
        fastest = min(s["latency_us"] for s in section["samples"])
        for s in section["samples"]:
            s["latency_us"] = fastest
        section["spread"] = 0.0
        section["slowed"] = False
    return p


def fit_workdir(argv):
    """A fit test's arguments CLI QUICK_PROFILE WORKDIR: WORKDIR emptied, with devices/, and the
    environment that makes it the device cache. Returns (cli, quick profile, workdir, env)."""
    cli, source, work = argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "devices"))
    return cli, source, work, dict(os.environ, CPX_HOME=work)


def fail(msg, out=""):
    print("FAIL:", msg, "\n", out)
    sys.exit(1)

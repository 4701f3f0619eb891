"""The quick profile as the fit tests need it: a copy whose speed reference says the machine kept its speed.

The quick profile is measured while the rest of the suite runs (under the sanitizers, its speed reference
has doubled in time), and fit refuses a profile whose machine changed speed by more than a quarter. The
tests that use this copy are about something else, so they set that part as a quiet machine would have."""
import json


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

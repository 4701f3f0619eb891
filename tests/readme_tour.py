#!/usr/bin/env python3
"""Every command of the README's tour, run against the built binary (issue 49: the front door must not go
stale). A tour command is a line in a fenced block starting with "$ "; the lines after it, up to the next
command or the block's end, are its excerpt. Each command runs in a scratch folder (`cpubone-explore` is the
built CLI; `build/python` the built module) and must exit 0 (`measure` may exit 3, a busy machine, as the
README's own excerpt shows); the excerpt's first line, up to its first digit, must begin a line of the output.
The calibrate example's CSV is written as the README says: the zoo models with a published Raspberry Pi 5
latency, one row each.

    readme_tour.py README.md CLI PYTHON_BUILD_DIR SCRATCH
"""
import json
import os
import re
import shutil
import subprocess
import sys


def tour(readme):
    commands, current, in_block = [], None, False
    for line in open(readme, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("```"):
            in_block = not in_block
            current = None
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            current = {"command": line[2:], "excerpt": []}
            commands.append(current)
        elif current is not None:
            if current["command"].count('"') % 2 == 1:  # a multi-line quoted argument continues
                current["command"] += "\n" + line
            else:
                current["excerpt"].append(line)
    return commands


def calibration_csv(cli, path):
    zoo = json.loads(subprocess.run([cli, "zoo", "--json"], check=True, capture_output=True, text=True).stdout)
    rows = {}
    for e in zoo:
        for p in e["published"]:
            if "rpi5_ms" in p.get("devices", {}):
                rows.setdefault(e["name"], (e["family"], p["devices"]["rpi5_ms"]))
    with open(path, "w") as f:
        f.write("model,latency_ms,family\n")
        for name, (family, ms) in rows.items():
            f.write(f"{name},{ms},{family}\n")


def main():
    readme, cli, python_build, scratch = sys.argv[1:5]
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    commands = tour(readme)
    if len(commands) < 5:
        print(f"FAIL: {readme} has {len(commands)} tour commands, expected the tour's six")
        return 1
    calibration_csv(cli, os.path.join(scratch, "pi5-mine.csv"))
    failures = 0
    for c in commands:
        command = re.sub(r"\s+#.*$", "", c["command"]) if "\n" not in c["command"] else c["command"]
        command = command.replace("PYTHONPATH=build/python", f"PYTHONPATH={python_build}")
        command = re.sub(r"^cpubone-explore\b", lambda _: cli, command)
        p = subprocess.run(["sh", "-c", command], cwd=scratch, capture_output=True, text=True)
        allowed = (0, 3) if " measure " in f" {command} " else (0,)
        out = p.stdout + p.stderr
        first = next((l for l in c["excerpt"] if l.strip() and l.strip() != "..."), "")
        stem = " ".join(re.split(r"\d|\.\.\.", first, maxsplit=1)[0].split())  # up to a figure or a cut
        shown = c["command"].splitlines()[0]
        if p.returncode not in allowed:
            print(f"FAIL: `{shown}` exited {p.returncode}:\n{out[-2000:]}")
            failures += 1
        elif stem and not any(" ".join(l.split()).startswith(stem) for l in out.splitlines()):
            print(f"FAIL: `{shown}`: no output line begins {stem!r} (the README's excerpt); got:\n{out[:1500]}")
            failures += 1
        else:
            print(f"ok: `{shown}` (exit {p.returncode})")
    if failures:
        return 1
    print(f"README_TOUR_OK: {len(commands)} commands")
    return 0


if __name__ == "__main__":
    sys.exit(main())

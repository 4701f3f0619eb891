#!/usr/bin/env python3
"""Every command of the README's tour, run against the built binary (issue 49: the front door must not go
stale). A tour command is a line in a fenced block starting with "$ "; the lines after it, up to the next
command or the block's end, are its excerpt. Each command runs in a scratch folder holding a copy of examples/
and of predictor/devices/specs/ (`cpubone-explore` is the built
CLI; `build/python` the built module) and must exit 0 (`measure` may exit 3, a busy machine, as the README's
own excerpt shows).

Every excerpt line must be printed, in order (issue 71: the README's figures drifted from the program's
while a looser check passed): a line alone of "..." stands for lines left out, "..." inside a line for text
left out, and runs of spaces match any run. Numbers must be equal, except measured ones: every number of a
`measure` command's excerpt, and a number written "~N" anywhere (a measured time or speed), match any
number, since they belong to the machine that ran them. So a change that alters what the tour prints fails
here until the README shows it.

    readme_tour.py README.md CLI PYTHON_BUILD_DIR SCRATCH
"""
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


NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?"


def line_pattern(line, measured):
    """The regular expression an excerpt line stands for (see the module's doc)."""
    out = []
    for k, piece in enumerate(re.split(r"(~?[-+]?\d[\d,]*(?:\.\d+)?|\.\.\.|\s+)", line.strip())):
        if k % 2 == 0:
            out.append(re.escape(piece))
        elif piece == "...":
            out.append(".*")
        elif piece.isspace():
            out.append(r"\s+")
        elif measured or piece.startswith("~"):
            out.append(NUMBER)
        else:
            out.append(re.escape(piece))
    return re.compile("".join(out))


def unmatched(excerpt, output, measured):
    """The first excerpt line that no output line after the previous match prints, or None."""
    lines = [" ".join(l.split()) for l in output.splitlines()]
    at = 0
    for e in excerpt:
        if not e.strip() or e.strip() == "...":
            continue
        pattern = line_pattern(e, measured)
        hit = next((k for k in range(at, len(lines)) if pattern.fullmatch(lines[k])), None)
        if hit is None:
            return e
        at = hit + 1
    return None


def main():
    readme, cli, python_build, scratch = sys.argv[1:5]
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    commands = tour(readme)
    if len(commands) < 5:
        print(f"FAIL: {readme} has {len(commands)} tour commands, expected the tour's six")
        return 1
    examples = os.path.join(os.path.dirname(os.path.abspath(readme)), "examples")
    for f in os.listdir(examples):
        if os.path.isfile(os.path.join(examples, f)):
            shutil.copy(os.path.join(examples, f), scratch)
    # The spec sheets a user passes to `calibrate --hardware`, at the path they have from the repository's root.
    specs = os.path.join("predictor", "devices", "specs")
    shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(readme)), specs), os.path.join(scratch, specs))
    failures = 0
    for c in commands:
        command = re.sub(r"\s+#.*$", "", c["command"]) if "\n" not in c["command"] else c["command"]
        command = command.replace("PYTHONPATH=build/python", f"PYTHONPATH={python_build}")
        command = re.sub(r"^cpubone-explore\b", lambda _: cli, command)
        p = subprocess.run(["sh", "-c", command], cwd=scratch, capture_output=True, text=True)
        allowed = (0, 3) if " measure " in f" {command} " else (0,)
        out = p.stdout + p.stderr
        shown = c["command"].splitlines()[0]
        missing = unmatched(c["excerpt"], out, measured=" measure " in f" {command} ")
        if p.returncode not in allowed:
            print(f"FAIL: `{shown}` exited {p.returncode}:\n{out[-2000:]}")
            failures += 1
        elif missing is not None:
            print(f"FAIL: `{shown}`: the README's line\n  {missing.strip()}\nis not printed (in order); the output:\n{out[:6000]}")
            failures += 1
        else:
            print(f"ok: `{shown}` (exit {p.returncode})")
    if failures:
        return 1
    print(f"README_TOUR_OK: {len(commands)} commands")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Executes a notebook with Debian's nbclient and fails on any error or stderr output.

usage: run_notebook.py NOTEBOOK EXECUTED_OUT
"""
import sys
import time

import nbformat
from nbclient import NotebookClient


def main(src: str, out: str) -> int:
    nb = nbformat.read(src, as_version=4)
    start = time.monotonic()
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    finally:
        nbformat.write(nb, out)
    problems = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr"):
                problems.append(f"cell {i}: {o.get('ename') or ''} {o.get('evalue') or o.get('text', '')}".strip())
    print(f"{src}: executed in {time.monotonic() - start:.1f} s, written to {out}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""How ``dockwise fix`` and ``dockwise format`` scale with the file (issue 12, item 4).

    python bench/scaling.py [--sizes 1500,3000,6000,12000] [--shapes chain,apt,mixed,messy]
                            [--what fix,format,lint] [--budget SECONDS] [--json OUT]

For each shape of generated Dockerfile (``tests/bigfiles.py``) and each size
(number of RUN instructions) it times, in this process, the engine behind the
command: ``fix_text`` (lint, apply a round of safe fixes, re-lint, to a fixed
point), ``format_text`` and one ``lint_text``; and prints seconds, the rounds
the fix loop needed, and the ratio to the previous size (×2 input: a linear
engine gives ≈ 2). ``--budget``: skip the larger sizes of a shape/command once
one run took longer than this (the quadratic engine needs minutes at 12,000).

Times are CPU seconds of this process (``time.process_time``: other load on
the machine inflates them less than wall clock); the ratios are the figure
that matters. Unit tests check the same thing with operation counts
(``tests/test_scaling.py``), never with a clock.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bigfiles import SHAPES, generate  # noqa: E402

from dockwise.editor.formatting import format_text  # noqa: E402
from dockwise.lint.engine import DEFAULT_SETTINGS, lint_text  # noqa: E402
from dockwise.lint.fixes import fix_text  # noqa: E402


def _run(what: str, text: str) -> tuple[float, str]:
    t0 = time.process_time()
    if what == "fix":
        res = fix_text(text)
        note = f"{res.rounds} rounds, {len(res.applied)} fixes"
    elif what == "format":
        out = format_text(text)
        note = f"{sum(a != b for a, b in zip(text.split(chr(10)), out.split(chr(10))))} lines changed"
    else:
        note = f"{len(lint_text(text, DEFAULT_SETTINGS).violations)} findings"
    return time.process_time() - t0, note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sizes", default="1500,3000,6000,12000")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--what", default="fix,format,lint")
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    rows = []
    # warm up: imports, rule registry, tree-sitter
    fix_text(generate(20, "mixed"))
    format_text(generate(20, "messy"))
    print(f"# dockwise scaling — Python {platform.python_version()}, {platform.machine()}")
    print()
    print("| command | shape | RUNs | lines | CPU s | ×prev | notes |")
    print("|---|---|---:|---:|---:|---:|---|")
    for what in a.what.split(","):
        for shape in a.shapes.split(","):
            prev = None
            for n in sizes:
                text = generate(n, shape)
                lines = text.count("\n")
                if prev is not None and prev > a.budget:
                    print(f"| {what} | {shape} | {n} | {lines} | skipped | | previous size took {prev:.0f} s > budget |")
                    rows.append({"what": what, "shape": shape, "runs": n, "lines": lines, "skipped": True})
                    continue
                secs, note = _run(what, text)
                ratio = f"{secs / prev:.2f}" if prev else ""
                print(f"| {what} | {shape} | {n} | {lines} | {secs:.2f} | {ratio} | {note} |", flush=True)
                rows.append({"what": what, "shape": shape, "runs": n, "lines": lines, "seconds": secs, "notes": note})
                prev = secs
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({"rows": rows}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

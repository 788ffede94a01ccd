"""Per-keystroke lint cost, in process: editlat's document (1,000 lines, 100
stages), the language server's path (incremental parse, then ``lint_model``
with the document's LintCache), thread CPU time per keystroke.

Two edits, 60 keystrokes each, at the end of the line ``RUN echo 20``:
typing one character ("type") and Enter ("enter": every later line moves).
Prints p50/p95 of parse and lint per edit. As in the server with a ShellCheck
binary, the lint is given a ShellCheck results function (every script pending, as
before ShellCheck answers: the SC rule lists the scripts, nothing is run);
``--no-shellcheck`` lints as without a binary.

    python bench/lintkeys.py                 # this checkout
    python bench/lintkeys.py --against /work/main/.venv/bin/python --rounds 3
        # interleaved with another checkout's interpreter, round by round
        # (before/after figures from the same minutes on a shared machine)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EDITLAT = os.path.join(HERE, "..", "..", "shared", "bench")


def _pending(scripts: list) -> list:
    return [None] * len(scripts)


def measure(edit: str, keys: int = 60, shellcheck: bool = True) -> dict:
    sys.path.insert(0, EDITLAT)
    import editlat  # type: ignore[import-not-found]

    from dockwise.lint.engine import LintCache, LintSettings, lint_model
    from dockwise.syntax.parser import parse

    text = editlat.document()
    lines = text.split("\n")
    ln = next(k for k, line in enumerate(lines) if line.startswith("RUN echo 20"))
    settings = LintSettings.make()
    cache = LintCache()
    path = "/tmp/lintkeys/Dockerfile"
    m = parse(text, path=path)
    sc = _pending if shellcheck else None
    lint_model(m, settings, cache=cache, shellcheck=sc)
    tp, tl = [], []
    n = 0
    for k in range(keys):
        lines = text.split("\n")
        if edit == "enter":
            lines.insert(ln + 1 + k, "")
        else:
            lines[ln] += "x"
        text = "\n".join(lines)
        t0 = time.thread_time()
        m = parse(text, path=path, previous=m, discard_previous=True)
        t1 = time.thread_time()
        n = len(lint_model(m, settings, cache=cache, shellcheck=sc))
        t2 = time.thread_time()
        tp.append((t1 - t0) * 1000)
        tl.append((t2 - t1) * 1000)

    def q(a: list, p: float) -> float:
        return sorted(a)[min(len(a) - 1, int(len(a) * p))]

    return {"edit": edit, "parse_p50": statistics.median(tp), "parse_p95": q(tp, .95),
            "lint_p50": statistics.median(tl), "lint_p95": q(tl, .95), "findings": n}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", help="another checkout's python, run round by round with this one")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="one JSON line per edit (used by --against)")
    ap.add_argument("--no-shellcheck", action="store_true", help="lint as without a ShellCheck binary")
    a = ap.parse_args()
    if not a.against:
        for edit in ("type", "enter"):
            r = measure(edit, shellcheck=not a.no_shellcheck)
            if a.json:
                print(json.dumps(r))
            else:
                print(f"{edit:6s} parse p50 {r['parse_p50']:.1f} p95 {r['parse_p95']:.1f} ms   "
                      f"lint p50 {r['lint_p50']:.1f} p95 {r['lint_p95']:.1f} ms   findings {r['findings']}")
        return
    runs: dict[str, list] = {"this": [], "against": []}
    for _ in range(a.rounds):
        for who, py in (("against", a.against), ("this", sys.executable)):
            extra = ["--no-shellcheck"] if a.no_shellcheck else []
            out = subprocess.run([py, os.path.abspath(__file__), "--json", *extra], capture_output=True, text=True,
                                 check=True, cwd="/tmp").stdout
            runs[who].extend(json.loads(line) for line in out.splitlines() if line.strip())
    for who in ("against", "this"):
        for edit in ("type", "enter"):
            rs = [r for r in runs[who] if r["edit"] == edit]
            med = {k: statistics.median(r[k] for r in rs) for k in ("parse_p50", "parse_p95", "lint_p50", "lint_p95")}
            print(f"{who:8s} {edit:6s} parse p50 {med['parse_p50']:.1f} p95 {med['parse_p95']:.1f} ms   "
                  f"lint p50 {med['lint_p50']:.1f} ms  p95 {med['lint_p95']:.1f} ms "
                  f"(median of {len(rs)} runs; findings {rs[-1]['findings']})")


if __name__ == "__main__":
    main()

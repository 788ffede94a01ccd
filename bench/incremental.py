"""Per-keystroke cost of the incremental parse and of the cached lint, in-process.

    python bench/incremental.py [--keystrokes N] [--against REV [--rounds R]]

On the 1,000-line, 100-stage document of ``../shared/bench/editlat.py`` and with its
edits: *typing* one character at a time at the end of ``RUN echo 20``, and *Enter* at
that place (every later line moves down one line each time). Each keystroke is
re-parsed as the language server does (``parse(text, previous=model,
discard_previous=True)``) and then linted with the document's ``LintCache``
(``lint_model(model, settings, cache=cache)``, default settings). Prints p50/p95 of
the CPU time of this thread (``time.thread_time``, so other processes on the machine
count less) for parse and lint apart.

Lint is measured after parse on purpose: instructions the parse moved lazily are moved
when the lint first reads their positions, so that cost is in the lint figure.

``--against REV`` measures this tree and the git revision ``REV`` (extracted with ``git
archive`` into a temporary directory) in separate processes, alternately, ``--rounds``
times, and prints the median over rounds of each figure for both: before/after
figures taken in the same minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITLAT = ROOT.parent / "shared" / "bench"


def _q(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(int(len(s) * q), len(s) - 1)]


def measure(keystrokes: int) -> dict:
    sys.path.insert(0, str(EDITLAT))
    import editlat  # pyright: ignore[reportMissingImports]  (../shared/bench, outside the repository)

    from dockwise.lint.engine import LintCache, LintSettings, lint_model
    from dockwise.syntax.parser import parse

    text0 = editlat.document()
    out: dict[str, float] = {}
    for kind in ("typing", "enter"):
        text = text0
        lines = text.split("\n")
        ln = next(k for k, line in enumerate(lines) if line.startswith("RUN echo 20"))
        settings = LintSettings.make()
        cache = LintCache()
        path = "/tmp/incremental-bench/Dockerfile"
        model = parse(text, path=path)
        lint_model(model, settings, cache=cache)
        tp: list[float] = []
        tl: list[float] = []
        for k in range(keystrokes):
            if kind == "typing":
                lines[ln] += "x"
            else:
                lines.insert(ln + 1 + k, "")
            text = "\n".join(lines)
            t0 = time.thread_time()
            model = parse(text, path=path, previous=model, discard_previous=True)
            t1 = time.thread_time()
            lint_model(model, settings, cache=cache)
            t2 = time.thread_time()
            tp.append((t1 - t0) * 1000)
            tl.append((t2 - t1) * 1000)
        out[f"{kind}_parse_p50"] = statistics.median(tp)
        out[f"{kind}_parse_p95"] = _q(tp, 0.95)
        out[f"{kind}_lint_p50"] = statistics.median(tl)
        out[f"{kind}_lint_p95"] = _q(tl, 0.95)
    return out


def _package_dir(tree: Path, into: Path) -> Path:
    """A directory to put first on ``sys.path`` so that ``dockwise`` (``server/``) and
    ``dockwise.rules`` (``rules/``) are imported from ``tree``."""
    pkg = into / "dockwise"
    pkg.mkdir()
    for entry in (tree / "server").iterdir():
        (pkg / entry.name).symlink_to(entry)
    (pkg / "rules").symlink_to(tree / "rules")
    return into


def _child(tree: Path, keystrokes: int, tmp: Path) -> dict:
    where = _package_dir(tree, Path(tempfile.mkdtemp(dir=tmp)))
    code = (f"import sys; sys.path.insert(0, {str(where)!r}); sys.path.insert(1, {str(ROOT / 'bench')!r});"
            f"import dockwise, json, incremental; assert dockwise.__file__.startswith({str(where)!r}), dockwise.__file__;"
            f"print(json.dumps(incremental.measure({keystrokes})))")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    return json.loads(got.stdout.strip().splitlines()[-1])


def _print(rows: list[tuple[str, dict]]) -> None:
    keys = [f"{kind}_{what}_{q}" for kind in ("typing", "enter") for what in ("parse", "lint") for q in ("p50", "p95")]
    print(f"{'ms (thread_time)':<22}" + "".join(f"{name:>14}" for name, _ in rows))
    for k in keys:
        print(f"{k:<22}" + "".join(f"{r[k]:>14.2f}" for _, r in rows))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Per-keystroke cost of the incremental parse and the cached lint")
    ap.add_argument("--keystrokes", type=int, default=100)
    ap.add_argument("--against", metavar="REV", help="also measure this git revision, interleaved")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    if not a.against:
        _print([("this tree", measure(a.keystrokes))])
        return 0
    with tempfile.TemporaryDirectory(prefix="incremental-bench-") as tmp_:
        tmp = Path(tmp_)
        other = tmp / "rev"
        other.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", a.against], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive.stdout, check=True)
        runs: dict[str, list[dict]] = {a.against: [], "this tree": []}
        for r in range(a.rounds):
            for name, tree in ((a.against, other), ("this tree", ROOT)):
                runs[name].append(_child(tree, a.keystrokes, tmp))
                print(f"round {r + 1}/{a.rounds} {name}: done", file=sys.stderr, flush=True)
        rows = [(name, {k: statistics.median(x[k] for x in rs) for k in rs[0]}) for name, rs in runs.items()]
        print(f"median of {a.rounds} interleaved rounds, {a.keystrokes} keystrokes each, "
              f"editlat document, pid {os.getpid()}")
        _print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

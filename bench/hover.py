"""Hover latency on FROM lines (budget: 300 ms per hover, issue 5).

Two measurements over one Dockerfile with a FROM line for every tag of the
shipped size table (plus unknown images, ARG-built names and stage refs):

* **in-process**: ``dockwise.editor.hover.hover`` on each FROM image (the engine's
  cost: lookup, variants, other platforms, EOL), after a cold first call that
  also loads the image tables;
* **over the protocol**: the real server (``python -m dockwise serve``) over
  stdio with the raw client of ``bench/lspclient.py``: ``textDocument/hover``
  on each FROM image, the first hover of a fresh server separately (it pays
  for loading the tables), and ``textDocument/inlayHint`` for the whole file.

Prints p50 / p95 / max in milliseconds; ``--json FILE`` writes them too.
No network: the server runs with ``images.online`` off.

    .venv/bin/python bench/hover.py [--rounds 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

BUDGET_MS = 300.0


def make_doc() -> tuple[str, list[tuple[int, int]]]:
    """The Dockerfile and the (line, column) of every FROM image in it."""
    from dockwise.images import catalog as images

    lines = ["ARG BASE=python:3.12", "ARG REG=localhost:5000"]
    for repo, tags in sorted(images.size_table()["images"].items()):
        for tag in sorted(tags):
            lines.append(f"FROM {repo}:{tag}")
            lines.append("RUN true")
    lines += ["FROM ${BASE} AS built", "FROM --platform=linux/arm64 python:3.12.4-slim",
              "FROM ${REG}/team/app:1", "FROM myorg/unknown:2", "FROM built", "FROM python:3.8-slim@sha256:" + "ab" * 32]
    spots = [(i, 6) for i, line in enumerate(lines) if line.startswith("FROM ")]
    spots = [(i, len(lines[i]) - 3 if lines[i].startswith("FROM --") else c) for i, c in spots]
    return "\n".join(lines) + "\n", spots


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]


def summary(xs: list[float]) -> dict:
    return {"n": len(xs), "p50_ms": round(statistics.median(xs), 3), "p95_ms": round(pct(xs, 95), 3),
            "max_ms": round(max(xs), 3)}


def in_process(doc: str, spots: list[tuple[int, int]], rounds: int) -> dict:
    t0 = time.perf_counter()
    from dockwise.editor import hover as H
    from dockwise.syntax.model import Pos
    from dockwise.syntax.parser import parse

    from dockwise.images import catalog as images

    df = parse(doc)
    images.size_table.cache_clear()  # the cold call loads the tables again
    images.eol_table.cache_clear()
    first = time.perf_counter()
    H.hover(df, Pos(*spots[0]), platform="linux/amd64")
    cold = (time.perf_counter() - first) * 1000
    times = []
    for _ in range(rounds):
        for line, col in spots:
            t = time.perf_counter()
            r = H.hover(df, Pos(line, col), platform="linux/amd64")
            times.append((time.perf_counter() - t) * 1000)
            assert r is not None, (line, col)
    t = time.perf_counter()
    H.size_hints(df, platform="linux/amd64")
    hints = (time.perf_counter() - t) * 1000
    return {"cold_first_ms": round(cold, 3), "import_parse_ms": round((first - t0) * 1000, 1),
            **summary(times), "size_hints_all_ms": round(hints, 3)}


def over_protocol(doc: str, spots: list[tuple[int, int]], rounds: int) -> dict:
    from lspclient import LspProcess

    workdir = tempfile.mkdtemp(prefix="dockwise-hover-bench-")
    cmd = [sys.executable, "-m", "dockwise", "serve"]
    uri = "file:///bench/hover/Dockerfile"
    with LspProcess(cmd, cwd=workdir, stderr_path=os.path.join(workdir, "server.stderr"), timeout=60) as lsp:
        lsp.initialize({"debounceMs": 0, "images": {"online": False, "platform": "linux/amd64"}})
        lsp.notify("initialized", {})
        lsp.did_open(uri, doc)
        lsp.wait_publish(uri, 1)

        def hover(line: int, col: int) -> float:
            res, t0, t1 = lsp.request("textDocument/hover", {
                "textDocument": {"uri": uri}, "position": {"line": line, "character": col}})
            assert res and res["contents"]["value"], (line, col)
            return (t1 - t0) * 1000

        first = hover(*spots[0])
        times = [hover(line, col) for _ in range(rounds) for line, col in spots]
        _, t0, t1 = lsp.request("textDocument/inlayHint", {
            "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0},
                                                     "end": {"line": len(doc.splitlines()), "character": 0}}})
    return {"first_hover_ms": round(first, 3), **summary(times), "inlay_hints_all_ms": round((t1 - t0) * 1000, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="hovers per FROM line (default 3)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    doc, spots = make_doc()
    out = {"from_lines": len(spots), "budget_ms": BUDGET_MS,
           "in_process": in_process(doc, spots, args.rounds),
           "protocol": over_protocol(doc, spots, args.rounds)}
    ip, pr = out["in_process"], out["protocol"]
    print(f"hover on {len(spots)} FROM lines × {args.rounds} rounds (budget {BUDGET_MS:.0f} ms)")
    print(f"  in-process: p50 {ip['p50_ms']:.2f} ms  p95 {ip['p95_ms']:.2f} ms  max {ip['max_ms']:.2f} ms  "
          f"(cold first {ip['cold_first_ms']:.1f} ms; size hints for all {ip['size_hints_all_ms']:.1f} ms)")
    print(f"  protocol:   p50 {pr['p50_ms']:.2f} ms  p95 {pr['p95_ms']:.2f} ms  max {pr['max_ms']:.2f} ms  "
          f"(first hover {pr['first_hover_ms']:.1f} ms; inlayHint for all {pr['inlay_hints_all_ms']:.1f} ms)")
    ok = pr["p95_ms"] <= BUDGET_MS and pr["first_hover_ms"] <= BUDGET_MS
    print("  within budget" if ok else "  OVER BUDGET")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

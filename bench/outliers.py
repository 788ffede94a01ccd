"""Which keystrokes make the 95th percentile of editlat's typing and Enter runs, and why.

``python bench/outliers.py [--rounds N] [--typed x|enter]``

editlat (``../shared/bench/editlat.py``) reports only p50 and p95 of its 100
keystrokes; its p95 is the 5th-slowest keystroke, so a handful of slow ones
decide it. This script repeats editlat's method exactly — its document, the
same client (``lsp_smoke.LspConnection``, which keeps every notification it
receives, as editlat's does), keystrokes at the end of the ``RUN echo 20``
line, each awaited until the next ``publishDiagnostics`` — and keeps every
keystroke's latency, so the slowest can be named by their position. It runs
each server with the client's garbage collector on (as editlat runs) and off
(this process's ``gc.disable()`` during the run), interleaved:

* a slow *first* keystroke is start-up work that was still going on (dockwise
  hands over to the full language server right after the first diagnostics);
* slow keystrokes at a regular interval that go away with the client's
  collector off are the client's own full collections, whose length grows with
  everything the client keeps (every publish: a server that sends more
  diagnostics makes them longer and more frequent).

Default settings for both servers; the same environment as ``bench/asshipped.py``
(``DOCKWISE_OFFLINE=1``, bytecode allowed). Writes ``bench/results/outliers.json``.
Diagnostic only: the figures of issue 15 come from ``bench/asshipped.py``.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time
from typing import Any

from asshipped import EDITLAT_DIR, _editlat, _Env, _warm, dockwise_cmd, ensure_peer, log

HERE = pathlib.Path(__file__).resolve().parent


def run_once(cmd: list[str], typed: str, keystrokes: int = 100) -> dict[str, Any]:
    """editlat's measure(), keeping each keystroke's latency (ms, in order)."""
    editlat = _editlat()
    smoke = importlib.import_module("lsp_smoke")  # editlat's client, beside it (outside the repository)
    CLIENT_CAPABILITIES, LspConnection = smoke.CLIENT_CAPABILITIES, smoke.LspConnection

    text = editlat.document()
    lines = text.split("\n")
    path = pathlib.Path(tempfile.mkdtemp(), "Dockerfile")
    path.write_text(text)
    conn = LspConnection(cmd, cwd=str(path.parent))
    try:
        conn.request("initialize", {"processId": os.getpid(), "rootUri": path.parent.as_uri(),
                                    "capabilities": CLIENT_CAPABILITIES}, timeout=30)
        conn.notify("initialized", {})
        uri = path.as_uri()

        def is_pub(m: dict) -> bool:
            return m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri

        conn.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile",
                                                              "version": 1, "text": text}})
        first = conn.wait_for(is_pub, 30)
        ln = next(k for k, line in enumerate(lines) if line.startswith("RUN echo 20"))
        col = len(lines[ln])
        lat = []
        for v in range(2, 2 + keystrokes):
            t = time.monotonic()
            conn.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v}, "contentChanges": [
                {"range": {"start": {"line": ln, "character": col}, "end": {"line": ln, "character": col}},
                 "text": typed}]})
            if typed == "\n":
                ln, col = ln + 1, 0
            else:
                col += len(typed)
            if conn.wait_for(is_pub, 10) is None:
                raise TimeoutError(f"no diagnostics for keystroke {v - 1}")
            lat.append((time.monotonic() - t) * 1000)
        return {"latencies_ms": lat, "diagnostics": len(first["params"]["diagnostics"]) if first else None}
    finally:
        conn.close()


def summary(lat: list[float]) -> dict[str, Any]:
    s = sorted(lat)
    slowest = sorted(range(len(lat)), key=lambda i: -lat[i])[:6]
    return {"p50_ms": s[len(s) // 2], "p95_ms": s[int(len(s) * 0.95)],
            "slowest": [[i + 1, round(lat[i], 1)] for i in slowest]}  # [keystroke number, ms]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--typed", choices=("x", "enter"), default="x")
    ap.add_argument("--json", type=pathlib.Path, default=HERE / "results" / "outliers.json")
    args = ap.parse_args(argv)
    typed = "\n" if args.typed == "enter" else "x"
    cmds = {"dockwise": dockwise_cmd()}
    peer, why = ensure_peer()
    if peer is not None:
        cmds["rcjsuen"] = peer
    else:
        log(f"rcjsuen's server: {why}")
    out: dict[str, Any] = {"typed": args.typed, "editlat": str(EDITLAT_DIR / "editlat.py"), "runs": []}
    with _Env():
        for cmd in cmds.values():
            _warm(cmd)
        for r in range(args.rounds):
            for client_gc in (True, False):
                for name, cmd in cmds.items():
                    log(f"{name}, client GC {'on' if client_gc else 'off'} ({r + 1}/{args.rounds})")
                    if not client_gc:
                        gc.disable()
                    try:
                        got = run_once(cmd, typed)
                    finally:
                        gc.enable()
                        gc.collect()
                    out["runs"].append({"server": name, "client_gc": client_gc, "round": r + 1,
                                        "diagnostics": got["diagnostics"], **summary(got["latencies_ms"])})
    print(f"{'server':9s} {'client GC':9s} {'p50':>6s} {'p95':>6s}  slowest keystrokes (number: ms)")
    for run in out["runs"]:
        slow = ", ".join(f"{i}: {ms:.0f}" for i, ms in run["slowest"])
        print(f"{run['server']:9s} {'on' if run['client_gc'] else 'off':9s} {run['p50_ms']:6.1f} {run['p95_ms']:6.1f}  {slow}")
    for name in cmds:
        for client_gc in (True, False):
            p95 = [x["p95_ms"] for x in out["runs"] if x["server"] == name and x["client_gc"] == client_gc]
            print(f"{name}, client GC {'on' if client_gc else 'off'}: p95 median {statistics.median(p95):.1f} ms")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n")
    log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

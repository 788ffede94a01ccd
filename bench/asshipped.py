"""dockwise as shipped, beside rcjsuen's docker-langserver, in one run.

    python bench/asshipped.py [--keystrokes N] [--rounds N] [--symbol-docs N] [--vsix PATH] [--vsix-runs N] [--json OUT]
    (about 3 minutes on a quiet 2-core machine, the .vsix build included)
    python bench/run.py --only shipped          # the same, as figure 8 of the benchmark

Both servers run with *default settings* (no initializationOptions, no
workspace configuration), one after the other on the same machine, measured
by the same tool: ``../shared/bench/editlat.py`` (its generated 1,000-line,
100-stage Dockerfile; keystrokes typed into one RUN line, each awaited until
the server's next ``publishDiagnostics``). Per server:

* **typing**: ``editlat.measure(cmd)``: 100 one-character edits, p50/p95;
* **Enter**: ``editlat.measure(cmd, typed="\\n")``: 100 newlines, every later
  line moves;
* **start → initialize** and **open → first diagnostics** of those runs
  (their median), and their sum per start, **start → first diagnostics**:
  what a user waits for when the editor starts the server for a file (clients
  send ``didOpen`` as soon as ``initialize`` is answered); **peak RSS**
  (VmHWM, the largest).

editlat sends every keystroke as soon as the last one's diagnostics arrive:
it never pauses, so dockwise's start-up path (``dockwise.lsp.boot``) answers
all of them and pygls is never loaded in those runs. **After the pause**
(dockwise only, this bench's client): a keystroke typed just after the pause
that starts the import of pygls (in a thread), one just after the next pause,
which starts the server's creation (the worst waits a user can meet, once),
typing and Enter with the language server up, and the peak RSS with pygls
loaded; the peak RSS compared with rcjsuen's is the larger of the two.

The runs alternate (dockwise typing, rcjsuen typing, dockwise Enter, rcjsuen
Enter) so that a change in the machine's load falls on both servers, for
``--rounds`` rounds (default 3); each figure is the median over the rounds.

dockwise only (rcjsuen's server has no ``workspace/symbol``):

* **workspace/symbol**: ``--symbol-docs`` corpus files (default 1,100, spread
  over the corpus) opened in one server, each ``didOpen`` awaited, then
  ``workspace/symbol`` with an empty query and with ``"build"`` (3 each; the
  slowest counts) and the server's VmHWM.

rcjsuen's server is ``bench/node/node_modules/.bin/docker-langserver``
(npm package ``dockerfile-language-server-nodejs``, pinned in
``bench/node/package.json``); when missing it is installed with
``npm ci --prefix bench/node``. Without npm or node its columns say why.

**vsix first start** (``bench/vsix_start.py``): the .vsix (``--vsix``, else
built as CI builds it) extracted and its bundled server started as the
extension starts it, with a fresh home and cache: spawn → first diagnostics of
editlat's document, median of ``--vsix-runs`` (0: skip), with the shipped
bytecode and with every ``__pycache__`` removed; target ≤ 2 s.

The servers get the environment of this process except
``PYTHONDONTWRITEBYTECODE`` (so dockwise runs from bytecode, as installed from
a wheel) plus ``DOCKWISE_OFFLINE=1`` (no registry lookups while timing;
they are off the editing path anyway). The first run of each server is
preceded by one untimed start (page cache, bytecode).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NODE_DIR = HERE / "node"
PEER = NODE_DIR / "node_modules" / ".bin" / "docker-langserver"
EDITLAT_DIR = (REPO / ".." / "shared" / "bench").resolve()

# the Done-when of issue 15
TARGETS = {
    "typing_ratio": 0.75,  # dockwise p95 / rcjsuen p95 at most
    "enter_ratio": 0.75,
    "init_ratio": 1.0,
    "open_ratio": 1.0,
    "rss_ratio": 1.0,
    "symbol_s": 1.0,
    "symbol_rss_mib": 200.0,
}


def log(msg: str) -> None:
    sys.stderr.write(f"[asshipped {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def dockwise_cmd() -> list[str]:
    return [sys.executable, "-m", "dockwise", "serve"]


def ensure_peer() -> tuple[list[str] | None, str]:
    """(rcjsuen's server command, or None; a note on where it came from)."""
    if PEER.exists():
        return [str(PEER), "--stdio"], "bench/node (installed)"
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None, "not measured: npm/node not found"
    log("installing rcjsuen's docker-langserver with npm ci --prefix bench/node")
    try:
        r = subprocess.run([npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
                           capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"not measured: npm ci failed ({exc})"
    if r.returncode != 0 or not PEER.exists():
        return None, f"not measured: npm ci failed (exit {r.returncode}: {r.stderr.strip()[-300:]})"
    return [str(PEER), "--stdio"], "bench/node (installed by this run)"


def peer_version() -> str:
    try:
        pkg = NODE_DIR / "node_modules" / "dockerfile-language-server-nodejs" / "package.json"
        return json.loads(pkg.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


class _Env:
    """The servers' environment (see the module docstring), for the duration of a block:
    editlat starts its server with this process's environment."""

    def __enter__(self) -> None:
        self.saved = dict(os.environ)
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["DOCKWISE_OFFLINE"] = "1"

    def __exit__(self, *exc: Any) -> None:
        os.environ.clear()
        os.environ.update(self.saved)


def _editlat():
    if not (EDITLAT_DIR / "editlat.py").is_file():
        raise SystemExit(f"editlat.py not found in {EDITLAT_DIR}")
    if str(EDITLAT_DIR) not in sys.path:
        sys.path.insert(0, str(EDITLAT_DIR))
    # ../shared/bench/editlat.py lives outside the repository: loaded by name at run time
    return importlib.import_module("editlat")


def _warm(cmd: list[str]) -> None:
    """One untimed start to initialize and exit (page cache, bytecode)."""
    from lspclient import LspProcess

    with LspProcess(cmd, timeout=60) as lsp:
        lsp.initialize(None)
        lsp.notify("initialized", {})


def measure_servers(cmds: dict[str, list[str]], keystrokes: int, rounds: int = 3) -> dict[str, dict]:
    """``rounds`` rounds of typing, then Enter, each server in turn for each
    (interleaved, so that a change in the machine's load falls on both). Each
    figure is the median over the rounds (every round's value is kept beside it,
    ``*_runs_ms``): one editlat run's p95 is its 95th of 100 keystrokes, and
    moves by a third from run to run on a quiet machine (the client's garbage
    collections land on a few keystrokes), for both servers."""
    editlat = _editlat()
    for cmd in cmds.values():
        _warm(cmd)
    runs: dict[str, dict[str, list]] = {name: {"typing": [], "enter": []} for name in cmds}
    for k in range(rounds):
        for kind, typed in (("typing", "x"), ("enter", "\n")):
            for name, cmd in cmds.items():
                log(f"{name}: {kind} ({k + 1}/{rounds})")
                runs[name][kind].append(editlat.measure(cmd, keystrokes=keystrokes, typed=typed))
    out = {}
    for name, r in runs.items():
        every = r["typing"] + r["enter"]
        fig: dict[str, Any] = {}
        for kind in ("typing", "enter"):
            for q in ("p50", "p95"):
                vals = [x[f"edit_{q}_ms"] for x in r[kind]]
                fig[f"{kind}_{q}_ms"] = statistics.median(vals)
                fig[f"{kind}_{q}_runs_ms"] = vals
        out[name] = {
            **fig,
            "init_ms": statistics.median([x["init_ms"] for x in every]),
            "init_runs_ms": [x["init_ms"] for x in every],
            "open_ms": statistics.median([x["open_ms"] for x in every]),
            "open_runs_ms": [x["open_ms"] for x in every],
            # what a user waits for when the editor starts the server for a file (a client sends
            # didOpen as soon as initialize is answered): the sum, per start
            "first_ms": statistics.median([x["init_ms"] + x["open_ms"] for x in every]),
            "open_diagnostics": r["typing"][0]["open_diagnostics"],
            "rss_mib": max(x["rss_mb"] for x in every),
            "keystrokes": keystrokes,
            "rounds": rounds,
        }
    return out


def after_the_pause(keystrokes: int = 100) -> dict:
    """dockwise once the language server is up. editlat never pauses, so in its
    runs the start-up path answers every keystroke and pygls is never loaded
    (``dockwise.lsp.boot``). Here, with this bench's client (which keeps no
    publishes): editlat's document opened; one keystroke typed just after the
    pause that starts the import of the server's modules (in a thread), and one
    just after the next pause, which starts the server's creation (what a user
    resuming typing then waits, the worst cases); then, with the server up,
    ``keystrokes`` typed characters and ``keystrokes`` Enters into the same line
    as editlat's (p50/p95, each awaited), and the peak RSS (VmHWM) with pygls
    loaded."""
    from lspclient import LspProcess

    from dockwise.lsp.boot import IDLE_HAND_OVER_S

    editlat = _editlat()
    text = editlat.document()
    lines = text.split("\n")
    ln = next(k for k, line in enumerate(lines) if line.startswith("RUN echo 20"))
    col = len(lines[ln])
    uri = "file:///bench/after-the-pause/Dockerfile"
    out: dict[str, Any] = {}
    with LspProcess(dockwise_cmd(), timeout=60) as lsp:
        lsp.initialize(None)
        lsp.notify("initialized", {})
        lsp.did_open(uri, text)
        lsp.wait_publish(uri, 1)
        version = 1

        def key(typed: str) -> float:
            nonlocal version, ln, col
            version += 1
            t0 = lsp.did_change(uri, version, [{"range": {"start": {"line": ln, "character": col},
                                                          "end": {"line": ln, "character": col}}, "text": typed}])
            t1, _ = lsp.wait_publish(uri, version)
            if typed == "\n":
                ln, col = ln + 1, 0
            else:
                col += len(typed)
            return (t1 - t0) * 1000

        # the first pause starts the import of the server's modules (in a thread); the next, the
        # server's creation: a keystroke just after each, the worst waits a user can meet once
        time.sleep(IDLE_HAND_OVER_S + 0.01)
        out["during_import_ms"] = round(key("x"), 1)
        time.sleep(IDLE_HAND_OVER_S + 0.01)
        out["during_creation_ms"] = round(key("x"), 1)
        time.sleep(1.0)  # the server is up, the document re-linted once
        for kind, typed in (("typing", "x"), ("enter", "\n")):
            lat = sorted(key(typed) for _ in range(keystrokes))
            out[f"{kind}_p50_ms"] = round(lat[len(lat) // 2], 1)
            out[f"{kind}_p95_ms"] = round(lat[int(len(lat) * 0.95)], 1)
        out["rss_mib"] = round(lsp.memory_kib("VmHWM") / 1024, 1)
    return out


def corpus_sample(n: int) -> list[str]:
    sys.path.insert(0, str(HERE))
    from run import corpus_files, sample

    files, _ = corpus_files(None)
    return sample(files, n)


def workspace_symbol(files: list[str]) -> dict:
    """Open ``files`` in one dockwise server (default settings), then time workspace/symbol."""
    from lspclient import LspProcess

    from dockwise.lint.discover import SourceError, read_source

    with LspProcess(dockwise_cmd(), timeout=120) as lsp:
        lsp.initialize(None)
        lsp.notify("initialized", {})
        opened = 0
        t0 = time.perf_counter()
        for path in files:
            try:
                text = read_source(path)
            except SourceError:
                continue
            uri = Path(path).as_uri()
            lsp.did_open(uri, text)
            lsp.wait_publish(uri, 1)
            opened += 1
        open_s = time.perf_counter() - t0
        times: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        for query in ("", "build", "", "build", "", "build"):
            result, a, b = lsp.request("workspace/symbol", {"query": query}, timeout=120)
            times.setdefault(query, []).append(b - a)
            counts[query] = len(result or [])
        hwm = lsp.memory_kib("VmHWM")
    worst = max(max(v) for v in times.values())
    return {
        "documents_open": opened,
        "open_all_s": round(open_s, 2),
        "symbol_ms": {q or "(empty)": [round(t * 1000, 1) for t in v] for q, v in times.items()},
        "symbols": {q or "(empty)": n for q, n in counts.items()},
        "worst_ms": round(worst * 1000, 1),
        "rss_mib": round(hwm / 1024, 1),
    }


def run(keystrokes: int = 100, symbol_docs: int = 1100, files: list[str] | None = None,
        vsix: Path | None = None, vsix_runs: int = 3, rounds: int = 3) -> dict:
    """``files``: the documents for workspace/symbol (default: ``symbol_docs`` spread over the corpus);
    ``vsix``: a built .vsix for the first-start figure (default: build one; ``vsix_runs=0``: skip)."""
    sys.path.insert(0, str(HERE))
    from run import Background

    peer_cmd, peer_note = ensure_peer()
    out: dict[str, Any] = {"peer": peer_note, "peer_version": peer_version() if peer_cmd else None,
                           "editlat": str(EDITLAT_DIR / "editlat.py")}
    bg = Background()
    with _Env():
        cmds = {"dockwise": dockwise_cmd()}
        if peer_cmd is not None:
            cmds["rcjsuen"] = peer_cmd
        out.update(measure_servers(cmds, keystrokes, rounds))
        out["edit_background_cores"] = bg.cores()
        log("dockwise: after the pause (the language server up)")
        out["after_the_pause"] = after_the_pause(keystrokes)
        # the RSS compared is the larger of editlat's (start-up path only) and this one (pygls loaded)
        out["dockwise"]["rss_mib"] = max(out["dockwise"]["rss_mib"], out["after_the_pause"]["rss_mib"])
        if symbol_docs > 0:
            log(f"dockwise: workspace/symbol over {symbol_docs} corpus documents")
            bg = Background()
            out["workspace_symbol"] = workspace_symbol(files if files is not None else corpus_sample(symbol_docs))
            out["workspace_symbol"]["background_cores"] = bg.cores()
    if vsix_runs > 0:
        import vsix_start

        log("vsix first start")
        out["vsix_start"] = vsix_start.measure(vsix or vsix_start.build_vsix(HERE / "results" / "dockwise.vsix"), None, vsix_runs)
    d, r = out["dockwise"], out.get("rcjsuen")
    if r:
        out["ratios"] = {
            "typing_p95": round(d["typing_p95_ms"] / r["typing_p95_ms"], 2),
            "enter_p95": round(d["enter_p95_ms"] / r["enter_p95_ms"], 2),
            "init": round(d["init_ms"] / r["init_ms"], 2),
            "open": round(d["open_ms"] / r["open_ms"], 2),
            "first": round(d["first_ms"] / r["first_ms"], 2),
            "rss": round(d["rss_mib"] / r["rss_mib"], 2),
        }
    return out


def table(res: dict) -> list[str]:
    d, r = res["dockwise"], res.get("rcjsuen")
    ratios = res.get("ratios", {})

    def ok(key: str, limit: float) -> str:
        v = ratios.get(key)
        return "" if v is None else ("yes" if v <= limit else "no")

    def cell(srv: dict | None, key: str, nd: int = 0) -> str:
        return "n/a" if srv is None else f"{srv[key]:.{nd}f}"

    rows = [
        ("typing p50 (ms)", cell(d, "typing_p50_ms", 1), cell(r, "typing_p50_ms", 1), "", ""),
        ("typing p95 (ms)", cell(d, "typing_p95_ms", 1), cell(r, "typing_p95_ms", 1),
         f"≤ {TARGETS['typing_ratio']}×", ok("typing_p95", TARGETS["typing_ratio"])),
        ("Enter p50 (ms)", cell(d, "enter_p50_ms", 1), cell(r, "enter_p50_ms", 1), "", ""),
        ("Enter p95 (ms)", cell(d, "enter_p95_ms", 1), cell(r, "enter_p95_ms", 1),
         f"≤ {TARGETS['enter_ratio']}×", ok("enter_p95", TARGETS["enter_ratio"])),
        ("start → initialize (ms)", cell(d, "init_ms"), cell(r, "init_ms"), "≤ 1×", ok("init", 1.0)),
        ("open → first diagnostics (ms)", cell(d, "open_ms"), cell(r, "open_ms"), "≤ 1×", ok("open", 1.0)),
        ("start → first diagnostics (ms; the two above, per start)", cell(d, "first_ms"), cell(r, "first_ms"),
         "", ""),
        ("peak RSS (MiB)", cell(d, "rss_mib", 1), cell(r, "rss_mib", 1), "≤ 1×", ok("rss", 1.0)),
    ]
    lines = ["| as shipped, same run | dockwise | rcjsuen | target (dockwise/rcjsuen) | met | ratio |",
             "|---|--:|--:|---|:-:|--:|"]
    keys = [None, "typing_p95", None, "enter_p95", "init", "open", "first", "rss"]
    for (name, a, b, tgt, met), k in zip(rows, keys):
        lines.append(f"| {name} | {a} | {b} | {tgt} | {met} | {'' if k is None or k not in ratios else f'{ratios[k]:.2f}×'} |")
    w = res.get("workspace_symbol")
    if w:
        lines.append(f"| workspace/symbol, {w['documents_open']:,} documents open (ms, slowest of 6) | "
                     f"{w['worst_ms']:.0f} | n/a | ≤ {TARGETS['symbol_s'] * 1000:.0f} ms | "
                     f"{'yes' if w['worst_ms'] <= TARGETS['symbol_s'] * 1000 else 'no'} | |")
        lines.append(f"| peak RSS with them open (MiB) | {w['rss_mib']:.0f} | n/a | ≤ {TARGETS['symbol_rss_mib']:.0f} MiB | "
                     f"{'yes' if w['rss_mib'] <= TARGETS['symbol_rss_mib'] else 'no'} | |")
    notes = [
        "",
        f"Default settings for both; editlat's 1,000-line, 100-stage document; {d['keystrokes']} keystrokes "
        f"per run; each figure the median of {d.get('rounds', 1)} rounds (typing and Enter, the servers "
        f"alternating; start-up and open: of all {2 * d.get('rounds', 1)} starts); rcjsuen's server: dockerfile-language-server-nodejs {res.get('peer_version') or '?'} "
        f"({res['peer']}). Other processes used {res.get('edit_background_cores', float('nan')):.2f} cores "
        "on average during the editing runs (2-core machine; 0 means a quiet machine).",
    ]
    a = res.get("after_the_pause")
    if a:
        notes += ["", "dockwise with the language server up (`after_the_pause`: editlat never pauses, so its runs "
                  "are answered by the start-up path without pygls): a keystroke typed just after the pause that "
                  f"starts the import of its modules waited {a['during_import_ms']:.0f} ms, one just after the next "
                  f"pause (the server's creation) {a['during_creation_ms']:.0f} ms; then typing p50/p95 "
                  f"{a['typing_p50_ms']:.1f}/{a['typing_p95_ms']:.1f} ms, Enter p50/p95 {a['enter_p50_ms']:.1f}/"
                  f"{a['enter_p95_ms']:.1f} ms (this bench's client, which keeps no publishes); peak RSS "
                  f"{a['rss_mib']:.1f} MiB (the peak RSS row is the larger of the two)."]
    if w:
        notes.append(f"workspace/symbol: {w['symbols']} symbols; opening all took {w['open_all_s']:.0f} s; "
                     f"background {w.get('background_cores', float('nan')):.2f} cores.")
    if res.get("vsix_start"):
        import vsix_start

        notes += [""] + vsix_start.table(res["vsix_start"])
    return lines + notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--keystrokes", type=int, default=100)
    ap.add_argument("--symbol-docs", type=int, default=1100, help="corpus documents open for workspace/symbol (0: skip)")
    ap.add_argument("--vsix", type=Path, help="a built .vsix for the first-start figure (default: build one)")
    ap.add_argument("--vsix-runs", type=int, default=3, help="first starts per variant and interpreter (0: skip)")
    ap.add_argument("--rounds", type=int, default=3, help="typing and Enter runs per server (figures: medians)")
    ap.add_argument("--client-gc", choices=("on", "off"), default="on",
                    help="off: editlat's client (in this process) runs without Python's garbage collector, "
                         "to see how much of a p95 is the client's collections (not the benchmark's figure)")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "asshipped.json")
    args = ap.parse_args(argv)
    if args.client_gc == "off":
        import gc

        gc.disable()
    res = run(args.keystrokes, args.symbol_docs, vsix=args.vsix, vsix_runs=args.vsix_runs, rounds=args.rounds)
    import vsix_start

    vsix_start.report(res, table(res), args.json, log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

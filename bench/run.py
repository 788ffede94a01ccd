"""dockwise benchmark: prints a Markdown table of every figure, writes JSON.

    python bench/run.py [--corpus DIR] [--quick] [--no-hadolint] [--json OUT] [--only FIGS]

Figures (keys in the JSON ``figures`` object):

1. ``lint_throughput``: ``dockwise lint --format json --no-fail FILES...`` as a
   subprocess over the corpus (median of 3 after one warm-up run), as shipped:
   with ShellCheck when its binary is there (``shellcheck``, ``sc_findings``);
   the same with ``--ignore shellcheck`` (the rules alone, median of 3), plus
   in-process per-file parse+lint times (``dockwise.lint.engine.lint_text``) and the
   number of files where the parser reported an internal error or linting
   raised (both must be 0).
2. ``hadolint``: ``hadolint -f json --no-fail FILES...`` on the same files, with
   an empty temporary HOME / XDG_CONFIG_HOME / cwd (no config applies); ratio
   hadolint / dockwise-without-ShellCheck wall time (target > 10), and
   dockwise-with-ShellCheck / hadolint (target <= 0.5: hadolint runs ShellCheck
   too; ``bench/shellcheck.py`` adds CPU times and the agreement); files hadolint
   could not parse (DL1000).
3. ``lsp_startup``: process start → ``initialize`` response (raw stdio
   JSON-RPC), median/min/max of 10 runs after one warm-up; also start → first
   ``publishDiagnostics``.
4. ``did_open_latency``: ``didOpen`` → ``publishDiagnostics`` for generated
   Dockerfiles of 10/100/1,000/5,000 lines (median of several opens, each a new
   URI).
5. ``did_change_latency``: ``didChange`` → ``publishDiagnostics`` over 200
   single-character incremental edits typed into RUN lines of a 1,000-line
   file (debounce 0; target p95 < 15 ms), and over 20 "Enter" keystrokes (a
   newline after an instruction: every later line shifts).
6. ``peak_rss``: VmHWM of the server after ``didOpen`` of every corpus file
   (each publish awaited; target < 200 MB).
8. ``as_shipped`` (``--only shipped``; also ``bench/asshipped.py``): dockwise
   and rcjsuen's docker-langserver with default settings in the same run,
   measured by ``../shared/bench/editlat.py``: typing and Enter p50/p95,
   start → initialize, open → first diagnostics, peak RSS; and dockwise's
   ``workspace/symbol`` with 1,100 corpus documents open (see that module).
7. ``dockerfile_parse``: our instruction line ranges vs dockerfile-parse's on
   every file without heredocs; the full list of disagreements goes to
   ``dockerfile-parse-disagreements.md`` next to the JSON.

Default corpus: ``<repo>/../shared/corpus/real`` (every regular file except
``*.dockerignore``, ``README.md`` and ``SOURCES.tsv``), else the repo's
``examples/`` and ``tests/fixtures``. ``--quick``: 100 corpus files, one lint
run, 3 start-ups, fewer opens, 20 keystrokes, 5 Enters, no hadolint.

By default the code measured is a snapshot of ``server/`` and ``rules/`` taken
at start (other people edit the tree while this runs); ``--live`` measures the
working tree itself. ``bench/profile_server.py`` runs the editing scenarios
under cProfile and ``bench/memprobe.py`` breaks the model memory down, for
when a figure misses its target.

Output: the table on stdout (progress on stderr); JSON to ``--json OUT``
(default ``bench/results/latest.json``) and the same table as Markdown beside
it (``<OUT>.md``). Every server runs on stdio pipes only, every read has a
timeout, and every server process is killed at the end.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from crosscheck import REASONS, CrossCheck, check_file, show, write_markdown  # noqa: E402
from gen import generate  # noqa: E402
from lspclient import LspProcess  # noqa: E402

EXCLUDED_NAMES = {"README.md", "SOURCES.tsv"}
FIGURES = ("lint", "hadolint", "startup", "open", "change", "rss", "crosscheck", "shipped")
TARGETS = {
    "hadolint_ratio": 10.0,  # hadolint time / dockwise time (rules alone) must exceed
    "shellcheck_ratio": 0.5,  # dockwise time with ShellCheck / hadolint time must not exceed
    "change_p95_ms": 15.0,
    "rss_mib": 200.0,
}
TIMEOUT = 60.0  # per LSP read


# -- helpers -------------------------------------------------------------------------


def log(msg: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def pct(xs: list[float], p: float) -> float:
    """Percentile with linear interpolation (p in 0..100)."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = (len(s) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(x: float) -> float:
    return round(x * 1000.0, 3)


class Background:
    """CPU used by *other* processes while a figure runs (in cores, averaged):
    all busy time from ``/proc/stat`` minus this process and its waited-for
    children, and the live processes given in ``pids`` (a running server).
    Timing figures are only comparable when this is near 0."""

    def __init__(self, pids: tuple[int, ...] = ()) -> None:
        self.pids = pids
        self.t0 = time.perf_counter()
        self.busy0 = self._busy()
        self.ours0 = self._ours()

    @staticmethod
    def _proc_cpu(pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        except (OSError, ValueError, IndexError):
            return 0.0

    @staticmethod
    def _busy() -> float:
        try:
            with open("/proc/stat") as f:
                parts = f.readline().split()[1:]
            v = [int(x) for x in parts]
            idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
            return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")

    def _ours(self) -> float:
        import resource

        a = resource.getrusage(resource.RUSAGE_SELF)
        b = resource.getrusage(resource.RUSAGE_CHILDREN)
        return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime + sum(self._proc_cpu(p) for p in self.pids)

    def cores(self) -> float:
        wall = time.perf_counter() - self.t0
        other = (self._busy() - self.busy0) - (self._ours() - self.ours0)
        return round(max(0.0, other) / wall, 2) if wall > 0 else float("nan")


QUIET = {"max_s": 0.0}  # set from --wait-quiet


def wait_quiet(what: str, pids: tuple[int, ...] = ()) -> float:
    """Wait (up to ``--wait-quiet`` seconds) until other processes use < 0.1
    core over a 3 s window. Returns the seconds waited."""
    limit = QUIET["max_s"]
    if limit <= 0:
        return 0.0
    t0 = time.perf_counter()
    while True:
        bg = Background(pids)
        time.sleep(3.0)
        c = bg.cores()
        waited = time.perf_counter() - t0
        if c < 0.1:
            if waited > 3.5:
                log(f"{what}: waited {waited:.0f} s for a quiet machine")
            return round(waited, 1)
        if waited >= limit:
            log(f"{what}: machine still busy ({c:.2f} cores used by others) after {waited:.0f} s; going on")
            return round(waited, 1)


def corpus_files(corpus: Path | None) -> tuple[list[str], str]:
    """(sorted absolute file list, corpus description)."""
    roots: list[Path]
    if corpus is not None:
        roots = [corpus]
    else:
        real = (REPO / ".." / "shared" / "corpus" / "real").resolve()
        roots = [real] if real.is_dir() else [REPO / "examples", REPO / "tests" / "fixtures"]
    files: list[str] = []
    for root in roots:
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in filenames:
                if name.endswith(".dockerignore") or name in EXCLUDED_NAMES:
                    continue
                p = os.path.join(dirpath, name)
                if os.path.isfile(p) and not os.path.islink(p):
                    files.append(os.path.abspath(p))
    files.sort()
    return files, " + ".join(str(r) for r in roots)


def sample(files: list[str], n: int) -> list[str]:
    """``n`` files spread evenly over the sorted list (every repository gets a say)."""
    if len(files) <= n:
        return files
    step = len(files) / n
    return [files[int(i * step)] for i in range(n)]


def tool(name: str) -> str | None:
    """An executable next to the running interpreter, else on PATH."""
    cand = Path(sys.executable).parent / name
    if cand.is_file() and os.access(cand, os.X_OK):
        return str(cand)
    return shutil.which(name)


def server_cmd() -> list[str]:
    return [sys.executable, "-m", "dockwise", "serve"]


def rel(path: str, base: str) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return path


# -- 1. lint throughput ----------------------------------------------------------------


def fig_lint(files: list[str], total_bytes: int, quick: bool, cross: CrossCheck | None) -> dict:
    from dockwise.lint.discover import SourceError, decode_source
    from dockwise.lint.engine import DEFAULT_SETTINGS, INTERNAL_ERROR, lint_text

    exe = tool("dockwise")
    base_cmd = [exe] if exe else [sys.executable, "-m", "dockwise"]
    cmd = [*base_cmd, "lint", "--format", "json", "--no-fail"]
    runs = 1 if quick else 3

    def run(extra: list[str]) -> tuple[float, subprocess.CompletedProcess]:
        t0 = time.perf_counter()
        cp = subprocess.run([*cmd, *extra, *files], capture_output=True, timeout=900, stdin=subprocess.DEVNULL)
        return time.perf_counter() - t0, cp

    bg = Background()
    if not quick:
        log("lint: warm-up run")
        run([])
    walls = []
    cp = None
    for k in range(runs):
        w, cp = run([])
        walls.append(w)
        log(f"lint: run {k + 1}/{runs}: {w:.2f} s (exit {cp.returncode})")
    assert cp is not None
    try:
        violations = len(json.loads(cp.stdout))
    except ValueError:
        violations = -1
    cli_errors = sum(1 for line in cp.stderr.decode("utf-8", "replace").splitlines() if ": error: " in line)
    w1, cp1 = run(["--jobs", "1"])
    log(f"lint: --jobs 1: {w1:.2f} s")
    # the same without ShellCheck (on by default when its binary is there): the rules alone
    walls_nosc = []
    for k in range(runs):
        w, _cp = run(["--ignore", "shellcheck"])
        walls_nosc.append(w)
        log(f"lint --ignore shellcheck: run {k + 1}/{runs}: {w:.2f} s")
    from dockwise.lint.shellcheck import find_binary

    try:
        sc_findings = sum(1 for v in json.loads(cp.stdout) if str(v.get("code", "")).startswith("SC"))
    except ValueError:
        sc_findings = -1
    med = statistics.median(walls)
    background = bg.cores()

    # in-process: parse + lint per file (and the dockerfile-parse cross-check, untimed)
    log("lint: in-process per-file parse+lint" + (" and dockerfile-parse cross-check" if cross else ""))
    lint_text("FROM scratch\nRUN true\n")  # imports, rule plan, shell grammar
    times: list[float] = []
    slowest = ("", 0.0)
    parser_internal = lint_raised = rule_internal = unreadable = 0
    internal_files: list[str] = []
    for path in files:
        try:
            with open(path, "rb") as f:
                data = f.read()
            text = decode_source(data)
        except (OSError, SourceError):
            unreadable += 1
            continue
        t0 = time.perf_counter()
        try:
            res = lint_text(text, DEFAULT_SETTINGS, path)
        except Exception as exc:
            lint_raised += 1
            internal_files.append(f"{path}: lint raised {type(exc).__name__}: {exc}")
            continue
        dt = time.perf_counter() - t0
        times.append(dt)
        if dt > slowest[1]:
            slowest = (path, dt)
        if any(e.message.startswith("internal parser error") for e in res.model.errors):
            parser_internal += 1
            internal_files.append(f"{path}: parser internal error")
        if any(v.code == INTERNAL_ERROR for v in res.violations):
            rule_internal += 1
            internal_files.append(f"{path}: rule internal error")
        if cross is not None:
            check_file(path, data, res.model, cross)
    return {
        "command": " ".join([*(["dockwise"] if exe else ["python", "-m", "dockwise"]), "lint", "--format", "json",
                             "--no-fail", f"<{len(files)} files>"]),
        "files": len(files),
        "bytes": total_bytes,
        "runs": runs,
        "wall_s_runs": [round(w, 4) for w in walls],
        "wall_s_median": round(med, 4),
        "shellcheck": find_binary(),
        "sc_findings": sc_findings,
        "wall_s_runs_without_shellcheck": [round(w, 4) for w in walls_nosc],
        "wall_s_median_without_shellcheck": round(statistics.median(walls_nosc), 4),
        "files_per_s": round(len(files) / med, 1),
        "mb_per_s": round(total_bytes / 1e6 / med, 3),
        "jobs": _cpu_count(),
        "wall_s_jobs1": round(w1, 4),
        "background_cores": background,
        "exit_status": cp.returncode,
        "exit_status_jobs1": cp1.returncode,
        "cli_input_errors": cli_errors,
        "violations": violations,
        "inproc_files": len(times),
        "inproc_total_s": round(sum(times), 4),
        "inproc_p50_ms": ms(pct(times, 50)),
        "inproc_p95_ms": ms(pct(times, 95)),
        "inproc_max_ms": ms(max(times) if times else float("nan")),
        "inproc_slowest_file": slowest[0],
        "parser_internal_errors": parser_internal,
        "lint_exceptions": lint_raised,
        "rule_internal_errors": rule_internal,
        "unreadable_files": unreadable,
        "internal_error_files": internal_files[:50],
    }


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -- 2. hadolint -------------------------------------------------------------------------


def fig_hadolint(files: list[str], dockwise_s: float | None, dockwise_sc_s: float | None = None) -> dict:
    """``dockwise_s``: dockwise's median without ShellCheck (the rules alone);
    ``dockwise_sc_s``: with ShellCheck, as shipped (hadolint runs ShellCheck too)."""
    exe = tool("hadolint")
    if exe is None:
        return {"skipped": True, "reason": "hadolint not found"}
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-hadolint-") as home:
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("HADOLINT")}
        env.update(HOME=home, XDG_CONFIG_HOME=home)
        log(f"hadolint: {len(files)} files (this takes a while)")
        t0 = time.perf_counter()
        cp = subprocess.run([exe, "-f", "json", "--no-fail", *files], capture_output=True, cwd=home, env=env,
                            timeout=1800, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
    log(f"hadolint: {wall:.1f} s (exit {cp.returncode})")
    try:
        out = json.loads(cp.stdout or b"[]")
    except ValueError:
        out = []
    dl1000 = sorted({v.get("file") for v in out if v.get("code") == "DL1000"})
    return {
        "skipped": False,
        "version": version,
        "command": f"hadolint -f json --no-fail <{len(files)} files> (empty HOME/XDG_CONFIG_HOME/cwd)",
        "wall_s": round(wall, 3),
        "files_per_s": round(len(files) / wall, 1),
        "ratio_vs_dockwise": round(wall / dockwise_s, 2) if dockwise_s else float("nan"),
        "ratio_dockwise_shellcheck": round(dockwise_sc_s / wall, 3) if dockwise_sc_s else float("nan"),
        "dl1000_files": len(dl1000),
        "dl1000_list": dl1000,
        "violations": len(out),
        "exit_status": cp.returncode,
    }


# -- 3. LSP start-up ----------------------------------------------------------------------


SMALL_DOC = "FROM ubuntu\nRUN apt-get update\nRUN apt-get install -y curl\n"


def server_env() -> dict[str, str]:
    """The servers' environment: as installed from a wheel (bytecode is
    written on the warm-up run and read afterwards, even where the shell sets
    PYTHONDONTWRITEBYTECODE, as this machine does), and offline (no registry
    lookups in the background while timing)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["DOCKWISE_OFFLINE"] = "1"
    return env


def _server(workdir: str, name: str) -> LspProcess:
    return LspProcess(server_cmd(), cwd=workdir, env=server_env(),
                      stderr_path=os.path.join(workdir, f"{name}.stderr"), timeout=TIMEOUT)


def fig_startup(n: int, workdir: str) -> dict:
    def once(k: int) -> tuple[float, float]:
        with _server(workdir, f"startup-{k}") as lsp:
            _, t_init = lsp.initialize({"debounceMs": 0})
            lsp.notify("initialized", {})
            uri = "file:///bench/startup/Dockerfile"
            lsp.did_open(uri, SMALL_DOC)
            t_diag, _ = lsp.wait_publish(uri, 1)
            return t_init - lsp.t_spawn, t_diag - lsp.t_spawn

    once(-1)  # warm the .pyc and page caches
    inits, diags = [], []
    for k in range(n):
        a, b = once(k)
        inits.append(a)
        diags.append(b)
    log(f"startup: median {statistics.median(inits) * 1000:.0f} ms over {n} runs")
    return {
        "command": " ".join(["python", "-m", "dockwise", "serve"]),
        "runs": n,
        "median_ms": ms(statistics.median(inits)),
        "min_ms": ms(min(inits)),
        "max_ms": ms(max(inits)),
        "first_diag_median_ms": ms(statistics.median(diags)),
        "first_diag_max_ms": ms(max(diags)),
    }


# -- 4./5. editing latency -------------------------------------------------------------------


def fig_open(lsp: LspProcess, sizes: list[int], reps: int) -> dict:
    # warm-up: first use of each message type, the parser and the rules
    warm = generate(100, seed=999)
    lsp.did_open("file:///bench/warm/Dockerfile", warm.text)
    lsp.wait_publish("file:///bench/warm/Dockerfile", 1)
    out: dict[str, Any] = {"reps": reps, "sizes": {}}
    for size in sizes:
        lats, ndiag, nbytes = [], [], []
        for k in range(reps):
            g = generate(size, seed=k + 1)
            uri = f"file:///bench/open-{size}-{k}/Dockerfile"
            t0 = lsp.did_open(uri, g.text)
            t1, msg = lsp.wait_publish(uri, 1)
            lats.append(t1 - t0)
            ndiag.append(len(msg["params"]["diagnostics"]))
            nbytes.append(len(g.text.encode()))
            lsp.did_close(uri)
            lsp.wait_publish(uri, None)  # the empty list didClose sends
        out["sizes"][str(size)] = {
            "lines": size,
            "bytes": round(statistics.mean(nbytes)),
            "opens": reps,
            "median_ms": ms(statistics.median(lats)),
            "min_ms": ms(min(lats)),
            "max_ms": ms(max(lats)),
            "diagnostics_median": statistics.median(ndiag),
        }
        log(f"open: {size} lines: median {statistics.median(lats) * 1000:.1f} ms")
    return out


def fig_change(lsp: LspProcess, n_keys: int, n_enters: int) -> dict:
    from dockwise.lint.engine import lint_text

    g = generate(1000, seed=42)
    uri = "file:///bench/typing/Dockerfile"
    lsp.did_open(uri, g.text)
    lsp.wait_publish(uri, 1)
    lines = list(g.lines)
    editable = {line: (col, suffix) for line, col, suffix in g.run_lines}
    rng = random.Random(1234)
    version = 1
    last_msg: dict = {}

    def edit(line: int, col: int, text: str) -> float:
        nonlocal version, last_msg
        version += 1
        pos = {"line": line, "character": col}
        t0 = lsp.did_change(uri, version, [{"range": {"start": pos, "end": pos}, "text": text}])
        t1, last_msg = lsp.wait_publish(uri, version)
        return t1 - t0

    # typing: bursts of 1-8 letters at a random place of a random RUN line
    keys: list[float] = []
    while len(keys) < n_keys:
        line = rng.choice(sorted(editable))
        first, suffix = editable[line]
        col = rng.randint(first, len(lines[line]) - suffix)
        for _ in range(min(rng.randint(1, 8), n_keys - len(keys))):
            ch = rng.choice(string.ascii_lowercase)
            keys.append(edit(line, col, ch))
            lines[line] = lines[line][:col] + ch + lines[line][col:]
            col += 1

    # Enter at the end of a line that ends an instruction (not a continuation or
    # comment): a blank line appears and every later line moves down by one.
    enters: list[float] = []
    for _ in range(n_enters):
        cands = [i for i, s in enumerate(lines)
                 if s.strip() and not s.rstrip().endswith("\\") and not s.lstrip().startswith("#")]
        i = rng.choice(cands)
        enters.append(edit(i, len(lines[i]), "\n"))
        lines.insert(i + 1, "")

    # the server's final view must be ours: same diagnostics as an in-process lint
    expected = len(lint_text("".join(s + "\n" for s in lines)).violations)
    got = len(last_msg["params"]["diagnostics"])
    log(f"change: p95 {pct(keys, 95) * 1000:.2f} ms over {len(keys)} keystrokes; Enter p95 {pct(enters, 95) * 1000:.2f} ms")
    return {
        "file_lines": 1000,
        "keystrokes": len(keys),
        "p50_ms": ms(pct(keys, 50)),
        "p95_ms": ms(pct(keys, 95)),
        "max_ms": ms(max(keys)),
        "enters": len(enters),
        "enter_p50_ms": ms(pct(enters, 50)),
        "enter_p95_ms": ms(pct(enters, 95)),
        "enter_max_ms": ms(max(enters)) if enters else float("nan"),
        "final_diagnostics": got,
        "final_diagnostics_expected": expected,
        "final_state_matches": int(got == expected),
    }


# -- 6. peak RSS -----------------------------------------------------------------------------


def fig_rss(files: list[str], workdir: str) -> dict:
    from dockwise.lint.discover import SourceError, read_source

    with _server(workdir, "rss") as lsp:
        lsp.initialize({"debounceMs": 0})
        lsp.notify("initialized", {})
        lsp.did_open("file:///bench/rss-warm/Dockerfile", SMALL_DOC)
        lsp.wait_publish("file:///bench/rss-warm/Dockerfile", 1)
        base_hwm = lsp.memory_kib("VmHWM")
        lats: list[float] = []
        internal = ndiag = opened = 0
        slowest = ("", 0.0)
        t_all = time.perf_counter()
        for k, path in enumerate(files):
            try:
                text = read_source(path)
            except SourceError:
                continue
            uri = Path(path).as_uri()
            t0 = lsp.did_open(uri, text)
            t1, msg = lsp.wait_publish(uri, 1)
            lats.append(t1 - t0)
            if t1 - t0 > slowest[1]:
                slowest = (path, t1 - t0)
            diags = msg["params"]["diagnostics"]
            ndiag += len(diags)
            internal += any(d.get("code") == "DW999" for d in diags)
            opened += 1
            if (k + 1) % 500 == 0:
                log(f"rss: {k + 1}/{len(files)} open, VmRSS {lsp.memory_kib('VmRSS') / 1024:.0f} MiB")
        t_all = time.perf_counter() - t_all
        hwm, rss = lsp.memory_kib("VmHWM"), lsp.memory_kib("VmRSS")
        warnings = list(lsp.log_messages)
    log(f"rss: VmHWM {hwm / 1024:.1f} MiB after {opened} documents; in-process memory probes")
    probes = {}
    for mode in ("text", "noshell", "shell", "lint"):
        cp = subprocess.run([sys.executable, str(HERE / "memprobe.py"), mode], input="\n".join(files),
                            capture_output=True, text=True, timeout=600)
        try:
            probes[mode] = json.loads(cp.stdout)
        except ValueError:
            probes[mode] = {"error": cp.stderr[-2000:]}
    growth = {m: probes[m].get("rss_growth_mib", float("nan")) for m in probes}
    return {
        "files_opened": opened,
        "vmhwm_mib": round(hwm / 1024, 1),
        "vmrss_mib": round(rss / 1024, 1),
        "baseline_vmhwm_mib": round(base_hwm / 1024, 1),
        "growth_per_doc_kib": round((hwm - base_hwm) / max(1, opened), 1),
        "open_total_s": round(t_all, 3),
        "open_p50_ms": ms(pct(lats, 50)),
        "open_p95_ms": ms(pct(lats, 95)),
        "open_max_ms": ms(max(lats)) if lats else float("nan"),
        "diagnostics": ndiag,
        "internal_error_documents": internal,
        "server_warnings": len(warnings),
        "server_warning_samples": [m for _, m in warnings[:5]],
        "slowest_open_file": slowest[0],
        "inproc_lines_mib": growth["text"],
        "inproc_models_noshell_mib": growth["noshell"],
        "inproc_models_mib": growth["shell"],
        "inproc_models_lint_mib": growth["lint"],
        "inproc_top_types": probes["lint"].get("top_types", []),
    }


# -- table -----------------------------------------------------------------------------------


def fmt(x: Any, unit: str = "", nd: int = 1) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    if isinstance(x, float):
        return f"{x:,.{nd}f}{unit}"
    if isinstance(x, int):
        return f"{x:,}{unit}"
    return f"{x}{unit}"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("✅" if ok else "❌")


def bgtxt(fig: dict) -> str:
    b = fig.get("background_cores")
    return "" if b is None else f"; other processes used {b:.2f} of {_cpu_count()} cores meanwhile"


def build_table(res: dict) -> tuple[list[str], list[str]]:
    """(table lines, notes lines)."""
    F = res["figures"]
    rows: list[tuple[str, str, str, str, str]] = []  # figure, value, target, ok, conditions

    def row(fig: str, value: str, target: str = "", ok: bool | None = None, cond: str = "") -> None:
        rows.append((fig, value, target, verdict(ok), cond))

    if "lint_throughput" in F:
        L = F["lint_throughput"]
        cond = f"`{L['command']}`, {L['jobs']} jobs (default), median of {L['runs']}" + (
            " after 1 warm-up" if L["runs"] > 1 else "") + f": {', '.join(f'{w:.2f}' for w in L['wall_s_runs'])} s"
        sc_on = f"ShellCheck on (`{L['shellcheck']}`, {L['sc_findings']:,} SC findings)" if L.get("shellcheck") \
            else "ShellCheck not found: no SC findings"
        row("1 lint wall time", f"{L['wall_s_median']:.2f} s", "", None, cond + "; " + sc_on + bgtxt(L))
        if "wall_s_median_without_shellcheck" in L:
            row("1 lint wall time, `--ignore shellcheck`", f"{L['wall_s_median_without_shellcheck']:.2f} s", "", None,
                "the rules alone; median of " + ", ".join(f"{w:.2f}" for w in L["wall_s_runs_without_shellcheck"])
                + " s")
        row("1 lint throughput", f"{L['files_per_s']:,.0f} files/s, {L['mb_per_s']:.2f} MB/s", "", None,
            f"{L['files']:,} files, {L['bytes'] / 1e6:.2f} MB; {L['violations']:,} violations; exit {L['exit_status']}")
        row("1 lint wall time, `--jobs 1`", f"{L['wall_s_jobs1']:.2f} s", "", None, "same command plus `--jobs 1`, 1 run")
        row("1 in-process parse+lint per file", f"p50 {L['inproc_p50_ms']:.2f} ms, p95 {L['inproc_p95_ms']:.2f} ms, "
            f"max {L['inproc_max_ms']:.1f} ms", "", None,
            f"`dockwise.lint.engine.lint_text` per file, one process, sum {L['inproc_total_s']:.2f} s; "
            f"slowest: `{rel(L['inproc_slowest_file'], res['meta']['corpus'])}`")
        bad = L["parser_internal_errors"] + L["lint_exceptions"] + L["rule_internal_errors"]
        row("1 parser internal errors / lint raised", f"{L['parser_internal_errors']} / {L['lint_exceptions']}"
            f" (rule internal errors {L['rule_internal_errors']})", "0", bad == 0,
            f"over {L['inproc_files']:,} files ({L['unreadable_files']} unreadable)")
    if "hadolint" in F:
        H = F["hadolint"]
        if H.get("skipped"):
            row("2 hadolint", "skipped", "ratio > 10", None, H.get("reason", ""))
        else:
            row("2 hadolint wall time", f"{H['wall_s']:.1f} s ({H['files_per_s']:,.0f} files/s)", "", None,
                f"`{H['command']}`, 1 run, {H['version']}" + bgtxt(H))
            row("2 hadolint / dockwise time, rules alone", f"{H['ratio_vs_dockwise']:.1f}×",
                f"> {TARGETS['hadolint_ratio']:.0f}×", H["ratio_vs_dockwise"] > TARGETS["hadolint_ratio"],
                "hadolint wall / dockwise `--ignore shellcheck` median wall")
            if H.get("ratio_dockwise_shellcheck") == H.get("ratio_dockwise_shellcheck"):  # not NaN
                row("2 dockwise with ShellCheck / hadolint time", f"{H['ratio_dockwise_shellcheck']:.2f}×",
                    f"≤ {TARGETS['shellcheck_ratio']}×", H["ratio_dockwise_shellcheck"] <= TARGETS["shellcheck_ratio"],
                    "dockwise median wall (ShellCheck on, as shipped) / hadolint wall (it runs ShellCheck too); "
                    "`bench/shellcheck.py` measures it with CPU time and agreement")
            row("2 hadolint parse failures (DL1000)", f"{H['dl1000_files']} files", "(reference: 44)", None,
                f"{H['violations']:,} hadolint violations; exit {H['exit_status']}")
    if "lsp_startup" in F:
        S = F["lsp_startup"]
        row("3 LSP start-up → initialize response", f"median {S['median_ms']:.0f} ms (min {S['min_ms']:.0f}, max {S['max_ms']:.0f})",
            "", None, f"`{S['command']}`, raw stdio JSON-RPC client, {S['runs']} runs after 1 warm-up" + bgtxt(S))
        row("3 LSP start-up → first publishDiagnostics", f"median {S['first_diag_median_ms']:.0f} ms (max {S['first_diag_max_ms']:.0f})",
            "", None, "initialize, initialized, didOpen of a 3-line file")
    if "did_open_latency" in F:
        DO = F["did_open_latency"]
        for size, d in DO["sizes"].items():
            row(f"4 didOpen → publishDiagnostics, {int(size):,} lines", f"median {d['median_ms']:.2f} ms (min {d['min_ms']:.2f}, max {d['max_ms']:.2f})",
                "", None, f"generated file, {d['bytes'] / 1000:.1f} KB, {d['diagnostics_median']:g} diagnostics; "
                f"{d['opens']} opens, new URI each" + bgtxt(DO))
    if "did_change_latency" in F:
        C = F["did_change_latency"]
        row("5 didChange → publishDiagnostics, typing", f"p50 {C['p50_ms']:.2f} ms, p95 {C['p95_ms']:.2f} ms, max {C['max_ms']:.1f} ms",
            f"p95 < {TARGETS['change_p95_ms']:.0f} ms", C["p95_ms"] < TARGETS["change_p95_ms"],
            f"{C['keystrokes']} one-character incremental edits in RUN lines of a {C['file_lines']:,}-line file, "
            "debounce 0" + bgtxt(C))
        row("5 didChange → publishDiagnostics, Enter", f"p50 {C['enter_p50_ms']:.2f} ms, p95 {C['enter_p95_ms']:.2f} ms, max {C['enter_max_ms']:.1f} ms",
            "", None, f"{C['enters']} newlines after random instructions (all later lines shift); "
            f"final diagnostics match an in-process lint: {'yes' if C['final_state_matches'] else 'NO'}")
    if "peak_rss" in F:
        R = F["peak_rss"]
        row("6 server peak RSS (VmHWM)", f"{R['vmhwm_mib']:.1f} MiB", f"< {TARGETS['rss_mib']:.0f} MB",
            R["vmhwm_mib"] * 1.048576 < TARGETS["rss_mib"],
            f"after didOpen of {R['files_opened']:,} files (each publish awaited); VmRSS {R['vmrss_mib']:.1f} MiB; "
            f"{R['baseline_vmhwm_mib']:.1f} MiB after start-up, {R['growth_per_doc_kib']:.0f} KiB per document")
        row("6 corpus didOpen → publishDiagnostics", f"p50 {R['open_p50_ms']:.2f} ms, p95 {R['open_p95_ms']:.2f} ms, max {R['open_max_ms']:.1f} ms",
            "", None, f"total {R['open_total_s']:.1f} s; {R['internal_error_documents']} documents with DW999; "
            f"{R['server_warnings']} server warnings; slowest `{rel(R['slowest_open_file'], res['meta']['corpus'])}`"
            + bgtxt(R))
        top = ", ".join(f"{t['type']} {t['count']:,} ({t['mib']:.0f} MiB)" for t in R.get("inproc_top_types", [])[:4])
        row("6 in-process memory of kept models (RSS growth)",
            f"{R['inproc_models_lint_mib']:.0f} MiB (lines only {R['inproc_lines_mib']:.0f}, "
            f"no shell parse {R['inproc_models_noshell_mib']:.0f}, with shell parse {R['inproc_models_mib']:.0f})",
            "", None, f"`bench/memprobe.py MODE`, fresh interpreter, all {R['files_opened']:,} files kept; "
            f"biggest: {top}")
    if "dockerfile_parse" in F:
        D = F["dockerfile_parse"]
        reasons = ", ".join(f"({k}) {v}" for k, v in D["by_reason"].items()) or "none"
        row("7 dockerfile-parse agreement", f"{D['agree']:,} / {D['compared']:,} files agree ({D['disagree']} disagree)",
            "", None, f"instruction (start, end) lines, files without heredocs ({D['heredoc_files']} with heredocs skipped)")
        row("7 disagreements by reason", reasons, "", None, f"full list: `{D['report']}`")
    head = ["| Figure | Value | Target | Met | Command / conditions |", "|---|---|---|:-:|---|"]
    body = [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    notes: list[str] = []
    if "as_shipped" in F:
        import asshipped

        notes += ["", "### 8 As shipped (default settings), dockwise beside rcjsuen's docker-langserver", ""]
        notes += asshipped.table(F["as_shipped"])
    if "dockerfile_parse" in F:
        others = F["dockerfile_parse"].get("other", [])
        if others:
            notes.append("dockerfile-parse disagreements with reason (d) other:")
            for o in others:
                notes.append(f"- `{o['path']}` instruction #{o['index'] + 1}: ours {o['ours']}, dockerfile-parse {o['theirs']} (1-based)")
                notes += [f"      {n + 1:5d}| {show(t)}"[:200] for n, t in o["excerpt"]]
    return head + body, notes


# -- main ----------------------------------------------------------------------------------


def meta(corpus_desc: str, files: list[str], total_bytes: int, args: argparse.Namespace) -> dict:
    import dockwise

    def version(mod: str) -> str:
        try:
            from importlib.metadata import version as v

            return v(mod)
        except Exception:
            return "?"

    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except Exception:
        commit, dirty = "?", False
    return {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": args.quick,
        "corpus": corpus_desc,
        "corpus_files": len(files),
        "corpus_bytes": total_bytes,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": _cpu_count(),
        "dockwise": dockwise.__version__,
        "pygls": version("pygls"),
        "lsprotocol": version("lsprotocol"),
        "dockerfile_parse": version("dockerfile-parse"),
        "commit": commit + ("+dirty" if dirty else ""),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--corpus", type=Path, help="directory of Dockerfiles (default: ../shared/corpus/real)")
    ap.add_argument("--quick", action="store_true", help="reduced run for a smoke test")
    ap.add_argument("--no-hadolint", action="store_true", help="skip the hadolint comparison")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "latest.json", metavar="OUT",
                    help="where to write the JSON (default: bench/results/latest.json)")
    ap.add_argument("--only", metavar="FIGS", help=f"comma-separated subset of {','.join(FIGURES)}")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="S",
                    help="before each timed figure, wait up to S seconds until other processes use < 0.1 core")
    ap.add_argument("--live", action="store_true",
                    help="measure the working tree as it changes (default: a snapshot of server/ and rules/ "
                    "taken at start, so concurrent edits cannot mix two versions into one run)")
    args = ap.parse_args(argv)
    QUIET["max_s"] = args.wait_quiet
    only: set[str] = set(FIGURES) if not args.only else {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(FIGURES)
    if unknown:
        ap.error(f"unknown figure(s) {sorted(unknown)}; choose from {', '.join(FIGURES)}")
    if args.corpus is not None and not args.corpus.is_dir():
        ap.error(f"--corpus {args.corpus}: not a directory")

    all_files, corpus_desc = corpus_files(args.corpus)
    if not all_files:
        ap.error(f"no files in {corpus_desc}")
    files = sample(all_files, 100) if args.quick else all_files
    total_bytes = sum(os.path.getsize(p) for p in files)
    out_json: Path = args.json
    out_json.parent.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="dockwise-bench-") as work:
        code = "live working tree"
        if not args.live:
            code = snapshot(work)
        res = run_figures(args, only, files, total_bytes, corpus_desc, out_json, work)
        res["meta"]["code"] = code
    return report(args, res, files, total_bytes, corpus_desc, out_json, only)


def snapshot(work: str) -> str:
    """Copy server/ and rules/ to ``work``/code as the ``dockwise`` package and
    put it first on the path of this process and of every child (PYTHONPATH
    beats the editable install's finder). Returns a description."""
    root = Path(work) / "code"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "server", root / "dockwise", ignore=ignore)
    shutil.copytree(REPO / "rules", root / "dockwise" / "rules", ignore=ignore)
    sys.path.insert(0, str(root))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(root) + (os.pathsep + old if old else "")
    import dockwise
    import dockwise.rules

    for mod in (dockwise, dockwise.rules):
        if not str(mod.__file__).startswith(str(root)):
            raise SystemExit(f"snapshot not used: {mod.__name__} imported from {mod.__file__}")
    child = subprocess.run([sys.executable, "-c", "import dockwise.rules as r; print(r.__file__)"],
                           capture_output=True, text=True, timeout=60, cwd=work)
    if not child.stdout.strip().startswith(str(root)):
        raise SystemExit(f"snapshot not used by children: {child.stdout.strip() or child.stderr[-500:]}")
    n = sum(1 for p in (root / "dockwise" / "rules").glob("*.py") if not p.name.startswith("_"))
    log(f"code: snapshot of server/ and rules/ ({n} rule modules) in {root}")
    return f"snapshot of the working tree's server/ and rules/ at start ({n} rule modules)"


def run_figures(args: argparse.Namespace, only: set[str], files: list[str], total_bytes: int, corpus_desc: str,
                out_json: Path, work: str) -> dict:
    report_md = out_json.parent / "dockerfile-parse-disagreements.md"
    res: dict[str, Any] = {"schema": 1, "meta": meta(corpus_desc, files, total_bytes, args), "figures": {}}
    F = res["figures"]
    log(f"corpus: {len(files)} files ({total_bytes / 1e6:.2f} MB) from {corpus_desc}")
    cross = CrossCheck() if "crosscheck" in only else None
    if "lint" in only or cross is not None:
        wait_quiet("lint")
        lint = fig_lint(files, total_bytes, args.quick, cross)
        if "lint" in only:
            F["lint_throughput"] = lint
    if cross is not None:
        write_markdown(cross, str(report_md), corpus_desc, lambda p: rel(p, corpus_desc))
        F["dockerfile_parse"] = {
            "files": cross.files,
            "heredoc_files": cross.heredoc_files,
            "compared": cross.compared,
            "agree": cross.agree,
            "disagree": len(cross.disagreements),
            "dockerfile_parse_errors": cross.skipped_errors,
            "by_reason": cross.by_reason(),
            "reasons": {k: REASONS[k] for k in cross.by_reason()},
            "report": str(report_md),
            "other": [
                {"path": rel(d.path, corpus_desc), "index": d.index,
                 "ours": None if d.ours is None else [d.ours[0] + 1, d.ours[1] + 1],
                 "theirs": None if d.theirs is None else [d.theirs[0] + 1, d.theirs[1] + 1],
                 "excerpt": d.excerpt}
                for d in cross.disagreements if d.reason == "d"
            ],
        }
        log(f"dockerfile-parse: {cross.agree}/{cross.compared} agree; {cross.by_reason()}")
    if "hadolint" in only:
        if args.no_hadolint or args.quick:
            F["hadolint"] = {"skipped": True, "reason": "--quick" if args.quick else "--no-hadolint"}
        else:
            dockwise_s = F.get("lint_throughput", {}).get("wall_s_median_without_shellcheck")
            dockwise_sc_s = F.get("lint_throughput", {}).get("wall_s_median")
            wait_quiet("hadolint")
            bg = Background()
            F["hadolint"] = fig_hadolint(files, dockwise_s, dockwise_sc_s)
            if not F["hadolint"].get("skipped"):
                F["hadolint"]["background_cores"] = bg.cores()
    if "startup" in only:
        wait_quiet("startup")
        bg = Background()
        F["lsp_startup"] = fig_startup(3 if args.quick else 10, work)
        F["lsp_startup"]["background_cores"] = bg.cores()
    if "open" in only or "change" in only:
        with _server(work, "editing") as lsp:
            lsp.initialize({"debounceMs": 0})
            lsp.notify("initialized", {})
            if "open" in only:
                wait_quiet("open", (lsp.pid,))
                bg = Background((lsp.pid,))
                F["did_open_latency"] = fig_open(lsp, [10, 100, 1000, 5000], 2 if args.quick else 7)
                F["did_open_latency"]["background_cores"] = bg.cores()
            if "change" in only:
                wait_quiet("change", (lsp.pid,))
                bg = Background((lsp.pid,))
                F["did_change_latency"] = fig_change(lsp, 20 if args.quick else 200, 5 if args.quick else 20)
                F["did_change_latency"]["background_cores"] = bg.cores()
            for key in ("did_open_latency", "did_change_latency"):
                if key in F:
                    F[key]["server_warnings"] = len(lsp.log_messages)
    if "shipped" in only:
        import asshipped

        wait_quiet("shipped")
        F["as_shipped"] = asshipped.run(10, len(files), files, vsix_runs=1, rounds=1) if args.quick else asshipped.run(100, 1100)
    if "rss" in only:
        wait_quiet("rss")
        bg = Background()
        F["peak_rss"] = fig_rss(files, work)
        F["peak_rss"]["background_cores"] = bg.cores()
    return res


def report(args: argparse.Namespace, res: dict, files: list[str], total_bytes: int, corpus_desc: str,
           out_json: Path, only: set[str]) -> int:
    report_md = out_json.parent / "dockerfile-parse-disagreements.md"
    table, notes = build_table(res)
    header = [
        f"## dockwise benchmark ({'quick' if args.quick else 'full'})",
        "",
        f"`python bench/run.py{' --quick' if args.quick else ''}{' --no-hadolint' if args.no_hadolint else ''}"
        f"{' --corpus ' + str(args.corpus) if args.corpus else ''}{' --live' if args.live else ''}"
        f"{f' --wait-quiet {args.wait_quiet:g}' if args.wait_quiet else ''}`: {res['meta']['date']}, commit {res['meta']['commit']}, "
        f"Python {res['meta']['python']}, pygls {res['meta']['pygls']}, {res['meta']['cpus']} CPUs, {res['meta']['platform']}",
        "",
        f"Code measured: {res['meta']['code']}.",
        "",
        f"Corpus: `{corpus_desc}`, {len(files):,} files, {total_bytes / 1e6:.2f} MB.",
        "",
    ]
    text = "\n".join(header + table + ([""] + notes if notes else [])) + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    res["table_markdown"] = text
    out_json.write_text(json.dumps(res, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    out_json.with_suffix(".md").write_text(text, encoding="utf-8")
    log(f"wrote {out_json} and {out_json.with_suffix('.md')}" + (f" and {report_md}" if "crosscheck" in only else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

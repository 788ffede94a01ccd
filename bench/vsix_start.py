"""VS Code first start of the .vsix: server start → first diagnostics, as shipped.

    python bench/vsix_start.py [--vsix PATH] [--runs N] [--python EXE ...] [--json OUT]
    (also a figure of bench/asshipped.py)

Without ``--vsix`` the extension is built as CI builds it (``npm ci`` and
``npm run package`` in a temporary copy of ``vscode-client``; a few minutes).
The .vsix is extracted to a temporary folder (new mtimes, as VS Code does) and
the bundled server is started as the extension starts it
(``vscode-client/src/python.ts``, ``serverCommand``): ``<python> -m dockwise
serve`` with ``PYTHONPATH=<extension>/bundled/libs`` and ``PYTHONSAFEPATH=1``,
no ``-S``. Each run gets a fresh, empty ``HOME``, ``XDG_CACHE_HOME`` and
``DOCKWISE_CACHE_DIR`` (nothing warm from an earlier start), no
``PYTHONDONTWRITEBYTECODE`` and ``DOCKWISE_OFFLINE=1`` (as the rest of the
as-shipped figures: no registry lookups). The client sends ``initialize``,
``initialized`` and, as soon as ``initialize`` is answered, ``didOpen`` of
``../shared/bench/editlat.py``'s document (1,000 lines, 100 stages); the figure
is the time from spawning the process to the document's first
``publishDiagnostics``, median of ``--runs`` (default 3).

Two variants, run alternately:

* **shipped**: the extracted .vsix as it is (with the bytecode that
  ``bundled/bundle.json`` lists under ``"bytecode"``); every run also checks
  that it wrote no ``.pyc`` (``pyc_written``: 0 means the shipped bytecode was
  used, nothing was compiled);
* **no bytecode**: every ``__pycache__`` removed before each run: what a
  .vsix without bytecode did on its first start (the .vsix before issue 15).

Per interpreter: ``--python`` (repeatable), default one per version in
``"bytecode"`` that this machine has (``python3.X`` on PATH, else pyenv's).
The target (issue 15): shipped first start ≤ 2 s.
"""
from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLIENT = REPO / "vscode-client"
EDITLAT_DIR = (REPO / ".." / "shared" / "bench").resolve()
TARGET_S = 2.0


def log(msg: str) -> None:
    sys.stderr.write(f"[vsix_start {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def build_vsix(dest: Path) -> Path:
    """Builds the .vsix as CI does, in a temporary copy of vscode-client; returns it copied to ``dest``."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise SystemExit("npm/node not found: cannot build the .vsix (pass --vsix PATH)")
    with tempfile.TemporaryDirectory(prefix="dockwise-vsix-build-") as tmp:
        work = Path(tmp) / "vscode-client"
        shutil.copytree(CLIENT, work, ignore=shutil.ignore_patterns("node_modules", "out", "dist", "bundled", "*.vsix"))
        env = {**os.environ, "DOCKWISE_ROOT": str(REPO), "DOCKWISE_PYTHON": sys.executable, "npm_config_update_notifier": "false"}
        for step in ([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"], [npm, "run", "package"]):
            log(" ".join(step[1:]))
            r = subprocess.run(step, cwd=work, env=env, capture_output=True, text=True, timeout=1800)
            if r.returncode != 0:
                raise SystemExit(f"{' '.join(step)} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        (vsix,) = work.glob("*.vsix")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(vsix, dest)
    return dest


def extract(vsix: Path, dest: Path) -> Path:
    with zipfile.ZipFile(vsix) as z:
        z.extractall(dest)
    return dest / "extension" / "bundled"


def interpreter_version(exe: str) -> str | None:
    try:
        r = subprocess.run([exe, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.implementation.name)"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = r.stdout.split()
    return parts[0] if r.returncode == 0 and len(parts) == 2 and parts[1] == "cpython" else None


def find_interpreter(version: str) -> str | None:
    """``python3.X`` on PATH, else pyenv's newest 3.X (a pyenv shim of an inactive version does not run)."""
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for exe in [shutil.which(f"python{version}"), *sorted(glob.glob(f"{pyenv}/versions/{version}.*/bin/python{version}"), reverse=True)]:
        if exe and interpreter_version(exe) == version:
            return exe
    return None


def _pyc_listing(libs: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(libs)): (p.stat().st_mtime_ns, p.stat().st_size) for p in libs.rglob("*.pyc")}


def _drop_bytecode(libs: Path) -> None:
    for d in list(libs.rglob("__pycache__")):
        shutil.rmtree(d)


def first_start(exe: str, libs: Path, text: str, timeout: float = 120) -> dict:
    """One start of the bundled server as the extension starts it, with fresh home and caches."""
    sys.path.insert(0, str(HERE))
    from lspclient import LspProcess

    with tempfile.TemporaryDirectory(prefix="dockwise-vsix-start-") as tmp:
        home, ws = Path(tmp) / "home", Path(tmp) / "workspace"
        home.mkdir()
        ws.mkdir()
        doc = ws / "Dockerfile"
        doc.write_text(text)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        env.update({"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "DOCKWISE_CACHE_DIR": str(home / "dockwise-cache"),
                    "PYTHONPATH": str(libs), "PYTHONSAFEPATH": "1", "DOCKWISE_OFFLINE": "1"})
        with LspProcess([exe, "-m", "dockwise", "serve"], cwd=str(ws), env=env, timeout=timeout) as lsp:
            t0 = lsp.t_spawn
            _, t_init = lsp.request("initialize", {"processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": {},
                                                   "clientInfo": {"name": "dockwise-bench"}}, timeout)[1:]
            lsp.notify("initialized", {})
            lsp.did_open(doc.as_uri(), text)
            t_diag, msg = lsp.wait_publish(doc.as_uri(), None, timeout)
            cpu = _cpu_s(lsp.pid)
    return {"init_s": round(t_init - t0, 3), "diagnostics_s": round(t_diag - t0, 3), "cpu_s": round(cpu, 2),
            "diagnostics": len(msg["params"]["diagnostics"])}


def _cpu_s(pid: int) -> float:
    """CPU time (user + system) the server has used so far: what the start costs on a quiet
    machine, where wall time follows it (the start is one thread)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def measure(vsix: Path, pythons: list[str] | None = None, runs: int = 3) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(EDITLAT_DIR))
    editlat = importlib.import_module("editlat")
    from run import Background

    text = editlat.document()
    out: dict[str, Any] = {"vsix": str(vsix), "vsix_bytes": vsix.stat().st_size, "runs": runs, "target_s": TARGET_S}
    with tempfile.TemporaryDirectory(prefix="dockwise-vsix-") as tmp:
        shipped = extract(vsix, Path(tmp) / "shipped")
        bare = extract(vsix, Path(tmp) / "bare")
        bundle = json.loads((shipped / "bundle.json").read_text())
        out["bundle"] = bundle
        if pythons is None:
            found = {v: find_interpreter(v) for v in bundle.get("bytecode", [])}
            out["no_interpreter"] = sorted(v for v, exe in found.items() if exe is None)
            pythons = [exe for exe in found.values() if exe]
        results = []
        for exe in pythons:
            version = interpreter_version(exe)
            row: dict[str, Any] = {"python": exe, "version": version, "shipped": [], "no_bytecode": [], "pyc_written": []}
            bg = Background()
            for i in range(runs):
                log(f"CPython {version}: run {i + 1}/{runs}")
                before = _pyc_listing(shipped / "libs")
                row["shipped"].append(first_start(exe, shipped / "libs", text))
                after = _pyc_listing(shipped / "libs")
                row["pyc_written"].append(sum(1 for k, v in after.items() if before.get(k) != v))
                _drop_bytecode(bare / "libs")
                row["no_bytecode"].append(first_start(exe, bare / "libs", text))
            row["background_cores"] = round(bg.cores(), 2)
            for kind in ("shipped", "no_bytecode"):
                row[f"{kind}_median_s"] = round(statistics.median(r["diagnostics_s"] for r in row[kind]), 2)
                row[f"{kind}_init_median_s"] = round(statistics.median(r["init_s"] for r in row[kind]), 2)
                row[f"{kind}_cpu_median_s"] = round(statistics.median(r["cpu_s"] for r in row[kind]), 2)
            row["met"] = row["shipped_median_s"] <= TARGET_S
            results.append(row)
        out["pythons"] = results
    return out


def table(res: dict) -> list[str]:
    lines = ["| .vsix first start, start → first diagnostics (median) | shipped (bytecode) | without bytecode | target | met |",
             "|---|--:|--:|---|:-:|"]
    for r in res["pythons"]:
        lines.append(f"| CPython {r['version']}: wall (initialize answered) | {r['shipped_median_s']:.2f} s ({r['shipped_init_median_s']:.2f} s) | "
                     f"{r['no_bytecode_median_s']:.2f} s ({r['no_bytecode_init_median_s']:.2f} s) | "
                     f"≤ {res['target_s']:.0f} s | {'yes' if r['met'] else 'no'} |")
        lines.append(f"| CPython {r['version']}: server CPU time | {r['shipped_cpu_median_s']:.2f} s | {r['no_bytecode_cpu_median_s']:.2f} s | | |")
    notes = ["", f"{res['runs']} runs each, alternating; .vsix {res['vsix_bytes'] / 1e6:.1f} MB, bytecode for "
             f"{', '.join(res['bundle'].get('bytecode', [])) or 'none'}; .pyc written by the shipped runs: "
             + ", ".join(f"{r['version']}: {max(r['pyc_written'])}" for r in res["pythons"])
             + "; other processes used " + ", ".join(f"{r['background_cores']:.2f}" for r in res["pythons"])
             + " cores on average during the runs (2-core machine)."]
    if res.get("no_interpreter"):
        notes.append(f"Not measured (no interpreter here): CPython {', '.join(res['no_interpreter'])}.")
    return lines + notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--vsix", type=Path, help="a built .vsix (default: build one)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--python", action="append", help="interpreter to start the server with (repeatable)")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "vsix_start.json")
    args = ap.parse_args(argv)
    vsix = args.vsix or build_vsix(HERE / "results" / "dockwise.vsix")
    res = measure(vsix, args.python, args.runs)
    report(res, table(res), args.json, log)
    return 0


def report(res: dict[str, Any], lines: list[str], path: Path, say) -> None:
    """Print the table and write the figures (with the table as ``table_markdown``) to ``path``."""
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    res["table_markdown"] = text
    path.write_text(json.dumps(res, indent=2) + "\n")
    say(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())

"""Mutation score of the rules, the parser, the fixer and the formatter (mutmut 3).

    .venv/bin/pip install -e '.[test,mutation]'
    .venv/bin/python bench/mutation.py [--sample 300] [--seed 18] [--jobs 1] [--json OUT]

mutmut names a module after its path, and dockwise's import names differ from
its folders (``server/`` is ``dockwise``, ``rules/`` is ``dockwise.rules``).
So the run happens in a copy laid out by import name,
``bench/results/mutation/work`` (``src/dockwise/`` = ``server/``,
``src/dockwise/rules/`` = ``rules/``, plus ``tests/``, ``pyproject.toml`` and
the files the tests read); what is mutated and which tests run are
``[tool.mutmut]`` in pyproject.toml. Files are copied only when they changed,
so mutmut's cache survives between runs (a changed function's mutants are run
again).

Every mutant of those files is generated; ``--sample`` of them are drawn by
hashing each name with ``--seed`` (the same seed and the same code draw the same
mutants; a changed function redraws only its own) and run, ``--jobs`` at a time (mutmut is CPU-heavy: keep it low on a
shared machine). A drawn mutant already killed (its function unchanged since)
is not run again unless ``--fresh`` (a timeout is: it must hang again to count); after adding tests, ``--restat`` makes
mutmut collect again which tests reach which function. A mutant is stopped after
``timeout_multiplier`` (pyproject.toml) times the clean time of its tests; each
timeout is printed with both times, so a slow but finishing mutant would show.
The kill rate counts killed and timed-out mutants over all
mutants drawn, except the ones listed in ``bench/mutation-equivalent.tsv``
(mutants that cannot change behaviour, each with a one-line reason); a mutant
no test reaches counts as surviving. Survivors are printed with their diff
(``mutmut show NAME`` in the work folder shows one again).

Exit status 1 when the kill rate is below ``--target`` (default 0.85).
"""
from __future__ import annotations

import argparse
import csv
import filecmp
import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EQUIVALENT = REPO / "bench" / "mutation-equivalent.tsv"
KILLED = {"killed", "timeout"}


def sync_tree(src: Path, dst: Path, skip=("__pycache__", ".hypothesis", ".pytest_cache")) -> None:
    """Make ``dst`` a copy of ``src``, touching only files that differ (mtimes kept)."""
    dst.mkdir(parents=True, exist_ok=True)
    want = set()
    for p in src.rglob("*"):
        rel = p.relative_to(src)
        if any(part in skip for part in rel.parts):
            continue
        want.add(rel)
        q = dst / rel
        if p.is_dir():
            q.mkdir(parents=True, exist_ok=True)
        elif not q.exists() or not filecmp.cmp(p, q, shallow=False):
            q.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, q)
    for q in sorted(dst.rglob("*"), reverse=True):
        rel = q.relative_to(dst)
        if rel not in want and not any(part in skip for part in rel.parts):
            if q.is_dir():
                shutil.rmtree(q, ignore_errors=True)
            else:
                q.unlink()


def sync_file(src: Path, dst: Path) -> None:
    if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):
        shutil.copy2(src, dst)


def prepare(work: Path) -> None:
    """The copy laid out by import name."""
    work.mkdir(parents=True, exist_ok=True)
    pkg = work / "src" / "dockwise"
    sync_tree(REPO / "server", pkg, skip=("__pycache__", "rules"))
    sync_tree(REPO / "rules", pkg / "rules")
    sync_tree(REPO / "tests", work / "tests")
    for name in ("docs", "examples"):
        sync_tree(REPO / name, work / name)
    for name in ("pyproject.toml", "README.md"):
        sync_file(REPO / name, work / name)


def run_mutmut(work: Path, *args: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("mutmut")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "mutmut"]
    return subprocess.run([*cmd, *args], cwd=work, env=env, capture_output=True, text=True, timeout=timeout)


GENERATE = """
from mutmut.__main__ import copy_src_dir, copy_also_copy_files, create_mutants
from mutmut.utils.file_utils import setup_source_paths
copy_src_dir(); copy_also_copy_files(); setup_source_paths()
s = create_mutants({jobs})
print("generated: mutated", s.mutated, "ignored", s.ignored, "unmodified", s.unmodified)
"""


def all_mutants(work: Path) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        out.update(json.loads(meta.read_text("utf-8"))["exit_code_by_key"])
    return out


def durations(work: Path) -> dict[str, tuple[float | None, float | None]]:
    """Per mutant: (seconds its run took, mutmut's estimate of its tests' time)."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        d = json.loads(meta.read_text("utf-8"))
        est = d.get("estimated_time_of_tests_by_mutant", {})
        for k, v in d.get("durations_by_key", {}).items():
            out[k] = (v, est.get(k))
    return out


def draw(names: list[str], k: int, seed: int) -> list[str]:
    """The ``k`` mutants whose names hash lowest with ``seed`` (all when ``k`` is 0).

    A mutant's chance to be drawn depends only on its own name, so a change to one
    function redraws only that function's mutants: the rest of the sample, and the
    results mutmut keeps for it, stay."""
    if not k or k >= len(names):
        return list(names)
    key = lambda n: hashlib.sha256(f"{seed}:{n}".encode()).digest()  # noqa: E731
    return sorted(sorted(names, key=key)[:k])


def load_equivalent() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    rows = {}
    with EQUIVALENT.open(encoding="utf-8") as f:
        for row in csv.reader((ln for ln in f if ln.strip() and not ln.startswith("#")), delimiter="\t"):
            rows[row[0]] = row[1]
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sample", type=int, default=300, help="mutants to draw (0: all)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at a time")
    ap.add_argument("--target", type=float, default=0.85)
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "results" / "mutation" / "work")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--names", nargs="*", help="run these mutants instead of a sample")
    ap.add_argument("--fresh", action="store_true",
                    help="run every drawn mutant again (default: only those without a result or not killed; "
                         "mutmut forgets the results of a function that changed)")
    ap.add_argument("--report-only", action="store_true",
                    help="run nothing: report the drawn mutants' stored results (one not run counts as surviving)")
    ap.add_argument("--restat", action="store_true",
                    help="collect again which tests reach which function (after adding tests)")
    args = ap.parse_args(argv)
    # mutmut is the optional extra `.[mutation]`: looked up, not imported, so the
    # type check does not need it installed
    if importlib.util.find_spec("mutmut") is None:
        print("mutmut is not installed: pip install -e '.[test,mutation]'", file=sys.stderr)
        return 2

    t0 = time.monotonic()
    prepare(args.work)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DOCKWISE_CORPUS")}
    env.update(HYPOTHESIS_PROFILE="ci", DOCKWISE_OFFLINE="1")  # the same examples for every mutant
    gen = subprocess.run([sys.executable, "-c", GENERATE.format(jobs=args.jobs)], cwd=args.work, env=env,
                         capture_output=True, text=True, timeout=3600)
    if gen.returncode != 0:
        print(gen.stdout[-3000:], gen.stderr[-3000:], file=sys.stderr)
        return 2
    names = sorted(all_mutants(args.work))
    if args.names:
        sample = args.names
    else:
        sample = draw(names, args.sample, args.seed)
    # the optional extra again: looked up by name (checked above), so the type check does not need it
    status_by_exit_code = importlib.import_module("mutmut.stats").status_by_exit_code

    print(f"{len(names)} mutants in {', '.join(sorted({n.split('.x')[0] for n in names}))[:300]}…", file=sys.stderr)
    codes = all_mutants(args.work)
    # a timeout is run again every time: it must hang again to count
    todo = sample if args.fresh or args.names else \
        [n for n in sample if codes.get(n) is None or status_by_exit_code.get(codes[n]) != "killed"]
    if args.restat:
        (args.work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    print(f"drawn {len(sample)} (seed {args.seed}); running {len(todo)}, {args.jobs} at a time", file=sys.stderr)
    if args.report_only:
        todo = []
    if todo:
        r = run_mutmut(args.work, "run", "--max-children", str(args.jobs), *todo, env=env, timeout=6 * 3600)
        if "Mutant results" not in r.stdout:
            print(r.stdout[-5000:], r.stderr[-3000:], file=sys.stderr)
            return 2
    codes = all_mutants(args.work)
    status = {n: status_by_exit_code.get(codes.get(n), "not run") for n in sample}
    equivalent = load_equivalent()
    counted = [n for n in sample if n not in equivalent]
    killed = [n for n in counted if status[n] in KILLED]
    survivors = [n for n in counted if status[n] not in KILLED]
    rate = len(killed) / len(counted) if counted else 0.0
    by_status: dict[str, int] = {}
    for n in sample:
        by_status[status[n]] = by_status.get(status[n], 0) + 1
    for n in survivors:
        show = run_mutmut(args.work, "show", n, env=env, timeout=120)
        print(f"\n## {status[n]}: {n}\n{show.stdout.strip()}")
    # a timeout counts as killed: show each, with how long it ran against the clean tests' time
    took = durations(args.work)
    timeouts = []
    for n in sample:
        if status[n] == "timeout":
            ran, est = took.get(n, (None, None))
            timeouts.append({"mutant": n, "ran_s": ran, "tests_s": est})
            show = run_mutmut(args.work, "show", n, env=env, timeout=120)
            print(f"\n## timeout after {ran}s (its tests take {est}s on the clean code): {n}\n{show.stdout.strip()}")
    res = {
        "mutants_total": len(names), "sample": len(sample), "seed": args.seed,
        "equivalent_in_sample": len(sample) - len(counted), "counted": len(counted), "killed": len(killed),
        "survived": len(survivors), "kill_rate": round(rate, 4), "by_status": by_status,
        "survivors": survivors, "timeouts": timeouts, "wall_s": round(time.monotonic() - t0, 1),
        "load_avg": os.getloadavg(),
    }
    print(f"\nmutants: {len(names)} generated, {len(sample)} drawn (seed {args.seed}), "
          f"{res['equivalent_in_sample']} listed as equivalent; killed {len(killed)} of {len(counted)}: "
          f"kill rate {rate:.1%} (target {args.target:.0%}); {by_status}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    return 0 if rate >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())

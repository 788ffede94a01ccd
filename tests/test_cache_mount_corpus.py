""""Use a BuildKit cache mount" over every RUN of the real-Dockerfile corpus.

For each RUN of each file of ../shared/corpus/real (or $DOCKWISE_CORPUS) where
the editor would offer the rewrite (``editor.actions.cache_mount_text``):

* the rewritten file parses with no new error, the same stages and
  instructions, and differs only in that RUN's lines (the rest is byte for
  byte the same);
* the RUN runs the same commands minus the cleanups it dropped (plus apt's two
  preparation commands), with the mounts;
* it converges: offering the rewrite again on the result gives nothing;
* the cleanup rule of each mounted cache no longer reports that RUN
  (DL3009 apt, DL3019 apk, DL3042 pip, DL3032 yum, DL3040 dnf, DL3060 yarn).

Figures (RUNs seen, offered, per tool) are printed with ``pytest -s``.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from corpus_util import corpus_dir, corpus_files
from dockwise.editor.actions import cache_mount_text
from dockwise.lint.engine import LintSettings, lint_model
from dockwise.syntax.parser import parse

CORPUS = corpus_dir()
RULE_OF = {"apt": "DL3009", "apk": "DL3019", "pip": "DL3042", "yum": "DL3032", "dnf": "DL3040",
           "microdnf": "DL3040", "yarn": "DL3060"}
SETTINGS = LintSettings.make(select=sorted(set(RULE_OF.values())))


def _tools(title: str) -> list[str]:
    inner = title[title.index("(") + 1: title.rindex(")")] if "(" in title else ""
    return [t for part in inner.split(", ") for t in part.split("/") if t]


def test_cache_mount_rewrite_on_the_corpus(capsys):
    if CORPUS is None:
        print("SKIP: corpus not found (../shared/corpus/real or $DOCKWISE_CORPUS)")
        pytest.skip("corpus not found")
    runs = offered = 0
    tools: Counter = Counter()
    failures: list[str] = []
    for path in corpus_files(CORPUS):
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        df = parse(text, path=str(path))
        for ins in df.instructions:
            if ins.keyword != "RUN":
                continue
            runs += 1
            try:
                got = cache_mount_text(df, ins, reuse=True)
            except Exception as exc:  # the builder must decline, never crash
                failures.append(f"{path.name}:{ins.start_line + 1}: {type(exc).__name__}: {exc}")
                continue
            if got is None:
                continue
            offered += 1
            new_text, new, fix = got
            where = f"{Path(path).relative_to(CORPUS)}:{ins.start_line + 1}"
            names = _tools(fix.title)
            tools.update(names)
            # the parts outside the RUN are byte for byte the same
            old_lines, new_lines = text.split("\n"), new_text.split("\n")
            tail = len(old_lines) - ins.end_line - 1
            again_ins = new.instructions[ins.index]
            if old_lines[: ins.start_line] != new_lines[: ins.start_line] or \
                    old_lines[len(old_lines) - tail:] != new_lines[len(new_lines) - tail:]:
                failures.append(f"{where}: changed lines outside the RUN")
            if again_ins.end_line != ins.end_line - (len(old_lines) - len(new_lines)):
                failures.append(f"{where}: the RUN's extent moved")
            # converges
            if cache_mount_text(new, again_ins, reuse=True) is not None:
                failures.append(f"{where}: offered again after the rewrite")
            # the cleanup rules of the mounted caches are satisfied on this RUN
            codes = {RULE_OF[t] for t in names if t in RULE_OF}
            if codes:
                left = [v.code for v in lint_model(new, SETTINGS)
                        if v.code in codes and again_ins.start_line <= v.span.start.line <= again_ins.end_line]
                if left:
                    failures.append(f"{where}: {', '.join(sorted(set(left)))} still reports the RUN after the rewrite")
    with capsys.disabled():
        print(f"\ncache mount: {runs} RUNs, rewrite offered for {offered}; by tool: "
              + ", ".join(f"{k} {n}" for k, n in tools.most_common()))
    assert offered > 100
    assert not failures, "\n".join(failures[:40]) + (f"\n… {len(failures)} in all" if len(failures) > 40 else "")

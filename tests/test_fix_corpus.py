"""Nothing breaks: fix-all over every real Dockerfile of the corpus.

Every file of ../shared/corpus/real (or /tmp/shared/corpus/real, or
$DOCKWISE_CORPUS) is fixed once with the safe fixes and once with the unsafe
ones too, with every fixable rule of the registry selected. Then, per file:

* no new parse error (the parse errors' messages after are a sub-multiset of
  those before), the escape character and parser directives are unchanged;
* fix-all converges within 3 passes, and a second fix-all changes nothing;
* the fixed findings are gone: a rule with n fixes applied has at least n
  findings fewer afterwards (or none left: another fix may have created
  findings that were fixed too, as DW004's copy of an ``ADD .``);
* line endings (LF / CRLF, the final newline), heredocs (name and body) and
  comment lines (as a multiset of stripped lines) survive;
* the RUN commands (name + argv from the parsed model, ``ins.shell.commands``)
  are the original ones plus only the cleanup commands fixes append, in the
  original order, flags that fixes add (``-y``, ``--no-cache-dir`` …) aside.
  Moves are allowed only for what the moving fixes move: an index update
  when DW002 was applied, cleanup commands when DW011 was; so are drops of
  a command that stays elsewhere (DW011 does not repeat a cleanup, DW002
  drops an update when the installing RUN updates itself);
* the stage data flow (tests/dataflow.py): no RUN of a stage, or of a stage
  built FROM it, uses something a fix removed — apt lists, package caches used
  offline, files under a folder a moved cleanup deletes — that it had before.

A broken file is attributed to the rules whose fixes were applied: each is
re-run alone on the file, and the rules that break it alone are blamed (all
applied rules when only their combination breaks it). The test for a rule
and mode lists every failure as ``file: what broke``.
"""
from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from corpus_util import corpus_dir, corpus_files
from dataflow import new_breaks
from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import fix_text
from dockwise.syntax.parser import parse
from dockwise.rules import ALL_RULES


def _corpus() -> Path | None:
    found = corpus_dir()
    if found is None and Path("/tmp/shared/corpus/real").is_dir():
        found = Path("/tmp/shared/corpus/real")
    return found


CORPUS = _corpus()
FIXABLE = [r.code for r in ALL_RULES if r.meta.fixable]
SETTINGS = LintSettings.make(select=FIXABLE)
MODES = ("safe", "unsafe")
MAX_PASSES = 3

# commands that fixes append (DL3009, DL3032, DL3036, DL3040, DL3060) and flags they insert
ADDED_COMMANDS = {
    ("rm", "-rf", "/var/lib/apt/lists/*"),
    ("yum", "clean", "all"),
    ("dnf", "clean", "all"),
    ("dnf5", "clean", "all"),
    ("microdnf", "clean", "all"),
    ("zypper", "clean"),
    ("yarn", "cache", "clean"),
}
ADDED_FLAGS = {"-y", "--no-install-recommends", "--no-cache", "--no-cache-dir"}
_UPDATES = {"apt-get": "update", "apt": "update", "aptitude": "update", "apk": "update",
            "yum": "makecache", "dnf": "makecache", "zypper": "refresh"}


def _skip_without_corpus():
    if CORPUS is None:
        from need import missing

        missing("../shared/corpus", "corpus not found (../shared/corpus/real or $DOCKWISE_CORPUS)")


# -- what a file looks like -----------------------------------------------------------


def _line_endings(text: str) -> tuple[bool, bool, bool]:
    crlf = text.count("\r\n")
    return crlf > 0, text.count("\n") > crlf, text.endswith("\n")


_FLAG_WORD = re.compile(r"(?<=\s)(?:" + "|".join(sorted(ADDED_FLAGS, reverse=True)) + r")(?=\s|$)\s?")


def _drop_added_flags(s: str) -> str:
    """``apk add --no-cache git`` → ``apk add git`` (flags that fixes insert)."""
    return _FLAG_WORD.sub("", s)


def _heredocs(df) -> Counter:
    return Counter((h.name, _drop_added_flags(h.body)) for ins in df.instructions for h in ins.effective.heredocs)


def _comment_lines(text: str) -> Counter:
    return Counter(s for s in (line.strip() for line in text.split("\n")) if s.startswith("#"))


def _commands(df) -> list[tuple[str, ...]]:
    out = []
    for ins in df.instructions:
        eff = ins.effective
        if eff.keyword == "RUN" and eff.shell is not None:
            for c in eff.shell.commands:
                out.append(tuple(_drop_added_flags(a) for a in c.argv if a not in ADDED_FLAGS))
    return out


def _is_update(argv) -> bool:
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    return name in _UPDATES and _UPDATES[name] in argv[1:]


def _is_cleanup(argv) -> bool:
    from dockwise.rules._pm import is_cleanup
    from dockwise.syntax.commands import unwrap
    from dockwise.syntax.model import ShellCommand, Span, Word

    span = Span.of(0, 0, 0, 0)
    sc = ShellCommand(argv[0] if argv else "", [Word(a, a, span) for a in argv[1:]], span, span)
    return is_cleanup(unwrap(sc), [])


_APK_CACHE = {"/var/cache/apk/*", "/var/cache/apk", "/var/cache/apk/"}


def _is_apk_cache_rm(argv) -> bool:
    """``rm -rf /var/cache/apk/*``: DL3019's fix drops it once ``--no-cache`` is added."""
    args = argv[1:]
    return bool(argv) and argv[0] == "rm" and any(a in _APK_CACHE for a in args) and all(
        a in _APK_CACHE or a.startswith("-") for a in args)


def problems(before: str, after: str, applied: set[str], path: str | None = None) -> list[str]:
    """What ``after`` (fix-all's result) broke in ``before``."""
    out = []
    b, a = parse(before, path=path), parse(after, path=path)
    new_errors = Counter(e.message for e in a.errors) - Counter(e.message for e in b.errors)
    if new_errors:
        out.append(f"new parse errors: {sorted(new_errors)}")
    if a.escape != b.escape or [(d.key, d.value) for d in a.directives] != [(d.key, d.value) for d in b.directives]:
        out.append(f"parser directives changed: {b.directives} -> {a.directives}")
    lb, la = _line_endings(before), _line_endings(after)
    if (la[0] and not lb[0]) or (la[1] and not lb[1]) or la[2] != lb[2]:
        out.append(f"line endings changed (crlf, lf, final newline): {lb} -> {la}")
    if _heredocs(a) != _heredocs(b):
        out.append(f"heredocs changed: {sorted(_heredocs(b) - _heredocs(a))} lost")
    lost = _comment_lines(before) - _comment_lines(after)
    if lost:
        out.append(f"comment lines lost: {sorted(lost)}")
    out.extend(new_breaks(b, a))
    cb, ca = _commands(b), _commands(a)
    extra, missing = Counter(ca) - Counter(cb), Counter(cb) - Counter(ca)
    bad_extra = [c for c in extra if c not in ADDED_COMMANDS]
    # DW011 does not repeat a cleanup the RUN it moves into already ends with, and
    # DW002 drops a lone update when the installing RUN updates itself
    bad_missing = [
        c for c in missing
        if not (c in ca and ("DW011" in applied and _is_cleanup(c) or "DW002" in applied and _is_update(c)))
        and not ("DL3019" in applied and _is_apk_cache_rm(c))
    ]
    if bad_extra or bad_missing:
        out.append(f"RUN commands changed: added {bad_extra}, removed {bad_missing}")
    else:

        def order(cmds):
            keep = []
            for c in cmds:
                if c in extra and c in ADDED_COMMANDS:
                    continue
                if "DW002" in applied and _is_update(c) or "DW011" in applied and _is_cleanup(c):
                    continue
                if "DL3019" in applied and _is_apk_cache_rm(c):
                    continue
                keep.append(c)
            return keep

        ob, oa = order(cb), order(ca)
        if ob != oa:
            i = next((k for k, (x, y) in enumerate(zip(ob, oa)) if x != y), min(len(ob), len(oa)))
            out.append(f"RUN commands reordered at command {i}: {ob[i:i + 2]} -> {oa[i:i + 2]}")
    return out


# -- running fix-all over the corpus ----------------------------------------------------


def _fix_file(path: Path, unsafe: bool) -> dict[str, list[str]]:
    """Failures of one file in one mode, by rule code."""
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    p = str(path)
    found = Counter(v.code for v in lint_text(text, SETTINGS, p).violations)
    res = fix_text(text, SETTINGS, p, unsafe=unsafe)
    fails: dict[str, list[str]] = defaultdict(list)
    if not res.applied:
        if not res.converged:
            fails["(engine)"].append("did not converge without applying anything")
        return fails
    applied = Counter(code for code, _ in res.applied)
    left = Counter(v.code for v in res.remaining)
    for code, n in applied.items():
        if left[code] > max(found[code] - n, 0):  # (other fixes may add findings that get fixed)
            fails[code].append(f"fixed findings not gone: {found[code]} before, {n} fixed, {left[code]} left")
    general = problems(text, res.text, set(applied), p)
    if not res.converged or res.rounds > MAX_PASSES:
        general.append(f"did not converge in {MAX_PASSES} passes (converged={res.converged}, passes={res.rounds})")
    again = fix_text(res.text, SETTINGS, p, unsafe=unsafe)
    if again.text != res.text:
        general.append(f"a second run changed the file again: {again.applied}")
    if general:
        # blame the rules that break the file alone, else all applied ones
        blamed = {}
        for code in applied:
            solo = fix_text(text, LintSettings.make(select=[code]), p, unsafe=unsafe)
            if solo.applied:
                got = problems(text, solo.text, {code}, p)
                if not solo.converged or solo.rounds > MAX_PASSES:
                    got.append(f"did not converge in {MAX_PASSES} passes alone")
                if got:
                    blamed[code] = got
        if blamed:
            for code, got in blamed.items():
                fails[code].extend(got)
        else:
            for code in applied:
                fails[code].extend(f"{g} (with {sorted(applied)})" for g in general)
    return fails


@pytest.fixture(scope="module")
def corpus_results():
    """mode -> rule -> ["file: what broke"], plus mode -> rule -> files changed."""
    _skip_without_corpus()
    assert CORPUS is not None  # _skip_without_corpus has stopped the test otherwise
    files = corpus_files(CORPUS)
    assert len(files) >= 3000, f"only {len(files)} corpus files under {CORPUS}"
    failures = {m: defaultdict(list) for m in MODES}
    for mode in MODES:
        for path in files:
            for code, what in _fix_file(path, mode == "unsafe").items():
                rel = os.path.relpath(path, CORPUS)
                failures[mode][code].extend(f"{rel}: {w}" for w in what)
    return failures


def test_fixable_rules_are_discovered():
    assert len(FIXABLE) >= 19
    assert {"DL3059", "DW002", "DW011", "DW004", "DL3006", "DL3007"} <= set(FIXABLE)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", FIXABLE)
def test_fix_all_keeps_corpus_files_intact(corpus_results, code, mode):
    fails = corpus_results[mode].get(code, [])
    assert not fails, f"{code} ({mode} fix-all) broke {len(fails)} file(s):\n" + "\n".join(fails[:40])


def test_no_engine_failures(corpus_results):
    fails = [f for m in MODES for f in corpus_results[m].get("(engine)", [])]
    assert not fails, "\n".join(fails[:40])


# -- the checks themselves catch what they should -----------------------------------------


def test_problems_reports_breakage():
    before = "FROM a:1\r\n# keep\r\nRUN a && \\\r\n    b\r\n"
    assert problems(before, before, set()) == []
    assert any("line endings" in p for p in problems(before, before.replace("\r\n", "\n"), set()))
    assert any("comment lines lost" in p for p in problems(before, before.replace("# keep\r\n", ""), set()))
    assert any("commands changed" in p for p in problems(before, before.replace("b\r\n", "c\r\n"), set()))
    assert any("new parse errors" in p for p in problems(before, before + "RUN <<EOF\r\n", set()))
    moved = "FROM a:1\nRUN apt-get update\nRUN curl x\nRUN apt-get install -y y\n"
    after = "FROM a:1\nRUN curl x\nRUN apt-get update && apt-get install y\n"
    assert any("reordered" in p for p in problems(moved, after, set()))
    assert problems(moved, after, {"DW002"}) == []  # the move DW002 makes
    appended = "FROM a:1\nRUN apt-get update && apt-get install -y y \\\n    && rm -rf /var/lib/apt/lists/*\n"
    assert problems("FROM a:1\nRUN apt-get update && apt-get install y\n", appended, {"DL3009"}) == []


def test_problems_reports_a_later_run_losing_what_a_fix_removed():
    """The data-flow check (tests/dataflow.py) inside ``problems``: the old unsafe
    DL3009 fix deleted the lists a later `sudo apt-get install` needed."""
    before = "FROM debian:12\nRUN apt-get update\nRUN sudo apt-get install -y curl\n"
    after = "FROM debian:12\nRUN apt-get update \\\n    && rm -rf /var/lib/apt/lists/*\nRUN sudo apt-get install -y curl\n"
    assert problems(before, after, {"DL3009"}) == [
        "stage 0: `apt-get install curl` uses the apt lists, which an earlier fix removed"]
    derived = "FROM debian:12 AS a\nRUN apt-get update\nFROM a\nRUN bash -c 'apt-get install -y x'\n"
    broken = derived.replace("RUN apt-get update\n", "RUN apt-get update && rm -rf /var/lib/apt/lists/*\n")
    assert problems(derived, broken, {"DL3009"}) == [
        "stage 1: `apt-get install x` uses the apt lists, which an earlier fix removed"]

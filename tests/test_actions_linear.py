"""The range refactorings ("Chain RUN instructions", "Add package-manager
cleanup") in linear time (issue 12): assembled at once / applied in rounds,
they give exactly what the merge-by-merge, step-by-step application gives
(the definition, kept here), on the real corpus and on generated files; and
their work grows linearly with the number of RUNs selected."""
from __future__ import annotations

import random

import pytest
from bigfiles import generate
from corpus_util import corpus_dir, corpus_files
from fuzz_util import random_dockerfile
from opcount import growth

from dockwise.editor import actions
from dockwise.lint.fixes import apply_edits
from dockwise.rules._api import Applicability
from dockwise.syntax.parser import parse


def _cleanup_step_by_step(df, first, last):
    """"Add package-manager cleanup" as first written: each RUN, each step,
    applied and re-parsed one at a time."""
    text, cur, unsafe = df.text, df, False
    for i in actions._cleanable(df, first, last):
        steps = list(actions.CLEANUP_STEPS)
        while steps:
            k = actions._first_step(cur, cur.instructions[i], steps)
            if k is None:
                break
            fix = steps.pop(k)(cur, cur.instructions[i])
            assert fix is not None, "a step that answered on this model a moment ago declined"
            new = apply_edits(text, fix.edits)
            if new == text:
                continue
            text, cur = new, actions._reparse(new, df, cur)
            if len(cur.instructions) != len(df.instructions):
                return None
            unsafe = unsafe or fix.applicability is Applicability.UNSAFE
    if text == df.text or not actions._safe_result(df, cur):
        return None
    return text, unsafe


def _same(text: str) -> None:
    df = parse(text)
    n = len(df.lines)
    for first, last in ((0, n), (1, max(1, n // 2))):
        idx = actions._runs_in(df, first, last)
        if len(idx) >= 2:
            fast = actions._chain_at_once(df, idx)
            if fast is not None:
                slow = actions._chain_one_by_one(df, idx)
                assert fast[0] == slow[0] and fast[2:] == slow[2:], text
        p = actions.add_cleanup(df, first, last)
        want = _cleanup_step_by_step(df, first, last)
        got = None if p is None else (apply_edits(df.text, p.edits), p.applicability is Applicability.UNSAFE)
        assert got == want, text


def test_same_result_on_generated_files():
    rng = random.Random(12)
    for _ in range(400):
        _same(random_dockerfile(rng, 20))
    for shape in ("chain", "apt", "mixed", "messy"):
        _same(generate(60, shape))


def test_same_result_on_the_corpus():
    root = corpus_dir()
    if root is None:
        pytest.skip("no corpus (../shared/corpus/real or $DOCKWISE_CORPUS)")
    for f in corpus_files(root)[::3]:
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        _same(text)


@pytest.mark.parametrize("shape", ["chain", "apt", "mixed"])
def test_range_refactorings_grow_linearly(shape):
    def run(n):
        df = parse(generate(n, shape))
        last = len(df.lines) - 1
        if actions.can_chain(df, 0, last):
            actions.chain_runs(df, 0, last)
        if actions.can_cleanup(df, 0, last):
            actions.add_cleanup(df, 0, last)

    a, b, r = growth(run, 50)
    assert r < 1.3, f"{a} ops for 50 RUNs, {b} for 200"

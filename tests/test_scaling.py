"""Fix, format and lint do work linear in the file (issue 12, item 4).

No clock: the work is counted with a deterministic operation counter
(``opcount.ops``: Python calls and returns, calls into C) on generated files
of n and 4n RUNs (``bigfiles.py``), and the fix loop's parses, lints and edit
applications are counted per round. A quadratic step shows as a ratio near 4;
linear work gives ≈ 1. The wall-clock figures live in ``bench/scaling.py``.
"""
from __future__ import annotations

import math
import sys

import pytest
from bigfiles import SHAPES, generate
from hypothesis import given, settings
from hypothesis import strategies as st
from opcount import growth

from dockwise.editor.formatting import format_text
from dockwise.lint import fixes
from dockwise.lint.engine import DEFAULT_SETTINGS, lint_text
from dockwise.rules._api import Edit, Fix
from dockwise.syntax import parser
from dockwise.syntax.model import Pos, Span

SMALL = 100  # RUNs; measured at SMALL and 4 * SMALL
LINEAR = 1.3  # (ops(4n) / ops(n)) / 4: 1.0 is linear, quadratic work gives ~2-4 here


@pytest.mark.parametrize("shape", SHAPES)
def test_fix_work_grows_linearly(shape):
    a, b, r = growth(lambda n: fixes.fix_text(generate(n, shape)), SMALL)
    assert r < LINEAR, f"fix on {shape}: {a} ops for {SMALL} RUNs, {b} for {4 * SMALL} (×{b / a:.1f})"


@pytest.mark.parametrize("shape", SHAPES)
def test_format_work_grows_linearly(shape):
    a, b, r = growth(lambda n: format_text(generate(n, shape)), SMALL)
    assert r < LINEAR, f"format on {shape}: {a} ops for {SMALL} RUNs, {b} for {4 * SMALL} (×{b / a:.1f})"


@pytest.mark.parametrize("shape", SHAPES)
def test_lint_work_grows_linearly(shape):
    a, b, r = growth(lambda n: lint_text(generate(n, shape), DEFAULT_SETTINGS), SMALL)
    assert r < LINEAR, f"lint on {shape}: {a} ops for {SMALL} RUNs, {b} for {4 * SMALL} (×{b / a:.1f})"


def _calls(fn, *targets):
    """(fn(), {target name: number of calls}) for plain Python functions."""
    codes = {t.__code__: t.__name__ for t in targets}
    counts = dict.fromkeys(codes.values(), 0)

    def prof(frame, event, arg):  # noqa: ARG001
        if event == "call":
            name = codes.get(frame.f_code)
            if name is not None:
                counts[name] += 1

    old = sys.getprofile()
    sys.setprofile(prof)
    try:
        result = fn()
    finally:
        sys.setprofile(old)
    return result, counts


@pytest.mark.parametrize("shape", ["chain", "apt", "mixed"])
def test_fix_loop_costs_one_lint_one_parse_and_one_application_per_round(shape):
    for n in (50, 400):
        res, c = _calls(lambda: fixes.fix_text(generate(n, shape)),
                        lint_text, parser.parse, fixes.apply_edits, fixes._line_starts)
        assert res.rounds >= 1 and res.applied
        assert c["lint_text"] == res.rounds + 1, c
        assert c["apply_edits"] == res.rounds, c
        # each lint parses once; each round's result is parsed once more to check it
        assert c["parse"] <= 2 * (res.rounds + 1), c
        # one line index per application: not one per fix considered
        assert c["_line_starts"] <= res.rounds, c


def test_declined_fixes_are_found_in_logarithmically_many_parses():
    """A round that would break the file: the culprits among k fixes are found
    by halving, O(b log k) checks for b culprits, not one parse per fix."""
    text = "".join(f"line {i}\n" for i in range(1024))
    chosen = [(None, Fix.safe(f"f{i}", Edit(Span(Pos(i, 0), Pos(i, 4)), "LINE"))) for i in range(1024)]
    bad = {"f7", "f700"}
    checks = 0

    def breaks(candidate: str) -> bool:
        nonlocal checks
        checks += 1
        lines = candidate.split("\n")
        return any(lines[int(t[1:])].startswith("LINE") for t in bad)

    found = fixes._culprits(text, chosen, breaks)  # type: ignore[arg-type]
    assert sorted(f.title for _, f in found) == ["f7", "f700"]
    assert checks <= 2 * len(bad) * (math.log2(len(chosen)) + 1)


# -- the faster selection picks exactly what the pairwise definition picks -----------------


def _conflict(a: Edit, b: Edit) -> bool:
    """The pairwise definition: overlap, or both touch one insertion point."""
    s1, e1, s2, e2 = a.span.start, a.span.end, b.span.start, b.span.end
    if s1 < e2 and s2 < e1:
        return True
    return s1 == s2


def _later_runs(df, ins):
    """The definition: the RUNs after ``ins`` in its stage and in every stage built
    FROM it, directly or not, in file order (a scan of the rest of the file)."""
    st = df.stage_of(ins)
    if st is None:
        return
    stages = {st.index}
    for s in df.stages[st.index + 1:]:
        if s.parent in stages:
            stages.add(s.index)
    for other in df.instructions[ins.index + 1:]:
        if other.stage in stages and other.effective.keyword == "RUN":
            yield other


def _brute(edit_sets):
    taken, out = [], []
    for k, edits in enumerate(edit_sets):
        if any(_conflict(e, t) for e in edits for t in taken):
            continue
        taken.extend(edits)
        out.append(k)
    return out


_pos = st.builds(Pos, st.integers(0, 6), st.integers(0, 6))


@st.composite
def _fix_edits(draw):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        a, b = sorted((draw(_pos), draw(_pos)))
        out.append(Edit(Span(a, b), "x"))
    try:
        return Fix.safe("t", *out).edits
    except ValueError:  # overlapping edits within one fix are refused by Fix itself
        return Fix.safe("t", out[0]).edits


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(_fix_edits(), max_size=25))
def test_selection_equals_the_pairwise_conflict_definition(edit_sets):
    taken = fixes._Taken()
    got = []
    for k, edits in enumerate(edit_sets):
        if any(taken.conflicts(e) for e in edits):
            continue
        for e in edits:
            taken.add(e)
        got.append(k)
    assert got == _brute(edit_sets)


def test_apply_edits_joins_once():
    """Many edits: the result is right and built in one pass (ops linear in edits)."""
    from opcount import ops

    def run(n):
        text = "".join(f"RUN x{i}\n" for i in range(n))
        edits = [Edit(Span(Pos(i, 0), Pos(i, 3)), "run") for i in range(n)]
        return fixes.apply_edits(text, edits)

    out, a = ops(lambda: run(500))
    assert out == "".join(f"run x{i}\n" for i in range(500))
    _, b = ops(lambda: run(2000))
    assert b / a < 4 * LINEAR


# -- pragma suppression by line index equals the range-by-range definition -----------------------

_ranges = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12), st.sets(st.sampled_from("ABC"), max_size=2)),
                   max_size=8)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_ranges, _ranges, st.sets(st.sampled_from("ABC")), st.sets(st.sampled_from(["x", "y", "*"]), max_size=1))
def test_suppression_index_equals_the_range_scan(ranges, check_ranges, codes, checks):
    from dockwise.lint.pragmas import Suppressions

    sup = Suppressions(ranges=[(a, b, set(c)) for a, b, c in ranges],
                       check_ranges=[(a, b, {x.lower() for x in c}) for a, b, c in check_ranges])
    for line in range(14):
        want = any(a <= line <= b and codes & cs for a, b, cs in sup.ranges) or (
            bool(checks) and any(a <= line <= b and ("*" in cs or checks & cs) for a, b, cs in sup.check_ranges))
        assert sup.suppressed(set(codes), line, checks) == want


def test_pragmas_cost_linear_work():
    """A file of n instructions each under its own ignore pragmas, and one run
    of n comment lines: lint work grows linearly."""
    def text(n):
        return ("# hadolint global ignore=DL3059\nFROM debian:12\n" + "# c\n" * n
                + "".join(f"# hadolint ignore=DL3008,DL3015\n# dockwise: ignore=DW002\n"
                          f"RUN apt-get update && apt-get install -y p{i}\n" for i in range(n)))

    a, b, r = growth(lambda n: lint_text(text(n), DEFAULT_SETTINGS), SMALL)
    assert r < LINEAR, f"{a} ops for {SMALL}, {b} for {4 * SMALL}"


_paths = st.lists(st.sampled_from(["a", "b", "req.txt", "*.txt", "src", "pkg", "package.json", "x.gemspec", "?",
                                   "[ab]"]), min_size=1, max_size=3).map("/".join)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(_paths, max_size=6), _paths, st.lists(_paths, max_size=2))
def test_dw004_source_index_equals_the_pairwise_match(sources, manifest, mounted):
    from dockwise.rules.dw004_copy_context_before_deps import _covers, _Sources

    want = any(_covers(s, manifest) for s in sources + mounted)
    assert _Sources(sources).covers(manifest, mounted) == want


def test_first_later_run_by_index_equals_the_scan():
    """DL3009's "a later RUN still needs the lists" / "runs an unknown script",
    by index, equal the scan of every later RUN of the stage and its children."""
    import random

    from fuzz_util import random_dockerfile

    from dockwise.rules import _pm
    from dockwise.syntax.commands import run_view
    from dockwise.syntax.parser import parse

    rng = random.Random(3)
    extra = ["RUN apt-get install -y x", "RUN apt-get update", "RUN ./build.sh", "RUN make", "FROM b AS c",
             "FROM s1", "RUN echo"]
    checked = 0
    for _ in range(300):
        text = random_dockerfile(rng, 10) + "\n".join(rng.choice(extra) for _ in range(rng.randrange(8))) + "\n"
        df = parse(text)
        for ins in df.instructions:
            scan = list(_later_runs(df, ins))
            want = next((o for o in scan if _pm.needs_apt_lists(run_view(o))), None)
            assert _pm.apt_lists_needed_later(df, ins) is want
            want = next((o for o in scan if any(_pm.runs_unknown_script(c) for c in run_view(o).commands)), None)
            assert _pm.unknown_script_later(df, ins) is want
            checked += 1
    assert checked > 1000


# -- what the fuzzing found: each a regression test (work at n and 4n) -----------------------------------

def _structured(name):
    from fuzz_util import STRUCTURED

    return STRUCTURED[name][0]


@pytest.mark.parametrize("name, what, n", [
    ("many_stages_chained", "parse", 250),  # the FROM's stage name was looked up stage by stage
    ("many_stages_chained", "lint", 150),  # DW004 re-read every ancestor stage of every stage
    ("many_variables", "parse", 250),  # a variable reference scanned every ARG/ENV of the stage
    ("stages_with_variables", "editor", 100),  # the navigation index walked the FROM chain per name
    ("many_copies_and_installs", "lint", 100),  # DW004 matched every copied file against every install
])
def test_fuzz_findings_grow_linearly(name, what, n):
    import random

    from fuzz_util import do_editor, do_lint, do_parse

    maker = _structured(name)

    def run(k):
        text = maker(k)
        if what == "parse":
            do_parse(text)
        elif what == "lint":
            do_lint(do_parse(text))
        else:
            df = do_parse(text)
            do_editor(df, [], random.Random(0), 2)

    a, b, r = growth(run, n)
    assert r < LINEAR, f"{name} {what}: {a} ops at {n}, {b} at {4 * n} (x{b / a:.1f})"

"""DW133 ignored-flag: flags BuildKit drops without a word (ARG, STOPSIGNAL, HEALTHCHECK NONE)."""
import pytest

from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import apply_edits
from dockwise.syntax.parser import parse

from fixutil import findings, fixed


def spans(src: str) -> list[tuple[int, int, int]]:
    return [(v.span.start.line, v.span.start.col, v.span.end.col) for v in findings(src, "DW133")]


@pytest.mark.parametrize("src,expected", [
    ("FROM alpine\nARG --required TOKEN\n", [(1, 4, 14)]),
    ("ARG --foo=1 V\nFROM alpine\n", [(0, 4, 11)]),  # a global ARG
    ("FROM alpine\nSTOPSIGNAL --x SIGTERM\n", [(1, 11, 14)]),
    ("FROM alpine\nHEALTHCHECK --interval=30s NONE\n", [(1, 12, 26)]),
    ("FROM alpine\nhealthcheck --retries=2 none\n", [(1, 12, 23)]),  # keywords and NONE in any case
    ("FROM alpine\nONBUILD ARG --x Y\n", [(1, 12, 15)]),  # a trigger's own flags
    ("FROM alpine\nARG --a --b=2 V\n", [(1, 4, 7), (1, 8, 13)]),  # one finding per flag
])
def test_each_ignored_flag_is_reported_at_its_place(src, expected):
    assert spans(src) == expected
    assert "does nothing" in findings(src, "DW133")[0].message


@pytest.mark.parametrize("src", [
    "FROM alpine\nARG TOKEN\nSTOPSIGNAL SIGTERM\nHEALTHCHECK NONE\n",
    "FROM alpine\nHEALTHCHECK --interval=30s --retries=3 CMD true\n",  # CMD takes these flags
    "FROM alpine\nARG -- --odd\n",  # "--" ends the flags: --odd is the argument's name
    "FROM --platform=linux/amd64 alpine\nCOPY --chown=1 a b\n",
])
def test_flags_that_are_read_or_no_flags_are_not_reported(src):
    assert spans(src) == []


def test_the_fix_removes_the_flag_and_the_file_builds_the_same():
    kind, out = fixed("FROM alpine\nARG --required TOKEN\n", "DW133")
    assert kind == "safe" and out == "FROM alpine\nARG TOKEN\n"
    kind, out = fixed("FROM alpine\nHEALTHCHECK --interval=30s NONE\n", "DW133")
    assert out == "FROM alpine\nHEALTHCHECK NONE\n"


def test_fixing_every_flag_at_once_converges():
    src = "ARG --g=1 V\nFROM alpine\nARG --a --b=2 W\nSTOPSIGNAL --x SIGTERM\nONBUILD ARG --y Z\n"
    vs = findings(src, "DW133")
    assert len(vs) == 5 and all(v.fix is not None for v in vs)
    out = apply_edits(src, [e for v in vs if v.fix is not None for e in v.fix.edits])
    assert out == "ARG V\nFROM alpine\nARG W\nSTOPSIGNAL SIGTERM\nONBUILD ARG Z\n"
    assert parse(out).errors == [] and findings(out, "DW133") == []
    model = parse(out)
    assert [(i.keyword, [a.value for a in i.effective.args]) for i in model.instructions] == [
        ("ARG", ["V"]), ("FROM", ["alpine"]), ("ARG", ["W"]), ("STOPSIGNAL", ["SIGTERM"]), ("ONBUILD", ["Z"])]


def test_no_fix_where_removing_would_leave_a_bare_continuation():
    src = "FROM alpine\nARG \\\n  --foo \\\n  X\n"
    (v,) = findings(src, "DW133")
    assert (v.span.start.line, v.fix) == (2, None)


def test_on_by_default():
    assert [v.code for v in lint_text("FROM alpine:3.20\nARG --required TOKEN\n", LintSettings.make()).violations
            if v.code == "DW133"] == ["DW133"]

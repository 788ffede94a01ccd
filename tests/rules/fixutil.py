"""Helpers for the fix tables of tests/rules/test_*_fix.py."""
from __future__ import annotations

from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import apply_edits
from dockwise.syntax.parser import parse


def findings(src: str, code: str):
    return [v for v in lint_text(src, LintSettings.make(select=[code])).violations if v.code == code]


def fixed(src: str, code: str) -> tuple[str, str]:
    """(applicability, text) after applying the one finding's fix; the result parses cleanly."""
    (v,) = findings(src, code)
    assert v.fix is not None, f"{code} offered no fix"
    out = apply_edits(src, v.fix.edits)
    assert out != src
    assert [e.message for e in parse(out).errors] == [e.message for e in parse(src).errors]
    return v.fix.applicability.value, out


def declined(src: str, code: str) -> bool:
    """Flagged, and no finding has a fix."""
    vs = findings(src, code)
    assert vs, f"{code} did not flag the source"
    return all(v.fix is None for v in vs)


def run_argvs(text: str) -> list[list[str]]:
    return [c.argv for i in parse(text).instructions if i.keyword == "RUN" and i.shell for c in i.shell.commands]

"""Quick fixes found in the server's analysis, in process: diagnostics are
published without ``data``, so a code action request's diagnostic is matched
by code and range against the findings of the current version."""
from __future__ import annotations

import dataclasses

from lsprotocol import types
from pygls.workspace import TextDocument

from dockwise.lsp import actions
from dockwise.lsp import server as lsp_server
from dockwise.lsp.convert import PositionConverter
from dockwise.rules._api import Applicability, Fix

TEXT = "FROM debian:12\nRUN apt-get install --no-install-recommends curl=8.1\nMAINTAINER me\n"
URI = "file:///w/Dockerfile"


def _ctx(monkeypatch, text: str = TEXT):
    ls = lsp_server.DockwiseServer()
    doc = TextDocument(URI, text, version=1)
    monkeypatch.setattr(ls.documents, "_open_document", lambda u: doc if u == URI else None)
    c = actions._context(ls, URI)
    assert c is not None
    return c


def _diag(c, code: str) -> types.Diagnostic:
    (d,) = [d for d in c.st.diagnostics if d.code == code]
    assert d.data is None  # nothing but what the editor shows
    return d


def test_finding_by_code_and_range(monkeypatch):
    c = _ctx(monkeypatch)
    d = _diag(c, "DL3014")
    v = c.finding("DL3014", d.range)
    assert v is not None and v.code == "DL3014" and v.fix is not None
    assert c.finding("DL4000", d.range) is None  # same place, other code
    other_line = types.Range(start=types.Position(0, d.range.start.character), end=types.Position(0, 30))
    assert c.finding("DL3014", other_line) is None  # same code, other line


def test_a_range_in_bytes_finds_the_nearest_finding_on_its_line(monkeypatch):
    """Neovim 0.7 sends back byte columns for a non-ASCII line: the finding with
    that code on that line whose columns are nearest."""
    text = 'FROM debian:12\nRUN echo "é" && apt-get install -y curl wget\n'
    c = _ctx(monkeypatch, text)
    ds = sorted((d for d in c.st.diagnostics if d.code == "DL3008"), key=lambda d: d.range.start.character)
    assert len(ds) == 2  # curl and wget, on the same line
    for d in ds:
        b = types.Range(start=types.Position(d.range.start.line, d.range.start.character + 1),
                        end=types.Position(d.range.end.line, d.range.end.character + 1))  # é is 2 bytes
        v = c.finding("DL3008", b)
        assert v is not None and c.conv.range(v.span) == d.range


def test_quick_fixes_of_bare_diagnostics(monkeypatch):
    c = _ctx(monkeypatch)
    acts = actions._quick_fixes(c, [_diag(c, "DL3014"), _diag(c, "DL4000")])
    titles = [a.title for a in acts]
    assert titles[:2] == ["Add -y", "Replace MAINTAINER with LABEL maintainer=…"]
    assert "Ignore DL3014 for this line" in titles and "Ignore DL4000 for this file" in titles
    fix = [a for a in acts if a.title == "Add -y"][0]
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix


def test_display_only_fix_is_not_offered_and_unsafe_says_so(monkeypatch):
    c = _ctx(monkeypatch)
    d = _diag(c, "DL3014")
    i = next(k for k, v in enumerate(c.st.violations) if v.code == "DL3014")
    v = c.st.violations[i]
    assert v.fix is not None
    for app, want in ((Applicability.DISPLAY_ONLY, None), (Applicability.UNSAFE, "Add -y (unsafe)")):
        c.st.violations[i] = dataclasses.replace(v, fix=Fix(v.fix.title, v.fix.edits, app))
        c._findings = None
        titles = [a.title for a in actions._quick_fixes(c, [d])]
        assert ("Add -y" in titles) is False
        assert (want in titles) if want else not any(t.startswith("Add -y") for t in titles)
        assert "Ignore DL3014 for this line" in titles


def test_many_diagnostics_are_looked_up_once(monkeypatch):
    """A fix-all style request with every diagnostic of a long file: the
    findings are indexed once per request, not scanned per diagnostic."""
    text = "FROM debian:12\n" + "RUN apt-get install --no-install-recommends curl=8.1\n" * 300
    c = _ctx(monkeypatch, text)
    calls = []
    real = PositionConverter.range
    monkeypatch.setattr(PositionConverter, "range", lambda self, sp: calls.append(1) or real(self, sp))
    ds = [d for d in c.st.diagnostics if d.code == "DL3014"]
    assert len(ds) == 300
    acts = actions._quick_fixes(c, ds)
    assert sum(a.title == "Add -y" for a in acts) == 300
    # one range conversion per finding for the index, then per diagnostic its fix's edit and the
    # two ignore actions' edits (a scan per diagnostic would be ~300 × 599 / 2 conversions)
    assert len(calls) <= len(c.st.violations) + 3 * len(ds)

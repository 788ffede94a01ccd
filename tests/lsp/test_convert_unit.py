"""dockwise.lsp.convert (positions, diagnostics, fix payloads) and the
server's analysis cache, in process."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import FeatureNotificationError
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from dockwise.lsp import boot
from dockwise.lsp import documents as lsp_documents
from dockwise.lsp import server as lsp_server
from dockwise.lsp.documents import DocState, DocumentEntry
from dockwise.lint.engine import Violation
from dockwise.lsp.convert import (
    PositionConverter,
    diagnostic_tags,
    fix_text_edits,
    severity,
    to_diagnostic,
)
from dockwise.syntax.model import Pos, Span
from dockwise.rules._api import Edit, Fix, Severity

LINES = ["FROM ubuntu", 'LABEL a="é😀" b=1', "", "RUN x"]
COL_B = LINES[1].index("b")  # 13 code points


@pytest.mark.parametrize(
    "codec,expected",
    [
        (None, 14),  # UTF-16 default: 😀 is 2 units
        (PositionCodec(types.PositionEncodingKind.Utf16), 14),
        (PositionCodec(types.PositionEncodingKind.Utf8), 17),  # é 2 bytes, 😀 4
        (PositionCodec(types.PositionEncodingKind.Utf32), 13),
        ("utf-8", 17),
        ("utf-32", 13),
    ],
)
def test_position_after_astral(codec, expected):
    conv = PositionConverter(LINES, codec)
    assert conv.position(Pos(1, COL_B)) == types.Position(line=1, character=expected)
    assert conv.pos(types.Position(line=1, character=expected)) == Pos(1, COL_B)
    # ASCII lines are unchanged in every encoding
    assert conv.position(Pos(0, 5)) == types.Position(line=0, character=5)


def test_clamping():
    conv = PositionConverter(LINES, "utf-16")
    assert conv.position(Pos(0, 99)) == types.Position(line=0, character=11)
    assert conv.position(Pos(-1, 3)) == types.Position(line=0, character=0)
    assert conv.position(Pos(4, 0)) == types.Position(line=4, character=0)  # just past the end
    assert conv.pos(types.Position(line=0, character=99)) == Pos(0, 11)
    assert conv.pos(types.Position(line=1, character=99)) == Pos(1, len(LINES[1]))
    assert conv.pos(types.Position(line=9, character=3)) == Pos(9, 0)
    # a position inside a surrogate pair snaps to the character after it
    emoji = LINES[1].index("😀")
    assert conv.pos(types.Position(line=1, character=emoji + 1)) == Pos(1, emoji + 1)


def test_range_and_span_round_trip():
    conv = PositionConverter(LINES, "utf-8")
    span = Span(Pos(1, 6), Pos(1, COL_B + 3))
    r = conv.range(span)
    assert r == types.Range(start=types.Position(1, 6), end=types.Position(1, 20))
    assert conv.span(r) == span


def test_lone_surrogates_do_not_crash():
    conv = PositionConverter(["a\ud800b"], "utf-8")
    assert conv.position(Pos(0, 3)).character >= 3
    conv = PositionConverter(["a\ud800b"], "utf-16")
    assert conv.position(Pos(0, 3)).character == 3


_BASE_VIOLATION = Violation(
    code="DL4000",
    name="maintainer-deprecated",
    severity=Severity.ERROR,
    message="MAINTAINER is deprecated",
    span=Span(Pos(1, 0), Pos(1, len(LINES[1]))),
    fix=None,
    related=(),
    url="https://example.invalid/dl4000",
)


def _violation(**kw: Any) -> Violation:
    return dataclasses.replace(_BASE_VIOLATION, **kw)


def test_to_diagnostic_and_its_fix_in_client_units():
    fix = Fix.safe("Replace", Edit(Span(Pos(1, COL_B), Pos(1, COL_B + 3)), "c=2"))
    v = _violation(fix=fix)
    conv = PositionConverter(LINES, "utf-16")
    d = to_diagnostic(v, conv, uri="file:///x")
    assert d.range == types.Range(start=types.Position(1, 0), end=types.Position(1, len(LINES[1]) + 1))
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.code == "DL4000" and d.source == "dockwise"
    assert d.code_description is not None
    assert d.code_description.href == "https://example.invalid/dl4000"
    assert d.tags == [types.DiagnosticTag.Deprecated]
    # the fix is not carried in the diagnostic (code actions find it in the analysis)
    assert d.data is None
    (edit,) = fix_text_edits(fix, conv)
    assert edit == types.TextEdit(range=types.Range(types.Position(1, 14), types.Position(1, 17)), new_text="c=2")


def test_to_diagnostic_plain():
    v = _violation(code="DL3006", severity=Severity.STYLE, url="", related=((Span(Pos(0, 0), Pos(0, 4)), "here"),))
    conv = PositionConverter(LINES, "utf-16")
    d = to_diagnostic(v, conv, uri="file:///x")
    assert d.severity == types.DiagnosticSeverity.Hint
    assert d.code_description is None
    assert d.tags is None
    assert d.data is None
    assert d.related_information is not None
    (rel,) = d.related_information
    assert rel.location == types.Location(uri="file:///x", range=types.Range(types.Position(0, 0), types.Position(0, 4)))
    assert to_diagnostic(v, conv, uri="file:///x", related_information=False).related_information is None


def test_severity_mapping():
    assert [severity(s) for s in Severity] == [
        types.DiagnosticSeverity.Error,
        types.DiagnosticSeverity.Warning,
        types.DiagnosticSeverity.Information,
        types.DiagnosticSeverity.Hint,
    ]


# -- the server's cache ------------------------------------------------------------------------


def _server_with(text: str, version: int = 1, uri: str = "file:///w/Dockerfile"):
    ls = lsp_server.DockwiseServer()
    doc = TextDocument(uri, text, version=version)
    return ls, doc, uri


def _state(ls: lsp_server.DockwiseServer, uri: str) -> DocState:
    """The server's analysis of the open document ``uri``."""
    st = ls.documents.state(uri)
    assert st is not None, f"{uri} is not open"
    return st


def test_model_parsed_once_per_version(monkeypatch):
    import dockwise.syntax.parser

    calls = []
    real = dockwise.syntax.parser.parse

    def counting(text, path=None, **kw):
        calls.append(text)
        return real(text, path=path, **kw)

    monkeypatch.setattr(dockwise.syntax.parser, "parse", counting)
    ls, doc, uri = _server_with("FROM ubuntu\nMAINTAINER x\n")
    monkeypatch.setattr(ls.documents, "_open_document", lambda u: doc)
    st = _state(ls, uri)
    assert [v.code for v in st.violations] == ["DL3006", "DL4000"]
    assert _state(ls, uri) is st
    # a settings change re-lints the same model without parsing again
    ls.config.init_payload = {"ignore": ["DL3006"]}
    ls.config.apply_settings("test", resync=False)
    st2 = _state(ls, uri)
    assert st2.model is st.model and [v.code for v in st2.violations] == ["DL4000"]
    assert st2.result_id != st.result_id
    # a new version parses again
    doc.version = 2
    st3 = _state(ls, uri)
    assert st3.version == 2 and st3.model is not st.model
    assert len(calls) == 2


def test_analysis_failure_becomes_one_diagnostic(monkeypatch):
    import dockwise.syntax.parser

    def boom(text, path=None, **kw):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(dockwise.syntax.parser, "parse", boom)
    ls, doc, uri = _server_with("FROM ubuntu\n")
    st = ls.documents.analyse(uri, doc, DocumentEntry(), None)
    (d,) = st.diagnostics
    assert d.code == "DW999" and d.severity == types.DiagnosticSeverity.Error
    assert "parser exploded" in d.message and st.error


def test_too_many_problems_are_capped(monkeypatch):
    ls, doc, uri = _server_with("FROM ubuntu\n" + "MAINTAINER x\n" * (lsp_server.MAX_DIAGNOSTICS + 5))
    st = ls.documents.analyse(uri, doc, DocumentEntry(), None)
    assert len(st.violations) > lsp_server.MAX_DIAGNOSTICS
    assert len(st.diagnostics) == lsp_server.MAX_DIAGNOSTICS + 1
    assert "more problems not shown" in st.diagnostics[-1].message


def test_report_server_error_does_not_show_message(monkeypatch):
    ls = lsp_server.DockwiseServer()
    shown = []
    monkeypatch.setattr(ls, "window_show_message", lambda *a, **k: shown.append(a))
    ls.report_server_error(RuntimeError("x"), lsp_server.FeatureRequestError)
    ls.report_server_error(RuntimeError("y"), FeatureNotificationError)
    assert shown == []


@pytest.mark.parametrize(
    "tcp,expected",
    [("127.0.0.1:2087", ("127.0.0.1", 2087)), ("2087", ("127.0.0.1", 2087)), (":9", ("127.0.0.1", 9)),
     ("[::1]:5", ("::1", 5)), (("localhost", 7), ("localhost", 7))],
)
def test_parse_tcp(tcp, expected):
    assert boot._parse_tcp(tcp) == expected


def test_only_recent_analyses_are_kept(monkeypatch):
    """Opening a whole workspace keeps at most MAX_ANALYSED_DOCUMENTS models;
    an evicted document is analysed again, with the same result, on demand."""
    monkeypatch.setattr(lsp_documents, "MAX_ANALYSED_DOCUMENTS", 3)
    ls = lsp_server.DockwiseServer()
    docs = {f"file:///w/{i}/Dockerfile": TextDocument(f"file:///w/{i}/Dockerfile", "FROM ubuntu\n", version=1)
            for i in range(5)}
    monkeypatch.setattr(ls.documents, "_open_document", lambda u: docs.get(u))
    first = {u: _state(ls, u) for u in docs}
    assert len(ls.documents.analysed()) == 3 and ls.documents.analysed() == list(docs)[2:]
    again = _state(ls, "file:///w/0/Dockerfile")
    assert again is not first["file:///w/0/Dockerfile"]
    assert [v.code for v in again.violations] == [v.code for v in first["file:///w/0/Dockerfile"].violations] == ["DL3006"]
    assert "file:///w/1/Dockerfile" not in ls.documents.analysed() and len(ls.documents.analysed()) == 3


# -- diagnostics moved with their lines (Enter) ----------------------------------------------


def _json_of(texts) -> list:
    import json

    return [json.loads(t) for t in texts]


ENTER_DOC = (
    "# syntax=docker/dockerfile:1\nARG BASE=debian:12-slim\nARG V=1\n"
    + "".join(
        f"FROM ${{BASE}} AS s{i}\nENV A{i}=1\nRUN apt-get update \\\n    && apt-get install -y curl\n"
        f"RUN echo {i} && cd /x\nCOPY . /app{i}\nWORKDIR app{i}\nRUN pip install -r requirements.txt\nmaintainer x\n"
        f"FROM s{i} AS t{i}\nRUN echo $V \u00e9\u00e9 && apt-get install -y jq\n"
        for i in range(6)
    )
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_diagnostics_moved_with_their_lines_equal_fresh_ones(encoding):
    """Lines inserted and deleted above stages (Enter, Backspace on an empty line):
    the diagnostics the server moves instead of converting again, JSON included,
    equal those of a fresh analysis of each version."""
    import random

    from dockwise.lint.engine import LintCache, lint_model
    from dockwise.lsp.convert import DiagnosticCache, PositionConverter
    from dockwise.syntax.parser import parse

    rng = random.Random(7)
    lines = ENTER_DOC.split("\n")
    prev = parse(ENTER_DOC)
    lint_cache, diag_cache = LintCache(), DiagnosticCache()
    diag_cache.convert(lint_model(prev, cache=lint_cache), PositionConverter(prev.lines, encoding),
                       uri="file:///d/Dockerfile", moved_from=lint_cache.moved_from)
    moved_any = False
    for version in range(2, 40):
        at = rng.randrange(len(lines))
        if rng.random() < 0.7 or lines[at] != "":
            lines.insert(at, "")
        else:
            del lines[at]
        text = "\n".join(lines)
        model = parse(text, previous=prev)
        got = diag_cache.convert(lint_model(model, cache=lint_cache), PositionConverter(model.lines, encoding),
                                 uri="file:///d/Dockerfile", moved_from=lint_cache.moved_from)
        moved_any = moved_any or bool(lint_cache.moved)
        fresh = parse(text)
        want = DiagnosticCache().convert(lint_model(fresh), PositionConverter(fresh.lines, encoding),
                                         uri="file:///d/Dockerfile")
        assert got == want, text  # the JSON texts, byte for byte
        assert _json_of(got) == _json_of(want), text
        prev = model
    assert moved_any  # the path under test was taken


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_a_diagnostic_repeated_down_the_file_is_converted_once_and_each_copy_is_right(encoding, monkeypatch):
    """A stage repeated down a file (the same lines, the same findings): the first
    conversion makes one JSON template per distinct diagnostic and writes each copy
    with its own line numbers, equal to converting each alone."""
    from dockwise.lint.engine import lint_model
    from dockwise.lsp import convert
    from dockwise.syntax.parser import parse

    stage = ("FROM debian:12 AS s{k}\nRUN apt-get update && apt-get install -y curl  # é😀\n"
             "COPY . /app\nRUN pip install -r requirements.txt\nmaintainer x\n")
    text = "".join(stage.format(k=k) for k in range(12))
    model = parse(text)
    violations = lint_model(model)
    conv = convert.PositionConverter(model.lines, encoding)
    uri = "file:///d/Dockerfile"
    want = [convert.diagnostic_json(v, conv, uri=uri).text(v.span.start.line) for v in violations]
    made = []
    real = convert.diagnostic_json

    def counting(v, *args, **kw):
        made.append(v)
        return real(v, *args, **kw)

    monkeypatch.setattr(convert, "diagnostic_json", counting)
    got = convert.DiagnosticCache().convert(violations, conv, uri=uri)
    assert got == want  # byte for byte, each at its own lines
    assert len(violations) >= 60
    assert len(made) <= len(violations) // 4, (len(made), len(violations))


# -- the diagnostics' JSON, written directly ---------------------------------------------------


def _corpus_sample(every: int = 25) -> list[str]:
    from corpus_util import corpus_dir, corpus_files

    root = corpus_dir()
    if root is None:
        from need import missing

        missing("the corpus ../shared/corpus/real", "corpus ../shared/corpus/real not found (set DOCKWISE_CORPUS)")
    return [p.read_text(encoding="utf-8", errors="surrogateescape") for p in corpus_files(root)[::every]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_diagnostic_json_is_what_lsprotocol_would_send(encoding):
    """The JSON written by hand for each finding (every 25th corpus file, the
    benchmark's document, astral characters, related information) equals
    lsprotocol's serialisation of the same diagnostic, byte for byte, and
    moving it some lines changes only its line numbers."""
    import importlib
    import json
    import sys

    from lsprotocol import converters

    from dockwise.lint.engine import lint_model, moved_violation
    from dockwise.lsp.convert import diagnostic_json
    from dockwise.syntax.parser import parse

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "shared" / "bench"))
    editlat = importlib.import_module("editlat")

    unstructure = converters.get_converter().unstructure
    texts = _corpus_sample() + [editlat.document(), ASTRAL_DOC, ENTER_DOC]
    seen = {"related": 0, "tags": 0, "url": 0, "astral": 0}
    for text in texts:
        model = parse(text)
        conv = PositionConverter(model.lines, encoding)
        for v in lint_model(model):
            for related in (True, False):
                want = json.dumps(unstructure(to_diagnostic(v, conv, uri="file:///w/Dockerfile",
                                                             related_information=related)))
                tpl = diagnostic_json(v, conv, uri="file:///w/Dockerfile", related_information=related)
                assert tpl.text(v.span.start.line) == want, (v, text[:200])
            seen["related"] += bool(v.related)
            seen["tags"] += bool(diagnostic_tags(v.code))
            seen["url"] += bool(v.url)
            seen["astral"] += not all(model.lines[i].isascii() for i in range(v.span.start.line,
                                                                                min(v.span.end.line + 1, len(model.lines))))
            # moved 3 lines down over the same text: only the line numbers change
            tpl = diagnostic_json(v, conv, uri="file:///w/Dockerfile")
            lines = [""] * 3 + list(model.lines)
            moved = moved_violation(v, 3, 0)
            want = json.dumps(unstructure(to_diagnostic(moved, PositionConverter(lines, encoding),
                                                        uri="file:///w/Dockerfile")))
            assert tpl.text(v.span.start.line + 3) == want
    assert all(n > 0 for n in seen.values()), seen  # every branch was exercised


ASTRAL_DOC = 'FROM --platform=😀 ubuntu AS é😀\nMAINTAINER é😀 y\nRUN echo "😀" && apt-get install curl\n'

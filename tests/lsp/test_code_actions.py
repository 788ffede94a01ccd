"""Code actions against the real server: every test applies the returned
workspace edit to the text (as the editor would) and checks the result.

Personas: ``vscode`` (resolves ``edit``, versioned ``documentChanges``,
UTF-16), ``nvim-0.7`` (resolves ``edit``, plain ``changes``, UTF-16) and
``plain-u8`` (VS Code's capabilities without resolve support or
``documentChanges``, UTF-8 positions: edits must come eagerly).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Callable, Sequence

import pytest
import pytest_lsp
from lsp_helpers import (
    DockwiseClient,
    PERSONAS,
    TIMEOUT,
    Persona,
    change_doc,
    client_config,
    codes,
    end_session,
    new_uri,
    open_doc,
    rng,
    start_session,
    wait_publish,
)
from lsprotocol import types
from pytest_lsp import client_capabilities

from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import apply_edits, fix_text
from dockwise.syntax.model import Dockerfile
from dockwise.syntax.parser import parse

pytestmark = pytest.mark.asyncio(loop_scope="module")

INIT = {"debounceMs": 0, "images": {"online": False}}
QUICKFIX = types.CodeActionKind.QuickFix.value
REWRITE = types.CodeActionKind.RefactorRewrite.value


def kind(a: types.CodeAction) -> str:
    return str(getattr(a.kind, "value", a.kind))


@dataclass(frozen=True)
class _Custom(Persona):
    make: Callable[[], types.ClientCapabilities] | None = None

    def capabilities(self) -> types.ClientCapabilities:
        assert self.make is not None, f"persona {self.name} without capabilities"
        return self.make()


def _plain_u8() -> types.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    td, ws = caps.text_document, caps.workspace
    assert td is not None and td.code_action is not None, "VS Code advertises code actions"
    assert ws is not None and ws.workspace_edit is not None, "VS Code advertises workspace edits"
    td.code_action.resolve_support = None
    ws.workspace_edit.document_changes = None
    caps.general = types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf8])
    return caps


CA_PERSONAS = {
    "vscode": PERSONAS["vscode"],
    "nvim-0.7": PERSONAS["nvim-0.7"],
    "plain-u8": _Custom("plain-u8", "utf-8", pulls=False, configuration=True, make=_plain_u8),
}


@pytest_lsp.fixture(scope="module", params=list(CA_PERSONAS), config=client_config())
async def client(lsp_client: DockwiseClient, request):
    await start_session(lsp_client, CA_PERSONAS[request.param], INIT)
    yield
    await end_session(lsp_client)


# -- applying a workspace edit as an editor does -------------------------------------------


def _units(ch: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    return 1


def _offset(text: str, pos: types.Position, encoding: str) -> int:
    lines = text.split("\n")
    if pos.line >= len(lines):
        return len(text)
    off = sum(len(line) + 1 for line in lines[: pos.line])
    units = 0
    for i, ch in enumerate(lines[pos.line]):
        if units >= pos.character:
            return off + i
        units += _units(ch, encoding)
    assert units >= pos.character, f"position {pos} is past the end of line {pos.line}"
    return off + len(lines[pos.line])


def apply_workspace_edit(client: DockwiseClient, text: str, edit: types.WorkspaceEdit | None, uri: str,
                         version: int | None = None) -> str:
    """Apply ``edit`` (for ``uri``) to ``text``; check the form the persona may receive."""
    assert edit is not None, "a code action without an edit"
    ws = _persona_caps(client).workspace
    we = ws.workspace_edit if ws else None
    versioned = bool(we and we.document_changes)
    edits: Sequence[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit]
    if versioned:
        assert edit.changes is None and edit.document_changes is not None
        (tde,) = edit.document_changes
        assert isinstance(tde, types.TextDocumentEdit), f"a file operation instead of a text edit: {tde}"
        assert tde.text_document.uri == uri
        if version is not None:
            assert tde.text_document.version == version
        edits = tde.edits
    else:
        assert edit.document_changes is None and edit.changes is not None
        assert set(edit.changes) <= {uri}
        edits = edit.changes.get(uri, [])
    enc = client.persona.encoding
    plain = [e for e in edits if not isinstance(e, types.SnippetTextEdit)]
    assert len(plain) == len(edits), "snippet edits were never advertised"
    spans = sorted(((_offset(text, e.range.start, enc), _offset(text, e.range.end, enc), e.new_text) for e in plain),
                   reverse=True)
    for (a, b, _), (_, b2, _) in zip(spans, spans[1:]):
        assert b2 <= a, "overlapping edits"
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


def _persona_caps(client) -> types.ClientCapabilities:
    return client.persona.capabilities()


def resolves(client) -> bool:
    td = _persona_caps(client).text_document
    ca = td.code_action if td else None
    rs = ca.resolve_support if ca else None
    return rs is not None and "edit" in rs.properties


# -- requests ----------------------------------------------------------------------------------


async def open_and_wait(client, text: str, version: int = 1) -> tuple[str, list[types.Diagnostic]]:
    uri = new_uri()
    open_doc(client, uri, text, version)
    pub = await wait_publish(client, uri, version)
    return uri, list(pub.diagnostics)


async def code_actions(client, uri, range_, diagnostics=(), only=None) -> list[types.CodeAction]:
    res = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=range_,
        context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
    )), TIMEOUT)
    return list(res or [])


async def resolved(client, action: types.CodeAction) -> types.CodeAction:
    if action.edit is None:
        assert resolves(client), "an action without edit for a client that cannot resolve"
        action = await asyncio.wait_for(client.code_action_resolve_async(action), TIMEOUT)
    assert action.edit is not None
    return action


def diag(diags, code) -> types.Diagnostic:
    found = [d for d in diags if d.code == code]
    assert found, f"no {code} among {[d.code for d in diags]}"
    return found[0]


def run_argvs(df: Dockerfile) -> list[list[str]]:
    """The argv of every command of every (shell-form) RUN."""
    argvs = []
    for i in df.instructions:
        if i.keyword == "RUN":
            assert i.shell is not None, f"RUN without a shell form on line {i.start_line}"
            argvs += [c.argv for c in i.shell.commands]
    return argvs


def lint_codes(text: str) -> list[str]:
    return [v.code for v in lint_text(text).violations]


def engine_fix(text: str, code: str) -> tuple[str, str]:
    """What the engine's own fix for ``code`` makes of ``text``, and its applicability."""
    (v,) = [v for v in lint_text(text, LintSettings.make(select=[code])).violations if v.code == code]
    assert v.fix is not None, code
    return apply_edits(text, v.fix.edits), v.fix.applicability.value


# -- quick fixes for every fixable rule ------------------------------------------------------

FIXABLE = {
    "DL3059": "FROM debian:12\nRUN apt-get update\nRUN echo hi\n",
    "DL3009": "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=8.1\n",
    "DL3014": "FROM debian:12\nRUN apt-get install --no-install-recommends curl=8.1\n",
    "DL3015": "FROM debian:12\nRUN apt-get install -y curl=8.1\n",
    "DL3019": "FROM alpine:3.20\nRUN apk add curl=8.9\n",
    "DL3020": "FROM alpine:3.20\nADD a.txt /a.txt\n",
    "DL3025": "FROM alpine:3.20\nCMD echo hi\n",
    "DL3032": "FROM centos:7\nRUN yum install -y curl-7.29.0\n",
    "DL3036": "FROM opensuse/leap:15\nRUN zypper install -y curl=8.1\n",
    "DL3040": "FROM fedora:40\nRUN dnf install -y curl-8.6.0\n",
    "DL3042": "FROM python:3.12-slim\nRUN pip install requests==2.32.3\n",
    "DL3060": "FROM node:22-slim\nRUN yarn install\n",
    "DL4000": "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n",
    "DW001": "FROM python:3.12\nRUN echo\n",
    "DW002": "FROM debian:12\nRUN apt-get update\n"
             "RUN apt-get install -y --no-install-recommends curl=8.1 && rm -rf /var/lib/apt/lists/*\n",
    "DW011": "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=8.1\n"
             "RUN rm -rf /var/lib/apt/lists/*\n",
    "DW004": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n",
    "DL3006": "FROM ubuntu\nRUN echo\n",
    "DL3007": "FROM ubuntu:latest\nRUN echo\n",
    "DW102": "FROM alpine:3.20 AS Builder\nRUN true\n",
    "DW103": "FROM alpine:3.20 as builder\nRUN true\n",
    "DW104": "FROM alpine:3.20\nRUN true\ncopy a.txt /a.txt\n",
    # BuildKit flags the default form too; hadolint's DL3065 (which DW115 defers to) does not
    "DW115": "FROM --platform=${TARGETPLATFORM:-linux/amd64} alpine:3.20\nRUN true\n",
    "DW121": "FROM alpine:3.20\nEXPOSE 80/TCP\n",
    "DW133": "FROM alpine:3.20\nARG --required TOKEN\nRUN echo \"$TOKEN\"\n",
}


async def test_every_fixable_rule_has_an_editor_case():
    from dockwise import rules

    fixable = {r.meta.code for r in rules.ALL_RULES if r.meta.fixable}
    assert fixable == set(FIXABLE)


@pytest.mark.parametrize("code", list(FIXABLE))
async def test_quick_fix_for_each_fixable_rule(client: DockwiseClient, code: str):
    text = FIXABLE[code]
    want, applicability = engine_fix(text, code)
    uri, diags = await open_and_wait(client, text)
    d = diag(diags, code)
    acts = await code_actions(client, uri, d.range, [d], only=[QUICKFIX])
    fixes = [a for a in acts if not a.title.startswith("Ignore ")]
    assert len(fixes) == 1, [a.title for a in acts]
    (a,) = fixes
    assert kind(a) == QUICKFIX and a.diagnostics is not None and list(a.diagnostics) == [d]
    assert a.title.endswith("(unsafe)") == (applicability == "unsafe")
    assert bool(a.is_preferred) == (applicability == "safe")
    got = apply_workspace_edit(client, text, a.edit, uri, version=1)
    assert got == want
    assert code not in lint_codes(got)


async def test_expected_texts_of_some_fixes(client: DockwiseClient):
    """Readable spot checks of what a user gets."""
    cases = [
        ("DL3014", "RUN apt-get install -y --no-install-recommends curl=8.1"),
        ("DL4000", 'LABEL maintainer="Jane Doe <jane@example.com>"'),
        ("DL3020", "COPY a.txt /a.txt"),
        ("DL3019", "RUN apk add --no-cache curl=8.9"),
    ]
    for code, line in cases:
        text = FIXABLE[code]
        uri, diags = await open_and_wait(client, text)
        d = diag(diags, code)
        (a,) = [a for a in await code_actions(client, uri, d.range, [d], only=[QUICKFIX])
                if not a.title.startswith("Ignore ")]
        assert apply_workspace_edit(client, text, a.edit, uri).splitlines()[1] == line


async def test_quick_fix_positions_after_an_emoji(client: DockwiseClient):
    text = 'FROM debian:12\nRUN echo "🐳 é" && apt-get install --no-install-recommends curl=8.1\n'
    want, _ = engine_fix(text, "DL3014")
    uri, diags = await open_and_wait(client, text)
    d = diag(diags, "DL3014")
    (a,) = [a for a in await code_actions(client, uri, d.range, [d]) if a.title == "Add -y"]
    assert apply_workspace_edit(client, text, a.edit, uri) == want


async def test_crlf_document_gets_crlf_line_breaks(client: DockwiseClient):
    text = "FROM debian:12\r\nRUN apt-get update\r\nRUN echo hi\r\n"
    uri, diags = await open_and_wait(client, text)
    d = diag(diags, "DL3059")
    (a,) = [a for a in await code_actions(client, uri, d.range, [d]) if a.title.startswith("Chain")]
    got = apply_workspace_edit(client, text, a.edit, uri)
    assert got == "FROM debian:12\r\nRUN apt-get update && \\\r\n    echo hi\r\n"


async def test_diagnostics_of_other_sources_get_no_actions(client: DockwiseClient):
    text = FIXABLE["DL3014"]
    uri, diags = await open_and_wait(client, text)
    d = diag(diags, "DL3014")
    assert d.data is None  # a publish carries what the editor shows; fixes come from here
    titles = [a.title for a in await code_actions(client, uri, d.range, [d])]
    assert "Add -y" in titles and "Ignore DL3014 for this line" in titles
    other = types.Diagnostic(range=d.range, message="x", source="someone-else", code="DL3014")
    assert await code_actions(client, uri, d.range, [other], only=[QUICKFIX]) == []


# -- diagnostics as clients send them back ------------------------------------------------------------


async def test_fixes_come_from_the_cached_lint_for_bare_diagnostics(client: DockwiseClient):
    text = "FROM debian:12\nRUN apt-get install --no-install-recommends curl=8.1\nMAINTAINER me\n"
    uri, diags = await open_and_wait(client, text)
    stripped = [types.Diagnostic(range=d.range, message=d.message, source=d.source, code=d.code) for d in diags]
    acts = await code_actions(client, uri, rng(0, 0, 3, 0), stripped, only=[QUICKFIX])
    titles = [a.title for a in acts]
    assert "Add -y" in titles and 'Replace MAINTAINER with LABEL maintainer=…' in titles
    assert "Ignore DL3014 for this line" in titles and "Ignore DL4000 for this file" in titles
    (a,) = [a for a in acts if a.title == "Add -y"]
    assert apply_workspace_edit(client, text, a.edit, uri, version=1) == engine_fix(text, "DL3014")[0]


async def test_stale_diagnostic_uses_the_current_lint(client: DockwiseClient):
    text = "FROM debian:12\nRUN apt-get install --no-install-recommends curl=8.1\n"
    uri, diags = await open_and_wait(client, text)
    old = diag(diags, "DL3014")
    # insert a line above: the finding moves to line 2, version 2
    change_doc(client, uri, 2, rng(1, 0, 1, 0), "ENV A=1\n")
    pub = await wait_publish(client, uri, 2)
    text2 = "FROM debian:12\nENV A=1\nRUN apt-get install --no-install-recommends curl=8.1\n"
    # the old diagnostic (old range) no longer matches anything: no edit for the wrong place
    assert await code_actions(client, uri, old.range, [old], only=[QUICKFIX]) == []
    # a client's own data is not trusted: with the new range the fix comes from the current lint, for version 2
    new = diag(pub.diagnostics, "DL3014")
    forged = {"rule": "DL3014", "version": 2, "fix": {"title": "Add -y", "applicability": "safe", "edits": [
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "newText": "evil"}]}}
    moved = types.Diagnostic(range=new.range, message=old.message, source=old.source, code=old.code, data=forged)
    (a,) = [a for a in await code_actions(client, uri, new.range, [moved]) if a.title == "Add -y"]
    assert apply_workspace_edit(client, text2, a.edit, uri, version=2) == engine_fix(text2, "DL3014")[0]


# -- ignore actions ---------------------------------------------------------------------------


IGNORE_DOC = (
    "# syntax=docker/dockerfile:1\n"
    "FROM debian:12\n"
    "RUN apt-get update\n"
    "    # hadolint ignore=DL3008\n"
    "    RUN apt-get install -y curl\n"
    "  RUN apt-get install -y --no-install-recommends wget=1.21\n"
)


@pytest.mark.parametrize("code,line,scope", [
    ("DL3015", 4, "line"), ("DL3059", 5, "line"), ("DW002", 2, "line"), ("DL3059", 5, "file"), ("DW002", 2, "file"),
])
async def test_ignore_actions_silence_the_finding(client: DockwiseClient, code: str, line: int, scope: str):
    text = IGNORE_DOC
    uri, diags = await open_and_wait(client, text)
    (d,) = [d for d in diags if d.code == code and d.range.start.line == line]
    title = f"Ignore {code} for this {scope}"
    (a,) = [a for a in await code_actions(client, uri, d.range, [d]) if a.title == title]
    assert kind(a) == QUICKFIX and not a.is_preferred
    got = apply_workspace_edit(client, text, a.edit, uri)
    before, after = lint_codes(text), lint_codes(got)
    # exactly the finding goes (all of its code for the file); nothing else changes, no DW101
    want = [c for c in before if c != code] if scope == "file" else before[:]
    if scope == "line":
        want.remove(code)
    assert sorted(after) == sorted(want), (got, after)
    lines = got.splitlines()
    if scope == "file":
        assert lines[0] == "# syntax=docker/dockerfile:1"  # parser directives stay on top
        assert lines[1] == ("# hadolint global ignore=" if code.startswith("DL") else "# dockwise: global ignore=") + code
    elif code == "DL3015":  # added to the hadolint pragma right above
        assert lines[3] == "    # hadolint ignore=DL3008,DL3015"
    elif code == "DL3059":  # a new pragma line, indented like the instruction
        assert lines[5:7] == ["  # hadolint ignore=DL3059", IGNORE_DOC.splitlines()[5]]
    else:
        assert lines[2] == "# dockwise: ignore=DW002"
    # the server agrees once the editor sends the change
    change_doc(client, uri, 2, rng(0, 0, len(text.splitlines()), 0), got)
    pub = await wait_publish(client, uri, 2)
    assert sorted(codes(pub.diagnostics)) == sorted(after)


# -- refactorings ------------------------------------------------------------------------------


CHAIN_DOC = (
    "FROM debian:12\n"
    "RUN apt-get update\n"
    "# install\n"
    "RUN apt-get install -y --no-install-recommends curl=8.1\n"
    "RUN echo 🐳 done\n"
    "FROM alpine:3.20\n"
    "RUN echo other stage\n"
)


async def test_chain_runs_in_a_selection_even_with_dl3059_off(client: DockwiseClient):
    text = CHAIN_DOC
    uri, _ = await open_and_wait(client, text)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"dockwise": {**INIT, "ignore": ["DL3059"]}}))
    try:
        acts = await code_actions(client, uri, rng(1, 0, 5, 0), only=[REWRITE])
        (a,) = [a for a in acts if a.title == "Chain RUN instructions"]
        assert kind(a) == REWRITE
        got = apply_workspace_edit(client, text, a.edit, uri)
        assert got == (
            "FROM debian:12\n"
            "# install\n"
            "RUN apt-get update && \\\n"
            "    apt-get install -y --no-install-recommends curl=8.1 && \\\n"
            "    echo 🐳 done\n"
            "FROM alpine:3.20\n"
            "RUN echo other stage\n"
        )
        df, orig = parse(got), parse(text)
        assert run_argvs(df) == run_argvs(orig)
        # a single RUN, or RUNs of different stages, offer nothing
        for r in (rng(1, 0, 1, 5), rng(4, 0, 6, 3)):
            assert not [a for a in await code_actions(client, uri, r, only=[REWRITE]) if a.title.startswith("Chain")]
        # a selection inside the emoji line, in the persona's units, still counts that line
        col = 12 if client.persona.encoding == "utf-8" else 10
        acts = await code_actions(client, uri, rng(3, 4, 4, col), only=[REWRITE])
        (a,) = [a for a in acts if a.title == "Chain RUN instructions"]
        assert "apt-get install -y --no-install-recommends curl=8.1 && \\\n    echo 🐳 done" in \
            apply_workspace_edit(client, text, a.edit, uri)
    finally:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"dockwise": INIT}))


async def test_chain_after_cd_is_marked_unsafe(client: DockwiseClient):
    text = "FROM debian:12\nRUN cd /tmp\nRUN make\n"
    uri, _ = await open_and_wait(client, text)
    (a,) = await code_actions(client, uri, rng(1, 0, 2, 8), only=[REWRITE])
    assert a.title == "Chain RUN instructions (unsafe)"
    assert apply_workspace_edit(client, text, a.edit, uri) == "FROM debian:12\nRUN cd /tmp && \\\n    make\n"


CLEANUP_CASES = [
    ("RUN apt-get update && apt-get install -y curl", "RUN apt-get update && apt-get install -y curl \\\n"
                                                      "    && rm -rf /var/lib/apt/lists/*"),
    ("RUN apk add curl", "RUN apk add --no-cache curl"),
    ("RUN yum install -y curl", "RUN yum install -y curl \\\n    && yum clean all"),
    ("RUN dnf install -y curl", "RUN dnf install -y curl \\\n    && dnf clean all"),
    ("RUN zypper install -y curl", "RUN zypper install -y curl \\\n    && zypper clean"),
    ("RUN pip install requests", "RUN pip install --no-cache-dir requests"),
    ("RUN npm install", "RUN npm install \\\n    && npm cache clean --force"),
    ("RUN yarn install", "RUN yarn install \\\n    && yarn cache clean"),
]


@pytest.mark.parametrize("run,want", CLEANUP_CASES, ids=[c[0].split()[1] for c in CLEANUP_CASES])
async def test_add_package_manager_cleanup(client: DockwiseClient, run: str, want: str):
    # a builder stage: DL3009/DL3060 would not even report there, the refactoring still applies
    text = f"FROM debian:12 AS build\n{run}\nFROM scratch\nCOPY --from=build /x /x\n"
    uri, _ = await open_and_wait(client, text)
    acts = await code_actions(client, uri, rng(1, 5, 1, 5), only=[REWRITE])
    (a,) = [a for a in acts if a.title == "Add package-manager cleanup"]
    got = apply_workspace_edit(client, text, a.edit, uri)
    assert got == text.replace(run, want)
    # nothing left to add: not offered again
    uri2, _ = await open_and_wait(client, got)
    assert not [a for a in await code_actions(client, uri2, rng(1, 5, 1, 5), only=[REWRITE])
                if a.title == "Add package-manager cleanup"]


async def test_cache_mount_offered_beside_cleanup(client: DockwiseClient):
    text = "FROM python:3.12\nRUN pip install --no-cache-dir flask\n"
    uri, _ = await open_and_wait(client, text)
    acts = await code_actions(client, uri, rng(1, 5, 1, 5), only=[REWRITE])
    titles = [a.title for a in acts]
    assert "Use a BuildKit cache mount (pip)" in titles
    (a,) = [a for a in acts if a.title == "Use a BuildKit cache mount (pip)"]
    got = apply_workspace_edit(client, text, a.edit, uri)
    assert got == "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n"
    apt = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
    uri2, _ = await open_and_wait(client, apt)
    titles = [a.title for a in await code_actions(client, uri2, rng(1, 5, 1, 5), only=[REWRITE])]
    assert "Add package-manager cleanup" in titles and "Use a BuildKit cache mount (apt) (unsafe)" in titles


async def test_manual_quick_fixes_delete_a_stage_or_an_arg(client: DockwiseClient):
    text = "FROM alpine:3.20 AS old\nRUN true\n\nFROM alpine:3.20\nARG UNUSED=1\nCOPY a /a\n"
    uri, diags = await open_and_wait(client, text)
    d = diag(diags, "DW131")
    (a,) = [a for a in await code_actions(client, uri, d.range, [d], only=[QUICKFIX])
            if not a.title.startswith("Ignore ")]
    assert a.title == "Delete the unreachable stage 'old'" and not a.is_preferred
    assert apply_workspace_edit(client, text, a.edit, uri) == "FROM alpine:3.20\nARG UNUSED=1\nCOPY a /a\n"
    d = diag(diags, "DW130")
    (a,) = [a for a in await code_actions(client, uri, d.range, [d], only=[QUICKFIX])
            if not a.title.startswith("Ignore ")]
    assert a.title == "Delete ARG UNUSED"
    assert apply_workspace_edit(client, text, a.edit, uri) == "FROM alpine:3.20 AS old\nRUN true\n\nFROM alpine:3.20\nCOPY a /a\n"


async def test_no_cleanup_offered_without_an_install(client: DockwiseClient):
    uri, _ = await open_and_wait(client, "FROM debian:12\nRUN echo hi\nRUN rm -rf /tmp/x\n")
    titles = [a.title for a in await code_actions(client, uri, rng(1, 0, 2, 3), only=[REWRITE])]
    assert titles == ["Chain RUN instructions"]


# -- fix all ------------------------------------------------------------------------------------

FIX_ALL_DOC = (
    "FROM debian:12\n"
    "RUN apt-get update\n"
    "RUN apt-get install --no-install-recommends curl=8.1\n"
    "ADD app.txt /app.txt\n"
    "RUN pip install flask==3.0.0\n"
    "CMD echo hi\n"
)


async def _fix_all(client, uri, only) -> types.CodeAction:
    acts = await code_actions(client, uri, rng(0, 0, 0, 0), only=only)
    (a,) = acts
    assert kind(a) == "source.fixAll.dockwise"
    assert (a.edit is None) == resolves(client)  # lazily computed when the client can resolve
    return await resolved(client, a)


@pytest.mark.parametrize("only", [["source.fixAll"], ["source.fixAll.dockwise"], ["source"]])
async def test_fix_all_applies_every_safe_fix(client: DockwiseClient, only):
    text = FIX_ALL_DOC
    uri, _ = await open_and_wait(client, text)
    a = await _fix_all(client, uri, only)
    got = apply_workspace_edit(client, text, a.edit, uri, version=1)
    assert got == fix_text(text).text  # the fix loop's result, overlapping fixes converged
    assert "COPY app.txt /app.txt" in got and "--no-cache-dir" in got and " -y " in got
    assert "CMD echo hi" in got  # DL3025's fix is unsafe: not applied
    assert not {"DL3014", "DL3020", "DL3042", "DL3059"} & set(lint_codes(got))


async def test_fix_all_with_unsafe_fixes_on(client: DockwiseClient):
    text = FIX_ALL_DOC
    uri, _ = await open_and_wait(client, text)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"dockwise": {**INIT, "unsafeFixes": True}}))
    try:
        a = await _fix_all(client, uri, ["source.fixAll"])
        assert "unsafe" in a.title
        got = apply_workspace_edit(client, text, a.edit, uri)
        assert got == fix_text(text, unsafe=True).text
        assert 'CMD ["echo", "hi"]' in got
    finally:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"dockwise": INIT}))


async def test_fix_all_resolved_after_the_document_changed(client: DockwiseClient):
    if not resolves(client):
        pytest.skip("this persona gets fix-all edits eagerly: there is no later resolve")
    text = FIX_ALL_DOC
    uri, _ = await open_and_wait(client, text)
    (a,) = await code_actions(client, uri, rng(0, 0, 0, 0), only=["source.fixAll"])
    assert a.edit is None and a.data is not None and a.data["version"] == 1
    change_doc(client, uri, 2, rng(5, 0, 6, 0), "MAINTAINER me\n")
    await wait_publish(client, uri, 2)
    text2 = FIX_ALL_DOC.replace("CMD echo hi\n", "MAINTAINER me\n")
    a = await resolved(client, a)
    got = apply_workspace_edit(client, text2, a.edit, uri, version=2)
    assert got == fix_text(text2).text and 'LABEL maintainer="me"' in got


async def test_only_filters_kinds(client: DockwiseClient):
    text = FIX_ALL_DOC
    uri, diags = await open_and_wait(client, text)
    d = diag(diags, "DL3020")
    everything = await code_actions(client, uri, rng(1, 0, 2, 5), diags)
    kinds = {kind(a) for a in everything}
    assert kinds == {QUICKFIX, REWRITE, "source.fixAll.dockwise"}
    assert {kind(a) for a in await code_actions(client, uri, rng(1, 0, 2, 5), diags, only=[QUICKFIX])} == {QUICKFIX}
    assert {kind(a) for a in await code_actions(client, uri, rng(1, 0, 2, 5), [d], only=["refactor"])} == {REWRITE}
    assert await code_actions(client, uri, rng(1, 0, 2, 5), diags, only=["refactor.extract"]) == []


async def test_no_fix_all_when_nothing_is_fixable(client: DockwiseClient):
    uri, _ = await open_and_wait(client, "FROM debian:12\nCMD [\"true\"]\n")
    assert await code_actions(client, uri, rng(0, 0, 0, 0), only=["source.fixAll"]) == []


async def test_odd_requests_get_an_answer(client: DockwiseClient):
    text = FIXABLE["DL3014"]
    uri, diags = await open_and_wait(client, text)
    d = diag(diags, "DL3014")
    # malformed data: no fix from it, and no match in the cached lint for a wrong range
    junk = [
        types.Diagnostic(range=d.range, message="x", source="dockwise", code="DL3014", data={"rule": "DL3014",
                         "version": 1, "fix": ["not", "a", "fix"]}),
        types.Diagnostic(range=d.range, message="x", source="dockwise", code="DL3014", data="text"),
        types.Diagnostic(range=rng(40, 0, 41, 0), message="x", source="dockwise", code="DL3014"),
        types.Diagnostic(range=d.range, message="x", source="dockwise", code="DW999"),
    ]
    titles = [a.title for a in await code_actions(client, uri, rng(40, 0, 90, 3), junk)]
    # the fix comes from the cached lint for the second one (data dropped); nothing for the others
    assert titles.count("Add -y") == 1 and "Ignore DL3014 for this line" in titles
    assert not [t for t in titles if "DW999" in t]
    assert await code_actions(client, new_uri(), rng(0, 0, 0, 0), [d]) == []  # not open
    bogus = types.CodeAction(title="x", data={"action": "fixAll", "uri": new_uri(), "version": 1})
    if resolves(client):
        res = await asyncio.wait_for(client.code_action_resolve_async(bogus), TIMEOUT)
        assert res.edit is not None and not res.edit.changes and not res.edit.document_changes


async def test_capability_is_advertised(client: DockwiseClient):
    cap = client.init_result.capabilities.code_action_provider
    assert isinstance(cap, types.CodeActionOptions), cap
    assert cap.resolve_provider is True
    assert cap.code_action_kinds is not None
    assert {str(getattr(k, "value", k)) for k in cap.code_action_kinds} == {
        "quickfix", "refactor.rewrite", "source.fixAll", "source.fixAll.dockwise"}

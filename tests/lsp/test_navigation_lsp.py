"""Navigation end to end (pytest-lsp): document/workspace symbols, definition,
references, highlight, prepareRename/rename (edits applied and re-checked),
folding ranges, semantic tokens (decoded back to text), document links.

Runs with the push personas: VS Code and Neovim 0.7 (UTF-16) and VS Code with
UTF-8 positions; the documents put emoji before the symbols so that columns
differ between encodings.
"""
from __future__ import annotations

import asyncio
from typing import Sequence

import pytest
import pytest_lsp
from lsp_helpers import (DockwiseClient, PERSONAS, TIMEOUT, change_doc, client_config, diagnostics_now,
                         end_session, new_uri, open_doc, rng)
from lsprotocol import types
from pygls.exceptions import JsonRpcException


pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = """\
# syntax=docker/dockerfile:1
ARG BASE=python:3.12
FROM ${BASE} AS build
ENV APP_HOME=/app
LABEL note="😀" home=$APP_HOME
RUN --mount=type=cache,target=/root/.cache,from=build echo "😀 $APP_HOME" \\
    && echo done

FROM build AS test
COPY --from=build /app /app
COPY --from=0 /src /src
RUN echo "😀😀" ${APP_HOME:-/x}
"""


# -- helpers ---------------------------------------------------------------------------------


def units_to_col(line: str, units: int, enc: str) -> int:
    """Client units → code-point column on ``line``."""
    n = 0
    for i, c in enumerate(line):
        if n >= units:
            return i
        n += 1 if enc == "utf-32" else len(c.encode("utf-8")) if enc == "utf-8" else len(c.encode("utf-16-le")) // 2
    return len(line)


def col_to_units(line: str, col: int, enc: str) -> int:
    s = line[:col]
    return len(s.encode("utf-8")) if enc == "utf-8" else len(s.encode("utf-16-le")) // 2


def pos(client: DockwiseClient, text: str, needle: str, offset: int = 0, nth: int = 0) -> types.Position:
    lines = text.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        c = -1
        while (c := line.find(needle, c + 1)) >= 0:
            if seen == nth:
                return types.Position(line=i, character=col_to_units(line, c + offset, client.persona.encoding))
            seen += 1
    raise AssertionError(needle)


def range_text(client: DockwiseClient, text: str, r: types.Range) -> str:
    lines = text.split("\n")
    enc = client.persona.encoding
    assert r.start.line == r.end.line
    line = lines[r.start.line]
    return line[units_to_col(line, r.start.character, enc):units_to_col(line, r.end.character, enc)]


def apply_edits(client: DockwiseClient, text: str, edits: Sequence[types.TextEdit | types.AnnotatedTextEdit]) -> str:
    lines = text.split("\n")
    enc = client.persona.encoding
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert e.range.start.line == e.range.end.line
        line = lines[e.range.start.line]
        a = units_to_col(line, e.range.start.character, enc)
        b = units_to_col(line, e.range.end.character, enc)
        lines[e.range.start.line] = line[:a] + e.new_text + line[b:]
    return "\n".join(lines)


def tdi(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def request(coro):
    return await asyncio.wait_for(coro, TIMEOUT)


async def refs(client, uri, p, include=True):
    return await request(client.text_document_references_async(types.ReferenceParams(
        text_document=tdi(uri), position=p, context=types.ReferenceContext(include_declaration=include))))


def replace_doc(client: DockwiseClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


# -- capabilities -----------------------------------------------------------------------------


async def test_capabilities(push_client: DockwiseClient):
    caps = push_client.init_result.capabilities
    assert caps.document_symbol_provider and caps.workspace_symbol_provider
    assert caps.definition_provider and caps.references_provider and caps.document_highlight_provider
    assert isinstance(caps.rename_provider, types.RenameOptions), caps.rename_provider
    assert caps.rename_provider.prepare_provider is True
    assert caps.folding_range_provider
    st = caps.semantic_tokens_provider
    assert st is not None
    assert st.full and st.range and "keyword" in st.legend.token_types and "declaration" in st.legend.token_modifiers
    assert caps.document_link_provider is not None


# -- symbols ------------------------------------------------------------------------------------


async def test_document_symbols_hierarchical(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC)
    syms = await request(push_client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=tdi(uri))))
    assert all(isinstance(s, types.DocumentSymbol) for s in syms)
    assert [(s.name, s.kind) for s in syms] == [
        ("ARG", types.SymbolKind.Variable), ("build", types.SymbolKind.Module), ("test", types.SymbolKind.Module)]
    build = syms[1]
    assert build.detail == "${BASE}"
    assert [c.name for c in build.children] == ["ENV", "LABEL", "RUN"]
    assert [c.kind for c in build.children] == [
        types.SymbolKind.Constant, types.SymbolKind.Property, types.SymbolKind.Field]
    assert range_text(push_client, DOC, build.selection_range) == "build"
    assert [c.name for c in build.children[1].children] == ["note", "home"]
    assert range_text(push_client, DOC, build.children[1].children[1].selection_range) == "home"
    assert build.range.start.line == 2 and build.range.end.line == 6


async def test_workspace_symbols_list_stages_of_open_documents(push_client: DockwiseClient):
    u1, u2 = new_uri("ws"), new_uri("ws")
    open_doc(push_client, u1, "FROM alpine AS zzfetch\nFROM zzfetch AS zzcompile\n")
    open_doc(push_client, u2, "FROM debian AS zzcompiler\n")
    res = await request(push_client.workspace_symbol_async(types.WorkspaceSymbolParams(query="zzcomp")))
    got = sorted((s.location.uri, s.name) for s in res)
    assert got == [(u1, "zzcompile"), (u2, "zzcompiler")]
    assert all(s.kind == types.SymbolKind.Module for s in res)
    res = await request(push_client.workspace_symbol_async(types.WorkspaceSymbolParams(query="zzfetch")))
    assert [(s.location.uri, s.location.range.start.line, s.location.range.start.character) for s in res] == [
        (u1, 0, 15)]


async def test_workspace_symbols_follow_edits(push_client: DockwiseClient):
    """The index takes a document's first analysis; after edits a query
    answers from the current version (renamed, added and removed stages)."""
    uri = new_uri("ws")
    text = "FROM alpine AS zzold\nFROM zzold AS zzkeep\n"
    open_doc(push_client, uri, text)

    async def names(query: str) -> list[tuple[str, int]]:
        res = await request(push_client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query)))
        return sorted((s.name, s.location.range.start.line) for s in res if s.location.uri == uri)

    assert await names("zz") == [("zzkeep", 1), ("zzold", 0)]
    change_doc(push_client, uri, 2, rng(0, 15, 0, 20), "zznew")  # rename the first stage
    change_doc(push_client, uri, 3, rng(0, 0, 0, 0), "FROM busybox AS zzadded\n")
    await diagnostics_now(push_client, uri, version=3)
    assert await names("zz") == [("zzadded", 0), ("zzkeep", 2), ("zznew", 1)]
    change_doc(push_client, uri, 4, rng(0, 0, 1, 0), "")
    await diagnostics_now(push_client, uri, version=4)
    assert await names("zz") == [("zzkeep", 1), ("zznew", 0)]
    assert await names("zzold") == []


# -- definition, references, highlight ------------------------------------------------------------


async def test_definition_of_stage_and_variable(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC)

    async def definition(p):
        return await request(push_client.text_document_definition_async(
            types.DefinitionParams(text_document=tdi(uri), position=p)))

    for needle, off, nth in [("from=build", 6, 0), ("FROM build", 6, 0), ("--from=build", 8, 0), ("--from=0", 7, 0)]:
        locs = await definition(pos(push_client, DOC, needle, off, nth))
        assert [(loc.uri, loc.range.start.line, range_text(push_client, DOC, loc.range)) for loc in locs] == [
            (uri, 2, "build")], needle
    # variables after emoji: $APP_HOME in RUN, ${APP_HOME:-/x} in the derived stage
    for needle, off in [("$APP_HOME\"", 1), ("${APP_HOME:-", 2), ("=$APP_HOME", 2)]:
        locs = await definition(pos(push_client, DOC, needle, off))
        assert [(loc.range.start.line, range_text(push_client, DOC, loc.range)) for loc in locs] == [
            (3, "APP_HOME")], needle
    assert await definition(pos(push_client, DOC, "${BASE}", 2)) is not None
    assert await definition(pos(push_client, DOC, "echo done", 1)) is None


async def test_references_and_highlights(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC)
    locs = await refs(push_client, uri, pos(push_client, DOC, "AS build", 4))
    assert [(loc.range.start.line, range_text(push_client, DOC, loc.range)) for loc in locs] == [
        (2, "build"), (5, "build"), (8, "build"), (9, "build"), (10, "0")]
    locs = await refs(push_client, uri, pos(push_client, DOC, "${APP_HOME:-", 3), include=False)
    assert [(loc.range.start.line, range_text(push_client, DOC, loc.range)) for loc in locs] == [
        (4, "APP_HOME"), (5, "APP_HOME"), (11, "APP_HOME")]
    hs = await request(push_client.text_document_document_highlight_async(types.DocumentHighlightParams(
        text_document=tdi(uri), position=pos(push_client, DOC, "$APP_HOME\"", 1))))
    assert [(h.range.start.line, h.kind) for h in hs] == [
        (3, types.DocumentHighlightKind.Write), (4, types.DocumentHighlightKind.Read),
        (5, types.DocumentHighlightKind.Read), (11, types.DocumentHighlightKind.Read)]
    assert await refs(push_client, uri, types.Position(line=7, character=0)) is None


# -- rename -------------------------------------------------------------------------------------------


def workspace_edits(client: DockwiseClient, uri: str, edit: types.WorkspaceEdit | None,
                    version: int) -> list[types.TextEdit | types.AnnotatedTextEdit]:
    assert edit is not None, "no workspace edit"
    edits: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit]
    if edit.document_changes is not None:
        assert client.persona.name != "nvim-0.7"  # it does not support documentChanges
        (change,) = edit.document_changes
        assert isinstance(change, types.TextDocumentEdit), f"a file operation instead of a text edit: {change}"
        assert change.text_document.uri == uri and change.text_document.version == version
        edits = list(change.edits)
    else:
        assert edit.changes is not None and set(edit.changes) == {uri}
        edits = list(edit.changes[uri])
    plain = [e for e in edits if not isinstance(e, types.SnippetTextEdit)]
    assert len(plain) == len(edits), "snippet edits were never advertised"
    return plain


async def test_rename_stage_and_variable_applies_consistently(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    p = pos(push_client, DOC, "--from=build", 8)
    prep = await request(push_client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=tdi(uri), position=p)))
    assert range_text(push_client, DOC, prep.range) == "build" and prep.placeholder == "build"
    edit = await request(push_client.text_document_rename_async(
        types.RenameParams(text_document=tdi(uri), position=p, new_name="compile")))
    text = apply_edits(push_client, DOC, workspace_edits(push_client, uri, edit, 1))
    assert text == DOC.replace("AS build", "AS compile").replace("from=build", "from=compile").replace(
        "FROM build", "FROM compile")
    assert "--from=0" in text

    # the server sees the edited text; rename the variable next, from a use after emoji
    replace_doc(push_client, uri, 2, text)
    edit = await request(push_client.text_document_rename_async(types.RenameParams(
        text_document=tdi(uri), position=pos(push_client, text, "${APP_HOME:-", 4), new_name="HOME_DIR")))
    text2 = apply_edits(push_client, text, workspace_edits(push_client, uri, edit, 2))
    assert text2 == text.replace("APP_HOME", "HOME_DIR")
    replace_doc(push_client, uri, 3, text2)
    locs = await refs(push_client, uri, pos(push_client, text2, "HOME_DIR=", 1))
    assert [range_text(push_client, text2, loc.range) for loc in locs] == ["HOME_DIR"] * 4
    locs = await refs(push_client, uri, pos(push_client, text2, "AS compile", 4))
    assert [range_text(push_client, text2, loc.range) for loc in locs] == ["compile"] * 4 + ["0"]


async def test_rename_refusals(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC)
    stage = pos(push_client, DOC, "AS build", 4)
    for new_name, why in [("Build", "invalid stage name"), ("test", "already exists"), ("scratch", "reserved")]:
        with pytest.raises(JsonRpcException, match=why):
            await request(push_client.text_document_rename_async(
                types.RenameParams(text_document=tdi(uri), position=stage, new_name=new_name)))
    var = pos(push_client, DOC, "ENV APP_HOME", 5)
    for new_name, why in [("9X", "invalid variable name"), ("BASE X", "invalid")]:
        with pytest.raises(JsonRpcException, match=why):
            await request(push_client.text_document_rename_async(
                types.RenameParams(text_document=tdi(uri), position=var, new_name=new_name)))
    with pytest.raises(JsonRpcException, match="by its number"):
        await request(push_client.text_document_prepare_rename_async(types.PrepareRenameParams(
            text_document=tdi(uri), position=pos(push_client, DOC, "--from=0", 7))))
    # nothing renameable at a keyword
    assert await request(push_client.text_document_prepare_rename_async(types.PrepareRenameParams(
        text_document=tdi(uri), position=types.Position(line=2, character=1)))) is None


# -- folding, semantic tokens, links -------------------------------------------------------------------


async def test_folding_ranges(push_client: DockwiseClient):
    uri = new_uri()
    text = "# a\n# b\n" + DOC.split("\n", 1)[1] + "COPY <<EOF /x\n😀\nEOF\n"
    open_doc(push_client, uri, text)
    folds = await request(push_client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=tdi(uri))))
    got = [(f.start_line, f.end_line, f.kind) for f in folds]
    assert got == [(0, 1, types.FoldingRangeKind.Comment), (3, 7, None), (6, 7, None), (9, 15, None),
                   (13, 15, None)]
    assert all(f.start_character is None and f.end_character is None for f in folds)


def decode_tokens(client: DockwiseClient, text: str, data: list[int], legend: types.SemanticTokensLegend):
    lines = text.split("\n")
    enc = client.persona.encoding
    out = []
    line = char = 0
    assert len(data) % 5 == 0
    for i in range(0, len(data), 5):
        dl, dc, length, typ, mods = data[i:i + 5]
        line += dl
        char = char + dc if dl == 0 else dc
        src = lines[line]
        a, b = units_to_col(src, char, enc), units_to_col(src, char + length, enc)
        assert col_to_units(src, a, enc) == char and col_to_units(src, b, enc) == char + length, "split a character"
        names = tuple(m for j, m in enumerate(legend.token_modifiers) if mods & (1 << j))
        out.append((line, src[a:b], legend.token_types[typ], names))
    return out


async def test_semantic_tokens_full_and_range(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC)
    provider = push_client.init_result.capabilities.semantic_tokens_provider
    assert provider is not None
    legend = provider.legend
    full = await request(push_client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=tdi(uri))))
    toks = decode_tokens(push_client, DOC, full.data, legend)
    for t in [
        (0, "# syntax=", "macro", ()), (0, "docker/dockerfile:1", "string", ()),
        (1, "BASE", "variable", ("declaration",)),
        (2, "FROM", "keyword", ()), (2, "BASE", "variable", ()), (2, "AS", "keyword", ()),
        (2, "build", "class", ("declaration",)),
        (4, '"😀"', "string", ()), (4, "home", "property", ("declaration",)), (4, "APP_HOME", "variable", ()),
        (5, "--mount", "parameter", ()), (5, "build", "class", ()), (5, "APP_HOME", "variable", ()),
        (8, "build", "class", ()), (10, "0", "class", ()),
        (11, "APP_HOME", "variable", ()),
    ]:
        assert t in toks, t
    # a range request returns the tokens of those lines only, same encoding
    r = types.Range(start=types.Position(line=4, character=0), end=types.Position(line=5, character=0))
    part = await request(push_client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(text_document=tdi(uri), range=r)))
    ptoks = decode_tokens(push_client, DOC, part.data, legend)
    assert ptoks == [t for t in toks if t[0] == 4]


async def test_document_links(push_client: DockwiseClient):
    uri = new_uri()
    text = "FROM ${IMG}\nFROM bitnami/redis:7 AS cache\nLABEL x=😀\nFROM registry.local/app\nFROM cache\n" \
           "COPY --from=python:3.12 /usr /usr\n"
    open_doc(push_client, uri, text)
    links = await request(push_client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=tdi(uri))))
    assert [(range_text(push_client, text, lk.range), lk.target) for lk in links] == [
        ("bitnami/redis", "https://hub.docker.com/r/bitnami/redis"),
        ("python", "https://hub.docker.com/_/python")]
    tooltips = push_client.persona.name.startswith("vscode")
    assert all((lk.tooltip is not None) == tooltips for lk in links)


async def test_broken_documents_answer_with_empty_results(push_client: DockwiseClient):
    uri = new_uri()
    text = "FROM\nCOPY --from= <<EOF\n${\nRUN echo ${A:-${B\n"
    open_doc(push_client, uri, text)
    td = tdi(uri)
    p = types.Position(line=3, character=12)
    await request(push_client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=td)))
    await request(push_client.text_document_folding_range_async(types.FoldingRangeParams(text_document=td)))
    await request(push_client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=td)))
    await request(push_client.text_document_document_link_async(types.DocumentLinkParams(text_document=td)))
    assert await request(push_client.text_document_definition_async(
        types.DefinitionParams(text_document=td, position=p))) is None
    assert await refs(push_client, uri, types.Position(line=99, character=99)) is None
    # a document that is not open
    other = tdi(new_uri())
    assert await request(push_client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=other))) == []


# -- a client without hierarchical document symbols gets SymbolInformation --------------------------


def _flat_caps() -> types.ClientCapabilities:
    caps = PERSONAS["vscode"].capabilities()
    td = caps.text_document
    assert td is not None and td.document_symbol is not None, "VS Code advertises document symbols"
    td.document_symbol.hierarchical_document_symbol_support = False
    return caps


@pytest_lsp.fixture(scope="module", config=client_config())
async def flat_client(lsp_client: DockwiseClient):
    persona = PERSONAS["vscode"]
    lsp_client.persona = persona
    lsp_client.init_result = await asyncio.wait_for(lsp_client.initialize_session(types.InitializeParams(
        capabilities=_flat_caps(), initialization_options={"debounceMs": 0},
        client_info=types.ClientInfo(name="pytest-lsp/flat"))), TIMEOUT)
    yield
    await end_session(lsp_client)


async def test_flat_document_symbols(flat_client: DockwiseClient):
    uri = new_uri()
    open_doc(flat_client, uri, DOC)
    syms = await request(flat_client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=tdi(uri))))
    assert all(isinstance(s, types.SymbolInformation) for s in syms)
    got = [(s.name, s.container_name) for s in syms]
    assert got[:4] == [("ARG", None), ("BASE", "ARG"), ("build", None), ("ENV", "build")]
    assert ("test", None) in got and ("COPY", "test") in got
    assert all(s.location.uri == uri for s in syms)


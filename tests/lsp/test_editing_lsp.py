"""Completion, signature help and formatting over the protocol (real server),
with the VS Code persona (snippets, UTF-16) and the Neovim 0.7 one (no
snippets, UTF-16), plus VS Code with UTF-8 positions for the column maths."""
from __future__ import annotations

import asyncio
from typing import Sequence

import pytest
import pytest_lsp
from format_equiv import differences
from lsp_helpers import (
    DockwiseClient,
    PERSONAS,
    TIMEOUT,
    client_config,
    end_session,
    new_uri,
    open_doc,
    start_session,
    utf_units,
    wait_publish,
)
from lsprotocol import types


pytestmark = pytest.mark.asyncio(loop_scope="module")

INIT = {"debounceMs": 0, "images": {"online": False}}  # never any network


@pytest_lsp.fixture(scope="module", params=["vscode", "nvim-0.7", "vscode-u8"], config=client_config())
async def client(lsp_client: DockwiseClient, request):
    await start_session(lsp_client, PERSONAS[request.param], INIT)
    yield
    await end_session(lsp_client)


def persona(client: DockwiseClient) -> str:
    return client.persona.name


def snippets(client: DockwiseClient) -> bool:
    return persona(client) in ("vscode", "vscode-u8")


async def opened(client: DockwiseClient, text: str) -> str:
    uri = new_uri()
    open_doc(client, uri, text)
    await wait_publish(client, uri, 1)  # analysed
    return uri


def pos(client: DockwiseClient, text: str, line: int, col: int) -> types.Position:
    """Model (code point) column → the persona's units."""
    return types.Position(line=line, character=utf_units(text.split("\n")[line][:col], client.persona.encoding))


async def complete(client: DockwiseClient, uri: str, position: types.Position) -> list[types.CompletionItem]:
    got = await asyncio.wait_for(client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position)), TIMEOUT)
    assert isinstance(got, types.CompletionList)
    return list(got.items)


def edit_of(item: types.CompletionItem) -> types.TextEdit:
    """A completion item's edit (dockwise always sends a plain TextEdit)."""
    assert isinstance(item.text_edit, types.TextEdit), f"{item.label}: no TextEdit ({item.text_edit})"
    return item.text_edit


def apply(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    """Apply LSP edits (client units) to ``text``."""
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        line = lines[p.line] if p.line < len(lines) else ""
        col, units = 0, 0
        while col < len(line) and units < p.character:
            units += utf_units(line[col], encoding)
            col += 1
        return sum(len(x) + 1 for x in lines[: p.line]) + col

    out = text
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset(e.range.start), offset(e.range.end)
        out = out[:a] + e.new_text + out[b:]
    return out


# -- capabilities -------------------------------------------------------------------------


async def test_capabilities_advertised(client: DockwiseClient):
    caps = client.init_result.capabilities
    assert caps.completion_provider is not None and caps.completion_provider.trigger_characters is not None
    assert "$" in caps.completion_provider.trigger_characters
    assert caps.signature_help_provider is not None and caps.signature_help_provider.trigger_characters is not None
    assert " " in caps.signature_help_provider.trigger_characters
    assert caps.document_formatting_provider and caps.document_range_formatting_provider


# -- completion --------------------------------------------------------------------------


async def test_keyword_completion_snippet_or_plain(client: DockwiseClient):
    text = "FROM alpine\nRU\n"
    uri = await opened(client, text)
    items = await complete(client, uri, pos(client, text, 1, 2))
    run = next(i for i in items if i.label == "RUN")
    assert run.kind == types.CompletionItemKind.Keyword
    assert edit_of(run).range.start == types.Position(line=1, character=0)
    assert edit_of(run).range.end == pos(client, text, 1, 2)
    if snippets(client):
        assert run.insert_text_format == types.InsertTextFormat.Snippet
        assert edit_of(run).new_text == "RUN ${1:command}"
        assert any(i.label == "RUN --mount=type=cache" for i in items)
    else:
        assert run.insert_text_format == types.InsertTextFormat.PlainText
        assert edit_of(run).new_text == "RUN "
        assert all(i.insert_text_format != types.InsertTextFormat.Snippet for i in items)
    assert isinstance(run.documentation, types.MarkupContent)
    assert run.documentation.kind == types.MarkupKind.Markdown and "docs.docker.com" in run.documentation.value
    maint = next(i for i in items if i.label == "MAINTAINER")
    td = client.persona.capabilities().text_document
    assert td is not None and td.completion is not None and td.completion.completion_item is not None
    ci = td.completion.completion_item
    if ci.tag_support and types.CompletionItemTag.Deprecated in ci.tag_support.value_set:
        assert maint.tags is not None and list(maint.tags) == [types.CompletionItemTag.Deprecated]
    elif ci.deprecated_support:
        assert maint.deprecated
    else:  # nothing the client would understand
        assert not maint.tags and not maint.deprecated


async def test_flag_and_stage_completion(client: DockwiseClient):
    text = "FROM golang AS build\nFROM alpine\nCOPY --\nCOPY --from=\n"
    uri = await opened(client, text)
    flags = {i.label for i in await complete(client, uri, pos(client, text, 2, 7))}
    assert {"--from=", "--chown=", "--chmod=", "--link", "--parents", "--exclude="} <= flags
    stages = await complete(client, uri, pos(client, text, 3, 12))
    assert [i.label for i in stages] == ["build", "0"]
    assert apply(text, [edit_of(stages[0])], client.persona.encoding).split("\n")[3] == "COPY --from=build"


async def test_mount_completion(client: DockwiseClient):
    text = "FROM alpine\nRUN --mount=type=cache,\n"
    uri = await opened(client, text)
    keys = {i.label for i in await complete(client, uri, pos(client, text, 1, 23))}
    assert {"target=", "id=", "sharing="} <= keys and "size=" not in keys


async def test_variable_completion_in_scope(client: DockwiseClient):
    text = "ARG VERSION=3.12\nFROM python:${\nENV APP=/app\nRUN echo $\n"
    uri = await opened(client, text)
    in_from = await complete(client, uri, pos(client, text, 1, 14))
    names = [i.label for i in in_from]
    assert "VERSION" in names and "APP" not in names
    v = next(i for i in in_from if i.label == "VERSION")
    assert edit_of(v).new_text == "VERSION}" and v.insert_text_format == types.InsertTextFormat.PlainText
    in_run = [i.label for i in await complete(client, uri, pos(client, text, 3, 10))]
    assert "APP" in in_run and "VERSION" not in in_run


async def test_image_and_tag_completion_with_non_ascii_before(client: DockwiseClient):
    # the comment makes UTF-8 and UTF-16 columns differ on line 0 only
    text = "# é€ 🐳\nFROM python:3.12-\n"
    uri = await opened(client, text)
    tags = await complete(client, uri, pos(client, text, 1, 17))
    slim = next(i for i in tags if i.label == "3.12-slim")
    assert edit_of(slim).range.start == pos(client, text, 1, 12)
    out = apply(text, [edit_of(slim)], client.persona.encoding)
    assert out.split("\n")[1] == "FROM python:3.12-slim"
    names = [i.label for i in await complete(client, uri, pos(client, text, 1, 5))]
    assert "python" in names and "alpine" in names


async def test_directive_completion(client: DockwiseClient):
    text = "# \nFROM alpine\n"
    uri = await opened(client, text)
    assert [i.label for i in await complete(client, uri, pos(client, text, 0, 2))] == ["syntax=", "escape=", "check="]


async def test_completion_for_unknown_document_is_empty(client: DockwiseClient):
    items = await complete(client, "file:///nowhere/Dockerfile", types.Position(line=0, character=0))
    assert list(items) == []


# -- signature help ------------------------------------------------------------------------


async def signature(client: DockwiseClient, uri: str, position: types.Position) -> types.SignatureHelp | None:
    return await asyncio.wait_for(client.text_document_signature_help_async(types.SignatureHelpParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position)), TIMEOUT)


def active_text(sh: types.SignatureHelp | None) -> str:
    assert sh is not None, "no signature help"
    assert sh.active_signature is not None and sh.active_parameter is not None, sh
    s = sh.signatures[sh.active_signature]
    assert s.parameters is not None, s
    label = s.parameters[sh.active_parameter].label
    if isinstance(label, str):
        return label
    a, b = label
    return s.label.encode("utf-16-le")[2 * a:2 * b].decode("utf-16-le")


async def test_signature_help(client: DockwiseClient):
    text = "FROM alpine\nCOPY --chown=app a b\nHEALTHCHECK --interval=5s CMD curl\nEXPOSE 80/\n"
    uri = await opened(client, text)
    sh = await signature(client, uri, pos(client, text, 1, 20))
    assert sh is not None and sh.signatures[0].label.startswith("COPY [--from=")
    assert active_text(sh) == "<dest>"
    assert active_text(await signature(client, uri, pos(client, text, 1, 18))) == "<src>..."
    assert active_text(await signature(client, uri, pos(client, text, 1, 8))) == "[--chown=<user>[:<group>]]"
    sh = await signature(client, uri, pos(client, text, 2, 34))
    assert active_text(sh) == "<command>" and sh is not None and len(sh.signatures) == 2
    assert active_text(await signature(client, uri, pos(client, text, 3, 10))) == "[/<protocol>]"
    assert await signature(client, uri, pos(client, text, 0, 2)) is None


# -- formatting ----------------------------------------------------------------------------------

MESSY = (
    "# café ☕ note   \n"
    "from   alpine:3.20 AS base  \n"
    "run apk add --no-cache \\\n"
    "\tcurl \\\n"
    "  # why git\n"
    "\t\tgit   \n"
    "RUN <<EOF  \n"
    "  keep   this   \n"
    "EOF\n"
    "workdir    /app\n"
)


async def format_doc(client: DockwiseClient, uri: str, **opts) -> list[types.TextEdit]:
    options = types.FormattingOptions(tab_size=opts.pop("tab_size", 4), insert_spaces=opts.pop("insert_spaces", True),
                                      **opts)
    got = await asyncio.wait_for(client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri), options=options)), TIMEOUT)
    return list(got or [])


async def test_document_formatting_edits_apply_cleanly(client: DockwiseClient):
    uri = await opened(client, MESSY)
    edits = await format_doc(client, uri)
    assert all(e.range.start.line == e.range.end.line for e in edits)  # one edit per changed line
    assert len(edits) == len({e.range.start.line for e in edits})
    out = apply(MESSY, edits, client.persona.encoding)
    assert out == (
        "# café ☕ note\n"
        "FROM alpine:3.20 AS base\n"
        "RUN apk add --no-cache \\\n"
        "    curl \\\n"
        "        # why git\n"
        "        git\n"
        "RUN <<EOF\n"
        "  keep   this   \n"
        "EOF\n"
        "WORKDIR /app\n"
    )
    assert differences(MESSY, out) == []  # dockwise's parser and dockerfile-parse see the same file
    assert await format_doc(client, await opened(client, out)) == []


async def test_formatting_with_tabs_and_idempotence(client: DockwiseClient):
    uri = await opened(client, MESSY)
    out = apply(MESSY, await format_doc(client, uri, tab_size=8, insert_spaces=False), client.persona.encoding)
    assert out.split("\n")[3:6] == ["\tcurl \\", "\t\t# why git", "\t\tgit"]
    uri2 = await opened(client, out)
    assert await format_doc(client, uri2, tab_size=8, insert_spaces=False) == []


async def test_range_formatting_only_touches_the_range(client: DockwiseClient):
    uri = await opened(client, MESSY)
    rng = types.Range(start=types.Position(line=9, character=0), end=types.Position(line=9, character=3))
    got = await asyncio.wait_for(client.text_document_range_formatting_async(types.DocumentRangeFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng,
        options=types.FormattingOptions(tab_size=4, insert_spaces=True))), TIMEOUT)
    assert got and {e.range.start.line for e in got} == {9}
    out = apply(MESSY, got, client.persona.encoding)
    assert out.split("\n")[9] == "WORKDIR /app" and out.split("\n")[:9] == MESSY.split("\n")[:9]


async def test_editing_a_keyword_replaces_all_of_it(client: DockwiseClient):
    text = "FROM alpine\nrn echo hi\n"
    uri = await opened(client, text)
    items = await complete(client, uri, pos(client, text, 1, 1))
    run = next(i for i in items if i.label == "RUN")
    assert edit_of(run).new_text == "RUN"  # arguments follow: no snippet, no extra space
    assert apply(text, [edit_of(run)], client.persona.encoding).split("\n")[1] == "RUN echo hi"


async def test_typing_character_by_character_never_fails(client: DockwiseClient):
    """Every prefix of half-typed lines gets an answer (no error responses), as
    when a user types; positions past the end of the document are fine too."""
    from lsp_helpers import change_doc, rng

    base = "FROM golang AS build\n"
    logged = len(client.log_messages)
    uri = await opened(client, base)
    version = 1
    typed = 'COPY --from=build --chown=1:1 /a /b\nRUN --mount=type=cache,target=/c echo ${A:-x} "$(x\nHEALTHCHECK CMD ["a",'
    line, col = 1, 0
    for ch in typed:
        version += 1
        change_doc(client, uri, version, rng(line, col, line, col), ch)
        if ch == "\n":
            line, col = line + 1, 0
        else:
            col += 1
        p = types.Position(line=line, character=col)
        await complete(client, uri, p)
        await signature(client, uri, p)
    await complete(client, uri, types.Position(line=400, character=7))
    assert await signature(client, uri, types.Position(line=400, character=7)) is None
    edits = await format_doc(client, uri, tab_size=0)
    assert isinstance(edits, list)
    got = await asyncio.wait_for(client.text_document_range_formatting_async(types.DocumentRangeFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng(50, 0, 90, 0),
        options=types.FormattingOptions(tab_size=4, insert_spaces=True))), TIMEOUT)
    assert list(got or []) == []
    failures = [m.message for m in client.log_messages[logged:] if "failed" in m.message]
    assert failures == []  # handlers log (and swallow) exceptions: there must be none

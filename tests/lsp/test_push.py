"""Push diagnostics: open → publish, incremental change → publish with version,
close → empty publish; exact ranges in each persona's position encoding."""
from __future__ import annotations

import asyncio

import pytest
from lsp_helpers import (
    DockwiseClient,
    TIMEOUT,
    change_doc,
    close_doc,
    code_of,
    codes,
    full,
    new_uri,
    open_doc,
    publishes,
    pull,
    quick_fix,
    rng,
    utf_units,
    wait_publish,
)
from lsprotocol import types

from dockwise import rules as registry

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = "FROM ubuntu\nMAINTAINER x\n"


def meta(code: str):
    r = registry.get(code)
    assert r is not None, code
    return r.meta


async def test_diagnostics_pushed_on_open(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    pub = await wait_publish(push_client, uri)
    assert pub.version == 1
    dl3006, dl4000 = pub.diagnostics
    assert codes(pub.diagnostics) == ["DL3006", "DL4000"]

    # DL3006 covers the image word `ubuntu`
    assert dl3006.range == rng(0, 5, 0, 11)
    assert dl3006.severity == types.DiagnosticSeverity(int(meta("DL3006").severity))
    assert dl3006.source == "dockwise"
    assert dl3006.code_description is not None
    assert dl3006.code_description.href == meta("DL3006").url
    assert dl3006.data is None  # only what the editor shows: fixes come from code actions
    # its fix (unsafe) pins the image to a version tag
    a, edits = await quick_fix(push_client, uri, dl3006)
    assert a.title.endswith("(unsafe)") and not a.is_preferred
    assert edits[0].new_text.startswith("ubuntu:")
    assert not dl3006.tags

    # DL4000 on line 1, tagged deprecated, with a safe fix
    assert dl4000.range.start == types.Position(line=1, character=0)
    assert dl4000.range.end.line == 1
    assert dl4000.severity == types.DiagnosticSeverity(int(meta("DL4000").severity))
    assert dl4000.source == "dockwise"
    assert dl4000.code_description is not None
    assert dl4000.code_description.href == meta("DL4000").url
    assert dl4000.tags is not None
    assert list(dl4000.tags) == [types.DiagnosticTag.Deprecated]
    a, edits = await quick_fix(push_client, uri, dl4000)
    assert a.is_preferred and a.title and not a.title.endswith("(unsafe)")
    assert edits == [types.TextEdit(range=rng(1, 0, 1, 12), new_text='LABEL maintainer="x"')]


async def test_incremental_change_republishes_with_version(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    await wait_publish(push_client, uri, 1)

    # tag the image: `ubuntu` → `ubuntu:22.04` (insert at 0:11)
    change_doc(push_client, uri, 2, rng(0, 11, 0, 11), ":22.04")
    pub = await wait_publish(push_client, uri, 2)
    assert codes(pub.diagnostics) == ["DL4000"] and pub.version == 2

    # delete the MAINTAINER line: nothing left to report
    change_doc(push_client, uri, 3, rng(1, 0, 2, 0), "")
    pub = await wait_publish(push_client, uri, 3)
    assert list(pub.diagnostics) == []

    # and bring a problem back, on a new line
    change_doc(push_client, uri, 4, rng(1, 0, 1, 0), "MAINTAINER me\n")
    pub = await wait_publish(push_client, uri, 4)
    assert codes(pub.diagnostics) == ["DL4000"]
    assert pub.diagnostics[0].range.start.line == 1


async def test_several_changes_in_one_notification(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    await wait_publish(push_client, uri, 1)
    push_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=rng(1, 0, 2, 0), text=""),
                types.TextDocumentContentChangePartial(range=rng(0, 11, 0, 11), text=":24.04"),
            ],
        )
    )
    pub = await wait_publish(push_client, uri, 2)
    assert list(pub.diagnostics) == []


async def test_full_text_change(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, "FROM ubuntu:22.04\n", version=1)
    assert not (await wait_publish(push_client, uri, 1)).diagnostics
    push_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=DOC)],
        )
    )
    pub = await wait_publish(push_client, uri, 2)
    assert codes(pub.diagnostics) == ["DL3006", "DL4000"]


async def test_close_clears(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    await wait_publish(push_client, uri, 1)
    n = len(publishes(push_client, uri))
    close_doc(push_client, uri)
    pub = await wait_publish(push_client, uri, after=n)
    assert list(pub.diagnostics) == []
    assert list(push_client.diagnostics[uri]) == []


async def test_reopen_after_close(push_client: DockwiseClient):
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    await wait_publish(push_client, uri, 1)
    close_doc(push_client, uri)
    await wait_until_empty(push_client, uri)
    n = len(publishes(push_client, uri))
    open_doc(push_client, uri, "FROM ubuntu\n", version=7)
    pub = await wait_publish(push_client, uri, 7, after=n)
    assert codes(pub.diagnostics) == ["DL3006"]


async def wait_until_empty(client, uri):
    from lsp_helpers import wait_until

    await wait_until(lambda: uri in client.diagnostics and not client.diagnostics[uri], what="cleared")


async def test_pull_request_in_push_mode_is_empty(push_client: DockwiseClient):
    """A client that pulls although we push gets an empty report (never both)."""
    uri = new_uri()
    open_doc(push_client, uri, DOC, version=1)
    await wait_publish(push_client, uri, 1)
    report = full(await pull(push_client, uri))
    assert report.kind == "full"
    assert list(report.items) == []


ASTRAL = "FROM --platform=😀 ubuntu\nMAINTAINER é😀 y\n"


async def test_position_encoding(push_client: DockwiseClient):
    """Columns after an astral character differ between UTF-16 and UTF-8."""
    enc = push_client.persona.encoding
    uri = new_uri("astral")
    open_doc(push_client, uri, ASTRAL, version=1)
    pub = await wait_publish(push_client, uri, 1)
    by_code = {code_of(d): d for d in pub.diagnostics}
    assert sorted(by_code) == ["DL3006", "DL3029", "DL4000"]  # DL3029: a fixed --platform
    dl3006, dl4000 = by_code["DL3006"], by_code["DL4000"]
    line0, line1 = ASTRAL.splitlines()
    start = utf_units("FROM --platform=😀 ", enc)
    assert dl3006.range == rng(0, start, 0, start + 6)
    assert by_code["DL3029"].range == rng(0, 5, 0, utf_units("FROM --platform=😀", enc))
    assert dl4000.range.end == types.Position(line=1, character=utf_units(line1, enc))
    _, edits = await quick_fix(push_client, uri, dl4000)
    assert edits[0].range.end == types.Position(line=1, character=utf_units(line1, enc))
    # concretely: UTF-16 counts 😀 as 2 units, UTF-8 as 4 (and é as 2)
    expected = {"utf-16": (19, 16), "utf-8": (21, 19)}[enc]
    assert (dl3006.range.start.character, dl4000.range.end.character) == expected

    # an incremental edit addressed in client units lands after the emoji
    change_doc(push_client, uri, 2, rng(0, start + 6, 0, start + 6), ":22.04")
    pub = await wait_publish(push_client, uri, 2)
    assert codes(pub.diagnostics) == ["DL3029", "DL4000"]  # DL3006 gone: the tag landed after the emoji


async def test_many_documents(push_client: DockwiseClient):
    uris = [new_uri("many") for _ in range(20)]
    for i, uri in enumerate(uris):
        open_doc(push_client, uri, DOC if i % 2 else "FROM ubuntu:22.04\n", version=1)
    for i, uri in enumerate(uris):
        pub = await wait_publish(push_client, uri, 1)
        assert codes(pub.diagnostics) == (["DL3006", "DL4000"] if i % 2 else [])
    for uri in uris:
        close_doc(push_client, uri)
    await asyncio.wait_for(
        asyncio.gather(*(wait_until_empty(push_client, u) for u in uris)), TIMEOUT
    )

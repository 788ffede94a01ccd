"""Pull diagnostics for clients that advertise ``textDocument.diagnostic``:
full reports with result ids, unchanged reports, and no pushes at all."""
from __future__ import annotations

import pytest
from lsp_helpers import (
    DockwiseClient,
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
    round_trip,
    unchanged,
    utf_units,
)
from lsprotocol import types


pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = "FROM ubuntu\nMAINTAINER x\n"


async def test_pull_report(pull_client: DockwiseClient):
    uri = new_uri()
    open_doc(pull_client, uri, DOC, version=1)
    report = full(await pull(pull_client, uri))
    assert report.kind == "full"
    assert report.result_id
    dl3006, dl4000 = report.items
    assert codes(report.items) == ["DL3006", "DL4000"]
    assert dl3006.range == rng(0, 5, 0, 11)
    assert dl3006.source == "dockwise"
    assert dl3006.data is None and dl4000.data is None
    # its fix (unsafe) pins the image to a version tag
    a, edits = await quick_fix(pull_client, uri, dl3006)
    assert a.title.endswith("(unsafe)") and edits[0].new_text.startswith("ubuntu:")
    assert dl4000.range.start == types.Position(line=1, character=0)
    assert dl4000.tags is not None
    assert list(dl4000.tags) == [types.DiagnosticTag.Deprecated]
    _, edits = await quick_fix(pull_client, uri, dl4000)
    assert [e.new_text for e in edits] == ['LABEL maintainer="x"']


async def test_no_pushes_for_pull_clients(pull_client: DockwiseClient):
    uri = new_uri()
    open_doc(pull_client, uri, DOC, version=1)
    change_doc(pull_client, uri, 2, rng(0, 11, 0, 11), ":22.04")
    await pull(pull_client, uri)  # a round trip after the notifications
    close_doc(pull_client, uri)
    await pull(pull_client, new_uri())
    await round_trip(pull_client)  # a push would have come before these answers
    assert publishes(pull_client, uri) == []
    assert pull_client.published == []


async def test_unchanged_report(pull_client: DockwiseClient):
    uri = new_uri()
    open_doc(pull_client, uri, DOC, version=1)
    first = await pull(pull_client, uri)
    again = unchanged(await pull(pull_client, uri, previous_result_id=first.result_id))
    assert again.kind == "unchanged"
    assert again.result_id == first.result_id
    # an unknown previous id gets a full report
    other = full(await pull(pull_client, uri, previous_result_id="not-a-result-id"))
    assert other.kind == "full"
    assert codes(other.items) == ["DL3006", "DL4000"]


async def test_change_gives_new_result(pull_client: DockwiseClient):
    uri = new_uri()
    open_doc(pull_client, uri, DOC, version=1)
    first = await pull(pull_client, uri)
    change_doc(pull_client, uri, 2, rng(0, 11, 0, 11), ":22.04")
    second = full(await pull(pull_client, uri, previous_result_id=first.result_id))
    assert second.kind == "full"
    assert second.result_id != first.result_id
    assert codes(second.items) == ["DL4000"]
    _, edits = await quick_fix(pull_client, uri, second.items[0])  # from version 2's analysis
    assert edits[0].range == rng(1, 0, 1, 12)
    third = await pull(pull_client, uri, previous_result_id=second.result_id)
    assert third.kind == "unchanged"


async def test_closed_or_unknown_document(pull_client: DockwiseClient):
    uri = new_uri()
    open_doc(pull_client, uri, DOC, version=1)
    await pull(pull_client, uri)
    close_doc(pull_client, uri)
    report = full(await pull(pull_client, uri))
    assert report.kind == "full" and list(report.items) == []
    report = full(await pull(pull_client, "file:///does/not/exist/Dockerfile"))
    assert report.kind == "full" and list(report.items) == []


ASTRAL = "FROM --platform=😀 ubuntu\nMAINTAINER é😀 y\n"


async def test_position_encoding(pull_client: DockwiseClient):
    enc = pull_client.persona.encoding
    uri = new_uri("astral")
    open_doc(pull_client, uri, ASTRAL, version=1)
    report = full(await pull(pull_client, uri))
    by_code = {code_of(d): d for d in report.items}
    assert sorted(by_code) == ["DL3006", "DL3029", "DL4000"]  # DL3029: a fixed --platform
    dl3006, dl4000 = by_code["DL3006"], by_code["DL4000"]
    line1 = ASTRAL.splitlines()[1]
    start = utf_units("FROM --platform=😀 ", enc)
    assert dl3006.range == rng(0, start, 0, start + 6)
    assert by_code["DL3029"].range == rng(0, 5, 0, utf_units("FROM --platform=😀", enc))
    assert dl4000.range.end.character == utf_units(line1, enc)
    expected = {"utf-16": (19, 16), "utf-8": (21, 19)}[enc]
    assert (dl3006.range.start.character, dl4000.range.end.character) == expected

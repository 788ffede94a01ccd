"""The server survives bad input and keeps answering: unknown methods,
malformed params, huge documents, long continuations, binary text. Each case
is followed by a normal round trip (open a document, get its diagnostics)."""
from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsp_helpers import (
    DockwiseClient,
    PERSONAS,
    TIMEOUT,
    change_doc,
    client_config,
    codes,
    diagnostics_now,
    end_session,
    new_uri,
    open_doc,
    raw_notify,
    raw_request,
    rng,
    start_session,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcMethodNotFound


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", params=["vscode", "nvim-0.11"], config=client_config())
async def client(lsp_client: DockwiseClient, request):
    await start_session(lsp_client, PERSONAS[request.param])
    yield
    await end_session(lsp_client)


async def assert_alive(client: DockwiseClient) -> None:
    uri = new_uri("alive")
    open_doc(client, uri, "FROM ubuntu\n")
    assert codes(await diagnostics_now(client, uri)) == ["DL3006"]
    assert client.messages == []  # errors are logged, never popped up
    assert client.error is None


async def test_initialize_result(client: DockwiseClient):
    result: types.InitializeResult = client.init_result
    caps = result.capabilities
    assert result.server_info is not None
    assert result.server_info.name == "dockwise"
    assert caps.position_encoding == client.persona.encoding
    sync = caps.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions), sync
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert sync.open_close is True
    dp = caps.diagnostic_provider
    assert dp is not None
    assert (dp.identifier, dp.inter_file_dependencies, dp.workspace_diagnostics) == ("dockwise", False, False)


async def test_unknown_request(client: DockwiseClient):
    with pytest.raises(JsonRpcMethodNotFound):
        await raw_request(client, "dockwise/noSuchMethod", {"x": 1})
    with pytest.raises(JsonRpcMethodNotFound):
        await raw_request(client, "textDocument/noSuchFeature", None)
    await assert_alive(client)


async def test_unknown_notifications(client: DockwiseClient):
    raw_notify(client, "dockwise/noSuchNotification", {"x": 1})
    raw_notify(client, "$/somethingOptional", [1, 2, 3])
    raw_notify(client, "$/cancelRequest", {"id": "never-sent"})
    await assert_alive(client)


async def test_malformed_request_params(client: DockwiseClient):
    with pytest.raises(JsonRpcInvalidParams):
        await raw_request(client, "textDocument/diagnostic", {"textDocument": 5})
    with pytest.raises(JsonRpcInvalidParams):
        await raw_request(client, "textDocument/diagnostic", None)
    with pytest.raises(JsonRpcException):  # not a feature we serve: either error is fine
        await raw_request(client, "textDocument/hover", {"position": "here"})
    await assert_alive(client)


async def test_malformed_notifications(client: DockwiseClient):
    raw_notify(client, "textDocument/didOpen", {"textDocument": {"uri": 5}})
    raw_notify(client, "textDocument/didOpen", None)
    raw_notify(client, "workspace/didChangeConfiguration", {"settings": {"dockwise": {"debounceMs": [1]}}})
    # a change for a document that was never opened
    raw_notify(
        client,
        "textDocument/didChange",
        {"textDocument": {"uri": new_uri("ghost"), "version": 2}, "contentChanges": [{"text": "FROM x\n"}]},
    )
    raw_notify(client, "textDocument/didClose", {"textDocument": {"uri": new_uri("ghost")}})
    await assert_alive(client)
    # restore the module's settings (the bad debounceMs fell back to the default)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"dockwise": {"debounceMs": 0}})
    )
    await assert_alive(client)


async def test_change_outside_the_document(client: DockwiseClient):
    uri = new_uri()
    open_doc(client, uri, "FROM ubuntu\n")
    change_doc(client, uri, 2, rng(50, 3, 60, 9), "RUN x\n")
    change_doc(client, uri, 3, rng(0, 400, 0, 900), ":1")
    diags = await diagnostics_now(client, uri, version=3)
    assert "DW999" not in codes(diags)
    await assert_alive(client)


async def test_five_megabyte_document(client: DockwiseClient):
    uri = new_uri("huge")
    text = "FROM ubuntu:22.04\n" + "RUN echo hello world && apt-get install -y curl\n" * (5_100_000 // 48)
    assert len(text) > 5_000_000
    open_doc(client, uri, text)
    (note,) = await diagnostics_now(client, uri)
    assert note.severity == types.DiagnosticSeverity.Information
    assert "did not analyse" in note.message
    change_doc(client, uri, 2, rng(1, 0, 1, 0), "# edited\n")
    await diagnostics_now(client, uri, version=2)
    await assert_alive(client)


async def test_twenty_thousand_line_continuation(client: DockwiseClient):
    uri = new_uri("continuation")
    text = "FROM ubuntu:22.04\n" + "RUN a \\\n" * 20_000 + "  && true\n"
    open_doc(client, uri, text)
    diags = await diagnostics_now(client, uri)
    assert "DW999" not in codes(diags)
    assert all(d.source == "dockwise" for d in diags)
    # an edit at the far end of the continuation
    change_doc(client, uri, 2, rng(20_001, 0, 20_001, 0), "RUN b \\\n")
    diags = await diagnostics_now(client, uri, version=2)
    assert "DW999" not in codes(diags)
    await assert_alive(client)


@pytest.mark.parametrize(
    "text",
    [
        "FROM ubuntu\x00\nRUN \x00\x01\x02\x7f \\\n\x00\nMAINTAINER \x00\n",
        "\x00" * 1000,
        "FROM scratch\nLABEL a=\"\ud800\" b=\udfff\nRUN echo \ufeff\ufffe\uffff\n",  # lone surrogates
        "FROM ubuntu\x0c\x1c\x1d\x1e\x85\u2028\u2029\nRUN a\rRUN b\r\nRUN c\n",  # odd line breaks
        "".join(chr(i) for i in range(0, 0x3000, 7)),
        "\ufeffFROM ubuntu\n",
    ],
    ids=["nul", "all-nul", "surrogates", "line-breaks", "codepoints", "bom"],
)
async def test_binary_text(client: DockwiseClient, text: str):
    uri = new_uri("binary")
    open_doc(client, uri, text)
    await diagnostics_now(client, uri)
    change_doc(client, uri, 2, rng(0, 0, 0, 1), "\x00")
    await diagnostics_now(client, uri, version=2)
    await assert_alive(client)


async def test_concurrent_requests(client: DockwiseClient):
    uris = [new_uri("burst") for _ in range(10)]
    for u in uris:
        open_doc(client, u, "FROM ubuntu\nMAINTAINER x\n")

    async def one(u):
        return codes(await diagnostics_now(client, u))

    results = await asyncio.wait_for(asyncio.gather(*(one(u) for u in uris)), TIMEOUT)
    assert results == [["DL3006", "DL4000"]] * len(uris)


# -- every feature request on every bad document -----------------------------------------

BAD_DOCUMENTS = {
    "huge": "FROM ubuntu:22.04\n" + "RUN echo hello world && apt-get install -y curl\n" * (5_100_000 // 48),
    "continuation": "FROM ubuntu:22.04\n" + "RUN a \\\n" * 20_000 + "  && true\n",
    "nul": "FROM ubuntu\x00\nRUN \x00\x01\x02\x7f \\\n\x00\nMAINTAINER \x00\n",
    "surrogates": "FROM scratch\nLABEL a=\"\ud800\" b=\udfff\nRUN echo \ufeff\ufffe\uffff\n",
    "codepoints": "".join(chr(i) for i in range(0, 0x3000, 7)),
    "broken": "FROM\nCOPY --from= \nRUN <<EOF\nARG ${\nFROM a AS\nRUN --mount=type=,from=${X:-\n",
}


def _feature_requests(uri: str, line: int, col: int) -> list[tuple[str, dict]]:
    td = {"uri": uri}
    pos = {"line": line, "character": col}
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": line + 1, "character": 0}}
    fmt = {"tabSize": 4, "insertSpaces": True}
    return [
        ("textDocument/hover", {"textDocument": td, "position": pos}),
        ("textDocument/completion", {"textDocument": td, "position": pos}),
        ("textDocument/signatureHelp", {"textDocument": td, "position": pos}),
        ("textDocument/definition", {"textDocument": td, "position": pos}),
        ("textDocument/references", {"textDocument": td, "position": pos, "context": {"includeDeclaration": True}}),
        ("textDocument/documentHighlight", {"textDocument": td, "position": pos}),
        ("textDocument/prepareRename", {"textDocument": td, "position": pos}),
        ("textDocument/documentSymbol", {"textDocument": td}),
        ("textDocument/foldingRange", {"textDocument": td}),
        ("textDocument/semanticTokens/full", {"textDocument": td}),
        ("textDocument/semanticTokens/range", {"textDocument": td, "range": whole}),
        ("textDocument/documentLink", {"textDocument": td}),
        ("textDocument/inlayHint", {"textDocument": td, "range": whole}),
        ("textDocument/codeLens", {"textDocument": td}),
        ("textDocument/codeAction", {"textDocument": td, "range": whole, "context": {"diagnostics": []}}),
        ("textDocument/formatting", {"textDocument": td, "options": fmt}),
        ("textDocument/rangeFormatting", {"textDocument": td, "range": whole, "options": fmt}),
        ("workspace/symbol", {"query": ""}),
    ]


@pytest.mark.parametrize("name", list(BAD_DOCUMENTS))
async def test_every_feature_answers_on_bad_documents(client: DockwiseClient, name: str):
    """Each request gets an answer (a result or a clean error) in bounded time,
    at the start, in the middle and past the end of the document."""
    uri = new_uri(f"features-{name}")
    text = BAD_DOCUMENTS[name]
    open_doc(client, uri, text)
    await diagnostics_now(client, uri)
    last = text.count("\n")
    for line, col in ((0, 0), (1, 3), (last // 2, 5), (last + 5, 99)):
        for method, params in _feature_requests(uri, line, col):
            try:
                await raw_request(client, method, params, timeout=TIMEOUT)
            except JsonRpcException as exc:  # a clean error is an answer (e.g. nothing to rename)
                assert "Internal" not in type(exc).__name__, (method, line, col, exc)
    await assert_alive(client)

"""Hover, inlay hints and code lenses over the protocol (real server, recorded
client personas): VS Code 1.65 and Neovim 0.7 (UTF-16, no inlay-hint support,
so sizes come as code lenses) and Neovim 0.11 (UTF-8, inlay hints)."""
from __future__ import annotations

import asyncio
import re

import pytest
import pytest_lsp
from lsp_helpers import (
    DockwiseClient,
    PERSONAS,
    TIMEOUT,
    client_config,
    end_session,
    hover_markdown,
    new_uri,
    open_doc,
    rng,
    start_session,
    utf_units,
    wait_publish,
    wait_until,
)
from lsprotocol import types

from dockwise.images import catalog as images

pytestmark = pytest.mark.asyncio(loop_scope="module")

AMD = "linux/amd64"
INIT = {"debounceMs": 0, "images": {"platform": AMD, "online": False}}  # never any network
HTML_TAG = re.compile(r"</?[A-Za-z!][^>]*>")


def mb(repo: str, tag: str, platform: str = AMD) -> str:
    return f"{images.size_table()['images'][repo][tag]['platforms'][platform] / 1e6:.1f} MB"


@pytest_lsp.fixture(scope="module", params=["vscode", "nvim-0.7", "nvim-0.11"], config=client_config())
async def client(lsp_client: DockwiseClient, request):
    await start_session(lsp_client, PERSONAS[request.param], INIT)
    yield
    await end_session(lsp_client)


@pytest_lsp.fixture(config=client_config(), loop_scope="module")  # the tests' loop
async def fresh(lsp_client: DockwiseClient):
    yield
    await end_session(lsp_client)


async def opened(client: DockwiseClient, text: str) -> str:
    uri = new_uri()
    open_doc(client, uri, text)
    if not client.persona.pulls:
        await wait_publish(client, uri, 1)  # analysed
    return uri


async def hover(client: DockwiseClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await asyncio.wait_for(
        client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character))),
        TIMEOUT)


async def hover_at(client: DockwiseClient, uri: str, line: int, character: int) -> types.Hover:
    h = await hover(client, uri, line, character)
    assert h is not None, f"no hover at {line}:{character}"
    return h


async def inlay_hints(client: DockwiseClient, uri: str, lines: int = 100) -> list[types.InlayHint]:
    got = await asyncio.wait_for(
        client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=rng(0, 0, lines, 0))),
        TIMEOUT)
    return list(got or [])


async def code_lenses(client: DockwiseClient, uri: str) -> list[types.CodeLens]:
    got = await asyncio.wait_for(
        client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))),
        TIMEOUT)
    return list(got or [])


def units(client: DockwiseClient, text: str) -> int:
    return utf_units(text, client.persona.encoding)


DOC = """\
ARG BASE=python:3.12
FROM ${BASE} AS build
RUN echo building
FROM python:3.12-slim
COPY --from=build /app /app
LABEL note="🐳 café" v=$BASE
FROM --platform=linux/arm64 node:22-slim
"""


async def test_capabilities(client: DockwiseClient):
    caps = client.init_result.capabilities
    assert caps.hover_provider and caps.inlay_hint_provider and caps.code_lens_provider


async def test_hover_from_image(client: DockwiseClient):
    uri = await opened(client, DOC)
    h = await hover(client, uri, 3, 8)  # its latency is a benchmark figure (bench/hover.py), not asserted here
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    assert h.contents.kind == types.MarkupKind.Markdown
    md = h.contents.value
    assert "`docker.io/library/python:3.12-slim`" in md and f"**{mb('python', '3.12-slim')}**" in md
    assert not HTML_TAG.search(md)
    assert h.range == rng(3, 5, 3, 21)


async def test_hover_arg_built_image_and_platform(client: DockwiseClient):
    uri = await opened(client, DOC)
    md = hover_markdown(await hover_at(client, uri, 1, 7))
    full = images.size_table()["images"]["python"]["3.12"]["platforms"][AMD]
    slim = images.size_table()["images"]["python"]["3.12-slim"]["platforms"][AMD]
    assert "`docker.io/library/python:3.12`" in md
    assert f"`python:3.12-slim` {slim / 1e6:.1f} MB, saves {(full - slim) / 1e6:.1f} MB" in md
    md = hover_markdown(await hover_at(client, uri, 6, 30))
    assert f"**{mb('node', '22-slim', 'linux/arm64')}**" in md and "--platform=linux/arm64" in md


async def test_hover_stage_keyword_and_variable_utf16(client: DockwiseClient):
    uri = await opened(client, DOC)
    h = await hover_at(client, uri, 4, 13)  # COPY --from=build
    assert "Stage `build`" in hover_markdown(h) and h.range == rng(4, 12, 4, 17)
    h = await hover_at(client, uri, 4, 1)
    assert hover_markdown(h).startswith("**COPY**") and h.range == rng(4, 0, 4, 4)
    # $BASE after non-ASCII text: request and range in the negotiated encoding
    line = DOC.split("\n")[5]
    col = line.index("$BASE")
    start = units(client, line[:col])
    h = await hover(client, uri, 5, start + 2)
    assert h is not None and "`$BASE`" in hover_markdown(h) and "not in scope" in hover_markdown(h)
    assert h.range == rng(5, start, 5, start + 5)
    assert await hover(client, uri, 2, 15) is None  # plain RUN text


async def test_unknown_image_answers_offline(client: DockwiseClient):
    uri = await opened(client, "FROM localhost:5000/team/app:1\n")
    md = hover_markdown(await hover_at(client, uri, 0, 8))
    assert "`localhost:5000/team/app:1`" in md
    assert "Not in dockwise's offline size table" in md
    assert "Live registry lookups are off" in md  # images.online is false here


async def test_sizes_as_inlay_hints_or_code_lenses(client: DockwiseClient):
    uri = await opened(client, DOC)
    lines = DOC.split("\n")
    want = [(1, mb("python", "3.12")), (3, mb("python", "3.12-slim")), (6, mb("node", "22-slim", "linux/arm64"))]
    hints = await inlay_hints(client, uri)  # answered to any client that asks
    assert [(h.position.line, h.label) for h in hints] == want
    assert all(h.position.character == units(client, lines[h.position.line]) for h in hints)
    tooltip = hints[0].tooltip
    assert isinstance(tooltip, str) and "docker-library/repo-info" in tooltip
    lenses = await code_lenses(client, uri)
    if client.persona.name == "nvim-0.11":
        assert lenses == []  # it shows inlay hints
    else:
        assert all(c.command is not None for c in lenses), lenses
        assert [(c.range.start.line, c.command.title if c.command else None) for c in lenses] == want
        assert lenses[0].range == rng(1, 0, 1, len(lines[1]))


@pytest.mark.parametrize("persona", ["vscode", "nvim-0.11"])
async def test_setting_off_no_hints(fresh: DockwiseClient, persona: str):
    await start_session(fresh, PERSONAS[persona], {**INIT, "images": {**INIT["images"], "inlayHints": False}})
    uri = await opened(fresh, DOC)
    assert await inlay_hints(fresh, uri) == []
    assert await code_lenses(fresh, uri) == []
    assert (await hover(fresh, uri, 3, 8)) is not None  # hover stays


@pytest.mark.parametrize("persona,method", [
    ("vscode", types.WORKSPACE_CODE_LENS_REFRESH), ("nvim-0.11", types.WORKSPACE_INLAY_HINT_REFRESH)])
async def test_setting_change_refreshes(fresh: DockwiseClient, persona: str, method: str):
    refreshed: list[str] = []
    for m in (types.WORKSPACE_CODE_LENS_REFRESH, types.WORKSPACE_INLAY_HINT_REFRESH):
        fresh.feature(m)(lambda params, m=m: refreshed.append(m))
    await start_session(fresh, PERSONAS[persona], INIT)
    uri = await opened(fresh, DOC)
    shown = await (inlay_hints if persona == "nvim-0.11" else code_lenses)(fresh, uri)
    assert len(shown) == 3
    fresh.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"dockwise": {**INIT, "images": {**INIT["images"], "inlayHints": False}}}))
    await wait_until(lambda: refreshed, what=f"{method}")
    assert refreshed == [method]
    assert await (inlay_hints if persona == "nvim-0.11" else code_lenses)(fresh, uri) == []

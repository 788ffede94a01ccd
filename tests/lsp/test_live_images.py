"""End to end: the language server looks up an image the offline table does
not know in a real registry (Debian's docker-registry on 127.0.0.1), then
re-lints open documents (DW001 now knows the size), sends
``workspace/inlayHint/refresh`` to clients that support it, and the inlay
hint and hover show the registry's figure. ``images.online`` off: no request.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import (
    TIMEOUT, DockwiseClient, change_doc, hover_markdown, make_client, open_doc, publishes, rng, round_trip,
    server_command, wait_until,
)
from lsprotocol import types
from pytest_lsp import client_capabilities

from dockwise.syntax.model import Pos, Span
from need import missing
from registry_util import Registry, Stub, registry_missing_reason

AMD64, SLIM = 200_000, 20_000


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    why = registry_missing_reason()
    if why:
        missing("docker-registry", why)
    r = Registry(tmp_path_factory.mktemp("registry")).start()
    try:
        r.push_index("team/app", "1", {"linux/amd64": [AMD64 - 1000, 1000], "linux/arm64": [190_000]})
        r.push_index("team/app", "1-slim", {"linux/amd64": [SLIM], "linux/arm64": [19_000]})
        yield r
    finally:
        r.stop()


@pytest.fixture(autouse=True)
def _online(monkeypatch):
    monkeypatch.delenv("DOCKWISE_OFFLINE", raising=False)  # tests/conftest.py turns lookups off by default


LISTED = ["127.0.0.1:*"]  # the test registries are loopback registries the user listed (README, "Security")


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "dockwise.toml").write_text("[options.DW001]\nthreshold_mb = 0.01\n")  # 10 kB: our test images count
    return ws


def caps(kind: str) -> types.ClientCapabilities:
    if kind == "nvim-0.7":  # no inlay hints, no refresh
        return client_capabilities("neovim@v0.7.0")
    c = client_capabilities("visual-studio-code")  # 1.65 + inlay hints with refresh (VS Code >= 1.67)
    assert c.text_document is not None and c.workspace is not None, "VS Code advertises both"
    c.text_document.inlay_hint = types.InlayHintClientCapabilities()
    c.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    return c


class RefreshCountingClient(DockwiseClient):
    """The test client, counting the server's workspace/inlayHint/refresh requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inlay_refreshes = 0


async def start(tmp_path: Path, kind: str, init: dict, env: dict | None = None) -> RefreshCountingClient:
    client = make_client(RefreshCountingClient)

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def _refresh(params):
        client.inlay_refreshes += 1
        return None

    server_env = {**os.environ, "DOCKWISE_CACHE_DIR": str(tmp_path / "cache"),
                  "DOCKER_CONFIG": str(tmp_path / "no-docker-config"), **(env or {})}
    if "DOCKWISE_OFFLINE" not in (env or {}):
        server_env.pop("DOCKWISE_OFFLINE", None)
    await client.start_io(*server_command(), env=server_env)
    await asyncio.wait_for(client.initialize_session(types.InitializeParams(
        capabilities=caps(kind), initialization_options=init,
        client_info=types.ClientInfo(name=f"pytest-lsp/{kind}"))), TIMEOUT)
    return client


async def stop(client) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    except Exception:  # pragma: no cover - the failing assertion says more
        pass


def dw001(client, uri):
    for p in reversed(publishes(client, uri)):
        found = [d for d in p.diagnostics if d.code == "DW001"]
        if found:
            return found[0]
    return None


async def test_live_figure_refreshes_inlay_hints_diagnostics_and_hover(reg, tmp_path):
    from dockwise.editor.hover import fmt_size

    ws = workspace(tmp_path)
    # an earlier session already looked up the slim variant (the cache is shared on disk)
    from dockwise.images import registry
    from dockwise.syntax.parser import parse_image_ref

    slim = f"{reg.host}/team/app:1-slim"
    pre = registry.LiveImages(tmp_path / "cache", docker_config=tmp_path / "no-docker-config",
                              registries=LISTED)
    assert pre.fetch(parse_image_ref(slim, slim, Span(Pos(0, 0), Pos(0, len(slim)))), "linux/amd64").size == SLIM
    pre.close()

    client = await start(tmp_path, "vscode", {"debounceMs": 0, "images": {"platform": "linux/amd64", "registries": LISTED}})
    try:
        uri = (ws / "Dockerfile").as_uri()
        image = f"{reg.host}/team/app:1"
        open_doc(client, uri, f"FROM {image}\nCMD [\"/app\"]\n")
        await wait_until(lambda: publishes(client, uri), TIMEOUT, "first publishDiagnostics")
        await wait_until(lambda: client.inlay_refreshes >= 1, TIMEOUT, "workspace/inlayHint/refresh")
        d = await wait_until(lambda: dw001(client, uri), TIMEOUT, "DW001 after the live lookup")
        assert f"{image} is 0.2 MB (compressed, linux/amd64)" in d.message, d.message
        assert f"{image}-slim is 0.0 MB" in d.message, d.message
        assert all(p.version == 1 for p in publishes(client, uri))

        hints = await asyncio.wait_for(client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=rng(0, 0, 2, 0))), TIMEOUT)
        labels = [h.label if isinstance(h.label, str) else "".join(p.value for p in h.label) for h in hints or []]
        assert any(fmt_size(AMD64) in lab for lab in labels), labels

        hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=8))),
            TIMEOUT)
        text = hover_markdown(hover) if hover else ""
        assert fmt_size(AMD64) in text and f"registry {reg.host}" in text, text
    finally:
        await stop(client)


async def test_client_without_inlay_refresh_gets_republished_diagnostics_only(reg, tmp_path):
    ws = workspace(tmp_path)
    from dockwise.images import registry
    from dockwise.syntax.parser import parse_image_ref

    slim = f"{reg.host}/team/app:1-slim"
    pre = registry.LiveImages(tmp_path / "cache", docker_config=tmp_path / "no-docker-config",
                              registries=LISTED)
    pre.fetch(parse_image_ref(slim, slim, Span(Pos(0, 0), Pos(0, len(slim)))), "linux/arm64")
    pre.close()
    client = await start(tmp_path, "nvim-0.7", {"debounceMs": 0, "images": {"registries": LISTED}})
    try:
        uri = (ws / "Dockerfile").as_uri()
        open_doc(client, uri, f"FROM --platform=linux/arm64 {reg.host}/team/app:1\n")
        d = await wait_until(lambda: dw001(client, uri), TIMEOUT, "DW001 after the live lookup")
        assert "is 0.2 MB (compressed, linux/arm64)" in d.message, d.message
        assert len(publishes(client, uri)) >= 2 and not dw001_in_first(client, uri)
        assert client.inlay_refreshes == 0
    finally:
        await stop(client)


async def test_figures_cached_on_disk_reach_the_document_opened_at_start_up(reg, tmp_path):
    """The first diagnostics are published before the live image source is set up
    (dockwise.lsp.boot); once it is, the document is linted again and the figures an
    earlier session cached on disk show without a new lookup."""
    ws = workspace(tmp_path)
    from dockwise.images import registry
    from dockwise.syntax.parser import parse_image_ref

    pre = registry.LiveImages(tmp_path / "cache", docker_config=tmp_path / "no-docker-config",
                              registries=LISTED)
    for ref in (f"{reg.host}/team/app:1", f"{reg.host}/team/app:1-slim"):
        assert pre.fetch(parse_image_ref(ref, ref, Span(Pos(0, 0), Pos(0, len(ref)))), "linux/amd64").size
    pre.close()
    client = await start(tmp_path, "nvim-0.7", {"images": {"platform": "linux/amd64", "registries": LISTED}})
    try:
        uri = (ws / "Dockerfile").as_uri()
        open_doc(client, uri, f"FROM {reg.host}/team/app:1\n")
        d = await wait_until(lambda: dw001(client, uri), TIMEOUT, "DW001 from the figures cached on disk")
        assert "is 0.2 MB (compressed, linux/amd64)" in d.message, d.message
        assert all(p.version == 1 for p in publishes(client, uri))
    finally:
        await stop(client)


def dw001_in_first(client, uri) -> bool:
    return any(d.code == "DW001" for d in publishes(client, uri)[0].diagnostics)


@pytest.mark.parametrize("how", ["setting", "env"])
async def test_offline_sends_no_request_until_turned_on(tmp_path, how):
    stub = Stub().start()
    try:
        init = ({"debounceMs": 0, "images": {"online": False, "registries": LISTED}} if how == "setting"
                else {"debounceMs": 0, "images": {"registries": LISTED}})
        env = {"DOCKWISE_OFFLINE": "1"} if how == "env" else None
        client = await start(tmp_path, "vscode", init, env)
        try:
            uri = (workspace(tmp_path) / "Dockerfile").as_uri()
            open_doc(client, uri, f"FROM {stub.host}/x/y:1\n")
            await wait_until(lambda: publishes(client, uri), TIMEOUT, "publishDiagnostics")
            hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=8))),
                TIMEOUT)
            assert hover is None or "images.online" in hover_markdown(hover)  # the server decided: offline
            await round_trip(client)
            # (that no lookup is even queued when offline is shown in-process, where it is
            # deterministic: tests/test_registry_live.py::test_offline_sends_nothing)
            assert stub.hits == []
            if how == "setting":  # turning the setting on starts lookups (here: a 404 from the stub)
                client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
                    settings={"dockwise": {"debounceMs": 0, "images": {"online": True, "registries": LISTED}}}))
                change_doc(client, uri, 2, rng(0, 0, 0, 0), "# c\n")
                await wait_until(lambda: stub.hits, TIMEOUT, "a registry request once online")
                assert stub.hits[0][1] == "/v2/x/y/manifests/1"
        finally:
            await stop(client)
    finally:
        stub.stop()


async def test_an_unlisted_loopback_registry_is_never_contacted_and_hover_says_why(tmp_path):
    """Issue 17: a Dockerfile naming a local port (here a stub standing in
    for any local service) gets no request until the user lists it in
    images.registries; the hover says how to allow it."""
    stub = Stub().start()
    try:
        client = await start(tmp_path, "vscode", {"debounceMs": 0})
        try:
            uri = (workspace(tmp_path) / "Dockerfile").as_uri()
            open_doc(client, uri, f"FROM {stub.host}/x/y:1\n")
            await wait_until(lambda: publishes(client, uri), TIMEOUT, "publishDiagnostics")
            hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=8))),
                TIMEOUT)
            text = hover_markdown(hover) if hover else ""
            assert "lookup not allowed: add it to images.registries" in text, text
            # the hover was answered after the document's lookups were decided: none went out
            assert stub.hits == []
            client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
                settings={"dockwise": {"debounceMs": 0, "images": {"registries": [stub.host]}}}))
            change_doc(client, uri, 2, rng(0, 0, 0, 0), "# listed now\n")
            await wait_until(lambda: stub.hits, TIMEOUT, "a registry request once listed")
            assert stub.hits[0][1] == "/v2/x/y/manifests/1"
        finally:
            await stop(client)
    finally:
        stub.stop()

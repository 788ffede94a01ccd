"""Helpers for the language-server end-to-end tests (pytest-lsp 1.0).

Each fixture (see conftest.py) starts the real server as a subprocess over stdio and drives it
with pytest-lsp's client using a recorded client *persona*:

========== =============================== ========== ====== =============
persona    capabilities                    encoding   pulls  ws/config
========== =============================== ========== ====== =============
vscode     VS Code 1.65.2                  utf-16     no     yes
nvim-0.7   Neovim 0.7.0                    utf-16     no     no
vscode-u8  VS Code + positionEncodings u8  utf-8      no     yes
nvim-0.11  Neovim 0.11.0                   utf-8      yes    yes (no refresh)
vscode-pl  VS Code + textDocument.diag.    utf-16     yes    yes (+refresh)
========== =============================== ========== ====== =============

The server command is ``python -m dockwise serve`` when the CLI's
``__main__`` exists and works, else ``python -m dockwise.lsp.server``
(override with ``DOCKWISE_LSP_COMMAND``). Every wait is bounded.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import importlib.util
import itertools
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Callable

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT = 20.0  # seconds for any single wait


# -- which command starts the server ------------------------------------------------


@functools.lru_cache(maxsize=1)
def server_command() -> list[str]:
    override = os.environ.get("DOCKWISE_LSP_COMMAND")
    if override:
        return shlex.split(override)
    fallback = [sys.executable, "-m", "dockwise.lsp.server"]
    if importlib.util.find_spec("dockwise.__main__") is None:
        return fallback
    cli = [sys.executable, "-m", "dockwise", "serve"]
    try:
        probe = subprocess.run(cli + ["--help"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return fallback
    return cli if probe.returncode == 0 else fallback


# -- personas ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    name: str
    encoding: str  # negotiated position encoding
    pulls: bool  # advertises textDocument.diagnostic
    configuration: bool  # advertises workspace.configuration
    refresh: bool = False  # advertises workspace.diagnostics.refreshSupport

    def capabilities(self) -> types.ClientCapabilities:
        return _CAPS[self.name]()


def _vscode_utf8() -> types.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    general = caps.general or types.GeneralClientCapabilities()
    general.position_encodings = [types.PositionEncodingKind.Utf8]
    caps.general = general
    return caps


def _vscode_pull() -> types.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=False
    )
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


_CAPS: dict[str, Callable[[], types.ClientCapabilities]] = {
    "vscode": lambda: client_capabilities("visual-studio-code"),
    "nvim-0.7": lambda: client_capabilities("neovim@v0.7.0"),
    "vscode-u8": _vscode_utf8,
    "nvim-0.11": lambda: client_capabilities("neovim@v0.11.0"),
    "vscode-pl": _vscode_pull,
}

PERSONAS = {
    p.name: p
    for p in (
        Persona("vscode", "utf-16", pulls=False, configuration=True),
        Persona("nvim-0.7", "utf-16", pulls=False, configuration=False),
        Persona("vscode-u8", "utf-8", pulls=False, configuration=True),
        Persona("nvim-0.11", "utf-8", pulls=True, configuration=True),
        Persona("vscode-pl", "utf-16", pulls=True, configuration=True, refresh=True),
    )
}
PUSH_PERSONAS = ["vscode", "nvim-0.7", "vscode-u8"]
PULL_PERSONAS = ["nvim-0.11", "vscode-pl"]


# -- client ---------------------------------------------------------------------------------


def _record_publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    client.published.append(params)  # type: ignore[attr-defined]
    client.diagnostics[params.uri] = params.diagnostics


def make_client() -> LanguageClient:
    """pytest-lsp's test client, also keeping every publishDiagnostics (with version)."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_publish
    register_lsp_features(client, features)
    return client


def client_config():
    from pytest_lsp import ClientServerConfig

    return ClientServerConfig(server_command=server_command(), client_factory=make_client)


async def start_session(
    client: LanguageClient, persona: Persona, init_options: Any = None
) -> types.InitializeResult:
    client.persona = persona  # type: ignore[attr-defined]
    client.init_result = await asyncio.wait_for(  # type: ignore[attr-defined]
        client.initialize_session(
            types.InitializeParams(
                capabilities=persona.capabilities(),
                initialization_options={"debounceMs": 0} if init_options is None else init_options,
                client_info=types.ClientInfo(name=f"pytest-lsp/{persona.name}"),
            )
        ),
        TIMEOUT,
    )
    return client.init_result  # type: ignore[attr-defined]


async def end_session(client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    except asyncio.TimeoutError:  # pragma: no cover - reported by the test that hung
        pass


# -- helpers -------------------------------------------------------------------------------------

_uris = itertools.count(1)


def new_uri(tag: str = "Dockerfile") -> str:
    """A fresh URI per test: module-scoped clients share their state."""
    return f"file:///workspace/{tag}-{next(_uris)}/Dockerfile"


async def wait_until(pred: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition") -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = pred()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.005)


def publishes(client: LanguageClient, uri: str) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri]  # type: ignore[attr-defined]


async def wait_publish(
    client: LanguageClient, uri: str, version: int | None = None, *, after: int = 0, timeout: float = TIMEOUT
) -> types.PublishDiagnosticsParams:
    """The first publish for ``uri`` (with ``version``, if given) beyond the first ``after`` ones."""

    def find():
        for p in publishes(client, uri)[after:]:
            if version is None or p.version == version:
                return p
        return None

    return await wait_until(find, timeout, f"publishDiagnostics for {uri} v{version}")


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="dockerfile", version=version, text=text)
        )
    )


def change_doc(
    client: LanguageClient, uri: str, version: int, rng: types.Range, text: str
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)],
        )
    )


def close_doc(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def pull(
    client: LanguageClient, uri: str, previous_result_id: str | None = None
) -> types.FullDocumentDiagnosticReport | types.UnchangedDocumentDiagnosticReport:
    return await asyncio.wait_for(
        client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                identifier="dockwise",
                previous_result_id=previous_result_id,
            )
        ),
        TIMEOUT,
    )


async def raw_request(client: LanguageClient, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
    """Send a request exactly as given (bypassing the client's type checks) and
    await the response; an error response raises ``JsonRpcException``."""
    msg_id = f"raw-{next(_uris)}"
    fut: concurrent.futures.Future = concurrent.futures.Future()
    client.protocol._request_futures[msg_id] = fut
    client.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)


def raw_notify(client: LanguageClient, method: str, params: Any) -> None:
    client.protocol._send_data({"jsonrpc": "2.0", "method": method, "params": params})


def rng(l1: int, c1: int, l2: int, c2: int) -> types.Range:
    return types.Range(start=types.Position(line=l1, character=c1), end=types.Position(line=l2, character=c2))


def codes(diags) -> list[str]:
    return [d.code for d in diags]


async def diagnostics_now(client: LanguageClient, uri: str, *, after: int = 0, version: int | None = None):
    """The document's diagnostics the way this persona receives them."""
    persona: Persona = client.persona  # type: ignore[attr-defined]
    if persona.pulls:
        report = await pull(client, uri)
        return report.items
    return (await wait_publish(client, uri, version, after=after)).diagnostics


def utf_units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


async def round_trip(client: LanguageClient, times: int = 2) -> None:
    """Requests answered in turn (``workspace/symbol``): everything the server
    sent while handling earlier messages, and what those handlers scheduled to
    run next (``call_soon``), arrives before the last answer. So "nothing
    arrived" is shown by this answer arriving, never by sleeping."""
    for _ in range(times):
        await asyncio.wait_for(client.workspace_symbol_async(types.WorkspaceSymbolParams(query="")), TIMEOUT)

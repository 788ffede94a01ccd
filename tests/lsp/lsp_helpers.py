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
``__main__`` exists and works, else ``python -m dockwise.lsp.boot``
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
from typing import Any, Callable, Iterable, Sequence, TypeVar

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
    fallback = [sys.executable, "-m", "dockwise.lsp.boot"]
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
    text_document = caps.text_document or types.TextDocumentClientCapabilities()
    text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=False
    )
    caps.text_document = text_document
    workspace = caps.workspace or types.WorkspaceClientCapabilities()
    workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    caps.workspace = workspace
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


class DockwiseClient(LanguageClient):
    """pytest-lsp's test client, also keeping every publishDiagnostics (with version)
    and the persona and initialize result of the session it started."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self._persona: Persona | None = None
        self._init_result: types.InitializeResult | None = None

    @property
    def persona(self) -> Persona:
        if self._persona is None:
            raise AssertionError("no session started: start_session() sets the persona")
        return self._persona

    @persona.setter
    def persona(self, persona: Persona) -> None:
        self._persona = persona

    @property
    def init_result(self) -> types.InitializeResult:
        if self._init_result is None:
            raise AssertionError("no session started: start_session() keeps the initialize result")
        return self._init_result

    @init_result.setter
    def init_result(self, result: types.InitializeResult) -> None:
        self._init_result = result


C = TypeVar("C", bound=DockwiseClient)


def _record_publish(client: DockwiseClient, params: types.PublishDiagnosticsParams) -> None:
    client.published.append(params)
    client.diagnostics[params.uri] = params.diagnostics


def make_client(cls: type[C] = DockwiseClient) -> C:
    """A test client of class ``cls`` (a DockwiseClient) recording publishDiagnostics."""
    client = cls(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_publish
    register_lsp_features(client, features)
    return client


def client_config():
    from pytest_lsp import ClientServerConfig

    return ClientServerConfig(server_command=server_command(), client_factory=make_client)


async def start_session(
    client: DockwiseClient, persona: Persona, init_options: Any = None
) -> types.InitializeResult:
    client.persona = persona
    client.init_result = await asyncio.wait_for(
        client.initialize_session(
            types.InitializeParams(
                capabilities=persona.capabilities(),
                initialization_options={"debounceMs": 0} if init_options is None else init_options,
                client_info=types.ClientInfo(name=f"pytest-lsp/{persona.name}"),
            )
        ),
        TIMEOUT,
    )
    return client.init_result


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


def publishes(client: DockwiseClient, uri: str) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri]


async def wait_publish(
    client: DockwiseClient, uri: str, version: int | None = None, *, after: int = 0, timeout: float = TIMEOUT
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
) -> types.RelatedFullDocumentDiagnosticReport | types.RelatedUnchangedDocumentDiagnosticReport:
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


def full(
    report: types.RelatedFullDocumentDiagnosticReport | types.RelatedUnchangedDocumentDiagnosticReport,
) -> types.RelatedFullDocumentDiagnosticReport:
    """``report``, checked to be a full report (with items)."""
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport), f"expected a full report, got {report}"
    return report


def unchanged(
    report: types.RelatedFullDocumentDiagnosticReport | types.RelatedUnchangedDocumentDiagnosticReport,
) -> types.RelatedUnchangedDocumentDiagnosticReport:
    """``report``, checked to be an unchanged report."""
    assert isinstance(report, types.RelatedUnchangedDocumentDiagnosticReport), f"expected an unchanged report, got {report}"
    return report


async def pull_items(client: LanguageClient, uri: str) -> Sequence[types.Diagnostic]:
    """The items of a full pull report for ``uri``."""
    return full(await pull(client, uri)).items


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


def code_of(d: types.Diagnostic) -> str:
    """A diagnostic's code (dockwise always sends a string code)."""
    assert isinstance(d.code, str), f"diagnostic without a string code: {d}"
    return d.code


def codes(diags: Iterable[types.Diagnostic]) -> list[str]:
    return [code_of(d) for d in diags]


async def quick_fix(client: LanguageClient, uri: str, d: types.Diagnostic) -> tuple[types.CodeAction,
                                                                                    list[types.TextEdit]]:
    """The one fix (not an "Ignore …" action) the server offers for the
    diagnostic ``d`` as received, and its edits for ``uri``."""
    res = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=d.range,
        context=types.CodeActionContext(diagnostics=[d], only=[types.CodeActionKind.QuickFix]),
    )), TIMEOUT)
    fixes = [a for a in res or [] if isinstance(a, types.CodeAction) and not a.title.startswith("Ignore ")]
    assert len(fixes) == 1, f"expected one fix for {d.code}, got {[a.title for a in fixes]}"
    (a,) = fixes
    assert a.edit is not None, f"the fix {a.title!r} has no edit"
    edits: list[types.TextEdit] = []
    for dc in a.edit.document_changes or ():
        assert isinstance(dc, types.TextDocumentEdit) and dc.text_document.uri == uri
        edits += [e for e in dc.edits if isinstance(e, types.TextEdit)]
    edits += list((a.edit.changes or {}).get(uri, ()))
    assert edits, f"the fix {a.title!r} edits nothing in {uri}"
    return a, edits


async def diagnostics_now(
    client: DockwiseClient, uri: str, *, after: int = 0, version: int | None = None
) -> Sequence[types.Diagnostic]:
    """The document's diagnostics the way this persona receives them."""
    if client.persona.pulls:
        return await pull_items(client, uri)
    return (await wait_publish(client, uri, version, after=after)).diagnostics


def hover_markdown(h: types.Hover) -> str:
    """A hover's markdown (dockwise answers with MarkupContent)."""
    assert isinstance(h.contents, types.MarkupContent), h.contents
    return h.contents.value


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

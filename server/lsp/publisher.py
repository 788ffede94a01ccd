"""The diagnostics publisher: push (debounced per document) or pull, never both.

* **push** (``textDocument/publishDiagnostics`` with the document version) on
  ``didOpen`` and, debounced per URI by ``debounceMs``, on ``didChange``;
  ``didClose`` publishes ``[]``;
* **pull** (``textDocument/diagnostic``) answered from the document store,
  with result ids and ``unchanged`` reports.

``diagnosticMode=auto`` pulls when the client advertises
``textDocument.diagnostic`` and pushes otherwise; ``push``/``pull`` force one.
In push mode a pull request gets an empty report (so a client that pulls
anyway shows the pushed diagnostics once). After a settings change that
changes what documents produce, open documents are re-published (push) or
the client is asked to pull again (pull, when it supports
``workspace/diagnostic/refresh``).
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Protocol

from lsprotocol import types

from dockwise.lsp import logs
from dockwise.lsp.capabilities import diagnostic_mode
from dockwise.lsp.convert import publish_body
from dockwise.lsp.transport import FramedWriter

if TYPE_CHECKING:  # pragma: no cover
    from pygls.workspace import Workspace

    from dockwise.lsp.capabilities import ClientCapabilities
    from dockwise.lsp.configuration import WorkspaceConfig
    from dockwise.lsp.documents import DocState, DocumentStore
    from dockwise.lsp.hooks import SettingsChange

log = logging.getLogger("dockwise")


class PublishHost(Protocol):
    """What the publisher needs from the server."""

    loop: asyncio.AbstractEventLoop | None
    initialized: bool

    @property
    def workspace(self) -> "Workspace": ...

    @property
    def protocol(self) -> Any: ...

    def text_document_publish_diagnostics(self, params: Any) -> Any: ...

    def workspace_diagnostic_refresh(self, params: Any) -> Any: ...


class DiagnosticsPublisher:
    def __init__(self, host: PublishHost, documents: "DocumentStore", config: "WorkspaceConfig",
                 caps: "ClientCapabilities"):
        self.host = host
        self.documents = documents
        self.config = config
        self.caps = caps
        self.mode = "push"  # effective diagnostic mode, decided at initialize
        self._pushed: set[str] = set()  # URIs we published a non-empty list for
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def effective_mode(self) -> str:
        return diagnostic_mode(self.config.settings.diagnosticMode, self.caps.pulls)

    def published(self, uri: str, st: "DocState | None") -> None:
        """``st`` was published for ``uri`` before this publisher existed (:mod:`dockwise.lsp.boot`)."""
        if st is not None and st.texts:
            self._pushed.add(uri)

    def _open_uris(self) -> list[str]:
        if not self.host.initialized:
            return []
        try:
            return list(self.host.workspace.text_documents)
        except RuntimeError:
            return []

    # -- hooks ------------------------------------------------------------------------------

    def settings_changed(self, change: "SettingsChange") -> None:
        old_mode = self.mode
        if self.host.initialized:
            self.mode = self.effective_mode()
        if change.new != change.old or self.mode != old_mode:
            log.info("settings from %s: %s (diagnostics: %s)", change.source, change.new.to_dict(), self.mode)
        if change.resync and (change.lint_changed or self.mode != old_mode):
            self.resync(old_mode)
        elif change.stale:
            self.refresh(change.stale)

    def opened(self, uri: str) -> None:
        self.cancel(uri)
        self.publish(uri)

    def closed(self, uri: str) -> None:
        self.cancel(uri)
        if self.mode == "push" or uri in self._pushed:
            self.clear(uri)

    # -- pull -------------------------------------------------------------------------------

    def report(self, uri: str, previous_result_id: str | None
               ) -> types.FullDocumentDiagnosticReport | types.UnchangedDocumentDiagnosticReport:
        """The answer to ``textDocument/diagnostic``."""
        if self.mode != "pull":  # diagnostics are pushed: never report twice
            return types.FullDocumentDiagnosticReport(items=[])
        st = self.documents.state(uri)
        if st is None:
            return types.FullDocumentDiagnosticReport(items=[])
        if previous_result_id is not None and previous_result_id == st.result_id:
            return types.UnchangedDocumentDiagnosticReport(result_id=st.result_id)
        return types.FullDocumentDiagnosticReport(items=st.diagnostics, result_id=st.result_id)

    # -- push -------------------------------------------------------------------------------

    def publish(self, uri: str) -> None:
        """Publish the current diagnostics of ``uri`` (push mode only)."""
        if self.mode != "push":
            return
        st = self.documents.state(uri)
        if st is None:
            return
        self._send(uri, st)
        if st.texts:
            self._pushed.add(uri)
        else:
            self._pushed.discard(uri)

    def _send(self, uri: str, st: "DocState") -> None:
        """publishDiagnostics, written from the diagnostics' JSON texts (made
        once per finding by :class:`~dockwise.lsp.convert.DiagnosticCache`):
        no lsprotocol objects, no cattrs, no re-encoding of unchanged ones."""
        writer = getattr(self.host.protocol, "writer", None)
        if not isinstance(writer, FramedWriter):
            self.host.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=st.diagnostics, version=st.version)
            )
            return
        body = publish_body(uri, st.texts, st.version)
        try:
            writer.write(body)
        except (BrokenPipeError, ConnectionError) as exc:
            logs.log_failure(f"sending diagnostics for {uri}", exc)
            raise

    def clear(self, uri: str) -> None:
        self.host.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self._pushed.discard(uri)

    def cancel(self, uri: str) -> None:
        handle = self._timers.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def schedule(self, uri: str) -> None:
        """Publish after ``debounceMs`` of quiet for this URI (0: now)."""
        if self.mode != "push":
            return
        self.cancel(uri)
        delay = self.config.settings.debounceMs / 1000.0
        loop = self.host.loop
        if delay <= 0 or loop is None:
            self.publish(uri)
            return
        self._timers[uri] = loop.call_later(delay, self._debounced, uri)

    def _debounced(self, uri: str) -> None:
        self._timers.pop(uri, None)
        try:
            self.publish(uri)
        except Exception as exc:
            logs.log_failure(f"publishing diagnostics for {uri}", exc)

    def resync(self, old_mode: str) -> None:
        """Every open document's results changed: republish (push) or ask the
        client to pull again (pull, if it supports refresh)."""
        if self.mode == "push":
            for uri in self._open_uris():
                try:
                    self.cancel(uri)
                    self.publish(uri)
                except Exception as exc:
                    logs.log_failure(f"republishing {uri}", exc)
        else:
            if old_mode == "push":
                for uri in list(self._pushed):
                    self.clear(uri)
            self._pull_again()

    def refresh(self, uris: "tuple[str, ...] | list[str]") -> None:
        """These documents' results changed."""
        if self.mode == "push":
            for uri in uris:
                try:
                    self.publish(uri)
                except Exception as exc:
                    logs.log_failure(f"publishing {uri}", exc)
        elif uris:
            self._pull_again()

    def _pull_again(self) -> None:
        if self.caps.diagnostic_refresh:
            try:
                self.host.workspace_diagnostic_refresh(None)
            except Exception as exc:
                logs.log_failure("workspace/diagnostic/refresh", exc)

    def shutdown(self) -> None:
        for uri in list(self._timers):
            self.cancel(uri)

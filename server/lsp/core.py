"""The language server object: pygls' ``LanguageServer`` composed of the server's parts.

:class:`DockwiseServer` holds, and wires together through :class:`~dockwise.lsp.hooks.Hooks`:

* ``config`` — :class:`~dockwise.lsp.configuration.WorkspaceConfig`: client
  settings over configuration files, per root;
* ``documents`` — :class:`~dockwise.lsp.documents.DocumentStore`: each open
  document's analysis (model, lint cache, diagnostics), in one place;
* ``diagnostics`` — :class:`~dockwise.lsp.publisher.DiagnosticsPublisher`:
  push with debounce timers, or pull;
* ``caps`` — :class:`~dockwise.lsp.capabilities.ClientCapabilities`;
* ``features`` — the :class:`~dockwise.lsp.hooks.Feature` objects added with
  :meth:`DockwiseServer.add_feature`, by name.

Handlers are registered with :meth:`DockwiseServer.handler`, the one place
that turns an exception into an LSP error response (``-32603``) plus one log
line; a handler raises ``JsonRpcException`` itself for a deliberate error
(e.g. a rename that cannot be done).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Callable, Protocol

from lsprotocol import types
from pygls.exceptions import (
    FeatureRequestError,
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcMethodNotFound,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from dockwise import __version__
from dockwise.lsp import logs
from dockwise.lsp.capabilities import ClientCapabilities
from dockwise.lsp.configuration import WorkspaceConfig
from dockwise.lsp.documents import DocumentStore, workspace_lookup
from dockwise.lsp.hooks import Feature, Hooks, SettingsChange
from dockwise.lsp.publisher import DiagnosticsPublisher
from dockwise.lsp.transport import FramedWriter

log = logging.getLogger("dockwise")

SERVER_NAME = "dockwise"


# -- protocol: answer malformed requests instead of dropping them ------------------

class DockwiseProtocol(LanguageServerProtocol):
    """pygls' protocol, plus: a request whose params do not match the spec gets
    an ``InvalidParams`` error response (pygls would log it and never answer,
    leaving the client waiting) and one log line; a malformed notification is
    dropped with one log line. A message that could not be structured becomes
    None, which :meth:`handle_message` ignores."""

    def __init__(self, server: Any, converter: Any):
        super().__init__(server, converter)
        self.converter = converter  # the cattrs converter pygls (un)structures messages with

    def send_error(self, msg_id: Any, error: JsonRpcException) -> None:
        if isinstance(self.writer, FramedWriter):
            self.writer.send_json({"jsonrpc": "2.0", "id": msg_id,
                                   "error": {"code": error.code, "message": error.message}})
        else:  # pragma: no cover - only our transport is used
            self._send_response(msg_id, error=error.to_response_error())

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except Exception as exc:
            why = _why(exc)
            try:
                method = data.get("method")
                if "id" in data and method is not None:
                    if method in self.fm.features or method in self.fm.builtin_features:
                        err: JsonRpcException = JsonRpcInvalidParams(f"invalid params for {method!r}: {why}")
                    else:
                        err = JsonRpcMethodNotFound.of(str(method))
                    self.send_error(data["id"], err)
                    log.warning("malformed %s request (id %r) answered with error %d: %s",
                                method, data["id"], err.code, why)
                elif "id" in data:  # a malformed response to one of our requests
                    fut = self._request_futures.pop(data["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_exception(exc)
                    log.warning("malformed response to request %r dropped: %s", data["id"], why)
                else:
                    log.warning("malformed %s notification dropped: %s", method, why)
            except Exception as inner:  # never let error handling break the reader loop
                logs.log_failure("answering a malformed message", inner)
            return None

    def handle_message(self, message):
        if message is None:
            return
        super().handle_message(message)

    def structure_strict(self, data: dict[str, Any]):
        """pygls' structured message; raises when the params do not match the spec."""
        return super().structure_message(data)


def _why(exc: Exception) -> str:
    """One line saying what is wrong with a message's params (cattrs' own
    wording of each problem, with its JSON path)."""
    cause = exc.__cause__ or exc
    try:
        from cattrs import transform_error

        problems = transform_error(cause, path="$")  # type: ignore[arg-type]
        if problems:
            return logs.one_line("; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""))
    except Exception:
        pass
    return logs.describe(cause)


def _is_notification(method: str) -> bool:
    """Whether LSP's ``method`` is a notification (no response)."""
    entry = types.METHOD_TO_TYPES.get(method)
    if entry is None:
        return False
    fields = getattr(entry[0], "__attrs_attrs__", None)
    return fields is not None and not any(f.name == "id" for f in fields)


# -- the server ----------------------------------------------------------------------


class Parts(Protocol):
    """The server's parts made before it (by :class:`dockwise.lsp.boot.Boot`)."""

    hooks: Hooks
    config: WorkspaceConfig
    documents: DocumentStore


class DockwiseServer(LanguageServer):
    def __init__(self, parts: "Parts | None" = None) -> None:
        super().__init__(
            SERVER_NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=DockwiseProtocol,
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self.loop_thread: int | None = None
        self.initialized = False  # initialize received
        self.phase = "new"  # the transport's lifecycle phase: new, running, shutdown
        self.caps = ClientCapabilities(lambda: self.client_capabilities)
        if parts is None:
            self.hooks = Hooks()
            self.config = WorkspaceConfig(self)
            self.documents = DocumentStore(workspace_lookup(lambda: self.workspace), self.config, self.caps,
                                           self.hooks)
        else:  # taken over from the start-up path: what it analysed stays
            self.hooks, self.config, self.documents = parts.hooks, parts.config, parts.documents
            self.config.host = self
            self.documents.host_changed(workspace_lookup(lambda: self.workspace), self.caps)
        self.diagnostics = DiagnosticsPublisher(self, self.documents, self.config, self.caps)
        self.features: dict[str, Feature] = {}
        # the server's own parts react to a settings change first: stale analyses, then publishing
        self.hooks.on("settings_changed", self._invalidate)
        self.hooks.on("settings_changed", self.diagnostics.settings_changed)

    def _invalidate(self, change: SettingsChange) -> None:
        if change.lint_changed:
            self.documents.invalidate_all()
        for uri in change.stale:
            self.documents.invalidate(uri)

    # -- shortcuts for features ---------------------------------------------------------

    @property
    def settings(self):
        """The effective client settings (:class:`dockwise.editor.settings.Settings`)."""
        return self.config.settings

    @property
    def live_images(self) -> Any:
        """The live registry source of the ``live`` feature, when it is on (else None)."""
        return getattr(self.features.get("live"), "live_images", None)

    # -- extension points ---------------------------------------------------------------

    def add_feature(self, feature: Feature) -> None:
        """Add a feature: subscribe its hook methods, let it register its handlers."""
        if feature.name in self.features:
            raise ValueError(f"a feature named {feature.name!r} is already added")
        self.features[feature.name] = feature
        for name, method in feature.hook_methods().items():
            self.hooks.on(name, method)
        feature.register()

    def handler(self, method: str, options: Any = None) -> Callable[[Callable[[Any, Any], Any]], Callable]:
        """Register ``fn(ls, params)`` for LSP ``method``. An exception other
        than a ``JsonRpcException`` becomes one log line (traceback at debug
        level) and, for a request, an ``InternalError`` response."""
        notification = _is_notification(method)

        def decorator(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
            def run(params: Any) -> Any:
                try:
                    return fn(self, params)
                except JsonRpcException:
                    raise
                except Exception as exc:
                    logs.log_failure(method, exc)
                    if notification:
                        return None
                    raise JsonRpcInternalError(f"{method} failed: {logs.describe(exc)}") from None

            run.__name__ = run.__qualname__ = f"handle {method}"
            self.feature(method, options)(run)
            return fn

        return decorator

    # -- the session ----------------------------------------------------------------------

    def begin(self, initialization_options: Any) -> None:
        """``initialize``: take the client's settings, decide the diagnostic mode."""
        if self.loop is None:  # not started through our transport
            self.started(asyncio.get_running_loop())
        self.initialized = True
        self.config.init_payload = initialization_options
        self.config.apply_settings("initializationOptions", resync=False)
        self.diagnostics.mode = self.diagnostics.effective_mode()

    def adopt_opened(self, item: dict, state: Any, pushed: bool = True) -> None:
        """A document the start-up path opened, analysed and published
        (``item``: the ``didOpen``'s ``textDocument``; ``state``: its analysis,
        published when ``pushed``, reported to a pull client, or None when not
        made yet): into the workspace, and announced to the features, without
        analysing it again."""
        uri = item["uri"]
        self.workspace.put_text_document(types.TextDocumentItem(
            uri=uri, language_id=item["languageId"], version=item["version"], text=item["text"]))
        if pushed:
            self.diagnostics.published(uri, state)
        if self.loop is not None:  # after what the replayed initialize scheduled (the live image source)
            self.loop.call_soon(self._announce_opened, uri, state)
        else:
            self._announce_opened(uri, state)

    def _announce_opened(self, uri: str, state: Any) -> None:
        """The features hear of the document; and since setting them up may
        change what the engine sees (the live image sizes), it is linted
        again, its model kept, and published (or pulled) again only if that
        changed anything; else its analysis and result id stay."""
        if self.documents.open_document(uri) is None:
            return  # closed meanwhile
        self.hooks.emit("document_opened", uri)
        entry = self.documents.entry(uri)
        if state is None or entry is None or entry.state is not state:
            return  # edited meanwhile: that version's analysis ran the hooks
        if self.documents.lint_again(uri):  # runs the document_analysed hook
            self.diagnostics.refresh([uri])

    # -- the transport and the log ------------------------------------------------------

    def started(self, loop: asyncio.AbstractEventLoop) -> None:
        """The transport's event loop runs (before any message)."""
        self.loop = loop
        self.loop_thread = threading.get_ident()

    def set_phase(self, phase: str) -> None:
        self.phase = phase

    def set_writer(self, writer: FramedWriter) -> None:
        self.protocol.set_writer(writer, include_headers=False)  # the writer frames

    def can_log_to_client(self) -> bool:
        w = self.protocol.writer
        return self.phase != "new" and w is not None and not getattr(w, "closed", False)

    def log_to_client(self, kind: int, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=types.MessageType(kind), message=message))

    def report_server_error(self, error: Exception, source) -> None:
        """Log (one line) instead of popping up ``window/showMessage`` dialogs."""
        try:
            if source is FeatureRequestError or isinstance(error, JsonRpcMethodNotFound):
                # already answered with an error response (and logged by whoever raised it)
                log.debug("request failed: %s", logs.one_line(str(error)))
                return
            logs.log_failure(f"server ({getattr(source, '__name__', source)})", error)
        except Exception:
            pass

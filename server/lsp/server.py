"""The dockwise language server (pygls 2): entry points and the document lifecycle.

:func:`create_server` builds a :class:`~dockwise.lsp.core.DockwiseServer`,
registers the lifecycle and document-sync handlers (below, thin: each hands
the event to the document store, the workspace configuration or the
diagnostics publisher) and adds the features of :data:`FEATURE_MODULES`
(each module's ``setup(server)`` adds its :class:`~dockwise.lsp.hooks.Feature`).
:func:`dockwise.lsp.boot.serve` runs it over stdio or TCP with the server's own
transport (:mod:`dockwise.lsp.transport`) and logging (:mod:`dockwise.lsp.logs`:
``window/logMessage`` and ``--log-file``, nothing on stderr), after answering
``initialize`` and publishing the first diagnostics itself (``parts``: what it
made meanwhile).

Under ``dockwise serve`` the engine, parser and rules are already imported
(:mod:`dockwise.lsp.boot` does it right after answering ``initialize``);
created on its own, the server imports them on first analysis or in a
worker thread after ``initialized``. See ``docs/architecture.md`` for the
path of a keystroke.
"""
from __future__ import annotations

import importlib
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError  # noqa: F401  (re-exported for tests)

from dockwise import __version__
from dockwise.lsp import logs
from dockwise.lsp.convert import SOURCE
from dockwise.lsp.core import SERVER_NAME, DockwiseServer  # noqa: F401  (re-exported)
from dockwise.lsp.documents import MAX_DIAGNOSTICS, DocState, warm_up  # noqa: F401  (re-exported)

log = logging.getLogger("dockwise")

# code actions (issue 4), hover and inlay hints (5), navigation and editing (6), live image sizes (5),
# ShellCheck in RUN (13)
FEATURE_MODULES = ("actions", "hover", "navigation", "editing", "live", "shellcheck")


def _document_handlers(server: DockwiseServer) -> None:
    @server.handler(types.INITIALIZE)
    def initialize(ls: DockwiseServer, params: types.InitializeParams) -> None:
        ls.begin(params.initialization_options)
        client = params.client_info.name if params.client_info else "unknown client"
        log.info(
            "dockwise %s for %s: position encoding %s, %s diagnostics",
            __version__, client, getattr(ls.workspace.position_encoding, "value", ls.workspace.position_encoding),
            ls.diagnostics.mode,
        )

    @server.handler(types.INITIALIZED)
    def initialized(ls: DockwiseServer, params: types.InitializedParams) -> None:
        ls.thread_pool.submit(warm_up)
        ls.config.schedule_fetch()
        ls.hooks.emit("initialized")

    @server.handler(types.SHUTDOWN)
    def shutdown(ls: DockwiseServer, params: Any) -> None:
        ls.diagnostics.shutdown()
        ls.config.cancel()
        ls.hooks.emit("shutdown")

    @server.handler(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DockwiseServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.opened(uri)
        try:
            ls.config.check_changes(uri)
        except Exception as exc:  # the document is still published
            logs.log_failure("checking configuration files", exc)
        ls.hooks.emit("document_opened", uri)
        ls.diagnostics.opened(uri)

    @server.handler(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DockwiseServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.changed(uri)
        ls.diagnostics.schedule(uri)

    @server.handler(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DockwiseServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.config.check_changes(params.text_document.uri)

    @server.handler(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DockwiseServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.closed(uri)
        ls.diagnostics.closed(uri)
        ls.hooks.emit("document_closed", uri)

    @server.handler(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False),
    )
    def diagnostic(ls: DockwiseServer, params: types.DocumentDiagnosticParams):
        return ls.diagnostics.report(params.text_document.uri, params.previous_result_id)

    @server.handler(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: DockwiseServer, params: types.DidChangeConfigurationParams) -> None:
        ls.config.did_change_configuration(params.settings)

    @server.handler(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: DockwiseServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.config.watched_files_changed([c.uri for c in params.changes])

    @server.handler(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(ls: DockwiseServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.config.forget("workspace folders changed")


def create_server(parts: Any = None) -> DockwiseServer:
    """The language server with every feature; ``parts``: the configuration,
    document store and hooks made before it (:class:`dockwise.lsp.boot.Boot`)."""
    server = DockwiseServer(parts)
    _document_handlers(server)
    # Feature modules import only lsprotocol at module level, so start-up stays cheap.
    for name in FEATURE_MODULES:
        importlib.import_module(f".{name}", __package__).setup(server)
    return server



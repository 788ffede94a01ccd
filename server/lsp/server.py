"""The dockwise language server (pygls 2).

Handlers are thin: find the document, get its cached analysis (parse once per
document version, lint once per settings generation), convert to LSP with
:mod:`dockwise.lsp.convert`, send. The engine, parser and rules are imported
lazily (first analysis, or warmed up in a worker thread after ``initialized``)
so that start-up only pays for pygls and lsprotocol.

Diagnostics travel one way per session, never both:

* **push** (``textDocument/publishDiagnostics`` with the document version) on
  ``didOpen`` and, debounced per URI by ``debounceMs``, on ``didChange``;
  ``didClose`` publishes ``[]``;
* **pull** (``textDocument/diagnostic``) answered from the same per-URI cache,
  with result ids and ``unchanged`` reports.

``diagnosticMode=auto`` pulls when the client advertises
``textDocument.diagnostic`` and pushes otherwise; ``push``/``pull`` force one.
In push mode a pull request gets an empty report (so a client that pulls
anyway shows the pushed diagnostics once).

Settings come from ``initializationOptions``, ``workspace/configuration``
(section ``dockwise``; only asked when the client advertises it) and the
``workspace/didChangeConfiguration`` payload; see :mod:`dockwise.editor.settings`.
They are a layer over the configuration files (:mod:`dockwise.lint.config`:
``.hadolint.yaml``, ``dockwise.toml``, ``pyproject.toml [tool.dockwise]``),
read per *root*: the innermost workspace folder containing the document (from
``initialize``'s ``workspaceFolders``/``rootUri`` and later folder changes), or,
for a document outside every folder, the document's own directory (never a
parent). Problems in a configuration file are diagnostics on that file when the
client has it open, else one ``window/showMessage`` warning per distinct set
of problems plus log lines. The files are re-read when
``workspace/didChangeWatchedFiles`` reports one of them (the watcher is
registered dynamically when the client supports it) and, in any case, when a
stat on open/save shows that one changed; open documents are then re-linted.

Nothing but the protocol goes to stdout: logs go to stderr (logger
``dockwise``) and are mirrored to ``window/logMessage``; in stdio mode
``sys.stdout`` is pointed at stderr so a stray ``print`` cannot corrupt the
stream.
"""
from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import logging
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.exceptions import FeatureRequestError, JsonRpcInvalidParams, JsonRpcMethodNotFound
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from dockwise import __version__
from dockwise.lint.config import CONFIG_BASENAMES, WATCH_GLOBS, Config, ConfigProblem, load_config
from dockwise.lsp.convert import SOURCE, DiagnosticCache, PositionConverter, to_diagnostics  # noqa: F401
from dockwise.editor.settings import FOLDER_SETTINGS, SECTION, Settings, merge_payloads

if TYPE_CHECKING:  # pragma: no cover
    from pygls.workspace import TextDocument

    from dockwise.lint.engine import LintSettings, Violation
    from dockwise.syntax.model import Dockerfile

log = logging.getLogger("dockwise")

SERVER_NAME = "dockwise"
INTERNAL_ERROR_CODE = "DW999"  # same code the engine uses for a crashing rule
CONFIG_TIMEOUT_S = 5.0
# A pathological document must not flood the client: keep the first N
# diagnostics and add one note saying how many were left out.
MAX_DIAGNOSTICS = 1000
# Parsing is linear but not free (~0.25 ms per RUN instruction, ~90 bytes of
# model per byte of RUN-heavy text) and runs on the event loop, so documents
# beyond this size are not analysed at all (one note says so). Real
# Dockerfiles are a few KB; a 20,000-line continuation is ~160 KB.
MAX_DOCUMENT_CHARS = 512 * 1024
MAX_ANALYSED_DOCUMENTS = 64  # analyses kept in memory (LRU); the others are recomputed on demand
SLOW_ANALYSIS_S = 1.0


# -- per-document cache ---------------------------------------------------------


@dataclass(slots=True)
class DocState:
    """The analysis of one document version under one settings generation.

    ``model`` is parsed once per version and shared by every feature (hover,
    completion, code actions reuse it); a settings change re-lints the same
    model without re-parsing.
    """

    version: int | None
    model: "Dockerfile | None"
    violations: "list[Violation]"
    diagnostics: list[types.Diagnostic]
    result_id: str
    generation: int
    converter: PositionConverter | None = None
    error: str | None = None  # set when parsing or linting failed


# -- protocol: answer malformed requests instead of dropping them ------------------


class _Dropped:
    """Stands in for a message that could not be structured."""

    jsonrpc = "invalid"
    __slots__ = ()


_DROPPED = _Dropped()


class DockwiseProtocol(LanguageServerProtocol):
    """pygls' protocol, plus: a request whose params do not match the spec gets
    an ``InvalidParams`` error response (pygls would log it and never answer,
    leaving the client waiting), and a malformed notification is dropped."""

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except Exception as exc:
            try:
                method = data.get("method")
                if "id" in data and method is not None:
                    if method in self.fm.features or method in self.fm.builtin_features:
                        err: Exception = JsonRpcInvalidParams(f"invalid params for {method!r}: {exc.__cause__ or exc}")
                    else:
                        err = JsonRpcMethodNotFound.of(str(method))
                    self._send_response(data["id"], error=err.to_response_error())
                    log.warning("malformed request %r (id %r) answered with an error", method, data["id"])
                elif "id" in data:  # a malformed response to one of our requests
                    fut = self._request_futures.pop(data["id"], None)
                    if fut is not None and not fut.done():
                        fut.set_exception(exc)
                    log.warning("malformed response to request %r dropped", data["id"])
                else:
                    log.warning("malformed %r notification dropped", method)
            except Exception:  # never let error handling break the reader loop
                log.exception("failed to answer a malformed message")
            return _DROPPED

    def handle_message(self, message):
        if message is _DROPPED:
            return
        super().handle_message(message)


# -- logging -----------------------------------------------------------------------


class LspLogHandler(logging.Handler):
    """Mirrors log records to ``window/logMessage`` (from the loop thread)."""

    _TYPES = (
        (logging.ERROR, types.MessageType.Error),
        (logging.WARNING, types.MessageType.Warning),
        (logging.INFO, types.MessageType.Info),
    )

    def __init__(self, server: "DockwiseServer", level: int = logging.INFO):
        super().__init__(level)
        self.server = server
        self._local = threading.local()
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._local, "busy", False):
            return  # a failure while sending logged again: stop the recursion
        server = self.server
        loop = server.loop
        if loop is None or server.protocol.writer is None or loop.is_closed():
            return
        try:
            msg = self.format(record)
        except Exception:
            return
        kind = types.MessageType.Log
        for level, t in self._TYPES:
            if record.levelno >= level:
                kind = t
                break
        params = types.LogMessageParams(type=kind, message=msg)
        if threading.get_ident() == server.loop_thread:
            self._send(params)
        else:
            try:
                loop.call_soon_threadsafe(self._send, params)
            except RuntimeError:  # loop closed
                pass

    def _send(self, params: types.LogMessageParams) -> None:
        self._local.busy = True
        try:
            if self.server.protocol.writer is not None:
                self.server.window_log_message(params)
        except Exception:
            pass
        finally:
            self._local.busy = False


_STDERR_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(server: "DockwiseServer | None" = None, level: int = logging.INFO) -> None:
    """``dockwise`` logger → stderr (+ ``window/logMessage`` for ``server``);
    ``pygls`` logger at WARNING → stderr. Idempotent."""
    ours = logging.getLogger("dockwise")
    for h in list(ours.handlers):
        if getattr(h, "_dockwise", False):
            ours.removeHandler(h)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter(_STDERR_FORMAT))
    stderr._dockwise = True  # type: ignore[attr-defined]
    ours.addHandler(stderr)
    if server is not None:
        mirror = LspLogHandler(server, level)
        mirror._dockwise = True  # type: ignore[attr-defined]
        ours.addHandler(mirror)
        server.log_handler = mirror
    ours.setLevel(level)
    ours.propagate = False

    pygls_logger = logging.getLogger("pygls")
    pygls_logger.setLevel(logging.WARNING)
    if not any(getattr(h, "_dockwise", False) for h in pygls_logger.handlers):
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter(_STDERR_FORMAT))
        h._dockwise = True  # type: ignore[attr-defined]
        pygls_logger.addHandler(h)
    pygls_logger.propagate = False


# -- the server ----------------------------------------------------------------------


class DockwiseServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            SERVER_NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=DockwiseProtocol,
        )
        self.settings = Settings()
        self._lint_settings: "LintSettings | None" = None
        self._lint_key: tuple | None = None
        self._init_payload: Any = None
        self._dynamic_payload: Any = None  # latest workspace/configuration or didChangeConfiguration
        self.generation = 0  # bumped when the lint settings change
        self.docs: dict[str, DocState] = {}
        self.previous_models: dict[str, "Dockerfile"] = {}  # last model per URI, for incremental re-parsing
        self._recent: dict[str, None] = {}  # URIs with a kept analysis, least recently used first
        self._diag_caches: dict[str, DiagnosticCache] = {}  # per URI: unchanged violations keep their diagnostic
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._result_ids = itertools.count(1)
        self.mode = "push"  # effective diagnostic mode, decided at initialize
        self._pushed: set[str] = set()  # URIs we published a non-empty list for
        self.loop: asyncio.AbstractEventLoop | None = None
        self.loop_thread: int | None = None
        self.log_handler: LspLogHandler | None = None
        self._config_task: asyncio.Task | None = None
        self._warned: set[str] = set()
        # configuration files, per root (a workspace folder or a lone document's directory)
        self._root_configs: dict[str | None, Config] = {}
        self._root_lint: dict[str | None, "LintSettings"] = {}
        self._folder_payloads: dict[str, Any] = {}  # folder path → its workspace/configuration answer
        self._config_problems: dict[str, list[ConfigProblem]] = {}  # by config file path
        self._reported_config: set[tuple] = set()
        self._watching = False  # didChangeWatchedFiles registered
        self._watch_requested = False
        self._config_flush_pending = False

    # -- errors ----------------------------------------------------------------

    def report_server_error(self, error: Exception, source) -> None:
        """Log instead of popping up ``window/showMessage`` dialogs."""
        try:
            if source is FeatureRequestError or isinstance(error, JsonRpcMethodNotFound):
                # already answered with an error response
                log.debug("request failed: %s", error)
                return
            detail = getattr(error, "data", None)
            log.error("server error (%s): %s%s", getattr(source, "__name__", source), error,
                      f"\n{detail}" if isinstance(detail, str) else "")
        except Exception:
            pass

    # -- client capabilities ---------------------------------------------------

    def _cap(self, path: str, default: Any = None) -> Any:
        try:
            return get_capability(self.client_capabilities, path, default)
        except Exception:
            return default

    @property
    def client_pulls(self) -> bool:
        return self._cap("text_document.diagnostic") is not None

    @property
    def client_configuration(self) -> bool:
        return bool(self._cap("workspace.configuration", False))

    @property
    def client_refresh(self) -> bool:
        return bool(self._cap("workspace.diagnostics.refresh_support", False))

    @property
    def client_related_information(self) -> bool:
        return bool(
            self._cap("text_document.publish_diagnostics.related_information", False)
            or self._cap("text_document.diagnostic.related_information", False)
        )

    def effective_mode(self) -> str:
        m = self.settings.diagnosticMode
        if m in ("push", "pull"):
            return m
        return "pull" if self.client_pulls else "push"

    # -- settings --------------------------------------------------------------

    @property
    def lint_settings(self) -> "LintSettings":
        if self._lint_settings is None:
            self._lint_settings = self.settings.to_lint_settings()
        return self._lint_settings

    def apply_settings(self, source: str, *, resync: bool = True) -> bool:
        """Recompute the effective settings from every source; re-lint open
        documents and republish/refresh when what they produce changed.
        Returns True when anything changed."""
        new = Settings.from_dict(merge_payloads(self._init_payload, self._dynamic_payload))
        for w in new.warnings:
            if w not in self._warned:  # each problem once, not on every change
                self._warned.add(w)
                log.warning("%s: %s", source, w)
        old, old_mode = self.settings, self.mode
        self.settings = new
        self._set_log_level(new.log_level_number)
        new_key = new.lint_key()
        lint_changed = self._lint_key is None or new_key != self._lint_key
        if lint_changed:
            self._lint_key = new_key
            self._lint_settings = None  # built lazily: keeps the engine out of initialize
            self._root_lint.clear()
        if self.loop is not None:  # after initialize
            self.mode = self.effective_mode()
        changed = new != old or self.mode != old_mode
        if changed:
            log.info("settings from %s: %s (diagnostics: %s)", source, new.to_dict(), self.mode)
        if lint_changed:
            self.generation += 1
        if resync and (lint_changed or self.mode != old_mode):
            self.resync(old_mode)
        if resync and self.loop is not None and (old.images_inlayHints, old.images_platform) != (
                new.images_inlayHints, new.images_platform):
            from dockwise.lsp.hover import refresh_sizes

            refresh_sizes(self)  # size hints/lenses depend on these settings
        return changed

    def _set_log_level(self, level: int) -> None:
        logging.getLogger("dockwise").setLevel(level)
        if self.log_handler is not None:
            self.log_handler.setLevel(level)

    async def fetch_configuration(self) -> None:
        """Ask the client for section ``dockwise`` (only if it advertises
        ``workspace.configuration``) and apply the answer."""
        if not self.client_configuration:
            return
        folders = [(p, u) for p, u in self._folder_uris()]
        items = [types.ConfigurationItem(section=SECTION)]
        items += [types.ConfigurationItem(scope_uri=u, section=SECTION) for _, u in folders]
        try:
            result = await asyncio.wait_for(
                self.workspace_configuration_async(types.ConfigurationParams(items=items)),
                CONFIG_TIMEOUT_S,
            )
        except Exception as exc:
            log.warning("workspace/configuration failed: %s: %s", type(exc).__name__, exc)
            return
        value = result[0] if isinstance(result, (list, tuple)) and result else None
        if value is not None and not hasattr(value, "get"):
            log.warning("workspace/configuration: ignoring non-object value %r", value)
            return
        self._dynamic_payload = value
        per_folder = {}  # a folder's own rule selection (resource-scoped settings), when it differs
        for (path, _), v in zip(folders, list(result)[1:] if isinstance(result, (list, tuple)) else []):
            if hasattr(v, "get") and v != value:
                per_folder[path] = v
        if per_folder != self._folder_payloads:
            self._folder_payloads = per_folder
            self._root_lint.clear()
            self._lint_key = None  # re-lint with the folders' selections
        self.apply_settings("workspace/configuration")

    def _folder_uris(self) -> list[tuple[str, str]]:
        """(path, URI) of each workspace folder (file: URIs only)."""
        try:
            ws = self.workspace
        except RuntimeError:  # before initialize
            return []
        out = []
        for f in ws.folders.values():
            p = _uri_path(f.uri)
            if p:
                out.append((p, f.uri))
        return out

    def schedule_fetch_configuration(self) -> None:
        if not self.client_configuration or self.loop is None:
            return
        if self._config_task is not None and not self._config_task.done():
            self._config_task.cancel()
        self._config_task = self.loop.create_task(self.fetch_configuration())

    # -- configuration files -----------------------------------------------------

    @property
    def client_watches_files(self) -> bool:
        return bool(self._cap("workspace.did_change_watched_files.dynamic_registration", False))

    def _folders(self) -> list[str]:
        """Workspace folder paths (file: URIs only), plus the root URI's."""
        out: list[str] = []
        try:
            ws = self.workspace
        except RuntimeError:  # before initialize
            return out
        uris = [f.uri for f in ws.folders.values()]
        if ws.root_uri:
            uris.append(ws.root_uri)
        for u in uris:
            p = _uri_path(u)
            if p and p not in out:
                out.append(p)
        return out

    def root_for(self, uri: str) -> str | None:
        """The directory whose configuration applies to ``uri``: the innermost
        workspace folder containing it; else the document's own directory; for
        a non-file document, the first workspace folder (None without one)."""
        import os

        path = _uri_path(uri)
        folders = self._folders()
        if path is None:
            return folders[0] if folders else None
        best = None
        for f in folders:
            if path == f or path.startswith(f.rstrip(os.sep) + os.sep):
                if best is None or len(f) > len(best):
                    best = f
        return best if best is not None else os.path.dirname(path)

    def is_config_document(self, uri: str) -> bool:
        import os

        path = _uri_path(uri)
        return path is not None and os.path.basename(path) in CONFIG_BASENAMES

    def config_for(self, root: str | None) -> Config:
        cfg = self._root_configs.get(root)
        if cfg is None:
            cfg = self._load_root(root)
            self._root_configs[root] = cfg
            self._collect_problems()
            self._note_problems(cfg)
            self._maybe_watch(cfg)
        return cfg

    def _maybe_watch(self, cfg: Config) -> None:
        """Register the file watcher once a configuration file is in use (and
        only when the client supports dynamic registration of
        didChangeWatchedFiles). Until then, and without that support, the
        stat on open/save notices new and changed files."""
        if self._watch_requested or self.loop is None or not (cfg.files or cfg.problems):
            return
        if not self.client_watches_files:
            return
        self._watch_requested = True
        self.loop.create_task(self.register_watchers())

    def _load_root(self, root: str | None) -> Config:
        t0 = time.perf_counter()
        cfg = load_config(root)
        log.debug("configuration for %s: %s (%.1f ms)", root or "<no folder>", cfg.files or "no files",
                  (time.perf_counter() - t0) * 1000)
        if cfg.files:
            log.info("configuration for %s from %s", root or "<no folder>", ", ".join(cfg.files))
        return cfg

    def lint_settings_for(self, uri: str) -> "LintSettings":
        """The LSP settings layered on the configuration of ``uri``'s root."""
        root = self.root_for(uri)
        ls = self._root_lint.get(root)
        if ls is None:
            cfg = self.config_for(root)
            settings = self.settings
            folder = self._folder_payloads.get(root) if root is not None else None
            if folder is not None:  # the folder's values of the resource-scoped settings
                settings = Settings.from_dict(merge_payloads(self._init_payload, self._dynamic_payload,
                                                             {k: v for k, v in merge_payloads(folder).items()
                                                              if k in FOLDER_SETTINGS}))
            ls = settings.to_lint_settings(base=cfg.lint_settings() if cfg.sources else None)
            self._root_lint[root] = ls
        return ls

    def _collect_problems(self) -> None:
        probs: dict[str, list[ConfigProblem]] = {}
        for cfg in self._root_configs.values():
            for p in cfg.problems:
                lst = probs.setdefault(p.path, [])
                if p not in lst:
                    lst.append(p)
        self._config_problems = probs

    def _note_problems(self, cfg: Config) -> None:
        """Report a configuration's problems once: as diagnostics when the file
        is open, else as one showMessage warning; always as log lines."""
        by_path: dict[str, list[ConfigProblem]] = {}
        for p in cfg.problems:
            by_path.setdefault(p.path, []).append(p)
        for path, probs in by_path.items():
            key = (path, tuple(str(p) for p in probs))
            if key in self._reported_config:
                continue
            self._reported_config.add(key)
            for p in probs:
                log.log(logging.INFO if p.severity == "info" else logging.WARNING, "configuration: %s", p)
            if self._open_uri_for_path(path) is not None:
                self._schedule_config_flush()
                continue
            warnings = [p for p in probs if p.severity != "info"]
            if warnings and self.loop is not None:
                more = f" (and {len(warnings) - 1} more; see the dockwise log)" if len(warnings) > 1 else ""
                try:
                    self.window_show_message(types.ShowMessageParams(
                        type=types.MessageType.Warning,
                        message=f"dockwise: configuration problem: {warnings[0]}{more}",
                    ))
                except Exception:
                    log.exception("window/showMessage failed")

    def _open_uri_for_path(self, path: str) -> str | None:
        try:
            docs = self.workspace.text_documents
        except RuntimeError:
            return None
        for doc in list(docs.values()):
            if _uri_path(doc.uri) == path:
                return doc.uri
        return None

    def _schedule_config_flush(self) -> None:
        """Re-send the diagnostics of open configuration files (after the
        current handler: never from inside another document's analysis)."""
        if self.loop is None or self._config_flush_pending:
            return
        self._config_flush_pending = True
        self.loop.call_soon(self._flush_config)

    def _flush_config(self) -> None:
        self._config_flush_pending = False
        try:
            uris = [d.uri for d in list(self.workspace.text_documents.values()) if self.is_config_document(d.uri)]
            for uri in uris:
                self.docs.pop(uri, None)  # problems may have changed without a new generation
            if self.mode == "push":
                for uri in uris:
                    self.publish(uri)
            elif uris and self.client_refresh:
                self.workspace_diagnostic_refresh(None)
        except Exception:
            log.exception("publishing configuration diagnostics failed")

    def config_diagnostics(self, uri: str, doc: "TextDocument") -> list[types.Diagnostic]:
        path = _uri_path(uri)
        if path is None:
            return []
        self.config_for(self.root_for(uri))  # make sure the file's own root was read
        lines = doc.source.splitlines() or [""]
        conv = PositionConverter(lines, doc.position_codec)
        out = []
        for p in self._config_problems.get(path, []):
            line = min(max(p.line - 1, 0), len(lines) - 1)
            text = lines[line]
            start = len(text) - len(text.lstrip()) if p.line > 0 else 0
            out.append(types.Diagnostic(
                range=types.Range(
                    start=types.Position(line=line, character=conv.units(text[:start])),
                    end=types.Position(line=line, character=conv.units(text)),
                ),
                message=p.message,
                severity=types.DiagnosticSeverity.Information if p.severity == "info"
                else types.DiagnosticSeverity.Warning,
                code=p.key or "config",
                source=SOURCE,
            ))
        return out

    def reload_configs(self, why: str, roots: "list[str | None] | None" = None) -> bool:
        """Re-read the configuration of ``roots`` (all loaded ones by default);
        when anything changed, re-lint open documents. Returns True on change."""
        changed = False
        for root in list(self._root_configs if roots is None else roots):
            old = self._root_configs.get(root)
            if old is None:
                continue
            new = self._load_root(root)
            if _config_key(new) != _config_key(old):
                changed = True
                self._root_configs[root] = new
                self._note_problems(new)
                self._maybe_watch(new)
            else:
                self._root_configs[root] = new  # fresh signature
        if changed:
            log.info("configuration changed (%s): re-linting open documents", why)
            self._collect_problems()
            self._root_lint.clear()
            self.generation += 1
            if self.loop is not None:
                self.resync(self.mode)
        return changed

    def forget_configs(self, why: str) -> None:
        """Drop every root's configuration (workspace folders changed): read
        again on next use; re-lint open documents."""
        log.info("%s: configuration files will be read again", why)
        self._root_configs.clear()
        self._root_lint.clear()
        self._config_problems = {}
        self.generation += 1
        if self.loop is not None:
            self.resync(self.mode)

    def check_config_changes(self, uri: str | None = None) -> None:
        """Stat the configuration files of ``uri``'s root (of every root that
        looked at ``uri`` when it is a configuration file; all roots for None)
        and reload what changed."""
        try:
            path = _uri_path(uri) if uri is not None else None
            if uri is not None and not self.is_config_document(uri):
                roots = [self.root_for(uri)]
            else:
                roots = [r for r, c in self._root_configs.items() if path is None or path in c.searched]
            stale = [r for r in roots if r in self._root_configs and self._root_configs[r].changed_on_disk()]
            if stale:
                self.reload_configs("files changed on disk", stale)
        except Exception:
            log.exception("checking configuration files failed")

    async def register_watchers(self) -> None:
        """Ask the client to watch the configuration files (only called when it
        supports dynamic registration of didChangeWatchedFiles)."""
        try:
            await asyncio.wait_for(
                self.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(
                        id="dockwise-config-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCH_GLOBS]
                        ),
                    )
                ])),
                CONFIG_TIMEOUT_S,
            )
            self._watching = True
            log.debug("watching configuration files")
        except Exception as exc:
            log.info("could not register file watchers (%s: %s); configuration files are re-read when "
                     "a document is opened or saved", type(exc).__name__, exc)

    # -- documents and analysis ------------------------------------------------

    def open_document(self, uri: str) -> "TextDocument | None":
        """The open document for ``uri`` (never reads files from disk)."""
        try:
            return self.workspace.text_documents.get(unquote(uri))
        except RuntimeError:  # before initialize
            return None

    def get_state(self, uri: str) -> DocState | None:
        """The cached analysis of the open document's current version,
        computing it if needed; None when the document is not open."""
        doc = self.open_document(uri)
        if doc is None:
            return None
        st = self.docs.get(uri)
        if st is not None and st.version == doc.version:
            if st.generation == self.generation:
                return st
            st = self._analyse(uri, doc, reuse=st if st.model is not None else None)
        else:
            st = self._analyse(uri, doc, reuse=None)
        self.docs[uri] = st
        self._keep(uri)
        return st

    def _keep(self, uri: str) -> None:
        """Keep analyses (model, violations, diagnostics) only for the most
        recently used documents; an evicted one is re-analysed on demand.
        Opening a whole workspace must not keep every model in memory."""
        lru = self._recent
        lru.pop(uri, None)
        lru[uri] = None
        while len(lru) > MAX_ANALYSED_DOCUMENTS:
            old = next(iter(lru))
            del lru[old]
            self.docs.pop(old, None)
            self.previous_models.pop(old, None)
            self._diag_caches.pop(old, None)

    def _analyse(self, uri: str, doc: "TextDocument", reuse: DocState | None) -> DocState:
        version = doc.version
        t0 = time.perf_counter()
        model = reuse.model if reuse is not None else None
        converter = reuse.converter if reuse is not None else None
        source = doc.source
        _ensure_engine()
        if self.is_config_document(uri):
            try:
                diagnostics = self.config_diagnostics(uri, doc)
            except Exception:
                log.exception("configuration diagnostics for %s failed", uri)
                diagnostics = []
            return DocState(version, None, [], diagnostics, f"{next(self._result_ids)}", self.generation)
        if len(source) > MAX_DOCUMENT_CHARS:
            log.warning("%s v%s not analysed: %d characters (limit %d)", uri, version, len(source), MAX_DOCUMENT_CHARS)
            note = _note(
                f"dockwise did not analyse this document: {len(source):,} characters is over "
                f"the {MAX_DOCUMENT_CHARS:,}-character limit"
            )
            return DocState(version, None, [], [note], f"{next(self._result_ids)}", self.generation,
                            error="document too large")
        try:
            from dockwise.lint.engine import lint_model

            if model is None:
                from dockwise.syntax.parser import parse

                model = parse(source, path=doc.path or None, previous=self.previous_models.pop(uri, None))
                try:
                    model.version = version
                except Exception:
                    pass
                converter = PositionConverter(model.lines, doc.position_codec)
            if converter is None:
                converter = PositionConverter(model.lines, doc.position_codec)
            cache = self._diag_caches.get(uri)
            if cache is None:
                cache = self._diag_caches[uri] = DiagnosticCache()
            if cache.lint is None:
                from dockwise.lint.engine import LintCache

                cache.lint = LintCache()  # unchanged instructions keep their findings
            violations = lint_model(model, self.lint_settings_for(uri), cache=cache.lint)
            shown = violations
            if len(violations) > MAX_DIAGNOSTICS:
                shown = violations[:MAX_DIAGNOSTICS]
            diagnostics = cache.convert(
                shown, converter, version=version, uri=uri, related_information=self.client_related_information
            )
            if len(violations) > MAX_DIAGNOSTICS:
                diagnostics.append(_note(
                    f"{len(violations) - MAX_DIAGNOSTICS} more problems not shown "
                    f"(dockwise reports at most {MAX_DIAGNOSTICS} per document)"))
            error = None
        except Exception as exc:
            log.exception("could not analyse %s (version %s)", uri, version)
            violations = []
            error = f"{type(exc).__name__}: {exc}"
            diagnostics = [_internal_error(f"dockwise could not analyse this document: {error}", version)]
        elapsed = time.perf_counter() - t0
        level = logging.WARNING if elapsed > SLOW_ANALYSIS_S else logging.DEBUG
        log.log(level, "analysed %s v%s in %.1f ms: %d problems%s", uri, version, elapsed * 1000,
                len(violations), " (model reused)" if reuse is not None else "")
        return DocState(
            version=version,
            model=model,
            violations=violations,
            diagnostics=diagnostics,
            result_id=f"{next(self._result_ids)}",
            generation=self.generation,
            converter=converter,
            error=error,
        )

    def forget(self, uri: str) -> None:
        self.cancel_timer(uri)
        self.previous_models.pop(uri, None)
        self.docs.pop(uri, None)
        self._recent.pop(uri, None)
        self._diag_caches.pop(uri, None)

    # -- push ------------------------------------------------------------------

    def publish(self, uri: str) -> None:
        """Publish the current diagnostics of ``uri`` (push mode only)."""
        if self.mode != "push":
            return
        st = self.get_state(uri)
        if st is None:
            return
        self._send_diagnostics(uri, st)
        if st.diagnostics:
            self._pushed.add(uri)
        else:
            self._pushed.discard(uri)

    def _send_diagnostics(self, uri: str, st: DocState) -> None:
        """publishDiagnostics. Diagnostics that did not change since the last
        version go out from their cached JSON text (only ``data.version`` is
        spliced in); this skips cattrs' per-object unstructuring and most of
        the JSON encoding, the largest costs of publishing while typing."""
        cache = self._diag_caches.get(uri)
        proto = self.protocol
        send = getattr(proto, "_send_data", None)
        conv = getattr(proto, "_converter", None)
        if cache is None or send is None or conv is None:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=st.diagnostics, version=st.version)
            )
            return
        writer = getattr(proto, "writer", None)
        headers = getattr(proto, "_include_headers", None)
        charset = getattr(proto, "CHARSET", None)
        ctype = getattr(proto, "CONTENT_TYPE", None)
        if writer is None or not isinstance(headers, bool) or not charset or not ctype:
            items = [cache.as_json(d, conv.unstructure) for d in st.diagnostics]
            params: dict[str, Any] = {"uri": uri, "diagnostics": items}
            if st.version is not None:
                params["version"] = st.version
            send({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": params})
            return
        # the message as pygls' _send_data would frame it, with the body built from cached pieces
        body = "".join((
            '{"jsonrpc": "2.0", "method": ', json.dumps(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS),
            ', "params": {"uri": ', json.dumps(uri), ', "diagnostics": [',
            ", ".join(cache.json_text(d, conv.unstructure) for d in st.diagnostics), "]",
            "" if st.version is None else f', "version": {json.dumps(st.version)}', "}}",
        )).encode(charset)
        if headers:
            body = f"Content-Length: {len(body)}\r\nContent-Type: {ctype}; charset={charset}\r\n\r\n".encode(
                charset) + body
        try:
            res = writer.write(body)
            if inspect.isawaitable(res):
                asyncio.ensure_future(res)
        except BrokenPipeError:
            log.exception("sending diagnostics for %s: broken pipe", uri)
            raise
        except Exception:
            log.exception("sending diagnostics for %s failed", uri)

    def clear(self, uri: str) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self._pushed.discard(uri)

    def cancel_timer(self, uri: str) -> None:
        handle = self._timers.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def schedule_publish(self, uri: str) -> None:
        """Publish after ``debounceMs`` of quiet for this URI (0: now)."""
        if self.mode != "push":
            return
        self.cancel_timer(uri)
        delay = self.settings.debounceMs / 1000.0
        if delay <= 0 or self.loop is None:
            self.publish(uri)
            return
        self._timers[uri] = self.loop.call_later(delay, self._debounced_publish, uri)

    def _debounced_publish(self, uri: str) -> None:
        self._timers.pop(uri, None)
        try:
            self.publish(uri)
        except Exception:
            log.exception("publishing diagnostics for %s failed", uri)

    def resync(self, old_mode: str) -> None:
        """After a settings change: republish (push) or ask the client to pull
        again (pull, if it supports refresh)."""
        uris = list(self.workspace.text_documents) if self.loop is not None else []
        if self.mode == "push":
            for uri in uris:
                try:
                    self.cancel_timer(uri)
                    self.publish(uri)
                except Exception:
                    log.exception("republishing %s failed", uri)
        else:
            if old_mode == "push":
                for uri in list(self._pushed):
                    self.clear(uri)
            if self.client_refresh:
                try:
                    self.workspace_diagnostic_refresh(None)
                except Exception:
                    log.exception("workspace/diagnostic/refresh failed")

    def shutdown_timers(self) -> None:
        for uri in list(self._timers):
            self.cancel_timer(uri)


def _uri_path(uri: str | None) -> str | None:
    """The normalised file-system path of a ``file:`` URI, else None."""
    if not uri:
        return None
    import os

    from pygls.uris import to_fs_path

    try:
        p = to_fs_path(uri)
    except Exception:
        return None
    if not p:
        return None
    return os.path.normpath(unquote(p))


def _config_key(cfg: Config) -> tuple:
    """What a configuration contributes (to tell whether a re-read changed anything)."""
    return (cfg.lint_settings() if cfg.sources else None, tuple(str(p) for p in cfg.problems))


def _internal_error(message: str, version: int | None) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        code=INTERNAL_ERROR_CODE,
        source=SOURCE,
        data={"rule": INTERNAL_ERROR_CODE, "version": version},
    )


def _note(message: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
        message=message,
        severity=types.DiagnosticSeverity.Information,
        source=SOURCE,
    )


_IMPORT_LOCK = threading.Lock()
_engine_ready = False


def _ensure_engine() -> None:
    """Import the engine, parser and rules exactly once, whichever thread comes
    first (the warm-up thread or the first analysis): two threads importing
    ``dockwise.rules`` at the same time can hit Python's import-lock deadlock
    detection (the package's ``__init__`` and ``dockwise.rules._api``)."""
    global _engine_ready
    if _engine_ready:
        return
    with _IMPORT_LOCK:
        if not _engine_ready:
            from dockwise.lint import engine
            from dockwise.syntax import parser  # noqa: F401
            from dockwise import rules  # noqa: F401

            _engine_ready = True


def _warm_up() -> None:
    """Import the engine, parser and rules off the event loop."""
    try:
        t0 = time.perf_counter()
        _ensure_engine()
        from dockwise.syntax import parser

        parser.parse("FROM scratch\nRUN true\n")  # loads tree-sitter's grammar
        # Long-lived objects (modules, grammar, rule tables) need no GC scans,
        # and young-generation collections are what made keystroke latency spiky.
        import gc

        gc.freeze()
        gc.set_threshold(20000, 20, 20)
        log.debug("engine, parser and rules imported in %.0f ms", (time.perf_counter() - t0) * 1000)
    except Exception:
        log.exception("importing the engine failed")


# -- handlers --------------------------------------------------------------------------


def create_server() -> DockwiseServer:
    server = DockwiseServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: DockwiseServer, params: types.InitializeParams) -> None:
        try:
            ls.loop = asyncio.get_running_loop()
            ls.loop_thread = threading.get_ident()
            ls._init_payload = params.initialization_options
            ls.apply_settings("initializationOptions", resync=False)
            ls.mode = ls.effective_mode()
            client = params.client_info.name if params.client_info else "unknown client"
            log.info(
                "dockwise %s for %s: position encoding %s, %s diagnostics",
                __version__, client, getattr(ls.workspace.position_encoding, "value", ls.workspace.position_encoding), ls.mode,
            )
        except Exception:
            log.exception("initialize failed")

    @server.feature(types.INITIALIZED)
    def initialized(ls: DockwiseServer, params: types.InitializedParams) -> None:
        try:
            ls.thread_pool.submit(_warm_up)
            ls.schedule_fetch_configuration()
        except Exception:
            log.exception("initialized failed")

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: DockwiseServer, params: Any) -> None:
        try:
            ls.shutdown_timers()
            if ls._config_task is not None:
                ls._config_task.cancel()
        except Exception:
            log.exception("shutdown failed")

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DockwiseServer, params: types.DidOpenTextDocumentParams) -> None:
        try:
            uri = params.text_document.uri
            ls.forget(uri)
            ls.check_config_changes(uri)
            ls.publish(uri)
        except Exception:
            log.exception("didOpen failed")

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DockwiseServer, params: types.DidSaveTextDocumentParams) -> None:
        try:
            ls.check_config_changes(params.text_document.uri)
        except Exception:
            log.exception("didSave failed")

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: DockwiseServer, params: types.DidChangeWatchedFilesParams) -> None:
        try:
            import os

            paths = [_uri_path(c.uri) for c in params.changes]
            if any(p is not None and os.path.basename(p) in CONFIG_BASENAMES for p in paths):
                ls.reload_configs("workspace/didChangeWatchedFiles")
        except Exception:
            log.exception("didChangeWatchedFiles failed")

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(ls: DockwiseServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        try:
            ls.forget_configs("workspace folders changed")
        except Exception:
            log.exception("didChangeWorkspaceFolders failed")

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DockwiseServer, params: types.DidChangeTextDocumentParams) -> None:
        try:
            uri = params.text_document.uri
            old = ls.docs.pop(uri, None)  # the text changed: never trust the old analysis
            if old is not None and old.model is not None:
                # ...but let the parser reuse the instructions that did not change
                ls.previous_models[uri] = old.model
            ls.schedule_publish(uri)
        except Exception:
            log.exception("didChange failed")

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DockwiseServer, params: types.DidCloseTextDocumentParams) -> None:
        try:
            uri = params.text_document.uri
            ls.forget(uri)
            if ls.mode == "push" or uri in ls._pushed:
                ls.clear(uri)
        except Exception:
            log.exception("didClose failed")

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False),
    )
    def diagnostic(
        ls: DockwiseServer, params: types.DocumentDiagnosticParams
    ) -> types.FullDocumentDiagnosticReport | types.UnchangedDocumentDiagnosticReport:
        try:
            if ls.mode != "pull":  # diagnostics are pushed: never report twice
                return types.FullDocumentDiagnosticReport(items=[])
            st = ls.get_state(params.text_document.uri)
            if st is None:
                return types.FullDocumentDiagnosticReport(items=[])
            if params.previous_result_id is not None and params.previous_result_id == st.result_id:
                return types.UnchangedDocumentDiagnosticReport(result_id=st.result_id)
            return types.FullDocumentDiagnosticReport(items=st.diagnostics, result_id=st.result_id)
        except Exception:
            log.exception("textDocument/diagnostic failed")
            return types.FullDocumentDiagnosticReport(items=[])

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: DockwiseServer, params: types.DidChangeConfigurationParams) -> None:
        try:
            payload = params.settings
            if Settings.looks_like_settings(payload):
                if ls._config_task is not None and not ls._config_task.done():
                    ls._config_task.cancel()  # its answer would be older than this payload
                ls._dynamic_payload = Settings.unwrap(payload)
                ls.apply_settings("workspace/didChangeConfiguration")
            elif ls.client_configuration:
                ls.schedule_fetch_configuration()
            else:
                log.debug("didChangeConfiguration without dockwise settings ignored")
        except Exception:
            log.exception("didChangeConfiguration failed")

    # Feature modules: each registers its handlers (thin: convert, call the
    # engine-side module, convert back). They import only lsprotocol at module
    # level, so start-up stays cheap.
    import importlib

    for name in FEATURE_MODULES:
        importlib.import_module(f".{name}", __package__).register(server)
    return server


# code actions (issue 4), hover and inlay hints (5), navigation and editing (6)
FEATURE_MODULES = ("actions", "hover", "navigation", "editing", "live")


# -- entry points -------------------------------------------------------------------------


def _parse_tcp(tcp: Any) -> tuple[str, int]:
    if isinstance(tcp, (tuple, list)):
        host, port = tcp
        return str(host or "127.0.0.1"), int(port)
    text = str(tcp).strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    return (host.strip("[]") or "127.0.0.1"), int(port)


def serve(tcp: "str | tuple[str, int] | None" = None) -> int:
    """Run the server until the client says ``exit`` (or closes the stream).

    ``tcp``: ``"HOST:PORT"`` (or ``(host, port)``) to listen on a socket;
    ``None`` for stdio. Returns the process exit status the spec asks for:
    0 after ``shutdown``, else 1.
    """
    server = create_server()
    configure_logging(server, logging.INFO)
    if tcp:
        host, port = _parse_tcp(tcp)
        log.info("listening on %s:%s", host, port)
        server.start_tcp(host, port)
    else:
        stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
        sys.stdout = sys.stderr  # stray prints must not corrupt the protocol stream
        server.start_io(stdin, stdout)
    return 0 if getattr(server.protocol, "_shutdown", False) else 1


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m dockwise.lsp.server", description="dockwise language server")
    p.add_argument("--stdio", action="store_true", help="use stdin/stdout (the default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead")
    args = p.parse_args(argv)
    return serve(tcp=args.tcp)


if __name__ == "__main__":
    raise SystemExit(main())

"""The workspace configuration: client settings layered over configuration files, per root.

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
stat on open/save shows that one changed.

Every change is announced through the ``settings_changed`` hook
(:class:`~dockwise.lsp.hooks.SettingsChange`); the document store, the
diagnostics publisher and the features react to it.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote


from dockwise.editor.settings import FOLDER_SETTINGS, SECTION, Settings, merge_payloads
from dockwise.lint.config import CONFIG_BASENAMES, WATCH_GLOBS, Config, ConfigProblem, load_config
from dockwise.lsp import logs
from dockwise.lsp.lazy import lazy_module
from dockwise.lsp.capabilities import ClientCapabilities
from dockwise.lsp.convert import SOURCE, PositionConverter
from dockwise.lsp.hooks import Hooks, SettingsChange

if TYPE_CHECKING:  # pragma: no cover
    from lsprotocol import types
    from pygls.workspace import TextDocument, Workspace

    from dockwise.lint.engine import LintSettings
else:
    types = lazy_module("lsprotocol.types")  # not on the start-up path (dockwise.lsp.boot)

log = logging.getLogger("dockwise")

CONFIG_TIMEOUT_S = 5.0


class ConfigHost(Protocol):
    """What the configuration needs from the server."""

    loop: asyncio.AbstractEventLoop | None
    initialized: bool
    caps: ClientCapabilities
    hooks: Hooks

    @property
    def workspace(self) -> "Workspace": ...

    def workspace_configuration_async(self, params: Any) -> Any: ...

    def window_show_message(self, params: Any) -> Any: ...

    def client_register_capability_async(self, params: Any) -> Any: ...


def uri_path(uri: str | None) -> str | None:
    """The normalised file-system path of a ``file:`` URI, else None."""
    if not uri:
        return None
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


class WorkspaceConfig:
    """Effective settings, lint settings per root, configuration files and their problems."""

    def __init__(self, host: ConfigHost):
        self.host = host
        self.settings = Settings()
        self.init_payload: Any = None
        self.dynamic_payload: Any = None  # latest workspace/configuration or didChangeConfiguration
        self._lint_settings: "LintSettings | None" = None
        self._lint_key: tuple | None = None
        self._warned: set[str] = set()
        self._fetch_task: asyncio.Task | None = None
        self._payloads = 0  # counts dynamic payloads and fetches: an answer older than the latest is dropped
        self._root_configs: dict[str | None, Config] = {}
        self._root_lint: dict[str | None, "LintSettings"] = {}
        self._folder_payloads: dict[str, Any] = {}  # folder path → its workspace/configuration answer
        self._problems: dict[str, list[ConfigProblem]] = {}  # by configuration file path
        self._reported: set[tuple] = set()
        self._watch_requested = False
        self.watching = False  # didChangeWatchedFiles registered
        self._flush_pending = False
        self._unshown: list[list[ConfigProblem]] = []  # warnings found before the server was up

    # -- client settings --------------------------------------------------------------------

    @property
    def lint_settings(self) -> "LintSettings":
        """The settings alone, without configuration files."""
        if self._lint_settings is None:
            self._lint_settings = self.settings.to_lint_settings()
        return self._lint_settings

    def apply_settings(self, source: str, *, resync: bool = True) -> bool:
        """Recompute the effective settings from every source and announce the
        change (``settings_changed``). Returns True when the settings changed."""
        new = Settings.from_dict(merge_payloads(self.init_payload, self.dynamic_payload))
        for w in new.warnings:
            if w not in self._warned:  # each problem once, not on every change
                self._warned.add(w)
                log.warning("%s: %s", source, w)
        old = self.settings
        self.settings = new
        logs.set_level(new.log_level_number)
        new_key = new.lint_key()
        lint_changed = self._lint_key is None or new_key != self._lint_key
        if lint_changed:
            self._lint_key = new_key
            self._lint_settings = None  # built lazily: keeps the engine out of initialize
            self._root_lint.clear()
        self.host.hooks.emit("settings_changed",
                             SettingsChange(source, old, new, lint_changed=lint_changed, resync=resync))
        return new != old

    def payload_applied(self) -> None:
        """Settings newer than any ``workspace/configuration`` answer still on
        its way were applied: that answer is dropped."""
        self._payloads += 1
        if self._fetch_task is not None and not self._fetch_task.done():
            self._fetch_task.cancel()

    def did_change_configuration(self, payload: Any) -> None:
        if Settings.looks_like_settings(payload):
            self.payload_applied()
            self.dynamic_payload = Settings.unwrap(payload)
            self.apply_settings("workspace/didChangeConfiguration")
        elif self.host.caps.configuration:
            self.schedule_fetch()
        else:
            log.debug("didChangeConfiguration without dockwise settings ignored")

    async def fetch(self) -> None:
        """Ask the client for section ``dockwise`` (only if it advertises
        ``workspace.configuration``) — once for the window and once per
        workspace folder (``scopeUri``: the resource-scoped settings may differ
        per folder) — and apply the answer."""
        if not self.host.caps.configuration:
            return
        self._payloads += 1
        mine = self._payloads
        folders = self._folder_uris()
        items = [types.ConfigurationItem(section=SECTION)]
        items += [types.ConfigurationItem(scope_uri=u, section=SECTION) for _, u in folders]
        try:
            result = await asyncio.wait_for(
                self.host.workspace_configuration_async(types.ConfigurationParams(items=items)),
                CONFIG_TIMEOUT_S,
            )
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", logs.describe(exc))
            return
        if mine != self._payloads:
            # a newer payload arrived meanwhile (cancelling this task is not enough:
            # Python 3.11's wait_for returns a result that is already there)
            log.debug("workspace/configuration answer dropped: a newer payload arrived meanwhile")
            return
        value = result[0] if isinstance(result, (list, tuple)) and result else None
        if value is not None and not hasattr(value, "get"):
            log.warning("workspace/configuration: ignoring non-object value %r", value)
            return
        self.dynamic_payload = value
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
            ws = self.host.workspace
        except RuntimeError:  # before initialize
            return []
        out = []
        for f in ws.folders.values():
            p = uri_path(f.uri)
            if p:
                out.append((p, f.uri))
        return out

    def schedule_fetch(self) -> None:
        loop = self.host.loop
        if not self.host.caps.configuration or loop is None:
            return
        if self._fetch_task is not None and not self._fetch_task.done():
            self._fetch_task.cancel()
        self._fetch_task = loop.create_task(self.fetch())

    def cancel(self) -> None:
        if self._fetch_task is not None:
            self._fetch_task.cancel()

    # -- roots ------------------------------------------------------------------------------

    def _folders(self) -> list[str]:
        """Workspace folder paths (file: URIs only), plus the root URI's."""
        out: list[str] = []
        try:
            ws = self.host.workspace
        except RuntimeError:  # before initialize
            return out
        uris = [f.uri for f in ws.folders.values()]
        if ws.root_uri:
            uris.append(ws.root_uri)
        for u in uris:
            p = uri_path(u)
            if p and p not in out:
                out.append(p)
        return out

    def root_for(self, uri: str) -> str | None:
        """The directory whose configuration applies to ``uri``: the innermost
        workspace folder containing it; else the document's own directory; for
        a non-file document, the first workspace folder (None without one)."""
        path = uri_path(uri)
        folders = self._folders()
        if path is None:
            return folders[0] if folders else None
        best = None
        for f in folders:
            if path == f or path.startswith(f.rstrip(os.sep) + os.sep):
                if best is None or len(f) > len(best):
                    best = f
        return best if best is not None else os.path.dirname(path)

    @staticmethod
    def is_config_document(uri: str) -> bool:
        path = uri_path(uri)
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

    def lint_settings_for(self, uri: str) -> "LintSettings":
        """The client settings layered on the configuration of ``uri``'s root."""
        root = self.root_for(uri)
        ls = self._root_lint.get(root)
        if ls is None:
            cfg = self.config_for(root)
            settings = self.settings
            folder = self._folder_payloads.get(root) if root is not None else None
            if folder is not None:  # the folder's values of the resource-scoped settings
                settings = Settings.from_dict(merge_payloads(self.init_payload, self.dynamic_payload,
                                                             {k: v for k, v in merge_payloads(folder).items()
                                                              if k in FOLDER_SETTINGS}))
            ls = settings.to_lint_settings(base=cfg.lint_settings() if cfg.sources else None)
            self._root_lint[root] = ls
        return ls

    def _load_root(self, root: str | None) -> Config:
        t0 = time.perf_counter()
        cfg = load_config(root)
        log.debug("configuration for %s: %s (%.1f ms)", root or "<no folder>", cfg.files or "no files",
                  (time.perf_counter() - t0) * 1000)
        if cfg.files:
            log.info("configuration for %s from %s", root or "<no folder>", ", ".join(cfg.files))
        return cfg

    # -- problems ---------------------------------------------------------------------------

    def _collect_problems(self) -> None:
        probs: dict[str, list[ConfigProblem]] = {}
        for cfg in self._root_configs.values():
            for p in cfg.problems:
                lst = probs.setdefault(p.path, [])
                if p not in lst:
                    lst.append(p)
        self._problems = probs

    def _open_uris(self) -> list[str]:
        try:
            return [d.uri for d in list(self.host.workspace.text_documents.values())]
        except RuntimeError:  # before initialize
            return []

    def _note_problems(self, cfg: Config) -> None:
        """Report a configuration's problems once: as diagnostics when the file
        is open, else as one showMessage warning; always as log lines."""
        by_path: dict[str, list[ConfigProblem]] = {}
        for p in cfg.problems:
            by_path.setdefault(p.path, []).append(p)
        for path, probs in by_path.items():
            key = (path, tuple(str(p) for p in probs))
            if key in self._reported:
                continue
            self._reported.add(key)
            for p in probs:
                log.log(logging.INFO if p.severity == "info" else logging.WARNING, "configuration: %s", p)
            if any(uri_path(u) == path for u in self._open_uris()):
                self._schedule_flush()
                continue
            warnings = [p for p in probs if p.severity != "info"]
            if warnings and self.host.initialized:
                self._show(warnings)
            elif warnings:  # the start-up path (dockwise.lsp.boot): shown when the server is up
                self._unshown.append(warnings)

    def _show(self, warnings: list[ConfigProblem]) -> None:
        more = f" (and {len(warnings) - 1} more; see the dockwise log)" if len(warnings) > 1 else ""
        try:
            self.host.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"dockwise: configuration problem: {warnings[0]}{more}",
            ))
        except Exception as exc:
            logs.log_failure("window/showMessage", exc)

    def started(self) -> None:
        """The language server took over from the start-up path: show the
        problems found before, and watch the configuration files in use."""
        unshown, self._unshown = self._unshown, []
        for warnings in unshown:
            self._show(warnings)
        for cfg in list(self._root_configs.values()):
            self._maybe_watch(cfg)

    def _schedule_flush(self) -> None:
        """Re-send the diagnostics of open configuration files (after the
        current handler: never from inside another document's analysis)."""
        loop = self.host.loop
        if loop is None or not self.host.initialized or self._flush_pending:
            return
        self._flush_pending = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        uris = tuple(u for u in self._open_uris() if self.is_config_document(u))
        if uris:
            self.host.hooks.emit("settings_changed", SettingsChange(
                "configuration problems", self.settings, self.settings, stale=uris))

    def config_diagnostics(self, uri: str, doc: "TextDocument") -> list[types.Diagnostic]:
        path = uri_path(uri)
        if path is None:
            return []
        self.config_for(self.root_for(uri))  # make sure the file's own root was read
        lines = doc.source.splitlines() or [""]
        conv = PositionConverter(lines, doc.position_codec)
        out = []
        for p in self._problems.get(path, []):
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

    # -- files changing ---------------------------------------------------------------------

    def _files_changed(self, why: str) -> None:
        self.host.hooks.emit("settings_changed", SettingsChange(
            why, self.settings, self.settings, lint_changed=True, resync=self.host.initialized))

    def reload(self, why: str, roots: "list[str | None] | None" = None) -> bool:
        """Re-read the configuration of ``roots`` (all loaded ones by default);
        when anything changed, every open document is linted again. Returns
        True on change."""
        changed = False
        for root in list(self._root_configs if roots is None else roots):
            old = self._root_configs.get(root)
            if old is None:
                continue
            new = self._load_root(root)
            self._root_configs[root] = new  # a fresh signature even when nothing changed
            if _config_key(new) != _config_key(old):
                changed = True
                self._note_problems(new)
                self._maybe_watch(new)
        if changed:
            log.info("configuration changed (%s): re-linting open documents", why)
            self._collect_problems()
            self._root_lint.clear()
            self._files_changed(why)
        return changed

    def forget(self, why: str) -> None:
        """Drop every root's configuration (workspace folders changed): read
        again on next use; open documents are linted again."""
        log.info("%s: configuration files will be read again", why)
        self._root_configs.clear()
        self._root_lint.clear()
        self._problems = {}
        self._files_changed(why)

    def check_changes(self, uri: str | None = None) -> None:
        """Stat the configuration files of ``uri``'s root (of every root that
        looked at ``uri`` when it is a configuration file; all roots for None)
        and reload what changed."""
        path = uri_path(uri) if uri is not None else None
        if uri is not None and not self.is_config_document(uri):
            roots = [self.root_for(uri)]
        else:
            roots = [r for r, c in self._root_configs.items() if path is None or path in c.searched]
        stale = [r for r in roots if r in self._root_configs and self._root_configs[r].changed_on_disk()]
        if stale:
            self.reload("files changed on disk", stale)

    def watched_files_changed(self, uris: list[str]) -> None:
        paths = [uri_path(u) for u in uris]
        if any(p is not None and os.path.basename(p) in CONFIG_BASENAMES for p in paths):
            self.reload("workspace/didChangeWatchedFiles")

    def _maybe_watch(self, cfg: Config) -> None:
        """Register the file watcher once a configuration file is in use (and
        only when the client supports dynamic registration of
        didChangeWatchedFiles). Until then, and without that support, the
        stat on open/save notices new and changed files."""
        loop = self.host.loop
        if self._watch_requested or loop is None or not self.host.initialized or not (cfg.files or cfg.problems):
            return
        if not self.host.caps.watches_files:
            return
        self._watch_requested = True
        loop.create_task(self._register_watchers())

    async def _register_watchers(self) -> None:
        try:
            await asyncio.wait_for(
                self.host.client_register_capability_async(types.RegistrationParams(registrations=[
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
            self.watching = True
            log.debug("watching configuration files")
        except Exception as exc:
            log.info("could not register file watchers (%s); configuration files are re-read when "
                     "a document is opened or saved", logs.describe(exc))

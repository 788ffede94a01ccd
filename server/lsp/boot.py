"""Start-up: answer ``initialize`` and publish the first diagnostics before pygls is loaded.

Importing pygls and lsprotocol takes ~300 ms (lsprotocol defines ~570 attrs
classes); the engine and rules ~130 ms; analysing a large document ~200 ms.
Loaded in that order, a client waited for all three before the first
diagnostics. :class:`Boot` is what the transport
(:mod:`dockwise.lsp.transport`) hands messages to until the language server
is up:

1. ``initialize`` is answered at once from :mod:`dockwise.lsp._initialize`,
   the ``InitializeResult`` pygls builds for each client capability that
   changes it (generated from pygls and checked by the tests, so the answer
   is the same byte for byte after JSON decoding). The engine is imported
   right after the answer is written.
2. ``initialized`` is kept for later, and so is a ``didChangeConfiguration``
   without settings (one with settings, before the first ``didOpen``, is
   applied). The first ``textDocument/didOpen`` of a Dockerfile is analysed by the
   server's own parts (:class:`~dockwise.lsp.configuration.WorkspaceConfig`,
   :class:`~dockwise.lsp.documents.DocumentStore`, the ShellCheck results it
   already has), built here with no pygls or lsprotocol, and its diagnostics
   are published (push mode). So is every ``textDocument/didChange`` of it
   that follows (push mode, no debounce: the defaults), its changes applied
   to the text as pygls applies them (:func:`apply_content_change`). A pull
   client's first ``textDocument/diagnostic`` for it is answered the same way
   (the report ``DiagnosticsPublisher.report`` gives, written from the same
   JSON texts).
3. At the first pause — no message for :data:`IDLE_HAND_OVER_S` — the
   language server's modules (pygls, lsprotocol) are imported in a thread,
   keystrokes meanwhile still answered here. At the next pause, or at the
   first message this module does not take (any other request, a second
   document, a close, a change of settings once a document is open, a pull
   client's report, params it does not recognise), the language server is created with those same
   parts (:func:`dockwise.lsp.server.create_server`), ``initialize`` is
   replayed to it (its answer dropped: the client has ours), the opened
   documents are put in its workspace as they are now (with the changes
   applied here) without being analysed again, and every message kept
   meanwhile is handed to it in order. From then on the boot object only
   passes messages through.

So a client that types right after opening a document, or after a pause, is
answered by the same engine and store, without waiting for pygls (~150–300 ms
of imports);
the server's own work that needs pygls — asking the client for its settings,
watching configuration files, ShellCheck in the background, live image
lookups — starts at that first pause instead of right after the first
publish. The tests feed the same sessions to both paths and compare what
the client gets (with a pause where a session needs the server's own
requests). One more difference: capabilities with a wrong type deep inside,
which pygls would refuse with an error, are answered here (this module reads
only the few it needs), and the server then starts without the part it
cannot read (one warning).
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, cast

from dockwise import __version__
from dockwise.lsp import logs
from dockwise.lsp.capabilities import ClientCapabilities, diagnostic_mode, raw_capability
from dockwise.lsp.configuration import WorkspaceConfig, uri_path
from dockwise.lsp.convert import client_units, publish_body
from dockwise.lsp.documents import DocumentStore, settle_collector, warm_up
from dockwise.lsp.hooks import Hooks
from dockwise.lsp.transport import FramedWriter

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lsp.configuration import ConfigHost

log = logging.getLogger("dockwise")

SERVER_NAME = "dockwise"
SUPPORTED_ENCODINGS = ("utf-8", "utf-16", "utf-32")
DID_OPEN = "textDocument/didOpen"
DID_CHANGE_CONFIGURATION = "workspace/didChangeConfiguration"
DIAGNOSTIC = "textDocument/diagnostic"
DID_CHANGE = "textDocument/didChange"
# How long the start-up path waits with no message from the client before it hands over
# anyway (after ``initialized``, or after the last document message it handled).
IDLE_HAND_OVER_S = 0.25


def choose_position_encoding(caps: dict) -> str | None:
    """pygls' choice (``ServerCapabilitiesBuilder.choose_position_encoding``)
    from raw capabilities: the client's first supported encoding, else
    UTF-16; None when the list is not a list of strings (pygls decides)."""
    encodings = raw_capability(caps, "general.position_encodings")
    if encodings is None:
        return "utf-16"
    if not isinstance(encodings, list) or not all(isinstance(e, str) for e in encodings):
        return None
    for e in encodings:
        if e in SUPPORTED_ENCODINGS:
            return e
    return "utf-16"


def capability_key(caps: dict) -> str | None:
    """Which of the generated results applies: the client capabilities
    pygls' builder reads (see ``_initialize.VARIANTS``), as ``"PWU"`` bits;
    None when one is not a boolean (pygls decides)."""
    bits = []
    for path, present in (("text_document.rename.prepare_support", False),
                          ("text_document.synchronization.will_save", True),
                          ("text_document.synchronization.will_save_wait_until", True)):
        v = raw_capability(caps, path)
        if v is not None and not isinstance(v, bool):
            return None
        bits.append("1" if (v is not None if present else bool(v)) else "0")
    return "".join(bits)


def initialize_result(params: Any) -> dict | None:
    """The ``InitializeResult`` pygls would answer ``params`` with, or None
    when this module cannot tell (the server answers then)."""
    if not isinstance(params, dict):
        return None
    caps = params.get("capabilities")
    if not isinstance(caps, dict):
        return None
    for name, kinds in (("rootUri", (str, type(None))), ("rootPath", (str, type(None))),
                        ("workspaceFolders", (list, type(None))), ("locale", (str, type(None))),
                        ("clientInfo", (dict, type(None)))):
        if not isinstance(params.get(name), kinds):
            return None
    pid = params.get("processId")
    if (pid is not None and (not isinstance(pid, int) or isinstance(pid, bool))) or "processId" not in params:
        return None
    client = params.get("clientInfo")
    if client is not None and not (isinstance(client.get("name"), str)
                                   and isinstance(client.get("version", ""), str)):
        return None
    if params.get("trace", "off") not in ("off", "messages", "verbose"):
        return None
    for f in params.get("workspaceFolders") or ():
        if not (isinstance(f, dict) and isinstance(f.get("uri"), str) and isinstance(f.get("name"), str)):
            return None
    encoding = choose_position_encoding(caps)
    key = capability_key(caps)
    if encoding is None or key is None:
        return None
    from dockwise.lsp._initialize import VARIANTS

    template = VARIANTS.get(key)
    if template is None:
        return None
    result = json.loads(template)
    result["capabilities"]["positionEncoding"] = encoding
    result["serverInfo"] = {"name": SERVER_NAME, "version": __version__}
    return result


class BootDocument:
    """An opened document as the document store reads it (pygls' TextDocument's fields)."""

    __slots__ = ("uri", "version", "source", "language_id", "path", "position_codec")

    def __init__(self, uri: str, version: int | None, source: str, language_id: str, encoding: str):
        self.uri, self.version, self.source, self.language_id = uri, version, source, language_id
        self.path = uri_path(uri) or ""
        self.position_codec = encoding  # PositionConverter takes an encoding name


class _Folder:
    __slots__ = ("uri", "name")

    def __init__(self, uri: str, name: str):
        self.uri, self.name = uri, name


class BootWorkspace:
    """Root URI, folders and open documents as pygls' ``Workspace`` gives them."""

    def __init__(self, params: dict, encoding: str):
        root_uri = params.get("rootUri")
        root_path = params.get("rootPath")
        if root_path is not None and root_uri is None:
            from pygls.uris import from_fs_path  # light: no lsprotocol

            root_uri = from_fs_path(root_path)
        self.root_uri = root_uri
        self.folders = {f["uri"]: _Folder(f["uri"], f["name"]) for f in params.get("workspaceFolders") or ()}
        self.position_encoding = encoding
        self.text_documents: dict[str, BootDocument] = {}


class _DropAnswer:
    """A writer that drops the answer to request ``msg_id`` (the replayed ``initialize``)."""

    def __init__(self, writer: FramedWriter, msg_id: Any):
        self.writer, self.msg_id, self.dropped = writer, msg_id, False
        self.closed = False

    def write(self, data: bytes) -> None:
        if not self.dropped:
            try:
                msg = json.loads(data)
            except ValueError:
                msg = None
            if isinstance(msg, dict) and "method" not in msg and msg.get("id") == self.msg_id:
                self.dropped = True
                return
        self.writer.write(data)

    def close(self) -> None:
        self.writer.close()


class Boot:
    """The transport's message sink until the language server is up (module docstring)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.loop_thread: int | None = None
        self.initialized = False  # for the configuration: no showMessage or registration before hand-over
        self.phase = "new"
        self.writer: FramedWriter | None = None
        self.hooks = Hooks()
        self._caps: dict = {}
        self.caps = ClientCapabilities(lambda: self._caps)
        self._workspace: BootWorkspace | None = None
        # Before the hand-over the configuration reads only loop, initialized, caps, hooks and the
        # workspace's root, folders and documents (it asks the client for nothing while
        # ``initialized`` is False); the store reads a document's uri, version, source, path, codec.
        self.config = WorkspaceConfig(cast("ConfigHost", self))
        self.documents = DocumentStore(cast(Any, self._document), self.config, self.caps, self.hooks)
        from dockwise.lsp.shellcheck import cached_results

        self.documents.provide("shellcheck", cached_results)  # as the shellcheck feature does
        self.server: Any = None
        self._initialize: dict | None = None
        self._mode = "push"
        self._kept: list[dict] = []  # messages for the server, in order
        self._opened: dict[str, Any] = {}  # URI → the state published or reported for it (None: not yet)
        self._published: set[str] = set()  # URIs whose diagnostics were pushed
        self._handing_over = False
        self._next: Any = None  # the server being handed over to
        self._last_message = 0.0  # time.monotonic() of the end of the last message handled here
        self._idle_armed = False
        self._modules: threading.Thread | None = None  # imports the language server's modules
        self._modules_done = threading.Event()  # set by that thread when it has imported them
        self._collector_off = False  # see _after_initialize

    # -- what the parts ask of their host ---------------------------------------------------

    @property
    def workspace(self) -> BootWorkspace:
        if self._workspace is None:
            raise RuntimeError("no workspace before initialize")  # as pygls
        return self._workspace

    def _document(self, uri: str) -> BootDocument | None:
        return self._workspace.text_documents.get(uri) if self._workspace is not None else None

    # -- the transport's callbacks ----------------------------------------------------------

    def started(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.loop_thread = threading.get_ident()
        if self.server is not None:
            self.server.started(loop)

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        if self.server is not None:
            self.server.set_phase(phase)

    def set_writer(self, writer: FramedWriter) -> None:
        self.writer = writer
        if self.server is not None:
            self.server.set_writer(writer)

    def shutdown(self) -> None:
        if self.server is not None:
            self.server.shutdown()

    # -- the log's sink (logs.configure_logging) ---------------------------------------------

    def can_log_to_client(self) -> bool:
        if self.server is not None:
            return self.server.can_log_to_client()
        w = self.writer
        return self.phase != "new" and w is not None and not w.closed

    def log_to_client(self, kind: int, message: str) -> None:
        if self.server is not None:
            self.server.log_to_client(kind, message)
        elif self.writer is not None:
            self.writer.send_json({"jsonrpc": "2.0", "method": "window/logMessage",
                                   "params": {"type": kind, "message": message}})

    # -- messages ---------------------------------------------------------------------------

    def structure_message(self, data: dict[str, Any]) -> Any:
        if self.server is None and self._next is None and self._initialize is None \
                and data.get("method") == "initialize" and initialize_result(data.get("params")) is None:
            self.hand_over()  # params this module does not take: pygls answers (an error, if they are bad)
        if self.server is not None:
            return self.server.protocol.structure_message(data)
        return data

    def handle_message(self, message: Any) -> None:
        if self.server is not None:
            self.server.protocol.handle_message(message)
            return
        if message is None:
            return
        if self._next is not None:  # handed over, the kept messages not all replayed yet
            self._kept.append(message)
            return
        try:
            self._take(message)
        finally:
            if self._collector_off and message.get("method") not in (
                    "initialize", "initialized", DID_CHANGE_CONFIGURATION):
                self._settle_collector()
            self._last_message = time.monotonic()  # the pause counts from the end of the work

    def _take(self, message: dict) -> None:
        method = message.get("method")
        if method == "initialize" and self._initialize is None and self._answer_initialize(message):
            return
        if self._initialize is not None and method == "initialized":
            self._kept.append(message)
            self._arm_idle()  # no document to open: the server comes up anyway
            return
        if self._initialize is not None and method == DID_OPEN and self._open(message):
            return
        if self._initialize is not None and method == DID_CHANGE and self._change(message):
            return
        if self._initialize is not None and method == DID_CHANGE_CONFIGURATION and self._configure(message):
            return
        if self._initialize is not None and method == DIAGNOSTIC and self._report(message):
            return
        self._kept.append(message)
        self.hand_over()

    def _arm_idle(self) -> None:
        if self.loop is not None and not self._idle_armed:
            self._idle_armed = True
            self.loop.call_later(IDLE_HAND_OVER_S, self._idle_hand_over)

    def _idle_hand_over(self) -> None:
        """No message for :data:`IDLE_HAND_OVER_S`: hand over (the client's
        settings are fetched, configuration files watched, ShellCheck and the
        live image source start); while messages keep coming, wait for the
        pause. The language server's modules (pygls, lsprotocol: most of the
        hand-over's cost) are imported first, in a thread, so that a keystroke
        typed meanwhile is answered here, sharing the interpreter with the
        import, instead of waiting for it; the server is created at the next
        pause after that. From a timer, a failure cannot end the session
        through the transport (its reader is blocked on stdin), so it ends the
        process after saying why."""
        self._idle_armed = False
        self._settle_collector()
        if self.server is not None or self._handing_over:
            return
        quiet = time.monotonic() - self._last_message
        if quiet < IDLE_HAND_OVER_S and self.loop is not None:
            self._idle_armed = True
            self.loop.call_later(IDLE_HAND_OVER_S - quiet, self._idle_hand_over)
            return
        if self._modules is None and self.loop is not None:
            self._modules = threading.Thread(target=self._import_server, name="dockwise-import", daemon=True)
            self._modules.start()
            return
        if self._modules is not None and not self._modules_done.is_set():
            return  # _import_server calls back when it is done
        self._from_timer(self.hand_over)

    def _import_server(self) -> None:
        """(In a thread.) Import the language server's modules; then, on the loop,
        hand over at the next pause. A failure is left to :meth:`hand_over`,
        which imports them again and says why it cannot."""
        from dockwise.lsp.startup import cached_attrs_compile

        t0 = time.perf_counter()
        try:
            with cached_attrs_compile():  # reuses attrs' generated code for the LSP types
                from dockwise.lsp import server  # noqa: F401
            log.debug("language server modules imported in %.0f ms", (time.perf_counter() - t0) * 1000)
        except BaseException as exc:
            log.debug("importing the language server's modules in the background: %s", logs.describe(exc))
        # Done, for the callback below: the thread is still alive when the loop runs it (the
        # callback once asked is_alive(), and a loaded machine ran it before the thread had
        # ended: the hand-over then waited for a message that might never come).
        self._modules_done.set()
        loop = self.loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._idle_hand_over)
            except RuntimeError:  # the loop is closed: the session is over
                pass

    def _from_timer(self, step: Any) -> None:
        try:
            step()
        except SystemExit as exc:
            import os

            if self.writer is not None:
                self.writer.close()
            logging.shutdown()
            os._exit(exc.code if isinstance(exc.code, int) else 1)

    def _answer_initialize(self, message: dict) -> bool:
        params = message.get("params")
        result = initialize_result(params)
        if result is None or self.writer is None or "id" not in message:
            return False
        assert isinstance(params, dict)
        self._initialize = message
        self._caps = params["capabilities"]
        self._workspace = BootWorkspace(params, result["capabilities"]["positionEncoding"])
        self.config.init_payload = params.get("initializationOptions")
        self.config.apply_settings("initializationOptions", resync=False)
        self._mode = diagnostic_mode(self.config.settings.diagnosticMode, self.caps.pulls)
        self.writer.send_json({"jsonrpc": "2.0", "id": message["id"], "result": result})
        # Still inside this message's dispatch (the answer is written; no read is pending), so
        # that a failure ends the session cleanly through the transport.
        self._after_initialize()
        return True

    def _after_initialize(self) -> None:
        if self.server is not None:
            return
        # The engine's import and the first analysis leave ~90,000 objects the collector tracks
        # (modules, the first document's model, its caches): the garbage collector scanned
        # them again and again (~4-6 ms of the first diagnostics on editlat's file) before
        # they were frozen. Off until the first message after initialize that is not
        # ``initialized`` or settings is handled (the first document, usually), or a pause,
        # or the hand-over: then what exists is frozen and the collector is back on.
        # Editing leaves no garbage cycles (tests/test_no_cycles.py) for it to miss meanwhile.
        import gc

        gc.disable()
        self._collector_off = True
        warm_up(settle=False)  # the engine, parser and rules: the first analysis needs them

    def _settle_collector(self) -> None:
        if self._collector_off:
            self._collector_off = False
            settle_collector()

    def _configure(self, message: dict) -> bool:
        """``workspace/didChangeConfiguration`` before the first ``didOpen`` (Neovim and
        Emacs send the user's settings right after ``initialized``): settings in the
        payload apply to the first analysis; a payload without them (the client wants
        to be asked) is kept, and the server asks after the hand-over, as it does for
        ``initialized``. False once a document is open: the server applies a change of
        settings to what it published (republishing, withdrawing, asking again)."""
        from dockwise.editor.settings import Settings

        if self._opened:
            return False
        params = message.get("params")
        payload = params.get("settings") if isinstance(params, dict) else None
        if not Settings.looks_like_settings(payload):
            self._kept.append(message)
            return True
        self.config.did_change_configuration(payload)
        # in the replay, this payload is newer than what the kept initialized (or an earlier
        # didChangeConfiguration without settings) asks the client for: that answer is dropped
        self._kept.append(SETTINGS_APPLIED)
        self._mode = diagnostic_mode(self.config.settings.diagnosticMode, self.caps.pulls)
        return True

    def _open(self, message: dict) -> bool:
        """Analyse and publish a ``didOpen``'d Dockerfile; False when the server should."""
        if self._workspace is None or self.writer is None:
            return False
        params = message.get("params")
        item = params.get("textDocument") if isinstance(params, dict) else None
        if not isinstance(item, dict):
            return False
        uri, text, version, language = item.get("uri"), item.get("text"), item.get("version"), item.get("languageId")
        if not (isinstance(uri, str) and isinstance(text, str) and isinstance(language, str)
                and isinstance(version, int) and not isinstance(version, bool)):
            return False
        if uri in self._workspace.text_documents or self.config.is_config_document(uri):
            return False
        if self._mode == "push" and self._published:
            # one document: the hand-over lints each adopted document once more, so a client
            # opening many at once would wait for all of them at its first request
            return False
        self._workspace.text_documents[uri] = BootDocument(uri, version, text, language,
                                                           self._workspace.position_encoding)
        self._kept.append(message)
        self.documents.opened(uri)
        try:
            self.config.check_changes(uri)
        except Exception as exc:  # the document is still published
            logs.log_failure("checking configuration files", exc)
        self._arm_idle()  # the server is created at the first pause (or the first message it must take)
        if self._mode != "push":
            self._opened[uri] = None  # analysed when the client asks (textDocument/diagnostic)
            return True
        self._publish(uri)
        return True

    def _publish(self, uri: str) -> None:
        assert self.writer is not None
        st = self.documents.state(uri)
        if st is not None:
            self.writer.write(publish_body(uri, st.texts, st.version))
            self._published.add(uri)
        self._opened[uri] = st

    def _change(self, message: dict) -> bool:
        """A ``didChange`` of a document opened here, in push mode with no
        debounce (the defaults): applied to the text as pygls applies it, analysed
        and published, as the server's ``did_change`` does. False (the server
        takes it, after the hand-over) for anything else: pull mode, a debounce,
        a document not opened here, params this module does not take."""
        if self._mode != "push" or self.writer is None or self._workspace is None \
                or self.config.settings.debounceMs > 0:
            return False
        params = message.get("params")
        ident = params.get("textDocument") if isinstance(params, dict) else None
        changes = params.get("contentChanges") if isinstance(params, dict) else None
        if not isinstance(ident, dict) or not isinstance(changes, list):
            return False
        uri, version = ident.get("uri"), ident.get("version")
        if not isinstance(uri, str) or uri not in self._opened or not _uinteger(version, signed=True):
            return False
        doc = self._workspace.text_documents.get(uri)
        parsed = [_content_change(c) for c in changes]
        if doc is None or any(c is None for c in parsed):
            return False
        source = doc.source
        for change in parsed:
            source = apply_content_change(source, cast(ContentChange, change), doc.position_codec)
        doc.source, doc.version = source, version
        self.documents.changed(uri)
        self._publish(uri)
        return True

    def _report(self, message: dict) -> bool:
        """A pull client's ``textDocument/diagnostic`` for a document opened here:
        the report :meth:`DiagnosticsPublisher.report` gives, written from the
        diagnostics' JSON texts; then the hand-over. False when the server should answer."""
        params = message.get("params")
        doc = params.get("textDocument") if isinstance(params, dict) else None
        uri = doc.get("uri") if isinstance(doc, dict) else None
        previous = params.get("previousResultId") if isinstance(params, dict) else None
        if (self._mode != "pull" or self.writer is None or "id" not in message or not isinstance(uri, str)
                or uri not in self._opened or not isinstance(previous, (str, type(None)))):
            return False
        st = self.documents.state(uri)
        if st is None:
            return False
        self._opened[uri] = st
        if previous is not None and previous == st.result_id:
            result = '{"kind": "unchanged", "resultId": %s}' % json.dumps(st.result_id)
        else:
            result = '{"kind": "full", "resultId": %s, "items": [%s]}' % (json.dumps(st.result_id), ", ".join(st.texts))
        self.writer.write(('{"jsonrpc": "2.0", "id": %s, "result": %s}' % (json.dumps(message["id"]), result))
                          .encode("utf-8"))
        self.hand_over()  # the diagnostics are out; still inside this message's dispatch
        return True

    # -- the hand-over ----------------------------------------------------------------------

    def hand_over(self) -> None:
        """Create the language server with this object's parts and give it
        every message kept so far (module docstring, step 3)."""
        if self.server is not None or self._handing_over:
            return
        self._handing_over = True
        self._settle_collector()
        t0 = time.perf_counter()
        if self._modules is not None:
            self._modules.join()  # importing them at the pause: its end (never two attrs caches at once)
        from dockwise.lsp.startup import cached_attrs_compile

        try:
            with cached_attrs_compile():  # reuses attrs' generated code for the LSP types
                from dockwise.lsp import server as lsp_server
            server = lsp_server.create_server(parts=self)
            if self.loop is not None:
                server.started(self.loop)
            server.set_phase(self.phase)
            protocol: Any = server.protocol
            if self._initialize is not None and self.writer is not None:
                drop = _DropAnswer(self.writer, self._initialize["id"])
                protocol.set_writer(drop, include_headers=False)
                protocol.handle_message(_readable_initialize(protocol, self._initialize))
                if not drop.dropped:
                    log.warning("the replayed initialize was not answered at once")
        except Exception as exc:  # no language server: say so and stop, never go on deaf
            from dockwise.lsp.transport import fatal

            fatal(f"the language server could not start: {logs.describe(exc)}")
            raise SystemExit(1) from None
        if self.writer is not None:
            server.set_writer(self.writer)
        self._next = server
        log.debug("language server created in %.0f ms", (time.perf_counter() - t0) * 1000)
        self._replay()

    def _replay(self) -> None:
        server = self._next
        protocol: Any = server.protocol
        adopted = False
        while self._kept:
            message = self._kept[0]
            uri = _opened_uri(message)
            if uri is not None and uri in self._opened:
                self._kept.pop(0)
                doc = self.workspace.text_documents[uri]  # as opened, with the changes applied here
                item = {"uri": uri, "languageId": doc.language_id, "version": doc.version, "text": doc.source}
                server.adopt_opened(item, self._opened.pop(uri), pushed=uri in self._published)
                adopted = True
                continue
            if adopted and self.loop is not None:
                # the features hear of the adopted documents first (adopt_opened's call_soon), as
                # they would have before a message that came after them
                self.loop.call_soon(self._from_timer, self._replay)
                return
            self._kept.pop(0)
            if message is SETTINGS_APPLIED:
                self.config.payload_applied()
                continue
            try:
                protocol.handle_message(protocol.structure_message(message))
            except SystemExit:  # exit: the session ends
                self.server = server
                raise
            except Exception as exc:
                logs.log_failure(f"handling {message.get('method')}", exc)
        self.server = server  # from here on messages pass through
        self.config.started()


def _readable_initialize(protocol: Any, message: dict) -> Any:
    """``initialize`` structured by pygls. The client already has this
    module's answer, which read only the few capabilities it needs; a part of
    the capabilities pygls cannot read (a wrong type somewhere, where pygls
    would have answered with an error) is left out, with one warning, so
    the server starts with every part it can read instead of not at all."""
    params = json.loads(json.dumps(message["params"]))  # a copy to cut
    for _ in range(32):
        try:
            return protocol.structure_strict({**message, "params": params})
        except Exception as exc:
            path, why = _unreadable(exc)
            if path is None or not _cut(params, path):
                break
            log.warning("initialize: the client's %s could not be read (%s): left out", ".".join(path), why)
    log.warning("initialize: the client's capabilities could not be read: going on without them")
    minimal = {"processId": None, "capabilities": {}, "rootUri": params.get("rootUri"),
               "workspaceFolders": params.get("workspaceFolders"),
               "initializationOptions": params.get("initializationOptions")}
    return protocol.structure_strict({**message, "params": minimal})


def _unreadable(exc: Exception) -> tuple[list[str] | None, str]:
    """The JSON path (under ``params``) of the first problem cattrs reports, and its wording."""
    import re

    try:
        from cattrs import transform_error

        problems = transform_error(exc.__cause__ or exc, path="$")  # type: ignore[arg-type]
    except Exception:
        return None, ""
    if not problems:
        return None, ""
    why, _, where = problems[0].rpartition(" @ ")
    if not where.startswith("$.params."):
        return None, why
    out: list[str] = []
    for seg in where[len("$.params."):].split("."):
        m = re.fullmatch(r"([A-Za-z0-9_]+)((?:\[\d+\])*)", seg)
        if m is None:
            return None, why
        head, *rest = m.group(1).split("_")
        out.append(head + "".join(w[:1].upper() + w[1:] for w in rest))
        out += re.findall(r"\d+", m.group(2))
    return out, why


def _cut(params: dict, path: list[str]) -> bool:
    """Remove ``path`` from ``params``; False when it is not there."""
    node: Any = params
    for key in path[:-1]:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    last = path[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        del node[int(last)]
        return True
    return False


# In the kept messages: settings the start-up path applied from a didChangeConfiguration.
SETTINGS_APPLIED: dict = {"method": "$/dockwise/settingsApplied"}


# -- didChange as pygls applies it -----------------------------------------------------------

# (start line, start character, end line, end character) in the client's units, or None for the
# whole text; and the new text
ContentChange = tuple["tuple[int, int, int, int] | None", str]
_UINTEGER_MAX = 2**31 - 1


def _uinteger(value: Any, signed: bool = False) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)
            and (-_UINTEGER_MAX - 1 if signed else 0) <= value <= _UINTEGER_MAX)


def _position(p: Any) -> tuple[int, int] | None:
    if not isinstance(p, dict) or p.keys() != {"line", "character"}:
        return None
    line, character = p["line"], p["character"]
    return (line, character) if _uinteger(line) and _uinteger(character) else None


def _content_change(c: Any) -> ContentChange | None:
    """One of ``contentChanges``, when it is plainly one of the two kinds
    (``{"text"}``, or ``{"range", "text"}`` with an optional integer
    ``rangeLength``); None for anything else (pygls reads it, or refuses it)."""
    if not isinstance(c, dict) or not isinstance(c.get("text"), str):
        return None
    keys = c.keys()
    if keys == {"text"}:
        return None, c["text"]
    if not keys <= {"range", "rangeLength", "text"} or "range" not in keys:
        return None
    if "rangeLength" in keys and not _uinteger(c["rangeLength"]):
        return None
    r = c["range"]
    if not isinstance(r, dict) or r.keys() != {"start", "end"}:
        return None
    start, end = _position(r["start"]), _position(r["end"])
    if start is None or end is None:
        return None
    return (*start, *end), c["text"]


def _server_position(lines: list[str], line: int, character: int, encoding: str) -> tuple[int, int]:
    """pygls' ``PositionCodec.position_from_client_units``, quirks included: a
    line past the end is the last line's length in client units; a character
    past the line's end (its line break counted) is one before that end."""
    if not lines:
        return 0, 0
    if line >= len(lines):
        return len(lines) - 1, client_units(lines[-1], encoding)
    text = lines[line].replace("\r\n", "\n")
    n = client_units(text, encoding)
    if n == 0:
        return line, 0
    if character > n:
        character = n - 1
    if encoding == "utf-32" or text.isascii():
        return line, min(character, len(text))
    client = index = 0
    for ch in text:
        if client >= character:
            break
        o = ord(ch)
        if encoding == "utf-8":
            client += 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
        else:
            client += 2 if o > 0xFFFF else 1
        index += 1
    return line, (len(text) if client < character else index)


def apply_content_change(source: str, change: ContentChange, encoding: str) -> str:
    """``source`` after ``change``, as pygls' ``TextDocument.apply_change``
    makes it (incremental sync; its handling of odd ranges included: a range
    that ends before it starts leaves the text as it is)."""
    rng, text = change
    if rng is None:
        return text
    lines = source.splitlines(True)
    sl, sc = _server_position(lines, rng[0], rng[1], encoding)
    el, ec = _server_position(lines, rng[2], rng[3], encoding)
    if sl == len(lines):  # no lines at all
        return source + text
    if sl > el:
        return source
    return "".join(lines[:sl]) + lines[sl][:sc] + text + lines[el][ec:] + "".join(lines[el + 1:])


def _opened_uri(message: dict) -> str | None:
    if message.get("method") != DID_OPEN:
        return None
    try:
        return message["params"]["textDocument"]["uri"]
    except (KeyError, TypeError):
        return None


# -- entry point ----------------------------------------------------------------------------


def _parse_tcp(tcp: Any) -> tuple[str, int]:
    if isinstance(tcp, (tuple, list)):
        host, port = tcp
        return str(host or "127.0.0.1"), int(port)
    text = str(tcp).strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    return (host.strip("[]") or "127.0.0.1"), int(port)


def serve(tcp: "str | tuple[str, int] | None" = None, log_file: str | None = None) -> int:
    """Run the server until the client says ``exit`` (or the input ends).

    ``tcp``: ``"HOST:PORT"`` (or ``(host, port)``) to listen on a socket;
    ``None`` for stdio. ``log_file``: also write the log there (raises
    :class:`~dockwise.lsp.logs.LogFileError` when it cannot be opened). Returns
    the process exit status the spec asks for: 0 after ``shutdown`` and
    ``exit``, else 1. Nothing but the protocol goes to stdout: in stdio mode
    ``sys.stdout`` is pointed at stderr so a stray ``print`` cannot corrupt
    the stream.
    """
    import sys

    from dockwise.lsp import transport

    boot = Boot()
    logs.configure_logging(boot, logging.INFO, log_file)
    try:
        if tcp:
            host, port = _parse_tcp(tcp)
            return transport.run_tcp(boot, boot.set_writer, host, port, on_start=boot.started,
                                     on_phase=boot.set_phase)
        stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
        sys.stdout = sys.stderr  # stray prints must not corrupt the protocol stream
        return transport.run_stdio(boot, boot.set_writer, stdin, stdout, on_start=boot.started,
                                   on_phase=boot.set_phase)
    finally:
        boot.shutdown()


def main(argv: list[str] | None = None) -> int:
    """``python -m dockwise.lsp.boot``: the server without the CLI."""
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="python -m dockwise.lsp.boot", description="dockwise language server")
    p.add_argument("--stdio", action="store_true", help="use stdin/stdout (the default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead")
    p.add_argument("--log-file", metavar="PATH", help="also write the server's log to PATH")
    args = p.parse_args(argv)
    try:
        return serve(tcp=args.tcp, log_file=args.log_file)
    except logs.LogFileError as exc:
        print(f"dockwise serve: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

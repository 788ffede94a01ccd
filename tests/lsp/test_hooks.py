"""The LSP layer's structure: features plug in through hooks, never by
reassigning the server's attributes; one decorator turns a handler's
exception into an error response and one log line; no import circles;
closing a document frees its analysis."""
from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError
from pygls.workspace import TextDocument

from dockwise.lsp import core, server as lsp_server
from dockwise.lsp.hooks import HOOKS, Feature, Hooks, SettingsChange

LSP_DIR = Path(core.__file__).resolve().parent


# -- no monkeypatching -----------------------------------------------------------------------

_SERVER_NAMES = {"server", "ls"}


def server_attribute_assignments(source: str, filename: str = "<source>") -> list[str]:
    """Assignments to an attribute of the server (``server.x = …``,
    ``ls.x += …``, ``self.server.x = …``, ``setattr(server, …)``) in ``source``."""
    found = []

    def is_server(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in _SERVER_NAMES
        return (isinstance(node, ast.Attribute) and node.attr in _SERVER_NAMES
                and isinstance(node.value, ast.Name) and node.value.id == "self")

    def targets(node: ast.AST):
        if isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                yield from targets(elt)
        else:
            yield node

    for node in ast.walk(ast.parse(source, filename)):
        tgts: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            for t in node.targets:
                tgts += list(targets(t))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            tgts.append(node.target)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
              and node.args and is_server(node.args[0])):
            found.append(f"{filename}:{node.lineno}: setattr")
        for t in tgts:
            if isinstance(t, ast.Attribute) and is_server(t.value):
                found.append(f"{filename}:{t.lineno}: {ast.unparse(t)}")
    return found


def test_the_check_finds_monkeypatching():
    """What lsp/live.py used to do is caught."""
    patched = (
        "def register(server):\n"
        "    apply_settings = server.apply_settings\n"
        "    server.apply_settings = lambda *a: apply_settings(*a)\n"
        "    server._analyse, x = (lambda *a: None), 1\n"
        "    setattr(server, 'publish', None)\n"
        "class F:\n"
        "    def register(self):\n"
        "        self.server.generation += 1\n"
    )
    assert len(server_attribute_assignments(patched)) == 4


@pytest.mark.parametrize("path", sorted(p.name for p in LSP_DIR.glob("*.py") if p.name != "core.py"))
def test_no_lsp_module_assigns_server_attributes(path):
    """Only the server class itself (core.py) sets the server's attributes;
    features keep their state on themselves and plug in through hooks."""
    src = (LSP_DIR / path).read_text(encoding="utf-8")
    assert server_attribute_assignments(src, path) == []


def test_features_leave_the_server_object_as_it_was():
    """At run time too: adding every feature adds no attribute to the server,
    replaces none, and changes nothing on its class."""
    before_class = dict(vars(core.DockwiseServer))
    bare = core.DockwiseServer()
    full = lsp_server.create_server()
    assert dict(vars(core.DockwiseServer)) == before_class
    assert set(vars(full)) == set(vars(bare))
    shadowed = [k for k in vars(full) if callable(getattr(core.DockwiseServer, k, None))]
    assert shadowed == []
    assert set(full.features) == {"actions", "hover", "navigation", "editing", "live", "shellcheck"}
    assert all(isinstance(f, Feature) for f in full.features.values())


# -- hooks --------------------------------------------------------------------------------------


def test_hooks_run_in_order_and_in_isolation(caplog):
    hooks = Hooks()
    calls = []

    def broken(uri):
        raise RuntimeError("kaputt\nsecond line")

    hooks.on("document_closed", lambda uri: calls.append(("first", uri)))
    hooks.on("document_closed", broken)
    hooks.on("document_closed", lambda uri: calls.append(("third", uri)))
    with caplog.at_level(logging.INFO, logger="dockwise"):
        hooks.emit("document_closed", "file:///a")
    assert calls == [("first", "file:///a"), ("third", "file:///a")]
    (rec,) = caplog.records
    assert rec.levelno == logging.ERROR and rec.exc_info is None
    assert "kaputt | second line" in rec.getMessage() and "\n" not in rec.getMessage()
    with pytest.raises(ValueError, match="unknown hook"):
        hooks.on("document_changed_somehow", print)


def test_feature_subscribes_the_hooks_it_overrides():
    server = core.DockwiseServer()
    seen = []

    class Counter(Feature):
        name = "counter"

        def document_closed(self, uri):
            seen.append(uri)

        def settings_changed(self, change):
            seen.append(change.source)

    f = Counter(server)
    assert set(f.hook_methods()) == {"document_closed", "settings_changed"}
    server.add_feature(f)
    server.hooks.emit("document_closed", "file:///x")
    server.config.apply_settings("test", resync=False)
    assert seen == ["file:///x", "test"]
    with pytest.raises(ValueError):
        server.add_feature(Counter(server))
    assert set(HOOKS) == {"initialized", "settings_changed", "document_opened", "document_analysed",
                          "document_closed", "shutdown"}


def test_settings_change_reports_which_fields_changed():
    from dockwise.editor.settings import Settings

    old, new = Settings(), Settings.from_dict({"images": {"platform": "linux/arm64"}})
    change = SettingsChange("test", old, new)
    assert change.changed("images_platform") and not change.changed("debounceMs", "images_inlayHints")


# -- the handler decorator ---------------------------------------------------------------------------


def _handler(server, method):
    return server.protocol.fm.features[method]


def test_handler_exception_becomes_an_error_response_and_one_line(caplog):
    server = core.DockwiseServer()

    @server.handler(types.TEXT_DOCUMENT_HOVER)
    def boom(ls, params):
        assert ls is server
        raise KeyError("no such thing")

    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri="file:///x"),
                               position=types.Position(line=0, character=0))
    ours = logging.getLogger("dockwise")
    level = ours.level
    with caplog.at_level(logging.INFO, logger="dockwise"):
        with pytest.raises(JsonRpcInternalError) as err:
            _handler(server, types.TEXT_DOCUMENT_HOVER)(params)
    assert err.value.code == -32603 and "KeyError" in err.value.message
    (rec,) = caplog.records
    assert rec.levelno == logging.ERROR and rec.exc_info is None
    assert rec.getMessage() == "textDocument/hover failed: KeyError: 'no such thing'"
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="dockwise"):  # the traceback only at debug
        with pytest.raises(JsonRpcInternalError):
            _handler(server, types.TEXT_DOCUMENT_HOVER)(params)
    assert ours.level == level
    (rec,) = caplog.records
    assert rec.exc_info is not None


def test_notification_handler_exception_is_one_line(caplog):
    server = core.DockwiseServer()

    @server.handler(types.TEXT_DOCUMENT_DID_SAVE)
    def boom(ls, params):
        raise ValueError("bad")

    with caplog.at_level(logging.INFO, logger="dockwise"):
        assert _handler(server, types.TEXT_DOCUMENT_DID_SAVE)(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri="file:///x"))) is None
    assert [r.getMessage() for r in caplog.records] == ["textDocument/didSave failed: ValueError: bad"]


def test_no_tracebacks_below_debug_in_the_lsp_layer():
    """Failures are logged with logs.log_failure (one line; traceback at debug)."""
    offenders = []
    for p in sorted(LSP_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exception":
                offenders.append(f"{p.name}:{node.lineno}: .exception()")
            if isinstance(node, ast.keyword) and node.arg == "exc_info" and isinstance(node.value, ast.Constant) \
                    and node.value.value is True:
                offenders.append(f"{p.name}: exc_info=True")
    assert offenders == []


# -- imports -----------------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """Every dockwise.lsp module ``path`` imports, at module level, in a
    function or under TYPE_CHECKING."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                mod = "dockwise.lsp." + mod if mod else "dockwise.lsp"
            if mod == "dockwise.lsp":
                out |= {f"dockwise.lsp.{a.name}" for a in node.names}
            elif mod.startswith("dockwise.lsp."):
                out.add(mod)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("dockwise.lsp.")}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            pass  # create_server's feature loading: server → features, checked below
    return {m for m in out if (LSP_DIR / (m.rsplit(".", 1)[1] + ".py")).exists()}


def test_no_import_circle_in_the_lsp_layer():
    graph = {f"dockwise.lsp.{p.stem}": _imports(p) for p in LSP_DIR.glob("*.py") if p.stem != "__init__"}
    for feature in lsp_server.FEATURE_MODULES:  # loaded by create_server with importlib
        graph["dockwise.lsp.server"].add(f"dockwise.lsp.{feature}")
    assert "dockwise.lsp.hover" in graph["dockwise.lsp.server"]
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph.get(m, ())):
            assert state.get(n) != 1, "import circle: " + " → ".join(path[path.index(n):] + [n])
            if n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


# -- the document store ---------------------------------------------------------------------------------


def test_closing_a_document_frees_its_analysis(monkeypatch):
    server = core.DockwiseServer()
    uri = "file:///w/Dockerfile"
    docs = {uri: TextDocument(uri, "FROM ubuntu\nRUN apt-get install curl\n", version=1)}
    monkeypatch.setattr(server.documents, "_open_document", docs.get)  # no client in this test
    st = server.documents.state(uri)
    e = server.documents.entry(uri)
    assert st is not None and e is not None and e.state is st and e.lint_cache is not None
    docs[uri] = TextDocument(uri, "FROM ubuntu\nRUN apt-get install -y curl\n", version=2)
    server.documents.changed(uri)
    assert e.state is None and e.previous_model is st.model  # kept for incremental re-parsing
    st2 = server.documents.state(uri)
    assert st2 is not None and st2.version == 2 and e.previous_model is None
    closed = []
    server.hooks.on("document_closed", closed.append)
    server.documents.closed(uri)
    server.hooks.emit("document_closed", uri)
    assert server.documents.entry(uri) is None and server.documents.analysed() == [] and closed == [uri]


# -- the workspace configuration ---------------------------------------------------------------------------


def test_a_configuration_answer_never_overrides_a_newer_payload():
    """workspace/configuration is answered, but before the fetch resumes a
    didChangeConfiguration arrives: its payload wins (cancelling the fetch is
    not enough — asyncio.wait_for may return a result that is already there)."""
    import asyncio

    from pygls.workspace import Workspace

    from dockwise.lsp.capabilities import ClientCapabilities

    server = core.DockwiseServer()
    answers: list[asyncio.Future] = []
    client_caps = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(configuration=True))

    class Host:
        """The configuration's view of the server (``ConfigHost``); the test answers
        workspace/configuration itself."""

        def __init__(self) -> None:
            self.loop: asyncio.AbstractEventLoop | None = None
            self.initialized = True
            self.caps = ClientCapabilities(lambda: client_caps)
            self.hooks = Hooks()
            self._workspace = Workspace(None)

        @property
        def workspace(self) -> Workspace:
            return self._workspace

        def workspace_configuration_async(self, params: Any) -> Any:
            fut = asyncio.get_running_loop().create_future()
            answers.append(fut)
            return fut

        def window_show_message(self, params: Any) -> Any:
            raise AssertionError(f"unexpected window/showMessage: {params}")

        def client_register_capability_async(self, params: Any) -> Any:
            raise AssertionError(f"unexpected client/registerCapability: {params}")

    config = server.config
    host = Host()
    assert host.caps.configuration
    config.host = host

    async def scenario():
        host.loop = asyncio.get_running_loop()
        config.schedule_fetch()
        for _ in range(3):
            await asyncio.sleep(0)
        assert len(answers) == 1
        answers[0].set_result([{"ignore": ["DL3008"]}])  # the client's (older) answer is there …
        config.did_change_configuration({"dockwise": {"ignore": ["DL4000"]}})  # … and a newer payload
        for _ in range(10):
            await asyncio.sleep(0)

    asyncio.run(scenario())
    assert config.settings.ignore == ["DL4000"]

"""The start-up path (dockwise.lsp.boot): initialize and the first diagnostics before pygls loads.

* boot's ``initialize`` answer equals pygls' for client capabilities that
  change it, and the generated table is current;
* in a real ``dockwise serve`` process the first ``publishDiagnostics`` is
  written before lsprotocol or pygls is imported, holds what the language
  server publishes for the same text, and the server works after the
  hand-over (edits, requests, close);
* a configuration file's problem found before the hand-over is still shown.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import BinaryIO, cast

import pytest

from dockwise.lsp import boot, initialize_gen
from dockwise.lsp.transport import read_frame

TIMEOUT = 30.0

CAPS = [
    {},
    {"general": {"positionEncodings": ["utf-8", "utf-16"]}},
    {"general": {"positionEncodings": ["utf-32"]}},
    {"general": {"positionEncodings": ["latin-1", "utf-8"]}},
    {"general": {"positionEncodings": ["latin-1"]}},
    {"general": {"positionEncodings": []}},
    {"textDocument": {"rename": {"prepareSupport": True}}},
    {"textDocument": {"rename": {"prepareSupport": False}, "synchronization": {"willSave": False}}},
    {"textDocument": {"synchronization": {"willSave": True, "willSaveWaitUntil": True, "didSave": True}}},
    {"textDocument": {"synchronization": {"willSaveWaitUntil": False}, "diagnostic": {}}},
    {"notebookDocument": {"synchronization": {}}, "workspace": {"configuration": True}},
]


@pytest.mark.parametrize("caps", CAPS, ids=[json.dumps(c, sort_keys=True)[:60] for c in CAPS])
@pytest.mark.parametrize("extra", [{}, {"initializationOptions": {"diagnosticMode": "pull", "images": {"online": False}}},
                                   {"rootUri": "file:///w", "workspaceFolders": [{"uri": "file:///w", "name": "w"}]}])
def test_initialize_answer_is_pygls_answer(caps, extra):
    params = {"processId": None, "rootUri": None, "capabilities": caps, **extra}
    mine = boot.initialize_result(params)
    assert mine is not None
    assert mine == initialize_gen.pygls_initialize_result(params)


@pytest.mark.parametrize("params", [
    {"processId": None, "capabilities": "none"},
    {"processId": None, "capabilities": {"general": {"positionEncodings": "utf-8"}}},
    {"processId": None, "capabilities": {"textDocument": {"rename": {"prepareSupport": "yes"}}}},
    {"processId": None, "capabilities": {}, "workspaceFolders": [{"uri": 3}]},
    {"processId": "me", "capabilities": {}},
    {"processId": True, "capabilities": {}},
    {"capabilities": {}},
    {"processId": None, "capabilities": {}, "trace": "loud"},
    {"processId": None, "capabilities": {}, "clientInfo": {"name": 1}},
    {"processId": None, "capabilities": {}, "locale": 5},
    [],
])
def test_params_it_does_not_take_are_left_to_pygls(params):
    assert boot.initialize_result(params) is None


def test_generated_table_is_current():
    path = Path(initialize_gen.__file__).with_name("_initialize.py")
    assert path.read_text(encoding="utf-8") == initialize_gen.generate_variants(), \
        "run python -m dockwise.lsp.initialize_gen --write"


# -- a real process ---------------------------------------------------------------------------------

SPY = textwrap.dedent("""
    import sys
    from dockwise.lsp import boot
    real = boot.publish_body
    def spy(*args):
        loaded = [m for m in ("lsprotocol.types", "pygls.lsp.server", "cattrs") if m in sys.modules]
        sys.stderr.write("first publish; loaded: %s\\n" % (",".join(loaded) or "nothing"))
        sys.stderr.flush()
        boot.publish_body = real
        return real(*args)
    boot.publish_body = spy
    real_report = boot.Boot._report
    def report(self, message):
        loaded = [m for m in ("lsprotocol.types", "pygls.lsp.server", "cattrs") if m in sys.modules]
        sys.stderr.write("first report; loaded: %s\\n" % (",".join(loaded) or "nothing"))
        sys.stderr.flush()
        boot.Boot._report = real_report
        return real_report(self, message)
    boot.Boot._report = report
    sys.exit(boot.main([]))
""")


BROKEN = textwrap.dedent("""
    import sys
    from dockwise.lsp import boot, server
    def create_server(parts=None):
        raise RuntimeError("no server today")
    server.create_server = create_server
    sys.exit(boot.main([]))
""")


class Proc:
    def __init__(self, cwd: Path, script: str = SPY):
        env = {**os.environ, "DOCKWISE_OFFLINE": "1"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.p = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=cwd)
        self.msgs: list[dict] = []
        self.err: list[str] = []
        self.cv = threading.Condition()
        threading.Thread(target=self._out, daemon=True).start()
        self._err_reader = threading.Thread(target=self._err, daemon=True)
        self._err_reader.start()

    def _out(self) -> None:
        out = self.p.stdout
        assert out is not None
        while (body := read_frame(cast(BinaryIO, out))) is not None:  # the server's own framing (tested on its own)
            with self.cv:
                self.msgs.append(json.loads(body))
                self.cv.notify_all()

    def _err(self) -> None:
        assert self.p.stderr is not None
        for line in self.p.stderr:
            self.err.append(line.decode(errors="replace"))

    def stderr(self) -> list[str]:
        """Everything the server wrote to stderr (after it ended: the reader has read it all)."""
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(TIMEOUT)
        self._err_reader.join(TIMEOUT)
        assert not self._err_reader.is_alive(), "stderr still open after the server ended"
        return list(self.err)

    def send(self, msg: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode()
        assert self.p.stdin is not None
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def wait(self, pred, what: str, start: int = 0) -> dict:
        deadline = time.monotonic() + TIMEOUT
        with self.cv:
            while True:
                for m in self.msgs[start:]:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                assert left > 0, f"timed out waiting for {what}; got {[m.get('method', m.get('id')) for m in self.msgs]}"
                self.cv.wait(left)

    def publish(self, uri: str, version: int, start: int = 0) -> dict:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                         and m["params"]["uri"] == uri and m["params"].get("version") == version,
                         f"diagnostics of {uri} v{version}", start)

    def close(self) -> int:
        try:
            self.send({"id": 99, "method": "shutdown"})
            self.wait(lambda m: m.get("id") == 99, "shutdown")
            self.send({"method": "exit"})
            return self.p.wait(TIMEOUT)
        finally:
            if self.p.poll() is None:
                self.p.kill()


TEXT = "FROM ubuntu\nRUN apt-get update && apt-get install -y curl\nMAINTAINER me\nCOPY . /app\n"


def test_first_diagnostics_before_pygls_then_the_server_takes_over(tmp_path):
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path)
    try:
        p.send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": tmp_path.as_uri(),
            "capabilities": {"general": {"positionEncodings": ["utf-8"]}}}})
        init = p.wait(lambda m: m.get("id") == 1, "initialize")
        assert init["result"]["capabilities"]["positionEncoding"] == "utf-8"
        p.send({"method": "initialized", "params": {}})
        p.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": TEXT}}})
        first = p.publish(uri, 1)["params"]["diagnostics"]
        codes = {d["code"] for d in first}
        assert {"DL3006", "DL4000", "DL3008"} <= codes, codes

        # the language server has it now: a request, an edit, close and reopen
        n = len(p.msgs)
        p.send({"id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 6}}})
        hover = p.wait(lambda m: m.get("id") == 2, "hover", n)
        assert "error" not in hover and hover["result"] is not None, hover
        p.send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": {"start": {"line": 2, "character": 0},
                                              "end": {"line": 3, "character": 0}}, "text": ""}]}})
        second = p.publish(uri, 2, n)["params"]["diagnostics"]
        assert "DL4000" not in {d["code"] for d in second}
        n = len(p.msgs)
        p.send({"method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}})
        p.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 3, "text": TEXT}}})
        again = p.publish(uri, 3, n)["params"]["diagnostics"]
        assert again == first  # what boot published is what the language server publishes
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()
    err = p.stderr()
    lines = [e for e in err if e.startswith("first publish")]
    assert lines == ["first publish; loaded: nothing\n"], err


def test_a_configuration_problem_found_before_the_hand_over_is_shown(tmp_path):
    (tmp_path / ".hadolint.yaml").write_text("ignored:\n  - DL3006\nfailure-threshold: loud\n")
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path)
    try:
        p.send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}})
        p.wait(lambda m: m.get("id") == 1, "initialize")
        p.send({"method": "initialized", "params": {}})
        p.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": TEXT}}})
        codes = {d["code"] for d in p.publish(uri, 1)["params"]["diagnostics"]}
        assert "DL3006" not in codes and "DL4000" in codes  # the file is read before the first publish
        shown = p.wait(lambda m: m.get("method") == "window/showMessage", "showMessage")
        assert "failure-threshold" in shown["params"]["message"]
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()


# -- the same messages out, with and without the start-up path --------------------------------------

A = "file:///w/a/Dockerfile"
B = "file:///w/b/Dockerfile"
CONF = "file:///w/a/.hadolint.yaml"


def _open(uri: str, text: str, version: int = 1) -> dict:
    return {"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "dockerfile", "version": version, "text": text}}}


def _change(uri: str, version: int, line: int, text: str) -> dict:
    return {"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": 0},
                                          "end": {"line": line, "character": 0}}, "text": text}]}}


def _init(caps: dict, **extra) -> dict:
    return {"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": "file:///w",
                                                        "capabilities": caps, **extra}}


DOC = "FROM ubuntu\nRUN apt-get install -y curl\nMAINTAINER me\n"
SCENARIOS = {
    "push, edits and requests": [
        _init({"general": {"positionEncodings": ["utf-8"]}}), {"method": "initialized", "params": {}},
        _open(A, DOC), _change(A, 2, 0, "# comment\n"),
        {"id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": A},
                                                             "position": {"line": 1, "character": 6}}},
        _open(B, "FROM python:3.12\nCOPY . /app\nRUN pip install -r requirements.txt\n"),
        {"method": "textDocument/didClose", "params": {"textDocument": {"uri": A}}},
        {"id": 3, "method": "shutdown"},
    ],
    "pull": [
        _init({"textDocument": {"diagnostic": {}}}), {"method": "initialized", "params": {}}, _open(A, DOC),
        {"id": 2, "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": A}}},
        {"id": 4, "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": A},
                                                                  "previousResultId": "1"}},
        _change(A, 2, 0, "# x\n"),
        {"id": 5, "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": A},
                                                                  "previousResultId": "1"}},
        {"id": 3, "method": "shutdown"},
    ],
    "pull, asked with a result id first": [
        _init({"textDocument": {"diagnostic": {}}}), {"method": "initialized", "params": {}}, _open(A, DOC),
        {"id": 2, "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": A},
                                                                  "previousResultId": "1"}},
        {"id": 3, "method": "shutdown"},
    ],
    "bad initialize, then a good one": [
        {"id": 1, "method": "initialize", "params": {"processId": "me", "capabilities": "none"}},
        _init({}), {"method": "initialized", "params": {}}, _open(A, DOC), {"id": 3, "method": "shutdown"},
    ],
    "configuration file opened first": [
        _init({}), {"method": "initialized", "params": {}}, _open(CONF, "ignored: [DL3006]\nnope: 1\n"),
        _open(A, DOC), {"id": 3, "method": "shutdown"},
    ],
    "settings by didChangeConfiguration before the first didOpen": [
        _init({"workspace": {"configuration": True}}), {"method": "initialized", "params": {}},
        {"method": "workspace/didChangeConfiguration", "params": {"settings": {"dockwise": {"ignore": ["DL4000"]}}}},
        _open(A, DOC), {"method": "workspace/didChangeConfiguration", "params": {"settings": None}},
        _change(A, 2, 0, "# x\n"), {"id": 3, "method": "shutdown"},
    ],
    "didChangeConfiguration without settings, then didOpen": [
        _init({"workspace": {"configuration": True}}), {"method": "initialized", "params": {}},
        {"method": "workspace/didChangeConfiguration", "params": {"settings": {"other-tool": {"x": 1}}}},
        _open(A, DOC), {"id": 3, "method": "shutdown"},
    ],
    "settings in initializationOptions": [
        _init({}, initializationOptions={"ignore": ["DL4000"]}), {"method": "initialized", "params": {}},
        _open(A, DOC), _change(A, 2, 3, "WORKDIR tmp\n"), {"id": 3, "method": "shutdown"},
    ],
}


def _session_output(sink_of, messages: list[dict], tmp: Path) -> list[dict]:
    """Feed ``messages`` to a transport session over the sink ``sink_of(writer)``
    returns; what it wrote, as JSON (log messages left out: their wording and
    order are not part of the protocol; request ids of the server's own
    requests normalised)."""
    import asyncio

    from dockwise.lsp import transport

    out: list[bytes] = []
    writer = transport.FramedWriter(lambda b: out.append(bytes(b)) or len(b))
    sink, set_writer, started, set_phase, shutdown = sink_of()
    set_writer(writer)
    session = transport.Session(sink, writer, set_phase)

    async def run() -> None:
        started(asyncio.get_running_loop())
        for m in messages:
            session.dispatch(json.dumps({"jsonrpc": "2.0", **m}).encode())
            for _ in range(20):  # let what the message scheduled run (debounce 0, hand-over, …)
                await asyncio.sleep(0.005)

    try:
        asyncio.run(run())
    finally:
        shutdown()
    msgs = [json.loads(f.split(b"\r\n\r\n", 1)[1]) for f in out]
    kept, asked = [], []
    for m in msgs:
        if m.get("method") in ("window/logMessage", "window/showMessage"):
            continue
        if "method" in m and "id" in m:  # the server's own requests (workspace/configuration, …): their
            asked.append(json.dumps({**m, "id": "<id>"}, sort_keys=True))  # order against publishes is free
            continue
        kept.append(m)
    # which requests, not how many: replayed at once, initialized's settings fetch is replaced by the
    # next didChangeConfiguration's before it is sent (the server drops an older answer anyway)
    return kept + sorted(set(asked))


def _boot_sink():
    b = boot.Boot()
    return b, b.set_writer, b.started, b.set_phase, b.shutdown


def _server_sink():
    from dockwise.lsp.server import create_server

    s = create_server()
    return s.protocol, s.set_writer, s.started, s.set_phase, s.shutdown


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_client_sees_the_same_messages_with_and_without_the_start_up_path(name, tmp_path, monkeypatch):
    """The scripts have nothing for ShellCheck to say: its results come from a worker
    thread, whenever it finishes."""
    from dockwise.lint import shellcheck

    monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
    messages = SCENARIOS[name]
    monkeypatch.setattr(shellcheck, "_RUNNER", None)  # each session starts with ShellCheck's cache empty
    reference = _session_output(_server_sink, messages, tmp_path)
    monkeypatch.setattr(shellcheck, "_RUNNER", None)
    mine = _session_output(_boot_sink, messages, tmp_path)
    assert any(m.get("method") == "textDocument/publishDiagnostics" for m in reference) or name.startswith("pull")
    assert mine == reference


def test_capabilities_pygls_cannot_read_in_part_are_left_out_and_the_server_works(tmp_path):
    """pygls answers such an initialize with an error; the start-up path has answered it
    already (it reads only what it needs), so the server starts without the unreadable part."""
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path)
    try:
        p.send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": tmp_path.as_uri(),
            "capabilities": {"textDocument": {"hover": True, "rename": {"prepareSupport": True}},
                             "general": {"positionEncodings": ["utf-8"]}}}})
        caps = p.wait(lambda m: m.get("id") == 1, "initialize")["result"]["capabilities"]
        assert caps["positionEncoding"] == "utf-8" and caps["renameProvider"] == {"prepareProvider": True}
        p.send({"method": "initialized", "params": {}})
        p.send(_open(uri, TEXT))
        assert p.publish(uri, 1)["params"]["diagnostics"]
        p.send({"id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 6}}})
        hover = p.wait(lambda m: m.get("id") == 2, "hover")
        assert "error" not in hover and "ubuntu" in json.dumps(hover["result"]), hover
        p.send({"id": 3, "method": "textDocument/prepareRename", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 6}}})
        assert "error" not in p.wait(lambda m: m.get("id") == 3, "prepareRename")
        logs = [m["params"]["message"] for m in p.msgs if m.get("method") == "window/logMessage"]
        assert any("textDocument.hover could not be read" in line for line in logs), logs
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()


def test_a_server_that_cannot_be_created_ends_the_session_with_one_line(tmp_path):
    """Never alive and deaf: the first diagnostics are out, then the hand-over fails."""
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path, BROKEN)
    try:
        p.send({"id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}})
        p.wait(lambda m: m.get("id") == 1, "initialize")
        p.send({"method": "initialized", "params": {}})
        p.send(_open(uri, TEXT))
        assert p.publish(uri, 1)["params"]["diagnostics"]
        assert p.p.wait(TIMEOUT) == 1
    finally:
        if p.p.poll() is None:
            p.p.kill()
    err = p.stderr()
    assert err == ["dockwise serve: closing the connection: the language server could not start: "
                   "RuntimeError: no server today\n"], err


def test_a_pull_client_gets_its_first_report_before_pygls(tmp_path):
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path)
    try:
        p.send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {"textDocument": {"diagnostic": {}}}}})
        p.wait(lambda m: m.get("id") == 1, "initialize")
        p.send({"method": "initialized", "params": {}})
        p.send(_open(uri, TEXT))
        p.send({"id": 2, "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": uri}}})
        first = p.wait(lambda m: m.get("id") == 2, "the first report")["result"]
        assert first["kind"] == "full" and {"DL3006", "DL4000"} <= {d["code"] for d in first["items"]}
        p.send({"id": 3, "method": "textDocument/diagnostic", "params": {
            "textDocument": {"uri": uri}, "previousResultId": first["resultId"]}})
        again = p.wait(lambda m: m.get("id") == 3, "the second report")["result"]  # the server's, after the hand-over
        assert again["kind"] in ("unchanged", "full")
        if again["kind"] == "full":  # re-linted once at the hand-over (a new result id), same findings
            assert again["items"] == first["items"]
        assert not any(m.get("method") == "textDocument/publishDiagnostics" for m in p.msgs)  # never both
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()
    err = p.stderr()
    assert [e for e in err if e.startswith("first")] == ["first report; loaded: nothing\n"], err


def test_without_a_document_the_server_comes_up_after_initialized(tmp_path):
    """No didOpen: the hand-over happens anyway (boot.IDLE_HAND_OVER_S after initialized),
    and the server asks the client for its settings as it does after initialized."""
    p = Proc(tmp_path)
    try:
        p.send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {"workspace": {"configuration": True}}}})
        p.wait(lambda m: m.get("id") == 1, "initialize")
        assert not any(m.get("method") == "workspace/configuration" for m in p.msgs)
        p.send({"method": "initialized", "params": {}})
        asked = p.wait(lambda m: m.get("method") == "workspace/configuration", "workspace/configuration")
        assert asked["params"]["items"][0]["section"] == "dockwise"
        p.send({"id": asked["id"], "result": [{"ignore": ["DL4000"]}]})
        uri = (tmp_path / "Dockerfile").as_uri()
        p.send(_open(uri, TEXT))  # the server's own didOpen
        # The answer is applied when the fetch task resumes, which may be after the didOpen was
        # linted; the settings change then publishes the document again. What the user ends up
        # seeing is a publish without DL4000 (the wait fails if none comes).
        p.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
               and "DL4000" not in {d["code"] for d in m["params"]["diagnostics"]},
               "diagnostics without the ignored DL4000")
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()
    err = p.stderr()
    assert not [e for e in err if e.startswith("first publish")], err  # published by the server, not boot

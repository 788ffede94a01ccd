"""The server as a process: stdout carries nothing but well-formed LSP frames
(even with garbage on stdin), the exit code follows shutdown/exit, and the
TCP transport works. Raw JSON-RPC, no pygls client."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time

from lsp_helpers import server_command

TIMEOUT = 30


def frame(obj) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def parse_frames(data: bytes) -> list[dict]:
    """Split a byte stream into LSP messages; fail on anything else."""
    out = []
    i = 0
    while i < len(data):
        end = data.index(b"\r\n\r\n", i)
        headers = data[i:end].decode("ascii").split("\r\n")
        length = None
        for h in headers:
            name, _, value = h.partition(":")
            assert name.strip().lower() in ("content-length", "content-type"), f"unexpected header {h!r}"
            if name.strip().lower() == "content-length":
                length = int(value)
        assert length is not None, headers
        body = data[end + 4 : end + 4 + length]
        assert len(body) == length, "truncated frame"
        msg = json.loads(body)
        assert msg.get("jsonrpc") == "2.0", msg
        out.append(msg)
        i = end + 4 + length
    return out


URI = "file:///workspace/Dockerfile"


def session_bytes(extra: bytes = b"") -> bytes:
    return b"".join(
        [
            frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"processId": os.getpid(), "rootUri": None, "capabilities": {},
                              "initializationOptions": {"debounceMs": 0}}}),
            frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
            frame({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                   "params": {"textDocument": {"uri": URI, "languageId": "dockerfile", "version": 1,
                                               "text": "FROM ubuntu\nMAINTAINER x\n"}}}),
            extra,
            frame({"jsonrpc": "2.0", "id": 2, "method": "dockwise/unknown", "params": {}}),
            frame({"jsonrpc": "2.0", "id": 3, "method": "textDocument/diagnostic", "params": {"textDocument": 1}}),
            frame({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}),
            frame({"jsonrpc": "2.0", "method": "exit"}),
        ]
    )


def test_stdout_is_protocol_only_and_exit_code():
    garbage = (
        b"Content-Length: 9\r\n\r\n{not json"  # body that is not JSON
        + b"X-Nonsense: yes\r\n"  # a stray header line
        + frame({"jsonrpc": "1.0", "id": 99, "method": "initialize"})  # wrong version
        + frame([1, 2, 3])  # not an object
    )
    p = subprocess.run(
        server_command(), input=session_bytes(garbage), capture_output=True, timeout=TIMEOUT
    )
    msgs = parse_frames(p.stdout)
    by_id = {m["id"]: m for m in msgs if "id" in m and "method" not in m}
    assert "capabilities" in by_id[1]["result"]
    assert by_id[2]["error"]["code"] == -32601  # method not found
    assert by_id[3]["error"]["code"] == -32602  # invalid params
    assert by_id[4]["result"] is None
    pubs = [m["params"] for m in msgs if m.get("method") == "textDocument/publishDiagnostics"]
    assert [d["code"] for d in pubs[0]["diagnostics"]] == ["DL3006", "DL4000"]
    assert not any(m.get("method") == "window/showMessage" for m in msgs)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    assert b"Sending data" not in p.stderr  # the pygls logger stays at WARNING


def test_exit_without_shutdown_ends_the_process():
    data = frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    data += frame({"jsonrpc": "2.0", "method": "exit"})
    p = subprocess.run(server_command(), input=data, capture_output=True, timeout=TIMEOUT)
    parse_frames(p.stdout)
    assert p.returncode == 1  # the spec: exit without shutdown is an error


def test_stdin_closed_ends_the_process():
    p = subprocess.run(server_command(), input=b"", capture_output=True, timeout=TIMEOUT)
    assert p.stdout == b""
    assert p.returncode == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_message(f) -> dict:
    length = None
    while True:
        line = f.readline()
        assert line, "connection closed"
        line = line.strip()
        if not line:
            break
        k, _, v = line.partition(b":")
        if k.lower() == b"content-length":
            length = int(v)
    return json.loads(f.read(length))


def test_tcp_transport():
    port = _free_port()
    cmd = server_command() + ["--tcp", f"127.0.0.1:{port}"]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None  # both piped
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                break
            except OSError:
                assert p.poll() is None, p.stderr.read().decode(errors="replace")
                assert time.monotonic() < deadline, "server did not listen"
                time.sleep(0.05)
        with sock, sock.makefile("rb") as f:
            sock.sendall(session_bytes()[: len(session_bytes()) - len(frame({"jsonrpc": "2.0", "method": "exit"}))])
            seen = {}
            pub = None
            while 4 not in seen:
                m = _read_message(f)
                if "id" in m and "method" not in m:
                    seen[m["id"]] = m
                elif m.get("method") == "textDocument/publishDiagnostics":
                    pub = m["params"]
            assert "capabilities" in seen[1]["result"]
            assert pub is not None, "no publishDiagnostics before the answers"
            assert [d["code"] for d in pub["diagnostics"]] == ["DL3006", "DL4000"]
            sock.sendall(frame({"jsonrpc": "2.0", "method": "exit"}))
        p.wait(TIMEOUT)
        assert p.stdout.read() == b""  # TCP mode writes nothing to stdout either
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(TIMEOUT)

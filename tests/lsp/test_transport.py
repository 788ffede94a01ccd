"""The server's output stream: every message whole, whatever the sink does.

Python run with ``PYTHONUNBUFFERED=1`` (set on this machine, common in
containers and IDE run configurations) makes ``sys.stdout.buffer`` a raw file,
whose ``write`` returns early when a signal interrupts a pipe write (a
ShellCheck process ending while a 270 KB publish waits for the editor to read).
The server used to drop the rest of that message: the editor's client saw a
truncated body followed by the next header, and lost the stream."""
from __future__ import annotations

import io
import json

from dockwise.lsp import server as lsp_server
from dockwise.lsp import transport
from dockwise.lsp.transport import FramedWriter


def _frames(data: bytes) -> list[dict]:
    """Split a byte stream into messages; every body must be JSON."""
    out, i = [], 0
    while i < len(data):
        j = data.index(b"\r\n\r\n", i)
        (name, value) = data[i:j].decode("ascii").split(":")
        assert name == "Content-Length"
        n = int(value)
        body = data[j + 4:j + 4 + n]
        assert len(body) == n, "the stream ended inside a message"
        out.append(json.loads(body))
        i = j + 4 + n
    return out


class ShortWrites(io.RawIOBase):
    """A raw sink whose every write takes at most ``limit`` bytes (as a pipe
    write interrupted by a signal does), once raising BlockingIOError."""

    def __init__(self, limit: int = 4096, block_once_at: int | None = None):
        self.limit, self.block_once_at = limit, block_once_at
        self.data = bytearray()
        self.calls = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.calls += 1
        chunk = bytes(b[:self.limit])
        if self.block_once_at is not None and len(self.data) >= self.block_once_at:
            self.block_once_at = None
            half = chunk[: len(chunk) // 2]
            self.data += half
            raise BlockingIOError(11, "would block", len(half))
        self.data += chunk
        return len(chunk)


def test_framed_writer_writes_the_rest_of_a_short_write():
    sink = ShortWrites(limit=1000, block_once_at=150_000)
    w = FramedWriter(sink.write)
    bodies = [json.dumps({"n": k, "pad": "x" * 300_000}).encode() for k in range(2)]
    for b in bodies:
        w.write(b)
    assert sink.calls > 600  # the sink really took small pieces
    assert [m["n"] for m in _frames(bytes(sink.data))] == [0, 1]


def test_a_stream_writer_that_returns_none_has_taken_everything():
    got = bytearray()
    w = FramedWriter(lambda b: got.extend(b))  # asyncio's StreamWriter.write returns None
    w.write(b'{"a": 1}')
    assert _frames(bytes(got)) == [{"a": 1}]


def _msg(obj) -> bytes:
    b = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(b) + b


def test_a_session_over_an_unbuffered_stdout_sends_whole_messages():
    """A whole session as ``dockwise serve`` runs it, its stdout a raw sink
    whose writes are cut short: the big publish arrives whole."""
    text = "FROM debian:12\n" + "RUN apt-get install curl\nMAINTAINER me\n" * 400
    uri = "file:///w/Dockerfile"
    stdin = io.BufferedReader(io.BytesIO(b"".join([
        _msg({"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"processId": None, "rootUri": None, "capabilities": {},
                         "initializationOptions": {"images": {"online": False}}}}),
        _msg({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        _msg({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}}),
        _msg({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        _msg({"jsonrpc": "2.0", "method": "exit"}),
    ])))
    sink = ShortWrites(limit=4096)
    server = lsp_server.create_server()
    try:
        code = transport.run_stdio(server.protocol, server.set_writer, stdin, sink,
                                   on_start=server.started, on_phase=server.set_phase)
    finally:
        server.shutdown()
    assert code == 0
    msgs = _frames(bytes(sink.data))
    (pub,) = [m for m in msgs if m.get("method") == "textDocument/publishDiagnostics"
              and m["params"]["uri"] == uri and m["params"]["diagnostics"]]
    assert len(json.dumps(pub)) > 4 * 4096  # far more than one short write
    assert len(pub["params"]["diagnostics"]) >= 800  # DL3008, DL3015, DL4000 … on 400 pairs of lines
    assert [m.get("id") for m in msgs if "result" in m] == [1, 2]

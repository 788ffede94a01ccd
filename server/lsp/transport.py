"""The server's own JSON-RPC transport: framing, the message envelope and the LSP lifecycle.

pygls' stdio/TCP loops (``pygls.io_.run_async``) trust their input: a
non-numeric or negative ``Content-Length`` leaves them alive but deaf, a huge
one or a body cut short raises, an invalid JSON body is never answered. So the
server reads its input here and hands pygls only well-formed messages, through
the protocol's public ``structure_message``/``handle_message``; output goes
through :class:`FramedWriter`, set with ``protocol.set_writer(…,
include_headers=False)`` (we frame, pygls serialises).

Framing (the base protocol's ``Content-Length`` header, then ``\\r\\n\\r\\n``):

* a header block that cannot be delimited — a header line that is not
  ``Name: value``, a ``Content-Length`` that is missing, not a decimal number,
  given twice with different values or over :data:`MAX_MESSAGE_BYTES`, a header
  line or block over its limit, the stream ending inside a header or a body —
  ends the session: one line on stderr (and in the log), exit status 1. There
  is no way to find the next message, and a server that keeps reading would be
  alive and deaf;
* a delimited body that is not JSON (or not UTF-8) gets ``-32700`` (parse
  error), one that is not a JSON-RPC 2.0 request, notification or response
  gets ``-32600`` (invalid request); the session goes on.

Lifecycle (LSP 3.17 "initialize", "shutdown"): a request before
``initialize`` gets ``-32002`` (server not initialized) and a notification
then is dropped, except ``exit``; a second ``initialize`` and any request
after ``shutdown`` get ``-32600``; a notification after ``shutdown`` other than
``exit`` is dropped.

stdin is read by one daemon thread, one whole message per request from the
event loop (one thread hop per message, and no read runs ahead of the
handling, as with pygls).
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import queue
import re
import sys
import threading
import time
from typing import Any, BinaryIO, Callable, Protocol

from dockwise.lsp.logs import log_failure, one_line

log = logging.getLogger("dockwise")

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a 64 MiB JSON message is far beyond any real Dockerfile
MAX_HEADER_LINE = 8192
MAX_HEADER_LINES = 32

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
SERVER_NOT_INITIALIZED = -32002

_HEADER_NAME = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_DIGITS = re.compile(rb"[0-9]+")


class FramingError(Exception):
    """The input cannot be split into messages any more; the session ends."""


class _Headers:
    """Accumulates one header block, line by line."""

    __slots__ = ("length", "lines")

    def __init__(self) -> None:
        self.length: int | None = None
        self.lines = 0

    def feed(self, line: bytes) -> bool:
        """Take one line (with its terminator); True when the block is complete."""
        if not line.endswith(b"\n"):
            if len(line) >= MAX_HEADER_LINE:
                raise FramingError(f"a header line is longer than {MAX_HEADER_LINE} bytes")
            if self.lines or line.strip():
                raise FramingError("the input ended inside a message header")
            raise EOFError
        text = line.rstrip(b"\r\n")
        if not text:
            if self.lines == 0:
                return False  # stray blank line between messages: tolerated
            if self.length is None:
                raise FramingError("a message has no Content-Length header")
            return True
        self.lines += 1
        if self.lines > MAX_HEADER_LINES:
            raise FramingError(f"a message has more than {MAX_HEADER_LINES} header lines")
        name, sep, value = text.partition(b":")
        if not sep or not _HEADER_NAME.fullmatch(name):
            raise FramingError(f"malformed header line {_show(text)}")
        if name.lower() == b"content-length":
            value = value.strip()
            if not _DIGITS.fullmatch(value):
                raise FramingError(f"invalid Content-Length {_show(value)}")
            if len(value) > 12 or int(value) > MAX_MESSAGE_BYTES:
                raise FramingError(
                    f"Content-Length {_show(value)} is over the limit of {MAX_MESSAGE_BYTES} bytes")
            n = int(value)
            if self.length is not None and self.length != n:
                raise FramingError("two different Content-Length headers")
            self.length = n
        return False


def _show(b: bytes, limit: int = 40) -> str:
    s = b[:limit].decode("ascii", "backslashreplace")
    return repr(s + ("…" if len(b) > limit else ""))


def read_frame(stream: BinaryIO) -> bytes | None:
    """One message body from a blocking binary stream; None at a clean end of
    input (between messages). Raises :class:`FramingError`."""
    h = _Headers()
    while True:
        line = stream.readline(MAX_HEADER_LINE)
        try:
            if h.feed(line):
                break
        except EOFError:
            return None
    assert h.length is not None
    body = stream.read(h.length) if h.length else b""
    if len(body or b"") != h.length:
        raise FramingError(f"the input ended after {len(body or b'')} of {h.length} body bytes")
    return body


async def read_frame_async(reader: asyncio.StreamReader) -> bytes | None:
    """:func:`read_frame` for an asyncio stream (TCP)."""
    h = _Headers()
    while True:
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            line = exc.partial
        except (asyncio.LimitOverrunError, ValueError):
            raise FramingError(f"a header line is longer than {MAX_HEADER_LINE} bytes") from None
        if len(line) > MAX_HEADER_LINE:
            raise FramingError(f"a header line is longer than {MAX_HEADER_LINE} bytes")
        try:
            if h.feed(line):
                break
        except EOFError:
            return None
    assert h.length is not None
    try:
        return await reader.readexactly(h.length)
    except asyncio.IncompleteReadError as exc:
        raise FramingError(f"the input ended after {len(exc.partial)} of {h.length} body bytes") from None


# -- output -----------------------------------------------------------------------------


class FramedWriter:
    """pygls' writer interface (``write(bytes)``, ``close()``) over a byte
    sink, adding the ``Content-Length`` header: pygls hands it bare JSON
    bodies (``include_headers=False``), and so does the diagnostics fast path.
    Thread-safe; ``close`` is synchronous, so pygls' ``exit`` handling raises
    ``SystemExit`` right away.

    Every byte of a message is written before the next message starts: a sink
    whose ``write`` returns a count smaller than what it was given (a raw
    file: a pipe write interrupted by a signal returns early) is called again
    with the rest, and a non-blocking one that would block is waited for. A
    ``write`` that returns anything but an int (asyncio's ``StreamWriter``)
    has taken everything."""

    def __init__(self, write: Callable[..., Any], flush: Callable[[], Any] | None = None,
                 close: Callable[[], Any] | None = None, fileno: int | None = None):
        self._write, self._flush, self._close = write, flush, close
        self._fileno = fileno
        self._lock = threading.Lock()
        self.closed = False

    def write(self, data: bytes) -> None:
        """Send one message body (``data``: JSON, UTF-8)."""
        framed = b"Content-Length: %d\r\n\r\n" % len(data) + data
        with self._lock:
            if self.closed:
                return
            self._write_all(framed)
            if self._flush is not None:
                self._flush()

    def _write_all(self, framed: bytes) -> None:
        view = memoryview(framed)
        while view:
            try:
                n = self._write(view)
            except BlockingIOError as exc:  # a non-blocking sink: part may have gone
                n = exc.characters_written
                self._wait_writable()
            if not isinstance(n, int):
                return
            view = view[n:]

    def _wait_writable(self) -> None:
        if self._fileno is None:
            time.sleep(0.001)
            return
        import select

        select.select([], [self._fileno], [], 1.0)

    def send_json(self, obj: Any) -> None:
        self.write(json.dumps(obj).encode("utf-8"))

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                if self._flush is not None:
                    self._flush()
                if self._close is not None:
                    self._close()
            except OSError:
                pass


# -- messages ---------------------------------------------------------------------------


class MessageSink(Protocol):
    """What the transport hands well-formed messages to (pygls' protocol).
    ``structure_message`` returns None for a message it has answered or
    dropped itself (params that do not match the method)."""

    def structure_message(self, data: dict[str, Any]) -> Any: ...

    def handle_message(self, message: Any) -> None: ...


class Session:
    """One client connection: checks each message's envelope and the
    lifecycle, then hands it to the protocol."""

    def __init__(self, protocol: MessageSink, writer: FramedWriter,
                 on_phase: Callable[[str], None] | None = None):
        self.protocol = protocol
        self.writer = writer
        self.phase = "new"  # new → running (initialize received) → shutdown (shutdown received)
        self.messages = 0
        self._on_phase = on_phase

    def _set_phase(self, phase: str) -> None:
        self.phase = phase
        if self._on_phase is not None:
            self._on_phase(phase)

    def error(self, msg_id: Any, code: int, message: str) -> None:
        self.writer.send_json({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def dispatch(self, body: bytes) -> None:
        """Handle one message body. ``SystemExit`` (the ``exit`` notification)
        and write errors propagate; everything else is answered or logged."""
        self.messages += 1
        try:
            data = json.loads(body.decode("utf-8"))  # LSP's only encoding (json.loads would guess)
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            log.warning("message %d is not valid JSON (%s): answered with a parse error", self.messages,
                        one_line(str(exc)))
            self.error(None, PARSE_ERROR, f"Parse error: {one_line(str(exc))}")
            return
        if not isinstance(data, dict):
            log.warning("message %d is a JSON %s, not an object: answered with an error",
                        self.messages, type(data).__name__)
            self.error(None, INVALID_REQUEST, "Invalid request: a message must be a JSON object")
            return
        msg_id = data.get("id")
        valid_id = "id" not in data or (isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool))
        method = data.get("method")
        if method is None and ("result" in data or "error" in data):  # a response to one of our requests
            if data.get("jsonrpc") != "2.0" or "id" not in data or not valid_id:
                log.warning("message %d is a malformed response: dropped", self.messages)  # never answer one
                return
            self._handle(data)
            return
        if data.get("jsonrpc") != "2.0" or not valid_id or (method is not None and not isinstance(method, str)):
            why = ("jsonrpc is not \"2.0\"" if data.get("jsonrpc") != "2.0"
                   else "invalid id" if not valid_id else "method is not a string")
            log.warning("message %d is not a JSON-RPC 2.0 message (%s): answered with an error", self.messages, why)
            self.error(msg_id if valid_id else None, INVALID_REQUEST, f"Invalid request: {why}")
            return
        if method is None:
            log.warning("message %d has neither a method nor a result: answered with an error", self.messages)
            self.error(msg_id, INVALID_REQUEST, "Invalid request: no method, result or error")
            return
        is_request = "id" in data
        if method == "exit":
            self._handle(data)
            return
        if self.phase == "new":
            if method != "initialize":
                if is_request:
                    log.warning("%s before initialize: answered with error %d", method, SERVER_NOT_INITIALIZED)
                    self.error(msg_id, SERVER_NOT_INITIALIZED, f"Server not initialized: {method} before initialize")
                else:
                    log.info("%s notification before initialize dropped", method)
                return
            message = self.protocol.structure_message(data)
            if message is None:  # invalid params: answered; the client may try again
                return
            self._set_phase("running")
            self.protocol.handle_message(message)
            return
        if method == "initialize":
            log.warning("initialize received twice: answered with an error")
            if is_request:
                self.error(msg_id, INVALID_REQUEST, "Invalid request: initialize was already received")
            return
        if self.phase == "shutdown":
            if is_request:
                log.warning("%s after shutdown: answered with error %d", method, INVALID_REQUEST)
                self.error(msg_id, INVALID_REQUEST, f"Invalid request: {method} after shutdown")
            else:
                log.info("%s notification after shutdown dropped", method)
            return
        if method == "shutdown" and is_request:
            self._set_phase("shutdown")
        self._handle(data)

    def _handle(self, data: dict[str, Any]) -> None:
        message = self.protocol.structure_message(data)
        self.protocol.handle_message(message)


# -- running a session ---------------------------------------------------------------------------


class _StdinFrames:
    """Reads whole frames from a blocking stream in one daemon thread, one per
    request (a daemon, so a read blocked on an idle stdin never holds up exit)."""

    def __init__(self, stream: BinaryIO, loop: asyncio.AbstractEventLoop):
        self._stream = stream
        self._loop = loop
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="dockwise-stdin", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            fut = self._requests.get()
            if fut is None:
                return
            try:
                res: Any = read_frame(self._stream)
                ok = True
            except BaseException as exc:  # FramingError, OSError, …: handed to the loop
                res, ok = exc, False
            try:
                self._loop.call_soon_threadsafe(_resolve, fut, ok, res)
            except RuntimeError:  # the loop is closed: nobody is waiting
                return
            if not ok or res is None:
                return

    def next(self) -> "asyncio.Future[bytes | None]":
        fut = self._loop.create_future()
        self._requests.put(fut)
        return fut

    def stop(self) -> None:
        self._requests.put(None)


def _resolve(fut: asyncio.Future, ok: bool, res: Any) -> None:
    if fut.done():
        return
    if ok:
        fut.set_result(res)
    else:
        fut.set_exception(res)


def fatal(message: str) -> None:
    """The session cannot go on: one line to stderr (the only thing the server
    ever writes there) and to the log."""
    log.error("closing the connection: %s", message)
    try:
        sys.stderr.write(f"dockwise serve: closing the connection: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


async def run_session(session: Session, next_frame: Callable[[], Any]) -> int:
    """Read and dispatch messages until ``exit`` (its status: 0 after
    ``shutdown``, else 1), the end of input (1) or a framing error (1)."""
    while True:
        try:
            body = await next_frame()
        except FramingError as exc:
            fatal(f"{exc} (after message {session.messages})")
            return 1
        except (OSError, ValueError) as exc:
            fatal(f"reading the input failed: {type(exc).__name__}: {exc}")
            return 1
        if body is None:
            log.debug("the client closed the connection%s", "" if session.phase == "shutdown" else " without exit")
            return 1
        try:
            session.dispatch(body)
        except SystemExit as exc:
            code = exc.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        except (BrokenPipeError, ConnectionError) as exc:
            log.info("the client went away (%s)", type(exc).__name__)
            return 1
        except Exception as exc:  # never let one message stop the loop
            log_failure(f"handling message {session.messages}", exc)


def run_stdio(protocol: MessageSink, set_writer: Callable[[FramedWriter], None], stdin: BinaryIO,
              stdout: "BinaryIO | io.RawIOBase", on_start: Callable[[asyncio.AbstractEventLoop], None] | None = None,
              on_phase: Callable[[str], None] | None = None) -> int:
    """Serve one session over a pair of byte streams; returns the exit status.

    An unbuffered ``stdout`` (``sys.stdout.buffer`` is a raw file when Python
    runs with ``PYTHONUNBUFFERED=1`` or ``-u``) is written through a buffered
    writer, which writes the rest of a message after a write a signal cut
    short; before, such a cut left the client a truncated message (a 270 KB
    publish under load, ShellCheck processes ending meanwhile) and the client
    lost the stream."""
    sink: Any = io.BufferedWriter(stdout) if isinstance(stdout, io.RawIOBase) else stdout
    try:
        fileno: int | None = sink.fileno()
    except (OSError, AttributeError, ValueError):
        fileno = None
    writer = FramedWriter(sink.write, sink.flush, sink.close, fileno)
    set_writer(writer)
    session = Session(protocol, writer, on_phase)

    async def main() -> int:
        loop = asyncio.get_running_loop()
        if on_start is not None:
            on_start(loop)
        frames = _StdinFrames(stdin, loop)
        try:
            return await run_session(session, frames.next)
        finally:
            frames.stop()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 1
    finally:
        writer.close()


def run_tcp(protocol: MessageSink, set_writer: Callable[[FramedWriter], None], host: str, port: int,
            on_start: Callable[[asyncio.AbstractEventLoop], None] | None = None,
            on_phase: Callable[[str], None] | None = None) -> int:
    """Listen on ``host:port`` and serve the first connection; returns its exit status."""

    async def main() -> int:
        loop = asyncio.get_running_loop()
        if on_start is not None:
            on_start(loop)
        done: asyncio.Future[int] = loop.create_future()

        taken = False

        async def connection(reader: asyncio.StreamReader, stream: asyncio.StreamWriter) -> None:
            nonlocal taken
            if taken:  # one session per server, as with pygls
                stream.close()
                return
            taken = True
            writer = FramedWriter(stream.write, None, stream.close)
            set_writer(writer)
            session = Session(protocol, writer, on_phase)
            try:
                code = await run_session(session, lambda: read_frame_async(reader))
            finally:
                writer.close()
            if not done.done():
                done.set_result(code)

        server = await asyncio.start_server(connection, host, port)
        log.info("listening on %s", ", ".join(str(s.getsockname()) for s in server.sockets))
        async with server:
            return await done

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 1

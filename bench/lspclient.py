"""A small raw JSON-RPC (LSP base protocol) client over stdio pipes.

No pygls on the client side, so the measurement is the server's cost plus the
pipe. Every read is bounded: :meth:`LspProcess.wait_for` raises
``TimeoutError`` when nothing matching arrives in time, ``EOFError`` when the
server closes stdout. Reading and writing are non-blocking and multiplexed
with ``select`` (a large ``didOpen`` cannot deadlock against a server that is
writing). Messages are time-stamped when the last byte has been read.

Server → client requests (``workspace/configuration``,
``window/workDoneProgress/create``, ...) are answered with ``null`` so the
server never waits on us. ``window/logMessage`` warnings and errors are kept in
``log_messages``.

Use as a context manager: the server is asked to shut down and exit, and is
killed if it does not within a few seconds.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import time
from collections import deque
from typing import Any, Callable


class LspError(RuntimeError):
    pass


class LspProcess:
    def __init__(
        self,
        cmd: list[str],
        *,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        stderr_path: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.cmd = cmd
        self.timeout = timeout
        self.stderr_path = stderr_path
        self._errf = open(stderr_path, "wb") if stderr_path else None
        self.t_spawn = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errf if self._errf is not None else subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            bufsize=0,
            close_fds=True,
        )
        if self.proc.stdin is None or self.proc.stdout is None:  # never: both are pipes
            raise RuntimeError(f"{cmd[0]} started without stdin/stdout pipes")
        self._stdin, self._stdout = self.proc.stdin, self.proc.stdout
        self._in = self._stdin.fileno()
        self._out = self._stdout.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        self._buf = bytearray()
        self._pending: deque[tuple[float, dict]] = deque()
        self._ids = 0
        self.log_messages: list[tuple[int, str]] = []
        self.closed = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- framing ---------------------------------------------------------------

    def _parse(self) -> None:
        buf = self._buf
        while True:
            sep = buf.find(b"\r\n\r\n")
            if sep < 0:
                return
            length = None
            for line in bytes(buf[:sep]).split(b"\r\n"):
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
            if length is None:
                raise LspError(f"message without Content-Length: {bytes(buf[:sep])[:200]!r}")
            end = sep + 4 + length
            if len(buf) < end:
                return
            msg = json.loads(bytes(buf[sep + 4 : end]))
            del buf[:end]
            self._pending.append((time.perf_counter(), msg))

    def _read_some(self, deadline: float) -> None:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError
        r, _, _ = select.select([self._out], [], [], remaining)
        if not r:
            raise TimeoutError
        self._read_ready()

    def _read_ready(self) -> None:
        try:
            chunk = os.read(self._out, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            raise EOFError(f"server closed stdout (exit status {self.proc.poll()}){self._stderr_tail()}")
        self._buf += chunk
        self._parse()

    def _stderr_tail(self, n: int = 2000) -> str:
        if not self.stderr_path:
            return ""
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - n))
                return "\n--- server stderr (tail) ---\n" + f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- sending ---------------------------------------------------------------

    def send(self, obj: dict, timeout: float | None = None) -> float:
        """Write one message; returns the time the write started."""
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        data = memoryview(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        t0 = time.perf_counter()
        deadline = t0 + (timeout if timeout is not None else self.timeout)
        while data:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"writing {obj.get('method')!r} timed out")
            r, w, _ = select.select([self._out], [self._in], [], remaining)
            if r:
                self._read_ready()  # keep the server's stdout drained
            if w:
                try:
                    n = os.write(self._in, data[: 1 << 16])
                except BlockingIOError:
                    continue
                except BrokenPipeError:
                    raise EOFError(f"server closed stdin{self._stderr_tail()}") from None
                data = data[n:]
        return t0

    def notify(self, method: str, params: Any = None) -> float:
        msg: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        return self.send(msg)

    def request(self, method: str, params: Any = None, timeout: float | None = None) -> tuple[Any, float, float]:
        """Send a request and wait for its response: (result, t_sent, t_received)."""
        self._ids += 1
        rid = self._ids
        msg: dict = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        t0 = self.send(msg, timeout)
        t1, resp = self.wait_for(lambda m: m.get("id") == rid and "method" not in m, timeout, what=f"response to {method}")
        if "error" in resp:
            raise LspError(f"{method} failed: {resp['error']}")
        return resp.get("result"), t0, t1

    # -- receiving -------------------------------------------------------------

    def _handle_side(self, msg: dict) -> None:
        method = msg.get("method")
        if method is not None and "id" in msg:  # a request from the server
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
        elif method == "window/logMessage":
            params = msg.get("params") or {}
            kind = params.get("type")
            if isinstance(kind, int) and kind in (1, 2):  # Error, Warning
                self.log_messages.append((kind, str(params.get("message"))))

    def wait_for(
        self, pred: Callable[[dict], bool], timeout: float | None = None, what: str = "message"
    ) -> tuple[float, dict]:
        """The first message matching ``pred`` (others are handled and dropped):
        (arrival time, message)."""
        deadline = time.perf_counter() + (timeout if timeout is not None else self.timeout)
        while True:
            while self._pending:
                t, msg = self._pending.popleft()
                if pred(msg):
                    return t, msg
                self._handle_side(msg)
            try:
                self._read_some(deadline)
            except TimeoutError:
                raise TimeoutError(f"no {what} within {timeout or self.timeout:.0f} s{self._stderr_tail()}") from None

    def wait_publish(self, uri: str, version: int | None, timeout: float | None = None) -> tuple[float, dict]:
        def pred(m: dict) -> bool:
            if m.get("method") != "textDocument/publishDiagnostics":
                return False
            p = m.get("params") or {}
            return p.get("uri") == uri and (version is None or p.get("version") == version)

        return self.wait_for(pred, timeout, what=f"publishDiagnostics for {uri} v{version}")

    # -- LSP helpers -----------------------------------------------------------

    def initialize(self, options: dict | None = None, timeout: float | None = None) -> tuple[Any, float]:
        """``initialize``: (result, arrival time of the response)."""
        result, _, t1 = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": None,
                "capabilities": {},
                "clientInfo": {"name": "dockwise-bench"},
                "initializationOptions": options or {},
            },
            timeout,
        )
        return result, t1

    def did_open(self, uri: str, text: str, version: int = 1) -> float:
        return self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": version, "text": text}},
        )

    def did_change(self, uri: str, version: int, changes: list[dict]) -> float:
        return self.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}
        )

    def did_close(self, uri: str) -> float:
        return self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def status(self) -> dict[str, str]:
        """``/proc/<pid>/status`` as a dict (Linux)."""
        out: dict[str, str] = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
        return out

    def memory_kib(self, key: str) -> int:
        """``VmHWM`` / ``VmRSS`` in KiB."""
        return int(self.status()[key].split()[0])

    # -- shutting down ---------------------------------------------------------

    def close(self, timeout: float = 5.0) -> int | None:
        if self.closed:
            return self.proc.returncode
        self.closed = True
        try:
            if self.proc.poll() is None:
                try:
                    self.request("shutdown", None, timeout)
                    self.notify("exit")
                    self.proc.wait(timeout)
                except Exception:
                    pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    pass
            for f in (self._stdin, self._stdout):
                try:
                    f.close()
                except Exception:
                    pass
            if self._errf is not None:
                self._errf.close()
        return self.proc.returncode

    def __enter__(self) -> "LspProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

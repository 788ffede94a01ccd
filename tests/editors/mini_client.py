"""A minimal LSP client over stdio for checking what an editor's configuration
makes the real server do: it sends what that editor sends (initialization
options, didChangeConfiguration) and answers workspace/configuration the way
that editor does (a section looked up in a settings object). Every read is
bounded; the server is always stopped."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from typing import Any, Callable

TIMEOUT_S = 20.0


class MiniClient:
    def __init__(self, cmd: list[str], cwd: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self._buf = b""
        self._id = 0
        self.config_requests: list[dict] = []

    def _send(self, msg: dict) -> None:
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: Any) -> int:
        self._id += 1
        self._send({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        return self._id

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def _read(self, deadline: float) -> dict | None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while True:
            head, sep, rest = self._buf.partition(b"\r\n\r\n")
            if sep:
                length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
                if len(rest) >= length:
                    self._buf = rest[length:]
                    return json.loads(rest[:length])
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buf += chunk

    def pump(self, until: Callable[[dict], Any], answer_config: Callable[[dict], Any] | None = None,
             timeout: float = TIMEOUT_S) -> Any:
        """Read messages (answering the server's requests) until ``until(msg)``
        is truthy; its value, or None when the time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg is None:
                return None
            if "method" in msg and "id" in msg:  # a request from the server
                result: Any = None
                if msg["method"] == "workspace/configuration":
                    self.config_requests.append(msg["params"])
                    items = msg["params"].get("items", [])
                    result = [answer_config(i) if answer_config else None for i in items]
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
                continue
            got = until(msg)
            if got:
                return got

    def close(self) -> int | None:
        try:
            if self.proc.poll() is None:
                rid = self.request("shutdown", None)
                self.pump(lambda m: m.get("id") == rid, timeout=5)
                self.notify("exit", None)
                self.proc.wait(timeout=5)
        except Exception:
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode


def server_cmd() -> list[str]:
    return [sys.executable, "-m", "dockwise", "serve"]

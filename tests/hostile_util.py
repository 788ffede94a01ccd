"""Hostile registries for tests and ``bench/hostile_registry.py``: small raw
TCP servers on a loopback address that answer the way an attacker would
(endless bodies, trickled headers, gzip bombs, forged token realms, huge or
deeply nested JSON), and record what the client did (bytes they managed to
send, whether the client closed the connection first, every request).

Everything listens on 127.0.0.0/8 only; every loop is bounded in bytes and
time; :meth:`Attacker.stop` ends every thread it started.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from dockwise.images.http import Connector


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class Conn:
    """One accepted connection, as the handler sees it."""

    def __init__(self, sock: socket.socket, attacker: "Attacker"):
        self.sock = sock
        self.attacker = attacker

    def send(self, data: bytes) -> bool:
        """Send; False (and ``client_closed`` recorded) when the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            self.attacker.client_closed = True
            return False
        with self.attacker.lock:
            self.attacker.sent += len(data)
        return True

    def trickle(self, data: bytes, every: float) -> bool:
        """One byte every ``every`` seconds; False when the client closed first."""
        for i in range(len(data)):
            if self.attacker.stopping.wait(every):
                return False
            if not self.send(data[i:i + 1]):
                return False
        return True

    def stream(self, total: int, chunk: bytes = b"A" * 65536) -> bool:
        """Send ``total`` bytes of ``chunk``s; False when the client closed first."""
        left = total
        while left > 0 and not self.attacker.stopping.is_set():
            piece = chunk[:left]
            if not self.send(piece):
                return False
            left -= len(piece)
        return left <= 0


def response(status: int, headers: dict[str, str] | None = None, body: bytes = b"", *,
             length: int | None = None, reason: str = "X") -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\n"
    hs = {"Connection": "close", **(headers or {})}
    if "Content-Length" not in hs and "Transfer-Encoding" not in hs:
        hs["Content-Length"] = str(len(body) if length is None else length)
    head += "".join(f"{k}: {v}\r\n" for k, v in hs.items())
    return head.encode("latin-1") + b"\r\n" + body


Handler = Callable[[Conn, Request], None]


class Attacker:
    """A raw HTTP server: ``routes`` maps a path to ``handler(conn, request)``
    (or to ready bytes to send); other paths get a 404. Records ``requests``,
    ``sent`` (bytes the handlers sent), ``client_closed`` (a send failed
    because the client hung up), ``finished`` (a handler ran to its end)."""

    def __init__(self, routes: dict[str, Handler | bytes] | None = None, host: str = "127.0.0.1"):
        self.routes = routes if routes is not None else {}
        self.host_ip = host
        self.requests: list[Request] = []
        self.sent = 0
        self.client_closed = False
        self.finished = 0
        self.accepted = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)  # here, not in the thread: stop() may close the socket before it runs
        self.port = self._sock.getsockname()[1]
        self.host = f"{host}:{self.port}"

    def start(self) -> "Attacker":
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                c, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            self.accepted += 1
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            t.start()
            self._threads.append(t)

    def _read_request(self, c: socket.socket) -> Request | None:
        c.settimeout(5)
        buf = b""
        while b"\r\n\r\n" not in buf:
            try:
                chunk = c.recv(4096)
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
            if len(buf) > 65536:
                return None
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) < 2:
            return None
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0") or 0)
        while len(rest) < n:
            try:
                chunk = c.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            rest += chunk
        return Request(parts[0], parts[1], headers, rest[:n])

    def _serve(self, c: socket.socket) -> None:
        try:
            req = self._read_request(c)
            if req is None:
                return
            with self.lock:
                self.requests.append(req)
            route = self.routes.get(req.path.split("?", 1)[0])
            conn = Conn(c, self)
            if route is None:
                conn.send(response(404, {"Content-Type": "application/json"}, b'{"errors":[]}'))
            elif isinstance(route, bytes):
                conn.send(route)
            else:
                route(conn, req)
            with self.lock:
                self.finished += 1
            # let the client read what was sent before the socket goes
            try:
                c.shutdown(socket.SHUT_WR)
                c.settimeout(2)
                while c.recv(65536):
                    pass
            except OSError:
                pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every handler has returned (bounded)."""
        deadline = time.monotonic() + timeout
        for t in list(self._threads[1:]):
            t.join(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self.stopping.set()
        try:
            self._sock.close()
        except OSError:
            pass
        for t in self._threads:
            t.join(5)


class MapConnector(Connector):
    """Resolves names from ``names`` (name → address the policy sees) and
    connects every address to a loopback port from ``ports`` ((address,
    port) → loopback port): a test can play a remote registry at a public
    address without sending anything there. Records every connection."""

    def __init__(self, names: dict[str, str] | None = None, ports: dict[tuple[str, int], int] | None = None):
        super().__init__()
        self.names = dict(names or {})
        self.ports = dict(ports or {})
        self.resolved: list[str] = []
        self.connected: list[tuple[str, int]] = []

    def resolve(self, host: str, port: int, timeout: float) -> list[str]:
        self.resolved.append(host)
        if host in self.names:
            return [self.names[host]]
        return super().resolve(host, port, timeout) if host.startswith("127.") or host == "localhost" else []

    def connect(self, sock: socket.socket, ip: str, port: int) -> None:
        self.connected.append((ip, port))
        target = self.ports.get((ip, port))
        if target is None:
            if ip.startswith("127."):
                sock.connect((ip, port))
                return
            raise ConnectionRefusedError(f"test connector: nothing at {ip}:{port}")
        sock.connect(("127.0.0.1", target))


class RecordingConnector(Connector):
    """Refuses every connection and records what would have been contacted."""

    def __init__(self, names: dict[str, str] | None = None):
        super().__init__()
        self.names = dict(names or {})
        self.resolved: list[str] = []
        self.connected: list[tuple[str, int]] = []

    def resolve(self, host: str, port: int, timeout: float) -> list[str]:
        self.resolved.append(host)
        if host in self.names:
            return [self.names[host]]
        from dockwise.images.http import ip_of

        return [host] if ip_of(host) is not None else ["203.0.113.77"]

    def connect(self, sock: socket.socket, ip: str, port: int) -> None:
        self.connected.append((ip, port))
        raise ConnectionRefusedError("recording connector: not connecting")


# -- payloads ----------------------------------------------------------------------------------

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest(sizes: list[int], config_digest: str = "sha256:" + "0" * 64) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": config_digest, "size": 2},
                       "layers": [{"mediaType": "x", "digest": "sha256:" + "1" * 64, "size": s} for s in sizes]}).encode()


def json_ok(body: bytes, ctype: str = OCI_MANIFEST, extra: dict[str, str] | None = None) -> bytes:
    return response(200, {"Content-Type": ctype, **(extra or {})}, body)


def gzip_bomb(size: int) -> bytes:
    """gzip data that inflates to ``size`` zero bytes (about size/1000 on the wire)."""
    out = gzip.compress(b"\0" * min(size, 1 << 24), 9)
    if size <= 1 << 24:
        return out
    # concatenated gzip members inflate one after the other
    return out * (size // (1 << 24))


@dataclass
class Scenario:
    """A named attack for the benchmark: ``setup()`` → (image reference, attacker, live kwargs)."""

    name: str
    setup: Callable[[], tuple[str, Attacker, dict]]
    notes: str = ""
    extra: dict = field(default_factory=dict)

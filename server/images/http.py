"""A small HTTP/1.1 client with hard limits, for registry lookups (issue 17).

Every registry dockwise talks to is chosen by a Dockerfile, so every answer is
treated as hostile. One :class:`Session` serves one lookup:

* **A wall-clock deadline.** A watchdog closes every socket of the session
  when the deadline passes (``shutdown`` then ``close``), so a server that
  trickles its headers one byte at a time, a TLS handshake that never ends or
  an endless ``100 Continue`` loop ends there. Name resolution runs in a
  helper thread that is abandoned at the deadline (at most
  ``MAX_RESOLVERS`` at once).
* **Sizes.** Status line and header lines as in :mod:`http.client` (64 KB a
  line, 100 lines); each header value kept to ``MAX_HEADER_VALUE``
  characters; bodies read in chunks and cut at the caller's limit
  (:class:`TooLarge`); ``Accept-Encoding: identity`` is sent and a
  ``gzip``/``deflate`` body is decompressed with the same limit on the
  *decompressed* size; any other encoding is refused. A body that is not
  needed (a redirect, an error) is never read beyond ``DRAIN_LIMIT``.
* **Addresses.** Each request names the addresses it may reach
  (``address_ok``, see :mod:`dockwise.images.policy`); names are resolved
  once, the addresses checked, and the connection goes to a checked address
  (a name cannot be re-resolved to another address between check and use).
* **Proxies.** ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` from the
  environment, except that every loopback address (``127.0.0.0/8``,
  ``::1``, ``localhost``) is always reached directly: a loopback registry is
  trusted as local, so it is never sent through a proxy in clear text.
* **No redirects** are followed here; the caller does it by hand.

No third-party imports: :mod:`http.client`, :mod:`socket`, :mod:`ssl`.
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import urlsplit

if TYPE_CHECKING:  # imported where a connection is made: it pulls in email.*, ~20 ms of start-up
    import http.client

MAX_HEADER_VALUE = 8192  # characters kept of one header (repeated headers joined)
MAX_HEADERS_TOTAL = 64 * 1024
DRAIN_LIMIT = 64 * 1024  # bytes of an unneeded body read to keep the connection
READ_CHUNK = 64 * 1024
MAX_RESOLVERS = 16
USER_AGENT = "dockwise (image size lookup)"

AddressCheck = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


class HTTPFailure(Exception):
    """A request that could not be completed; the message is safe to show."""


class Expired(HTTPFailure):
    """The session's deadline passed (its connections were closed)."""


class TooLarge(HTTPFailure):
    """A body (after decompression) larger than the caller's limit."""

    def __init__(self, msg: str, limit: int):
        super().__init__(msg)
        self.limit = limit


class Refused(HTTPFailure):
    """The network policy does not allow the address (nothing was sent)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    url: str


def clip(text: object, n: int = 200) -> str:
    """``text`` as a single line of at most ``n`` characters (for messages and logs)."""
    s = str(text)
    s = "".join(c if c.isprintable() else "?" for c in s[: n + 1])
    return s if len(s) <= n else s[: n - 1] + "…"


def ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    h = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ip = ipaddress.ip_address(h.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_loopback_host(host: str) -> bool:
    """``localhost`` (and ``*.localhost``), ``127.0.0.0/8``, ``::1`` (also IPv4-mapped)."""
    h = host.lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    ip = ip_of(h)
    return bool(ip is not None and ip.is_loopback)


def default_ssl_context() -> ssl.SSLContext:
    try:
        import certifi  # shipped with httpx; the system store otherwise

        return ssl.create_default_context(cafile=certifi.where())
    except Exception:
        return ssl.create_default_context()


class Connector:
    """How names are resolved and sockets opened (tests substitute their own,
    e.g. to map a name to a loopback server and record what was asked)."""

    _resolvers = threading.BoundedSemaphore(MAX_RESOLVERS)

    def __init__(self, ssl_context: ssl.SSLContext | None = None):
        self._ssl = ssl_context

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = default_ssl_context()
        return self._ssl

    def resolve(self, host: str, port: int, timeout: float) -> list[str]:
        """The addresses of ``host`` (an IP literal is its own address)."""
        ip = ip_of(host)
        if ip is not None:
            return [str(ip)]
        if not self._resolvers.acquire(blocking=False):
            raise HTTPFailure("too many name lookups in progress")
        box: list = []

        def run() -> None:
            try:
                box.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except Exception as exc:  # gaierror, UnicodeError for odd names
                box.append(exc)
            finally:
                self._resolvers.release()

        t = threading.Thread(target=run, name="dockwise-resolve", daemon=True)
        t.start()
        t.join(max(0.0, timeout))
        if not box:
            raise Expired(f"no answer for the name {clip(host, 80)} in time")
        if isinstance(box[0], Exception):
            raise HTTPFailure(f"cannot resolve {clip(host, 80)}")
        out: list[str] = []
        for _fam, _t, _p, _c, sa in box[0]:
            a = str(sa[0]).split("%", 1)[0]
            if a not in out:
                out.append(a)
        return out

    def open(self, ip: str, port: int, timeout: float) -> socket.socket:
        """A socket connecting to ``ip:port`` (not yet connected: the session
        registers it with its watchdog first, then calls :meth:`connect`)."""
        fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        return s

    def connect(self, sock: socket.socket, ip: str, port: int) -> None:
        sock.connect((ip, port))


def _env_proxy(scheme: str, host: str) -> str | None:
    """The proxy URL for ``scheme://host`` from the environment, or None
    (loopback hosts never use one; ``NO_PROXY`` is honoured)."""
    if is_loopback_host(host):
        return None
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme) or proxies.get("all")
    if not url:
        return None
    bypass = getattr(urllib.request, "proxy_bypass_environment", None)  # NO_PROXY (not in the stubs)
    try:
        if bypass is not None and bypass(host, proxies):
            return None
    except Exception:
        pass
    return url if "://" in url else "http://" + url


class _Conn:
    def __init__(self, http_conn: http.client.HTTPConnection, sock: socket.socket, absolute: bool):
        self.http = http_conn
        self.sock = sock
        self.absolute = absolute  # a plain-http proxy: the request line has the full URL


class Session:
    """The connections of one lookup, all closed at ``deadline``
    (``time.monotonic()``). Thread-compatible (one thread at a time)."""

    def __init__(self, deadline: float, *, connector: Connector | None = None, connect_timeout: float = 1.0,
                 proxies: bool = True):
        self.deadline = deadline
        self.connector = connector or Connector()
        self.connect_timeout = connect_timeout
        self.use_proxies = proxies
        self.expired = False
        self.closed = False
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self._conns: dict[tuple, _Conn] = {}
        self.connections_opened = 0
        self.proxied: list[str] = []  # hosts reached through a proxy (for tests and logs)
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._timer.start()

    # -- lifetime ------------------------------------------------------------------------

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
        self._close_all()

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self.closed = True
        self._close_all()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _close_all(self) -> None:
        with self._lock:
            socks = list(self._socks)
            self._socks.clear()
            self._conns.clear()
        for s in socks:
            _kill(s)

    def _track(self, s: socket.socket) -> None:
        with self._lock:
            if self.expired or self.closed:
                _kill(s)
                raise Expired("the lookup's time is up")
            self._socks.add(s)

    def _untrack(self, s: socket.socket) -> None:
        with self._lock:
            self._socks.discard(s)
        _kill(s)

    def _time_left(self) -> float:
        rem = self.remaining()
        if rem <= 0 or self.expired:
            raise Expired("the lookup's time is up")
        return rem

    # -- connections -----------------------------------------------------------------------

    def _dial(self, host: str, port: int, address_ok: AddressCheck | None) -> socket.socket:
        """A connected socket to ``host:port`` at an address ``address_ok`` accepts."""
        rem = self._time_left()
        addrs = self.connector.resolve(host, port, rem)
        if address_ok is not None:
            ok = [a for a in addrs if (ip := ip_of(a)) is not None and address_ok(ip)]
            if not ok:
                shown = ", ".join(addrs[:3]) or "no address"
                raise Refused(f"{clip(host, 80)} is at {clip(shown, 120)}: not an address dockwise may contact")
            addrs = ok
        last: Exception | None = None
        for a in addrs[:4]:
            rem = self._time_left()
            s = self.connector.open(a, port, min(self.connect_timeout, rem))
            self._track(s)
            try:
                self.connector.connect(s, a, port)
                self.connections_opened += 1
                return s
            except (OSError, ValueError) as exc:
                last = exc
                self._untrack(s)
        if self.expired:
            raise Expired("the lookup's time is up")
        raise HTTPFailure(f"cannot connect to {clip(host, 80)}:{port} ({type(last).__name__ if last else 'no address'})")

    def _via_proxy_check(self, host: str, port: int, address_ok: AddressCheck | None) -> None:
        """Through a proxy the proxy resolves the name; what we can resolve
        ourselves must still be allowed."""
        if address_ok is None:
            return
        ip = ip_of(host)
        if ip is not None:
            if not address_ok(ip):
                raise Refused(f"{clip(host, 80)} is not an address dockwise may contact")
            return
        try:
            addrs = self.connector.resolve(host, port, min(0.5, self._time_left()))
        except Expired:
            raise
        except HTTPFailure:
            return  # only the proxy can resolve it
        for a in addrs:
            ip = ip_of(a)
            if ip is None or not address_ok(ip):
                raise Refused(f"{clip(host, 80)} is at {clip(a, 60)}: not an address dockwise may contact")

    def _tunnel(self, sock: socket.socket, host: str, port: int, proxy_auth: str | None) -> None:
        target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        req = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
        if proxy_auth:
            req += f"Proxy-Authorization: {proxy_auth}\r\n"
        sock.sendall((req + "\r\n").encode("ascii"))
        buf = b""
        while b"\r\n\r\n" not in buf:
            self._time_left()
            sock.settimeout(max(0.05, self.remaining()))
            chunk = sock.recv(4096)
            if not chunk:
                raise HTTPFailure("the proxy closed the connection")
            buf += chunk
            if len(buf) > 64 * 1024:
                raise HTTPFailure("the proxy's answer is too long")
        head, _, rest = buf.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].split(b" ")
        if len(status) < 2 or status[1] != b"200" or rest:
            raise HTTPFailure(f"the proxy refused the tunnel to {clip(host, 80)}")

    def _connection(self, scheme: str, host: str, port: int, address_ok: AddressCheck | None) -> _Conn:
        key = (scheme, host, port)
        with self._lock:
            got = self._conns.pop(key, None)
        if got is not None:
            return got
        proxy = _env_proxy(scheme, host) if self.use_proxies else None
        if proxy is None:
            sock = self._dial(host, port, address_ok)
            absolute = False
        else:
            self._via_proxy_check(host, port, address_ok)
            pp = urlsplit(proxy)
            if pp.scheme not in ("http", ""):
                raise HTTPFailure(f"unsupported proxy scheme {clip(pp.scheme, 20)!r}")
            auth = None
            if pp.username is not None:
                import base64
                from urllib.parse import unquote

                raw = f"{unquote(pp.username)}:{unquote(pp.password or '')}".encode()
                auth = "Basic " + base64.b64encode(raw).decode("ascii")
            sock = self._dial(pp.hostname or "", pp.port or 80, None)  # the user's own proxy
            self.proxied.append(host)
            if scheme == "https":
                self._tunnel(sock, host, port, auth)
                absolute = False
            else:
                absolute = True
        if scheme == "https":
            raw = sock
            sock.settimeout(max(0.05, self.remaining()))
            try:
                tls = self.connector.ssl_context().wrap_socket(raw, server_hostname=host.strip("[]"))
            except Exception:
                self._untrack(raw)
                raise
            with self._lock:
                self._socks.discard(raw)
            self._track(tls)
            sock = tls
        import http.client

        hc = http.client.HTTPConnection(host, port)
        hc.auto_open = 0  # never a connection of its own (it would bypass the checks above)
        hc.sock = sock
        return _Conn(hc, sock, absolute)

    def _release(self, key: tuple, conn: _Conn, reusable: bool) -> None:
        if reusable and not self.expired and not self.closed:
            with self._lock:
                old = self._conns.get(key)
                if old is None:
                    self._conns[key] = conn
                    return
        self._untrack(conn.sock)

    # -- requests ----------------------------------------------------------------------------

    def request(self, method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
                limit: int = 0, read_body: "bool | Callable[[int], bool]" = True,
                address_ok: AddressCheck | None = None) -> Response:
        """One request. The body is read (up to ``limit`` bytes, else
        :class:`TooLarge`) when ``read_body`` (or ``read_body(status)``) is
        true; otherwise at most ``DRAIN_LIMIT`` raw bytes are read and dropped.
        Raises :class:`HTTPFailure`."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise HTTPFailure(f"not an http(s) URL: {clip(url, 100)}")
        host = parts.hostname.lower()
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise HTTPFailure(f"bad port in {clip(url, 100)}") from None
        key = (scheme, host, port)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        hdrs = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        hdrs.update(headers or {})
        if body is not None:
            hdrs["Content-Length"] = str(len(body))
        for k, v in hdrs.items():
            if not _header_ok(k) or not _header_ok(v, value=True):
                raise HTTPFailure(f"refusing to send an unusable {clip(k, 40)} header")
        for attempt in (0, 1):
            conn = self._connection(scheme, host, port, address_ok)
            try:
                return self._exchange(conn, key, method, url if conn.absolute else target, hdrs, body, limit,
                                      read_body, url)
            except _Stale:
                if attempt:  # pragma: no cover - a new connection is never stale
                    raise HTTPFailure(f"{clip(host, 80)} closed the connection") from None
                # a kept-alive connection the server had closed: once more on a new one
        raise HTTPFailure(f"{clip(host, 80)} closed the connection")  # pragma: no cover

    def _exchange(self, conn: _Conn, key: tuple, method: str, target: str, hdrs: dict[str, str],
                  body: bytes | None, limit: int, read_body: "bool | Callable[[int], bool]", url: str) -> Response:
        hc = conn.http
        reused = getattr(conn, "used", False)
        conn.used = True  # type: ignore[attr-defined]
        try:
            conn.sock.settimeout(max(0.05, self._time_left()))
            hc.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs.items():
                hc.putheader(k, v)
            hc.endheaders(body)
            resp = hc.getresponse()
        except HTTPFailure:
            self._untrack(conn.sock)
            raise
        except Exception as exc:
            self._untrack(conn.sock)
            if self.expired:
                raise Expired(f"{clip(key[1], 80)} did not answer in time") from None
            import http.client

            if reused and isinstance(exc, (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError)):
                raise _Stale() from None
            raise HTTPFailure(f"bad answer ({type(exc).__name__})") from None
        try:
            status = resp.status
            headers = _headers(resp)
            data = b""
            reusable = True
            if method == "HEAD":
                pass
            elif read_body(status) if callable(read_body) else read_body:
                data = self._read(resp, limit, headers.get("content-encoding", ""), key[1])
            else:
                try:
                    self._read(resp, DRAIN_LIMIT, "", key[1], drain=True)
                except _Undrained:
                    reusable = False  # not worth reading: the connection goes
            reusable = reusable and resp.isclosed() and not resp.will_close
        except HTTPFailure:
            self._untrack(conn.sock)
            raise
        except Exception as exc:
            self._untrack(conn.sock)
            if self.expired:
                raise Expired(f"{clip(key[1], 80)} did not answer in time") from None
            raise HTTPFailure(f"bad answer ({type(exc).__name__})") from None
        self._release(key, conn, reusable)
        return Response(status, headers, data, url)

    def _read(self, resp: http.client.HTTPResponse, limit: int, encoding: str, host: str,
              drain: bool = False) -> bytes:
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            dec = None
        elif enc in ("gzip", "x-gzip", "deflate") and not drain:
            dec = zlib.decompressobj(47 if enc != "deflate" else zlib.MAX_WBITS)
        elif drain:
            dec = None
        else:
            raise HTTPFailure(f"{clip(host, 80)} sent an unsupported content encoding {clip(enc, 30)!r}")
        out = bytearray()
        raw_total = 0
        while True:
            self._time_left()
            chunk = resp.read(READ_CHUNK)
            if not chunk:
                break
            raw_total += len(chunk)
            if dec is None:
                out += chunk
            else:
                out += dec.decompress(chunk, max(1, limit + 1 - len(out)))
                if dec.unconsumed_tail:
                    out += b"\0"  # more output is waiting: over the limit
            if len(out) > limit:
                if drain:
                    raise _Undrained()
                raise TooLarge(f"the answer from {clip(host, 80)} is larger than {limit} bytes", limit)
        if dec is not None:
            out += dec.flush(max(1, limit + 1 - len(out)))
            if len(out) > limit:
                raise TooLarge(f"the answer from {clip(host, 80)} is larger than {limit} bytes", limit)
        return bytes(out)


class _Stale(Exception):
    pass


class _Undrained(HTTPFailure):
    pass


def _kill(s: socket.socket) -> None:
    try:
        socket.socket.shutdown(s, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass
    try:
        s.close()
    except (OSError, ValueError):
        pass


def _header_ok(text: str, value: bool = False) -> bool:
    if not isinstance(text, str) or len(text) > 16384:
        return False
    if value:
        return all(0x20 <= ord(c) < 0x7F or c == "\t" for c in text)
    return bool(text) and all(0x21 <= ord(c) < 0x7F and c not in ':()<>@,;\\"/[]?={} ' for c in text)


def _headers(resp: http.client.HTTPResponse) -> dict[str, str]:
    out: dict[str, str] = {}
    total = 0
    for k, v in resp.getheaders():
        name = k.strip().lower()[:100]
        val = v.strip()[:MAX_HEADER_VALUE]
        if name in out:
            if len(out[name]) >= MAX_HEADER_VALUE:
                continue
            val = (out[name] + ", " + val)[:MAX_HEADER_VALUE]
        total += len(val)
        if total > MAX_HEADERS_TOTAL:
            break
        out[name] = val
    return out


def join_hosts(hosts: Iterable[str]) -> str:
    return ", ".join(sorted(set(hosts)))


def env_proxy_for(scheme: str, host: str) -> str | None:
    """Which proxy a request to ``scheme://host`` would use (None: direct)."""
    return _env_proxy(scheme, host)


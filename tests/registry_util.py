"""Test helpers: a real OCI registry (Debian's ``docker-registry``, the
distribution 2.8 server) on 127.0.0.1, a token issuer for its token auth,
pushing images through the registry HTTP API, and tiny stub/proxy servers.

Everything listens on 127.0.0.1 at a free port, every wait is bounded, and
every server is stopped by the fixture that started it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import httpx

REGISTRY_BIN = "/usr/bin/docker-registry"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
STARTUP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def registry_missing_reason() -> str | None:
    if not os.access(REGISTRY_BIN, os.X_OK):
        return f"{REGISTRY_BIN} is not installed (Debian package docker-registry; scripts/install-system-deps installs it)"
    return None


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- token issuer ------------------------------------------------------------------------------


class TokenIssuer:
    """A token server for the registry's ``auth: token:`` mode: JWTs signed
    (RS256) with a test key whose self-signed certificate is the registry's
    ``rootcertbundle``. ``users`` may pull and push anything; anonymous
    clients may pull the repositories in ``public``. Records every request."""

    service = "dockwise-test-registry"
    issuer = "dockwise-test-issuer"

    def __init__(self, users: dict[str, str] | None = None, public: set[str] | None = None):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
        import datetime as dt

        self.users = users or {}
        self.public = public or set()
        self.requests: list[dict[str, Any]] = []
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dockwise test token issuer")])
        now = dt.datetime.now(dt.timezone.utc)
        self._cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.cert_pem = self._cert.public_bytes(serialization.Encoding.PEM)
        self._der = self._cert.public_bytes(serialization.Encoding.DER)
        self.port = free_port()
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._server: ThreadingHTTPServer | None = None

    def token(self, access: list[dict], subject: str = "") -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self._der).decode()]}
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        sig = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(sig)}"

    def push_token(self, repo: str) -> str:
        return self.token([{"type": "repository", "name": repo, "actions": ["pull", "push"]}], "pusher")

    def _grant(self, query: dict[str, list[str]], authorization: str | None) -> tuple[int, dict]:
        user = None
        if authorization:
            if not authorization.startswith("Basic "):
                return 401, {"errors": [{"code": "UNAUTHORIZED"}]}
            try:
                u, _, p = base64.b64decode(authorization[6:]).decode().partition(":")
            except Exception:
                return 400, {}
            if self.users.get(u) != p:
                return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
            user = u
        access = []
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository":
                continue
            allowed = ["pull", "push"] if user else (["pull"] if name in self.public else [])
            granted = [a for a in actions.split(",") if a in allowed]
            if granted:
                access.append({"type": "repository", "name": name, "actions": granted})
        tok = self.token(access, user or "")
        return 200, {"token": tok, "access_token": tok, "expires_in": 300,
                     "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def start(self) -> "TokenIssuer":
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                q = parse_qs(parts.query)
                auth = self.headers.get("Authorization")
                issuer.requests.append({"path": parts.path, "query": q, "authorization": auth})
                status, body = issuer._grant(q, auth) if parts.path == "/token" else (404, {})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# -- the registry ----------------------------------------------------------------------------


class Registry:
    """``docker-registry serve CONFIG`` on 127.0.0.1:PORT with storage in ``workdir``."""

    def __init__(self, workdir: Path, issuer: TokenIssuer | None = None, port: int | None = None):
        self.workdir = Path(workdir)
        self.issuer = issuer
        self.port = port or free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.proc: subprocess.Popen | None = None

    def _config(self) -> Path:
        store = self.workdir / "storage"
        store.mkdir(parents=True, exist_ok=True)
        lines = [
            "version: 0.1",
            "log:", "  level: error", "  accesslog:", "    disabled: true",
            "storage:", "  filesystem:", f"    rootdirectory: {store}", "  delete:", "    enabled: true",
            "http:", f"  addr: 127.0.0.1:{self.port}", "  secret: dockwise-test-secret",
        ]
        if self.issuer is not None:
            bundle = self.workdir / "token-cert.pem"
            bundle.write_bytes(self.issuer.cert_pem)
            lines += ["auth:", "  token:", f"    realm: {self.issuer.realm}", f"    service: {self.issuer.service}",
                      f"    issuer: {self.issuer.issuer}", f"    rootcertbundle: {bundle}"]
        cfg = self.workdir / "config.yml"
        cfg.write_text("\n".join(lines) + "\n")
        return cfg

    def start(self) -> "Registry":
        cfg = self._config()
        self.log = open(self.workdir / "registry.log", "wb")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", str(cfg)], stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(self.workdir / 'registry.log').read_text()[-2000:]}")
            try:
                r = httpx.get(f"{self.url}/v2/", timeout=0.5)
                if r.status_code in (200, 401):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"docker-registry did not start within {STARTUP_TIMEOUT}s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()

    # -- pushing through the HTTP API ------------------------------------------------------

    def _headers(self, repo: str) -> dict[str, str]:
        if self.issuer is None:
            return {}
        return {"Authorization": f"Bearer {self.issuer.push_token(repo)}"}

    def push_blob(self, repo: str, data: bytes) -> dict:
        digest = sha(data)
        h = self._headers(repo)
        with httpx.Client(timeout=10) as c:
            r = c.post(f"{self.url}/v2/{repo}/blobs/uploads/", headers=h)
            assert r.status_code == 202, (r.status_code, r.text)
            loc = r.headers["Location"]
            if loc.startswith("/"):
                loc = self.url + loc
            sep = "&" if "?" in loc else "?"
            r = c.put(f"{loc}{sep}digest={digest}", content=data,
                      headers={**h, "Content-Type": "application/octet-stream"})
            assert r.status_code == 201, (r.status_code, r.text)
        return {"digest": digest, "size": len(data)}

    def push_manifest(self, repo: str, reference: str, doc: dict, media_type: str) -> dict:
        body = json.dumps(doc).encode()
        with httpx.Client(timeout=10) as c:
            r = c.put(f"{self.url}/v2/{repo}/manifests/{reference}", content=body,
                      headers={**self._headers(repo), "Content-Type": media_type})
            assert r.status_code == 201, (r.status_code, r.text)
        return {"mediaType": media_type, "digest": sha(body), "size": len(body)}

    def push_platform_manifest(self, repo: str, platform: str, layer_sizes: list[int],
                               env: list[str] | None = None) -> tuple[dict, int]:
        os_, arch, *variant = platform.split("/")
        cfg: dict[str, Any] = {"architecture": arch, "os": os_, "rootfs": {"type": "layers", "diff_ids": []}}
        if variant:
            cfg["variant"] = variant[0]
        if env is not None:
            cfg["config"] = {"Env": env}
        cblob = self.push_blob(repo, json.dumps(cfg).encode())
        layers = [{"mediaType": OCI_LAYER, **self.push_blob(repo, os.urandom(n))} for n in layer_sizes]
        man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
               "config": {"mediaType": OCI_CONFIG, **cblob}, "layers": layers}
        desc = self.push_manifest(repo, sha(json.dumps(man).encode()), man, OCI_MANIFEST)
        return desc, sum(layer_sizes)

    def push_index(self, repo: str, tag: str, platforms: dict[str, list[int]], *, attestation: bool = True,
                   attestation_size: int = 50_000, env: dict[str, list[str]] | None = None) -> "Pushed":
        """An OCI index with one manifest per platform, plus (``attestation``)
        attestation manifests: one with platform unknown/unknown and one that
        claims the first real platform but carries the attestation annotation
        (listed first, so a client that ignores the annotation gets its size)."""
        entries, expected = [], {}
        for plat, sizes in platforms.items():
            desc, total = self.push_platform_manifest(repo, plat, sizes, (env or {}).get(plat))
            os_, arch, *variant = plat.split("/")
            p = {"architecture": arch, "os": os_}
            if variant:
                p["variant"] = variant[0]
            entries.append({**desc, "platform": p})
            expected[plat] = total
        if attestation:
            att_layer = self.push_blob(repo, os.urandom(attestation_size))
            cblob = self.push_blob(repo, b"{}")
            att = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": {"mediaType": OCI_CONFIG, **cblob},
                   "layers": [{"mediaType": "application/vnd.in-toto+json", **att_layer,
                               "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}}]}
            adesc = self.push_manifest(repo, sha(json.dumps(att).encode()), att, OCI_MANIFEST)
            ann = {"vnd.docker.reference.digest": entries[0]["digest"],
                   "vnd.docker.reference.type": "attestation-manifest"}
            first = entries[0]["platform"]
            entries = [{**adesc, "platform": dict(first), "annotations": ann}, *entries,
                       {**adesc, "platform": {"architecture": "unknown", "os": "unknown"}, "annotations": ann}]
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        desc = self.push_manifest(repo, tag, index, OCI_INDEX)
        return Pushed(repo, tag, expected, desc["digest"], attestation_size if attestation else 0)

    def push_single(self, repo: str, tag: str, platform: str, layer_sizes: list[int],
                    env: list[str] | None = None) -> "Pushed":
        """A plain image manifest (no index) tagged ``tag``."""
        os_, arch, *variant = platform.split("/")
        cfg: dict[str, Any] = {"architecture": arch, "os": os_, "rootfs": {"type": "layers", "diff_ids": []}}
        if variant:
            cfg["variant"] = variant[0]
        if env is not None:
            cfg["config"] = {"Env": env}
        cblob = self.push_blob(repo, json.dumps(cfg).encode())
        layers = [{"mediaType": OCI_LAYER, **self.push_blob(repo, os.urandom(n))} for n in layer_sizes]
        man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
               "config": {"mediaType": OCI_CONFIG, **cblob}, "layers": layers}
        desc = self.push_manifest(repo, tag, man, OCI_MANIFEST)
        return Pushed(repo, tag, {platform: sum(layer_sizes)}, desc["digest"], 0)


@dataclass
class Pushed:
    repo: str
    tag: str
    sizes: dict[str, int]  # platform → sum of the pushed layer sizes
    digest: str
    attestation_size: int = 0


# -- stub servers ------------------------------------------------------------------------------

Response = tuple[int, dict[str, str], bytes]
Route = Response | Callable[[Any], Response]  # a response, or a callable(handler) → response


@dataclass
class Stub:
    """A tiny HTTP server on 127.0.0.1: ``routes`` maps a path to a response
    ``(status, headers, body)`` or a callable(handler) → response; unknown
    paths get 404. ``hits`` records (method, path, headers) of every request."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[tuple[str, str, dict]] = field(default_factory=list)
    delay: float = 0.0

    def start(self) -> "Stub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _answer(self):
                stub.hits.append((self.command, self.path, dict(self.headers)))
                if stub.delay:
                    time.sleep(stub.delay)
                route = stub.routes.get(urlsplit(self.path).path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "application/json"}, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'
                else:
                    status, headers, body = route(self) if callable(route) else route
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            do_GET = do_HEAD = do_POST = _answer

        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class DelayProxy:
    """A TCP proxy on 127.0.0.1 that waits ``delay`` seconds before passing a
    connection on to ``upstream`` (a slow registry). With ``gate``, it passes
    connections on as soon as the gate is set (and drops them if ``delay``
    passes first): the test decides when the registry answers."""

    def __init__(self, upstream_port: int, delay: float, gate: threading.Event | None = None):
        self.upstream_port, self.delay, self.gate = upstream_port, delay, gate
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self.connections = 0

    def start(self) -> "DelayProxy":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        if self.gate is not None:
            deadline = time.monotonic() + self.delay
            while not self.gate.wait(0.05):  # bounded; stop() ends the wait too
                if self._stop.is_set() or time.monotonic() > deadline:
                    conn.close()
                    return
            if self._stop.is_set():
                conn.close()
                return
        elif self._stop.wait(self.delay):
            conn.close()
            return
        try:
            up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:
            conn.close()
            return

        def pipe(a: socket.socket, b: socket.socket) -> None:
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.close()
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(conn, up), daemon=True).start()
        pipe(up, conn)

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()


def write_docker_config(directory: Path, config: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def basic_auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def fake_credential_helper(bindir: Path, name: str, creds: dict[str, tuple[str, str]]) -> Path:
    """A ``docker-credential-<name>`` script answering ``get`` for ``creds``
    (server → (username, secret)); records what it was asked in ``<bindir>/asked``."""
    bindir.mkdir(parents=True, exist_ok=True)
    exe = bindir / f"docker-credential-{name}"
    table = {k: {"ServerURL": k, "Username": u, "Secret": s} for k, (u, s) in creds.items()}
    exe.write_text(
        f"#!{sys.executable} -S\n"  # not a pyenv shim: it can take seconds to start on a loaded machine
        "import json, sys\n"
        f"table = {json.dumps(table)!r}\n"
        "server = sys.stdin.read().strip()\n"
        f"open({str(bindir / 'asked')!r}, 'a').write(server + '\\n')\n"
        "entry = json.loads(table).get(server)\n"
        "if sys.argv[1:] != ['get'] or entry is None:\n"
        "    print('credentials not found in native keychain'); sys.exit(1)\n"
        "print(json.dumps(entry))\n"
    )
    exe.chmod(0o755)
    return exe

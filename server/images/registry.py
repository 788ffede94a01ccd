"""Live image sizes from OCI registries (issue 5).

The compressed size of an image on a platform is the sum of ``layers[].size``
of the platform's manifest. :class:`RegistryClient` gets it with the OCI
distribution API over :mod:`dockwise.images.http` (a bounded HTTP/1.1
client: wall-clock deadline, size limits, no automatic redirects): ``GET /v2/<path>/manifests/<tag>`` (Accept: OCI
index, Docker manifest list, OCI manifest, Docker v2 manifest); an index
gives one ``GET`` per platform manifest (at most ``max_platforms``;
attestation manifests — annotation ``vnd.docker.reference.type:
attestation-manifest`` or platform ``unknown/unknown`` — are skipped).

Where requests go
    Docker Hub names (``python``, ``user/app``, ``docker.io/…``) go to
    ``registry-1.docker.io`` (``library/`` for one-component names); any
    other registry is the first path component (``ghcr.io``,
    ``127.0.0.1:5000``). Loopback registries (``localhost``, ``127.*``,
    ``[::1]``) and hosts in ``insecure`` (or ``DOCKWISE_INSECURE_REGISTRIES``,
    comma-separated) use plain http, everything else https. Only registries
    the network policy allows are contacted, at addresses it allows
    (:mod:`dockwise.images.policy`; README "Security"). A 401 with a
    ``Bearer realm=…,service=…,scope=…`` challenge is answered by fetching a
    token from the realm when the policy allows it (anonymous unless the user
    has credentials; an
    ``identitytoken`` is exchanged with the OAuth2 refresh-token POST); a
    ``Basic`` challenge is answered with the user's credentials for that
    registry, if any. Nothing else is ever sent anywhere: no telemetry.

Credentials (:class:`DockerConfig`)
    Read from ``$DOCKER_CONFIG/config.json`` (else ``~/.docker/config.json``):
    ``auths`` (base64 ``auth`` or ``username``/``password``, ``identitytoken``),
    ``credHelpers`` and ``credsStore`` (``docker-credential-<name> get`` with
    the registry on stdin, 2 s timeout, only when the helper is on PATH).
    The entry for a registry is only ever sent to that registry, and to its
    token realm only when (:func:`may_send_credentials`) the realm uses https
    or is on loopback, **and** its host is the registry's host (any port),
    Docker Hub's ``auth.docker.io`` for Docker Hub, or a host the user's
    Docker config itself names (add an ``auths`` entry for a realm on another
    host, e.g. ``gitlab.com`` for ``registry.gitlab.com``). Otherwise the
    token is asked for anonymously. Secrets never appear in logs, reprs or
    errors.

Budgets and caching (:class:`LiveImages`)
    Connect timeout 1 s, 3 s of wall-clock time for a whole lookup (its
    connections are closed when the time is up); every answer is bounded
    (``MAX_*`` below), and any text kept from one is clipped to
    ``MAX_ERROR_CHARS``. A 429 backs the host off
    until ``Retry-After`` / ``RateLimit-Reset`` / ``X-RateLimit-Reset`` says
    (5 minutes when none is given, at most 6 hours; remembered on disk): no
    request goes to it meanwhile. Results are cached in memory and on disk
    (platformdirs' user cache dir, or ``DOCKWISE_CACHE_DIR``; one JSON file
    per repository, written to a temporary file and renamed; unreadable files
    are ignored): figures for 7 days, not-found and unauthorized answers for an
    hour, other failures (timeouts, refused connections, malformed manifests)
    for 15 minutes. A malformed or inconsistent manifest (missing layers,
    non-integer sizes, a digest that does not match its body) gives an error
    entry, never a figure. At most one lookup per image is in flight (threads
    share it). ``DOCKWISE_OFFLINE=1`` or ``online=False``: no request at all.

Image configurations
    Besides sizes, a lookup reads the configuration blob of the wanted
    platform (of a single-platform image: its only one) and keeps the names of
    its ``Env``, and the cache entry lists every platform of an index: the
    source's ``config(ref, platform)`` answers
    :func:`dockwise.images.catalog.image_config` from the cache (BuildKit's
    UndefinedVar and InvalidBaseImagePlatform checks use them).

:meth:`LiveImages.as_size_source` plugs the cache into
:func:`dockwise.images.catalog.add_source`, so :func:`dockwise.images.catalog.lookup` (rules
DW001/DW010, hover, inlay hints) prefers a fresh live figure, with
``SizeInfo.source`` like ``registry 127.0.0.1:5000, fetched 2026-11-28 12:00
UTC``. The editor never waits: :meth:`LiveImages.cached` reads memory/disk
only; :meth:`LiveImages.request` queues a background lookup and the
``on_update`` callback (called from the worker thread) says when a new figure
arrived. No LSP types here; platformdirs is imported on first use.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import logging
import math
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as _FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping
from urllib.parse import urlencode, urljoin, urlsplit

from dockwise import lazyre
from dockwise.atomic import private_dir, prune, read_regular, write_atomic
from dockwise.images import catalog as images
from dockwise.images.http import (
    Connector, Expired, HTTPFailure, Refused, Response, Session, TooLarge, clip, is_loopback_host,
)
from dockwise.images.policy import MAX_REDIRECTS, NOT_ALLOWED_HINT, NetworkPolicy, offline_env  # noqa: F401 (re-exported)

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.syntax.model import ImageRef

log = logging.getLogger("dockwise.images.registry")

# -- constants ---------------------------------------------------------------------

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
ACCEPT_ALL = ", ".join(INDEX_TYPES + MANIFEST_TYPES)
ACCEPT_MANIFEST = ", ".join(MANIFEST_TYPES)

DOCKER_HUB = "docker.io"  # display / cache name
DOCKER_HUB_HOST = "registry-1.docker.io"
DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"  # the key docker login uses
_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}

CONNECT_TIMEOUT = 1.0
TOTAL_TIMEOUT = 3.0
TTL = 7 * 86400.0
NOT_FOUND_TTL = 3600.0
ERROR_TTL = 900.0
DEFAULT_BACKOFF = 300.0
MAX_BACKOFF = 6 * 3600.0
MAX_PLATFORMS = 16
MAX_MANIFEST_BYTES = 4 << 20
MAX_CONFIG_BYTES = 1 << 20
MAX_SIZE = 1 << 50  # a layer larger than 1 PiB is not a real figure
MAX_TOKEN_BYTES = 64 << 10  # a token server's answer
MAX_TOKEN_CHARS = 16 << 10
MAX_TOKENS = 256  # tokens kept in memory
MAX_INDEX_ENTRIES = 1024  # real indexes have a few dozen
MAX_LAYERS = 1024
MAX_PLATFORMS_CAP = 64  # whatever max_platforms says
MAX_LISTED = 64  # platforms remembered per image
MAX_ERROR_CHARS = 200  # of any text kept from a failed lookup (hover, cache, logs)
HELPER_TIMEOUT = 2.0
WORKERS = 4
CACHE_FORMAT = 1
MAX_REFS_PER_FILE = 64  # cache entries per repository file (the newest are kept)
MAX_CACHE_FILE_BYTES = 1 << 20
MAX_CACHE_FILES = 2000
MAX_CACHE_BYTES = 32 << 20
PRUNE_EVERY = 64  # disk-cache writes between two prunes
MAX_MEMORY_REPOS = 1024

_PATH_RE = lazyre.compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\Z")
_TAG_RE = lazyre.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")
_DIGEST_RE = lazyre.compile(r"^(?=.{1,256}\Z)[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}\Z")
_HOST_RE = lazyre.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?\Z")
_PLATFORM_RE = lazyre.compile(r"^[a-z0-9._-]{1,32}/[a-z0-9._-]{1,32}(?:/[a-z0-9._-]{1,16})?(?: [0-9.]{1,24})?\Z")

OK, NOT_FOUND, UNAUTHORIZED, ERROR, RATE_LIMITED, OFFLINE, NOT_ALLOWED = (
    "ok", "not_found", "unauthorized", "error", "rate_limited", "offline", "not_allowed")
_CACHED_STATUSES = (OK, NOT_FOUND, UNAUTHORIZED, ERROR, NOT_ALLOWED)


def default_cache_dir() -> Path:
    env = os.environ.get("DOCKWISE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("dockwise", appauthor=False))


# -- errors ------------------------------------------------------------------------


class LookupFailed(Exception):
    status = ERROR


class NotFound(LookupFailed):
    status = NOT_FOUND


class Unauthorized(LookupFailed):
    status = UNAUTHORIZED


class Malformed(LookupFailed):
    status = ERROR


class RateLimited(LookupFailed):
    status = RATE_LIMITED

    def __init__(self, msg: str, until: float):
        super().__init__(msg)
        self.until = until


class Offline(LookupFailed):
    status = OFFLINE


class NotAllowed(LookupFailed):
    """The network policy does not allow this registry, address, realm or redirect."""

    status = NOT_ALLOWED


# -- names, hosts, platforms -------------------------------------------------------


def normalize_registry(registry: str | None) -> str:
    """``docker.io`` for every Docker Hub spelling (and None), else the host lower-cased."""
    reg = (registry or "").strip().lower()
    if not reg or reg in _HUB_ALIASES:
        return DOCKER_HUB
    return reg


def split_repository(key: str) -> tuple[str, str]:
    """``images.repository()`` key → (registry, path): ``python`` →
    (docker.io, library/python); ``127.0.0.1:5000/app`` → (127.0.0.1:5000, app)."""
    first, sep, rest = key.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return normalize_registry(first), rest
    return DOCKER_HUB, key if "/" in key else f"library/{key}"


def _hostname(host: str) -> str:
    """The host without its port (``[::1]:5000`` → ``::1``)."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


def is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8``, ``::1`` (with or without a port)."""
    return is_loopback_host(_hostname(host))


def _insecure_env() -> set[str]:
    return {h.strip().lower() for h in os.environ.get("DOCKWISE_INSECURE_REGISTRIES", "").split(",") if h.strip()}


@dataclass(frozen=True)
class Location:
    """Where an image lives: ``registry`` (cache/display name), ``host`` (to
    connect to), ``scheme``, repository ``path``."""

    registry: str
    host: str
    scheme: str
    path: str

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}/v2/{self.path}"


def locate(registry: str | None, path: str, insecure: Iterable[str] = ()) -> Location:
    reg = normalize_registry(registry)
    host = DOCKER_HUB_HOST if reg == DOCKER_HUB else reg
    if not _HOST_RE.match(host):
        raise LookupFailed(f"not a registry host: {clip(repr(host), 100)}")
    if len(path) > 255 or not _PATH_RE.match(path):
        raise LookupFailed(f"not a repository path: {clip(repr(path), 100)}")
    plain = is_loopback(host) or reg in {h.lower() for h in insecure} | _insecure_env()
    return Location(reg, host, "http" if plain else "https", path)


def norm_platform(platform: str | None) -> str:
    p = (platform or images.DEFAULT_PLATFORM).strip().lower()
    return p[: -len("/v8")] if p.startswith("linux/arm64/v8") else p


def platform_key(plat: Mapping[str, Any]) -> str | None:
    """``{"os": "linux", "architecture": "arm", "variant": "v7"}`` →
    ``linux/arm/v7``; Windows adds the build: ``windows/amd64 10.0.20348``
    (the offline table's format). None for unknown/unknown."""
    if not isinstance(plat, Mapping):
        return None
    os_, arch = plat.get("os"), plat.get("architecture")
    if not isinstance(os_, str) or not isinstance(arch, str) or not os_ or not arch:
        return None
    if os_ == "unknown" or arch == "unknown":
        return None
    key = f"{os_}/{arch}".lower()
    variant = plat.get("variant")
    if isinstance(variant, str) and variant and not (arch == "arm64" and variant == "v8"):
        key += f"/{variant.lower()}"
    version = plat.get("os.version")
    if os_ == "windows" and isinstance(version, str) and version.count(".") >= 2:
        key += " " + ".".join(version.split(".")[:3])
    return key if _PLATFORM_RE.match(key) else None  # odd or huge names are not platforms


def match_platform(sizes: Mapping[str, object], platform: str) -> str | None:
    """The key of ``sizes`` that answers for ``platform`` (exact, else a more
    specific key: ``windows/amd64`` → ``windows/amd64 10.0.20348``; ``*``:
    a single-platform image whose platform is unknown)."""
    if platform in sizes:
        return platform
    for k in sizes:
        if k.startswith(platform + " ") or k.startswith(platform + "/"):
            return k
    return "*" if "*" in sizes else None


def reference_of(ref: "ImageRef") -> str:
    """What to ask the registry for: the digest if pinned, else the tag."""
    return ref.digest if ref.digest else (ref.tag or "latest")


def cache_ref(reference: str) -> str:
    return "@" + reference if ":" in reference else reference


# -- challenges, rate-limit headers ---------------------------------------------------

_PARAM_RE = lazyre.compile(r'([A-Za-z][\w.-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))')


def parse_challenge(header: str | None) -> tuple[str, dict[str, str]] | None:
    """``WWW-Authenticate`` → (scheme, params), preferring Bearer over Basic."""
    if not header:
        return None
    parts = re.split(r"(?:^|,)\s*(?=(?:Bearer|Basic)\b)", header, flags=re.I)
    found = []
    for part in parts:
        part = part.strip().strip(",").strip()
        if not part:
            continue
        scheme, _, rest = part.partition(" ")
        params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)).replace('\\"', '"')
                  for m in _PARAM_RE.finditer(rest)}
        found.append((scheme.lower(), params))
    for want in ("bearer", "basic"):
        for scheme, params in found:
            if scheme == want:
                return scheme, params
    return None


def retry_after(headers: Mapping[str, str], now: float) -> float:
    """When a 429 ends (epoch seconds): ``Retry-After`` (seconds or an HTTP
    date), ``RateLimit-Reset`` (seconds; a value above 10^9 is an epoch),
    ``X-RateLimit-Reset``, ``RateLimit: …;t=N``; else ``DEFAULT_BACKOFF``.
    Clamped to [1 s, 6 h]."""
    delay: float | None = None
    ra = headers.get("retry-after")
    if ra:
        try:
            delay = float(ra.strip())
        except ValueError:
            try:
                import email.utils  # (only here: importing it costs ~20 ms of start-up)

                delay = email.utils.parsedate_to_datetime(ra).timestamp() - now
            except (TypeError, ValueError):
                delay = None
    if delay is None:
        for name in ("ratelimit-reset", "x-ratelimit-reset"):
            v = headers.get(name)
            if v:
                m = re.match(r"\s*(\d+(?:\.\d+)?)", v)
                if m:
                    n = float(m.group(1))
                    delay = n - now if n > 1e9 else n
                    break
    if delay is None:
        m = re.search(r"(?:\breset=|;t=)(\d+)", headers.get("ratelimit", ""))
        if m:
            delay = float(m.group(1))
    if delay is None:
        delay = DEFAULT_BACKOFF
    return now + min(max(delay, 1.0), MAX_BACKOFF)


# -- credentials -----------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    username: str = ""
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)
    origin: str = ""  # "auths", "credHelpers:NAME", "credsStore:NAME"

    def basic(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.username}\0{self.password}\0{self.identity_token}".encode()).hexdigest()[:16]


def _auth_key(key: str) -> str:
    """A Docker config key (``https://index.docker.io/v1/``, ``ghcr.io``,
    ``http://localhost:5000``) → registry name as :func:`normalize_registry`."""
    k = key.strip()
    if "://" in k:
        k = urlsplit(k).netloc or k.split("://", 1)[1]
    return normalize_registry(k.split("/", 1)[0])


class DockerConfig:
    """The user's Docker client configuration (re-read when it changes)."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self._dir = directory
        self._cache: tuple[float, dict] | None = None
        self._memo: dict[tuple, tuple[float, Credential | None]] = {}
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        d = self._dir or os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker"
        return Path(d) / "config.json"

    def mtime(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0

    def data(self) -> dict:
        mt = self.mtime()
        with self._lock:
            if self._cache is not None and self._cache[0] == mt:
                return self._cache[1]
            data: dict = {}
            if mt:
                try:
                    with open(self.path, "rb") as f:
                        raw = f.read(1 << 20)
                    loaded = json.loads(raw)
                    data = loaded if isinstance(loaded, dict) else {}
                except (OSError, ValueError):
                    log.warning("could not read the Docker configuration %s; using no credentials", self.path)
            self._cache = (mt, data)
            return data

    def _section(self, name: str) -> dict[str, Any]:
        sec = self.data().get(name)
        return sec if isinstance(sec, dict) else {}

    def names(self, host: str) -> bool:
        """Whether the configuration has an entry on ``host`` (hostname match, any port)."""
        want = _hostname(normalize_registry(host))
        return any(_hostname(_auth_key(k)) == want for k in (*self._section("auths"), *self._section("credHelpers")))

    def lists(self, host: str) -> bool:
        """Whether the configuration has an entry for exactly this registry (``host[:port]``)."""
        want = normalize_registry(host)
        return any(_auth_key(k) == want for k in (*self._section("auths"), *self._section("credHelpers")))

    def get(self, registry: str, timeout: float = HELPER_TIMEOUT) -> Credential | None:
        """The credentials for ``registry`` (a :func:`normalize_registry` name), or None.
        Remembered for 5 minutes while the file does not change (helpers are slow)."""
        reg = normalize_registry(registry)
        key = (reg, self.mtime(), str(self.path))
        with self._lock:
            got = self._memo.get(key)
        if got is not None and time.monotonic() - got[0] < 300:
            return got[1]
        cred = self._get(reg, timeout)
        with self._lock:
            self._memo = {k: v for k, v in self._memo.items() if k[1:] == key[1:]}
            self._memo[key] = (time.monotonic(), cred)
        return cred

    def _get(self, reg: str, timeout: float) -> Credential | None:
        server = DOCKER_HUB_AUTH_KEY if reg == DOCKER_HUB else reg
        for key, helper in self._section("credHelpers").items():
            if _auth_key(key) == reg and isinstance(helper, str):
                return _run_helper(helper, server, timeout)
        for key, entry in self._section("auths").items():
            if _auth_key(key) != reg or not isinstance(entry, dict):
                continue
            user, pw = entry.get("username"), entry.get("password")
            auth = entry.get("auth")
            if isinstance(auth, str) and auth:
                try:
                    user, _, pw = base64.b64decode(auth + "=" * (-len(auth) % 4)).decode("utf-8").partition(":")
                except (ValueError, UnicodeDecodeError):
                    log.warning("Docker configuration: unreadable 'auth' entry for %s ignored", reg)
                    continue
            tok = entry.get("identitytoken")
            if isinstance(tok, str) and tok:
                return Credential(user if isinstance(user, str) else "", "", tok, "auths")
            if isinstance(user, str) and user and isinstance(pw, str):
                return Credential(user, pw, "", "auths")
        store = self.data().get("credsStore")
        # the default store only for a registry the user logged in to (docker
        # login leaves an empty "auths" entry for it): an unknown registry's
        # 401 never runs a helper that may prompt or unlock a keyring
        if isinstance(store, str) and store and any(_auth_key(k) == reg for k in self._section("auths")):
            return _run_helper(store, server, timeout, kind="credsStore")
        return None


def _run_helper(name: str, server: str, timeout: float, kind: str = "credHelpers") -> Credential | None:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        return None
    exe = shutil.which(f"docker-credential-{name}")
    if exe is None:
        log.debug("credential helper docker-credential-%s is not on PATH", name)
        return None
    try:
        proc = subprocess.run([exe, "get"], input=server.encode(), capture_output=True,
                              timeout=max(0.1, timeout), stdin=None)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("credential helper docker-credential-%s failed: %s", name, type(exc).__name__)
        return None
    if proc.returncode != 0:  # "credentials not found" and friends; never log the output
        log.debug("credential helper docker-credential-%s: no credentials (exit %s)", name, proc.returncode)
        return None
    try:
        out = json.loads(proc.stdout)
        user, secret = str(out.get("Username") or ""), str(out.get("Secret") or "")
    except (ValueError, AttributeError):
        log.info("credential helper docker-credential-%s gave unreadable output", name)
        return None
    if not secret:
        return None
    origin = f"{kind}:{name}"
    return Credential("", "", secret, origin) if user == "<token>" else Credential(user, secret, "", origin)


def may_send_credentials(registry_host: str, realm: str, config: DockerConfig | None = None) -> bool:
    """Whether a registry's credentials may go to its token ``realm`` (see the
    module docstring): https (or loopback) and the same host, Docker Hub's
    auth server for Docker Hub, or a host the config names."""
    try:
        parts = urlsplit(realm)
    except ValueError:
        return False
    rhost = (parts.hostname or "").lower()
    if not rhost or parts.scheme not in ("https", "http"):
        return False
    if parts.scheme == "http" and not is_loopback(rhost):
        return False
    reg = _hostname(normalize_registry(registry_host))
    reg = _hostname(DOCKER_HUB_HOST) if reg == DOCKER_HUB else reg
    if rhost == reg:
        return True
    if reg == DOCKER_HUB_HOST and rhost == "auth.docker.io":
        return True
    return bool(config is not None and config.names(rhost))


# -- the HTTP client ---------------------------------------------------------------------


@dataclass
class _Budget:
    """One lookup's deadline (``time.monotonic()``) and its connections: a
    :class:`dockwise.images.http.Session` made on first use, whose watchdog
    closes every connection when the deadline passes."""

    deadline: float
    connect: float = CONNECT_TIMEOUT
    session: "Session | None" = field(default=None, repr=False)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def __enter__(self) -> "_Budget":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _json(body: bytes, what: str) -> Any:
    """Parse JSON from a registry; deep nesting and other oddities are :class:`Malformed`."""
    try:
        return json.loads(body)
    except RecursionError:
        raise Malformed(f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise Malformed(f"{what} is not JSON") from None


def _only_ok(status: int) -> bool:
    return status == 200


_TOKEN_RE = lazyre.compile(r"[\x21-\x7e]{1,%d}" % MAX_TOKEN_CHARS)
_REDIRECTS = (301, 302, 303, 307, 308)


class RegistryClient:
    """Synchronous OCI distribution client (thread-safe). ``backoff`` maps
    host → epoch until which no request may go there; ``policy`` says which
    hosts and addresses may be contacted (:mod:`dockwise.images.policy`);
    ``connector`` resolves names and opens sockets (tests pass their own)."""

    def __init__(
        self,
        *,
        docker_config: DockerConfig | None = None,
        insecure: Iterable[str] = (),
        connect_timeout: float = CONNECT_TIMEOUT,
        policy: NetworkPolicy | None = None,
        connector: Connector | None = None,
        backoff: "Callable[[str], float] | None" = None,
        on_rate_limit: "Callable[[str, float], None] | None" = None,
    ):
        self.config = docker_config or DockerConfig()
        self.insecure = tuple(insecure)
        self.policy = policy or NetworkPolicy(insecure=self.insecure, docker_config=self.config)
        self.connector = connector or Connector()
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._tokens: dict[tuple, tuple[str, float]] = {}  # (host, path, cred) → (Authorization, expiry)
        self._backoff = backoff or (lambda host: 0.0)
        self._on_rate_limit = on_rate_limit or (lambda host, until: None)

    def close(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _session(self, budget: _Budget) -> Session:
        if budget.session is None:
            budget.session = Session(budget.deadline, connector=self.connector, connect_timeout=self.connect_timeout)
        return budget.session

    # -- requests ------------------------------------------------------------------

    def _send(self, method: str, url: str, budget: _Budget, loc: Location, *, headers: dict, limit: int,
              data: dict | None = None, params: dict | None = None) -> Response:
        """One request within the budget. Only a 200 answer's body is read,
        up to ``limit`` bytes (more: :class:`Malformed`); any other body
        (redirects, errors) is dropped after at most 64 KB, undecoded."""
        parts = urlsplit(url)
        host = parts.netloc.lower()
        if time.time() < self._backoff(host):
            raise RateLimited(f"{clip(host, 80)} is rate-limiting; not asking before the back-off ends",
                              self._backoff(host))
        if params:
            url = url + ("&" if parts.query else "?") + urlencode(params)
        body = None
        if data is not None:
            body = urlencode(data).encode("ascii")
            headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        if budget.remaining() <= 0.01:
            raise LookupFailed("timed out")
        check = self.policy.address_check(loc.host, parts.hostname or "")
        try:
            resp = self._session(budget).request(method, url, headers=headers, body=body, limit=limit,
                                                 read_body=_only_ok, address_ok=check)
        except TooLarge as exc:
            raise Malformed(f"response from {clip(host, 80)} is larger than {exc.limit} bytes") from None
        except Refused as exc:
            raise NotAllowed(str(exc)) from None
        except Expired:
            raise LookupFailed(f"{clip(host, 80)} did not answer in time") from None
        except HTTPFailure as exc:
            raise LookupFailed(f"cannot reach {clip(host, 80)}: {exc}") from None
        log.debug("%s %s → %s", method, clip(url.split("?", 1)[0], 200), resp.status)
        return resp

    def _check(self, status: int, hdrs: Mapping[str, str], host: str, what: str) -> None:
        if status == 200:
            return
        if status == 429:
            until = retry_after(hdrs, time.time())
            self._on_rate_limit(host, until)
            raise RateLimited(f"{host} answered 429 (too many requests)", until)
        if status == 404:
            raise NotFound(f"{what} not found on {host}")
        if status in (401, 403):
            raise Unauthorized(f"{host} refused access to {what} ({status})")
        raise LookupFailed(f"{host} answered {status} for {what}")

    def _follow(self, method: str, url: str, budget: _Budget, loc: Location, headers: dict, limit: int,
                follow: bool) -> Response:
        """A request, and (``follow``) its redirects by hand: each hop checked
        by the policy, under the same budget and size limit, the body of a
        redirect never read, ``Authorization`` dropped when the host changes."""
        first_host = urlsplit(url).netloc.lower()
        for _hop in range(MAX_REDIRECTS + 1):
            resp = self._send(method, url, budget, loc, headers=headers, limit=limit)
            if not follow or resp.status not in _REDIRECTS:
                return resp
            target = resp.headers.get("location", "")
            if not target or len(target) > 4096:
                raise Malformed(f"{loc.host} sent a redirect without a usable Location")
            try:
                nxt = urljoin(url, target)
            except ValueError:
                raise Malformed(f"{loc.host} sent a redirect to something that is not a URL") from None
            why = self.policy.redirect_refusal(loc.host, url, nxt)
            if why:
                raise NotAllowed(f"{loc.host}: {why}")
            if urlsplit(nxt).netloc.lower() != first_host:
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            url = nxt
        raise Malformed(f"{loc.host}: more than {MAX_REDIRECTS} redirects")

    def get(self, loc: Location, url: str, accept: str, budget: _Budget, limit: int,
            follow: bool = False, method: str = "GET") -> tuple[Mapping[str, str], bytes]:
        """GET with the registry's auth flow (token per repository, cached)."""
        cred_box: list[Credential | None] = []

        def cred() -> Credential | None:
            if not cred_box:
                cred_box.append(self.config.get(loc.registry, min(HELPER_TIMEOUT, max(budget.remaining() - 0.5, 0.1))))
            return cred_box[0]

        key = (loc.host, loc.path)
        headers = {"Accept": accept}
        with self._lock:
            tok = self._tokens.get(key)
        if tok and tok[1] > time.monotonic():
            headers["Authorization"] = tok[0]
        resp = self._follow(method, url, budget, loc, headers, limit, follow)
        if resp.status == 401:
            ch = parse_challenge(resp.headers.get("www-authenticate"))
            auth: str | None = None
            if ch and ch[0] == "bearer" and ch[1].get("realm"):
                auth, ttl = self._token(loc, ch[1], budget, cred())
                self._remember_token(key, auth, ttl)
            elif ch and ch[0] == "basic" and (c := cred()) is not None and c.password:
                auth = c.basic()
                self._remember_token(key, auth, 3600)
            if auth is None:
                raise Unauthorized(f"{loc.host} asks for authentication dockwise cannot provide")
            headers["Authorization"] = auth
            resp = self._follow(method, url, budget, loc, headers, limit, follow)
        self._check(resp.status, resp.headers, loc.host, f"{loc.path}")
        return resp.headers, resp.body

    def _remember_token(self, key: tuple, auth: str, ttl: float) -> None:
        with self._lock:
            now = time.monotonic()
            if len(self._tokens) >= MAX_TOKENS:
                self._tokens = {k: v for k, v in self._tokens.items() if v[1] > now}
                while len(self._tokens) >= MAX_TOKENS:
                    self._tokens.pop(next(iter(self._tokens)))
            self._tokens[key] = (auth, now + ttl)

    def _token(self, loc: Location, ch: dict[str, str], budget: _Budget, cred: Credential | None) -> tuple[str, float]:
        realm = ch["realm"]
        why = self.policy.realm_refusal(loc.host, realm)
        if why:
            raise Unauthorized(f"{loc.host}: no token asked for: {why}")
        if not may_send_credentials(loc.registry, realm, self.config):
            if cred is not None:
                log.info("not sending credentials for %s to token server %s (another host)", loc.registry,
                         clip(urlsplit(realm).netloc, 100))
            cred = None
        scope = ch.get("scope") or f"repository:{loc.path}:pull"
        params = {"scope": scope[:1024]}
        if ch.get("service"):
            params["service"] = ch["service"][:1024]
        headers = {"Accept": "application/json"}
        rhost = clip(urlsplit(realm).netloc.lower(), 100)
        if cred is not None and cred.identity_token:
            data = {"grant_type": "refresh_token", "refresh_token": cred.identity_token,
                    "client_id": "dockwise", **params}
            resp = self._send("POST", realm, budget, loc, headers=headers, limit=MAX_TOKEN_BYTES, data=data)
        else:
            if cred is not None:
                headers["Authorization"] = cred.basic()
                params["account"] = cred.username
            resp = self._send("GET", realm, budget, loc, headers=headers, limit=MAX_TOKEN_BYTES, params=params)
        if resp.status == 429:  # the registry is unusable until its token server lets us in again
            self._on_rate_limit(loc.host, retry_after(resp.headers, time.time()))
        if resp.status in (401, 403):
            raise Unauthorized(f"token server {rhost} refused {'the credentials' if cred else 'anonymous access'}")
        self._check(resp.status, resp.headers, rhost, "token")
        try:
            doc = _json(resp.body, "the token answer")
            token = doc.get("token") or doc.get("access_token")
            ttl = float(doc.get("expires_in") or 60)
        except (Malformed, ValueError, AttributeError, TypeError, OverflowError):
            raise Unauthorized(f"token server {rhost} gave an unreadable answer") from None
        if not isinstance(token, str) or not token:
            raise Unauthorized(f"token server {rhost} gave no token")
        if not _TOKEN_RE.fullmatch(token):
            raise Unauthorized(f"token server {rhost} gave an unusable token (not printable ASCII, or too long)")
        if not math.isfinite(ttl):
            ttl = 60.0
        return f"Bearer {token}", max(5.0, min(ttl, 3600.0) - 5.0)

    # -- manifests ---------------------------------------------------------------------

    def manifest(self, loc: Location, reference: str, budget: _Budget, accept: str = ACCEPT_ALL) -> tuple[str, dict, str]:
        """(media type, parsed manifest, digest) for a tag or digest."""
        if not (_TAG_RE.match(reference) or _DIGEST_RE.match(reference)):
            raise LookupFailed(f"not a tag or digest: {clip(reference, 80)!r}")
        hdrs, body = self.get(loc, f"{loc.base}/manifests/{reference}", accept, budget, MAX_MANIFEST_BYTES)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if ":" in reference and reference.startswith("sha256:") and reference != digest:
            raise Malformed(f"manifest {reference[:19]}… does not match its digest")
        doc = _json(body, "manifest")
        if not isinstance(doc, dict):
            raise Malformed("manifest is not a JSON object")
        ctype = (hdrs.get("content-type") or "").split(";", 1)[0].strip().lower()
        mtype = doc.get("mediaType") if isinstance(doc.get("mediaType"), str) else ctype
        if doc.get("schemaVersion") != 2 or isinstance(doc.get("schemaVersion"), bool):
            raise Malformed(f"unsupported manifest schema {clip(repr(doc.get('schemaVersion')), 40)}")
        if mtype not in INDEX_TYPES + MANIFEST_TYPES:
            mtype = OCI_INDEX if "manifests" in doc else OCI_MANIFEST if "layers" in doc else clip(mtype, 100)
        return mtype, doc, digest

    def head_digest(self, loc: Location, reference: str, budget: _Budget) -> str | None:
        """The ``Docker-Content-Digest`` of a tag (a HEAD: not counted as a pull on Docker Hub)."""
        if not _TAG_RE.match(reference):
            raise LookupFailed(f"not a tag: {clip(reference, 80)!r}")
        hdrs, _ = self.get(loc, f"{loc.base}/manifests/{reference}", ACCEPT_ALL, budget, 0, method="HEAD")
        d = hdrs.get("docker-content-digest")
        return d if isinstance(d, str) and _DIGEST_RE.match(d) else None

    def blob_json(self, loc: Location, digest: str, budget: _Budget) -> Any:
        """A small JSON blob (an image config), checked against its digest."""
        if not _DIGEST_RE.match(digest):
            raise Malformed("invalid blob digest")
        _, body = self.get(loc, f"{loc.base}/blobs/{digest}", "*/*", budget, MAX_CONFIG_BYTES, follow=True)
        if digest.startswith("sha256:") and "sha256:" + hashlib.sha256(body).hexdigest() != digest:
            raise Malformed("blob does not match its digest")
        return _json(body, "blob")

    @staticmethod
    def layer_sum(doc: dict) -> int:
        layers = doc.get("layers")
        if not isinstance(layers, list):
            raise Malformed("manifest has no layers list")
        if len(layers) > MAX_LAYERS:
            raise Malformed(f"manifest with more than {MAX_LAYERS} layers")
        total = 0
        for layer in layers:
            size = layer.get("size") if isinstance(layer, dict) else None
            if type(size) is not int or size < 0 or size > MAX_SIZE:
                raise Malformed(f"manifest layer with an invalid size {clip(repr(size), 40)}")
            total += size
        if total > MAX_SIZE:
            raise Malformed("manifest sizes add up to nonsense")
        return total

    def _config_platform(self, loc: Location, doc: dict, budget: _Budget) -> str:
        cfg = doc.get("config")
        digest = cfg.get("digest") if isinstance(cfg, dict) else None
        if not isinstance(digest, str) or budget.remaining() < 0.2:
            return "*"
        try:
            return platform_key(self.blob_json(loc, digest, budget)) or "*"
        except (LookupFailed, AttributeError):
            return "*"

    def _index_entries(self, doc: dict, budget: _Budget) -> list[tuple[str, str]]:
        """(platform, digest) of an index's image manifests, first of each
        platform, in order: linear in the index, at most ``MAX_INDEX_ENTRIES``."""
        mans = doc.get("manifests")
        if not isinstance(mans, list):
            raise Malformed("index has no manifests list")
        if len(mans) > MAX_INDEX_ENTRIES:
            raise Malformed(f"index with {len(mans)} entries (more than {MAX_INDEX_ENTRIES})")
        seen: dict[str, str] = {}
        for i, m in enumerate(mans):
            if i % 64 == 0 and budget.remaining() <= 0:
                raise LookupFailed("timed out reading the index")
            if not isinstance(m, dict):
                raise Malformed("index entry is not an object")
            ann = m.get("annotations")
            if not isinstance(ann, dict):
                ann = {}
            if ann.get("vnd.docker.reference.type") == "attestation-manifest":
                continue
            key = platform_key(m.get("platform") or {})
            d = m.get("digest")
            if key is None or m.get("mediaType") in INDEX_TYPES:
                continue
            if not isinstance(d, str) or not _DIGEST_RE.match(d):
                raise Malformed("index entry with an invalid digest")
            if key not in seen:
                seen[key] = d
        return list(seen.items())

    def sizes(self, loc: Location, reference: str, want: Iterable[str], budget: _Budget,
              max_platforms: int = MAX_PLATFORMS, configs: dict[str, str] | None = None) -> dict:
        """The cache entry for one image: ``sizes`` per platform (the wanted
        ones first, then others; at most ``max_platforms`` manifests are
        fetched in all), ``listed`` platforms, ``digest``; ``configs`` (if
        given) receives each platform's config digest. Raises
        :class:`LookupFailed` subclasses."""
        max_platforms = max(1, min(max_platforms, MAX_PLATFORMS_CAP))
        want = list(dict.fromkeys(norm_platform(p) for p in want))[:max_platforms]
        mtype, doc, digest = self.manifest(loc, reference, budget)
        sizes: dict[str, int] = {}
        listed: list[str] = []
        if mtype in INDEX_TYPES:
            entries = self._index_entries(doc, budget)
            listed = [k for k, _ in entries][:MAX_LISTED]
            keys = {k: d for k, d in entries}
            wanted: dict[str, str] = {}
            for p in want:  # one manifest per wanted platform: the exact key, else the first more specific one
                k = match_platform(keys, p)
                if k is not None and k != "*":
                    wanted.setdefault(k, keys[k])
            order = list(wanted.items()) + [e for e in entries if e[0] not in wanted]
            for key, d in order[:max_platforms]:
                is_wanted = key in wanted
                if not is_wanted and budget.remaining() < 0.3:
                    break  # keep what we have; the wanted platforms are done
                try:
                    _, pdoc, _ = self.manifest(loc, d, budget, ACCEPT_MANIFEST)
                    sizes[key] = self.layer_sum(pdoc)
                    if configs is not None and isinstance(pdoc.get("config"), dict):
                        configs[key] = clip(pdoc["config"].get("digest", ""), 100)
                except (Malformed, NotFound) as exc:
                    if is_wanted:
                        raise Malformed(f"{key} manifest: {exc}") from None
                    log.debug("%s/%s: skipping %s (%s)", loc.registry, loc.path, key, exc)
                except LookupFailed:
                    if is_wanted:
                        raise
                    break
        elif mtype in MANIFEST_TYPES:
            total = self.layer_sum(doc)
            key = self._config_platform(loc, doc, budget)
            if configs is not None and isinstance(doc.get("config"), dict):
                configs[key] = clip(doc["config"].get("digest", ""), 100)
            sizes[key] = total
            listed.append(key)
        else:
            raise Malformed(f"unknown manifest type {clip(repr(mtype), 100)}")
        return {"status": OK, "sizes": sizes, "listed": listed, "digest": digest, "media_type": clip(mtype, 100)}


# -- disk cache ------------------------------------------------------------------------------


def _valid_entry(e: Any) -> bool:
    if not isinstance(e, dict) or e.get("status") not in _CACHED_STATUSES:
        return False
    if not isinstance(e.get("fetched"), (int, float)) or not math.isfinite(e["fetched"]):
        return False
    if not isinstance(e.get("error", ""), str) or len(e.get("error", "")) > MAX_ERROR_CHARS:
        return False
    if e["status"] == OK:
        sz = e.get("sizes")
        if not isinstance(sz, dict) or len(sz) > MAX_PLATFORMS_CAP or not all(
                isinstance(k, str) and (k == "*" or _PLATFORM_RE.match(k)) and type(v) is int and 0 <= v <= MAX_SIZE
                for k, v in sz.items()):
            return False
        listed = e.get("listed", [])
        if not isinstance(listed, list) or len(listed) > MAX_LISTED or not all(
                isinstance(k, str) and len(k) <= 80 for k in listed):
            return False
        d = e.get("digest")
        if d is not None and not (isinstance(d, str) and _DIGEST_RE.match(d)):
            return False
        env = e.get("env", {})
        if not isinstance(env, dict) or not all(
                isinstance(k, str) and isinstance(v, list) and all(isinstance(n, str) for n in v)
                for k, v in env.items()):
            return False
    return True


MAX_ENV_NAMES = 512


def env_names(config_doc: Any) -> list[str] | None:
    """The names of an image configuration's ``config.Env`` (``NAME=value``
    entries), or None when the document has none we can read."""
    if not isinstance(config_doc, dict):
        return None
    cfg = config_doc.get("config")
    if not isinstance(cfg, dict):
        return [] if "config" not in config_doc else None
    env = cfg.get("Env")
    if env is None:
        return []
    if not isinstance(env, list):
        return None
    names = {e.split("=", 1)[0] for e in env if isinstance(e, str) and e.split("=", 1)[0]}
    return sorted(names)[:MAX_ENV_NAMES]


def _bounded_entry(entry: dict) -> dict:
    """What is kept of a lookup's outcome: known fields, texts clipped."""
    out: dict[str, Any] = {"status": entry.get("status"), "fetched": entry.get("fetched")}
    if "error" in entry:
        out["error"] = clip(entry["error"], MAX_ERROR_CHARS)
    if entry.get("status") == OK:
        out["sizes"] = dict(list(entry.get("sizes", {}).items())[:MAX_PLATFORMS_CAP])
        out["listed"] = [clip(k, 80) for k in entry.get("listed", [])][:MAX_LISTED]
        if entry.get("digest"):
            out["digest"] = entry["digest"]
        if entry.get("media_type"):
            out["media_type"] = clip(entry["media_type"], 100)
        if isinstance(entry.get("env"), dict):
            out["env"] = {clip(k, 80): [clip(n, 200) for n in v[:MAX_ENV_NAMES] if isinstance(n, str)]
                          for k, v in list(entry["env"].items())[:MAX_PLATFORMS_CAP] if isinstance(v, list)}
    return out


class DiskCache:
    """One JSON file per repository under ``root/registry-v1``, a folder only
    this user can write (else the disk cache is not used). Files are read
    without following links (:func:`dockwise.atomic.read_regular`, at most
    ``MAX_CACHE_FILE_BYTES``), written atomically, hold at most
    ``MAX_REFS_PER_FILE`` entries (the newest), and the folder is pruned to
    the newest ``MAX_CACHE_FILES`` files and ``MAX_CACHE_BYTES``."""

    def __init__(self, root: str | os.PathLike | None):
        self.root = Path(root) / f"registry-v{CACHE_FORMAT}" if root is not None else None
        self._lock = threading.Lock()
        self._usable: bool | None = None
        self._writes = 0

    def _ok(self) -> bool:
        if self.root is None:
            return False
        if self._usable is None:
            usable = private_dir(self.root)
            self._usable = usable
            if not usable:
                log.warning("not using the image cache %s: it is not a folder only this user can write", self.root)
            else:
                self.prune()
        return bool(self._usable)

    def _file(self, registry: str, path: str) -> Path | None:
        if not self._ok():
            return None
        assert self.root is not None
        h = hashlib.sha256(f"{registry}/{path}".encode()).hexdigest()[:32]
        return self.root / f"{h}.json"

    def load(self, registry: str, path: str) -> dict[str, dict]:
        f = self._file(registry, path)
        if f is None:
            return {}
        try:
            doc = json.loads(read_regular(f, MAX_CACHE_FILE_BYTES, private=True))
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(doc, dict) or doc.get("registry") != registry or doc.get("path") != path:
            return {}
        refs = doc.get("refs")
        if not isinstance(refs, dict):
            return {}
        return {k: v for k, v in refs.items() if isinstance(k, str) and len(k) <= 300 and _valid_entry(v)}

    def store(self, registry: str, path: str, ref: str, entry: dict) -> None:
        f = self._file(registry, path)
        if f is None:
            return
        with self._lock:
            try:
                refs = self.load(registry, path)
                refs[ref] = _bounded_entry(entry)
                if len(refs) > MAX_REFS_PER_FILE:
                    newest = sorted(refs.items(), key=lambda kv: kv[1].get("fetched", 0), reverse=True)
                    refs = dict(newest[:MAX_REFS_PER_FILE])
                doc = {"format": CACHE_FORMAT, "registry": registry, "path": path, "refs": refs}
                data = json.dumps(doc).encode("utf-8")
                if len(data) <= MAX_CACHE_FILE_BYTES:
                    write_atomic(f, data, mode=0o600)
                self._writes += 1
                if self._writes % PRUNE_EVERY == 0:
                    self.prune()
            except OSError as exc:
                log.info("could not write the image cache %s: %s", f, clip(exc, 200))

    def prune(self) -> list[str]:
        """Keep the newest cache files (see the class docstring); returns the names removed."""
        if self.root is None:
            return []
        return prune(self.root, match=lambda n: n.endswith(".json") and n != "backoff.json" and not n.startswith("."),
                     keep=MAX_CACHE_FILES, max_bytes=MAX_CACHE_BYTES)

    def load_backoff(self) -> dict[str, float]:
        if not self._ok():
            return {}
        assert self.root is not None
        try:
            doc = json.loads(read_regular(self.root / "backoff.json", 64 << 10, private=True))
            return {str(k)[:300]: float(v) for k, v in list(doc.items())[:256]
                    if isinstance(v, (int, float)) and math.isfinite(v)}
        except (OSError, ValueError, AttributeError, TypeError, RecursionError):
            return {}

    def store_backoff(self, backoff: dict[str, float]) -> None:
        if not self._ok():
            return
        assert self.root is not None
        with self._lock:
            try:
                keep = dict(sorted(backoff.items(), key=lambda kv: kv[1], reverse=True)[:256])
                write_atomic(self.root / "backoff.json", json.dumps(keep).encode("utf-8"), mode=0o600)
            except OSError:
                pass


# -- results ---------------------------------------------------------------------------------


def _fmt_time(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class LiveResult:
    """What is known about one image on one platform."""

    image: str  # "127.0.0.1:5000/app:1"
    platform: str
    status: str  # ok | not_found | unauthorized | error | rate_limited | offline
    size: int | None = None  # bytes for ``platform`` (None: no figure, even when status is ok)
    sizes: Mapping[str, int] = field(default_factory=dict)  # every platform fetched
    registry: str = ""
    fetched: float | None = None
    digest: str | None = None
    error: str = ""
    info: images.SizeInfo | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK and self.size is not None


def _source_text(registry: str, fetched: float) -> str:
    return f"registry {registry}, fetched {_fmt_time(fetched)}"


class _SizeSource:
    """:class:`dockwise.images.catalog.SizeSource` over a :class:`LiveImages` cache
    (memory and disk; never the network)."""

    name = "registry"

    def __init__(self, live: "LiveImages"):
        self._live = live

    def size(self, repository: str, tag: str, platform: str) -> images.SizeInfo | None:
        reg, path = split_repository(repository)
        e = self._live._entry(reg, path, cache_ref(tag))
        if e is None or e["status"] != OK:
            return None
        key = match_platform(e["sizes"], norm_platform(platform))
        if key is None:
            return None
        return images.SizeInfo(
            repository, tag, platform if key == "*" else key, e["sizes"][key],
            _dt.datetime.fromtimestamp(e["fetched"], _dt.timezone.utc).date().isoformat(),
            _source_text(reg, e["fetched"]),
        )

    def tags(self, repository: str) -> Iterable[str]:
        reg, path = split_repository(repository)
        return self._live._tags(reg, path)

    def config(self, ref: "ImageRef", platform: str) -> images.ImageConfig | None:
        """What the cache knows of the image's configuration: the platforms the
        reference resolves to (an index's entries, or a single image's
        platform) and the ``Env`` names of ``platform``'s configuration."""
        if ref is None or ref.unresolved:
            return None
        try:
            reg, path, reference = self._live._key(ref)
        except Exception:
            return None
        e = self._live._entry(reg, path, cache_ref(reference))
        if e is None or e["status"] != OK:
            return None
        listed = tuple(k for k in e.get("listed", []) if isinstance(k, str) and k != "*")
        env = None
        envs = e.get("env") or {}
        single = e.get("media_type") in MANIFEST_TYPES
        key = next(iter(envs)) if single and len(envs) == 1 else (
            match_platform({k: 0 for k in envs}, norm_platform(platform)) if envs else None)
        if key is not None:
            env = frozenset(envs[key])
        return images.ImageConfig(env=env, platforms=listed or None,
                                  index=e.get("media_type") in INDEX_TYPES,
                                  source=_source_text(reg, e["fetched"]))


# -- the editor-facing API ----------------------------------------------------------------------


class LiveImages:
    """Live image sizes for the editor: never blocks in :meth:`cached` and
    :meth:`request`; :meth:`fetch` blocks at most ``total_timeout`` (+0.25 s).

    ``registries`` (the ``images.registries`` setting), ``insecure`` and the
    user's Docker configuration make up the :class:`NetworkPolicy` (or pass
    ``policy``); a registry it does not allow is never contacted and
    :meth:`cached` says so (status ``not_allowed``). ``connector`` resolves
    names and opens sockets (tests map names to loopback servers with it)."""

    def __init__(
        self,
        cache_dir: str | os.PathLike | None = None,
        *,
        online: bool = True,
        on_update: "Callable[[ImageRef], None] | None" = None,
        workers: int = WORKERS,
        insecure: Iterable[str] = (),
        registries: Iterable[str] = (),
        policy: NetworkPolicy | None = None,
        docker_config: str | os.PathLike | DockerConfig | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
        ttl: float = TTL,
        not_found_ttl: float = NOT_FOUND_TTL,
        error_ttl: float = ERROR_TTL,
        max_platforms: int = MAX_PLATFORMS,
        use_disk: bool = True,
        connector: Connector | None = None,
    ):
        self.online = online
        self.on_update = on_update
        self.total_timeout = total_timeout
        self.ttl, self.not_found_ttl, self.error_ttl = ttl, not_found_ttl, error_ttl
        self.max_platforms = max_platforms
        self.insecure = tuple(insecure)
        root = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) if use_disk else None
        self.disk = DiskCache(root)
        cfg = docker_config if isinstance(docker_config, DockerConfig) else DockerConfig(docker_config)
        self.policy = policy or NetworkPolicy(registries=tuple(registries), insecure=self.insecure, docker_config=cfg)
        self._lock = threading.RLock()
        self._repos: dict[tuple[str, str], tuple[float, dict[str, dict]]] = {}  # → (loaded at, refs)
        self._backoff: dict[str, float] = self.disk.load_backoff()
        self.client = RegistryClient(docker_config=cfg, insecure=self.insecure, connect_timeout=connect_timeout,
                                     policy=self.policy, connector=connector, backoff=self._backoff_until,
                                     on_rate_limit=self._rate_limited)
        self._inflight: dict[tuple[str, str, str], tuple[Future, set[str]]] = {}
        self._over_cap: dict[str, dict[tuple[str, str, str], str]] = {}  # document → image → why not looked up
        self._queue: "queue.Queue[Any]" = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._max_workers = max(1, workers)
        self._busy = 0
        self._closed = False
        self._source = _SizeSource(self)
        self.requests_started = 0  # lookups that went to the network (for tests and logs)
        # bumped whenever a lookup ends or the policy changes: the same request made
        # again at the same generation (and soon) would find nothing new to do
        self.generation = 0
        self._policy_changed = 0.0

    def set_registries(self, registries: Iterable[str]) -> None:
        """Follow a changed ``images.registries`` setting."""
        self.generation += 1
        self.policy = NetworkPolicy(registries=tuple(registries), insecure=self.insecure,
                                    docker_config=self.client.config,
                                    max_hosts_per_document=self.policy.max_hosts_per_document,
                                    max_images_per_document=self.policy.max_images_per_document)
        self.client.policy = self.policy
        self._policy_changed = time.time()

    # -- state -------------------------------------------------------------------------

    @property
    def allowed(self) -> bool:
        return self.online and not offline_env() and not self._closed

    def close(self) -> None:
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        self.client.close()

    def as_size_source(self) -> images.SizeSource:
        return self._source

    def _backoff_until(self, host: str) -> float:
        with self._lock:
            return self._backoff.get(host.lower(), 0.0)

    def _rate_limited(self, host: str, until: float) -> None:
        log.info("%s is rate-limiting registry requests: none until %s", host, _fmt_time(until))
        with self._lock:
            self._backoff[host.lower()] = max(until, self._backoff.get(host.lower(), 0.0))
            now = time.time()
            snapshot = {h: t for h, t in self._backoff.items() if t > now}
        self.disk.store_backoff(snapshot)

    # -- cache ---------------------------------------------------------------------------

    def _refs(self, reg: str, path: str) -> dict[str, dict]:
        key = (reg, path)
        now = time.monotonic()
        with self._lock:
            got = self._repos.get(key)
            if got is not None and now - got[0] < 5.0:
                return got[1]
        disk = self.disk.load(reg, path)  # another editor may have written it
        with self._lock:
            mem = self._repos.get(key, (0.0, {}))[1]
            merged = dict(disk)
            for r, e in mem.items():  # keep the newer of memory and disk
                if r not in merged or merged[r]["fetched"] < e["fetched"]:
                    merged[r] = e
            self._repos[key] = (now, merged)
            return merged

    def _fresh(self, e: dict | None) -> bool:
        if e is None:
            return False
        age = time.time() - e["fetched"]
        if e["status"] == OK:
            return age < self.ttl
        if e["status"] == UNAUTHORIZED and self.client.config.mtime() > e["fetched"]:
            return False  # the user changed their credentials since
        if e["status"] == NOT_ALLOWED and self._policy_changed > e["fetched"]:
            return False  # the user changed images.registries since
        return age < (self.not_found_ttl if e["status"] in (NOT_FOUND, UNAUTHORIZED) else self.error_ttl)

    def _entry(self, reg: str, path: str, ref: str) -> dict | None:
        e = self._refs(reg, path).get(ref)
        return e if self._fresh(e) else None

    def _tags(self, reg: str, path: str) -> list[str]:
        return [r for r, e in self._refs(reg, path).items()
                if not r.startswith("@") and e["status"] == OK and self._fresh(e)]

    def _put(self, reg: str, path: str, ref: str, entry: dict) -> None:
        entry = _bounded_entry(entry)
        self._refs(reg, path)
        with self._lock:
            refs = self._repos[(reg, path)][1]
            refs[ref] = entry
            if len(refs) > MAX_REFS_PER_FILE:
                for r, _e in sorted(refs.items(), key=lambda kv: kv[1].get("fetched", 0))[:len(refs) - MAX_REFS_PER_FILE]:
                    refs.pop(r, None)
            while len(self._repos) > MAX_MEMORY_REPOS:
                self._repos.pop(next(iter(self._repos)))
        self.disk.store(reg, path, ref, entry)

    @staticmethod
    def _key(ref: "ImageRef") -> tuple[str, str, str]:
        reg, path = split_repository(images.repository(ref))
        return reg, path, reference_of(ref)

    def _result(self, ref: "ImageRef", platform: str, e: dict, reg: str, path: str) -> LiveResult:
        name = f"{reg}/{path}:{reference_of(ref)}" if not ref.digest else f"{reg}/{path}@{ref.digest}"
        size = None
        info = None
        if e["status"] == OK:
            key = match_platform(e["sizes"], platform)
            if key is not None:
                size = e["sizes"][key]
                tag = cache_ref(ref.digest) if ref.digest else (ref.tag or "latest")
                info = images.SizeInfo(
                    images.repository(ref), tag, platform if key == "*" else key, size,
                    _dt.datetime.fromtimestamp(e["fetched"], _dt.timezone.utc).date().isoformat(),
                    _source_text(reg, e["fetched"]))
        return LiveResult(name, platform, e["status"], size, dict(e.get("sizes", {})), reg, e["fetched"],
                          e.get("digest"), e.get("error", ""), info)

    def _answers(self, e: dict | None, platform: str) -> bool:
        """Whether a cache entry settles ``platform`` (no lookup needed)."""
        if e is None or not self._fresh(e):
            return False
        if e["status"] != OK:
            return True
        if "env" not in e:  # cached before configurations were read: read them once
            return False
        return match_platform(e["sizes"], platform) is not None or not any(
            match_platform({k: 0}, platform) for k in e.get("listed", []))

    # -- API ------------------------------------------------------------------------------

    def refusal(self, ref: "ImageRef") -> str | None:
        """Why ``ref`` is not looked up (the network policy, or a document's
        cap), or None when it may be. Never touches the network."""
        try:
            reg, path, reference = self._key(ref)
            loc = locate(reg, path, self.insecure)
        except Exception as exc:
            return clip(exc, MAX_ERROR_CHARS)
        why = self.policy.registry_refusal(loc.host)
        if why:
            return why
        key = (loc.registry, loc.path, reference)
        with self._lock:
            for over in self._over_cap.values():
                if key in over:
                    return over[key]
        return None

    def cached(self, ref: "ImageRef", platform: str | None = None) -> LiveResult | None:
        """What the memory/disk cache knows about ``ref`` (a fresh figure or a
        fresh failure), else why it is not looked up (status ``not_allowed``),
        else None. Never touches the network."""
        if ref is None or ref.unresolved:
            return None
        try:
            reg, path, reference = self._key(ref)
        except Exception:
            return None
        plat = norm_platform(images.platform_of(ref, platform))
        e = self._entry(reg, path, cache_ref(reference))
        if e is not None:
            return self._result(ref, plat, e, reg, path)
        why = self.refusal(ref)
        if why:
            return LiveResult(ref.resolved, plat, NOT_ALLOWED, registry=reg, error=why)
        return None

    def request(self, ref: "ImageRef", platform: str | None = None) -> bool:
        """Start a background lookup unless the cache settles it, lookups are
        off, the policy does not allow the registry (or a document's cap left
        the image out, see :meth:`request_document`) or the registry is
        backing off. True when one is queued or already in flight. Returns at once."""
        if ref is None or ref.unresolved or not self.allowed:
            return False
        try:
            reg, path, reference = self._key(ref)
            loc = locate(reg, path, self.insecure)
        except Exception:
            return False
        plat = norm_platform(images.platform_of(ref, platform))
        if self._answers(self._entry(reg, path, cache_ref(reference)), plat):
            return False
        if self.refusal(ref):
            return False
        if time.time() < self._backoff_until(loc.host):
            return False
        self._submit(ref, loc, reference, plat)
        return True

    def request_document(self, document: str, items: "Iterable[tuple[ImageRef, str | None]]") -> int:
        """:meth:`request` for the base images of one document (in order),
        within the per-document caps of the policy: images on the first
        ``max_hosts_per_document`` registries, the first
        ``max_images_per_document`` images; the others are not looked up
        (:meth:`cached` and :meth:`refusal` say why). Returns how many lookups
        are queued or in flight."""
        hosts: set[str] = set()
        imgs: set[tuple[str, str, str]] = set()
        over: dict[tuple[str, str, str], str] = {}
        todo = []
        maxh, maxi = self.policy.max_hosts_per_document, self.policy.max_images_per_document
        for ref, plat in items:
            if ref is None or ref.unresolved:
                continue
            try:
                reg, path, reference = self._key(ref)
                loc = locate(reg, path, self.insecure)
            except Exception:
                continue
            if self.policy.registry_refusal(loc.host):
                continue
            key = (loc.registry, loc.path, reference)
            if key not in imgs:
                if loc.host not in hosts and len(hosts) >= maxh:
                    over[key] = f"not looked up: this document names more than {maxh} registries"
                    continue
                if len(imgs) >= maxi:
                    over[key] = f"not looked up: this document names more than {maxi} images"
                    continue
                hosts.add(loc.host)
                imgs.add(key)
            todo.append((ref, plat))
        with self._lock:
            self._over_cap.pop(document, None)
            if over:
                self._over_cap[document] = over
                while len(self._over_cap) > 256:
                    self._over_cap.pop(next(iter(self._over_cap)))
        return sum(1 for ref, plat in todo if self.request(ref, plat))

    def forget_document(self, document: str) -> None:
        with self._lock:
            self._over_cap.pop(document, None)

    def fetch(self, ref: "ImageRef", platform: str | None = None) -> LiveResult:
        """Blocking lookup (scripts, CLI): the cache when it settles the
        question, else the registry; returns within ``total_timeout`` + 0.25 s."""
        t0 = time.monotonic()
        plat = norm_platform(images.platform_of(ref, platform)) if ref is not None else images.DEFAULT_PLATFORM
        if ref is None or ref.unresolved:
            return LiveResult(getattr(ref, "raw", ""), plat, ERROR, error="unresolved image reference")
        try:
            reg, path, reference = self._key(ref)
            loc = locate(reg, path, self.insecure)
        except Exception as exc:
            return LiveResult(ref.resolved, plat, ERROR, error=clip(exc, MAX_ERROR_CHARS))
        e = self._entry(reg, path, cache_ref(reference))
        if e is not None and self._answers(e, plat):
            return self._result(ref, plat, e, reg, path)
        if not self.allowed:
            return LiveResult(ref.resolved, plat, OFFLINE, registry=reg, error="registry lookups are off")
        why = self.refusal(ref)
        if why:
            return LiveResult(ref.resolved, plat, NOT_ALLOWED, registry=reg, error=why)
        until = self._backoff_until(loc.host)
        if time.time() < until:
            return LiveResult(ref.resolved, plat, RATE_LIMITED, registry=reg,
                              error=f"{loc.host} is rate-limiting until {_fmt_time(until)}")
        fut = self._submit(ref, loc, reference, plat)
        try:
            fut.result(timeout=max(0.05, self.total_timeout + 0.25 - (time.monotonic() - t0)))
        except _FutureTimeout:
            return LiveResult(ref.resolved, plat, ERROR, registry=reg, error="timed out")
        except Exception as exc:  # pragma: no cover - the worker catches everything
            return LiveResult(ref.resolved, plat, ERROR, registry=reg, error=clip(exc, MAX_ERROR_CHARS))
        outcome = fut.result()
        if outcome.get("status") == RATE_LIMITED:
            return LiveResult(ref.resolved, plat, RATE_LIMITED, registry=reg, error=outcome.get("error", ""))
        e = self._refs(reg, path).get(cache_ref(reference)) or outcome
        return self._result(ref, plat, e, reg, path)

    # -- workers --------------------------------------------------------------------------

    def _submit(self, ref: "ImageRef", loc: Location, reference: str, plat: str) -> Future:
        key = (loc.registry, loc.path, reference)
        with self._lock:
            got = self._inflight.get(key)
            if got is not None:
                if len(got[1]) < MAX_PLATFORMS_CAP:
                    got[1].add(plat)
                return got[0]
            fut: Future = Future()
            self._inflight[key] = (fut, {plat})
            if len(self._threads) < self._max_workers and self._busy + self._queue.qsize() >= len(self._threads):
                t = threading.Thread(target=self._worker, name=f"dockwise-registry-{len(self._threads)}", daemon=True)
                self._threads.append(t)
                t.start()
        self._queue.put((key, ref, loc, reference))
        return fut

    def _worker(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            with self._lock:
                self._busy += 1
            try:
                self._run(*job)
            except Exception:  # never let a worker die
                log.exception("registry lookup crashed")
            finally:
                with self._lock:
                    self._busy -= 1

    def _envs(self, loc: Location, configs: dict[str, str], want: list[str], budget: _Budget,
              single: bool) -> dict[str, list[str]]:
        """The ``Env`` names of the wanted platforms' configurations (BuildKit's
        UndefinedVar check knows them; a single-platform image's whatever its
        platform), within what is left of the budget."""
        out: dict[str, list[str]] = {}
        keys = list(configs)[:1] if single else []
        for p in want:  # one configuration per wanted platform: the entry that answers for it
            k = match_platform({c: 0 for c in configs}, norm_platform(p))
            if k is not None and k not in keys:
                keys.append(k)
        for key in keys:
            digest = configs[key]
            if not digest or budget.remaining() < 0.2:
                continue
            try:
                names = env_names(self.client.blob_json(loc, digest, budget))
            except LookupFailed as exc:
                log.debug("%s/%s: no config for %s (%s)", loc.registry, loc.path, key, exc)
                continue
            if names is not None:
                out[key] = names
        return out

    def _run(self, key: tuple[str, str, str], ref: "ImageRef", loc: Location, reference: str) -> None:
        with self._lock:
            fut, plats = self._inflight[key]
            want = sorted(plats)
        cref = cache_ref(reference)
        before = self._refs(loc.registry, loc.path).get(cref)
        outcome: dict
        budget = _Budget(time.monotonic() + self.total_timeout)
        try:
            if not self.allowed:
                raise Offline("registry lookups are off")
            with self._lock:
                self.requests_started += 1
            configs: dict[str, str] = {}
            outcome = self.client.sizes(loc, reference, want, budget, self.max_platforms, configs=configs)
            if len(outcome.get("sizes", {})) < self.max_platforms:  # not for an index that filled the cap
                outcome["env"] = self._envs(loc, configs, want, budget, outcome.get("media_type") in MANIFEST_TYPES)
            else:
                outcome["env"] = {}
            outcome["fetched"] = time.time()
            self._put(loc.registry, loc.path, cref, outcome)
            log.info("%s/%s:%s: %s", loc.registry, loc.path, reference,
                     clip(", ".join(f"{p} {n / 1e6:.1f} MB" for p, n in outcome["sizes"].items()) or "no platforms",
                          MAX_ERROR_CHARS))
        except LookupFailed as exc:
            outcome = {"status": exc.status, "fetched": time.time(), "error": clip(exc, MAX_ERROR_CHARS)}
            if exc.status in _CACHED_STATUSES:
                self._put(loc.registry, loc.path, cref, outcome)
            log.info("registry lookup of %s/%s:%s: %s", loc.registry, loc.path, reference, outcome["error"])
        except Exception as exc:
            log.warning("registry lookup of %s/%s:%s failed: %s", loc.registry, loc.path, reference,
                        type(exc).__name__)
            log.debug("registry lookup of %s/%s:%s failed", loc.registry, loc.path, reference, exc_info=True)
            outcome = {"status": ERROR, "fetched": time.time(), "error": f"{type(exc).__name__}"}
            self._put(loc.registry, loc.path, cref, outcome)
        finally:
            budget.close()
            with self._lock:
                self._inflight.pop(key, None)
                self.generation += 1
        fut.set_result(outcome)
        new = outcome.get("status") == OK and outcome.get("sizes") and (
            before is None or before.get("status") != OK or before.get("sizes") != outcome["sizes"]
            or before.get("env") != outcome.get("env"))
        if new and self.on_update is not None:
            try:
                self.on_update(ref)
            except Exception:
                log.exception("on_update callback failed")

"""Offline knowledge about base images: compressed sizes, smaller variants,
end-of-life dates and images known to run as a non-root user.

Used by rules (DW001 large-base-image, DW006 implicit-root, DW010
eol-base-image) and later by the language server's hover, so it stays light:
only the standard library, JSON loaded lazily on first use and cached.

Sizes come from *sources*. The built-in :class:`TableSource` reads
``data/image-sizes.json`` (a dated snapshot of docker-library/repo-info). A
live source (registry lookups, issue 5) implements :class:`SizeSource` and is
put in front with :func:`add_source`; :func:`lookup` asks the sources in order
and the first answer wins, so a live figure replaces the table's and the table
stays the offline fallback. Nothing here touches the network.

Tags are read as ``<version>-<flavour>-<flavour>…``: the flavour tokens are the
known variant words (``slim``, ``alpine``, ``alpine3.20``, ``jre``, Debian and
Ubuntu codenames, ``nanoserver`` …); everything before the first flavour token
is the version (``3.12.4``, ``lts``, ``3-eclipse-temurin-21``; ``latest`` is the
empty version).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, NamedTuple, Protocol
from dockwise import lazyre

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.syntax.model import ImageRef

DEFAULT_PLATFORM = "linux/amd64"

_DOCKER_HUB = {None, "", "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
# Official images are also published per architecture (amd64/python) and mirrored.
_ARCH_NAMESPACES = {
    "amd64": "linux/amd64",
    "arm64v8": "linux/arm64",
    "arm32v7": "linux/arm/v7",
    "arm32v6": "linux/arm/v6",
    "i386": "linux/386",
    "ppc64le": "linux/ppc64le",
    "s390x": "linux/s390x",
    "riscv64": "linux/riscv64",
}
_MIRRORS = {("public.ecr.aws", "docker/library/"), ("mirror.gcr.io", "library/"), ("mirror.gcr.io", "")}


# -- data files ---------------------------------------------------------------


def _read_json(name: str) -> dict:
    """A data file shipped beside this module, read from the package's folder.
    ``importlib.resources``' reader (~7 ms, profiled, on the way to the first
    diagnostics) only when the package is not a folder (a zipped install)."""
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", name), encoding="utf-8") as f:
            return json.load(f)
    except OSError:  # installed as a zip: through the package's loader
        from importlib import resources

        return json.loads(resources.files(__name__.rpartition(".")[0]).joinpath("data", name).read_text("utf-8"))


@lru_cache(maxsize=None)
def size_table() -> dict:
    """The parsed ``data/image-sizes.json`` (cached)."""
    return _read_json("image-sizes.json")


@lru_cache(maxsize=None)
def eol_table() -> dict:
    """The parsed ``data/eol.json`` (cached)."""
    return _read_json("eol.json")


# -- references -----------------------------------------------------------------


def official_name(ref: "ImageRef") -> str | None:
    """``python`` for ``python:3``, ``docker.io/library/python``,
    ``amd64/python`` or a known mirror of the official images; else None."""
    reg = (ref.registry or "").lower() or None
    path = ref.path.lower()
    if reg in _DOCKER_HUB:
        if path.startswith("library/") and path.count("/") == 1:
            return path[len("library/"):]
        ns, _, rest = path.partition("/")
        if ns in _ARCH_NAMESPACES and rest and "/" not in rest:
            return rest
        return None
    for mreg, prefix in _MIRRORS:
        if reg == mreg and path.startswith(prefix) and "/" not in path[len(prefix):]:
            return path[len(prefix):]
    return None


def repository(ref: "ImageRef") -> str:
    """A stable key for the image's repository: the official name (``python``),
    else ``namespace/name`` on Docker Hub, else ``registry/path``."""
    off = official_name(ref)
    if off:
        return off
    reg = (ref.registry or "").lower()
    if reg in _DOCKER_HUB:
        return ref.path.lower()
    return f"{reg}/{ref.path.lower()}"


def reference_without_tag(ref: "ImageRef") -> str:
    """``python`` for ``python:3.12@sha256:…``: the reference as written (ARGs
    resolved), without its tag and digest."""
    text = ref.resolved.split("@", 1)[0]
    if ref.tag and text.endswith(":" + ref.tag):
        text = text[: -len(ref.tag) - 1]
    return text


def platform_of(ref: "ImageRef", platform: str | None) -> str:
    """The platform to look up: the per-architecture namespace wins
    (``arm64v8/python``), then ``platform``, then linux/amd64."""
    reg = (ref.registry or "").lower() or None
    ns = ref.path.lower().partition("/")[0]
    if reg in _DOCKER_HUB and ns in _ARCH_NAMESPACES:
        return _ARCH_NAMESPACES[ns]
    if platform and "$" not in platform:
        return platform.lower()
    return DEFAULT_PLATFORM


# -- tags -------------------------------------------------------------------------

DEBIAN_CODENAMES = frozenset(
    {"squeeze", "wheezy", "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky"}
)
UBUNTU_CODENAMES = frozenset(
    {"trusty", "xenial", "bionic", "focal", "jammy", "noble", "resolute"}
)
_FLAVOUR_WORDS = frozenset(
    {
        "slim", "alpine", "jre", "jdk", "minimal", "ea",
        "windowsservercore", "nanoserver", "servercore",
        "fpm", "apache", "cli", "zts",
        "glibc", "musl", "uclibc",
        "bookworm", "bullseye", "buster", "stretch", "jessie", "trixie",
    }
) | DEBIAN_CODENAMES | UBUNTU_CODENAMES
_FLAVOUR_RE = lazyre.compile(r"^(alpine\d+(\.\d+)*|ltsc\d{4}|\d{4}|ubi\d+)$")
# Extra tokens that make a variant *smaller* than the tag it extends.
_SMALLER = frozenset({"slim", "alpine", "jre", "minimal"})
_CODENAMES = DEBIAN_CODENAMES | UBUNTU_CODENAMES


def _is_flavour(tok: str) -> bool:
    return tok in _FLAVOUR_WORDS or bool(_FLAVOUR_RE.match(tok))


def split_tag(tag: str | None) -> tuple[str, tuple[str, ...]]:
    """``3.12.4-slim-bookworm`` → ``("3.12.4", ("slim", "bookworm"))``;
    ``latest``/None → ``("", ())``; ``alpine`` → ``("", ("alpine",))``."""
    if not tag or tag.lower() == "latest":
        return "", ()
    toks = tag.lower().split("-")
    for i, t in enumerate(toks):
        if i > 0 and _is_flavour(t) or i == 0 and _is_flavour(t) and not t[:1].isdigit():
            return "-".join(toks[:i]), tuple(toks[i:])
    return "-".join(toks), ()


def _norm_flavours(fl: Iterable[str]) -> frozenset[str]:
    # "jdk" is the default flavour of the Java images (eclipse-temurin:21 = 21-jdk)
    return frozenset(t for t in fl if t != "jdk")


# -- sizes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SizeInfo:
    """The compressed size of one image tag on one platform."""

    repository: str  # "python"
    tag: str  # the tag the figure belongs to ("3.12-slim")
    platform: str  # "linux/amd64"
    size: int  # bytes, compressed (sum of the layer blobs)
    as_of: str | None = None  # date of the figure (YYYY-MM-DD)
    source: str = ""  # where the figure comes from
    resolved_version: str | None = None
    exact: bool = True  # False: estimated from ``tag`` for a tag the source does not list

    @property
    def mb(self) -> float:
        return self.size / 1e6


class SizeSource(Protocol):
    """Where sizes come from. ``size`` answers for one tag (or None);
    ``tags`` lists the tags of a repository the source knows (for finding
    variants; a live source may return only the tags it has cached)."""

    name: str

    def size(self, repository: str, tag: str, platform: str) -> SizeInfo | None: ...

    def tags(self, repository: str) -> Iterable[str]: ...


class TableSource:
    """The shipped snapshot ``data/image-sizes.json`` (official images only)."""

    name = "table"

    def _entries(self, repository: str) -> dict:
        return size_table().get("images", {}).get(repository, {})

    def tags(self, repository: str) -> Iterable[str]:
        return list(self._entries(repository))

    def alias_of(self, repository: str, tag: str) -> str | None:
        e = self._entries(repository).get(tag)
        return e.get("alias_of") if e else None

    def size(self, repository: str, tag: str, platform: str) -> SizeInfo | None:
        e = self._entries(repository).get(tag)
        if not e:
            return None
        plats = e.get("platforms", {})
        n = plats.get(platform)
        key = platform
        if n is None:  # "windows/amd64" matches "windows/amd64 10.0.20348"
            for k, v in plats.items():
                if k.startswith(platform + " "):
                    n, key = v, k
                    break
        if n is None:
            return None
        # entries refreshed by scripts/refresh-image-sizes name their registry in "source"
        src = e.get("source") or f"docker-library/repo-info {e.get('source_file', '')} @ {e.get('commit', '')[:12]}".strip()
        return SizeInfo(repository, tag, key, int(n), e.get("as_of"), src, e.get("resolved_version"))


_TABLE = TableSource()
_SOURCES: list[SizeSource] = [_TABLE]


def add_source(source: SizeSource, *, first: bool = True) -> None:
    """Plug in a size source (e.g. a live registry client). ``first``: ask it
    before the offline table."""
    if source in _SOURCES:
        return
    if first:
        _SOURCES.insert(0, source)
    else:
        _SOURCES.append(source)


def remove_source(source: SizeSource) -> None:
    if source in _SOURCES and source is not _TABLE:
        _SOURCES.remove(source)


def sources() -> tuple[SizeSource, ...]:
    return tuple(_SOURCES)


def _exact(repo: str, tag: str, platform: str) -> SizeInfo | None:
    for s in _SOURCES:
        try:
            info = s.size(repo, tag, platform)
        except Exception:  # a broken live source must not break linting
            info = None
        if info is not None:
            return info
    return None


def _known_tags(repo: str) -> list[str]:
    seen: dict[str, None] = {}
    for s in _SOURCES:
        try:
            for t in s.tags(repo):
                seen.setdefault(t, None)
        except Exception:
            continue
    return list(seen)


def _base_version(version: str, known_versions: Iterable[str]) -> str | None:
    """The known version a patch version falls back to: ``3.12.4`` → ``3.12``."""
    best = None
    for v in known_versions:
        if v and any(c.isdigit() for c in v) and version.startswith(v + ".") and (best is None or len(v) > len(best)):
            best = v
    return best


def _resolve(repo: str, tag: str | None, platform: str) -> tuple[SizeInfo, str, str] | None:
    """(size, table version used, the user's version) for a tag: exactly, or
    estimated from the nearest listed tag (patch → minor version, Debian
    codename dropped, ``latest``)."""
    user_tag = tag or "latest"
    info = _exact(repo, user_tag, platform)
    uv, uf = split_tag(user_tag)
    if info is not None:
        return info, uv, uv
    tags = _known_tags(repo)
    parsed = {t: split_tag(t) for t in tags}
    want = _norm_flavours(uf)
    base_v = uv if any(v == uv for v, _ in parsed.values()) else _base_version(uv, {v for v, _ in parsed.values()})
    if base_v is None:
        return None
    cands = [t for t, (v, f) in parsed.items() if v == base_v and _norm_flavours(f) == want]
    if not cands and want & _CODENAMES:  # python:3.12-bookworm ≈ python:3.12
        want2 = want - _CODENAMES
        cands = [t for t, (v, f) in parsed.items() if v == base_v and _norm_flavours(f) == want2]
    for t in sorted(cands, key=len):
        got = _exact(repo, t, platform)
        if got is not None:
            return (
                SizeInfo(repo, got.tag, got.platform, got.size, got.as_of, got.source, got.resolved_version, exact=False),
                base_v,
                uv,
            )
    return None


def lookup(ref: "ImageRef", platform: str | None = DEFAULT_PLATFORM) -> SizeInfo | None:
    """The compressed size of ``ref`` on ``platform`` (None when unknown).
    ``exact`` is False when the figure is that of the nearest listed tag."""
    if ref is None or ref.unresolved:
        return None
    got = _resolve(repository(ref), ref.tag, platform_of(ref, platform))
    return got[0] if got else None


@dataclass(frozen=True, slots=True)
class Variant:
    """A smaller variant of the same version: ``tag`` is spelled with the
    user's version (``3.12.4-slim`` for ``3.12.4``); ``info`` is its size."""

    repository: str
    tag: str
    info: SizeInfo
    saving: int  # bytes less than the original

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


def smaller_variants(ref: "ImageRef", platform: str | None = DEFAULT_PLATFORM) -> list[Variant]:
    """Variants of the same version (``-slim``, ``-alpine``, ``-jre``, …)
    that are known and smaller than ``ref``, smallest first."""
    if ref is None or ref.unresolved:
        return []
    repo = repository(ref)
    plat = platform_of(ref, platform)
    got = _resolve(repo, ref.tag, plat)
    if got is None:
        return []
    base, table_v, user_v = got
    _, uf = split_tag(ref.tag)
    have = _norm_flavours(uf)
    versions = {table_v}
    alias = _TABLE.alias_of(repo, base.tag)
    while alias and alias not in versions:  # python:latest is python:3.14
        versions.add(split_tag(alias)[0])
        alias = _TABLE.alias_of(repo, alias)
    out: dict[str, Variant] = {}
    for t in _known_tags(repo):
        v, f = split_tag(t)
        if v not in versions:
            continue
        fl = _norm_flavours(f)
        extra = fl - have
        if not extra or not have <= fl or not extra <= _SMALLER | {t2 for t2 in extra if t2.startswith("alpine")}:
            continue
        info = _exact(repo, t, plat)
        if info is None or info.size >= base.size:
            continue
        suffix = t[len(v):] if v else "-" + t
        new_tag = (user_v + suffix).lstrip("-") if user_v else suffix.lstrip("-")
        if new_tag in out and out[new_tag].info.size <= info.size:
            continue
        out[new_tag] = Variant(repo, new_tag, info, base.size - info.size)
    return sorted(out.values(), key=lambda v: (v.info.size, v.tag))


# -- end of life ------------------------------------------------------------------


class EolInfo(NamedTuple):
    date: _dt.date
    source: str


@dataclass(frozen=True, slots=True)
class EolEntry:
    product: str  # key in eol.json ("python")
    label: str  # "Python"
    cycle: str  # "3.8" ("" for a whole deprecated image)
    date: _dt.date
    source: str
    basis: str
    via: str  # "image" (the image's own version) or "os" (a distribution named in the tag)
    note: str = ""

    @property
    def what(self) -> str:
        return f"{self.label} {self.cycle}".strip()


def _products() -> dict:
    return eol_table().get("products", {})


@lru_cache(maxsize=None)
def _image_products() -> dict[str, str]:
    out: dict[str, str] = {}
    for key, p in _products().items():
        for img in p.get("images", ()):
            out[img] = key
    return out


@lru_cache(maxsize=None)
def _os_matchers() -> tuple:
    out = []
    for key, p in _products().items():
        rx = p.get("os_tag")
        out.append((key, re.compile(rx) if rx else None, p.get("codenames", {})))
    return tuple(out)


def _entry(key: str, cycle_key: str | None, via: str, tag: str) -> EolEntry | None:
    p = _products()[key]
    if cycle_key is None:
        anyt = p.get("any_tag")
        unless = p.get("unless_tag")
        if not anyt or (unless and re.search(unless, tag or "")):
            return None
        val, cycle_key = anyt, ""
    else:
        val = p.get("cycles", {}).get(cycle_key)
        if val is None:
            return None
    if isinstance(val, str):
        val = {"eol": val}
    return EolEntry(
        product=key,
        label=p.get("label", key),
        cycle=cycle_key,
        date=_dt.date.fromisoformat(val["eol"]),
        source=val.get("source") or p.get("source", ""),
        basis=p.get("basis", ""),
        via=via,
        note=val.get("note", ""),
    )


def _match_cycle(key: str, version: str) -> str | None:
    p = _products()[key]
    version = p.get("aliases", {}).get(version, p.get("codenames", {}).get(version, version))
    prefix = p.get("tag_prefix")
    if prefix and version.startswith(prefix) and version[len(prefix):][:1].isdigit():
        version = version[len(prefix):]  # centos:centos7.9.2009
    best = None
    for c in p.get("cycles", {}):
        if (version == c or version.startswith(c + ".")) and (best is None or len(c) > len(best)):
            best = c
    return best


def eol_entries(ref: "ImageRef") -> list[EolEntry]:
    """Every end-of-life fact that applies to ``ref``: the image's own
    version (official images: ``python:3.8-slim`` → Python 3.8) and the
    distribution its tag names (``-buster``, ``-alpine3.16``, ``-ubuntu20.04``,
    ``-centos7``; any image). Dates may lie in the future."""
    if ref is None or ref.unresolved:
        return []
    tag = (ref.tag or "latest").lower()
    toks = tag.split("-")
    out: list[EolEntry] = []
    off = official_name(ref)
    key = _image_products().get(off or "")
    if key is not None:
        first = toks[0]
        if first == "stream" and len(toks) > 1:  # quay.io-style "stream9"
            first = "stream" + toks[1]
        cyc = _match_cycle(key, first)
        e = _entry(key, cyc, "image", tag) if cyc else _entry(key, None, "image", tag)
        if e:
            out.append(e)
    seen = {(e.product, e.cycle) for e in out}
    for i, tok in enumerate(toks):
        if i == 0 and key is not None:
            continue
        for pkey, rx, codenames in _os_matchers():
            cyc = None
            if rx is not None:
                m = rx.match(tok)
                if m:
                    cyc = _match_cycle(pkey, m.group(1))
            if cyc is None and tok in codenames:
                cyc = codenames[tok]
            if cyc and (pkey, cyc) not in seen:
                e = _entry(pkey, cyc, "os", tag)
                if e:
                    seen.add((pkey, cyc))
                    out.append(e)
    return out


def eol_entry(ref: "ImageRef") -> EolEntry | None:
    """The earliest end-of-life fact for ``ref`` (None when nothing is known)."""
    es = eol_entries(ref)
    return min(es, key=lambda e: e.date) if es else None


def eol(ref: "ImageRef") -> EolInfo | None:
    """``(date, source)`` of the earliest end of life that applies to ``ref``."""
    e = eol_entry(ref)
    return EolInfo(e.date, e.source) if e else None


# -- non-root images --------------------------------------------------------------

# Images whose default user is not root, so a Dockerfile that never sets USER
# still runs unprivileged (DW006). Each entry: (registry or None for Docker
# Hub, repository path pattern (fnmatch), tag pattern (fnmatch), why).
NONROOT_IMAGES: tuple[tuple[str | None, str, str, str], ...] = (
    # Google distroless: the :nonroot tags set USER 65532 (nonroot).
    ("gcr.io", "distroless/*", "nonroot", "distroless nonroot tag: USER 65532"),
    ("gcr.io", "distroless/*", "*-nonroot", "distroless nonroot tag: USER 65532"),
    ("gcr.io", "distroless/*", "nonroot-*", "distroless nonroot tag: USER 65532"),
    # Chainguard images default to the nonroot user (65532); wolfi-base and
    # busybox are the documented exceptions (root), see _NONROOT_EXCEPTIONS.
    ("cgr.dev", "chainguard/*", "*", "Chainguard images run as nonroot (65532) by default"),
    # Bitnami's containers are "non-root containers" (USER 1001); minideb is a plain base.
    (None, "bitnami/*", "*", "Bitnami non-root containers: USER 1001"),
    # NGINX's unprivileged build listens on 8080 as user nginx (101).
    (None, "nginxinc/nginx-unprivileged", "*", "USER 101 (nginx)"),
    # .NET chiseled (Ubuntu) images set the app user (1654).
    ("mcr.microsoft.com", "dotnet/*", "*chiseled*", "chiseled .NET images run as app (1654)"),
    # Windows Nano Server runs as ContainerUser by default (servercore: ContainerAdministrator).
    ("mcr.microsoft.com", "windows/nanoserver*", "*", "Nano Server (1709 and later) default user is ContainerUser"),
    ("mcr.microsoft.com", "*", "*nanoserver*", "Nano Server based: ContainerUser"),
    # Red Hat UBI / s2i language images: USER 1001 (openjdk: 185).
    ("registry.access.redhat.com", "ubi*/python-*", "*", "s2i image: USER 1001"),
    ("registry.access.redhat.com", "ubi*/nodejs-*", "*", "s2i image: USER 1001"),
    ("registry.access.redhat.com", "ubi*/ruby-*", "*", "s2i image: USER 1001"),
    ("registry.access.redhat.com", "ubi*/php-*", "*", "s2i image: USER 1001"),
    ("registry.access.redhat.com", "ubi*/openjdk-*", "*", "USER 185 (jboss)"),
    ("registry.redhat.io", "ubi*/python-*", "*", "s2i image: USER 1001"),
    ("registry.redhat.io", "ubi*/nodejs-*", "*", "s2i image: USER 1001"),
    # Application images whose Dockerfile ends with a non-root USER.
    (None, "jenkins/jenkins", "*", "USER jenkins"),
    (None, "jenkins/inbound-agent", "*", "USER jenkins"),
    (None, "jenkins/agent", "*", "USER jenkins"),
    (None, "library/sonarqube", "*", "USER sonarqube"),
    (None, "library/elasticsearch", "*", "USER 1000:0 (elasticsearch)"),
    (None, "library/kibana", "*", "USER 1000 (kibana)"),
    (None, "library/logstash", "*", "USER 1000 (logstash)"),
    (None, "library/solr", "*", "USER 8983 (solr)"),
    (None, "library/memcached", "*", "USER memcache"),
    ("docker.elastic.co", "*", "*", "Elastic images run as uid 1000"),
    (None, "grafana/grafana*", "*", "USER 472 (grafana)"),
    (None, "prom/*", "*", "USER nobody"),
    ("quay.io", "prometheus/*", "*", "USER nobody"),
    ("quay.io", "keycloak/keycloak", "*", "USER 1000"),
    (None, "jupyter/*", "*", "docker-stacks: USER jovyan (NB_UID)"),
    ("quay.io", "jupyter/*", "*", "docker-stacks: USER jovyan (NB_UID)"),
    (None, "apache/airflow", "*", "USER airflow (50000)"),
    (None, "confluentinc/cp-*", "*", "USER appuser"),
    (None, "sonatype/nexus3", "*", "USER nexus"),
    # Official database/broker images start as root only to fix permissions
    # and then drop to their service user with gosu/su-exec in the entrypoint.
    (None, "library/postgres", "*", "entrypoint drops to postgres (gosu/su-exec)"),
    (None, "library/mysql", "*", "entrypoint drops to mysql (gosu)"),
    (None, "library/mariadb", "*", "entrypoint drops to mysql (gosu)"),
    (None, "library/redis", "*", "entrypoint drops to redis (gosu/su-exec)"),
    (None, "library/mongo", "*", "entrypoint drops to mongodb (gosu)"),
    (None, "library/rabbitmq", "*", "entrypoint drops to rabbitmq (gosu/su-exec)"),
    (None, "library/zookeeper", "*", "entrypoint drops to zookeeper (gosu/su-exec)"),
    (None, "library/cassandra", "*", "entrypoint drops to cassandra (gosu)"),
    (None, "library/couchdb", "*", "entrypoint drops to couchdb (gosu)"),
)
_NONROOT_EXCEPTIONS: tuple[tuple[str | None, str], ...] = (
    ("cgr.dev", "chainguard/wolfi-base"),
    ("cgr.dev", "chainguard/busybox"),
    (None, "bitnami/minideb"),
)


def nonroot_reason(ref: "ImageRef") -> str | None:
    """Why ``ref`` is known to run as a non-root user by default, or None."""
    from fnmatch import fnmatchcase

    if ref is None or ref.unresolved:
        return None
    reg = (ref.registry or "").lower() or None
    hub = reg in _DOCKER_HUB
    path = ref.path.lower()
    off = official_name(ref)
    if off:
        path, hub, reg = "library/" + off, True, None
    tag = (ref.tag or "latest").lower()
    for ereg, epath in _NONROOT_EXCEPTIONS:
        if (ereg is None and hub or ereg == reg) and path == epath:
            return None
    for ereg, epath, etag, why in NONROOT_IMAGES:
        if ereg is None and not hub or ereg is not None and ereg != reg:
            continue
        if fnmatchcase(path, epath) and fnmatchcase(tag, etag):
            return why
    return None


# -- image configuration: Env names, platforms (BuildKit's checks) -----------------

_MACHINES = {
    "x86_64": "linux/amd64", "amd64": "linux/amd64", "x64": "linux/amd64",
    "aarch64": "linux/arm64", "arm64": "linux/arm64", "armv8l": "linux/arm64",
    "armv7l": "linux/arm/v7", "armv7": "linux/arm/v7", "armv6l": "linux/arm/v6",
    "i386": "linux/386", "i686": "linux/386", "x86": "linux/386",
    "ppc64le": "linux/ppc64le", "s390x": "linux/s390x", "riscv64": "linux/riscv64",
}


def host_platform() -> str:
    """This machine's container platform, as ``docker build`` uses it for
    ``BUILDPLATFORM`` (``platform.machine()`` mapped; linux/amd64 when unknown).
    ``os.uname()`` where there is one: what ``platform.machine()`` reads there,
    without importing :mod:`platform` (~7 ms before the first diagnostics)."""
    return _MACHINES.get(_machine().lower(), DEFAULT_PLATFORM)


def _machine() -> str:
    uname = getattr(os, "uname", None)
    if uname is not None:
        return uname().machine
    import platform as _platform_mod  # Windows

    return _platform_mod.machine()


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """What is known about an image's configuration.

    ``env``: the names its config ``Env`` defines (None: unknown).
    ``platforms``: every platform the reference resolves to — the entries of
    its index, or the one platform of a single-platform manifest (None:
    unknown; the offline size table lists only some platforms, so it never
    answers this). ``index``: the reference is a multi-platform index.
    ``source``: where the answer came from."""

    env: frozenset[str] | None = None
    platforms: tuple[str, ...] | None = None
    index: bool = True
    source: str = ""


@lru_cache(maxsize=None)
def env_table() -> dict:
    """The parsed ``data/image-env.json`` (cached): ENV names of official images."""
    try:
        return _read_json("image-env.json")
    except (OSError, ValueError):  # pragma: no cover - packaging error
        return {"images": {}}


class ConfigSource(Protocol):
    """A source of image configurations (the live registry client). Sources
    that answer ``config`` may also be size sources; :func:`add_source`
    registers both roles."""

    name: str

    def config(self, ref: "ImageRef", platform: str) -> ImageConfig | None: ...


def _table_config(ref: "ImageRef") -> ImageConfig | None:
    name = official_name(ref)
    if name is None:
        return None
    e = env_table().get("images", {}).get(name)
    if not e:
        return None
    return ImageConfig(env=frozenset(e.get("env", ())), source=f"image-env table ({e.get('source', '')})")


def image_config(ref: "ImageRef", platform: str | None = None) -> ImageConfig | None:
    """What a live source (first) or the shipped Env table knows about ``ref``'s
    configuration on ``platform``; None when nothing is known. Never does I/O
    itself: live sources answer from their cache."""
    plat = platform_of(ref, platform)
    env: frozenset[str] | None = None
    platforms: tuple[str, ...] | None = None
    index = True
    source = ""
    for s in _SOURCES:
        fn = getattr(s, "config", None)
        if fn is None:
            continue
        try:
            got = fn(ref, plat)
        except Exception:  # a broken source must not break linting
            got = None
        if got is None:
            continue
        if env is None and got.env is not None:
            env, source = got.env, got.source
        if platforms is None and got.platforms is not None:
            platforms, index = got.platforms, got.index
            source = source or got.source
    if env is None:
        t = _table_config(ref)
        if t is not None:
            env, source = t.env, t.source
    if platforms is None:
        # Docker Hub's per-architecture repositories (i386/debian, arm64v8/python)
        # are indexes of that one platform
        reg = (ref.registry or "").lower() or None
        ns = ref.path.lower().partition("/")[0]
        if reg in _DOCKER_HUB and ns in _ARCH_NAMESPACES and ref.path.count("/") == 1:
            platforms, index = (_ARCH_NAMESPACES[ns],), True
            source = source or f"Docker Hub per-architecture repository {ns}/"
    if env is None and platforms is None:
        return None
    return ImageConfig(env, platforms, index, source)

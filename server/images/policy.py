"""Which registries an editor may contact for a Dockerfile it opened (issue 17).

A Dockerfile names its registries, so in a cloned repository an attacker
chooses them. The policy (README, "Security"):

* **Looked up without asking**: Docker Hub; the well-known public registries
  in :data:`WELL_KNOWN` (on their standard port); registries named in the
  user's Docker configuration (``auths``, ``credHelpers``), in the setting
  ``images.registries`` or in ``DOCKWISE_INSECURE_REGISTRIES``. Entries are
  ``host``, ``host:port``, ``host:*`` (any port) or ``*.domain[:port]``.
* **Anything else** is not contacted at all; hover says "lookup not allowed:
  add it to images.registries".
* **Addresses.** A registry the user listed may be anywhere (loopback, a
  private network). Everything else — well-known registries, blob
  redirects, token servers — must resolve to globally routable addresses:
  never loopback, link-local (169.254.0.0/16, fe80::/10, cloud metadata
  services), private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) or
  reserved ones, and never the metadata host names in :data:`METADATA_NAMES`.
  The connection goes to the address that was checked.
* **Token realms** (``WWW-Authenticate: Bearer realm=…``) only over https (or
  plain http on loopback, for a loopback registry), on the registry's own
  host (any port), Docker Hub's ``auth.docker.io``, the known token host of a
  well-known registry (:data:`REALM_HOSTS`), or a host the user's
  configuration names; otherwise no token is asked for.
* **Redirects** (blob downloads only) only to https (or from a loopback
  registry to the same loopback host), at most ``MAX_REDIRECTS``, never from
  https to http; credentials are dropped when the host changes.
* **Per document**: at most ``MAX_HOSTS_PER_DOCUMENT`` registries and
  ``MAX_IMAGES_PER_DOCUMENT`` images are looked up.
* Credential helpers only run for a registry that passed all of the above
  and that the user's Docker configuration names (``credHelpers``, or an
  ``auths`` entry for ``credsStore``).
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol
from urllib.parse import urlsplit

from dockwise.images.http import ip_of, is_loopback_host

DOCKER_HUB_HOST = "registry-1.docker.io"
WELL_KNOWN = frozenset({
    "docker.io", DOCKER_HUB_HOST, "index.docker.io", "registry.hub.docker.com",
    "ghcr.io", "quay.io", "gcr.io", "mirror.gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io",
    "registry.k8s.io", "mcr.microsoft.com", "public.ecr.aws", "registry.gitlab.com", "cgr.dev", "nvcr.io",
    "docker.elastic.co", "registry.access.redhat.com", "registry.redhat.io", "registry.fedoraproject.org",
    "container-registry.oracle.com",
})
WELL_KNOWN_SUFFIXES = ("-docker.pkg.dev",)  # Google Artifact Registry: us-docker.pkg.dev, …
REALM_HOSTS = {
    DOCKER_HUB_HOST: frozenset({"auth.docker.io"}),
    "registry.gitlab.com": frozenset({"gitlab.com"}),
    "nvcr.io": frozenset({"authn.nvidia.com"}),
    "registry.redhat.io": frozenset({"sso.redhat.com"}),
}
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
})
_EXTRA_PRIVATE = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("198.18.0.0/15"))
MAX_REDIRECTS = 3


def offline_env() -> bool:
    """True when ``DOCKWISE_OFFLINE`` asks for no network at all (here, in a light
    module: the editor asks before it imports the registry client)."""
    return os.environ.get("DOCKWISE_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")

MAX_HOSTS_PER_DOCUMENT = 8
MAX_IMAGES_PER_DOCUMENT = 32
MAX_ENTRIES = 256  # of images.registries

NOT_ALLOWED_HINT = "lookup not allowed: add it to images.registries"


def split_host(host: str) -> tuple[str, int | None]:
    """``Host[:port]`` → (lower-case hostname without brackets, port or None)."""
    h = host.strip().lower().rstrip("/")
    if h.startswith("["):
        name, _, rest = h[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif h.count(":") == 1:
        name, _, port = h.partition(":")
    else:
        name, port = h, ""
    if port == "*":
        return name.rstrip("."), -1
    return name.rstrip("."), int(port) if port.isdigit() and len(port) <= 5 else None


def is_global_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable: not loopback, link-local, private, shared, reserved, multicast."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return False
    if ip.is_private or not ip.is_global:
        return False
    return not any(ip in net for net in _EXTRA_PRIVATE if ip.version == net.version)


def any_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return True


@dataclass(frozen=True)
class Entry:
    """One ``images.registries`` entry."""

    name: str  # hostname, or ".domain" for "*.domain"
    port: int | None  # None: the default port only; -1: any port

    @classmethod
    def parse(cls, text: str) -> "Entry | None":
        t = text.strip()
        if "://" in t:
            t = urlsplit(t).netloc or ""
        t = t.split("/", 1)[0]
        if not t or len(t) > 260:
            return None
        name, port = split_host(t)
        if name.startswith("*."):
            name = name[1:]
        if not name or any(c.isspace() for c in name):
            return None
        if ":" in t and port is None and not t.startswith("["):
            return None
        if name in ("docker.io", "index.docker.io", "registry.hub.docker.com"):
            name = DOCKER_HUB_HOST
        return cls(name, port)

    def matches(self, name: str, port: int | None) -> bool:
        if self.name.startswith("."):
            if not (name.endswith(self.name) and len(name) > len(self.name)):
                return False
        elif name != self.name:
            return False
        return self.port == -1 or _std(self.port) == _std(port)


def _std(port: int | None) -> int | None:
    return None if port == 443 else port


class ConfigLike(Protocol):
    def lists(self, host: str) -> bool: ...  # an entry for exactly this registry (host[:port])

    def names(self, host: str) -> bool: ...  # an entry on this host name (any port)


@dataclass
class NetworkPolicy:
    """See the module docstring. ``docker_config``: the user's Docker
    configuration (:class:`dockwise.images.registry.DockerConfig`)."""

    registries: Iterable[str] = ()
    insecure: Iterable[str] = ()
    docker_config: ConfigLike | None = None
    max_hosts_per_document: int = MAX_HOSTS_PER_DOCUMENT
    max_images_per_document: int = MAX_IMAGES_PER_DOCUMENT
    _entries: tuple[Entry, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        env = [h for h in os.environ.get("DOCKWISE_INSECURE_REGISTRIES", "").split(",") if h.strip()]
        out = []
        for text in [*list(self.registries)[:MAX_ENTRIES], *self.insecure, *env]:
            e = Entry.parse(text) if isinstance(text, str) else None
            if e is not None:
                out.append(e)
        self._entries = tuple(out)

    # -- registries ------------------------------------------------------------------------------

    def listed(self, host: str) -> bool:
        """Named by the user: ``images.registries``, insecure registries, the Docker configuration."""
        name, port = split_host(host)
        if any(e.matches(name, port) for e in self._entries):
            return True
        if self.docker_config is not None:
            try:
                return bool(self.docker_config.lists(host))
            except Exception:
                return False
        return False

    @staticmethod
    def well_known(host: str) -> bool:
        name, port = split_host(host)
        if port not in (None, 443):
            return False
        return name in WELL_KNOWN or any(name.endswith(s) and len(name) > len(s) for s in WELL_KNOWN_SUFFIXES)

    def registry_refusal(self, host: str) -> str | None:
        """None when the registry at ``host`` may be looked up, else why not."""
        if self.listed(host):
            return None
        name, _port = split_host(host)
        if name in METADATA_NAMES:
            return f"{host} is a cloud metadata service; {NOT_ALLOWED_HINT}"
        if self.well_known(host):
            return None
        return NOT_ALLOWED_HINT

    def address_check(self, registry_host: str, target_host: str) -> Callable:
        """Which addresses a connection to ``target_host`` (the registry, its
        token server or a redirect target) may use."""
        if self.listed(registry_host) and split_host(target_host)[0] == split_host(registry_host)[0]:
            return any_address
        if self.listed(target_host):
            return any_address
        return is_global_address

    # -- token realms and redirects --------------------------------------------------------------

    def realm_refusal(self, registry_host: str, realm: str) -> str | None:
        """None when a token may be asked for at ``realm``, else why not."""
        try:
            parts = urlsplit(realm)
            rname = (parts.hostname or "").lower().rstrip(".")
            _ = parts.port
        except ValueError:
            return "the token server's address is not a URL"
        reg_name, _p = split_host(registry_host)
        reg_name = DOCKER_HUB_HOST if reg_name == "docker.io" else reg_name
        if parts.scheme not in ("https", "http") or not rname:
            return "the token server's address is not an http(s) URL"
        if parts.username is not None or parts.password is not None:
            return "the token server's address carries credentials"
        if parts.scheme == "http" and not (is_loopback_host(rname) and is_loopback_host(reg_name)):
            return "the token server is not on https"
        if rname in METADATA_NAMES and not self.listed(rname):
            return "the token server is a cloud metadata service"
        if rname == reg_name or rname in REALM_HOSTS.get(reg_name, ()):
            return None
        if self.listed(rname) or self._config_names_host(rname):
            return None
        return f"the token server {rname} is not on the registry's host (add it to images.registries to allow it)"

    def _config_names_host(self, name: str) -> bool:
        try:
            return bool(self.docker_config is not None and self.docker_config.names(name))
        except Exception:
            return False

    def redirect_refusal(self, registry_host: str, from_url: str, to_url: str) -> str | None:
        try:
            a, b = urlsplit(from_url), urlsplit(to_url)
            bname = (b.hostname or "").lower()
            _ = b.port
        except ValueError:
            return "a redirect to something that is not a URL"
        if b.scheme not in ("http", "https") or not bname:
            return "a redirect to something that is not an http(s) URL"
        if b.username is not None or b.password is not None:
            return "a redirect to a URL with credentials"
        if a.scheme == "https" and b.scheme != "https":
            return "a redirect from https to plain http"
        if b.scheme == "http":
            reg_name = split_host(registry_host)[0]
            if not (is_loopback_host(bname) and bname == reg_name and self.listed(registry_host)):
                return "a redirect to plain http"
        if bname in METADATA_NAMES and not self.listed(bname):
            return "a redirect to a cloud metadata service"
        return None


def is_ip_literal(host: str) -> bool:
    return ip_of(split_host(host)[0]) is not None

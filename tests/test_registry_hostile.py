"""Opening a stranger's Dockerfile must not let its registries hurt the user (issue 17).

Each numbered item of the issue has tests here against real servers on the
loopback interface (attackers are small raw servers from ``hostile_util``).
A name that stands for a remote host is mapped to a loopback server by a
test connector, so nothing is ever sent off this machine. The tests assert
bounded behaviour — the connection was closed by the client, the body read
stopped, nothing was contacted — never wall-clock times; the timing figures
are in ``bench/hostile_registry.py``.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import stat
import threading
import tracemalloc
from pathlib import Path

import pytest

from dockwise.images import catalog as images
from dockwise.images import registry
from dockwise.images.policy import NOT_ALLOWED_HINT, NetworkPolicy
from dockwise.syntax.model import Pos, Span
from dockwise.syntax.parser import parse_image_ref
from hostile_util import (
    OCI_INDEX, Attacker, MapConnector, RecordingConnector, gzip_bomb, json_ok, manifest, response, sha,
)
from registry_util import fake_credential_helper, write_docker_config

LOOPBACK = ["127.0.0.1:*", "127.0.0.2:*"]


def ref(text: str):
    return parse_image_ref(text, text, Span(Pos(0, 0), Pos(0, len(text))))


@pytest.fixture(autouse=True)
def _online(monkeypatch):
    monkeypatch.delenv("DOCKWISE_OFFLINE", raising=False)
    monkeypatch.delenv("DOCKWISE_INSECURE_REGISTRIES", raising=False)
    for v in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY",
              "no_proxy"):
        monkeypatch.delenv(v, raising=False)


@pytest.fixture
def make_live(tmp_path):
    made = []

    def make(**kw):
        kw.setdefault("docker_config", tmp_path / "no-docker-config")
        kw.setdefault("registries", LOOPBACK)
        kw.setdefault("total_timeout", 1.0)
        live = registry.LiveImages(kw.pop("cache_dir", tmp_path / "cache"), **kw)
        made.append(live)
        return live

    yield make
    for live in made:
        images.remove_source(live.as_size_source())
        live.close()


@pytest.fixture
def attackers():
    made: list[Attacker] = []

    def make(routes, host="127.0.0.1"):
        a = Attacker(routes, host).start()
        made.append(a)
        return a

    yield make
    for a in made:
        a.stop()


def no_tracebacks(caplog) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage()[:200] for r in bad]


# -- 1. memory bomb through a redirect ------------------------------------------------------------

BOMB = 64 << 20  # what the attacker is willing to send


def _single_with_config(blob_handler):
    cfg = b'{"architecture": "amd64", "os": "linux"}'
    man = manifest([1000, 2000], sha(cfg))
    return {"/v2/x/manifests/1": json_ok(man), f"/v2/x/blobs/{sha(cfg)}": blob_handler}


def test_1_redirect_with_an_endless_body_is_not_read(make_live, attackers):
    def endless_redirect(conn, req):
        conn.send(response(307, {"Location": "/elsewhere"}, length=BOMB))
        conn.stream(BOMB)

    att = attackers(_single_with_config(endless_redirect))
    got = make_live().fetch(ref(f"{att.host}/x:1"))
    att.wait_idle()
    assert att.client_closed, "the client read the whole redirect body"
    assert att.sent < BOMB // 2
    assert got.status == "ok" and got.size == 3000  # the manifest's figure; the config's platform is unknown
    assert not any(r.path == "/elsewhere" for r in att.requests) or got.size == 3000


def test_1_gzip_bomb_behind_a_redirect_is_never_inflated(make_live, attackers):
    bomb = gzip_bomb(256 << 20)  # 256 MB inflated, about 256 KB on the wire

    att = attackers(_single_with_config(lambda c, r: c.send(response(
        307, {"Location": "/elsewhere", "Content-Encoding": "gzip"}, bomb))))
    live = make_live()
    tracemalloc.start()
    try:
        got = live.fetch(ref(f"{att.host}/x:1"))
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got.status == "ok"
    assert peak < 32 << 20, f"peak Python allocation {peak / 1e6:.0f} MB"


def test_1_gzip_bomb_as_a_manifest_stops_at_the_size_limit(make_live, attackers):
    bomb = gzip_bomb(256 << 20)
    att = attackers({"/v2/x/manifests/1": response(200, {"Content-Type": registry.OCI_MANIFEST,
                                                         "Content-Encoding": "gzip"}, bomb)})
    live = make_live()
    tracemalloc.start()
    try:
        got = live.fetch(ref(f"{att.host}/x:1"))
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got.status == "error" and "larger than" in got.error
    assert peak < 32 << 20, f"peak Python allocation {peak / 1e6:.0f} MB"


def test_1_identity_encoding_is_asked_for(make_live, attackers):
    att = attackers({"/v2/x/manifests/1": json_ok(manifest([5]))})
    make_live().fetch(ref(f"{att.host}/x:1"))
    assert att.requests and all(r.headers.get("accept-encoding") == "identity" for r in att.requests)


def test_1_too_many_redirects_and_redirects_to_forbidden_places(make_live, attackers):
    secret = attackers({"/": json_ok(b"{}")}, host="127.0.0.2")

    def loop(conn, req):
        conn.send(response(302, {"Location": req.path + "x"}))

    att = attackers(_single_with_config(loop))
    got = make_live().fetch(ref(f"{att.host}/x:1"))
    blob_hits = [r for r in att.requests if "/blobs/" in r.path]
    assert got.status == "ok" and len(blob_hits) <= registry.MAX_REDIRECTS + 1
    # a redirect to plain http on another (loopback) host is refused, credentials or not
    att2 = attackers(_single_with_config(lambda c, r: c.send(response(
        307, {"Location": f"http://{secret.host}/"}))))
    make_live().fetch(ref(f"{att2.host}/x:1"))
    assert secret.requests == []


# -- 2. the budget is a wall-clock budget ------------------------------------------------------------


def test_2_trickled_headers_end_when_the_budget_does(make_live, attackers):
    def trickle(conn, req):
        conn.send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        if conn.trickle(b"a" * 400, 0.05):  # 20 s, one byte at a time
            conn.send(b"\r\nContent-Length: 0\r\n\r\n")

    att = attackers({"/v2/x/manifests/1": trickle})
    got = make_live(total_timeout=1.0).fetch(ref(f"{att.host}/x:1"))
    assert got.status == "error" and got.size is None
    att.wait_idle()
    assert att.client_closed, "the client kept reading past its budget"
    assert att.sent < 10 + 25 + 200  # stopped well before the 400 trickled bytes


def test_2_trickled_body_and_an_endless_100_continue(make_live, attackers):
    def slow_body(conn, req):
        conn.send(response(200, {"Content-Type": registry.OCI_MANIFEST}, length=1000))
        conn.trickle(b" " * 1000, 0.05)

    def continues(conn, req):
        for _ in range(2000):
            if not conn.send(b"HTTP/1.1 100 Continue\r\nX: y\r\n\r\n") or conn.attacker.stopping.wait(0.01):
                return

    att = attackers({"/v2/x/manifests/1": slow_body, "/v2/y/manifests/1": continues})
    live = make_live(total_timeout=1.0)
    for name in ("x", "y"):
        got = live.fetch(ref(f"{att.host}/{name}:1"))
        assert got.status == "error" and got.size is None
    att.wait_idle()
    assert att.client_closed


def test_2_a_silent_server_does_not_hold_the_worker(make_live, attackers):
    """Four FROMs on a server that never answers, then a healthy one: the
    healthy lookup still gets a worker and an answer."""
    def silent(conn, req):
        conn.attacker.stopping.wait(30)

    bad = attackers({f"/v2/s{i}/manifests/1": silent for i in range(4)})
    good = attackers({"/v2/ok/manifests/1": json_ok(manifest([7, 8]))})
    live = make_live(total_timeout=1.0, workers=4)
    for i in range(4):
        assert live.request(ref(f"{bad.host}/s{i}:1"))
    got = live.fetch(ref(f"{good.host}/ok:1"))
    assert got.status == "ok" and got.size == 15


# -- 3. token realms -------------------------------------------------------------------------------


def _challenge(realm: str) -> bytes:
    return response(401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="evil",scope="repository:x:pull"'})


@pytest.mark.parametrize("realm", [
    "http://127.0.0.1:{secret}/token",  # a local service on another host than the registry
    "https://169.254.169.254/latest/meta-data/iam",  # link-local: cloud metadata
    "https://metadata.google.internal/computeMetadata/v1/token",
    "http://evil.test:{secret}/token",  # the registry's host, but plain http off loopback
    "https://elsewhere.test/token",  # another host the user never named
    "ftp://evil.test/token",
])
def test_3_token_realm_cannot_forge_requests(make_live, attackers, realm):
    secret = attackers({"/token": json_ok(json.dumps({"token": "LOCAL-SECRET"}).encode(), "application/json")})
    evil = attackers({"/v2/x/manifests/1": _challenge(realm.format(secret=secret.port))})
    # evil.test:5000 is a plain-http registry the user listed; it plays the attacker
    conn = MapConnector(names={"evil.test": "198.51.100.7", "elsewhere.test": "203.0.113.9"},
                        ports={("198.51.100.7", 5000): evil.port, ("198.51.100.7", secret.port): secret.port,
                               ("203.0.113.9", 443): secret.port})
    live = make_live(registries=["evil.test:5000"], insecure=["evil.test:5000"], connector=conn)
    got = live.fetch(ref("evil.test:5000/x:1"))
    assert got.status == "unauthorized" and got.size is None
    assert "no token asked for" in got.error
    assert secret.requests == [] and secret.accepted == 0
    assert all("LOCAL-SECRET" not in str(r.headers) for r in evil.requests)
    assert {c for c in conn.connected} <= {("198.51.100.7", 5000)}


def test_3_loopback_realm_of_another_loopback_host_is_refused(make_live, attackers):
    secret = attackers({"/token": json_ok(json.dumps({"token": "LOCAL-SECRET"}).encode(), "application/json")},
                       host="127.0.0.2")
    evil = attackers({"/v2/x/manifests/1": _challenge(f"http://{secret.host}/token")})
    got = make_live(registries=[evil.host]).fetch(ref(f"{evil.host}/x:1"))
    assert got.status == "unauthorized"
    assert secret.requests == [] and all("LOCAL-SECRET" not in str(r.headers) for r in evil.requests)


def test_3_realm_on_the_registry_host_still_works(make_live, attackers):
    """The positive case: a token server on the registry's own host (another port)."""
    issued = []

    def token(conn, req):
        issued.append(req)
        conn.send(json_ok(json.dumps({"token": "good-token", "expires_in": 300}).encode(), "application/json"))

    tok = attackers({"/token": token})

    def man(conn, req):
        if req.headers.get("authorization") == "Bearer good-token":
            conn.send(json_ok(manifest([11, 22])))
        else:
            conn.send(_challenge(f"http://127.0.0.1:{tok.port}/token"))

    reg = attackers({"/v2/x/manifests/1": man})
    got = make_live(registries=[reg.host]).fetch(ref(f"{reg.host}/x:1"))
    assert got.status == "ok" and got.size == 33 and len(issued) == 1


def test_3_realm_rules():
    p = NetworkPolicy(registries=["reg.example:5000", "auth.example"])
    assert p.realm_refusal("ghcr.io", "https://ghcr.io/token") is None
    assert p.realm_refusal("docker.io", "https://auth.docker.io/token") is None
    assert p.realm_refusal("registry.gitlab.com", "https://gitlab.com/jwt/auth") is None
    assert p.realm_refusal("reg.example:5000", "https://auth.example/t") is None  # a host the user listed
    assert p.realm_refusal("ghcr.io", "https://evil.example/token")
    assert p.realm_refusal("ghcr.io", "http://ghcr.io/token")
    assert p.realm_refusal("ghcr.io", "https://user:pw@ghcr.io/token")
    assert p.realm_refusal("127.0.0.1:5000", "http://127.0.0.1:5001/token") is None
    assert p.realm_refusal("127.0.0.1:5000", "http://127.0.0.2:5001/token")
    assert p.realm_refusal("reg.example:5000", "http://127.0.0.1:7000/token")


# -- 4. which hosts, ports and how many ------------------------------------------------------------


def test_4_unlisted_private_link_local_and_local_ports_are_never_contacted(make_live, attackers):
    local = attackers({})  # e.g. a database or SSH on a local port
    conn = RecordingConnector()
    live = make_live(registries=[], connector=conn)
    for text in ("10.0.0.1:5000/x:1", "192.168.1.10/x:1", "169.254.169.254/x:1", "metadata.google.internal/x:1",
                 f"localhost:{local.port}/x:1", f"127.0.0.1:{local.port}/x:1", "[::1]:2222/x:1",
                 "unknown.example/x:1", "intranet:5000/x:1"):
        got = live.fetch(ref(text))
        assert got.status == "not_allowed" and NOT_ALLOWED_HINT in got.error, (text, got)
        assert live.request(ref(text)) is False
        c = live.cached(ref(text))
        assert c is not None and c.status == "not_allowed" and NOT_ALLOWED_HINT in c.error
    assert conn.resolved == [] and conn.connected == []
    assert local.accepted == 0 and live.requests_started == 0


def test_4_a_listed_registry_is_only_that_port(make_live, attackers):
    local = attackers({})
    live = make_live(registries=["127.0.0.1:5000"], connector=RecordingConnector())
    assert live.fetch(ref(f"127.0.0.1:{local.port}/x:1")).status == "not_allowed"
    assert local.accepted == 0


def test_4_a_well_known_name_at_a_private_or_link_local_address_is_refused(make_live, tmp_path):
    for i, addr in enumerate(("10.1.2.3", "169.254.169.254", "127.0.0.1", "100.100.100.200", "::ffff:127.0.0.1",
                              "fd00:ec2::254")):
        conn = RecordingConnector(names={"ghcr.io": addr})
        live = make_live(registries=[], connector=conn, cache_dir=tmp_path / f"c{i}")
        got = live.fetch(ref("ghcr.io/org/app:1"))
        assert got.status == "not_allowed" and got.size is None, (addr, got)
        assert conn.connected == [], addr
    conn = RecordingConnector(names={"ghcr.io": "140.82.121.33"})
    make_live(registries=[], connector=conn, cache_dir=tmp_path / "public").fetch(ref("ghcr.io/org/app:1"))
    assert conn.connected == [("140.82.121.33", 443)]  # a public address is tried (and refused by the test)


def test_4_per_document_caps(make_live):
    conn = RecordingConnector()
    live = make_live(registries=["*.test:*"], connector=conn, workers=2)
    refs = [ref(f"r{i}.test:5000/app:1") for i in range(500)]
    queued = live.request_document("file:///ws/Dockerfile", [(r, "linux/amd64") for r in refs])
    cap = live.policy.max_hosts_per_document
    assert queued == cap
    over = live.cached(refs[cap])
    assert over is not None and over.status == "not_allowed" and "more than" in over.error
    assert live.request(refs[cap]) is False  # hover and inlay hints ask without a document: same answer
    # many images on one registry: the image cap
    many = [ref(f"r0.test:5000/app{i}:1") for i in range(200)]
    assert live.request_document("file:///ws/other", [(r, None) for r in many]) <= live.policy.max_images_per_document
    # the lookups that ran reached only the first registries
    for f in list(live._inflight.values()):
        f[0].result(5)
    assert {h for h in conn.resolved} <= {f"r{i}.test" for i in range(cap)}


# -- 5. index handling -----------------------------------------------------------------------------


def test_5_huge_index_is_refused_without_quadratic_work(make_live, attackers):
    entries = [{"digest": "sha256:" + f"{i:032x}",
                "platform": {"os": "linux", "architecture": "amd64", "variant": f"v{i}"}} for i in range(27_000)]
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries},
                       separators=(",", ":")).encode()
    assert len(index) < registry.MAX_MANIFEST_BYTES
    att = attackers({"/v2/x/manifests/1": json_ok(index, OCI_INDEX)})
    got = make_live(total_timeout=3.0).fetch(ref(f"{att.host}/x:1"))
    assert got.status == "error" and "more than" in got.error
    assert len(att.requests) == 1  # no manifest of the index was fetched


def test_5_max_platforms_limits_the_fetches(make_live, attackers):
    routes = {}
    entries = []
    for i in range(300):  # every entry is "more specific" than the wanted linux/amd64
        man = manifest([1000 + i])
        routes[f"/v2/x/manifests/{sha(man)}"] = json_ok(man)
        entries.append({"mediaType": registry.OCI_MANIFEST, "digest": sha(man), "size": len(man),
                        "platform": {"os": "linux", "architecture": "amd64", "variant": f"v{i}"}})
    routes["/v2/x/manifests/1"] = json_ok(json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                                      "manifests": entries}).encode(), OCI_INDEX)
    att = attackers(routes)
    live = make_live(total_timeout=5.0, max_platforms=16)
    got = live.fetch(ref(f"{att.host}/x:1"), "linux/amd64")
    assert got.status == "ok"
    assert len(att.requests) <= 1 + 16
    assert len(got.sizes) <= 16


def test_5_platform_names_are_bounded(make_live, attackers):
    good = manifest([10])
    entries = [{"mediaType": registry.OCI_MANIFEST, "digest": sha(good), "size": 1,
                "platform": {"os": "linux" * 10_000, "architecture": "amd64"}},
               {"mediaType": registry.OCI_MANIFEST, "digest": sha(good), "size": 1,
                "platform": {"os": "linux", "architecture": "amd64"}}]
    att = attackers({"/v2/x/manifests/1": json_ok(json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                                              "manifests": entries}).encode(), OCI_INDEX),
                     f"/v2/x/manifests/{sha(good)}": json_ok(good)})
    got = make_live().fetch(ref(f"{att.host}/x:1"))
    assert got.status == "ok" and dict(got.sizes) == {"linux/amd64": 10}


# -- 6. text from a response is bounded ---------------------------------------------------------------


def test_6_attacker_text_is_clipped_in_results_cache_and_logs(make_live, attackers, caplog, tmp_path):
    caplog.set_level(logging.DEBUG, logger="dockwise")
    huge = json.dumps({"schemaVersion": "A" * 3_000_000}).encode()
    att = attackers({"/v2/x/manifests/1": json_ok(huge)})
    live = make_live(total_timeout=3.0)
    got = live.fetch(ref(f"{att.host}/x:1"))
    assert got.status == "error" and len(got.error) <= registry.MAX_ERROR_CHARS
    files = list((tmp_path / "cache").glob("registry-v*/*.json"))
    assert files and all(f.stat().st_size < 4096 for f in files)
    assert all(len(r.getMessage()) < 2000 for r in caplog.records)
    again = make_live(online=False).cached(ref(f"{att.host}/x:1"))
    assert again is not None and len(again.error) <= registry.MAX_ERROR_CHARS


def test_6_huge_headers_are_bounded(make_live, attackers):
    att = attackers({"/v2/x/manifests/1": response(401, {"WWW-Authenticate": "Bearer realm=\"" + "x" * 60_000 + "\""})})
    got = make_live().fetch(ref(f"{att.host}/x:1"))
    assert got.status in ("unauthorized", "error") and len(got.error) <= registry.MAX_ERROR_CHARS


# -- 7. loopback never goes through a proxy -----------------------------------------------------------


def test_7_every_loopback_address_bypasses_the_proxy(make_live, attackers, monkeypatch):
    proxy = attackers({})  # records any connection made to it
    for v in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(v, f"http://{proxy.host}")
    reg = attackers({"/v2/x/manifests/1": json_ok(manifest([40, 2]))}, host="127.0.0.2")
    got = make_live().fetch(ref(f"{reg.host}/x:1"))
    assert got.status == "ok" and got.size == 42
    assert proxy.accepted == 0 and [r.path for r in reg.requests][0] == "/v2/x/manifests/1"
    from dockwise.images.http import env_proxy_for

    for host in ("127.0.0.1", "127.0.0.2", "127.255.255.254", "localhost", "::1", "::ffff:127.0.0.1"):
        assert env_proxy_for("http", host) is None, host
    assert env_proxy_for("https", "ghcr.io") == f"http://{proxy.host}"


def test_7_a_remote_registry_goes_through_the_proxy(make_live, attackers, monkeypatch):
    """The proxy is used for everything else (it is the user's): plain http
    with the absolute URL in the request line."""
    seen = []

    def proxy_route(conn, req):
        seen.append(req.path)
        conn.send(json_ok(manifest([5, 6])))

    proxy = attackers({"http://reg.test:5000/v2/x/manifests/1": proxy_route})
    monkeypatch.setenv("HTTP_PROXY", f"http://{proxy.host}")
    conn = MapConnector(names={"reg.test": "198.51.100.20"})
    got = make_live(registries=["reg.test:5000"], insecure=["reg.test:5000"], connector=conn).fetch(
        ref("reg.test:5000/x:1"))
    assert got.status == "ok" and got.size == 11 and seen == ["http://reg.test:5000/v2/x/manifests/1"]
    assert ("198.51.100.20", 5000) not in conn.connected


# -- 8. cache files never follow links or block on FIFOs --------------------------------------------


def test_8_a_symlink_at_the_cache_name_is_never_written_through(make_live, attackers, tmp_path):
    att = attackers({"/v2/x/manifests/1": json_ok(manifest([3]))})
    live = make_live()
    name = live.disk._file(att.host, "x")
    assert name is not None
    victim = tmp_path / "victim"
    victim.write_text("precious")
    victim.chmod(0o644)
    name.symlink_to(victim)
    got = live.fetch(ref(f"{att.host}/x:1"))
    assert got.status == "ok"
    assert victim.read_text() == "precious" and stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert name.is_symlink()


def test_8_a_fifo_at_the_cache_name_does_not_block(make_live, attackers, tmp_path):
    live = make_live(online=False)
    name = live.disk._file("127.0.0.1:9", "x")
    os.mkfifo(name)
    out = []
    t = threading.Thread(target=lambda: out.append(live.cached(ref("127.0.0.1:9/x:1"))), daemon=True)
    t.start()
    t.join(30)  # a hang guard only; before, the reader blocked forever
    assert not t.is_alive() and out == [None]
    live.disk.store("127.0.0.1:9", "x", "1", {"status": "ok", "fetched": 1.0, "sizes": {}})
    assert stat.S_ISFIFO(os.lstat(name).st_mode)  # refused, left alone


def test_8_cache_folder_others_can_write_is_not_used(make_live, attackers, tmp_path):
    att = attackers({"/v2/x/manifests/1": json_ok(manifest([3]))})
    folder = tmp_path / "cache" / f"registry-v{registry.CACHE_FORMAT}"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    live = make_live()
    assert live.fetch(ref(f"{att.host}/x:1")).status == "ok"
    assert list(folder.iterdir()) == []


def test_8_registry_cache_is_pruned_to_its_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "MAX_CACHE_FILES", 10)
    disk = registry.DiskCache(tmp_path)

    def file(path: str) -> Path:
        f = disk._file("127.0.0.1:1", path)
        assert f is not None, "the disk cache is not usable"
        return f

    for i in range(25):
        disk.store("127.0.0.1:1", f"app{i}", "1", {"status": "ok", "fetched": float(i), "sizes": {}})
        os.utime(file(f"app{i}"), (1000 + i, 1000 + i))
    disk.prune()
    assert disk.root is not None
    left = sorted(p.name for p in disk.root.glob("*.json"))
    assert len(left) == 10
    assert file("app24").name in left and file("app0").name not in left
    # entries per repository file are capped too (the newest kept)
    for i in range(registry.MAX_REFS_PER_FILE + 20):
        disk.store("127.0.0.1:1", "many", f"t{i}", {"status": "ok", "fetched": float(i), "sizes": {}})
    refs = disk.load("127.0.0.1:1", "many")
    assert len(refs) == registry.MAX_REFS_PER_FILE and f"t{registry.MAX_REFS_PER_FILE + 19}" in refs


# -- 9. odd tokens and deep JSON: clean failures, no tracebacks ----------------------------------------


def _token_registry(attackers, token_body: bytes):
    tok = attackers({"/token": json_ok(token_body, "application/json")})
    reg = attackers({"/v2/x/manifests/1": _challenge(f"http://127.0.0.1:{tok.port}/token")})
    return reg, tok


@pytest.mark.parametrize("body", [
    json.dumps({"token": "t\u00f6k\u00e9n"}).encode(),
    json.dumps({"token": "a\r\nX-Injected: 1"}).encode(),
    json.dumps({"token": "x" * 100_000}).encode(),
    json.dumps({"token": "ok", "expires_in": 10 ** 400}).encode(),
    b"[" * 200_000 + b"]" * 200_000,
])
def test_9_unusable_tokens_fail_cleanly_and_are_not_kept(make_live, attackers, caplog, body):
    caplog.set_level(logging.DEBUG, logger="dockwise")
    reg, tok = _token_registry(attackers, body)
    live = make_live(total_timeout=2.0)
    got = live.fetch(ref(f"{reg.host}/x:1"))
    assert got.status in ("unauthorized", "error"), got
    no_tracebacks(caplog)
    assert all(not v[0].startswith("Bearer t\u00f6") and "\r" not in v[0] for v in live.client._tokens.values())
    assert all("x-injected" not in r.headers for r in reg.requests)


@pytest.mark.parametrize("where", ["manifest", "index", "blob"])
def test_9_deeply_nested_json_is_malformed_not_a_crash(make_live, attackers, caplog, where):
    caplog.set_level(logging.DEBUG, logger="dockwise")
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    if where == "blob":
        routes = {"/v2/x/manifests/1": json_ok(manifest([1], sha(deep))), f"/v2/x/blobs/{sha(deep)}": json_ok(deep)}
    elif where == "index":
        inner = b"[" * 100_000 + b"]" * 100_000
        routes = {"/v2/x/manifests/1": json_ok(b'{"schemaVersion": 2, "manifests": ' + inner + b"}", OCI_INDEX)}
    else:
        routes = {"/v2/x/manifests/1": json_ok(deep)}
    att = attackers(routes)
    got = make_live(total_timeout=2.0).fetch(ref(f"{att.host}/x:1"))
    if where == "blob":
        assert got.status == "ok" and got.size == 1  # the config is unreadable: platform unknown
    else:
        assert got.status == "error" and ("nested too deeply" in got.error or "not JSON" in got.error), got
    no_tracebacks(caplog)


# -- credential helpers -------------------------------------------------------------------------------


def test_creds_store_is_not_run_for_a_registry_the_user_never_logged_in_to(make_live, attackers, tmp_path,
                                                                           monkeypatch):
    att = attackers({"/v2/x/manifests/1": response(401, {"WWW-Authenticate": 'Basic realm="r"'})})
    # the helper's own 2 s limit is for users; on a loaded machine it must not
    # decide this test's answer (the lookup's 30 s budget still bounds it)
    monkeypatch.setattr(registry, "HELPER_TIMEOUT", 20.0)
    bindir = tmp_path / "bin"
    fake_credential_helper(bindir, "dwtest", {att.host: ("u", "p")})
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    cfg = write_docker_config(tmp_path / "docker", {"credsStore": "dwtest"})
    # (time enough for the helper -- a Python script -- to start and record the
    # question, had it been run, even on a loaded machine)
    got = make_live(docker_config=cfg, total_timeout=30.0).fetch(ref(f"{att.host}/x:1"))
    assert got.status == "unauthorized"
    assert not (bindir / "asked").exists()
    # logged in (docker login leaves an empty auths entry): the store is asked
    cfg2 = write_docker_config(tmp_path / "docker2", {"credsStore": "dwtest", "auths": {att.host: {}}})
    make_live(docker_config=cfg2, cache_dir=tmp_path / "cache2", total_timeout=30.0).fetch(ref(f"{att.host}/x:1"))
    assert (bindir / "asked").read_text().split() == [att.host]


def test_no_helper_runs_for_a_registry_the_policy_refuses(make_live, tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    fake_credential_helper(bindir, "dwtest", {})
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    cfg = write_docker_config(tmp_path / "docker", {"credsStore": "dwtest", "credHelpers": {"ghcr.io": "dwtest"}})
    live = make_live(registries=[], docker_config=cfg, connector=RecordingConnector())
    assert live.fetch(ref("10.9.9.9:5000/x:1")).status == "not_allowed"
    assert not (bindir / "asked").exists()


def test_ipv6_loopback_registry_when_available(make_live):
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
    except OSError as exc:
        print(f"skipped: no IPv6 loopback here ({exc})")
        pytest.skip(f"no IPv6 loopback here ({exc})")
    live = make_live(registries=[], connector=RecordingConnector())
    assert live.fetch(ref("[::1]:5000/x:1")).status == "not_allowed"

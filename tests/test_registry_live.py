"""Live image sizes (dockwise.images.registry) against a real registry.

Debian's ``docker-registry`` (distribution 2.8) runs on 127.0.0.1 at a free
port with images pushed through its HTTP API (an OCI index with linux/amd64
and linux/arm64 manifests of different layer sizes, plus attestation
manifests), once open and once with token authentication against a token
issuer in the test. Failure cases (registry stopped, slow, 401, 429,
malformed manifests) each return within the lookup budget (< 4 s), crash
nothing and never cache a wrong figure.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dockwise.images import catalog as images
from dockwise.images import registry
from dockwise.syntax.model import Pos, Span
from dockwise.syntax.parser import parse_image_ref
from need import missing
from registry_util import (
    DelayProxy, Pushed, Registry, Route, Stub, TokenIssuer, basic_auth, fake_credential_helper,
    registry_missing_reason, sha, write_docker_config,
)

BUDGET = 4.0  # seconds: the 3 s lookup budget plus scheduling slack (a bound for waits, never asserted)
WAIT = 30.0  # bound for waiting on background work that must end
ROOT = Path(__file__).resolve().parents[1]


def ref(text: str):
    return parse_image_ref(text, text, Span(Pos(0, 0), Pos(0, len(text))))


class OpenRegistry(Registry):
    """The module's open registry, with the images pushed to it."""
    app: Pushed
    single: Pushed


class TokenRegistry(Registry):
    """The registry behind token authentication, with its public and private image."""
    public: Pushed
    private: Pushed


@pytest.fixture(autouse=True)
def _online(monkeypatch):
    monkeypatch.delenv("DOCKWISE_OFFLINE", raising=False)
    monkeypatch.delenv("DOCKWISE_INSECURE_REGISTRIES", raising=False)


@pytest.fixture
def make_live(tmp_path):
    made = []

    def make(**kw):
        kw.setdefault("docker_config", tmp_path / "no-docker-config")
        # a busy machine must not turn a lookup into a timeout: only the tests about the
        # budget use the real one (registry.TOTAL_TIMEOUT)
        kw.setdefault("total_timeout", WAIT)
        # the servers of these tests are loopback registries the user listed
        kw.setdefault("registries", ["127.0.0.1:*", "localhost:*"])
        live = registry.LiveImages(kw.pop("cache_dir", tmp_path / "cache"), **kw)
        made.append(live)
        return live

    yield make
    for live in made:
        images.remove_source(live.as_size_source())
        live.close()


def settle(live) -> None:
    """Wait until every background lookup of ``live`` has ended: closing lets
    each worker finish its job and exit. (How long lookups take is a benchmark
    figure: bench/registry_timing.py.)"""
    live.close()
    for t in list(live._threads):
        t.join(WAIT)
        assert not t.is_alive(), f"{t.name} still running after {WAIT} s"


def no_figure(live, r, platform="linux/amd64"):
    """Nothing the size source answers, and nothing ok in memory or on disk."""
    assert live.as_size_source().size(images.repository(r), r.tag or "latest", platform) is None
    fresh = registry.LiveImages(live.disk.root.parent, online=False, docker_config=live.client.config)
    c = fresh.cached(r, platform)
    assert c is None or (c.status != "ok" and c.size is None)


# -- the open registry ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory):
    why = registry_missing_reason()
    if why:
        missing("docker-registry", why)
    reg = OpenRegistry(tmp_path_factory.mktemp("registry"))
    reg.start()
    try:
        reg.app = reg.push_index("team/app", "1", {"linux/amd64": [120_000, 34_567], "linux/arm64/v8": [77_777]})
        reg.single = reg.push_single("single", "2", "linux/arm/v7", [5_000, 20])
        yield reg
    finally:
        reg.stop()


def test_sizes_per_platform_match_the_pushed_layers(open_registry, make_live):
    reg = open_registry
    live = make_live()
    r = ref(f"{reg.host}/team/app:1")
    got = live.fetch(r, "linux/amd64")
    assert got.status == "ok" and got.size == 120_000 + 34_567
    # every platform was recorded by the same lookup: arm64 comes from the cache
    started = live.requests_started
    arm = live.fetch(r, "linux/arm64")
    assert arm.size == 77_777 and live.requests_started == started
    assert live.fetch(r, "linux/arm64/v8").size == 77_777
    # the attestation manifests (50,000-byte layer) are skipped: only the two real platforms
    assert dict(got.sizes) == {"linux/amd64": 154_567, "linux/arm64": 77_777}
    assert got.digest == reg.app.digest
    # no such platform in the index: no figure, and no new request either
    none = live.fetch(r, "linux/s390x")
    assert none.status == "ok" and none.size is None and live.requests_started == started


def test_lookup_prefers_the_live_figure_with_its_source(open_registry, make_live):
    reg = open_registry
    live = make_live()
    r = ref(f"{reg.host}/team/app:1")
    assert images.lookup(r, "linux/amd64") is None
    images.add_source(live.as_size_source())
    assert images.lookup(r, "linux/amd64") is None  # the source answers from the cache only
    live.fetch(r, "linux/amd64")
    info = images.lookup(r, "linux/arm64")
    assert info is not None and info.size == 77_777 and info.platform == "linux/arm64"
    assert info.source.startswith(f"registry {reg.host}, fetched ") and info.source.endswith(" UTC")
    assert info.as_of == time.strftime("%Y-%m-%d", time.gmtime())


def test_single_manifest_platform_comes_from_its_config(open_registry, make_live):
    reg = open_registry
    live = make_live()
    r = ref(f"{reg.host}/single:2")
    got = live.fetch(r, "linux/arm/v7")
    assert got.status == "ok" and got.size == 5_020 and dict(got.sizes) == {"linux/arm/v7": 5_020}
    assert live.fetch(r, "linux/amd64").size is None


def test_digest_reference(open_registry, make_live):
    reg = open_registry
    live = make_live()
    got = live.fetch(ref(f"{reg.host}/team/app@{reg.app.digest}"), "linux/arm64")
    assert got.status == "ok" and got.size == 77_777


def test_not_found_is_negative_cached(open_registry, make_live):
    reg = open_registry
    live = make_live()
    r = ref(f"{reg.host}/team/app:nope")
    got = live.fetch(r)
    assert got.status == "not_found" and got.size is None
    started = live.requests_started
    assert live.fetch(r).status == "not_found" and live.requests_started == started
    assert live.request(r) is False  # settled by the negative cache
    no_figure(live, r)


def test_disk_cache_survives_and_corrupt_files_are_ignored(open_registry, make_live, tmp_path):
    reg = open_registry
    r = ref(f"{reg.host}/team/app:1")
    make_live().fetch(r)
    offline = make_live(online=False)
    got = offline.cached(r, "linux/arm64")
    assert got is not None and got.size == 77_777
    files = list((tmp_path / "cache").glob("registry-v*/*.json"))
    assert files and not list((tmp_path / "cache").glob("registry-v*/.tmp-*"))
    for f in files:  # a partial write / garbage
        f.write_text('{"format": 1, "registry": "' + reg.host + '", "refs": {"1": {"status": "ok", "sizes": {"li')
    assert make_live(online=False).cached(r) is None
    for f in files:  # well-formed JSON with a wrong figure type
        f.write_text(json.dumps({"format": 1, "registry": reg.host, "path": "team/app",
                                 "refs": {"1": {"status": "ok", "fetched": time.time(), "sizes": {"linux/amd64": "9"}}}}))
    assert make_live(online=False).cached(r) is None


def test_single_flight_across_threads(open_registry, make_live):
    reg = open_registry
    live = make_live()
    r = ref(f"{reg.host}/team/app:1")
    out = []
    barrier = threading.Barrier(8)

    def go():
        barrier.wait()
        out.append(live.fetch(r, "linux/amd64"))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(out) == 8 and all(o.size == 154_567 for o in out)
    assert live.requests_started == 1


def test_request_runs_in_the_background_and_calls_on_update(open_registry, make_live):
    reg = open_registry
    seen = []
    done = threading.Event()
    live = make_live(on_update=lambda r: (seen.append((r.resolved, threading.current_thread().name)), done.set()))
    r = ref(f"{reg.host}/team/app:1")
    assert live.cached(r) is None
    assert live.request(r, "linux/amd64") is True
    assert live.request(r, "linux/arm64") is True  # joins the lookup in flight
    assert done.wait(BUDGET)
    assert seen[0][0] == r.resolved and seen[0][1].startswith("dockwise-registry")
    assert live.cached(r, "linux/arm64").size == 77_777
    assert live.requests_started == 1
    assert live.request(r, "linux/amd64") is False  # known now
    settle(live)  # every lookup has ended: no second update can come
    assert len(seen) == 1


def test_request_never_waits_for_a_slow_registry(open_registry, make_live):
    """The registry answers only once the test lets it, after request() returned:
    a request() that waited for its lookup would come back with that lookup
    failed (its budget spent on the held connection), not with nothing known yet."""
    gate = threading.Event()
    proxy = DelayProxy(open_registry.port, delay=WAIT, gate=gate).start()
    try:
        done = threading.Event()
        live = make_live(on_update=lambda r: done.set(), total_timeout=WAIT)
        r = ref(f"{proxy.host}/team/app:1")
        assert live.request(r) is True and live.cached(r) is None
        gate.set()
        assert done.wait(WAIT)
        assert live.cached(r).size == 154_567
    finally:
        proxy.stop()


def test_offline_sends_nothing(make_live, monkeypatch):
    stub = Stub().start()
    try:
        r = ref(f"{stub.host}/x/y:1")
        live = make_live(online=False)
        assert live.request(r) is False and live.fetch(r).status == "offline"
        monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
        live2 = make_live()
        assert live2.request(r) is False and live2.fetch(r).status == "offline"
        assert stub.hits == [] and live.requests_started == live2.requests_started == 0
    finally:
        stub.stop()


# -- failures --------------------------------------------------------------------------------------


def test_registry_stopped(tmp_path, make_live):
    why = registry_missing_reason()
    if why:
        missing("docker-registry", why)
    reg = Registry(tmp_path / "reg").start()
    reg.push_index("app", "1", {"linux/amd64": [1000]}, attestation=False)
    reg.stop()
    live = make_live()
    r = ref(f"{reg.host}/app:1")
    got = live.fetch(r)
    assert got.status == "error" and got.size is None and "cannot reach" in got.error
    no_figure(live, r)


def test_slow_registry_times_out(open_registry, make_live):
    proxy = DelayProxy(open_registry.port, delay=WAIT).start()  # answers long after the budget
    try:
        live = make_live(total_timeout=registry.TOTAL_TIMEOUT)
        r = ref(f"{proxy.host}/team/app:1")
        got = live.fetch(r)
        assert got.status == "error" and got.size is None
        assert proxy.connections >= 1
        settle(live)  # the worker has given up too: what did it cache?
        no_figure(live, r)
    finally:
        proxy.stop()


def test_a_delay_within_the_budget_still_answers(open_registry, make_live):
    proxy = DelayProxy(open_registry.port, delay=0.3).start()
    try:
        got = make_live(total_timeout=registry.TOTAL_TIMEOUT).fetch(ref(f"{proxy.host}/team/app:1"))
        assert got.size == 154_567
    finally:
        proxy.stop()


def test_401_without_a_usable_challenge(make_live):
    stub = Stub(routes={"/v2/x/manifests/1": (401, {"WWW-Authenticate": 'Basic realm="stub"'}, b"")}).start()
    try:
        live = make_live()
        r = ref(f"{stub.host}/x:1")
        got = live.fetch(r)
        assert got.status == "unauthorized" and got.size is None
        assert all("Authorization" not in h for _, _, h in stub.hits)
        no_figure(live, r)
    finally:
        stub.stop()


def test_429_backs_the_host_off(make_live, tmp_path):
    stub = Stub(routes={"/v2/x/manifests/1": (429, {"Retry-After": "120", "RateLimit-Limit": "100;w=21600",
                                                    "RateLimit-Remaining": "0;w=21600"},
                                              b'{"errors":[{"code":"TOOMANYREQUESTS"}]}')}).start()
    try:
        live = make_live()
        r = ref(f"{stub.host}/x:1")
        before = time.time()
        got = live.fetch(r)
        after = time.time()
        assert got.status == "rate_limited" and got.size is None
        hits = len(stub.hits)
        assert hits == 1
        # no request while backing off: not for this image, not for another one on the host, not after a restart
        assert live.fetch(r).status == "rate_limited"
        assert live.request(ref(f"{stub.host}/other:2")) is False
        again = make_live()
        assert again.fetch(ref(f"{stub.host}/other:2")).status == "rate_limited"
        assert len(stub.hits) == hits
        until = again._backoff_until(stub.host)
        assert before + 120 <= until <= after + 120  # Retry-After: 120, counted from the answer
        no_figure(live, r)
    finally:
        stub.stop()


def test_rate_limit_headers():
    now = 1_000_000_000.0
    assert registry.retry_after({"retry-after": "30"}, now) == now + 30
    assert registry.retry_after({"ratelimit-reset": "45"}, now) == now + 45
    assert registry.retry_after({"x-ratelimit-reset": str(int(now) + 90)}, now) == now + 90
    assert registry.retry_after({"ratelimit": "limit=100, remaining=0, reset=50"}, now) == now + 50
    assert registry.retry_after({"ratelimit": "\"default\";r=0;t=70"}, now) == now + 70
    http_date = "Sun, 09 Sep 2001 01:56:40 GMT"  # now + 600
    assert registry.retry_after({"retry-after": http_date}, now) == now + 600
    assert registry.retry_after({}, now) == now + registry.DEFAULT_BACKOFF
    assert registry.retry_after({"retry-after": "999999999"}, now) == now + registry.MAX_BACKOFF


def _index(*entries) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": registry.OCI_INDEX, "manifests": list(entries)}).encode()


def _man(sizes) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": registry.OCI_MANIFEST,
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": "sha256:" + "0" * 64, "size": 2},
                       "layers": [{"mediaType": "x", "digest": "sha256:" + "1" * 64, "size": s} for s in sizes]}).encode()


MALFORMED = {
    "not-json": b"<html>oops</html>",
    "not-an-object": b"[1, 2, 3]",
    "schema-1": json.dumps({"schemaVersion": 1, "fsLayers": []}).encode(),
    "no-layers": json.dumps({"schemaVersion": 2, "mediaType": registry.OCI_MANIFEST, "config": {}}).encode(),
    "string-size": _man([1000, "2000"]),
    "negative-size": _man([1000, -5]),
    "bool-size": _man([True]),
    "huge-size": _man([2 ** 62]),
    "index-without-list": json.dumps({"schemaVersion": 2, "mediaType": registry.OCI_INDEX, "manifests": {}}).encode(),
}


@pytest.mark.parametrize("case", sorted(MALFORMED) + ["digest-mismatch", "bad-digest", "platform-missing"])
def test_malformed_manifest_caches_no_figure(make_live, case):
    good = _man([1000, 2000])
    routes: dict[str, Route]
    if case in MALFORMED:
        routes = {"/v2/x/manifests/1": (200, {"Content-Type": registry.OCI_MANIFEST}, MALFORMED[case])}
    else:
        # an index whose amd64 entry points at a body that is not what it says (or at nothing)
        digest = {"digest-mismatch": sha(b"something else"), "bad-digest": "sha256:../../etc",
                  "platform-missing": sha(good)}[case]
        index = _index({"mediaType": registry.OCI_MANIFEST, "digest": digest, "size": len(good),
                        "platform": {"os": "linux", "architecture": "amd64"}})
        routes = {"/v2/x/manifests/1": (200, {"Content-Type": registry.OCI_INDEX}, index)}
        if case == "digest-mismatch":
            routes[f"/v2/x/manifests/{digest}"] = (200, {"Content-Type": registry.OCI_MANIFEST}, good)
    stub = Stub(routes=routes).start()
    try:
        live = make_live()
        r = ref(f"{stub.host}/x:1")
        got = live.fetch(r)
        assert got.status == "error" and got.size is None, got
        no_figure(live, r)
        if case == "bad-digest":
            assert all(".." not in path for _, path, _ in stub.hits)
    finally:
        stub.stop()


def test_oversized_manifest_is_refused(make_live):
    stub = Stub(routes={"/v2/x/manifests/1": (200, {}, b" " * (registry.MAX_MANIFEST_BYTES + 10))}).start()
    try:
        live = make_live()
        got = live.fetch(ref(f"{stub.host}/x:1"))
        assert got.status == "error" and "larger than" in got.error
    finally:
        stub.stop()


def test_a_broken_extra_platform_does_not_spoil_the_wanted_one(make_live):
    good, bad = _man([1000, 2000]), _man(["x"])
    index = _index(
        {"mediaType": registry.OCI_MANIFEST, "digest": sha(good), "size": len(good),
         "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": registry.OCI_MANIFEST, "digest": sha(bad), "size": len(bad),
         "platform": {"os": "linux", "architecture": "arm64"}},
    )
    stub = Stub(routes={
        "/v2/x/manifests/1": (200, {"Content-Type": registry.OCI_INDEX}, index),
        f"/v2/x/manifests/{sha(good)}": (200, {"Content-Type": registry.OCI_MANIFEST}, good),
        f"/v2/x/manifests/{sha(bad)}": (200, {"Content-Type": registry.OCI_MANIFEST}, bad),
    }).start()
    try:
        live = make_live()
        got = live.fetch(ref(f"{stub.host}/x:1"), "linux/amd64")
        assert got.size == 3000 and dict(got.sizes) == {"linux/amd64": 3000}
        # asking for the broken platform does not invent a figure
        assert live.fetch(ref(f"{stub.host}/x:1"), "linux/arm64").size is None
    finally:
        stub.stop()


def test_names_from_a_dockerfile_never_build_odd_urls(make_live):
    stub = Stub().start()
    try:
        live = make_live()
        for text in (f"{stub.host}/../../x:1", f"{stub.host}/x:1?y", f"{stub.host}/x%2f..:1", f"{stub.host}/x#y:1"):
            got = live.fetch(ref(text))
            assert got.status == "error" and got.size is None
        assert stub.hits == []
    finally:
        stub.stop()


# -- token authentication ---------------------------------------------------------------------------

USER, PASSWORD = "alice", "pa55-w0rd-xyzzy"


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory):
    why = registry_missing_reason()
    if why:
        missing("docker-registry", why)
    issuer = TokenIssuer({USER: PASSWORD}, public={"public/app"}).start()
    reg = TokenRegistry(tmp_path_factory.mktemp("token-registry"), issuer)
    reg.start()
    try:
        reg.public = reg.push_index("public/app", "1", {"linux/amd64": [11_111], "linux/arm64": [2_222]})
        reg.private = reg.push_index("private/app", "1", {"linux/amd64": [33_333, 4], "linux/arm64": [5_555]})
        yield reg
    finally:
        reg.stop()
        issuer.stop()


def _asked(issuer, since):
    return issuer.requests[since:]


def test_token_auth_anonymous_pull(token_registry, make_live):
    reg = token_registry
    n = len(reg.issuer.requests)
    got = make_live().fetch(ref(f"{reg.host}/public/app:1"), "linux/arm64")
    assert got.status == "ok" and got.size == 2_222 and dict(got.sizes) == reg.public.sizes
    asked = _asked(reg.issuer, n)
    assert len(asked) == 1 and asked[0]["authorization"] is None
    assert asked[0]["query"]["service"] == [reg.issuer.service]
    assert asked[0]["query"]["scope"] == ["repository:public/app:pull"]


def test_token_auth_private_without_credentials(token_registry, make_live):
    reg = token_registry
    live = make_live()
    r = ref(f"{reg.host}/private/app:1")
    got = live.fetch(r)
    assert got.status == "unauthorized" and got.size is None
    no_figure(live, r)


def test_token_auth_with_credentials_from_docker_config(token_registry, make_live, tmp_path, monkeypatch, caplog):
    reg = token_registry
    cfg = write_docker_config(tmp_path / "docker", {"auths": {f"http://{reg.host}": {"auth": basic_auth(USER, PASSWORD)}}})
    monkeypatch.setenv("DOCKER_CONFIG", str(cfg))
    caplog.set_level(logging.DEBUG)
    n = len(reg.issuer.requests)
    live = make_live(docker_config=None)  # DOCKER_CONFIG from the environment
    got = live.fetch(ref(f"{reg.host}/private/app:1"), "linux/amd64")
    assert got.status == "ok" and got.size == 33_337 and dict(got.sizes) == reg.private.sizes
    asked = _asked(reg.issuer, n)
    assert [a["authorization"] for a in asked] == ["Basic " + basic_auth(USER, PASSWORD)]
    # the secret never reaches the logs, the result or reprs
    text = caplog.text + repr(got) + repr(live.client.config.get(reg.host))
    assert PASSWORD not in text and basic_auth(USER, PASSWORD) not in text
    assert "private/app" in caplog.text  # the logs did cover this lookup


def test_token_auth_with_wrong_credentials(token_registry, make_live, tmp_path):
    reg = token_registry
    cfg = write_docker_config(tmp_path / "docker", {"auths": {reg.host: {"username": USER, "password": "nope"}}})
    live = make_live(docker_config=cfg)
    r = ref(f"{reg.host}/private/app:1")
    got = live.fetch(r)
    assert got.status == "unauthorized" and got.size is None
    no_figure(live, r)
    # fixing the credentials makes the negative entry stale at once
    old = (cfg / "config.json").stat().st_mtime
    write_docker_config(cfg, {"auths": {reg.host: {"username": USER, "password": PASSWORD}}})
    os.utime(cfg / "config.json", (old + 2, old + 2))  # a newer file, whatever the clock's granularity
    assert live.fetch(r).size == 33_337


def test_token_auth_with_a_credential_helper(token_registry, make_live, tmp_path, monkeypatch):
    reg = token_registry
    bindir = tmp_path / "bin"
    fake_credential_helper(bindir, "dwtest", {reg.host: (USER, PASSWORD)})
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    cfg = write_docker_config(tmp_path / "docker", {"credHelpers": {reg.host: "dwtest"}})
    got = make_live(docker_config=cfg).fetch(ref(f"{reg.host}/private/app:1"), "linux/arm64")
    assert got.size == 5_555
    assert (bindir / "asked").read_text().split() == [reg.host]


def test_credentials_only_go_to_their_registry(token_registry, make_live, tmp_path):
    """Credentials for localhost:PORT (the same registry under another name) are
    not sent to the token realm at 127.0.0.1 (another host the config does not
    name); credentials for another registry are never used for this one."""
    reg = token_registry
    cfg = write_docker_config(tmp_path / "docker", {"auths": {
        f"localhost:{reg.port}": {"auth": basic_auth(USER, PASSWORD)},
        "other.example:5000": {"auth": basic_auth("bob", "other-secret")},
    }})
    n = len(reg.issuer.requests)
    live = make_live(docker_config=cfg)
    got = live.fetch(ref(f"localhost:{reg.port}/private/app:1"))
    assert got.status == "unauthorized"
    got = live.fetch(ref(f"{reg.host}/private/app:1"))
    assert got.status == "unauthorized"
    assert [a["authorization"] for a in _asked(reg.issuer, n)] == [None, None]


def test_may_send_credentials_rule(tmp_path):
    cfg = registry.DockerConfig(write_docker_config(tmp_path / "d", {"auths": {"gitlab.com": {"auth": "eDp5"}}}))
    ok = registry.may_send_credentials
    assert ok("docker.io", "https://auth.docker.io/token")
    assert ok("ghcr.io", "https://ghcr.io/token")
    assert ok("registry.example:5000", "https://registry.example/auth")
    assert ok("127.0.0.1:5000", "http://127.0.0.1:5001/token")
    assert not ok("ghcr.io", "https://evil.example/token")
    assert not ok("ghcr.io", "http://ghcr.io/token")  # never in clear text to a remote host
    assert not ok("registry.gitlab.com", "https://gitlab.com/jwt/auth")
    assert ok("registry.gitlab.com", "https://gitlab.com/jwt/auth", cfg)  # the user named that host
    assert not ok("docker.io", "https://auth.example/token", cfg)


def test_docker_config_formats(tmp_path):
    d = write_docker_config(tmp_path / "d", {"auths": {
        "https://index.docker.io/v1/": {"auth": basic_auth("hub", "h")},
        "ghcr.io": {"username": "gh", "password": "p"},
        "quay.io": {"auth": basic_auth("q", "x"), "identitytoken": "tok"},
        "broken.io": {"auth": "%%%"},
    }})
    cfg = registry.DockerConfig(d)

    def cred(host: str) -> registry.Credential:
        c = cfg.get(host)
        assert c is not None, f"no credentials for {host}"
        return c

    assert cred("docker.io").username == "hub" and cred("registry-1.docker.io").password == "h"
    assert (cred("ghcr.io").username, cred("ghcr.io").password) == ("gh", "p")
    assert cred("quay.io").identity_token == "tok"
    assert cfg.get("broken.io") is None and cfg.get("nowhere.io") is None
    assert "h'" not in repr(cfg.get("docker.io")) and "password" not in repr(cfg.get("docker.io"))
    (d / "config.json").write_text("{not json")
    assert registry.DockerConfig(d).get("ghcr.io") is None


# -- the refresh script ------------------------------------------------------------------------------


def test_refresh_image_sizes_script(open_registry, tmp_path):
    reg = open_registry
    pushed = reg.push_index("library/alpine", "3.21", {"linux/amd64": [3_000_001], "linux/arm64": [2_999],
                                                       "linux/s390x": [1_234]})
    src = json.loads((ROOT / "server/images/data/image-sizes.json").read_text())
    data = tmp_path / "image-sizes.json"
    data.write_text(json.dumps(src, indent=1) + "\n")
    env = {**os.environ, "DOCKWISE_CACHE_DIR": str(tmp_path / "cache"), "DOCKER_CONFIG": str(tmp_path / "nodocker")}
    cmd = [sys.executable, str(ROOT / "scripts/refresh-image-sizes"), "--registry", reg.url, "--file", str(data),
           "--only", "alpine:3.21", "--only", "alpine:9.99"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 1, proc.stderr  # alpine:9.99 is not in the registry (nor in the file)
    out = json.loads(data.read_text())
    e = out["images"]["alpine"]["3.21"]
    assert e["platforms"] == {"linux/amd64": 3_000_001, "linux/arm64": 2_999}  # the file's platforms only
    assert e["index_digest"] == pushed.digest
    assert e["source"] == f"registry {reg.host} (dockwise table refresh)" and e["as_of"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert "commit" not in e and "source_file" not in e
    assert "alpine:3.21" in proc.stdout
    # everything else is untouched, and the format is the file's own
    before = src["images"]["alpine"]["3.21"]
    assert e["os_base"] == before["os_base"]
    for name, tags in src["images"].items():
        for tag, entry in tags.items():
            if (name, tag) != ("alpine", "3.21"):
                assert out["images"][name][tag] == entry
    assert data.read_text() == json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    assert out["as_of_range"]["newest"] == e["as_of"]
    # the table now reports the new figure and where it came from
    import unittest.mock as um

    with um.patch.object(images, "size_table", lambda: out):
        got = images.TableSource().size("alpine", "3.21", "linux/amd64")
    assert got is not None, "the refreshed table has no alpine:3.21 figure"
    assert got.size == 3_000_001 and got.source == e["source"]


# -- image configurations: Env names and platforms (BuildKit's checks) ----------------------------


def test_configurations_feed_undefined_var_and_base_platform(tmp_path, make_live):
    """A live lookup keeps the config's Env names and the index's platforms;
    UndefinedVar (DW111) and InvalidBaseImagePlatform (DW114) read them from
    the cache (offline and unknown: quiet)."""
    from dockwise.lint.engine import LintSettings, lint_text

    why = registry_missing_reason()
    if why:
        print(f"skipped: {why}")
        pytest.skip(why)
    reg = Registry(tmp_path / "reg").start()
    try:
        reg.push_index("team/py", "1", {"linux/amd64": [1_000], "linux/arm64": [1_000]},
                       env={"linux/amd64": ["PATH=/usr/bin", "APP_HOME=/app"], "linux/arm64": ["PATH=/usr/bin"]})
        reg.push_single("arm-only", "1", "linux/arm64", [1_000], env=["PATH=/bin", "ARM_THING=1"])
        live = make_live()
        settings = LintSettings.make(select=["DW111", "DW114"], build={"platform": "linux/amd64"})

        def findings(text):
            return [(v.code, v.message) for v in lint_text(text, settings).violations]

        py = f"FROM {reg.host}/team/py:1\nENV X=$APP_HOME Y=$APP_HOM\n"
        assert findings(py) == []  # unknown image: quiet
        images.add_source(live.as_size_source())
        assert findings(py) == []  # the source answers from its cache only
        assert live.fetch(ref(f"{reg.host}/team/py:1"), "linux/amd64").status == "ok"
        assert findings(py) == [("DW111", "UndefinedVar: Usage of undefined variable '$APP_HOM' "
                                          "(did you mean $APP_HOME?)")]
        cfg = images.image_config(ref(f"{reg.host}/team/py:1"), "linux/amd64")
        assert cfg is not None and cfg.index and cfg.platforms is not None and set(cfg.platforms) == {"linux/amd64", "linux/arm64"}
        # a single-platform arm64 image built for amd64: BuildKit pulls it anyway and warns
        arm = f"FROM {reg.host}/arm-only:1\nENV X=$ARM_THING\n"
        live.fetch(ref(f"{reg.host}/arm-only:1"), "linux/amd64")
        assert findings(arm) == [("DW114", f'InvalidBaseImagePlatform: Base image {reg.host}/arm-only:1 was pulled '
                                           'with platform "linux/arm64", expected "linux/amd64" for current build')]
        # what the disk cache holds survives a new process
        fresh = registry.LiveImages(live.disk.root.parent, online=False, docker_config=live.client.config)
        src = fresh.as_size_source()
        assert isinstance(src, registry._SizeSource)  # the cache's source, which answers configurations too
        got = src.config(ref(f"{reg.host}/team/py:1"), "linux/amd64")
        assert got is not None and got.env == frozenset({"PATH", "APP_HOME"})
    finally:
        reg.stop()

"""Hostile registries: peak memory and duration of one lookup each (issue 17).

Each scenario starts an attacker from ``tests/hostile_util.py`` on 127.0.0.1
(or 127.0.0.2) in this process and runs one lookup with the default budget
(``registry.TOTAL_TIMEOUT``, 3 s) in a fresh child process, which reports
its wall time and peak RSS (``VmHWM``, else ``ru_maxrss``). Targets: peak RSS < 300 MB and
every lookup ends within twice its budget.

    python bench/hostile_registry.py [--only NAME,...] [--json FILE]

Exit status 1 when a target is missed. Nothing leaves the machine: every
server listens on the loopback interface and stops at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_util import (  # noqa: E402
    OCI_INDEX, Attacker, Conn, Handler, Request, gzip_bomb, json_ok, manifest, response, sha,
)

Routes = dict[str, Handler | bytes]  # what an Attacker serves

RSS_TARGET_MB = 300.0
BUDGET = 3.0  # registry.TOTAL_TIMEOUT

CHILD = r"""
import json, resource, sys, time
spec = json.loads(sys.argv[1])
from dockwise.images import registry
from dockwise.syntax.parser import parse_image_ref
live = registry.LiveImages(spec["cache"], registries=spec["registries"], docker_config=spec["cache"] + "/nodocker")
t0 = time.monotonic()
out = []
for image in spec["images"]:
    r = live.fetch(parse_image_ref(image, image, None), "linux/amd64")
    out.append(r.status)
elapsed = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux (includes the parent's at fork)
try:  # this process image's own high-water mark
    rss = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0] / 1024
except (OSError, IndexError, ValueError):
    pass
live.close()
print(json.dumps({"elapsed": elapsed, "rss_mb": rss, "statuses": out,
                  "error": (r.error or "")[:120], "lookups": len(spec["images"])}))
"""


def _single(blob_handler: Handler | bytes) -> Routes:
    cfg = b'{"architecture": "amd64", "os": "linux"}'
    return {"/v2/x/manifests/1": json_ok(manifest([1000, 2000], sha(cfg))), f"/v2/x/blobs/{sha(cfg)}": blob_handler}


def _endless_redirect(conn: Conn, req: Request) -> None:
    conn.send(response(307, {"Location": "/elsewhere"}, length=1 << 30))
    conn.stream(1 << 30)  # 1 GiB, until the client hangs up


def _endless_manifest(conn: Conn, req: Request) -> None:
    conn.send(response(200, {"Content-Type": "application/json"}, length=1 << 30))
    conn.stream(1 << 30)


def _trickle_headers(conn: Conn, req: Request) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    conn.trickle(b"a" * 3600, 0.5)


def _trickle_body(conn: Conn, req: Request) -> None:
    conn.send(response(200, {"Content-Type": "application/json"}, length=100_000))
    conn.trickle(b" " * 100_000, 0.2)


def _continues(conn: Conn, req: Request) -> None:
    for _ in range(100_000):
        if not conn.send(b"HTTP/1.1 100 Continue\r\n\r\n") or conn.attacker.stopping.wait(0.01):
            return


def _silent(conn: Conn, req: Request) -> None:
    conn.attacker.stopping.wait(60)


def _huge_index() -> Routes:
    entries = [{"digest": "sha256:" + f"{i:032x}",
                "platform": {"os": "linux", "architecture": "amd64", "variant": f"v{i}"}} for i in range(27_000)]
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}, separators=(",", ":"))
    return {"/v2/x/manifests/1": json_ok(body.encode(), OCI_INDEX)}


def _many_platforms() -> Routes:
    routes: Routes = {}
    entries = []
    for i in range(1000):
        m = manifest([1000 + i])
        routes[f"/v2/x/manifests/{sha(m)}"] = json_ok(m)
        entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(m),
                        "platform": {"os": "linux", "architecture": "amd64", "variant": f"v{i}"}})
    routes["/v2/x/manifests/1"] = json_ok(json.dumps({"schemaVersion": 2, "manifests": entries}).encode(), OCI_INDEX)
    return routes


def _forged_realm(secret_host: str) -> Routes:
    ch = f'Bearer realm="http://{secret_host}/token",service="s"'
    return {"/v2/x/manifests/1": response(401, {"WWW-Authenticate": ch})}


SCENARIOS: dict[str, Callable[[], Routes]] = {
    "redirect-endless-body": lambda: _single(_endless_redirect),
    "redirect-gzip-bomb": lambda: _single(response(307, {"Location": "/e", "Content-Encoding": "gzip"},
                                                   gzip_bomb(1 << 30))),
    "manifest-gzip-bomb": lambda: {"/v2/x/manifests/1": response(200, {"Content-Encoding": "gzip"},
                                                                  gzip_bomb(1 << 30))},
    "manifest-endless-body": lambda: {"/v2/x/manifests/1": _endless_manifest},
    "trickled-headers": lambda: {"/v2/x/manifests/1": _trickle_headers},
    "trickled-body": lambda: {"/v2/x/manifests/1": _trickle_body},
    "endless-100-continue": lambda: {"/v2/x/manifests/1": _continues},
    "silent-server": lambda: {"/v2/x/manifests/1": _silent},
    "huge-index-27000": _huge_index,
    "index-1000-platforms": _many_platforms,
    "3MB-schemaVersion": lambda: {"/v2/x/manifests/1": json_ok(json.dumps({"schemaVersion": "A" * 3_000_000}).encode())},
    "deep-json": lambda: {"/v2/x/manifests/1": json_ok(b"[" * 1_000_000 + b"]" * 1_000_000)},
    "huge-headers": lambda: {"/v2/x/manifests/1": b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-%d: %s\r\n" % (i, b"v" * 60_000) for i in range(99)) + b"Content-Length: 0\r\n\r\n"},
}


def run(name: str, work: Path) -> dict:
    secret = None
    if name == "forged-token-realm":
        secret = Attacker({"/token": json_ok(b'{"token": "LOCAL-SECRET"}', "application/json")}, "127.0.0.2").start()
        routes = _forged_realm(secret.host)
    else:
        routes = SCENARIOS[name]()
    att = Attacker(routes).start()
    spec = {"cache": str(work / name), "registries": ["127.0.0.1:*"], "images": [f"{att.host}/x:1"]}
    t0 = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "DOCKWISE_OFFLINE": ""})
    finally:
        att.stop()
        if secret is not None:
            secret.stop()
    if proc.returncode != 0:
        return {"name": name, "failed": proc.stderr[-500:]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res.update(name=name, sent_mb=att.sent / 1e6, client_closed=att.client_closed,
               process_s=time.monotonic() - t0)
    if secret is not None:
        res["secret_requests"] = len(secret.requests)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    a = ap.parse_args(argv)
    names = list(SCENARIOS) + ["forged-token-realm"]
    only = a.only
    if only:
        names = [n for n in names if n in only.split(",")]
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            r = run(name, Path(tmp))
            rows.append(r)
            if "failed" in r:
                ok = False
                print(f"{name}: FAILED {r['failed']}", file=sys.stderr)
                continue
            met = r["rss_mb"] < RSS_TARGET_MB and r["elapsed"] <= 2 * BUDGET
            ok &= met and r.get("secret_requests", 0) == 0
            print(f"{name:24} {r['statuses'][0]:12} {r['elapsed']:5.2f} s  peak RSS {r['rss_mb']:6.1f} MB  "
                  f"attacker sent {r['sent_mb']:7.2f} MB{'  (client hung up)' if r['client_closed'] else ''}"
                  f"{'  secret asked: ' + str(r['secret_requests']) if 'secret_requests' in r else ''}"
                  f"  {'ok' if met else 'MISSED'}  {r['error'][:60]}")
    worst_t = max((r["elapsed"] for r in rows if "elapsed" in r), default=0.0)
    worst_m = max((r["rss_mb"] for r in rows if "rss_mb" in r), default=0.0)
    print(f"\nworst lookup {worst_t:.2f} s (budget {BUDGET:.0f} s, target ≤ {2 * BUDGET:.0f} s); "
          f"worst peak RSS {worst_m:.1f} MB (target < {RSS_TARGET_MB:.0f} MB): {'met' if ok else 'MISSED'}")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

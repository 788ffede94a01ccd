"""How long live registry lookups take (the figures the unit tests no longer time).

Against Debian's ``docker-registry`` on 127.0.0.1 (tests/registry_util.py
starts it on a free port and pushes a two-platform image), with a TCP proxy in
front for slow registries:

* ``request_ms``: ``LiveImages.request()`` with a registry that holds every
  connection (the lookup cannot finish): the call must return at once
  (target: max < 50 ms);
* ``timeout_s``: ``fetch()`` against a registry that answers only after 30 s:
  the lookup gives up within its budget (target: ≤ budget + 0.25 s + 0.75 s
  slack = 4 s, the bound the unit tests used to assert);
* ``refused_s``: ``fetch()`` against a registry that is not running (target < 4 s);
* ``slow_ok_s``: ``fetch()`` through a 0.3 s delay: answers, within the budget;
* ``fresh_ok_ms``: ``fetch()`` from the registry directly (median).

    .venv/bin/python bench/registry_timing.py [--rounds 5] [--json out.json]

Exit status 1 when a target is missed, 2 when docker-registry is missing.
Nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

TARGETS = {"request_ms_max": 50.0, "timeout_s_max": 4.0, "refused_s_max": 4.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args(argv)
    os.environ.pop("DOCKWISE_OFFLINE", None)

    from registry_util import DelayProxy, Registry, registry_missing_reason

    from dockwise.images import catalog as images
    from dockwise.images import registry
    from dockwise.syntax.model import Pos, Span
    from dockwise.syntax.parser import parse_image_ref

    why = registry_missing_reason()
    if why:
        print(f"registry_timing: {why}", file=sys.stderr)
        return 2

    def ref(s: str):
        return parse_image_ref(s, s, Span(Pos(0, 0), Pos(0, len(s))))

    figs: dict[str, list[float]] = {k: [] for k in ("request_ms", "timeout_s", "refused_s", "slow_ok_s", "fresh_ok_ms")}
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-registry-") as tmp:
        root = Path(tmp)
        reg = Registry(root / "reg").start()
        made = []

        def live(**kw):
            # the loopback registries here are ones the user listed (README, "Security"): unlisted
            # local ports are never contacted
            lv = registry.LiveImages(root / f"cache{len(made)}", docker_config=root / "no-config",
                                     registries=["127.0.0.1:*"], **kw)
            made.append(lv)
            return lv

        try:
            reg.push_index("team/app", "1", {"linux/amd64": [120_000, 34_567], "linux/arm64/v8": [77_777]})
            held = DelayProxy(reg.port, delay=60.0, gate=threading.Event()).start()
            slow = DelayProxy(reg.port, delay=60.0).start()
            delayed = DelayProxy(reg.port, delay=0.3).start()
            dead = Registry(root / "dead").start()
            dead.stop()
            try:
                for k in range(args.rounds):
                    lv = live()
                    t0 = time.perf_counter()
                    lv.request(ref(f"{held.host}/team/app:{k + 1}"))
                    figs["request_ms"].append((time.perf_counter() - t0) * 1000)

                    t0 = time.perf_counter()
                    got = live().fetch(ref(f"{slow.host}/team/app:1"))
                    figs["timeout_s"].append(time.perf_counter() - t0)
                    assert got.status == "error", got

                    t0 = time.perf_counter()
                    got = live().fetch(ref(f"{dead.host}/team/app:1"))
                    figs["refused_s"].append(time.perf_counter() - t0)
                    assert got.status == "error", got

                    t0 = time.perf_counter()
                    got = live().fetch(ref(f"{delayed.host}/team/app:1"))
                    figs["slow_ok_s"].append(time.perf_counter() - t0)
                    assert got.size == 154_567, got

                    t0 = time.perf_counter()
                    got = live().fetch(ref(f"{reg.host}/team/app:1"))
                    figs["fresh_ok_ms"].append((time.perf_counter() - t0) * 1000)
                    assert got.size == 154_567, got
            finally:
                for p in (held, slow, delayed):
                    p.stop()
        finally:
            for lv in made:
                images.remove_source(lv.as_size_source())
                lv.close()
            reg.stop()

    out = {
        "rounds": args.rounds,
        "budget_s": registry.TOTAL_TIMEOUT,
        "request_ms_max": round(max(figs["request_ms"]), 3),
        "request_ms_median": round(statistics.median(figs["request_ms"]), 3),
        "timeout_s_max": round(max(figs["timeout_s"]), 3),
        "refused_s_max": round(max(figs["refused_s"]), 3),
        "slow_ok_s_max": round(max(figs["slow_ok_s"]), 3),
        "fresh_ok_ms_median": round(statistics.median(figs["fresh_ok_ms"]), 1),
    }
    misses = [k for k, t in TARGETS.items() if out[k] > t]
    out["targets"] = TARGETS
    out["missed"] = misses
    for k, v in out.items():
        if k not in ("targets", "missed"):
            print(f"{k:22} {v}" + (f"   (target < {TARGETS[k]})" if k in TARGETS else ""))
    print("all targets met" if not misses else f"MISSED: {', '.join(misses)}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())

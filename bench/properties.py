"""The property tests with fresh random examples (hypothesis profile "random").

In CI the property tests draw the same examples every run (profile "ci",
derandomize: a red CI is a change in the code, not luck). This benchmark is
where new examples are drawn: every round runs every ``@given`` test
(``pytest -m hypothesis``) with a new seed and no example database.

    .venv/bin/python bench/properties.py [--rounds 3] [--seed N] [--json out.json] [pytest args...]

``--seed`` makes the rounds reproducible (round k uses seed N + k); without it
the seeds are random and printed. A failing round prints its seed and
hypothesis' falsifying example; re-run one test with
``pytest --hypothesis-profile=random --hypothesis-seed=SEED tests/…::name``.
Exit status 1 when any round failed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, help="seed of the first round (default: random)")
    ap.add_argument("--json", help="write the results here")
    args, extra = ap.parse_known_args(argv)
    base = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    rounds = []
    for k in range(args.rounds):
        seed = base + k
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "hypothesis",
               "--hypothesis-profile=random", f"--hypothesis-seed={seed}", *(extra or ["tests"])]
        t0 = time.monotonic()
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=3600,
                           env={**os.environ, "HYPOTHESIS_PROFILE": "random"})
        wall = time.monotonic() - t0
        m = re.search(r"(\d+) passed", r.stdout)
        f = re.search(r"(\d+) failed", r.stdout)
        res = {"seed": seed, "passed": int(m.group(1)) if m else 0, "failed": int(f.group(1)) if f else 0,
               "exit": r.returncode, "wall_s": round(wall, 1)}
        rounds.append(res)
        print(f"round {k + 1}: seed {seed}: {res['passed']} passed, {res['failed']} failed ({wall:.0f} s)")
        if r.returncode != 0:
            print(r.stdout[-6000:])
    ok = all(x["exit"] == 0 for x in rounds)
    print("all rounds passed" if ok else "FAILED: see the rounds above (seed and falsifying example)")
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": rounds, "ok": ok}, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

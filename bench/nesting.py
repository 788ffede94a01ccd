"""Cost of deeply nested command substitutions (issue 12, item 3).

    python bench/nesting.py [N ...]

For each N (default 1000 4000 12000 30000) a child process lints
``RUN echo $(${`…`})`` nested N times (5 characters a level, in continuation
lines of 50,000 characters) with every rule, and reports the wall time and the
child's peak resident memory. The shell walker stops at
``MAX_SUBST_DEPTH`` substitutions, so both grow linearly with N (before the
cap 12,000 levels took 454 MB and 30,000 failed under 1 GiB).
"""
from __future__ import annotations

import json
import subprocess
import sys

CHILD = r'''
import json, resource, sys, time
n = int(sys.argv[1])
body = "$(${`" * n + "x" + "`})" * n
lines = "\\\n".join(body[i:i + 50_000] for i in range(0, len(body), 50_000))
text = "FROM a:1\nRUN echo " + lines + "\nRUN sudo apt-get update\n"
t = time.perf_counter()
from dockwise.lint.engine import LintSettings, lint_text
res = lint_text(text, LintSettings.make(select=["ALL"]), "Dockerfile")
print(json.dumps({"n": n, "bytes": len(text), "seconds": round(time.perf_counter() - t, 3),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "findings": len(res.violations)}))
'''


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1000, 4000, 12000, 30000]
    print(f"{'levels':>8} {'bytes':>9} {'seconds':>8} {'peak MB':>8} findings")
    for n in sizes:
        r = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True)
        if r.returncode:
            print(f"{n:>8} failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
            continue
        d = json.loads(r.stdout)
        print(f"{d['n']:>8} {d['bytes']:>9} {d['seconds']:>8} {d['peak_mb']:>8} {d['findings']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Profile the language server (cProfile) while it runs an editing scenario.

    python bench/profile_server.py [--scenario typing|open|corpus] [--keys 200] [--enters 20]
                                   [--sort tottime|cumulative] [--limit 30] [--out FILE]

Runs ``python -m cProfile -o FILE -m dockwise serve`` (the event-loop thread,
where the handlers run, is the one profiled) and drives it with the same raw
client and scenarios as ``bench/run.py``:

* ``typing`` (default): the 1,000-line file, ``--keys`` keystrokes and
  ``--enters`` newlines, debounce 0 (figure 5);
* ``open``: didOpen of generated 1,000- and 5,000-line files (figure 4);
* ``corpus``: didOpen of every corpus file (figure 6).

Prints the top functions. Timings under cProfile are inflated; use this to see
where the time goes, and ``bench/run.py`` for the numbers.
"""
from __future__ import annotations

import argparse
import os
import pstats
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
from gen import generate  # noqa: E402
from lspclient import LspProcess  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--scenario", choices=("typing", "open", "corpus"), default="typing")
    ap.add_argument("--keys", type=int, default=200)
    ap.add_argument("--enters", type=int, default=20)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--out", help="keep the pstats file here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dockwise-prof-") as work:
        out = args.out or os.path.join(work, "server.prof")
        cmd = [sys.executable, "-m", "cProfile", "-o", out, "-m", "dockwise", "serve"]
        with LspProcess(cmd, cwd=work, stderr_path=os.path.join(work, "stderr"), timeout=120) as lsp:
            lsp.initialize({"debounceMs": 0})
            lsp.notify("initialized", {})
            if args.scenario == "typing":
                r = run.fig_change(lsp, args.keys, args.enters)
                print(f"(under cProfile) typing p50 {r['p50_ms']:.1f} ms, Enter p50 {r['enter_p50_ms']:.1f} ms",
                      file=sys.stderr)
            elif args.scenario == "open":
                for size in (1000, 5000):
                    for k in range(5):
                        uri = f"file:///prof/{size}-{k}/Dockerfile"
                        lsp.did_open(uri, generate(size, seed=k).text)
                        lsp.wait_publish(uri, 1)
            else:
                from dockwise.lint.discover import SourceError, read_source

                files, _ = run.corpus_files(None)
                for p in files:
                    try:
                        text = read_source(p)
                    except SourceError:
                        continue
                    lsp.did_open(Path(p).as_uri(), text)
                    lsp.wait_publish(Path(p).as_uri(), 1)
            rc = lsp.close(timeout=30)
        if not os.path.exists(out):
            print(f"no profile written (server exit status {rc})", file=sys.stderr)
            return 1
        pstats.Stats(out).strip_dirs().sort_stats(args.sort).print_stats(args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

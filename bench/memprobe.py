"""Where the language server's memory goes: models kept for many documents.

    python bench/memprobe.py MODE < file-list

Run in a fresh interpreter per MODE (RSS growth is only meaningful there).
Reads the files named on stdin (one per line), then keeps, for every file:

* ``text``: its physical lines only (what any editor buffer costs);
* ``noshell``: ``parse(text, shell=False)`` (the instruction model);
* ``shell``: ``parse(text)`` (plus the tree-sitter shell parse of every RUN);
* ``lint``: ``parse(text)`` and ``lint_model`` (what the server caches).

Prints one JSON object: RSS growth in MiB, and for ``shell``/``lint`` the
biggest new object types (``sys.getsizeof`` over ``gc.get_objects()``: container
objects only, so ``str`` is not in the list).
"""
from __future__ import annotations

import collections
import gc
import json
import sys


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    mode = sys.argv[1]
    from dockwise.lint.discover import SourceError, read_source
    from dockwise.lint.engine import lint_model
    from dockwise.syntax.parser import parse

    texts = []
    for path in sys.stdin.read().splitlines():
        try:
            texts.append((path, read_source(path)))
        except SourceError:
            pass
    lint_model(parse("FROM scratch\nRUN true\n"))  # imports, grammar, rule plan
    gc.collect()
    base_count: collections.Counter = collections.Counter()
    base_size: collections.Counter = collections.Counter()
    for o in gc.get_objects():
        base_count[type(o).__name__] += 1
        base_size[type(o).__name__] += sys.getsizeof(o)
    r0 = rss_mib()
    keep: list = []
    for path, text in texts:
        if mode == "text":
            keep.append(text.split("\n"))
            continue
        df = parse(text, path=path, shell=mode != "noshell")
        keep.append(df)
        if mode == "lint":
            keep.append(lint_model(df))
    gc.collect()
    out: dict = {"mode": mode, "files": len(texts), "rss_growth_mib": round(rss_mib() - r0, 1)}
    if mode in ("shell", "lint"):
        count: collections.Counter = collections.Counter()
        size: collections.Counter = collections.Counter()
        for o in gc.get_objects():  # container objects only (str/int are not tracked)
            n = type(o).__name__
            count[n] += 1
            size[n] += sys.getsizeof(o)
        size.subtract(base_size)
        count.subtract(base_count)
        top = [{"type": n, "count": count[n], "mib": round(s / 2**20, 1)} for n, s in size.most_common(8)]
        out["top_types"] = top
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

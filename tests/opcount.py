"""A deterministic operation counter for complexity assertions.

``ops(fn)`` runs ``fn()`` under ``sys.settrace`` and counts the trace
events: every Python function call and return (generator steps included) and
every line executed (each turn of a loop, also one without calls). For a given
input the count is the same on every run and every machine, so tests can
assert how it grows with the input without a clock. C code that does work in
one step (a regex, a slice, a tree-sitter parse) counts once: memory growth
is measured separately (``tracemalloc``) where that matters.
"""
from __future__ import annotations

import sys
from typing import Any, Callable


def ops(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(``fn()``, number of trace events while it ran)."""
    n = 0

    def tracer(frame, event, arg):  # noqa: ARG001
        nonlocal n
        n += 1
        return tracer

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = fn()
    finally:
        sys.settrace(old)
    return result, n


def growth(fn: Callable[[int], Any], small: int, factor: int = 4) -> tuple[int, int, float]:
    """Operation counts of ``fn(small)`` and ``fn(small * factor)`` and their
    ratio divided by ``factor`` (≈ 1 for linear work, ≈ ``factor`` for quadratic)."""
    fn(max(1, small // 4))  # warm-up: imports, caches filled on first use
    _, a = ops(lambda: fn(small))
    _, b = ops(lambda: fn(small * factor))
    return a, b, (b / a) / factor

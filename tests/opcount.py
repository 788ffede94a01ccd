"""A deterministic operation counter for complexity assertions.

``ops(fn)`` runs ``fn()`` under ``sys.setprofile`` and counts the profile
events: every Python function call and return (generator steps included) and
every call into C. For a given input the count is the same on every run and
every machine, so tests can assert how it grows with the input without a
clock. C code that does work in one call (a regex, a slice) counts once; the
Python loops around it are what the counter sees.
"""
from __future__ import annotations

import sys
from typing import Any, Callable


def ops(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(``fn()``, number of profile events while it ran)."""
    n = 0

    def prof(frame, event, arg):  # noqa: ARG001
        nonlocal n
        n += 1

    old = sys.getprofile()
    sys.setprofile(prof)
    try:
        result = fn()
    finally:
        sys.setprofile(old)
    return result, n


def growth(fn: Callable[[int], Any], small: int, factor: int = 4) -> tuple[int, int, float]:
    """Operation counts of ``fn(small)`` and ``fn(small * factor)`` and their
    ratio divided by ``factor`` (≈ 1 for linear work, ≈ ``factor`` for quadratic)."""
    fn(max(1, small // 4))  # warm-up: imports, caches filled on first use
    _, a = ops(lambda: fn(small))
    _, b = ops(lambda: fn(small * factor))
    return a, b, (b / a) / factor

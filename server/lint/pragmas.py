"""In-file pragmas as the engine applies them: which findings they hide.

The pragmas themselves (forms, parser, code resolution) are
:mod:`dockwise.rules._pragmas`, shared with rules DW101 and DL1001; this module
turns them into :class:`Suppressions` and re-exports the parser's API for the
layers above (engine, editor, command line).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable

from dockwise.rules._pragmas import (  # noqa: F401  (re-exported)
    BUILDKIT_CHECKS,
    FILE_LEVEL_CHECKS,
    HADOLINT_CODES,
    CodeRef,
    Pragma,
    PragmaProblem,
    Pragmas,
    analyse,
    resolve_code,
    shell_pragmas,
)


@dataclass(slots=True)
class Suppressions:
    """Which findings the pragmas of one file hide."""

    global_codes: set[str] = field(default_factory=set)
    # (first line, last line, codes) ranges
    ranges: list[tuple[int, int, set[str]]] = field(default_factory=list)
    # BuildKit checks: names lower-cased; "*" = skip=all
    global_checks: set[str] = field(default_factory=set)
    check_ranges: list[tuple[int, int, set[str]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.global_codes or self.ranges or self.global_checks or self.check_ranges)

    # (len(ranges), len(check_ranges)) -> the line indexes of both, built on first use
    _index: tuple | None = field(default=None, repr=False, compare=False)

    def suppressed(self, codes: set[str], line: int, checks: Iterable[str] = (), local_checks: bool = True) -> bool:
        """``codes``: the finding's upper-cased code, name and aliases;
        ``checks``: its rule's BuildKit check names (any case);
        ``local_checks``: whether a per-instruction ``# check=skip=`` applies.
        O(log n) per call: the ranges are indexed by line (see :func:`_covering`)."""
        if codes & self.global_codes:
            return True
        key = (len(self.ranges), len(self.check_ranges))
        if self._index is None or self._index[0] != key:
            self._index = (key, _covering(self.ranges), _covering(self.check_ranges))
        _, by_line, checks_by_line = self._index
        if codes & _at(by_line, line):
            return True
        checks = {c.lower() for c in checks}
        if checks:
            if "*" in self.global_checks or checks & self.global_checks:
                return True
            if local_checks:
                cs = _at(checks_by_line, line)
                if "*" in cs or checks & cs:
                    return True
        return False


_NONE: frozenset[str] = frozenset()


def _covering(ranges: list[tuple[int, int, set[str]]]) -> tuple[list[int], list[frozenset[str]]]:
    """The union of the codes of the ranges covering each line, as sorted
    segment starts and their code sets (constant between the ranges' ends)."""
    opens: dict[int, list[set[str]]] = {}
    closes: dict[int, list[set[str]]] = {}
    for a, b, cs in ranges:
        if b < a:
            continue
        opens.setdefault(a, []).append(cs)
        closes.setdefault(b + 1, []).append(cs)
    active: dict[str, int] = {}
    starts: list[int] = []
    sets: list[frozenset[str]] = []
    for p in sorted(opens.keys() | closes.keys()):
        for cs in closes.get(p, ()):
            for c in cs:
                active[c] -= 1
                if not active[c]:
                    del active[c]
        for cs in opens.get(p, ()):
            for c in cs:
                active[c] = active.get(c, 0) + 1
        starts.append(p)
        sets.append(frozenset(active) if active else _NONE)
    return starts, sets


def _at(index: tuple[list[int], list[frozenset[str]]], line: int) -> frozenset[str]:
    starts, sets = index
    k = bisect.bisect_right(starts, line) - 1
    return sets[k] if k >= 0 else _NONE


def suppressions(p: Pragmas) -> Suppressions:
    sup = Suppressions()
    for pr in p.pragmas:
        if pr.kind == "shell":
            continue
        if pr.kind == "check":
            names = {c.key for c in pr.codes if c.key}
            if pr.skip_all:
                names.add("*")
            if not names:
                continue
            if pr.top:
                sup.global_checks |= names
            elif pr.target is not None:
                sup.check_ranges.append((pr.target[0], pr.target[1], names))
            continue
        keys = {c.key for c in pr.codes if c.key} | {c.text.upper() for c in pr.codes if c.key}
        if not keys:
            continue
        if pr.kind == "global":
            sup.global_codes |= keys
        elif pr.target is not None:
            sup.ranges.append((pr.target[0], pr.target[1], keys))
    return sup

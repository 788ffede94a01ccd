"""Regular expressions compiled on first use.

``NAME = lazyre.compile(r"...")`` at module level behaves as ``re.compile``'s
pattern for every method and attribute, but compiles at the first use. The
engine's modules define ~100 patterns and a document uses a fifth of them:
compiling them all at import took ~15 ms; left to their first use, editlat's
document needs few enough that the server's open → first diagnostics is ~5 ms
shorter (measured against eager compiling). After the first use each method is the
compiled pattern's own bound method (a slot of this object): no indirection is
left on the hot path.
"""
from __future__ import annotations

import re
from typing import Any, AnyStr, cast, overload

_FORWARDED = ("match", "search", "fullmatch", "sub", "subn", "split", "findall", "finditer", "scanner",
              "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    __slots__ = ("_source", "_flags", *_FORWARDED)

    def __init__(self, source: "str | bytes", flags: int = 0):
        self._source, self._flags = source, flags

    def __getattr__(self, name: str) -> Any:  # only while a forwarded slot is unset: before the first use
        if name not in _FORWARDED:
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for n in _FORWARDED:
            object.__setattr__(self, n, getattr(compiled, n))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazyre.compile({self._source!r}{f', {self._flags}' if self._flags else ''})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPattern):
            return (self._source, self._flags) == (other._source, other._flags)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._source, self._flags))

    def __copy__(self) -> "LazyPattern":
        return self

    def __deepcopy__(self, memo: dict) -> "LazyPattern":
        return self


@overload
def compile(source: str, flags: int = 0) -> "re.Pattern[str]": ...  # noqa: A001 (re.compile's name, on purpose)
@overload
def compile(source: bytes, flags: int = 0) -> "re.Pattern[bytes]": ...
def compile(source: AnyStr, flags: int = 0) -> "re.Pattern[AnyStr]":
    """``re.compile(source, flags)``, compiled at the first use (a syntax error surfaces then)."""
    return cast("re.Pattern[AnyStr]", LazyPattern(source, flags))

"""Applying rule fixes to text: the engine behind ``dockwise fix`` and ``lint --fix``.

No LSP imports. Three layers:

* :func:`apply_edits` turns edits (spans of 0-based line / code-point column
  on the text's physical lines, split on ``"\\n"`` exactly as the parser does)
  into a new text. Line endings (CRLF) and a leading BOM are preserved: a
  ``"\\n"`` in inserted text becomes ``"\\r\\n"`` in a CRLF file, and columns
  never reach past a line's ``"\\r"``.
* :func:`select_fixes` picks, from one lint, the fixes one round may apply:
  safe ones (plus unsafe ones when asked, never display-only), skipping a fix
  whose edits overlap (or insert at the same point as) one already chosen —
  ruff's isolation; the skipped ones get their turn in the next round.
* :func:`fix_text` lints, applies a round, re-lints, until nothing changes or
  ``max_rounds``. A round that would add a syntax error or change the number
  of stages is rejected: the text stays as it was, the offending fixes are
  declined ("fix declined: would introduce a syntax error") and the round is
  retried without them. A text seen before (a fix undoing another, or a fix
  re-triggering itself) stops the loop and reports non-convergence.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from dockwise.lint.engine import DEFAULT_SETTINGS, LintSettings, Violation, lint_text
from dockwise.syntax.model import Dockerfile, Pos
from dockwise.rules._api import Applicability, Edit, Fix

DECLINED = "fix declined: would introduce a syntax error"


# -- edits → text ---------------------------------------------------------------


def _line_starts(text: str) -> tuple[list[int], list[int]]:
    """Offsets where each physical line starts, and each line's usable length
    (without its ``"\\r"`` run), for ``text.split("\\n")``."""
    starts: list[int] = []
    lengths: list[int] = []
    off = 0
    for line in text.split("\n"):
        starts.append(off)
        lengths.append(len(line.rstrip("\r")))
        off += len(line) + 1
    return starts, lengths


def _offset(pos: Pos, starts: list[int], lengths: list[int], total: int) -> int:
    if pos.line < 0:
        return 0
    if pos.line >= len(starts):
        return total
    col = min(max(pos.col, 0), lengths[pos.line])
    return starts[pos.line] + col


def _uses_crlf(text: str) -> bool:
    i = text.find("\n")
    return i > 0 and text[i - 1] == "\r"


def _to_crlf(s: str) -> str:
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to ``text``.

    Edits are ordered by (start, end, given order): several insertions at one
    point appear in the order given. Raises ValueError for overlapping edits.
    Linear in the text and the edits: the result is joined once from the
    untouched pieces and the new texts.
    """
    starts, lengths = _line_starts(text)
    total = len(text)
    crlf = _uses_crlf(text)
    resolved = []
    for seq, e in enumerate(edits):
        a = _offset(e.span.start, starts, lengths, total)
        b = _offset(e.span.end, starts, lengths, total)
        if b < a:
            raise ValueError(f"edit ends before it starts: {e!r}")
        new = _to_crlf(e.new_text) if crlf and "\n" in e.new_text else e.new_text
        resolved.append((a, b, seq, new))
    resolved.sort()
    for (a1, b1, _, _), (a2, _, _, _) in zip(resolved, resolved[1:]):
        if a2 < b1:
            raise ValueError("overlapping edits")
    pieces = []
    at = 0
    for a, b, _, new in resolved:
        pieces.append(text[at:a])
        pieces.append(new)
        at = b
    pieces.append(text[at:])
    return "".join(pieces)


# -- choosing fixes -----------------------------------------------------------------


class _Taken:
    """The edits chosen so far, for conflict checks in O(log n). Two edits
    conflict when they overlap or both touch one insertion point (their order
    would be a guess); tests/test_scaling.py checks this against that pairwise
    definition.

    Chosen edits never conflict with each other, so sorted by start their ends
    never decrease: an edit ``(s, t)`` overlaps a chosen one exactly when the
    last chosen edit starting before ``max(s, t)`` ends after ``s``, or when
    one starts at ``s``."""

    __slots__ = ("starts", "ends", "at")

    def __init__(self) -> None:
        self.starts: list[Pos] = []
        self.ends: list[Pos] = []
        self.at: set[Pos] = set()

    def conflicts(self, e: Edit) -> bool:
        s, t = e.span.start, e.span.end
        if s in self.at:
            return True
        i = bisect.bisect_left(self.starts, t if s < t else s) - 1
        return i >= 0 and s < self.ends[i]

    def add(self, e: Edit) -> None:
        s = e.span.start
        i = bisect.bisect_right(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e.span.end)
        self.at.add(s)


def _allowed(fix: Fix, unsafe: bool) -> bool:
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def _select(violations: Sequence[Violation], unsafe: bool, skip=None) -> list[tuple[Violation, Fix]]:
    chosen: list[tuple[Violation, Fix]] = []
    taken = _Taken()
    seen: set = set()
    # safe fixes first: where a safe and an unsafe fix compete for the same
    # text (DW002 merging a lone `apt-get update` into the install vs DL3009
    # cleaning the lists right after that update), the safe one wins this round
    ordered = sorted(violations, key=lambda v: v.fix is not None and v.fix.applicability is not Applicability.SAFE)
    for v in ordered:
        f = v.fix
        if f is None or not f.edits or not _allowed(f, unsafe):
            continue
        if skip is not None and skip(v, f):
            continue
        if f.edits in seen:  # the same fix offered by two findings
            continue
        if any(taken.conflicts(e) for e in f.edits):
            continue
        seen.add(f.edits)
        for e in f.edits:  # a fix's own edits are sorted and do not overlap
            taken.add(e)
        chosen.append((v, f))
    return chosen


def select_fixes(violations: Sequence[Violation], unsafe: bool = False) -> list[Fix]:
    """The fixes one round applies: safe ones in the violations' order, then
    unsafe ones when ``unsafe``; never display-only; a fix overlapping one
    already chosen is left for a later round."""
    return [f for _, f in _select(violations, unsafe)]


# -- the fix loop -------------------------------------------------------------------


@dataclass
class FixResult:
    text: str
    applied: list[tuple[str, str]] = field(default_factory=list)  # (code, title) in order
    remaining: list[Violation] = field(default_factory=list)
    rounds: int = 0
    converged: bool = True
    declined: list[tuple[str, str]] = field(default_factory=list)  # (code, "title: reason")

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def syntax_errors(df: Dockerfile) -> int:
    """What DW000 reports: parse errors at severity error."""
    return sum(1 for e in df.errors if e.severity == "error")


def _shape(df: Dockerfile) -> tuple[int, int]:
    return syntax_errors(df), len(df.stages)


def _breaks(before: tuple[int, int], df: Dockerfile) -> bool:
    errs, stages = _shape(df)
    return errs > before[0] or stages != before[1]


def _key(text: str, code: str, fix: Fix, index: tuple[list[int], list[int]] | None = None) -> tuple:
    """A fix's identity that survives edits elsewhere: what it replaces and with
    what (so a declined fix stays declined after other fixes moved it).
    ``index``: ``_line_starts(text)``, when the caller has it."""
    starts, lengths = index if index is not None else _line_starts(text)
    parts = []
    for e in fix.edits:
        a = _offset(e.span.start, starts, lengths, len(text))
        b = _offset(e.span.end, starts, lengths, len(text))
        parts.append((text[a:b], e.new_text))
    return (code, fix.title, tuple(parts))


def _culprits(current: str, chosen: list[tuple[Violation, Fix]], breaks) -> list[tuple[Violation, Fix]]:
    """The fixes of a round that break the file on their own, found by halving:
    a group whose edits keep the file sound is not searched further. A few bad
    fixes among k cost O(log k) parses each, not k parses."""
    if len(chosen) == 1:
        v, f = chosen[0]
        alone = apply_edits(current, f.edits)
        return [chosen[0]] if alone != current and breaks(alone) else []
    mid = len(chosen) // 2
    out = []
    for half in (chosen[:mid], chosen[mid:]):
        if breaks(apply_edits(current, [e for _, f in half for e in f.edits])):
            out.extend(_culprits(current, half, breaks))
    return out


def fix_text(
    text: str,
    settings: LintSettings = DEFAULT_SETTINGS,
    path: str | None = None,
    unsafe: bool = False,
    max_rounds: int = 10,
) -> FixResult:
    """Lint, apply a non-overlapping set of fixes, re-lint, until nothing
    changes or ``max_rounds``. Never returns a text with more syntax errors or
    a different number of stages than ``text``.

    Each round costs one lint, one parse of the new text and time linear in
    the text and the number of fixes; a round that breaks the file costs a
    few more parses per declined fix (see :func:`_culprits`)."""
    from dockwise.syntax.parser import parse

    res = lint_text(text, settings, path)
    current = text
    shape = _shape(res.model)
    out = FixResult(text)
    banned: set[tuple] = set()
    seen_texts = {text}
    rounds = 0
    index: list = []  # _line_starts(current), computed when a ban needs it
    noted: set[tuple[str, str]] = set()

    def skip(v: Violation, f: Fix) -> bool:
        if not banned:
            return False
        if not index:
            index.append(_line_starts(current))
        return _key(current, v.code, f, index[0]) in banned

    def breaks(candidate: str) -> bool:
        return _breaks(shape, parse(candidate, path=path))

    while True:
        chosen = _select(res.violations, unsafe, skip)
        if not chosen:
            break
        if rounds >= max_rounds:
            out.converged = False
            break
        new = apply_edits(current, [e for _, f in chosen for e in f.edits])
        if new == current:  # fixes that change nothing: done
            break
        if breaks(new):
            # find the culprits; if none alone, the combination is
            bad = _culprits(current, chosen, breaks)
            if not index:
                index.append(_line_starts(current))
            for v, f in bad or chosen:
                banned.add(_key(current, v.code, f, index[0]))
                note = (v.code, f"{f.title}: {DECLINED}")
                if note not in noted:
                    noted.add(note)
                    out.declined.append(note)
            continue  # the same text, without the declined fixes
        if new in seen_texts:  # a cycle: fixes undo each other or re-trigger themselves
            out.converged = False
            break
        seen_texts.add(new)
        rounds += 1
        out.applied.extend((v.code, f.title) for v, f in chosen)
        current = new
        index.clear()
        res = lint_text(current, settings, path)
    out.text = current
    out.rounds = rounds
    out.remaining = list(res.violations)
    return out

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
    point appear in the order given. Applied from the end so earlier offsets
    stay valid. Raises ValueError for overlapping edits.
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
    out = text
    for a, b, _, new in reversed(resolved):
        out = out[:a] + new + out[b:]
    return out


# -- choosing fixes -----------------------------------------------------------------


def _conflict(a: Edit, b: Edit) -> bool:
    """Overlap, or both touch one insertion point (their order would be a guess)."""
    s1, e1, s2, e2 = a.span.start, a.span.end, b.span.start, b.span.end
    if s1 < e2 and s2 < e1:
        return True
    return s1 == s2


def _allowed(fix: Fix, unsafe: bool) -> bool:
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def _select(violations: Sequence[Violation], unsafe: bool, skip=None) -> list[tuple[Violation, Fix]]:
    chosen: list[tuple[Violation, Fix]] = []
    taken: list[Edit] = []
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
        if any(_conflict(e, t) for e in f.edits for t in taken):
            continue
        seen.add(f.edits)
        taken.extend(f.edits)
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


def _key(text: str, code: str, fix: Fix) -> tuple:
    """A fix's identity that survives edits elsewhere: what it replaces and with
    what (so a declined fix stays declined after other fixes moved it)."""
    starts, lengths = _line_starts(text)
    parts = []
    for e in fix.edits:
        a = _offset(e.span.start, starts, lengths, len(text))
        b = _offset(e.span.end, starts, lengths, len(text))
        parts.append((text[a:b], e.new_text))
    return (code, fix.title, tuple(parts))


def fix_text(
    text: str,
    settings: LintSettings = DEFAULT_SETTINGS,
    path: str | None = None,
    unsafe: bool = False,
    max_rounds: int = 10,
) -> FixResult:
    """Lint, apply a non-overlapping set of fixes, re-lint, until nothing
    changes or ``max_rounds``. Never returns a text with more syntax errors or
    a different number of stages than ``text``."""
    res = lint_text(text, settings, path)
    current = text
    shape = _shape(res.model)
    out = FixResult(text)
    banned: set[tuple] = set()
    seen_texts = {text}
    rounds = 0
    while True:
        skip = lambda v, f: _key(current, v.code, f) in banned  # noqa: E731
        chosen = _select(res.violations, unsafe, skip)
        if not chosen:
            break
        if rounds >= max_rounds:
            out.converged = False
            break
        new = apply_edits(current, [e for _, f in chosen for e in f.edits])
        if new == current:  # fixes that change nothing: done
            break
        from dockwise.syntax.parser import parse

        if _breaks(shape, parse(new, path=path)):
            # find the culprits on their own; if none alone, the combination is
            bad = []
            for v, f in chosen:
                alone = apply_edits(current, f.edits)
                if alone != current and _breaks(shape, parse(alone, path=path)):
                    bad.append((v, f))
            for v, f in bad or chosen:
                banned.add(_key(current, v.code, f))
                note = (v.code, f"{f.title}: {DECLINED}")
                if note not in out.declined:
                    out.declined.append(note)
            continue  # the same text, without the declined fixes
        if new in seen_texts:  # a cycle: fixes undo each other or re-trigger themselves
            out.converged = False
            break
        seen_texts.add(new)
        rounds += 1
        out.applied.extend((v.code, f.title) for v, f in chosen)
        current = new
        res = lint_text(current, settings, path)
    out.text = current
    out.rounds = rounds
    out.remaining = list(res.violations)
    return out

"""The lint engine: model → selected rules → violations. No LSP imports.

``lint_text`` parses and lints; ``lint_model`` lints an existing model (the
language server builds the model once per document version and shares it).
A rule that raises is reported as one ``internal-error`` violation and logged;
the other rules still run.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from .model import Dockerfile, Pos, Span

log = logging.getLogger("dockwise.engine")


@dataclass(frozen=True)
class LintSettings:
    """What to run and how to report it.

    ``select``: selectors (codes, names, aliases, code prefixes, ``tag:x``,
    ``ALL``); None means every rule that is on by default. ``extend_select``
    adds to that. ``ignore`` removes. ``severity`` maps a selector to a level
    name (error/warning/info/style) or ``off``.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    disable_ignore_pragma: bool = False
    options: tuple[tuple[str, object], ...] = ()  # per-rule options, by code

    @staticmethod
    def make(
        select: Iterable[str] | None = None,
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: dict[str, str] | None = None,
        disable_ignore_pragma: bool = False,
        options: dict[str, object] | None = None,
    ) -> "LintSettings":
        return LintSettings(
            select=None if select is None else tuple(select),
            extend_select=tuple(extend_select),
            ignore=tuple(ignore),
            severity=tuple(sorted((severity or {}).items())),
            disable_ignore_pragma=disable_ignore_pragma,
            options=tuple(sorted((options or {}).items(), key=lambda kv: kv[0])),
        )


DEFAULT_SETTINGS = LintSettings()


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    name: str
    severity: "Severity"
    message: str
    span: Span
    fix: "Fix | None" = None
    related: tuple = ()
    url: str = ""

    @property
    def line(self) -> int:  # 1-based, for reports
        return self.span.start.line + 1


@dataclass(slots=True)
class LintResult:
    model: Dockerfile
    violations: list[Violation] = field(default_factory=list)


# -- rule selection ---------------------------------------------------------


@lru_cache(maxsize=64)
def _plan(settings: LintSettings) -> tuple:
    """Resolve settings to ((rule, severity), ...) once per settings value."""
    from dockwise import rules as registry
    from dockwise.rules._api import Severity

    if settings.select is None:
        chosen = {r.code: r for r in registry.ALL_RULES if r.meta.default_enabled}
    else:
        chosen = {}
        for sel in settings.select:
            for r in registry.resolve(sel):
                chosen[r.code] = r
    for sel in settings.extend_select:
        for r in registry.resolve(sel):
            chosen[r.code] = r
    for sel in settings.ignore:
        for r in registry.resolve(sel):
            chosen.pop(r.code, None)
    levels: dict[str, Severity | None] = {}
    for sel, level in settings.severity:
        for r in registry.resolve(sel):
            lv = str(level).strip().lower()
            levels[r.code] = None if lv in ("off", "ignore", "none") else Severity.parse(lv)
    plan = []
    for code in sorted(chosen):
        r = chosen[code]
        sev = levels.get(code, r.meta.severity)
        if sev is None:
            continue
        plan.append((r, sev))
    return tuple(plan)


def selected_codes(settings: LintSettings) -> list[str]:
    return [r.code for r, _ in _plan(settings)]


# -- pragmas ----------------------------------------------------------------

_HADOLINT = re.compile(
    r"^hadolint[ \t]+(?:(global|stage)[ \t]+)?ignore[ \t]*=[ \t]*([DLSC0-9]+(?:[ \t]*,[ \t]*[DLSC0-9]+)*)[ \t]*(?:#.*)?$"
)
_OURS = re.compile(
    r"^dockwise[ \t]*:[ \t]*(global[ \t]+|stage[ \t]+)?ignore[ \t]*=[ \t]*([A-Za-z0-9_\-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_\-]+)*)[ \t]*(?:#.*)?$"
)


@dataclass(slots=True)
class Suppressions:
    global_codes: set[str] = field(default_factory=set)
    # (first line, last line, codes) ranges
    ranges: list[tuple[int, int, set[str]]] = field(default_factory=list)

    def suppressed(self, codes: set[str], line: int) -> bool:
        if codes & self.global_codes:
            return True
        for a, b, cs in self.ranges:
            if a <= line <= b and codes & cs:
                return True
        return False


def _keys_for(selectors: Iterable[str]) -> set[str]:
    from dockwise import rules as registry

    out: set[str] = set()
    for s in selectors:
        s = s.strip()
        if not s:
            continue
        out.add(s.upper())
        r = registry.get(s)
        if r is not None:
            out.add(r.code.upper())
    return out


def collect_suppressions(df: Dockerfile) -> Suppressions:
    sup = Suppressions()
    starts = {ins.start_line: ins for ins in df.instructions}
    from_lines = sorted(df.instructions[s.from_instruction].start_line for s in df.stages)
    for c in df.comments:
        m = _HADOLINT.match(c.text)
        kind = None
        if m:
            kind, codes = m.group(1), m.group(2)
        else:
            m = _OURS.match(c.text)
            if m:
                kind, codes = (m.group(1) or "").strip() or None, m.group(2)
        if not m:
            continue
        keys = _keys_for(codes.split(","))
        line = c.span.start.line
        if kind == "global":
            sup.global_codes |= keys
        elif kind == "stage":
            nxt = [ln for ln in from_lines if ln > line + 1]
            end = nxt[0] - 1 if nxt else 1 << 60
            sup.ranges.append((line + 1, end, keys))
        else:
            ins = starts.get(line + 1)
            if ins is not None:
                sup.ranges.append((ins.start_line, ins.end_line, keys))
    return sup


# -- running ----------------------------------------------------------------

INTERNAL_ERROR = "DW999"


def lint_model(df: Dockerfile, settings: LintSettings = DEFAULT_SETTINGS) -> list[Violation]:
    from dockwise.rules._api import Context, Severity

    plan = _plan(settings)
    options = dict(settings.options)
    out: list[Violation] = []
    for r, sev in plan:
        ctx = Context(options=dict(options.get(r.code, {}) or {}))
        try:
            for f in r.check(df, ctx):
                out.append(
                    Violation(r.code, r.meta.name, sev, f.message, f.span, f.fix, f.related, r.meta.url)
                )
        except Exception as exc:  # a broken rule must not take the others down
            log.exception("rule %s failed on %s", r.code, df.path or "<text>")
            span = Span(Pos(0, 0), Pos(0, 0))
            out.append(
                Violation(
                    INTERNAL_ERROR,
                    "internal-error",
                    Severity.ERROR,
                    f"internal error in rule {r.code} ({r.meta.name}): {type(exc).__name__}: {exc}",
                    span,
                )
            )
    if not settings.disable_ignore_pragma and out:
        sup = collect_suppressions(df)
        if sup.global_codes or sup.ranges:
            from dockwise import rules as registry

            kept = []
            for v in out:
                r = registry.get(v.code)
                keys = {v.code.upper(), v.name.upper()}
                if r is not None:
                    keys |= {a.upper() for a in r.meta.aliases}
                if not sup.suppressed(keys, v.span.start.line):
                    kept.append(v)
            out = kept
    out.sort(key=lambda v: (v.span.start, v.code))
    return out


def lint_text(
    text: str, settings: LintSettings = DEFAULT_SETTINGS, path: str | None = None
) -> LintResult:
    from .parser import parse

    df = parse(text, path=path)
    return LintResult(df, lint_model(df, settings))


def exceeds(violations: Iterable[Violation], threshold: str) -> bool:
    """hadolint's failure threshold: error|warning|info|style|ignore|none."""
    from dockwise.rules._api import Severity

    t = threshold.strip().lower()
    if t in ("ignore", "none"):
        limit = Severity.STYLE
    else:
        limit = Severity.parse(t)
    return any(v.severity <= limit for v in violations)

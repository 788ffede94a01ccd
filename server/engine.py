"""The lint engine: model → selected rules → violations. No LSP imports.

``lint_text`` parses and lints; ``lint_model`` lints an existing model (the
language server builds the model once per document version and shares it).
A rule that raises is reported as one ``internal-error`` violation and logged;
the other rules still run. In-file pragmas (``# hadolint ignore=``,
``# dockwise: ignore=``, ``# check=skip=``/``error=``, …) are parsed by
:mod:`dockwise.pragmas` and applied after the rules ran.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Iterable

from .model import Dockerfile, Pos, Span
from .pragmas import Suppressions, shell_pragmas  # noqa: F401  (re-exported)

log = logging.getLogger("dockwise.engine")


class _FrozenMap(tuple):
    """A mapping frozen into sorted ``(key, value)`` pairs (hashable)."""

    __slots__ = ()


def freeze(value: object) -> object:
    """Make option values hashable: mappings → sorted pairs, lists → tuples."""
    if isinstance(value, _FrozenMap):
        return value
    if isinstance(value, dict):
        return _FrozenMap(sorted(((str(k), freeze(v)) for k, v in value.items()), key=lambda kv: kv[0]))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((freeze(v) for v in value), key=repr))
    return value


def thaw(value: object) -> object:
    """The inverse of :func:`freeze` (tuples come back as lists)."""
    if isinstance(value, _FrozenMap):
        return {k: thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class LintSettings:
    """What to run and how to report it.

    ``select``: selectors (codes, names, aliases, code prefixes, ``tag:x``,
    ``ALL``); None means every rule that is on by default. ``extend_select``
    adds to that. ``ignore`` removes. ``severity`` maps a selector to a level
    name (error/warning/info/style) or ``off``; within one settings value a
    more specific selector wins (``ALL`` < ``tag:x`` < prefix < exact key).

    ``base``: lower-precedence settings (configuration files) this value is
    layered on: the base's selection is computed first; then a ``select`` here
    *replaces* it and ``extend_select``/``ignore`` add to and remove from it,
    except that what a lower layer *ignores* stays ignored unless this layer
    names the rule exactly (code, name or alias, not a prefix, tag or ``ALL``)
    in ``select``/``extend_select``. ``severity`` entries here are applied
    after the base's. ``options`` merge per rule and per key (this value wins);
    ``disable_ignore_pragma`` is on when any layer turns it on.

    Hashable (an ``lru_cache`` key): build it with :meth:`make`, which freezes
    option values.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    disable_ignore_pragma: bool = False
    options: tuple[tuple[str, object], ...] = ()  # per-rule options, by code (frozen)
    base: "LintSettings | None" = None

    @staticmethod
    def make(
        select: Iterable[str] | None = None,
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: dict[str, str] | None = None,
        disable_ignore_pragma: bool = False,
        options: dict[str, object] | None = None,
        base: "LintSettings | None" = None,
    ) -> "LintSettings":
        return LintSettings(
            select=None if select is None else tuple(select),
            extend_select=tuple(extend_select),
            ignore=tuple(ignore),
            severity=tuple(sorted((severity or {}).items())),
            disable_ignore_pragma=disable_ignore_pragma,
            options=tuple(sorted(((k, freeze(v)) for k, v in (options or {}).items()), key=lambda kv: kv[0])),
            base=base,
        )

    def layers(self) -> list["LintSettings"]:
        """The chain of settings, lowest precedence first."""
        chain: list[LintSettings] = []
        s: LintSettings | None = self
        while s is not None:
            chain.append(s)
            s = s.base
        return chain[::-1]


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


def _specificity(selector: str) -> int:
    """Order of application of severity entries within one layer."""
    from dockwise import rules as registry

    s = selector.strip()
    if s.upper() == "ALL":
        return 0
    if s.lower().startswith("tag:"):
        return 1
    if registry.get(s) is not None:
        return 1000
    return 2 + len(s)  # a code prefix: longer is more specific


@lru_cache(maxsize=64)
def _plan(settings: LintSettings) -> tuple:
    """Resolve settings to ((rule, severity), ...) once per settings value."""
    from dockwise import rules as registry
    from dockwise.rules._api import Severity

    chosen = {r.code: r for r in registry.ALL_RULES if r.meta.default_enabled}
    levels: dict[str, Severity | None] = {}
    ignored_below: set[str] = set()  # what lower layers ignore
    for layer in settings.layers():
        named = set()  # rules this layer names exactly (code, name or alias) in select/extend_select
        for sel in (*(layer.select or ()), *layer.extend_select):
            r = registry.get(sel)
            if r is not None:
                named.add(r.code)
        if layer.select is not None:
            chosen = {}
            for sel in layer.select:
                for r in registry.resolve(sel):
                    chosen[r.code] = r
        for sel in layer.extend_select:
            for r in registry.resolve(sel):
                chosen[r.code] = r
        ignored_below -= named
        for code in ignored_below:
            chosen.pop(code, None)
        for sel in layer.ignore:
            for r in registry.resolve(sel):
                chosen.pop(r.code, None)
                ignored_below.add(r.code)
        for sel, level in sorted(layer.severity, key=lambda kv: (_specificity(kv[0]), kv[0])):
            lv = str(level).strip().lower()
            sev = None if lv in ("off", "ignore", "none") else Severity.parse(lv)
            for r in registry.resolve(sel):
                levels[r.code] = sev
    plan = []
    for code in sorted(chosen):
        r = chosen[code]
        sev = levels.get(code, r.meta.severity)
        if sev is None:
            continue
        plan.append((r, sev))
    return tuple(plan)


@lru_cache(maxsize=64)
def _runtime(settings: LintSettings) -> tuple[dict[str, dict], bool]:
    """(per-rule options by code, disable_ignore_pragma) over all layers."""
    from dockwise import rules as registry

    options: dict[str, dict] = {}
    disable = False
    for layer in settings.layers():
        disable = disable or layer.disable_ignore_pragma
        for key, value in layer.options:
            r = registry.get(key)
            code = r.code if r is not None else key
            v = thaw(value)
            if isinstance(v, dict):
                options.setdefault(code, {}).update(v)
            else:
                options[code] = v
    return options, disable


def selected_codes(settings: LintSettings) -> list[str]:
    return [r.code for r, _ in _plan(settings)]


# -- pragmas ----------------------------------------------------------------
# The parser lives in :mod:`dockwise.pragmas` (shared with rule DW101).

def collect_suppressions(df: Dockerfile) -> Suppressions:
    from . import pragmas

    return pragmas.suppressions(pragmas.analyse(df))


# -- running ----------------------------------------------------------------

INTERNAL_ERROR = "DW999"


def lint_model(df: Dockerfile, settings: LintSettings = DEFAULT_SETTINGS) -> list[Violation]:
    from dockwise.rules._api import Context, Severity

    plan = _plan(settings)
    options, disable_pragmas = _runtime(settings)
    out: list[Violation] = []
    for r, sev in plan:
        opts = options.get(r.code)
        ctx = Context(options=dict(opts) if isinstance(opts, dict) else {})
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
    if out and (df.comments or df.directives):
        out = _apply_pragmas(df, out, disable_pragmas)
    out.sort(key=lambda v: (v.span.start, v.code))
    return out


def _apply_pragmas(df: Dockerfile, out: list[Violation], disable_ignore: bool) -> list[Violation]:
    """Drop what ignore pragmas hide (unless disabled) and apply
    ``# check=error=true`` (findings of rules with a BuildKit alias → error)."""
    from dockwise import rules as registry
    from dockwise.rules._api import Severity

    from . import pragmas

    found = pragmas.analyse(df)
    if not found.pragmas:
        return out
    sup = None if disable_ignore else pragmas.suppressions(found)
    raise_errors = found.check_error
    if not sup and not raise_errors:
        return out
    kept = []
    for v in out:
        r = registry.get(v.code)
        aliases = r.meta.aliases if r is not None else ()
        checks = [a for a in aliases if a in pragmas.BUILDKIT_CHECKS]
        if sup:
            keys = {v.code.upper(), v.name.upper()} | {a.upper() for a in aliases}
            if sup.suppressed(keys, v.span.start.line, checks):
                continue
        if raise_errors and checks and v.severity != Severity.ERROR:
            v = replace(v, severity=Severity.ERROR)
        kept.append(v)
    return kept


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

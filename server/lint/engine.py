"""The lint engine: model → selected rules → violations. No LSP imports.

``lint_text`` parses and lints; ``lint_model`` lints an existing model (the
language server builds the model once per document version and shares it).
A rule that raises is reported as one ``internal-error`` violation and logged;
the other rules still run. In-file pragmas (``# hadolint ignore=``,
``# dockwise: ignore=``, ``# check=skip=``/``error=``, …) are parsed by
:mod:`dockwise.lint.pragmas` and applied after the rules ran.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from dockwise.syntax.model import Dockerfile, Pos, Span
from dockwise.lint.pragmas import Suppressions, shell_pragmas  # noqa: F401  (re-exported)

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.rules._api import Fix, Severity

log = logging.getLogger("dockwise.lint.engine")


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
    ``ALL``); None means every rule that is on by default. A rule that is off
    by default is selected by its exact code, name or alias or by ``ALL``,
    not by a prefix or a tag. ``extend_select``
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
    # the build linted for (``docker build`` flags): "args" (name → value),
    # "target", "platform", "context"; per key a higher layer wins, args merge
    build: tuple[tuple[str, object], ...] = ()
    # rules (selectors) to report only in stages whose layers reach the final
    # image, besides those that always do (RuleMeta.final_image_only); all layers add up
    final_image_only: tuple[str, ...] = ()

    @staticmethod
    def make(
        select: Iterable[str] | None = None,
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: dict[str, str] | None = None,
        disable_ignore_pragma: bool = False,
        options: Mapping[str, object] | None = None,
        base: "LintSettings | None" = None,
        build: dict[str, object] | None = None,
        final_image_only: Iterable[str] = (),
    ) -> "LintSettings":
        return LintSettings(
            select=None if select is None else tuple(select),
            extend_select=tuple(extend_select),
            ignore=tuple(ignore),
            severity=tuple(sorted((severity or {}).items())),
            disable_ignore_pragma=disable_ignore_pragma,
            options=tuple(sorted(((k, freeze(v)) for k, v in (options or {}).items()), key=lambda kv: kv[0])),
            base=base,
            build=tuple(sorted(((k, freeze(v)) for k, v in (build or {}).items() if v is not None),
                               key=lambda kv: kv[0])),
            final_image_only=tuple(final_image_only),
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
    if registry.family(s) is not None:
        return 2000 + len(s)  # one code of a family (SC2086) is more specific than the family (SC)
    return 2 + len(s)  # a code prefix: longer is more specific


def _selected_by(registry, selector: str) -> list:
    """Rules a select entry turns on: a rule that is off by default only when
    named exactly (code, name or alias) or by ``ALL``, not by a code prefix or
    a tag (``--select DL3`` means hadolint's usual DL3 rules, not DL3057)."""
    found = registry.resolve(selector)
    if registry.get(selector) is not None or selector.strip().upper() == "ALL":
        return found
    return [r for r in found if r.meta.default_enabled]


class SubFilter:
    """Which codes of a family rule (``RuleMeta.subcodes``: ShellCheck's
    ``SCnnnn``) are reported, and at which severity: the outcome of the
    selectors that name such codes or prefixes (``--select SC2086``,
    ``--ignore SC2``, ``--severity SC2086=error``, hadolint's ``ignored:`` and
    ``override:``). Layers apply as for rules (see :class:`LintSettings`)."""

    __slots__ = ("include", "exclude", "allowed", "levels", "_memo")

    def __init__(self) -> None:
        self.include: set[str] | None = None  # code prefixes; None: every code
        self.exclude: set[str] = set()  # ignored code prefixes
        self.allowed: set[str] = set()  # exact codes a higher layer named again
        self.levels: list[tuple[str, Severity | None]] = []  # (prefix, level), later wins; "" = all
        self._memo: dict[tuple[str, Severity], Severity | None] = {}

    def decide(self, code: str, default: Severity) -> Severity | None:
        """The severity a finding of ``code`` is reported at, or None (not reported)."""
        key = (code, default)
        if key in self._memo:
            return self._memo[key]
        sev: Severity | None = default
        if self.include is not None and not any(code.startswith(p) for p in self.include):
            sev = None
        elif code not in self.allowed and any(code.startswith(p) for p in self.exclude):
            sev = None
        else:
            for pfx, level in self.levels:
                if code.startswith(pfx):
                    sev = level
        self._memo[key] = sev
        return sev


class _Plan(tuple):
    """((rule, severity), ...) plus ``families``: code → :class:`SubFilter`."""

    families: dict


@lru_cache(maxsize=64)
def _plan(settings: LintSettings) -> _Plan:
    """Resolve settings to ((rule, severity), ...) once per settings value."""
    return _resolve(settings)[0]


@lru_cache(maxsize=64)
def _experimental(settings: LintSettings) -> tuple:
    """Experimental rules a file may turn on (``# check=experimental=…``): not
    chosen by ``settings``, and neither ignored nor turned off by any layer."""
    return _resolve(settings)[1]


def _resolve(settings: LintSettings) -> tuple[_Plan, tuple]:
    from dockwise import rules as registry
    from dockwise.rules._api import Severity

    chosen = {r.code: r for r in registry.ALL_RULES if r.meta.default_enabled}
    levels: dict[str, Severity | None] = {}
    ignored_below: set[str] = set()  # what lower layers ignore
    subs: dict[str, SubFilter] = {r.code: SubFilter() for r in registry.ALL_RULES if r.meta.subcodes}
    for layer in settings.layers():
        named = set()  # rules this layer names exactly (code, name or alias) in select/extend_select
        for sel in (*(layer.select or ()), *layer.extend_select):
            r = registry.get(sel)
            if r is not None:
                named.add(r.code)
            fam = registry.family(sel)
            if fam is not None:
                subs[fam[0].code].allowed.add(fam[1])
        if layer.select is not None:
            chosen = {}
            picked: dict[str, set[str] | None] = {}
            for sel in layer.select:
                fam = registry.family(sel)
                if fam is not None:
                    chosen[fam[0].code] = fam[0]
                    cur = picked.setdefault(fam[0].code, set())
                    if cur is not None:
                        cur.add(fam[1])
                    continue
                for r in _selected_by(registry, sel):
                    chosen[r.code] = r
                    if r.code in subs:
                        picked[r.code] = None
            for code, sub in subs.items():
                sub.include = picked.get(code)
        for sel in layer.extend_select:
            fam = registry.family(sel)
            if fam is not None:
                code = fam[0].code
                inc = subs[code].include
                if code not in chosen:
                    chosen[code] = fam[0]
                    subs[code].include = {fam[1]}
                elif inc is not None:
                    inc.add(fam[1])
                continue
            for r in _selected_by(registry, sel):
                chosen[r.code] = r
                if r.code in subs:
                    subs[r.code].include = None
        ignored_below -= named
        for code in ignored_below:
            chosen.pop(code, None)
        for sel in layer.ignore:
            fam = registry.family(sel)
            if fam is not None:
                sub = subs[fam[0].code]
                sub.exclude.add(fam[1])
                sub.allowed = {c for c in sub.allowed if not c.startswith(fam[1])}
                continue
            for r in registry.resolve(sel):
                chosen.pop(r.code, None)
                ignored_below.add(r.code)
        for sel, level in sorted(layer.severity, key=lambda kv: (_specificity(kv[0]), kv[0])):
            lv = str(level).strip().lower()
            sev = None if lv in ("off", "ignore", "none") else Severity.parse(lv)
            fam = registry.family(sel)
            if fam is not None:
                subs[fam[0].code].levels.append((fam[1], sev))
                continue
            for r in registry.resolve(sel):
                levels[r.code] = sev
                if r.code in subs:
                    subs[r.code].levels.append(("", sev))
    plan = []
    for code in sorted(chosen):
        r = chosen[code]
        sev = levels.get(code, r.meta.severity)
        if sev is None:
            if code not in subs or not any(s is not None for _p, s in subs[code].levels):
                continue
            sev = r.meta.severity  # off as a whole, but some codes turned back on
        plan.append((r, sev))
    out = _Plan(plan)
    out.families = {code: sub for code, sub in subs.items() if code in chosen}
    later = []
    for r in registry.ALL_RULES:
        if r.meta.experimental and r.code not in chosen and r.code not in ignored_below:
            sev = levels.get(r.code, r.meta.severity)
            if sev is not None:
                later.append((r, sev))
    return out, tuple(later)


@lru_cache(maxsize=64)
def build_options(settings: LintSettings):
    """The :class:`~dockwise.rules._api.BuildOptions` of ``settings`` over all layers."""
    from dockwise.images.catalog import host_platform
    from dockwise.rules._api import BuildOptions

    args: dict[str, str] = {}
    single: dict[str, str | None] = {"target": None, "platform": None, "context": None}
    for layer in settings.layers():
        for key, value in layer.build:
            v = thaw(value)
            if key == "args" and isinstance(v, dict):
                args.update({str(k): "" if x is None else str(x) for k, x in v.items()})
            elif key in single and (v is None or isinstance(v, str)):
                single[key] = v or None
    return BuildOptions(args=tuple(sorted(args.items())), target=single["target"],
                        platform=single["platform"], context=single["context"], host_platform=host_platform())


@lru_cache(maxsize=64)
def final_image_codes(settings: LintSettings) -> frozenset[str]:
    """Codes of the rules that report only in the final image's stages: those
    that always do, and those the settings scope (``final-image-only``)."""
    from dockwise import rules as registry

    codes = {r.code for r in registry.ALL_RULES if r.meta.final_image_only}
    for layer in settings.layers():
        for sel in layer.final_image_only:
            codes.update(r.code for r in registry.resolve(sel))
    return frozenset(codes)


def _final_image_scope(df: Dockerfile, out: list[Violation], codes: frozenset[str], build) -> list[Violation]:
    """Drop findings of final-image rules in stages whose layers the image does
    not contain (the target's FROM chain; see syntax.stages)."""
    if not df.stages or not any(v.code in codes for v in out):
        return out
    import bisect

    from dockwise.syntax.stages import view_for

    final = view_for(df, build).final
    starts = [i.start_line for i in df.instructions]
    kept = []
    for v in out:
        if v.code in codes:
            k = bisect.bisect_right(starts, v.span.start.line) - 1
            if k >= 0:
                ins = df.instructions[k]
                if ins.end_line >= v.span.start.line and ins.stage >= 0 and ins.stage not in final:
                    continue
        kept.append(v)
    return kept


@lru_cache(maxsize=64)
def _runtime(settings: LintSettings) -> tuple[dict[str, dict], bool]:
    """(per-rule options by code, disable_ignore_pragma) over all layers."""
    from dockwise import rules as registry

    options: dict[str, Any] = {}  # a rule's table of options, or a bare value
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
# The parser lives in :mod:`dockwise.lint.pragmas` (shared with rule DW101).

def collect_suppressions(df: Dockerfile) -> Suppressions:
    from dockwise.lint import pragmas

    return pragmas.suppressions(pragmas.analyse(df))


# -- running ----------------------------------------------------------------

INTERNAL_ERROR = "DW999"


class LintCache:
    """Findings from the last lint of one document, reused by the next.

    Cached are the rules that declare what their findings depend on (see
    ``rules._api.SCOPES``): per-instruction rules (``each="instruction"`` or
    ``"stage"``), per-stage rules (``each="group"``) and whole-file rules that
    read only some instructions (``reads=``). While typing, one instruction
    changes and the findings of every other instruction and stage are taken
    over as they are (the same :class:`Violation` objects).

    Keys are made of text and *relative* positions, never of objects or
    absolute lines: an instruction's own lines and its line relative to its
    stage's ``FROM``, plus a token of what the rule may read: the lines before
    the first FROM, ``df.path``, ``df.escape``, the line-ending style, and the
    declarations (instruction scope) or all lines (stage and group scope) of
    the stage chain, each stage's lines relative to the same ``FROM``. So when
    lines are inserted or deleted above a stage (Enter), its findings are
    found again and *moved* by the difference (:func:`moved_violation`) instead
    of being recomputed; only the stage that was edited runs its rules again.
    Equal keys mean an equal parse of everything such a rule reads, hence equal
    findings at the same relative places. Only the entries of the last call are
    kept, so the cache is bounded by the document's size; it lives as long as
    the document's state.
    """

    __slots__ = ("settings", "entries", "tokens", "ids", "moved", "fixed", "parts", "decls")

    def __init__(self) -> None:
        self.settings: LintSettings | None = None
        self.entries: dict = {}  # key -> (findings, base line they were computed at)
        self.tokens: dict = {}  # token -> small int (cheap keys)
        self.ids = 0  # last small int handed out
        # the last lint's moved findings: id(moved) -> (moved, original, lines moved); lets
        # a consumer that converted the original (the language server's DiagnosticCache)
        # move its conversion instead of redoing it
        self.moved: dict[int, tuple] = {}
        self.fixed = 0  # the last lint's first line of the first stage: lines before it never move
        self.parts: dict = {}  # (batch kind, stage) -> the entries of that batch's parts (see _lint_cached)
        self.decls: dict = {}  # (token of the lines before the first FROM, of a stage's lines) -> its declarations'

    def moved_from(self, v: "Violation") -> "tuple[Violation, int, int] | None":
        """(original, lines moved, first line that moves) when ``v`` is a moved copy
        made by the last lint: its positions are the original's moved by that many
        lines, except those before the first line that moves."""
        got = self.moved.get(id(v))
        if got is None or got[0] is not v:
            return None
        return got[1], got[2], self.fixed


def _run_rule(r, sev, ctx, df: Dockerfile, out: list[Violation], sub: SubFilter | None = None) -> None:
    from dockwise.rules._api import Severity

    try:
        if sub is not None:
            _run_family(r, ctx, df, out, sub)
            return
        for f in r.check(df, ctx):
            out.append(Violation(r.code, r.meta.name, sev, f.message, f.span, f.fix, f.related, r.meta.url))
    except Exception as exc:  # a broken rule must not take the others down
        log.exception("rule %s failed on %s", r.code, df.path or "<text>")
        out.append(
            Violation(
                INTERNAL_ERROR,
                "internal-error",
                Severity.ERROR,
                f"internal error in rule {r.code} ({r.meta.name}): {type(exc).__name__}: {exc}",
                Span(Pos(0, 0), Pos(0, 0)),
            )
        )


def _run_family(r, ctx, df: Dockerfile, out: list[Violation], sub: SubFilter) -> None:
    """A rule reporting a family of codes: each finding's own code and
    severity, filtered and re-levelled by the selectors naming those codes."""
    from dockwise import rules as registry

    urls: dict[str, str] = {}
    for f in r.check(df, ctx):
        code = f.code or r.code
        sev = sub.decide(code, f.severity if f.severity is not None else r.meta.severity)
        if sev is None:
            continue
        url = urls.get(code)
        if url is None:
            url = urls[code] = registry.url_for(code)
        out.append(Violation(code, r.meta.name, sev, f.message, f.span, f.fix, f.related, url))


def lint_model(
    df: Dockerfile,
    settings: LintSettings = DEFAULT_SETTINGS,
    cache: LintCache | None = None,
    *,
    shellcheck=None,
    only: frozenset[str] | None = None,
) -> list[Violation]:
    """Run the selected rules on ``df``. ``cache`` (one per document, passed
    with every version) lets rules that declare a scope reuse the findings of
    unchanged instructions and stages; the result is the same with or without
    it.

    ``shellcheck``: where the ShellCheck rule gets ShellCheck's results
    (:mod:`dockwise.lint.shellcheck`); None runs no ShellCheck (no ``SC``
    findings). ``only``: run just the rules with these codes (pragmas and
    selection still apply), e.g. ``{"SC"}`` once ShellCheck's results arrived."""
    from dockwise.rules._api import Context

    plan = _plan(settings)
    families = plan.families
    options, disable_pragmas = _runtime(settings)
    if only is not None:
        cache = None  # the cache holds the findings of every per-instruction rule
    build = build_options(settings)
    out: list[Violation] = []
    cached = []
    experimental = _file_experimental(df, settings, build)
    for r, sev in (*plan, *experimental):
        if only is not None and r.code not in only:
            continue
        opts = options.get(r.code)
        ctx = Context(options=dict(opts) if isinstance(opts, dict) else {}, shellcheck=shellcheck, build=build)
        fam = families.get(r.code)
        if cache is not None and fam is None and (r.scope != "file" or r.reads is not None):
            cached.append((r, sev, ctx))
        else:
            _run_rule(r, sev, ctx, df, out, fam)
    if cached:
        assert cache is not None
        if cache.settings is not settings and cache.settings != settings:
            cache.settings, cache.entries, cache.tokens, cache.parts, cache.decls = settings, {}, {}, {}, {}
        failed = _lint_cached(df, cached, cache, out)
        if failed:  # entries made after the failure lack the rule's findings
            cache.entries, cache.parts = {}, {}
        for r, sev, ctx in failed:  # as without the cache: the rule's one internal error
            out = [v for v in out if v.code != r.code]
            _run_rule(r, sev, ctx, df, out)
    if experimental:
        out = _only_where_enabled(df, out, {r.code for r, _ in experimental}, build)
    if out:
        out = _final_image_scope(df, out, final_image_codes(settings), build)
    if out:
        out = _drop_deferred(df, out)
    override = build.arg_values.get("BUILDKIT_DOCKERFILE_CHECK")
    if out and (df.comments or df.directives or override is not None):
        out = _apply_pragmas(df, out, disable_pragmas, override)
    out.sort(key=_order)
    return out


def _order(v: Violation):
    if type(v) is _Moved and v._span is _UNSET:  # its start, without making its span
        start = v._v.span.start
        if start[0] >= v._fixed:
            start = (start[0] + v._d, start[1])
        return (start, v.code)
    return (v.span.start, v.code)


# -- moving findings ------------------------------------------------------------------------

_tn = tuple.__new__


def _mv(s: Span, d: int, fixed: int) -> Span:
    a, b = s
    if a[0] < fixed:  # before the first FROM: never moves with a stage
        return s
    return _tn(Span, (_tn(Pos, (a[0] + d, a[1])), _tn(Pos, (b[0] + d, b[1]))))


def moved_violation(v: Violation, d: int, fixed: int) -> Violation:
    """``v`` with every position on or after line ``fixed`` moved ``d`` lines
    (the findings of a stage whose lines moved as a whole). The positions are
    moved when first read (:class:`_Moved`): Enter above most of a file costs
    one small object per finding, not a copy of its fix and related spans."""
    if type(v) is _Moved and v._fixed == fixed:  # moved again: from the first original, by the sum
        orig = v._v
        d += v._d
    else:
        orig = v
    w = _new(_Moved)
    _set(w, "code", orig.code)
    _set(w, "name", orig.name)
    _set(w, "severity", orig.severity)
    _set(w, "message", orig.message)
    _set(w, "url", orig.url)
    _set(w, "_v", orig)
    _set(w, "_d", d)
    _set(w, "_fixed", fixed)
    _set(w, "_span", _UNSET)
    _set(w, "_fix", _UNSET)
    _set(w, "_related", _UNSET)
    return w


def _retitled(v: Violation, rt, d: int) -> Violation:
    """A moved violation whose message and fix title name line numbers: rewritten by the rule's ``retitle``."""
    fix = v.fix
    if fix is not None:
        fix = _moved_fix(fix, fix.edits, rt(fix.title, d))
    return Violation(v.code, v.name, v.severity, rt(v.message, d), v.span, fix, v.related, v.url)


_new = object.__new__
_set = object.__setattr__
_UNSET = object()


class _Moved(Violation):
    """A :class:`Violation` of an earlier lint moved ``_d`` lines: ``span``, ``fix``
    and ``related`` are the original's moved (positions on or after line
    ``_fixed``), computed on first read. Equal to (and hashed as) the Violation
    with the same fields."""

    __slots__ = ("_v", "_d", "_fixed", "_span", "_fix", "_related")

    @property
    def span(self) -> Span:  # type: ignore[override]
        got = self._span
        if got is _UNSET:
            got = _mv(self._v.span, self._d, self._fixed)
            _set(self, "_span", got)
        return got

    @property
    def fix(self) -> "Fix | None":  # type: ignore[override]
        got = self._fix
        if got is _UNSET:
            from dockwise.rules._api import Edit

            got = self._v.fix
            if got is not None:
                d, fixed = self._d, self._fixed
                got = _moved_fix(got, tuple(Edit(_mv(e.span, d, fixed), e.new_text) for e in got.edits))
            _set(self, "_fix", got)
        return got

    @property
    def related(self) -> tuple:  # type: ignore[override]
        got = self._related
        if got is _UNSET:
            got = self._v.related
            if got:
                d, fixed = self._d, self._fixed
                try:
                    got = tuple((_mv(sp, d, fixed), msg) for sp, msg in got)
                except (TypeError, ValueError):
                    pass
            _set(self, "_related", got)
        return got

    def _fields(self) -> tuple:
        return (self.code, self.name, self.severity, self.message, self.span, self.fix, self.related, self.url)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Violation):
            return self._fields() == (other.code, other.name, other.severity, other.message, other.span,
                                      other.fix, other.related, other.url)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Violation(" + ", ".join(f"{k}={v!r}" for k, v in zip(
            ("code", "name", "severity", "message", "span", "fix", "related", "url"), self._fields())) + ")"

    def __reduce__(self):
        return (Violation, self._fields())


def _moved_fix(fix, edits, title: "str | None" = None):
    """A Fix with ``edits`` moved as a block (their order and overlaps do not
    change, so ``Fix.__post_init__``'s sort and check are not needed)."""
    new = object.__new__(type(fix))
    object.__setattr__(new, "title", fix.title if title is None else title)
    object.__setattr__(new, "edits", edits)
    object.__setattr__(new, "applicability", fix.applicability)
    return new


def _lint_cached(df: Dockerfile, todo: list, cache: LintCache, out: list[Violation]) -> list:
    """Rules with a declared scope, with reuse (see LintCache); returns the rules that raised."""
    from dockwise.rules._api import DECLARATIONS

    moves: dict[int, tuple] = {}
    cache.moved = moves
    lines = df.lines
    ins_list = df.instructions
    stages = df.stages
    nst = len(stages)
    first = stages[0] if stages else None
    pre_end = ins_list[first.from_instruction].start_line if first is not None else len(lines)
    # each stage's line range: from its FROM to the next stage's FROM (or the end)
    bounds = []
    for k, st in enumerate(stages):
        a = ins_list[st.from_instruction].start_line
        b = ins_list[stages[k + 1].from_instruction].start_line if k + 1 < nst else len(lines)
        bounds.append((a, b))
    old_tokens, tokens = cache.tokens, {}

    def tok(t) -> int:
        n = tokens.get(t)
        if n is None:
            n = old_tokens.get(t)
            if n is None:
                cache.ids += 1
                n = cache.ids
            tokens[t] = n
        return n

    glob = tok(("g", df.path, df.escape, "\r\n" in df.text, df.text.endswith("\n"), nst == 0,
                tuple(lines[:pre_end])))
    # per stage: its declarations and all its lines, relative to its FROM line
    # (a stage's declarations follow from its lines and what the parse reads before the
    # first FROM (the escape character): looked up by those while they are unchanged)
    decl_own: list[int] = []
    whole_own: list[int] = []
    old_decls, decls = cache.decls, {}
    for k, st in enumerate(stages):
        a, b = bounds[k]
        w = tok(("w", st.windows, tuple(lines[a:b])))
        whole_own.append(w)
        dk = (glob, w)
        got = old_decls.get(dk)
        if got is None:
            key = ("d", st.windows, tuple(
                (i.start_line - a, tuple(lines[i.start_line : i.end_line + 1]))
                for i in df.stage_instructions(st) if i.keyword in DECLARATIONS))
            got = (tok(key), key)
        else:
            tokens.setdefault(got[1], got[0])  # the token stays known to later versions
        decls[dk] = got
        decl_own.append(got[0])
    cache.decls = decls
    parents = {s.parent for s in stages if s.parent is not None}
    decl_tok: dict[int, int] = {-1: tok(("d", glob))}
    stage_tok: dict[int, int] = {-1: tok(("s", glob))}
    group_tok: dict[int, int] = {-1: tok(("p", glob))}
    for st in stages:
        i = st.index
        base = bounds[i][0]
        p = st.parent
        if p is None:
            up_d = up_s = None
        elif p < i:  # the parent's tokens stand for its whole chain: linear in the stages
            d = bounds[p][0] - base
            up_d, up_s = (d, decl_tok[p]), (d, stage_tok[p])
        else:  # not built in file order (not produced by the parser): spell the chain out
            chain = df.stage_chain(st)
            rel = tuple((c.index, bounds[c.index][0] - base) for c in chain)
            up_d = (rel, tuple(decl_own[c.index] for c in chain))
            up_s = (rel, tuple(whole_own[c.index] for c in chain))
        decl_tok[i] = tok(("d", glob, i, decl_own[i], up_d))
        stage_tok[i] = s_tok = tok(("s", glob, i, whole_own[i], up_s))
        group_tok[i] = tok(("p", s_tok, i == nst - 1, i in parents))
    cache.tokens = tokens

    per_ins = []
    for toks, scope in ((decl_tok, "instruction"), (stage_tok, "stage")):
        for movable in (True, False):
            rs = [x for x in todo if x[0].scope == scope and x[0].each is not None and x[0].moves is movable]
            if rs:
                per_ins.append((toks, movable, rs))
    per_group = [x for x in todo if x[0].group is not None]
    per_file = [x for x in todo if x[0].reads is not None and x[0].each is None and x[0].group is None]
    todo_by_kw: dict[str, tuple] = {}  # effective keyword -> ((tokens, rules), ...) that apply
    old, new = cache.entries, {}
    failed: dict[str, tuple] = {}
    fixed = cache.fixed = pre_end

    retitles = {r.code: r.retitle for r, _sev, _ctx in todo if r.retitle is not None}

    def move_all(found: list, d: int) -> list:
        moved = []
        for v in found:
            w = moved_violation(v, d, fixed)
            rt = retitles.get(v.code) if retitles else None
            if rt is None:
                moves[id(w)] = (w, v, d)
            else:  # its texts name lines: a new violation (not a moved copy for the LSP layer)
                w = _retitled(w, rt, d)
            moved.append(w)
        return moved

    # The entries of a batch's parts (one instruction's or one rule's findings in a stage)
    # live in the batch's own dict, which goes from version to version with it (no
    # per-instruction work while the batch is taken); a batch that is not taken looks for
    # its parts in the dict of the same batch kind and stage in the last version.
    old_parts: dict = cache.parts
    new_parts: dict = {}
    cur: list = [None, None]  # (the last version's parts dict, this version's) while a batch is redone

    def take(key, base: int, compute) -> None:
        src, dst = cur
        got = src.get(key) if src is not None else None
        if got is None:
            got = old.get(key)
        if got is None:
            got = (dst if dst is not None else new).get(key)  # the same key twice in one version
            if got is not None and got[1] != base:
                got = None
        if got is not None:
            found, b0 = got
            if b0 != base:
                found = move_all(found, base - b0)
            (dst if dst is not None else new)[key] = (found, base)
            out.extend(found)
            return
        found = compute()
        if found is not None:
            (dst if dst is not None else new)[key] = (found, base)
            out.extend(found)

    def run_each(rules_, ins) -> "list[Violation] | None":
        got: list[Violation] = []
        ok = True
        for r, sev, ctx in rules_:
            if r.code in failed:
                continue
            try:
                for f in r.each(df, ins, ctx):
                    got.append(Violation(r.code, r.meta.name, sev, f.message, f.span, f.fix, f.related,
                                         r.meta.url))
            except Exception:
                failed[r.code] = (r, sev, ctx)
                ok = False
        if not ok:
            out.extend(got)
            return None
        return got

    def per_instruction(run_ins: list, si: int, base: int, only: "bool | None" = None) -> None:
        for ins in run_ins:
            kw = ins.effective.keyword
            work = todo_by_kw.get(kw)
            if work is None:
                work = todo_by_kw[kw] = tuple(
                    (toks, movable, rs) for toks, movable, rules_ in per_ins
                    if (rs := [x for x in rules_ if x[0].keywords is None or kw in x[0].keywords]))
            if not work:
                continue
            own = tok(("i", ins.start_line - base, tuple(lines[ins.start_line : ins.end_line + 1])))
            for toks, movable, rs in work:
                if only is not None and movable is not only:
                    continue
                key = (toks[si], own) if movable else (toks[si], own, base)
                take(key, base, lambda rs=rs, ins=ins: run_each(rs, ins))

    def take_batch(bkey, base: int, where: tuple) -> bool:
        """Take (or move) the findings of a batch entry: (findings, base, its parts' entries)."""
        got = old.get(bkey)
        if got is None or new.get(bkey) is not None:
            return False
        found, b0, parts = got
        if b0 != base:  # the parts keep their own base: taken, they are moved from there
            got = (move_all(found, base - b0), base, parts)
        new[bkey] = got
        new_parts[where] = parts
        out.extend(got[0])
        return True

    def redo_batch(bkey, base: int, where: tuple, run) -> None:
        """Compute a batch part by part (each part's entry reused when it can be)."""
        n_out, n_failed = len(out), len(failed)
        parts: dict = {}
        cur[0], cur[1] = old_parts.get(where), parts
        try:
            run()
        finally:
            cur[0] = cur[1] = None
        new_parts[where] = parts
        if len(failed) == n_failed:
            new[bkey] = (out[n_out:], base, parts)

    # Per stage: when every line of the stage chain is as it was (stage_tok), every
    # per-instruction key of the stage is too: its findings are taken (or, for the rules
    # whose findings may move, moved) in one piece, without a look at each instruction.
    # Otherwise instruction by instruction.
    kinds = sorted({movable for _, movable, _ in per_ins}, reverse=True)
    k = 0
    n_ins = len(ins_list)
    while k < n_ins:
        si = ins_list[k].stage
        j = k + 1
        while j < n_ins and ins_list[j].stage == si:
            j += 1
        run_ins = ins_list[k:j]
        k = j
        if si < 0:
            per_instruction(run_ins, si, 0)
            continue
        base = bounds[si][0]
        for movable in kinds:
            bkey = ("S", stage_tok[si], True) if movable else ("S", stage_tok[si], False, base)
            where = ("S", movable, si)
            if not take_batch(bkey, base, where):
                redo_batch(bkey, base, where,
                           lambda run_ins=run_ins, si=si, base=base, movable=movable:
                           per_instruction(run_ins, si, base, movable))

    if per_group:
        from dockwise.rules._api import groups_of

        # Per group: when its key (its tokens, its context values, the rules) is as it was,
        # the findings of all its per-stage rules are taken (or moved) in one piece;
        # otherwise rule by rule.
        fns: dict = {}  # context function -> a rule's (rule, sev, ctx) that uses it
        for x in per_group:
            if x[0].context is not None:
                fns.setdefault(x[0].context, x)
        batches = []
        for movable in (True, False):
            rs = [x for x in per_group if x[0].moves is movable]
            if rs:
                batches.append((movable, rs, tok(("R", tuple(x[0].code for x in rs)))))
        for st in groups_of(df):
            si = -1 if st is None else st.index
            base = 0 if st is None else bounds[si][0]
            cvals: dict = {}
            for cx, (r0, sev0, ctx0) in fns.items():
                try:
                    cvals[cx] = tok(("c", cx, cx(df, st, ctx0)))
                except Exception:
                    for r, sev, ctx in per_group:
                        if r.context is cx:
                            failed[r.code] = (r, sev, ctx)
            cv = tuple(cvals.values())
            for movable, rs, rtok in batches:
                bkey = ("G", group_tok[si], cv, rtok) if movable else ("G", group_tok[si], cv, rtok, base)
                where = ("G", movable, si)
                if take_batch(bkey, base, where):
                    continue

                def run_group(rs=rs, st=st, si=si, base=base, movable=movable, cvals=cvals) -> None:
                    for r, sev, ctx in rs:
                        if r.code in failed:
                            continue
                        cval = cvals.get(r.context, 0)

                        def compute(r=r, sev=sev, ctx=ctx):
                            try:
                                return [Violation(r.code, r.meta.name, sev, f.message, f.span, f.fix, f.related,
                                                  r.meta.url) for f in r.group(df, st, ctx)]
                            except Exception:
                                failed[r.code] = (r, sev, ctx)
                                return None

                        key = (group_tok[si], r.code, cval) if movable else (group_tok[si], r.code, cval, base)
                        take(key, base, compute)

                redo_batch(bkey, base, where, run_group)

    if per_file:
        read_tok: dict = {}
        for r, sev, ctx in per_file:
            if r.code in failed:
                continue
            key = read_tok.get(r.reads)
            if key is None:
                key = read_tok[r.reads] = tok(("f", glob, tuple(
                    (i.start_line, i.stage, tuple(lines[i.start_line : i.end_line + 1]))
                    for i in ins_list if i.effective.keyword in r.reads or i.keyword in r.reads)))

            def compute_file(r=r, sev=sev, ctx=ctx):
                got: list[Violation] = []
                try:
                    for f in r.check(df, ctx):
                        got.append(Violation(r.code, r.meta.name, sev, f.message, f.span, f.fix, f.related,
                                             r.meta.url))
                except Exception:
                    failed[r.code] = (r, sev, ctx)
                    return None
                return got

            take((key, r.code), 0, compute_file)
    cache.entries = new
    cache.parts = new_parts
    return list(failed.values())


def _file_experimental(df: Dockerfile, settings: LintSettings, build) -> tuple:
    """Experimental rules this file turns on with ``# check=experimental=…``
    (the directive, BUILDKIT_DOCKERFILE_CHECK, or a comment above an instruction)."""
    cands = _experimental(settings)
    if not cands or not (df.directives or df.comments or "BUILDKIT_DOCKERFILE_CHECK" in build.arg_values):
        return ()
    names = _experimental_names(df, build)
    if not names:
        return ()
    out = []
    for r, sev in cands:
        checks = {a.lower() for a in r.meta.aliases}
        if "*" in names or checks & names:
            out.append((r, sev))
    return tuple(out)


def _experimental_names(df: Dockerfile, build) -> set[str]:
    from dockwise.lint import pragmas

    found = pragmas.analyse(df, build.arg_values.get("BUILDKIT_DOCKERFILE_CHECK"))
    names: set[str] = set()
    for p in found.pragmas:
        if p.kind == "check":
            names |= set(p.experimental)
    return names


def _only_where_enabled(df: Dockerfile, out: list[Violation], codes: set[str], build) -> list[Violation]:
    """Findings of file-enabled experimental rules stay where the enabling
    pragma applies: anywhere for the top directive, else on its instruction."""
    from dockwise import rules as registry
    from dockwise.lint import pragmas

    found = pragmas.analyse(df, build.arg_values.get("BUILDKIT_DOCKERFILE_CHECK"))
    glob: set[str] = set()
    local: list[tuple[int, int, set[str]]] = []
    for p in found.pragmas:
        if p.kind != "check" or not p.experimental:
            continue
        if p.top:
            glob |= set(p.experimental)
        elif p.target is not None:
            local.append((p.target[0], p.target[1], set(p.experimental)))
    kept = []
    for v in out:
        if v.code not in codes:
            kept.append(v)
            continue
        r = registry.get(v.code)
        checks = {a.lower() for a in r.meta.aliases} if r is not None else set()
        line = v.span.start.line
        if "*" in glob or checks & glob or any(a <= line <= b and ("*" in cs or checks & cs) for a, b, cs in local):
            kept.append(v)
    return kept


def _drop_deferred(df: Dockerfile, out: list[Violation]) -> list[Violation]:
    """A rule that ``defers_to`` other rules loses its finding on an instruction
    where one of them reported too (both were selected and ran): one report of
    one problem. Done before pragmas, so ignoring the other rule there hides both."""
    from dockwise import rules as registry

    deferring = {}
    for v in out:
        if v.code not in deferring:
            r = registry.get(v.code)
            deferring[v.code] = r.meta.defers_to if r is not None else ()
    if not any(deferring.values()):
        return out
    import bisect

    starts = [i.start_line for i in df.instructions]

    def where(v: Violation) -> int:
        k = bisect.bisect_right(starts, v.span.start.line) - 1
        return k if k >= 0 and df.instructions[k].end_line >= v.span.start.line else -1 - v.span.start.line

    reported: set[tuple[str, int]] = {(v.code, where(v)) for v in out}
    return [v for v in out if not any((c, where(v)) in reported for c in deferring.get(v.code, ()))]


def _apply_pragmas(df: Dockerfile, out: list[Violation], disable_ignore: bool,
                   check_override: str | None = None) -> list[Violation]:
    """Drop what ignore pragmas hide (unless disabled) and apply
    ``# check=error=true`` (findings of rules with a BuildKit alias → error).
    ``check_override``: the BUILDKIT_DOCKERFILE_CHECK build argument, which
    replaces the file's ``# check=`` directive as in BuildKit."""
    from dockwise import rules as registry
    from dockwise.rules._api import Severity

    from dockwise.lint import pragmas

    found = pragmas.analyse(df, check_override)
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
            # BuildKit's skip never applies to experimental checks
            skip_checks = () if r is not None and r.meta.experimental else checks
            local = not any(c in pragmas.FILE_LEVEL_CHECKS for c in checks)
            if sup.suppressed(keys, v.span.start.line, skip_checks, local):
                continue
        if raise_errors and checks and v.severity != Severity.ERROR:
            v = Violation(v.code, v.name, Severity.ERROR, v.message, v.span, v.fix, v.related, v.url)
        kept.append(v)
    return kept


def lint_text(
    text: str, settings: LintSettings = DEFAULT_SETTINGS, path: str | None = None, *, shellcheck=None
) -> LintResult:
    """Parse and lint ``text``. ``shellcheck``: see :func:`lint_model`
    (:func:`dockwise.lint.shellcheck.blocking` runs ShellCheck right away)."""
    from dockwise.syntax.parser import parse

    df = parse(text, path=path)
    return LintResult(df, lint_model(df, settings, shellcheck=shellcheck))


def exceeds(violations: Iterable[Violation], threshold: str) -> bool:
    """hadolint's failure threshold: error|warning|info|style|ignore|none."""
    from dockwise.rules._api import Severity

    t = threshold.strip().lower()
    if t in ("ignore", "none"):
        limit = Severity.STYLE
    else:
        limit = Severity.parse(t)
    return any(v.severity <= limit for v in violations)

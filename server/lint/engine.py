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
from dataclasses import dataclass, field, replace
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
    return 2 + len(s)  # a code prefix: longer is more specific


def _selected_by(registry, selector: str) -> list:
    """Rules a select entry turns on: a rule that is off by default only when
    named exactly (code, name or alias) or by ``ALL``, not by a code prefix or
    a tag (``--select DL3`` means hadolint's usual DL3 rules, not DL3057)."""
    found = registry.resolve(selector)
    if registry.get(selector) is not None or selector.strip().upper() == "ALL":
        return found
    return [r for r in found if r.meta.default_enabled]


@lru_cache(maxsize=64)
def _plan(settings: LintSettings) -> tuple:
    """Resolve settings to ((rule, severity), ...) once per settings value."""
    return _resolve(settings)[0]


@lru_cache(maxsize=64)
def _experimental(settings: LintSettings) -> tuple:
    """Experimental rules a file may turn on (``# check=experimental=…``): not
    chosen by ``settings``, and neither ignored nor turned off by any layer."""
    return _resolve(settings)[1]


def _resolve(settings: LintSettings) -> tuple[tuple, tuple]:
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
                for r in _selected_by(registry, sel):
                    chosen[r.code] = r
        for sel in layer.extend_select:
            for r in _selected_by(registry, sel):
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
    later = []
    for r in registry.ALL_RULES:
        if r.meta.experimental and r.code not in chosen and r.code not in ignored_below:
            sev = levels.get(r.code, r.meta.severity)
            if sev is not None:
                later.append((r, sev))
    return tuple(plan), tuple(later)


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
    """Findings of per-instruction rules (``rule(each=...)``) from the last
    lint of one document, reused by the next: while typing, one instruction
    changes and every other instruction's findings are taken over as they are
    (the same :class:`Violation` objects).

    Keys are made of text, not of objects: an instruction's own lines, its
    first line and index, plus a token of what the rule's scope allows it to
    read (see ``rules._api.SCOPES``): the lines before the first FROM,
    ``df.path``, ``df.escape``, the line-ending style, and the declarations
    (instruction scope) or all lines (stage scope) of the stage chain. Equal
    keys mean an equal parse of everything such a rule reads, hence equal
    findings. Only the entries of the last call are kept, so the cache is
    bounded by the document's size; it lives as long as the document's state.
    """

    __slots__ = ("settings", "entries", "tokens")

    def __init__(self) -> None:
        self.settings: LintSettings | None = None
        self.entries: dict = {}
        self.tokens: dict = {}  # token -> small int (cheap keys)


def _run_rule(r, sev, ctx, df: Dockerfile, out: list[Violation]) -> None:
    from dockwise.rules._api import Severity

    try:
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


def lint_model(
    df: Dockerfile, settings: LintSettings = DEFAULT_SETTINGS, cache: LintCache | None = None
) -> list[Violation]:
    """Run the selected rules on ``df``. ``cache`` (one per document, passed
    with every version) lets per-instruction rules reuse the findings of
    unchanged instructions; the result is the same with or without it."""
    from dockwise.rules._api import Context

    plan = _plan(settings)
    options, disable_pragmas = _runtime(settings)
    build = build_options(settings)
    out: list[Violation] = []
    local = []
    experimental = _file_experimental(df, settings, build)
    for r, sev in (*plan, *experimental):
        opts = options.get(r.code)
        ctx = Context(options=dict(opts) if isinstance(opts, dict) else {}, build=build)
        if cache is not None and r.each is not None:
            local.append((r, sev, ctx))
        else:
            _run_rule(r, sev, ctx, df, out)
    if local:
        assert cache is not None
        if cache.settings is not settings and cache.settings != settings:
            cache.settings, cache.entries, cache.tokens = settings, {}, {}
        failed = _lint_local(df, local, cache, out)
        if failed:  # entries made after the failure lack the rule's findings
            cache.entries = {}
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
    out.sort(key=lambda v: (v.span.start, v.code))
    return out


def _lint_local(df: Dockerfile, local: list, cache: LintCache, out: list[Violation]) -> list:
    """Per-instruction rules with reuse (see LintCache); returns the rules that raised."""
    from dockwise.rules._api import DECLARATIONS

    lines = df.lines
    ins_list = df.instructions
    stages = df.stages
    first = stages[0] if stages else None
    pre_end = ins_list[first.from_instruction].start_line if first is not None else len(lines)
    glob = (df.path, df.escape, "\r\n" in df.text, df.text.endswith("\n"), tuple(lines[:pre_end]))
    # each stage's line range: from its FROM to the next stage's FROM (or the end)
    bounds = []
    for k, st in enumerate(stages):
        a = ins_list[st.from_instruction].start_line
        b = ins_list[stages[k + 1].from_instruction].start_line if k + 1 < len(stages) else len(lines)
        bounds.append((a, b))
    old_tokens, tokens = cache.tokens, {}

    def tok(t) -> int:
        n = tokens.get(t)
        if n is None:
            n = old_tokens.get(t)
            if n is None:
                n = len(old_tokens) + len(tokens) + 1
                while n in used:
                    n += 1
            tokens[t] = n
            used.add(n)
        return n

    used: set[int] = set(old_tokens.values())
    decl_tok: dict[int, int] = {-1: tok(("d", glob))}
    stage_tok: dict[int, int] = {-1: tok(("s", glob))}
    for st in stages:
        chain = df.stage_chain(st)
        decls, whole = [], []
        for c in chain:
            decls.append((c.index, c.windows, tuple(
                (i.start_line, tuple(lines[i.start_line : i.end_line + 1]))
                for i in df.stage_instructions(c) if i.keyword in DECLARATIONS)))
            a, b = bounds[c.index]
            whole.append((c.index, a, tuple(lines[a:b])))
        decl_tok[st.index] = tok(("d", glob, tuple(decls)))
        stage_tok[st.index] = tok(("s", glob, tuple(whole)))
    cache.tokens = tokens

    scopes = ((decl_tok, [x for x in local if x[0].scope == "instruction"]),
              (stage_tok, [x for x in local if x[0].scope == "stage"]))
    todo_by_kw: dict[str, tuple] = {}  # effective keyword -> ((tokens, rules), ...) that apply
    old, new = cache.entries, {}
    failed: dict[str, tuple] = {}
    for ins in ins_list:
        kw = ins.effective.keyword
        work = todo_by_kw.get(kw)
        if work is None:
            work = todo_by_kw[kw] = tuple(
                (toks, todo) for toks, rules_ in scopes
                if (todo := [x for x in rules_ if x[0].keywords is None or kw in x[0].keywords]))
        if not work:
            continue
        own = (ins.index, ins.start_line, tuple(lines[ins.start_line : ins.end_line + 1]))
        for toks, todo in work:
            key = (toks[ins.stage], own)
            got = old.get(key)
            if got is None:
                got = []
                ok = True
                for r, sev, ctx in todo:
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
                    continue
            new[key] = got
            out.extend(got)
    cache.entries = new
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
            v = replace(v, severity=Severity.ERROR)
        kept.append(v)
    return kept


def lint_text(
    text: str, settings: LintSettings = DEFAULT_SETTINGS, path: str | None = None
) -> LintResult:
    from dockwise.syntax.parser import parse

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

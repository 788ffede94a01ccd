"""Hover text and size hints for Dockerfiles (engine side: no LSP imports).

:func:`hover` takes a parsed :class:`~dockwise.syntax.model.Dockerfile` and a model
position (line, code-point column) and returns a :class:`HoverResult` (plain
Markdown, no HTML, and the span of the hovered token) or None:

* a ``FROM`` image: the fully qualified reference, the compressed size for the
  build platform, the other platforms, an on-disk estimate, smaller variants
  of the same version with the saving, end of life, and where the figure comes
  from; an earlier stage named in ``FROM`` shows that stage;
* instruction keywords and flags: short docs from :mod:`dockwise.editor.instruction_docs`;
* ``$VAR`` / ``${VAR}`` and ARG/ENV names: value, where it is set, ARG or ENV,
  scope;
* stage names (``AS x``, ``FROM x``, ``COPY --from=x``, ``RUN --mount=from=x``).

:func:`size_hints` gives the size label for the end of every ``FROM`` line
(inlay hints / code lenses).

Everything here answers from :func:`dockwise.images.catalog.lookup` (the shipped
table, or figures a live source already has) and never waits for the
network. A ``live`` callable may be passed: it is called with
``(ref, platform)`` for images nothing knows yet, to start a background
lookup, and must return at once: True (or None) when a lookup is under way,
False when none was started (lookups off), or a short text saying why there
is no figure (``registry example.com: not found``).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Callable

from dockwise.images import catalog as images
from dockwise.editor import instruction_docs as docs
from dockwise.syntax.model import Dockerfile, ImageRef, Instruction, Pos, Span, Stage, VarDef

# On-disk size ≈ DISK_FACTOR × compressed size. The measured pairs in the
# research notes (image-sizes.md §3: alpine 2.2×, debian/ubuntu ≈2.6×,
# python:3.12-slim 2.8×) put the ratio between 2.2 and 2.8; 2.5 is the middle.
DISK_FACTOR = 2.5
DISK_RANGE = "2.2–2.8×"

# Platforms the hover lists sizes for (plus any the table knows for the tag).
COMMON_PLATFORMS = (
    "linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/386",
    "linux/ppc64le", "linux/s390x", "linux/riscv64",
)

LiveRequest = Callable[[ImageRef, str], object]


@dataclass(frozen=True, slots=True)
class HoverResult:
    markdown: str
    span: Span


@dataclass(frozen=True, slots=True)
class SizeHint:
    """The size label for one FROM line: ``label`` goes at ``pos`` (end of the
    line); ``line_span`` is the FROM instruction's first line (for a code lens)."""

    pos: Pos
    label: str
    tooltip: str
    line_span: Span
    estimated: bool


# -- formatting -------------------------------------------------------------------


def fmt_size(n: int | float) -> str:
    """Decimal units, as registries and Docker Hub show them: ``43.2 MB``."""
    if n < 1000:
        return f"{int(n)} B"
    if n < 1e6:
        return f"{n / 1e3:.1f} kB"
    if n < 1e9:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e9:.2f} GB"


def code(text: str) -> str:
    """``text`` as an inline code span (any backticks inside are fenced)."""
    text = text.replace("\n", " ")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _esc(text: str) -> str:
    """Plain text safe for Markdown (no HTML, no accidental emphasis)."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def host_platform() -> str:
    """The host's container platform (:func:`dockwise.images.catalog.host_platform`)."""
    return images.host_platform()


# -- positions --------------------------------------------------------------------

_index: tuple[Dockerfile, list[int]] | None = None


def _instruction_at(df: Dockerfile, pos: Pos) -> Instruction | None:
    global _index
    import bisect

    if _index is None or _index[0] is not df:
        _index = (df, [i.span.start.line for i in df.instructions])
    starts = _index[1]
    i = bisect.bisect_right(starts, pos.line) - 1
    while i >= 0:
        ins = df.instructions[i]
        if ins.span.start <= pos <= ins.span.end:
            return ins
        if ins.span.end.line < pos.line:
            return None
        i -= 1
    return None


def _in(span: Span | None, pos: Pos) -> bool:
    return span is not None and span.start <= pos < span.end


def _line_no(df: Dockerfile, ins_index: int) -> int:
    return df.instructions[ins_index].span.start.line + 1


# -- platform ---------------------------------------------------------------------


def build_platform(df: Dockerfile, stage: Stage | None, setting: str | None = None,
                   host: str | None = None) -> tuple[str, str]:
    """``(platform, why)`` for a stage's base image: ``--platform`` (expanded
    with global ARGs), else the ``images.platform`` setting, else the host's."""
    flag = stage.platform if stage is not None else None
    if flag and stage is not None:
        value = flag
        if "$" in value:
            value = _expand_global(df, value, stage.from_instruction) or ""
        if value and "$" not in value and "/" in value:
            return value.lower(), f"from {code('--platform=' + flag)}"
    if setting:
        return setting.lower(), f"setting {code('images.platform')}"
    return (host or host_platform()), "this machine's platform"


def _expand_global(df: Dockerfile, text: str, before: int) -> str | None:
    from dockwise.syntax.expand import expand_detailed

    vals = {}
    for g in df.global_args:
        if g.instruction < before:
            vals[g.name] = g.value
    try:
        out, _refs, unset = expand_detailed(text, lambda k: vals.get(k), df.escape)
    except Exception:
        return None
    return None if unset else out


# -- images -----------------------------------------------------------------------


def qualified(ref: ImageRef) -> str:
    """``docker.io/library/python:3.12`` for ``python:3.12``."""
    reg = ref.registry or "docker.io"
    out = f"{reg}/{ref.path}"
    if ref.tag:
        out += f":{ref.tag}"
    elif not ref.digest:
        out += ":latest"
    if ref.digest:
        out += f"@{ref.digest}"
    return out


def _short(ref: ImageRef) -> str:
    text = ref.resolved
    if ref.digest and len(ref.digest) > 19:
        text = text.split("@", 1)[0] + "@" + ref.digest[:19] + "…"
    return text


def _is_scratch(ref: ImageRef) -> bool:
    return ref.resolved.lower() == "scratch"


def _source_line(info: images.SizeInfo) -> str:
    where = info.source or "unknown source"
    when = f", as of {info.as_of}" if info.as_of else ""
    kind = " (offline table shipped with dockwise)" if where.startswith("docker-library/repo-info") else ""
    return f"Source: {_esc(where)}{when}{kind}"


def _other_platforms(ref: ImageRef, info: images.SizeInfo, chosen: str) -> list[tuple[str, images.SizeInfo]]:
    if images.platform_of(ref, "linux/riscv64") != "linux/riscv64":
        return []  # a per-architecture namespace (arm64v8/python) has one platform
    cands = list(COMMON_PLATFORMS)
    entry = images.size_table().get("images", {}).get(info.repository, {}).get(info.tag, {})
    cands += [p for p in entry.get("platforms", {}) if p not in cands]
    out = []
    for p in cands:
        if p == chosen or p == info.platform:
            continue
        got = images.lookup(ref, p)
        if got is not None and got.tag == info.tag and got.platform not in (info.platform, chosen):
            if all(got.platform != q.platform for _, q in out):
                out.append((got.platform, got))
    return out


def _eol_lines(ref: ImageRef, today: _dt.date) -> list[str]:
    out = []
    for e in images.eol_entries(ref):
        what = _esc(e.what)
        src = f" ({e.source})" if e.source else ""
        if e.date <= today:
            out.append(f"- **End of life**: {what} reached end of life on {e.date.isoformat()}{src}")
        else:
            out.append(f"- End of life: {what} is supported until {e.date.isoformat()}{src}")
    return out


def image_markdown(
    df: Dockerfile,
    ref: ImageRef,
    stage: Stage | None,
    *,
    platform: str | None = None,
    host: str | None = None,
    live: LiveRequest | None = None,
    today: _dt.date | None = None,
) -> str:
    """The hover text of a base image (``stage``: the stage whose FROM names it)."""
    today = today or _dt.date.today()
    head = f"**{_esc(ref.raw if ref.unresolved else _short(ref))}**"
    lines: list[str] = []
    if _is_scratch(ref):
        return f"{head}\n\nThe empty image: 0 B, nothing to download. The stage starts from an empty file system."
    if ref.raw != ref.resolved or "$" in ref.raw:
        lines.append(_arg_origin(df, ref, stage))
    if ref.unresolved:
        lines.append("The reference depends on build arguments without a value, so its size is unknown "
                     "until the build (`--build-arg`).")
        return "\n\n".join([head, *lines])
    head += f" · {code(qualified(ref))}"
    plat, why = build_platform(df, stage, platform, host)
    eff = images.platform_of(ref, plat)
    if eff != plat:
        why = f"from the {code(ref.path.split('/')[0] + '/')} namespace"
    info = images.lookup(ref, eff)
    facts: list[str] = []
    if info is not None:
        rv = info.resolved_version
        version = f" · version {_esc(rv)}" if rv and info.exact and any(c.isdigit() for c in rv) else ""
        lines.append(f"**{fmt_size(info.size)}** compressed (download size) for {_esc(eff)} ({why}){version}")
        if not info.exact:
            facts.append(f"- Estimated from {code(images.reference_without_tag(ref) + ':' + info.tag)}: "
                         f"no figure for {code(ref.tag or 'latest')} itself")
        facts.append(f"- On disk: about {fmt_size(info.size * DISK_FACTOR)} (estimate: {DISK_FACTOR}× the compressed "
                     f"size; measured ratios are {DISK_RANGE})")
        others = _other_platforms(ref, info, eff)
        if others:
            facts.append("- Other platforms: " + ", ".join(f"{_esc(p)} {fmt_size(i.size)}" for p, i in others))
        variants = images.smaller_variants(ref, eff)
        if variants:
            facts.append(f"- Smaller variants of the same version ({_esc(eff)}):")
            base = images.reference_without_tag(ref)
            for v in variants[:4]:
                facts.append(f"  - {code(base + ':' + v.tag)} {fmt_size(v.info.size)}, saves {fmt_size(v.saving)}")
    else:
        other = None
        for p in COMMON_PLATFORMS:
            other = images.lookup(ref, p) if p != eff else None
            if other is not None:
                break
        if other is not None:
            lines.append(f"No size known for {_esc(eff)} ({why}); {_esc(other.platform)} is "
                         f"{fmt_size(other.size)} compressed.")
            info = other
        else:
            msg = "Not in dockwise's offline size table (it covers official Docker Hub images)."
            started = None
            if live is not None:
                try:
                    started = live(ref, eff)
                except Exception:
                    started = False
            if isinstance(started, str) and started:
                msg += f" Live lookup: {_esc(started)}."
            elif live is not None and started is not False:
                msg += f" Looking up {code(qualified(ref))} for {_esc(eff)} in its registry… hover again in a moment."
            else:
                msg += " Live registry lookups are off or unavailable (setting `images.online`)."
            lines.append(msg)
    facts += _eol_lines(ref, today)
    if info is not None:
        facts.append("- " + _source_line(info))
    parts = [head, *lines]
    if facts:
        parts.append("\n".join(facts))
    return "\n\n".join(parts)


def _arg_origin(df: Dockerfile, ref: ImageRef, stage: Stage | None) -> str:
    from dockwise.syntax.expand import variables_in

    before = stage.from_instruction if stage is not None else 1 << 60
    out = []
    for name, _s, _e in variables_in(ref.raw, df.escape):
        g = _global(df, name, before)
        if g is None:
            out.append(f"{code('$' + name)} is not a global ARG declared before this FROM (expands to nothing)")
        elif g.value is None:
            out.append(f"{code(name)}: global ARG on line {_line_no(df, g.instruction)} has no default")
        else:
            out.append(f"{code(name)} = {code(g.value)} (global ARG, line {_line_no(df, g.instruction)})")
    written = f"Written {code(ref.raw)}"
    if not ref.unresolved:
        written += f" → {code(ref.resolved)}"
    return written + (": " + "; ".join(out) if out else "")


def _global(df: Dockerfile, name: str, before: int) -> VarDef | None:
    best = None
    for g in df.global_args:
        if g.name == name and g.instruction < before:
            best = g
    return best


# -- stages -----------------------------------------------------------------------


def _stage_ref(df: Dockerfile, value: str) -> Stage | None:
    """The stage ``value`` names (``COPY --from``: name, case-insensitive, or index)."""
    if value.isdigit():
        i = int(value)
        return df.stages[i] if i < len(df.stages) else None
    return df.stage_by_name(value)


def stage_markdown(df: Dockerfile, st: Stage, *, platform: str | None = None, host: str | None = None) -> str:
    title = f"Stage {code(st.name)}" if st.name else f"Stage {st.index}"
    head = f"**{title}** (stage {st.index}, defined on line {_line_no(df, st.from_instruction)})"
    lines = [head]
    if st.base is None:
        lines.append("No base image.")
    elif st.parent is not None:
        p = df.stages[st.parent]
        pname = code(p.name) if p.name else str(p.index)
        lines.append(f"Base: the stage {pname} (line {_line_no(df, p.from_instruction)})")
    else:
        desc = f"Base: image {code(st.base.resolved if not st.base.unresolved else st.base.raw)}"
        if not st.base.unresolved and not _is_scratch(st.base):
            plat, _ = build_platform(df, st, platform, host)
            info = images.lookup(st.base, plat)
            if info is not None:
                desc += f", {'~' if not info.exact else ''}{fmt_size(info.size)} compressed ({_esc(info.platform)})"
        lines.append(desc)
    users = _stage_users(df, st)
    if users:
        lines.append("Used by: " + ", ".join(users))
    return "\n\n".join(lines)


def _stage_users(df: Dockerfile, st: Stage) -> list[str]:
    out = []
    for other in df.stages:
        if other.parent == st.index:
            out.append(f"FROM on line {_line_no(df, other.from_instruction)}")
    for ins in df.instructions:
        eff = ins.effective
        for f in eff.flags:
            target = None
            if f.name == "from" and eff.keyword in ("COPY", "ADD") and f.value:
                target = _stage_ref(df, f.value)
            elif f.name == "mount" and f.value:
                m = re.search(r"(?:^|,)from=([^,]*)", f.value, re.I)
                target = df.stage_by_name(m.group(1)) if m else None
            if target is st:
                out.append(f"{eff.keyword} --{f.name} on line {ins.span.start.line + 1}")
    return out[:8]


# -- variables --------------------------------------------------------------------


def variable_markdown(df: Dockerfile, name: str, ins: Instruction) -> str:
    """Where ``$name`` used in ``ins`` comes from."""
    head = f"**{code('$' + name)}**"
    stage = df.stage_of(ins)
    if ins.keyword == "FROM" or stage is None:
        g = _global(df, name, ins.index)
        if g is not None:
            return "\n\n".join([head, _var_line(df, g, "global ARG: visible in FROM lines only")])
        if name in docs.PREDEFINED_ARGS:
            return f"{head}\n\nPredefined build argument: {docs.PREDEFINED_ARGS[name]}. " \
                   f"([build variables]({docs.PREDEFINED_ARGS_URL}))"
        return f"{head}\n\nNot declared by a global ARG before this line: it expands to an empty string."
    v = df.lookup_var(stage, name, ins.index)
    if v is not None:
        scope = _scope(df, stage, v)
        return "\n\n".join([head, _var_line(df, v, scope)])
    g = _global(df, name, 1 << 60)
    if g is not None:
        return (f"{head}\n\nThe global ARG on line {_line_no(df, g.instruction)} is not in scope here: "
                f"add {code('ARG ' + name)} to this stage to use it.")
    if name in docs.PREDEFINED_ARGS:
        return (f"{head}\n\nPredefined build argument ({docs.PREDEFINED_ARGS[name]}); in a stage it needs "
                f"{code('ARG ' + name)} first. ([build variables]({docs.PREDEFINED_ARGS_URL}))")
    if name in docs.PROXY_ARGS:
        return f"{head}\n\nPredefined proxy build argument, available to RUN without an ARG line."
    where = "the base image's environment or the shell" if ins.effective.keyword == "RUN" else "the base image's environment"
    return f"{head}\n\nNot set by an ARG or ENV in scope; it may come from {where}."


def _scope(df: Dockerfile, stage: Stage, v: VarDef) -> str:
    owner = df.stage_of(df.instructions[v.instruction])
    if owner is None:
        return "global ARG"
    label = code(owner.name) if owner.name else str(owner.index)
    if owner is stage:
        base = f"in this stage from line {_line_no(df, v.instruction)} on"
    else:
        base = f"inherited from stage {label}"
    if v.kind == "ARG":
        return f"build argument, {base}; not in the final image's environment"
    return f"environment variable, {base}; also set in containers run from the image"


def _var_line(df: Dockerfile, v: VarDef, scope: str) -> str:
    val = "no default (empty unless passed with `--build-arg`)" if v.value is None else code(v.value)
    if v.kind == "ARG" and v.value is not None:
        val += " (default; `--build-arg` overrides it)"
    return f"{v.kind} on line {_line_no(df, v.instruction)} = {val}\n\n{scope[:1].upper() + scope[1:]}"


def _variable_at(df: Dockerfile, pos: Pos) -> tuple[str, Span] | None:
    from dockwise.syntax.expand import variables_in

    if not 0 <= pos.line < len(df.lines):
        return None
    text = df.lines[pos.line]
    if "$" not in text:
        return None
    best = None
    for name, s, e in variables_in(text, df.escape):
        if s <= pos.col < e and (best is None or e - s < best[2] - best[1]):
            best = (name, s, e)
    if best is None:
        return None
    return best[0], Span.of(pos.line, best[1], pos.line, best[2])


# -- keywords, flags, directives --------------------------------------------------


def instruction_markdown(keyword: str) -> str | None:
    d = docs.INSTRUCTIONS.get(keyword.upper())
    if d is None:
        return None
    syntax = "\n".join(d["syntax"])
    return (f"**{keyword.upper()}**: {d['summary']}\n\n```dockerfile\n{syntax}\n```\n\n"
            f"[Dockerfile reference: {keyword.upper()}]({d['url']})")


def flag_markdown(keyword: str, flag: str) -> str | None:
    d = docs.FLAGS.get(keyword.upper(), {}).get(flag)
    if d is None:
        if keyword.upper() in docs.INSTRUCTIONS:
            return f"**{code('--' + flag)}** is not a flag of {keyword.upper()}."
        return None
    return (f"**{code(d['syntax'])}** ({keyword.upper()})\n\n{d['doc']}\n\n"
            f"[Dockerfile reference]({d['url']})")


def _directive_at(df: Dockerfile, pos: Pos) -> HoverResult | None:
    for d in df.directives:
        if d.span.start.line == pos.line and _in(d.span, pos):
            info = docs.DIRECTIVES.get(d.key)
            if info:
                return HoverResult(f"**{code('# ' + d.key + '=')}** parser directive\n\n{info['doc']}\n\n"
                                   f"[Dockerfile reference]({info['url']})", d.span)
    return None


# -- entry points -----------------------------------------------------------------


def hover(
    df: Dockerfile,
    pos: Pos,
    *,
    platform: str | None = None,
    host: str | None = None,
    live: LiveRequest | None = None,
    today: _dt.date | None = None,
) -> HoverResult | None:
    """The hover at ``pos`` (model coordinates), or None.

    ``platform``: the ``images.platform`` setting; ``host``: the host's
    platform (default :func:`host_platform`); ``live``: starts a background
    lookup for an image nothing knows yet; ``today``: for end-of-life status.
    """
    d = _directive_at(df, pos)
    if d is not None:
        return d
    outer = _instruction_at(df, pos)
    if outer is None:
        return None
    ins = outer
    if outer.trigger is not None and outer.trigger.span.start <= pos:
        ins = outer.trigger
    kw = dict(platform=platform, host=host)
    if _in(outer.keyword_span, pos) or ins is not outer and _in(ins.keyword_span, pos):
        span = outer.keyword_span if _in(outer.keyword_span, pos) else ins.keyword_span
        md = instruction_markdown(outer.keyword if span is outer.keyword_span else ins.keyword)
        return HoverResult(md, span) if md else None
    stage = df.stage_of(outer)
    if ins.keyword == "FROM" and stage is not None and stage.from_instruction == ins.index:
        b = stage.base
        if b is not None and _in(b.span, pos):
            if stage.parent is not None:
                return HoverResult(stage_markdown(df, df.stages[stage.parent], **kw), b.span)
            return HoverResult(image_markdown(df, b, stage, live=live, today=today, **kw), b.span)
        if stage.name_span is not None and _in(stage.name_span, pos):
            return HoverResult(stage_markdown(df, stage, **kw), stage.name_span)
    var = _variable_at(df, pos)
    if var is not None:
        return HoverResult(variable_markdown(df, var[0], ins), var[1])
    for f in ins.flags:
        if not _in(f.span, pos):
            continue
        if f.name == "from" and ins.keyword in ("COPY", "ADD") and f.value and f.value_span is not None \
                and _in(f.value_span, pos):
            st = _stage_ref(df, f.value)
            if st is not None:
                return HoverResult(stage_markdown(df, st, **kw), f.value_span)
            from dockwise.syntax.parser import parse_image_ref

            ref = parse_image_ref(f.value, f.value, f.value_span)
            return HoverResult(image_markdown(df, ref, None, live=live, today=today, **kw), f.value_span)
        if f.name == "mount" and f.value_span is not None and f.value_span.start.line == pos.line:
            got = _mount_from(df, f, pos)
            if got is not None:
                return got
        md = flag_markdown(ins.keyword, f.name)
        return HoverResult(md, f.span) if md else None
    for p in ins.pairs if ins.keyword in ("ARG", "ENV") else ():
        if _in(p.key_span, pos):
            return HoverResult(_definition_markdown(df, ins, p.key), p.key_span)
    return None


def _mount_from(df: Dockerfile, f, pos: Pos) -> HoverResult | None:
    line = df.lines[pos.line]
    start = f.value_span.start.col
    end = f.value_span.end.col if f.value_span.end.line == pos.line else len(line)
    for m in re.finditer(r"(?:^|,)\s*from=([^,\s\"']+)", line[start:end], re.I):
        s, e = start + m.start(1), start + m.end(1)
        if s <= pos.col < e:
            st = _stage_ref(df, m.group(1))
            if st is None:
                return None
            return HoverResult(stage_markdown(df, st), Span.of(pos.line, s, pos.line, e))
    return None


def _definition_markdown(df: Dockerfile, ins: Instruction, name: str) -> str:
    stage = df.stage_of(ins)
    head = f"**{code(name)}**"
    if stage is None:
        v = _global(df, name, ins.index + 1)
        scope = "global ARG: visible in FROM lines; a stage uses it after `ARG " + name + "`"
    else:
        v = df.lookup_var(stage, name, ins.index + 1)
        scope = _scope(df, stage, v) if v is not None else ""
    if v is None:
        return head
    return "\n\n".join([head, _var_line(df, v, scope)])


def size_hints(
    df: Dockerfile,
    *,
    start_line: int = 0,
    end_line: int | None = None,
    platform: str | None = None,
    host: str | None = None,
    live: LiveRequest | None = None,
) -> list[SizeHint]:
    """The compressed size of every FROM image between ``start_line`` and
    ``end_line`` (inclusive), for the end of its line: ``43.2 MB``, ``~43.2
    MB`` when estimated from a nearby tag. Unknown images get no hint (they are
    passed to ``live``, if given)."""
    out = []
    for st in df.stages:
        ins = df.instructions[st.from_instruction]
        line = ins.span.end.line
        if line < start_line or end_line is not None and ins.span.start.line > end_line:
            continue
        b = st.base
        if b is None or st.parent is not None or b.unresolved or _is_scratch(b):
            continue
        plat, _why = build_platform(df, st, platform, host)
        eff = images.platform_of(b, plat)
        info = images.lookup(b, eff)
        if info is None:
            if live is not None:
                try:
                    live(b, eff)
                except Exception:
                    pass
            continue
        label = ("" if info.exact else "~") + fmt_size(info.size)
        est = "" if info.exact else f", estimated from {images.reference_without_tag(b)}:{info.tag}"
        when = f", as of {info.as_of}" if info.as_of else ""
        tooltip = f"{_short(b)}: {fmt_size(info.size)} compressed for {info.platform}{est}. Source: {info.source}{when}"
        text = df.lines[line] if line < len(df.lines) else ""
        out.append(SizeHint(Pos(line, len(text)), label, tooltip, df.line_span(ins.span.start.line), not info.exact))
    return out

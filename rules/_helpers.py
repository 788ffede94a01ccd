"""Shared predicates for rules that are not about commands: stages, COPY
sources, users, variables, spans to report at. (Commands:
``dockwise.syntax.commands``, with :func:`shell_commands` here for rules about
POSIX shell programs; package managers: ``._pm``; editing a RUN's text:
``._runfix``.)"""
from __future__ import annotations

import posixpath
import re
from typing import Iterator

from dockwise import lazyre
from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.expand import ExpandError, expand_detailed
from dockwise.syntax.model import Arg, Dockerfile, Flag, Instruction, Pos, Span, Stage

# -- stages -------------------------------------------------------------------------


def used_as_base(df: Dockerfile) -> set[int]:
    """Stages that a later FROM builds on."""
    return {s.parent for s in df.stages if s.parent is not None}


def relevant_stages(df: Dockerfile) -> set[int]:
    """hadolint's "stage matters" rule: the last stage, or a stage used as a base.
    A file without FROM (a fragment) is all one image: its lines (stage -1) matter."""
    out = used_as_base(df)
    if df.stages:
        out.add(len(df.stages) - 1)
    else:
        out.add(-1)
    return out


def final_chain(df: Dockerfile, build=None) -> list[Stage]:
    """The stages whose filesystem ends up in the final image, nearest first:
    the target stage of ``build`` (a BuildOptions: ``--target``, build args and
    platform decide which stage a ``FROM`` names) and the stages it is built
    ``FROM``; without ``build``, the last stage and its ``FROM`` chain."""
    if build is not None and df.stages:
        from dockwise.syntax.stages import view_for

        v = view_for(df, build)
        if v.target is not None:
            return [df.stages[i] for i in v.chain(v.target)]
    last = df.final_stage()
    return df.stage_chain(last) if last is not None else []


def final_chain_indices(df: Dockerfile, build=None) -> set[int]:
    return {s.index for s in final_chain(df, build)}


def in_final_image(df: Dockerfile, st: Stage | None, ctx) -> bool:
    """Whether group ``st`` is one of :func:`final_chain`'s stages for ``ctx.build``:
    the ``context`` of a per-stage rule about the final image (memoised per model)."""
    if st is None:
        return False
    key = ("final_chain_indices", ctx.build)
    got = df.derived.get(key)
    if got is None:
        got = df.derived[key] = frozenset(final_chain_indices(df, ctx.build))
    return st.index in got


# A Dockerfile for a build or development environment: its file name has a
# dev/build word (Dockerfile.dev, Dockerfile.builder, build.Dockerfile, ci.Dockerfile)
# or its folder is named like one (.devcontainer/, dev/, ci/, builder/).
_DEV_WORDS = "builder|build|buildenv|dev|devel|develop|development|devcontainer|ci|toolchain|sdk"
_DEV_FILE = lazyre.compile(rf"(?i)(^|[._-])({_DEV_WORDS})([._-]|$)")
_DEV_DIR = lazyre.compile(rf"(?i)^\.?({_DEV_WORDS})$")


def is_dev_environment(df: Dockerfile) -> bool:
    """True when the file's name or its folder's name says it builds a build
    or development environment (nothing but the path string is read)."""
    if not df.path:
        return False
    parts = df.path.replace("\\", "/").split("/")
    folder = parts[-2] if len(parts) > 1 else ""
    return bool(_DEV_FILE.search(parts[-1]) or _DEV_DIR.match(folder))


def is_scratch(ref) -> bool:
    return ref is not None and (ref.resolved or ref.raw).lower() == "scratch"


# -- COPY / ADD -----------------------------------------------------------------------

_WHOLE = {".", "./", "./.", "*", "./*", "/.", ".\\", ".\\*"}


def flag_removal(df: Dockerfile, flag: Flag) -> Span | None:
    """What to delete to remove ``flag`` from its instruction: the flag and the
    blanks after it. None when it spans lines or is the last thing on its line
    (before a continuation or the end: removing it would leave a bare ``\\``)."""
    span = flag.span
    if span.start.line != span.end.line:
        return None
    line = df.lines[span.start.line]
    end = span.end.col
    while end < len(line) and line[end] in " \t":
        end += 1
    if line[end:].strip() in ("", df.escape):
        return None
    return Span(span.start, Pos(span.start.line, end))


def copy_sources(ins: Instruction) -> list[Arg]:
    """The source arguments of a COPY/ADD (not ``--from``, not heredocs)."""
    eff = ins.effective
    if eff.keyword not in ("COPY", "ADD") or eff.flag("from") is not None:
        return []
    args = eff.args[:-1] if len(eff.args) >= 2 else []
    return [a for a in args if not a.value.startswith("<<")]


def whole_context_arg(ins: Instruction) -> Arg | None:
    """The ``.`` of ``COPY . /app`` (the whole build context), else None."""
    for a in copy_sources(ins):
        if a.value in _WHOLE:
            return a
    return None


def bind_mount_paths(ins: Instruction) -> list[str]:
    """``source=`` and ``target=`` of the context bind mounts of a RUN
    (``--mount=type=bind,source=requirements.txt,target=/r.txt``)."""
    out = []
    for m in run_view(ins).mounts:
        if m.type == "bind" and m.get("from") is None:
            out.append(m.source or ".")
            if m.target:
                out.append(m.target)
    return out


def file_name(path: str) -> str:
    """The last component of a path (``/`` or ``\\`` separated)."""
    return posixpath.basename(path.rstrip("/").replace("\\", "/"))


# -- users --------------------------------------------------------------------------

_ROOT_NAMES = {"root", "0", "containeradministrator"}


def user_of(ins: Instruction) -> str:
    """The user part of a USER instruction's argument (``app`` for ``app:app``)."""
    text = ins.effective.text.strip()
    if not text:
        return ""
    return text.split()[0].split(":", 1)[0]


def is_root_user(user: str) -> bool:
    return user.lower() in _ROOT_NAMES


# -- variables ----------------------------------------------------------------------

_VAR = lazyre.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_simple(df: Dockerfile, ins: Instruction, text: str) -> str | None:
    """``text`` with ``$X``/``${X}``/``${X:-d}`` replaced by the values in
    scope at ``ins`` (ARG/ENV defaults); None when a variable is unknown."""
    if "$" not in text:
        return text
    stage = df.stage_of(ins)
    failed = False

    def sub(m: re.Match[str]) -> str:
        nonlocal failed
        name = m.group(1) or m.group(2)
        v = df.lookup_var(stage, name, ins.index) if stage is not None else None
        if v is None:
            for g in df.global_args:
                if g.name == name:
                    v = g
        if v is None or v.value is None:
            dm = re.match(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$", m.group(0))
            if dm:
                return dm.group(1)
            failed = True
            return ""
        return v.value

    out = _VAR.sub(sub, text)
    return None if failed or "$" in out else out


# -- groups, paths, values, spans (hadolint's rules) ------------------------------------


def groups(df: Dockerfile) -> Iterator[tuple[Stage | None, list[Instruction]]]:
    """The instructions before the first FROM (stage None; a fragment, a file
    whose FROM is missing), then every stage's, in file order. Rules that reset
    at each FROM run once per group, so a fragment is linted like a stage."""
    pre = [i for i in df.instructions if i.stage < 0]
    if pre:
        yield None, pre
    for st in df.stages:
        yield st, list(df.stage_instructions(st))


def group_instructions(df: Dockerfile, st: Stage | None) -> list[Instruction]:
    """The instructions of one of :func:`groups`: a stage's, or (None) those before the first FROM."""
    if st is None:
        return [i for i in df.instructions if i.stage < 0]
    return list(df.stage_instructions(st))


def drop_quotes(text: str) -> str:
    """hadolint's ``dropQuotes``: every ``"`` and ``'`` at either end removed."""
    return text.strip("\"'")


def windows_absolute(path: str) -> bool:
    """``C:\\x``, ``c:/x``, ``d:``: a drive letter and a colon."""
    return len(path) >= 2 and path[0].isalpha() and path[1] == ":"


def copy_paths(ins: Instruction) -> tuple[list[Arg], Arg | None]:
    """(sources, destination) of a COPY or ADD; heredoc sources are words too."""
    args = ins.args
    if len(args) < 2:
        return list(args), None
    return list(args[:-1]), args[-1]


def known_value(df: Dockerfile, ins: Instruction, text: str) -> str | None:
    """``text`` with the variables in scope at ``ins`` expanded (quotes
    removed), or None when one of them has no known value."""
    stage = df.stage_of(ins)

    def env(name: str) -> str | None:
        if stage is None:
            d = pre_from_var(df, ins, name)
            return None if d is None else d[1]
        v = df.lookup_var(stage, name, ins.index)
        return None if v is None or not v.complete else v.value

    try:
        value, _refs, unset = expand_detailed(text, env, df.escape)
    except ExpandError:
        return None
    return None if unset else value


def pre_from_var(df: Dockerfile, ins: Instruction, name: str) -> tuple[str, str | None] | None:
    """Before the first FROM: the latest ARG or ENV named ``name`` declared
    before ``ins`` there, as (kind, value with quotes removed; None without a
    value); None when there is none."""
    found = None
    for i in df.instructions[: ins.index]:
        if i.stage < 0 and i.keyword in ("ARG", "ENV"):
            for p in i.pairs:
                if p.key == name:
                    found = (i.keyword, p.unquoted)
    return found


def declared(df: Dockerfile, ins: Instruction, name: str) -> bool:
    """An ARG or ENV named ``name`` is in scope at ``ins``."""
    st = df.stage_of(ins)
    if st is None:
        return pre_from_var(df, ins, name) is not None
    return df.lookup_var(st, name, ins.index) is not None


def mounts(ins: Instruction) -> Iterator[tuple[dict[str, str], Span]]:
    """``--mount`` options of a RUN (an ONBUILD RUN's included) as lower-cased
    key → value (``type`` defaults to ``bind``), with the flag's span."""
    for m in run_view(ins).mounts:
        yield m.options, m.flag.span


def head_span(df: Dockerfile, ins: Instruction) -> Span:
    """An instruction's first line, from its keyword to the last non-blank
    character (where hadolint, which only knows lines, reports)."""
    start = ins.keyword_span.start
    line = df.lines[start.line] if 0 <= start.line < len(df.lines) else ""
    end = max(len(line.rstrip()), ins.keyword_span.end.col)
    return Span(start, Pos(start.line, end))


def text_span(ins: Instruction) -> Span:
    """The instruction's arguments (its text without trailing blanks)."""
    t = ins.text.rstrip()
    return ins.text_map.span(0, len(t)) if t.strip() else ins.keyword_span


def repeated(df: Dockerfile, keyword: str, st: "Stage | None" = None, whole: bool = True) -> Iterator[Span]:
    """Where a stage (or the lines before the first FROM) has ``keyword``
    again: every occurrence after the first (``ONBUILD`` triggers not counted).
    ``whole`` False: in group ``st`` only (a per-stage rule)."""
    for _st, instructions in groups(df) if whole else ((st, group_instructions(df, st)),):
        seen = False
        for ins in instructions:
            if ins.keyword == keyword:
                if seen:
                    yield head_span(df, ins)
                seen = True


def shell_commands(ins: Instruction) -> list[Command]:
    """The commands of a RUN (or ONBUILD RUN) from the one command view, for
    rules about POSIX shell programs: [] for a RUN that cmd or PowerShell runs
    (its words are not shell commands) and for a script in another language."""
    view = run_view(ins)
    return view.commands if view.dialect in ("bash", "exec") else []

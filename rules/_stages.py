"""Shared facts about instructions and stages for rules that do not read RUN
commands: stage groups (with the lines before the first FROM), COPY paths,
quotes, values of variables, ``--mount`` options."""
from __future__ import annotations

from typing import Iterator

from dockwise.syntax.expand import ExpandError, expand_detailed
from dockwise.syntax.model import Arg, Dockerfile, Instruction, Pos, Span, Stage


def groups(df: Dockerfile) -> Iterator[tuple[Stage | None, list[Instruction]]]:
    """The instructions before the first FROM (stage None; a fragment, a file
    whose FROM is missing), then every stage's, in file order. Rules that reset
    at each FROM run once per group, so a fragment is linted like a stage."""
    pre = [i for i in df.instructions if i.stage < 0]
    if pre:
        yield None, pre
    for st in df.stages:
        yield st, list(df.stage_instructions(st))


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
        if stage is None:  # before the first FROM: the global ARGs declared so far
            found = [v for v in df.global_args if v.name == name and v.instruction < ins.index]
            return found[-1].value if found else None
        v = df.lookup_var(stage, name, ins.index)
        return None if v is None else v.value

    try:
        value, _refs, unset = expand_detailed(text, env, df.escape)
    except ExpandError:
        return None
    return None if unset else value


def mounts(ins: Instruction) -> Iterator[tuple[dict[str, str], Span]]:
    """``--mount`` options of a RUN (an ONBUILD RUN's included) as lower-cased
    key → value (``type`` defaults to ``bind``), with the flag's span."""
    for f in ins.effective.flags:
        if f.name != "mount" or f.value is None:
            continue
        d: dict[str, str] = {}
        for part in f.value.split(","):
            k, eq, val = part.partition("=")
            d[k.strip().lower()] = val.strip() if eq else "true"
        d.setdefault("type", "bind")
        yield d, f.span


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


def repeated(df: Dockerfile, keyword: str) -> Iterator[Span]:
    """Where a stage (or the lines before the first FROM) has ``keyword``
    again: every occurrence after the first (``ONBUILD`` triggers not counted)."""
    for _st, instructions in groups(df):
        seen = False
        for ins in instructions:
            if ins.keyword == keyword:
                if seen:
                    yield head_span(df, ins)
                seen = True

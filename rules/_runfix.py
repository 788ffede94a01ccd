"""Text helpers for fixes that move shell commands between RUNs (DW002, DW011).

A RUN is *plain* when its script is shell form, parsed without errors, holds
no heredoc and no shell comment (a ``#`` comment runs to the end of the joined
text and would swallow anything appended). Offsets here are offsets into an
instruction's logical text (``ins.text``), which has no newlines.
"""
from __future__ import annotations

import re

from dockwise.syntax.model import Dockerfile, Instruction, Pos, ShellCommand, Span

from ._api import Edit

_COMMENT = re.compile(r"(?:^|[\s;&|()])#")
# builtins whose effect outlives the command (as DL3059 lists them)
STATEFUL = frozenset(
    ("cd", "pushd", "popd", "export", "set", "unset", "source", ".", "umask", "shopt", "ulimit", "alias",
     "trap", "eval", "exec", "exit", "return", "declare", "typeset", "readonly", "local", "enable", "hash")
)


def plain_run(ins: Instruction) -> bool:
    sh = ins.shell
    return (
        ins.keyword == "RUN"
        and ins.trigger is None
        and not ins.json
        and not ins.heredocs
        and sh is not None
        and sh.dialect == "bash"
        and sh.ok
        and bool(sh.commands)
        and bool(ins.text.strip())
        and not _COMMENT.search(ins.text)
    )


def flags_key(ins: Instruction) -> list[str]:
    return sorted(f.raw for f in ins.flags)


def logical_commands(text: str) -> tuple[bool, list[ShellCommand]]:
    """Parse ``text`` (no newlines) so that command spans are offsets (columns of line 0)."""
    from dockwise.syntax.shell import line_map, parse_shell

    sh = parse_shell(text, line_map(text, 0))
    return sh.ok, sh.commands


def and_chain(text: str) -> list[ShellCommand] | None:
    """The commands of ``text`` when it is simple commands joined by ``&&``
    only (no subshell, pipe, background, negation, nothing else between the
    commands; redirections make it decline), else None."""
    text = text.rstrip()
    ok, cmds = logical_commands(text)
    if not ok or not cmds or "\n" in text:
        return None
    if any(c.subshell or c.in_pipe or c.background or c.negated or not c.name for c in cmds):
        return None
    if text[: cmds[0].span.start.col].strip() or text[cmds[-1].span.end.col :].strip():
        return None
    for a, b in zip(cmds, cmds[1:]):
        if text[a.span.end.col : b.span.start.col].strip() != "&&":
            return None
    return cmds


def argvs(cmds) -> list[list[str]]:
    return [c.argv for c in cmds]


def end_of_text(ins: Instruction) -> Pos:
    return ins.text_map.end_pos(len(ins.text.rstrip()))


def physical(df: Dockerfile, start: Pos, end: Pos) -> str:
    """The file's text between two positions (lines joined with ``\\n``)."""
    if start.line == end.line:
        return df.lines[start.line][start.col : end.col]
    return "\n".join([df.lines[start.line][start.col :], *df.lines[start.line + 1 : end.line], df.lines[end.line][: end.col]])


def comment_lines(df: Dockerfile, first: int, last: int) -> bool:
    """A comment line among physical lines ``first..last``."""
    return any(df.lines[i].lstrip().startswith("#") for i in range(max(first, 0), min(last, len(df.lines) - 1) + 1))


def delete_instruction(df: Dockerfile, ins: Instruction) -> Edit | None:
    """Delete the instruction's lines (with their line ends); None when a
    comment line sits inside its continuation (it would be lost)."""
    if comment_lines(df, ins.start_line + 1, ins.end_line):
        return None
    if df.lines[ins.start_line][: ins.span.start.col].strip():
        return None
    last = len(df.lines) - 1
    if ins.end_line >= last and ins.start_line > 0:  # no line end after it: take the one before
        prev = ins.start_line - 1
        while prev > 0 and not df.lines[prev].strip():
            prev -= 1
        return Edit(Span(Pos(prev, len(df.lines[prev])), Pos(last, len(df.lines[last]))), "")
    return Edit(Span(Pos(ins.start_line, 0), Pos(ins.end_line + 1, 0)), "")


def indent_of_last_line(df: Dockerfile, ins: Instruction) -> str:
    """Leading blanks of the RUN's last non-comment continuation line, else 4 spaces."""
    for line in range(ins.end_line, ins.start_line, -1):
        raw = df.lines[line]
        body = raw.lstrip(" \t")
        if body and not body.startswith("#"):
            return raw[: len(raw) - len(body)]
    return "    "


def ends_plainly(df: Dockerfile, ins: Instruction) -> bool:
    """The RUN's script can take `` && more`` at its end: its last top-level
    command is a plain one (not ``exit``/``exec``, not backgrounded) and the
    text does not end in an operator or the escape character."""
    text = ins.text.rstrip()
    if not text or text[-1] in ";&|(`\\" or text[-1] == df.escape:
        return False
    top = [c for c in ins.shell.commands if not c.subshell]
    if not top:
        return False
    last = max(top, key=lambda c: c.span.end)
    return not (last.background or last.name in ("exit", "exec"))

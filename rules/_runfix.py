"""Text helpers for fixes that edit RUNs: insert an option, append commands,
move commands between RUNs (DL3009, DL3014 …, DW002, DW011).

A RUN is *plain* when its script is shell form, parsed without errors, holds
no heredoc and no shell comment (a ``#`` comment runs to the end of the joined
text and would swallow anything appended). Offsets here are offsets into an
instruction's logical text (``ins.text``), which has no newlines.
"""
from __future__ import annotations

import functools

from dockwise import lazyre
from dockwise.syntax.commands import Command, basename, run_view, unwrap
from dockwise.syntax.model import Dockerfile, Instruction, Pos, Span, Word

from ._api import Edit, Fix

_COMMENT = lazyre.compile(r"(?:^|[\s;&|()])#")
# builtins whose effect outlives the command (as DL3059 lists them)
STATEFUL = frozenset(
    ("cd", "pushd", "popd", "export", "set", "unset", "source", ".", "umask", "shopt", "ulimit", "alias",
     "trap", "eval", "exec", "exit", "return", "declare", "typeset", "readonly", "local", "enable", "hash")
)


def plain_run(ins: Instruction) -> bool:
    """A shell-form RUN without heredocs whose script parsed as bash, with no shell comment.
    (An ``ONBUILD RUN`` has the keyword ONBUILD; the exec form's dialect is "exec".)"""
    if ins.keyword != "RUN" or ins.heredocs:
        return False
    v = run_view(ins)
    return v.dialect == "bash" and v.ok and bool(v.commands) and bool(ins.text.strip()) and not _COMMENT.search(ins.text)


def flags_key(ins: Instruction) -> list[str]:
    return sorted(f.raw for f in ins.flags)


def logical_commands(text: str) -> tuple[bool, list[Command]]:
    """Parse ``text`` (no newlines) so that command spans are offsets (columns of line 0).
    The result depends on the text alone: the same RUN text (in another stage, in the
    next version of the document) is parsed once (see ``_logical``)."""
    if len(text) > _LOGICAL_TEXT_MAX:
        ok, cmds = _parse_logical(text)
    else:
        ok, cmds = _logical(text)
    return ok, list(cmds)


# A fix parses its RUN's text again (a second, offset-based parse). The parses of the
# texts of short RUNs are kept: a bounded number of a bounded size.
_LOGICAL_TEXT_MAX = 4096


def _parse_logical(text: str) -> tuple[bool, tuple[Command, ...]]:
    from dockwise.syntax.shell import line_map, parse_shell

    sh = parse_shell(text, line_map(text, 0))
    return sh.ok, tuple(unwrap(c) for c in sh.commands)


_logical = functools.lru_cache(maxsize=512)(_parse_logical)


def and_chain(text: str) -> list[Command] | None:
    """The commands of ``text`` when it is simple commands joined by ``&&``
    only (no subshell, pipe, background, negation, nothing else between the
    commands; redirections make it decline), else None. ``text`` is an
    instruction's text, which the parser has already trimmed."""
    ok, cmds = logical_commands(text)
    if not ok or not cmds or "\n" in text:
        return None
    if any(c.subshell or c.in_pipe or c.background or c.negated or not c.simple.name for c in cmds):
        return None
    if text[: cmds[0].span.start.col].strip() or text[cmds[-1].span.end.col :].strip():
        return None
    for a, b in zip(cmds, cmds[1:]):
        if text[a.span.end.col : b.span.start.col].strip() != "&&":
            return None
    return cmds


def argvs(cmds: list[Command]) -> list[list[str]]:
    """The commands' words as written (wrappers included)."""
    return [c.simple.argv for c in cmds]


def end_of_text(ins: Instruction) -> Pos:
    """Just after the last non-blank character of the (effective) instruction's logical text."""
    eff = ins.effective
    return eff.text_map.end_pos(len(eff.text.rstrip()))


def insert_after(ins: Instruction, word: Word, option: str) -> Edit:
    """Insert ``option`` as a new argument right after ``word``: `` -y`` in shell
    form, heredoc and ``sh -c`` scripts, ``, "-y"`` after an exec-form argument."""
    at = word.span.end
    eff = ins.effective
    if eff.json and any(a.span == word.span for a in eff.args):
        return Edit(Span(at, at), f', "{option}"')
    return Edit(Span(at, at), f" {option}")


def add_option(ins: Instruction, cmd: Command, option: str) -> Edit | None:
    """Insert ``option`` right after the sub-command of ``cmd`` (``apt-get
    install -y``); None when ``cmd`` has no sub-command or its positions are not
    exact (an ``sh -c`` string with escapes)."""
    sub = cmd.sub_word
    return insert_after(ins, sub, option) if sub is not None and cmd.exact else None


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
    top = [c for c in run_view(ins).simple if not c.subshell]
    if not top:
        return False
    last = max(top, key=lambda c: c.span.end)
    return not (last.background or last.simple.name in ("exit", "exec"))


def append_commands_fix(df: Dockerfile, ins: Instruction, commands: list[str], title: str) -> Fix | None:
    """Append `` \\<newline>    && <command>`` for each command at the end of
    a shell-form RUN (safe); a continued RUN's new lines are indented like
    its last line. None for exec form, heredoc RUNs, unparsed or
    non-bash scripts, a script ending in ``exit``/``exec``, and whenever the
    extended script would not parse into the old commands followed by the new
    ones as plain top-level commands (a trailing comment, ``;`` or ``&``)."""
    from dockwise.syntax.shell import line_map, parse_shell

    eff = ins.effective
    v = run_view(ins)
    if eff.json or eff.heredocs or v.dialect != "bash" or not v.ok or not commands:
        return None
    text = eff.text.rstrip()
    if not text or text.endswith(df.escape):
        return None
    old = parse_shell(text, line_map(text, 0))
    top = [c for c in old.commands if not c.subshell]
    if not old.ok or not top or basename(top[-1].name) in ("exit", "exec"):
        return None
    new_text = text + "".join(f"     && {c}" for c in commands)
    new = parse_shell(new_text, line_map(new_text, 0))
    if not new.ok or len(new.commands) != len(old.commands) + len(commands):
        return None
    for got, want in zip(new.commands[len(old.commands):], commands):
        if " ".join(got.argv) != want or got.subshell or got.in_pipe or got.background or got.negated:
            return None
    nl = "\r\n" if "\r\n" in df.text else "\n"
    at = eff.text_map.end_pos(len(text))
    indent = "    "
    if at.line > eff.text_map.pos(0).line:  # continued RUN: indent like its last line
        last = df.lines[at.line]
        lead = last[: len(last) - len(last.lstrip(" \t"))]
        if lead:
            indent = lead
    insert = "".join(f" {df.escape}{nl}{indent}&& {c}" for c in commands)
    return Fix.safe(title, Edit(Span(at, at), insert))

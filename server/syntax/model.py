"""The Dockerfile document model.

One immutable-by-convention tree per document version, built by
:func:`dockwise.syntax.parser.parse` and shared by diagnostics, fixes, hover, completion
and navigation. Positions are 0-based ``(line, column)`` where the column is a
Python string index (a Unicode code point) into the physical line *without* its
line terminator. The LSP layer converts to UTF-16/UTF-8 units; nothing here
knows about LSP.

Vocabulary:

* *physical line*: one line of the file (split on ``\\n``; a trailing ``\\r`` is
  not part of the line's text).
* *logical text*: the text of an instruction after BuildKit joined its
  continuation lines (escape character + newline removed, comment lines and
  blank lines inside the continuation dropped, first piece left-trimmed).
  :class:`SourceMap` maps every offset of a logical text back to a position.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterator


@dataclass(frozen=True, slots=True, order=True)
class Pos:
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Span:
    start: Pos
    end: Pos

    @staticmethod
    def of(l1: int, c1: int, l2: int, c2: int) -> "Span":
        return Span(Pos(l1, c1), Pos(l2, c2))

    def contains(self, pos: Pos) -> bool:
        return self.start <= pos <= self.end

    def union(self, other: "Span") -> "Span":
        return Span(min(self.start, other.start), max(self.end, other.end))


class SourceMap:
    """Maps offsets in a logical text to physical positions.

    Built from *pieces*: each piece says "logical offsets ``[off, off+n)`` are
    the characters at ``line``, columns ``[col, col+n)``". Offsets between
    pieces never occur (the joined text is exactly the concatenation of the
    pieces). ``pos(len(text))`` is the position just after the last character.
    """

    __slots__ = ("_offs", "_lines", "_cols", "_end")

    def __init__(self) -> None:
        self._offs: list[int] = []
        self._lines: list[int] = []
        self._cols: list[int] = []
        self._end = Pos(0, 0)

    def add(self, off: int, line: int, col: int, length: int) -> None:
        if length <= 0:
            return
        self._offs.append(off)
        self._lines.append(line)
        self._cols.append(col)
        self._end = Pos(line, col + length)

    def set_end(self, pos: Pos) -> None:
        self._end = pos

    def pos(self, off: int) -> Pos:
        """Position of the character at logical offset ``off``.

        For ``off`` equal to the text length this is the end of the last piece.
        """
        if not self._offs:
            return self._end
        i = bisect.bisect_right(self._offs, off) - 1
        if i < 0:
            i = 0
        if i == len(self._offs) - 1 or off < self._offs[i + 1]:
            p = Pos(self._lines[i], self._cols[i] + (off - self._offs[i]))
            # past the final piece: clamp to the recorded end
            if i == len(self._offs) - 1 and p > self._end:
                return self._end
            return p
        return Pos(self._lines[i + 1], self._cols[i + 1])

    def end_pos(self, off: int) -> Pos:
        """Position just after the character at logical offset ``off - 1``
        (use for the exclusive end of a range)."""
        if off <= 0:
            return self.pos(0)
        p = self.pos(off - 1)
        return Pos(p.line, p.col + 1)

    def span(self, start: int, end: int) -> Span:
        """Span of logical offsets ``[start, end)``."""
        if end <= start:
            p = self.pos(start)
            return Span(p, p)
        return Span(self.pos(start), self.end_pos(end))

    def offset(self, pos: Pos) -> int | None:
        """The logical offset of the character at ``pos`` (the inverse of
        :meth:`pos`); None when no character of the text is there."""
        for off, line, col, nxt in zip(self._offs, self._lines, self._cols, [*self._offs[1:], None]):
            if line != pos.line or pos.col < col:
                continue
            k = off + (pos.col - col)
            if nxt is None:
                end = self._end
                if pos.line == end.line and pos.col >= end.col:
                    continue
                return k
            if k < nxt:
                return k
        return None

    def shifted(self, delta: int) -> "SourceMap":
        """A map for the substring that starts at logical offset ``delta``."""
        m = SourceMap()
        for off, line, col in zip(self._offs, self._lines, self._cols):
            m._offs.append(off - delta)
            m._lines.append(line)
            m._cols.append(col)
        m._end = self._end
        return m


@dataclass(slots=True)
class Directive:
    """A parser directive at the top of the file: ``# syntax=``, ``# escape=``, ``# check=``."""

    key: str  # lower-cased
    value: str
    span: Span  # the whole line
    value_span: Span


@dataclass(slots=True)
class Comment:
    text: str  # after '#', stripped
    span: Span  # the whole comment, from '#' to end of line


@dataclass(slots=True)
class Flag:
    """A builder flag such as ``--from=build``. ``value`` is None for ``--link``."""

    name: str  # without the dashes: "from"
    value: str | None  # quotes removed as BuildKit does
    raw: str  # as BuildKit dumps it: "--from=build"
    span: Span  # from the first '-' to the end of the value
    name_span: Span
    value_span: Span | None


@dataclass(slots=True)
class Arg:
    """One argument node as BuildKit's splitter for the instruction yields it."""

    value: str
    span: Span


@dataclass(slots=True)
class KeyValue:
    """One ENV/LABEL pair or ARG declaration."""

    key: str
    value: str | None  # raw as written (quotes kept); None for ``ARG NAME`` without default
    legacy: bool  # ``ENV key value`` form
    span: Span
    key_span: Span
    value_span: Span | None

    @property
    def unquoted(self) -> str | None:
        from dockwise.syntax.expand import unquote

        return None if self.value is None else unquote(self.value)


@dataclass(slots=True)
class Heredoc:
    name: str  # delimiter after quote removal
    raw_opener: str  # "<<-'EOF'"
    chomp: bool  # <<-
    quoted: bool  # body is not expanded
    fd: int | None  # 3<<EOF
    opener_span: Span
    body: str  # raw lines joined with "\n", ending with "\n" when non-empty
    body_span: Span | None  # first body char .. end of last body line; None when empty
    terminator_span: Span | None  # None when unterminated


@dataclass(slots=True)
class Word:
    """A shell word: ``value`` is the literal value after quote removal when
    the word is static, else the raw text with expansions kept as written."""

    value: str
    raw: str
    span: Span
    static: bool = True  # no $ expansion, command substitution or glob


@dataclass(slots=True)
class ShellCommand:
    """A simple command inside a RUN: ``name`` and ``args`` are words."""

    name: str  # value of the command word ("apt-get"); "" when only assignments
    args: list[Word]
    span: Span
    name_span: Span
    assignments: list[str] = field(default_factory=list)  # leading FOO=bar
    pipeline: int = 0  # commands sharing a pipeline id were joined by '|'
    in_pipe: bool = False  # part of a pipeline with 2+ commands
    background: bool = False  # ended by '&'
    subshell: bool = False  # inside ( ) or $( )
    negated: bool = False
    # derived facts rules compute from this command alone;
    # the command is immutable and reused across document versions, so they stay valid
    memo: dict | None = field(default=None, repr=False, compare=False)
    # the operator joining it to the command before it at its level: "&&", "||", ";", "&"
    # (the one before ran in the background), "|", "|&"; "" for the first command of the
    # script or of a substitution; a newline or a keyword (then, do, else) counts as ";"
    op: str = ""
    substitution: bool = False  # inside $( ), backticks or <( ) / >( ) (subshell is True too)

    @property
    def argv(self) -> list[str]:
        return [self.name, *(w.value for w in self.args)]

    def has_arg(self, *values: str) -> bool:
        return any(w.value in values for w in self.args)


@dataclass(slots=True)
class ShellScript:
    """The shell parse of one RUN (or one heredoc script)."""

    text: str
    commands: list[ShellCommand]
    ok: bool  # tree-sitter parsed without errors
    dialect: str = "bash"  # "bash"; "exec" (JSON form: one command); "none" (PowerShell/cmd/other: not parsed)
    windows: bool = False  # the stage runs cmd or PowerShell (dialect is "none")
    # the first command substitution nested deeper than shell.MAX_SUBST_DEPTH: not analysed
    too_deep: Span | None = None
    smap: SourceMap | None = field(default=None, repr=False, compare=False)  # offsets of ``text`` -> positions
    view: object = field(default=None, repr=False, compare=False)  # syntax.commands.RunView, built on first use


@dataclass(slots=True)
class Instruction:
    keyword: str  # upper-cased: "RUN"; unknown words are kept upper-cased too
    raw_keyword: str  # as written
    span: Span  # from the keyword to the end of the last line incl. heredocs
    keyword_span: Span
    flags: list[Flag]
    args: list[Arg]  # BuildKit argument nodes (see buildkit dump)
    text: str  # logical text after keyword and flags (leading blanks removed)
    text_map: SourceMap  # maps offsets of ``text`` to positions
    json: bool = False  # exec (JSON) form
    heredocs: list[Heredoc] = field(default_factory=list)
    pairs: list[KeyValue] = field(default_factory=list)  # ENV / LABEL / ARG
    trigger: "Instruction | None" = None  # ONBUILD's inner instruction
    comments: list[Comment] = field(default_factory=list)  # preceding comment lines
    stage: int = -1  # index of the stage, -1 before the first FROM
    index: int = 0  # position in Dockerfile.instructions
    empty_continuation: bool = False  # a blank line inside its continuation
    shell: ShellScript | None = None  # RUN (and ONBUILD RUN through .trigger)
    known: bool = True  # keyword is a Dockerfile instruction

    @property
    def start_line(self) -> int:
        return self.span.start.line

    @property
    def end_line(self) -> int:
        return self.span.end.line

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def flag_values(self, name: str) -> list[str]:
        return [f.value or "" for f in self.flags if f.name == name]

    @property
    def effective(self) -> "Instruction":
        """The ONBUILD trigger when this is ONBUILD, else self."""
        return self.trigger if self.trigger is not None else self


@dataclass(slots=True)
class ImageRef:
    """A parsed image reference (``registry/namespace/name:tag@digest``)."""

    raw: str  # as written (possibly with variables)
    resolved: str  # after expanding global ARG defaults
    registry: str | None
    path: str  # "library/python" style repository path without registry
    name: str  # last path component: "python"
    tag: str | None
    digest: str | None
    span: Span
    unresolved: bool = False  # contains variables we could not expand


@dataclass(slots=True)
class VarDef:
    """An ARG or ENV definition, visible from ``instruction`` on."""

    name: str
    kind: str  # "ARG" or "ENV"
    value: str | None  # expanded value as far as known (None: no default)
    instruction: int  # index in Dockerfile.instructions
    span: Span  # of the key
    complete: bool = True  # False: ``value`` uses a variable whose value is not known (``ENV B=$A`` after ``ARG A``)


@dataclass(slots=True)
class Stage:
    index: int
    from_instruction: int  # index in Dockerfile.instructions
    base: ImageRef | None  # None when the FROM has no argument
    name: str | None  # lower-cased alias
    name_span: Span | None
    parent: int | None  # index of the stage named by FROM, if any
    platform: str | None
    instructions: list[int] = field(default_factory=list)  # indices, FROM included
    vars: list[VarDef] = field(default_factory=list)  # ARG/ENV defined in this stage
    span: Span | None = None
    windows: bool = False  # shell is cmd/PowerShell (not parsed as bash)

    @property
    def base_name(self) -> str:
        return self.base.raw if self.base else ""


@dataclass(slots=True)
class ParseError:
    message: str
    span: Span
    severity: str = "error"  # "error" | "warning"
    fatal_in_buildkit: bool = True  # BuildKit would refuse the file


@dataclass(slots=True)
class Dockerfile:
    text: str
    lines: list[str]  # physical lines without terminators
    directives: list[Directive]
    comments: list[Comment]
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: list[VarDef]
    errors: list[ParseError]
    escape: str = "\\"
    path: str | None = None
    version: int | None = None
    # per start line: (instruction, its physical lines, errors, comments, escape);
    # lets the next version's parse reuse unchanged instructions
    block_cache: dict = field(default_factory=dict, repr=False, compare=False)
    # facts derived from this version by later layers, computed once (key: the
    # module that owns the entry, e.g. "dockwise.rules.shellcheck")
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def directive(self, key: str) -> str | None:
        for d in self.directives:
            if d.key == key:
                return d.value
        return None

    def stage_of(self, ins: Instruction) -> Stage | None:
        return self.stages[ins.stage] if 0 <= ins.stage < len(self.stages) else None

    def stage_instructions(self, stage: Stage) -> Iterator[Instruction]:
        for i in stage.instructions:
            yield self.instructions[i]

    def stage_by_name(self, name: str) -> Stage | None:
        name = name.lower()
        for s in self.stages:
            if s.name == name:
                return s
        return None

    def lookup_var(self, stage: Stage | None, name: str, before: int) -> VarDef | None:
        """BuildKit's scoping: the latest ARG/ENV named ``name`` defined before
        instruction index ``before`` in ``stage`` or the stages it derives from.
        ENV wins over ARG of the same name when both are in scope."""
        seen: set[int] = set()
        while stage is not None and stage.index not in seen:
            seen.add(stage.index)
            best: VarDef | None = None
            for v in stage.vars:
                if v.name == name and v.instruction < before:
                    if best is None or v.kind == "ENV" or best.kind != "ENV":
                        best = v
            if best is not None:
                return best
            before = 1 << 60
            stage = self.stages[stage.parent] if stage.parent is not None else None
        return None

    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def stage_chain(self, stage: Stage) -> list[Stage]:
        """``stage`` and the stages it is built FROM, nearest first."""
        out: list[Stage] = []
        seen: set[int] = set()
        s: Stage | None = stage
        while s is not None and s.index not in seen:
            seen.add(s.index)
            out.append(s)
            s = self.stages[s.parent] if s.parent is not None else None
        return out

    def line_span(self, line: int) -> Span:
        n = len(self.lines[line]) if 0 <= line < len(self.lines) else 0
        return Span(Pos(line, 0), Pos(line, n))

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
import functools
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Callable, Iterator, NamedTuple, TypeVar, cast
from dockwise import lazyre

T = TypeVar("T")


class Pos(NamedTuple):
    """A position: 0-based line, column in code points. A named tuple: made and
    compared (by line, then column) at C speed, which the parser and every rule
    do a great deal of."""

    line: int
    col: int


class Span(NamedTuple):
    start: Pos
    end: Pos

    @staticmethod
    def of(l1: int, c1: int, l2: int, c2: int) -> "Span":
        return Span(Pos(l1, c1), Pos(l2, c2))

    def contains(self, pos: Pos) -> bool:
        return self.start <= pos <= self.end

    def union(self, other: "Span") -> "Span":
        return Span(min(self.start, other.start), max(self.end, other.end))


# Pos((line, col)) and Span((start, end)) from a tuple, in C: the named tuples' own
# constructors run a Python-level __new__, and the parser makes ~25,000 of them per
# 1,000 lines
_pos = cast("Callable[[tuple[int, int]], Pos]", functools.partial(tuple.__new__, Pos))
_span = cast("Callable[[tuple[Pos, Pos]], Span]", functools.partial(tuple.__new__, Span))


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
        offs = self._offs
        n = len(offs)
        if n == 1:  # one piece: most instructions (one line)
            p = _pos((self._lines[0], self._cols[0] + (off - offs[0])))
            return self._end if p > self._end else p
        if not n:
            return self._end
        i = bisect.bisect_right(offs, off) - 1
        if i < 0:
            i = 0
        if i == n - 1 or off < offs[i + 1]:
            p = _pos((self._lines[i], self._cols[i] + (off - offs[i])))
            # past the final piece: clamp to the recorded end
            if i == n - 1 and p > self._end:
                return self._end
            return p
        return _pos((self._lines[i + 1], self._cols[i + 1]))

    def end_pos(self, off: int) -> Pos:
        """Position just after the character at logical offset ``off - 1``
        (use for the exclusive end of a range)."""
        if off <= 0:
            return self.pos(0)
        line, col = self.pos(off - 1)
        return _pos((line, col + 1))

    def span(self, start: int, end: int) -> Span:
        """Span of logical offsets ``[start, end)``."""
        if end <= start:
            p = self.pos(start)
            return _span((p, p))
        if end <= 0:  # as end_pos: no character before it
            return _span((self.pos(start), self.pos(0)))
        line, col = self.pos(end - 1)
        return _span((self.pos(start), _pos((line, col + 1))))

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

    @property
    def content(self) -> str:
        """What BuildKit hands on (the COPY file, the RUN script): the body,
        with each line's leading tabs removed for ``<<-`` (tabs only)."""
        return chomp_heredoc(self.body) if self.chomp else self.body


_LEADING_TABS = lazyre.compile(r"^\t+", re.M)


def chomp_heredoc(text: str) -> str:
    """BuildKit's ``parser.ChompHeredocContent``: leading tabs removed from every line."""
    return _LEADING_TABS.sub("", text)


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


@dataclass(slots=True, weakref_slot=True)
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
    # lines its positions still have to move (see :func:`defer_shift`); 0 for every
    # instruction a caller can see
    pending: int = field(default=0, repr=False, compare=False)

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
    # the vars by name and by instruction (see :meth:`defs`), kept up to date as vars grow
    var_index: "_VarIndex | None" = field(default=None, repr=False, compare=False)

    @property
    def base_name(self) -> str:
        return self.base.raw if self.base else ""

    def defs(self) -> "_VarIndex":
        """This stage's ARG/ENV definitions indexed by name and by instruction,
        for lookups in O(log n) instead of a scan of ``vars``."""
        idx = self.var_index
        if idx is None:
            idx = self.var_index = _VarIndex()
        if idx.count != len(self.vars):
            idx.catch_up(self.vars)
        return idx


class _VarIndex:
    """``Stage.vars`` by name (ENV and ARG apart, in instruction order) and by
    instruction. Vars are only ever appended; the index takes the new ones on
    the next use."""

    __slots__ = ("count", "by_name", "by_instruction")

    def __init__(self) -> None:
        self.count = 0
        # name -> (ENV instruction indices, ENV defs, ARG instruction indices, ARG defs)
        self.by_name: dict[str, tuple[list[int], list[VarDef], list[int], list[VarDef]]] = {}
        self.by_instruction: dict[int, list[VarDef]] = {}

    def catch_up(self, vars: "list[VarDef]") -> None:
        if self.count > len(vars):  # replaced, not appended to: start again
            self.count, self.by_name, self.by_instruction = 0, {}, {}
        for v in vars[self.count:]:
            e_at, e_defs, a_at, a_defs = self.by_name.setdefault(v.name, ([], [], [], []))
            at, defs = (e_at, e_defs) if v.kind == "ENV" else (a_at, a_defs)
            k = bisect.bisect_right(at, v.instruction)
            at.insert(k, v.instruction)
            defs.insert(k, v)
            self.by_instruction.setdefault(v.instruction, []).append(v)
        self.count = len(vars)

    def last(self, name: str, before: int) -> "tuple[VarDef | None, VarDef | None]":
        """(last ENV, last ARG) named ``name`` defined before instruction ``before``."""
        got = self.by_name.get(name)
        if got is None:
            return None, None
        e_at, e_defs, a_at, a_defs = got
        i = bisect.bisect_left(e_at, before)
        j = bisect.bisect_left(a_at, before)
        return (e_defs[i - 1] if i else None), (a_defs[j - 1] if j else None)

    def at(self, instruction: int) -> "list[VarDef]":
        """The definitions made by one instruction, in order."""
        return self.by_instruction.get(instruction, [])


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
    # the parser's per-instruction record of this version (lines, errors by phase):
    # lets the next version's parse reuse what did not change (see parser._Inc)
    inc: object = field(default=None, repr=False, compare=False)
    # structures derived from the model, built on first use: variable scopes
    # (see visible_at_end) and whole-file facts that rules memoise under a key
    # of their own ("module.name"); never part of equality or repr
    derived: dict = field(default_factory=dict, repr=False, compare=False)

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
        if stage is None:
            return None
        env, arg = stage.defs().last(name, before)
        if env is not None or arg is not None:
            return env or arg
        p = stage.parent
        return self.visible_at_end(p, name) if p is not None and p != stage.index else None

    def visible_at_end(self, index: int, name: str, kind: str | None = None) -> VarDef | None:
        """The definition of ``name`` visible at the end of stage ``index``:
        from the nearest of that stage and the stages it is built FROM that
        defines ``name`` (ENV before ARG there); with ``kind`` ("ENV"/"ARG"),
        the nearest definition of that kind. O(log n) per lookup, whatever
        the depth of the FROM chain (see :class:`_Scopes`)."""
        sc = self.derived.get("scopes")
        if sc is None:
            sc = self.derived["scopes"] = _Scopes()
        at = sc.nearest(self.stages, index, name, kind or "*")
        if at is None:
            return None
        env, arg = self.stages[at].defs().last(name, 1 << 60)
        if kind == "ENV":
            return env
        if kind == "ARG":
            return arg
        return env or arg

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


# -- moving a block of lines ----------------------------------------------------------
# When lines are inserted or deleted above an instruction, its parse is the same
# but every position moves by the same number of lines. ``moved(ins, d)`` gives a
# copy with every position ``d`` lines further down (up when negative): a small
# fraction of the cost of parsing it again (its shell parse included). The copy
# shares nothing mutable with the original; derived data that holds positions
# (a RUN's command view, per-command memos) is dropped and rebuilt on first use.


_tn = tuple.__new__  # Pos/Span without NamedTuple's Python-level __new__


def _ms(s: Span, d: int) -> Span:
    a, b = s
    return _tn(Span, (_tn(Pos, (a[0] + d, a[1])), _tn(Pos, (b[0] + d, b[1]))))


def _ms_opt(s: "Span | None", d: int) -> "Span | None":
    if s is None:
        return None
    a, b = s
    return _tn(Span, (_tn(Pos, (a[0] + d, a[1])), _tn(Pos, (b[0] + d, b[1]))))


def moved_map(m: SourceMap, d: int) -> SourceMap:
    out = _new_map(SourceMap)
    out._offs = m._offs[:]  # offsets and columns do not move
    out._cols = m._cols[:]
    out._lines = [ln + d for ln in m._lines]
    e = m._end
    out._end = _tn(Pos, (e[0] + d, e[1]))
    return out


_new_map = object.__new__


def moved_comment(c: Comment, d: int) -> Comment:
    return Comment(c.text, _ms(c.span, d))


def moved_error(e: ParseError, d: int) -> ParseError:
    return ParseError(e.message, _ms(e.span, d), e.severity, e.fatal_in_buildkit)


def _moved_word(w: Word, d: int) -> Word:
    return Word(w.value, w.raw, _ms(w.span, d), w.static)


def _moved_command(c: ShellCommand, d: int) -> ShellCommand:
    return ShellCommand(
        c.name, [_moved_word(w, d) for w in c.args], _ms(c.span, d), _ms(c.name_span, d),
        list(c.assignments), c.pipeline, c.in_pipe, c.background, c.subshell, c.negated,
        None, c.op, c.substitution,
    )


def _moved_script(s: ShellScript, d: int, maps: dict) -> ShellScript:
    smap = s.smap
    if smap is not None:
        got = maps.get(id(smap))
        smap = got if got is not None else moved_map(smap, d)
    return ShellScript(s.text, [_moved_command(c, d) for c in s.commands], s.ok, s.dialect, s.windows,
                       _ms_opt(s.too_deep, d), smap, None)


def shift(ins: Instruction, d: int, seen: set | None = None) -> None:
    """Move every position of ``ins`` ``d`` lines *in place* (the parser does this to
    the instructions it takes over from a superseded model, see :func:`moved` for
    a copy). A RUN's command view moves too (its ``shift``); the shell commands'
    own memos are dropped. Objects shared inside ``ins`` (ONBUILD's heredocs, a
    shell parse's source map, words a view shares with the shell parse) move once."""
    if type(ins) is _Moving and id(ins) not in _settling:
        defer_shift(ins, d)  # it moves when read, by both amounts
        return
    if seen is None:
        seen = set()
    ms = _ms
    g = object.__getattribute__  # (not through _Moving's: the mover reads the fields as they are)
    ins.span = ms(g(ins, "span"), d)
    ins.keyword_span = ms(g(ins, "keyword_span"), d)
    _shift_map(g(ins, "text_map"), d, seen)
    for f in g(ins, "flags"):
        f.span = ms(f.span, d)
        f.name_span = ms(f.name_span, d)
        if f.value_span is not None:
            f.value_span = ms(f.value_span, d)
    for a in g(ins, "args"):
        a.span = ms(a.span, d)
    for p in g(ins, "pairs"):
        p.span = ms(p.span, d)
        p.key_span = ms(p.key_span, d)
        if p.value_span is not None:
            p.value_span = ms(p.value_span, d)
    heredocs = g(ins, "heredocs")
    if id(heredocs) not in seen:
        seen.add(id(heredocs))
        for h in heredocs:
            h.opener_span = ms(h.opener_span, d)
            if h.body_span is not None:
                h.body_span = ms(h.body_span, d)
            if h.terminator_span is not None:
                h.terminator_span = ms(h.terminator_span, d)
    sh = g(ins, "shell")
    if sh is not None and id(sh) not in seen:
        seen.add(id(sh))
        if sh.too_deep is not None:
            sh.too_deep = ms(sh.too_deep, d)
        if sh.smap is not None:
            _shift_map(sh.smap, d, seen)
        for c in sh.commands:
            seen.add(id(c))
            c.span = ms(c.span, d)
            c.name_span = ms(c.name_span, d)
            c.memo = None
            for w in c.args:
                seen.add(id(w))
                w.span = ms(w.span, d)
        view = sh.view
        if view is not None:  # the command view (syntax.commands.RunView) moves itself
            shift_view = getattr(view, "shift", None)
            if shift_view is None:
                sh.view = None
            else:
                shift_view(d, seen)
    trigger = g(ins, "trigger")
    if trigger is not None:
        shift(trigger, d, seen)


# -- moving lazily ---------------------------------------------------------------------
# Enter moves every later instruction one line down. Moving each one's positions at once
# costs O(later instructions x positions) per keystroke; instead the parser marks them
# (``defer_shift``) and an instruction moves the first time anything reads one of its
# positions. A marked instruction is an instance of ``_Moving``, a subclass with the same
# layout whose attribute access moves it (``shift``) and turns it back into a plain
# ``Instruction``: readers see the same absolute positions as ever, only later. What
# carries no position (keyword, text, index, stage, comments: those move at once) is read
# without moving it, so that a reader that only compares texts does not pay for it; nor
# are ``start_line``/``end_line`` (computed from the pending move) and, when there is no
# ONBUILD trigger, ``trigger``/``effective``.

_STILL = frozenset(("keyword", "raw_keyword", "text", "json", "stage", "index", "known", "empty_continuation",
                    "pending", "comments"))
_SETTLE = threading.RLock()  # one mover at a time; readers in other threads wait for it
_settling: set[int] = set()  # ids of the instructions being moved (by the thread holding _SETTLE)


class _Moving(Instruction):
    """An :class:`Instruction` whose positions are ``pending`` lines behind (see above).

    Only the fields that hold positions are properties here (they move the
    instruction, then read the slot); every other field is the plain slot, read
    at C speed: whole-file rules loop over every instruction after an Enter."""

    __slots__ = ()


def _moving_field(name: str) -> property:
    slot = Instruction.__dict__[name]  # the slot's member descriptor

    def get(self):
        _settle(self)
        return slot.__get__(self, Instruction)

    def put(self, value) -> None:
        slot.__set__(self, value)

    return property(get, put)


_SLOT_SPAN = Instruction.__dict__["span"]
_SLOT_PENDING = Instruction.__dict__["pending"]
_SLOT_TRIGGER = Instruction.__dict__["trigger"]


def _moving_line(end: int) -> property:
    def get(self) -> int:  # what the moved position will be, without moving the rest
        with _SETTLE:
            if type(self) is _Moving and id(self) not in _settling:
                return _SLOT_SPAN.__get__(self, Instruction)[end][0] + _SLOT_PENDING.__get__(self, Instruction)
        return _SLOT_SPAN.__get__(self, Instruction)[end][0]

    return property(get)


def _moving_trigger(self):
    if _SLOT_TRIGGER.__get__(self, Instruction) is None:  # no trigger to move
        return None
    _settle(self)
    return _SLOT_TRIGGER.__get__(self, Instruction)


def _moving_effective(self):
    t = _moving_trigger(self)
    return self if t is None else t


for _name in getattr(Instruction, "__slots__"):
    if _name not in _STILL and _name not in ("trigger", "__weakref__"):
        setattr(_Moving, _name, _moving_field(_name))
setattr(_Moving, "trigger", property(_moving_trigger, lambda self, v: _SLOT_TRIGGER.__set__(self, v)))
setattr(_Moving, "start_line", _moving_line(0))
setattr(_Moving, "end_line", _moving_line(1))
setattr(_Moving, "effective", property(_moving_effective))


def _settle(ins: Instruction) -> None:
    g = object.__getattribute__
    with _SETTLE:
        if g(ins, "__class__") is not _Moving or id(ins) in _settling:
            return
        _settling.add(id(ins))
        try:
            d = g(ins, "pending")
            if d:
                shift(ins, d)
            object.__setattr__(ins, "pending", 0)
            object.__setattr__(ins, "__class__", Instruction)
        finally:
            _settling.discard(id(ins))


def defer_shift(ins: Instruction, d: int) -> None:
    """Move ``ins`` ``d`` lines, in place, the first time one of its positions is read."""
    if type(ins) is _Moving:
        object.__setattr__(ins, "pending", object.__getattribute__(ins, "pending") + d)
    elif d:
        ins.pending = d
        object.__setattr__(ins, "__class__", _Moving)


_SLOT_SHELL = Instruction.__dict__["shell"]


def shell_as_parsed(ins: Instruction) -> "ShellScript | None":
    """``ins.shell`` without doing a deferred move (see :func:`defer_shift`): for
    what a shell parse holds apart from positions (``text``, ``dialect``,
    ``windows``, ``ok``). Its positions may be behind by the pending move: read
    them from ``ins.shell``. Whole-file readers of every RUN's script text
    (ShellCheck's scripts) would otherwise move every later RUN on each Enter."""
    return _SLOT_SHELL.__get__(ins, Instruction)


def settle(ins: Instruction) -> Instruction:
    """``ins`` with every deferred move done (a no-op for a plain instruction)."""
    if type(ins) is _Moving:
        _settle(ins)
    return ins


def _shift_map(m: SourceMap, d: int, seen: set) -> None:
    if id(m) in seen:
        return
    seen.add(id(m))
    m._lines = [ln + d for ln in m._lines]
    e = m._end
    m._end = _tn(Pos, (e[0] + d, e[1]))


def moved(ins: Instruction, d: int, maps: dict | None = None) -> Instruction:
    """A copy of ``ins`` with every position ``d`` lines further down (see above).
    ``index``, ``stage`` and ``comments`` are the caller's to set."""
    if maps is None:
        maps = {}
    tm = moved_map(ins.text_map, d)
    maps[id(ins.text_map)] = tm
    trigger = moved(ins.trigger, d, maps) if ins.trigger is not None else None
    if trigger is not None and ins.heredocs is ins.trigger.heredocs:  # type: ignore[union-attr]
        heredocs = trigger.heredocs
    else:
        heredocs = [
            Heredoc(h.name, h.raw_opener, h.chomp, h.quoted, h.fd, _ms(h.opener_span, d), h.body,
                    _ms_opt(h.body_span, d), _ms_opt(h.terminator_span, d))
            for h in ins.heredocs
        ]
    out = Instruction(
        ins.keyword, ins.raw_keyword, _ms(ins.span, d), _ms(ins.keyword_span, d),
        [Flag(f.name, f.value, f.raw, _ms(f.span, d), _ms(f.name_span, d), _ms_opt(f.value_span, d))
         for f in ins.flags],
        [Arg(a.value, _ms(a.span, d)) for a in ins.args],
        ins.text, tm, ins.json, heredocs,
        [KeyValue(p.key, p.value, p.legacy, _ms(p.span, d), _ms(p.key_span, d), _ms_opt(p.value_span, d))
         for p in ins.pairs],
        trigger, [], ins.stage, ins.index, ins.empty_continuation,
        _moved_script(ins.shell, d, maps) if ins.shell is not None else None,
        ins.known,
    )
    return out

class _Scopes:
    """Which stage up a FROM chain defines a variable, without walking the chain.

    Stages form a forest (a stage's parent is an earlier stage). For each
    (name, kind) the stages defining it are kept in depth-first pre-order
    (children in stage order), each with its nearest defining proper ancestor.
    A lookup from stage ``s`` takes the last defining stage ``m`` not after
    ``s`` in that order: if ``m`` is not an ancestor of ``s``, the answer is
    among ``m``'s defining ancestors, so it follows those links. Ancestor tests
    and the order use binary lifting (O(log n)). Stages and their variables
    are only appended (the parser builds them in file order; a stage's
    ancestors are complete before it asks), and a new stage is a leaf that
    comes last among its parent's descendants: the order of the others never
    changes, so the structure catches up with what was added since."""

    __slots__ = ("depth", "jumps", "marks", "near", "seen_stages", "seen_vars")

    def __init__(self) -> None:
        self.depth: list[int] = []
        self.jumps: list[list[int]] = []  # jumps[i][k]: the 2**k-th stage up stage i's FROM chain
        self.marks: dict[tuple[str, str], list[int]] = {}  # (name, kind) -> defining stages in pre-order
        self.near: dict[tuple[str, str, int], int] = {}  # (name, kind, stage) -> nearest defining proper ancestor
        self.seen_stages = 0
        self.seen_vars = 0  # vars taken from the last seen stage

    def _parent(self, stages: list, i: int) -> int:
        p = stages[i].parent
        return p if p is not None and 0 <= p < i else i

    def _add_stage(self, stages: list, i: int) -> None:
        p = self._parent(stages, i)
        if p == i:
            self.depth.append(0)
            self.jumps.append([])
            return
        self.depth.append(self.depth[p] + 1)
        j = [p]
        k = 1
        while (1 << k) <= self.depth[i]:
            j.append(self.jumps[j[k - 1]][k - 1])
            k += 1
        self.jumps.append(j)

    def _lift(self, s: int, d: int) -> int:
        k = 0
        while d:
            if d & 1:
                s = self.jumps[s][k]
            d >>= 1
            k += 1
        return s

    def _ancestor(self, a: int, s: int) -> bool:
        """``a`` is ``s`` or a stage ``s`` is built FROM (directly or not)."""
        if a > s or self.depth[a] > self.depth[s]:
            return False
        return self._lift(s, self.depth[s] - self.depth[a]) == a

    def _before(self, a: int, b: int) -> bool:
        """``a`` comes before ``b`` in pre-order."""
        if a == b:
            return False
        da, db = self.depth[a], self.depth[b]
        if da > db:
            a = self._lift(a, da - db)
            if a == b:
                return False  # b is an ancestor of a
        elif db > da:
            b = self._lift(b, db - da)
            if a == b:
                return True  # a is an ancestor of b
        # same depth, different stages: climb to just below their common ancestor (or the roots)
        k = len(self.jumps[a]) - 1
        while k >= 0:
            if k < len(self.jumps[a]) and self.jumps[a][k] != self.jumps[b][k]:
                a, b = self.jumps[a][k], self.jumps[b][k]
            k -= 1
        return a < b  # siblings (or roots) in stage order

    def _position(self, at: list[int], s: int) -> int:
        """How many of ``at`` come before ``s`` or are ``s``."""
        lo, hi = 0, len(at)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._before(s, at[mid]):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _find(self, name: str, kind: str, s: int) -> int:
        at = self.marks.get((name, kind))
        if not at:
            return -1
        k = self._position(at, s)
        m = at[k - 1] if k else -1
        while m >= 0 and not self._ancestor(m, s):
            m = self.near[(name, kind, m)]
        return m

    def _mark(self, stages: list, i: int, name: str, kind: str) -> None:
        key = (name, kind, i)
        if key in self.near:
            return
        p = self._parent(stages, i)
        self.near[key] = self._find(name, kind, p) if p != i else -1
        at = self.marks.setdefault((name, kind), [])
        at.insert(self._position(at, i), i)

    def _catch_up(self, stages: list) -> None:
        for i in range(max(self.seen_stages - 1, 0), len(stages)):
            if i >= self.seen_stages:
                self._add_stage(stages, i)
                self.seen_stages = i + 1
                self.seen_vars = 0
            vs = stages[i].vars
            for v in vs[self.seen_vars:]:
                self._mark(stages, i, v.name, v.kind)
                self._mark(stages, i, v.name, "*")
            self.seen_vars = len(vs)

    def nearest(self, stages: list, index: int, name: str, kind: str) -> int | None:
        """The nearest of stage ``index`` and its ancestors that defines ``name`` (of ``kind``, or "*")."""
        if not 0 <= index < len(stages):
            return None
        self._catch_up(stages)
        m = self._find(name, kind, index)
        return m if m >= 0 else None


# -- facts remembered by an instruction's source ----------------------------------------

_BY_SOURCE: dict[tuple, object] = {}
_BY_SOURCE_MAX = 16384
# id(instruction) -> (weak reference to it, {what: (escape, fact)}); an entry goes with its
# instruction (a closed document's facts do not stay)
_BY_OBJECT: dict[int, tuple] = {}


def by_source(df: "Dockerfile", ins: Instruction, what: str, compute: "Callable[[Instruction], T]") -> "T":
    """``compute(ins)`` for a fact that depends only on the instruction's own
    source (its flags' values, its words, its keys — never positions),
    remembered by (``what``, keyword, source lines, escape character).
    Reading such a fact from an instruction an edit above moved would move all
    its positions (:func:`defer_shift`): whole-file readers (the build's stage
    graph, DL3022, DL3044) would make every Enter pay that for every later
    instruction."""
    # An instruction object keeps its source for life (the parser takes unchanged ones
    # over, moved or not, and makes new ones for changed lines): by identity first,
    # which spares reading its lines.
    mine = _BY_OBJECT.get(id(ins))
    if mine is not None and mine[0]() is ins:
        hit = mine[1].get(what)
        if hit is not None and hit[0] == df.escape:
            return cast(T, hit[1])
    else:
        mine = None
    key = (what, df.escape, ins.keyword, tuple(df.lines[ins.start_line:ins.end_line + 1]))
    if key in _BY_SOURCE:
        got = cast(T, _BY_SOURCE[key])
    else:
        got = compute(ins)
        if len(_BY_SOURCE) >= _BY_SOURCE_MAX:
            _BY_SOURCE.clear()
        _BY_SOURCE[key] = got
    if mine is None:
        mine = _BY_OBJECT[id(ins)] = (weakref.ref(ins, _forget(id(ins))), {})
    mine[1][what] = (df.escape, got)
    return got


def _forget(key: int) -> "Callable[[weakref.ref], None]":
    """A weak reference's callback that drops the facts of the instruction it named
    (it runs as the instruction is freed, before its id can be another object's)."""
    def gone(_ref: weakref.ref) -> None:
        _BY_OBJECT.pop(key, None)

    return gone

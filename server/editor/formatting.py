"""Dockerfile formatting (engine side: no LSP types).

A conservative layout formatter. It never re-wraps, joins, splits or
re-orders anything, never adds or removes lines, and never changes what
BuildKit parses (apart from the case of instruction keywords). Per line:

* the first line of an instruction: leading white space removed, a known
  keyword upper-cased (also an ONBUILD trigger's keyword), exactly one space
  between the keyword and what follows on that line;
* continuation lines: leading white space set to indentation units
  (``tabSize`` spaces or a tab; 4 spaces by default). Nesting is kept: within
  an instruction, the smallest indentation becomes one unit, the next larger
  one two units, and so on (so a package list indented under its
  ``apt-get install`` stays indented under it). A comment line inside a
  continuation gets the indentation of the line it precedes; blank ones
  become empty. A
  continuation line is re-indented only where that cannot change the
  instruction: the line break must fall *between* words (white space on at
  least one side, not escaped) and outside quotes, and the instruction must
  be one whose argument splitting ignores the width of white space runs (not
  ``ENV key value`` legacy form, USER/WORKDIR/MAINTAINER/STOPSIGNAL, unknown
  keywords, or RUN/CMD/ENTRYPOINT in a stage with a Windows or custom
  SHELL); otherwise the line keeps its indentation;
* trailing spaces and tabs removed (unless the client sent
  ``trimTrailingWhitespace: false``);
* heredoc bodies and terminators, parser directive lines (apart from
  trailing blanks) and the content of every line after its indentation are
  left alone. The escape character of ``# escape=`` is honoured.

Range formatting formats the instructions that overlap the range (whole
instructions) and the other lines inside it. :func:`format_edits` returns
one minimal edit per changed line; :func:`format_text` applies them.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from dockwise.syntax.model import Dockerfile, Instruction, Pos, Span
from dockwise.syntax.parser import _GO_SPACE, _WS, _continues, _is_comment, _lstrip_go


@dataclass(slots=True)
class FormatOptions:
    tab_size: int = 4
    insert_spaces: bool = True
    trim_trailing_whitespace: bool = True
    insert_final_newline: bool = False

    @property
    def tab(self) -> int:
        return max(1, min(int(self.tab_size or 4), 16))

    @property
    def unit(self) -> str:
        return " " * self.tab if self.insert_spaces else "\t"


@dataclass(frozen=True, slots=True)
class TextEdit:
    span: Span
    new_text: str


_BLANK = " \t"
# instructions whose arguments are split into words, so that the width of a
# white-space run between words does not matter
_WORDY = frozenset(("FROM", "EXPOSE", "ADD", "COPY", "VOLUME", "ARG", "ENV", "LABEL", "ONBUILD"))
_SHELLY = frozenset(("RUN", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK"))
_WINDOWS_HINTS = ("windows", "nanoserver", "servercore", "ltsc")


def _custom_shell_stages(df: Dockerfile) -> set[int]:
    """Stages with a SHELL instruction in them or in a stage they are built
    FROM (parents come first, so one pass in order suffices)."""
    own = {df.instructions[i].stage for i, ins in enumerate(df.instructions) if ins.keyword == "SHELL"}
    out: set[int] = set()
    for st in df.stages:
        if st.index in own or (st.parent is not None and st.parent != st.index and st.parent in out):
            out.add(st.index)
    return out


def _reindentable(df: Dockerfile, ins: Instruction, custom_shell: set[int]) -> bool:
    eff = ins.effective
    kw = eff.keyword
    if not ins.known or not eff.known:
        return False
    if kw in ("ENV", "LABEL"):
        return not any(p.legacy for p in eff.pairs)
    if kw in _WORDY:
        return True
    if kw == "HEALTHCHECK" and not (eff.args and eff.args[0].value.upper() == "CMD"):
        return False  # the type is split off at the first blank, quotes or not
    if kw in _SHELLY:
        st = df.stage_of(ins)
        if df.escape != "\\" or st is None or st.windows:
            return False
        base = (st.base.resolved if st.base else "").lower()
        if any(h in base for h in _WINDOWS_HINTS):
            return False
        # a custom SHELL anywhere in the stage or its ancestors: its quoting rules are unknown
        return st.index not in custom_shell
    return False


class _Scan:
    """Quoting state over an instruction's logical text, conservatively:
    both ``\\`` and the escape character escape; ``$( )`` nests (inside it
    words are split again, also within double quotes); anything unclear
    (backticks or quotes inside ``"${…}"``) makes the rest of the instruction
    opaque. Contexts: ``sq``/``dq`` quotes, ``cs`` command substitution,
    ``br`` a ``${…}`` inside double quotes."""

    __slots__ = ("esc", "stack", "escaped", "last_escaped", "opaque", "prev")

    def __init__(self, esc: str) -> None:
        self.esc = esc
        self.stack: list[str] = []
        self.escaped = self.last_escaped = self.opaque = False
        self.prev = ""

    def feed(self, text: str) -> None:
        stack = self.stack
        for c in text:
            self.last_escaped = False
            top = stack[-1] if stack else ""
            if self.escaped:
                self.escaped = False
                self.last_escaped = True
            elif top == "sq":
                if c == "'":
                    stack.pop()
            elif c in ("\\", self.esc):
                self.escaped = True
            elif top == "dq":
                if c == '"':
                    stack.pop()
                elif self.prev == "$" and c in "({":
                    stack.append("cs" if c == "(" else "br")
                elif c == "`":
                    self.opaque = True
            elif top == "br":
                if c == "}":
                    stack.pop()
                elif c in "'\"`":
                    self.opaque = True
            elif c == "'":
                stack.append("sq")
            elif c == '"':
                stack.append("dq")
            elif top == "cs" and c in "()":
                if c == "(":
                    stack.append("cs")
                else:
                    stack.pop()
            self.prev = c

    def between_words(self, ends_blank: bool, lead: bool) -> bool:
        """May the white space at the current point change width?"""
        if self.escaped or self.opaque or (self.stack and self.stack[-1] != "cs"):
            return False
        return lead or (ends_blank and not self.last_escaped)


def _layout(df: Dockerfile, ins: Instruction) -> tuple[list[tuple[int, str]], int] | None:
    """The instruction's logical lines as (line, role) with role ``first``,
    ``cont``, ``comment`` or ``blank``, and the last logical line; None when it
    does not match the model (then the instruction is left alone)."""
    lines = df.lines
    esc = df.escape
    start = ins.start_line
    if start >= len(lines):
        return None
    # whether the line continues depends only on its end (a BOM before line 0's
    # keyword changes nothing)
    raw = lines[start]
    _, cont = _continues(raw[_lstrip_go(raw):], esc)
    out = [(start, "first")]
    i = start + 1
    n = len(lines)
    while cont and i < n:
        r = lines[i]
        if _is_comment(r):
            out.append((i, "comment"))
        elif _lstrip_go(r) == len(r):
            out.append((i, "blank"))
        else:
            _, cont = _continues(r, esc)
            out.append((i, "cont"))
        i += 1
    last = i - 1
    if ins.heredocs:
        if last >= ins.end_line:
            return None
    elif last != ins.end_line:
        return None
    return out, last


def _format_first(line: str, ins: Instruction) -> str:
    """Leading blanks, keyword case and the keyword's gap of an instruction's first line."""
    ks = ins.keyword_span
    row = ks.start.line
    if ks.end.line != row or ks.end.col > len(line):
        return line
    edits: list[tuple[int, int, str]] = []
    lead = line[: ks.start.col]
    if _lstrip_go(lead.lstrip("\ufeff")) != len(lead.lstrip("\ufeff")) or ks.start == ks.end:
        return line  # odd layouts (no keyword): leave the line alone
    if line.startswith("\ufeff", ks.start.col):
        return line  # a "keyword" starting with U+FEFF: moved to the start it would read as a byte-order mark
    edits.append((0, ks.start.col, "\ufeff" if lead.startswith("\ufeff") else ""))
    if ins.known:
        edits.append((ks.start.col, ks.end.col, ins.keyword))
        rest = line[ks.end.col:]
        g = 0
        while g < len(rest) and rest[g] in _WS:
            g += 1
        if g and g < len(rest):
            edits.append((ks.end.col, ks.end.col + g, " "))
        t = ins.trigger
        if t is not None and t.known:
            ts = t.keyword_span
            if ts.start.line == row == ts.end.line and ts.start.col >= ks.end.col + g:
                edits.append((ts.start.col, ts.end.col, t.keyword))
    for a, b, new in sorted(edits, reverse=True):
        line = line[:a] + new + line[b:]
    return line


def _format_instruction(df: Dockerfile, ins: Instruction, new: list[str], frozen: set[int], unit: str,
                        tab: int, custom_shell: set[int]) -> None:
    got = _layout(df, ins)
    if got is None:
        for ln in range(ins.start_line, ins.end_line + 1):
            frozen.add(ln)
        return
    layout, last = got
    for ln in range(last + 1, ins.end_line + 1):
        frozen.add(ln)  # heredoc bodies and terminators
    lines = df.lines
    esc = df.escape
    reindent = _reindentable(df, ins, custom_shell)
    scan = _Scan(esc)
    logical_end_blank = False
    movable: list[tuple[int, int, str]] = []  # (line, width of its indentation, text after it)
    comments: list[tuple[int, str]] = []
    for ln, role in layout:
        text = lines[ln]
        if role == "first":
            new[ln] = _format_first(text, ins)
            raw = text[1:] if ln == 0 and text.startswith("\ufeff") else text
            piece, _ = _continues(raw[_lstrip_go(raw):], esc)
        elif role == "blank":
            new[ln] = ""
            continue
        elif role == "comment":
            comments.append((ln, text[_lstrip_go(text):]))
            continue
        else:
            piece, _ = _continues(text, esc)
            k = 0
            while k < len(text) and text[k] in _BLANK:
                k += 1
            if (reindent and k < len(text) and text[k] not in _GO_SPACE
                    and scan.between_words(logical_end_blank, k > 0)):
                movable.append((ln, _width(text[:k], tab), text[k:]))
        scan.feed(piece)
        if piece:
            logical_end_blank = piece[-1] in _BLANK
            if role == "first" and piece[-1] in _WS and piece.startswith(ins.raw_keyword) \
                    and all(c in _WS for c in piece[len(ins.raw_keyword):]):
                # only the keyword and its gap (which becomes one space): a separator whatever it holds
                logical_end_blank = True
    # nesting is kept: the n-th smallest indentation becomes n units
    levels = {w: i + 1 for i, w in enumerate(sorted({w for _, w, _ in movable}))}
    indent: dict[int, str] = {}
    for ln, w, rest in movable:
        indent[ln] = unit * levels[w]
        new[ln] = indent[ln] + rest
    content = sorted(ln for ln, role in layout if role == "cont")
    for ln, rest in comments:  # a comment takes the indentation of the line it precedes
        k = bisect.bisect_right(content, ln)
        ref = content[k] if k < len(content) else (content[k - 1] if k else None)
        if ref is not None and ref not in indent:
            new[ln] = lines[ln]  # that line keeps its indentation: so does the comment
            continue
        new[ln] = (unit if ref is None else indent.get(ref, unit)) + rest


def _width(blanks: str, tab: int) -> int:
    w = 0
    for c in blanks:
        w = (w // tab + 1) * tab if c == "\t" else w + 1
    return w


def _line_range(rng: Span | None, n: int) -> tuple[int, int]:
    if rng is None:
        return 0, n - 1
    a, b = rng.start.line, rng.end.line
    if rng.end.col == 0 and b > a:
        b -= 1  # a selection of whole lines ends at the start of the next one
    return a, b


def format_lines(df: Dockerfile, options: FormatOptions | None = None, rng: Span | None = None) -> list[str]:
    """The formatted physical lines (same count as ``df.lines``)."""
    opts = options or FormatOptions()
    lines = df.lines
    new = list(lines)
    frozen: set[int] = set()
    a, b = _line_range(rng, len(lines))
    owned: set[int] = set()
    custom_shell = _custom_shell_stages(df)
    for ins in df.instructions:
        if ins.end_line < a or ins.start_line > b:
            owned.update(range(ins.start_line, ins.end_line + 1))
            frozen.update(range(ins.start_line, ins.end_line + 1))
            continue
        owned.update(range(ins.start_line, ins.end_line + 1))
        _format_instruction(df, ins, new, frozen, opts.unit, opts.tab, custom_shell)
    for ln in range(len(lines)):
        if ln in frozen or (ln not in owned and not a <= ln <= b):
            new[ln] = lines[ln]
            continue
        if opts.trim_trailing_whitespace:
            trimmed = new[ln].rstrip(_BLANK)
            # a CR left at the end would join the line break (`\\\r \n` would
            # become `\\\r\n`, a continuation): keep the blanks after it
            if not trimmed.endswith("\r"):
                new[ln] = trimmed
    last = len(lines) - 1
    if last >= 0 and last in owned and not new[last] and lines[last] and not df.text.endswith("\n"):
        new[last] = lines[last]  # emptying an unterminated last line would remove that line
    return new


def format_edits(df: Dockerfile, options: FormatOptions | None = None, rng: Span | None = None) -> list[TextEdit]:
    """Minimal edits (one per changed line) that format ``df`` (or the part in ``rng``)."""
    opts = options or FormatOptions()
    new = format_lines(df, opts, rng)
    edits = []
    for ln, (old, now) in enumerate(zip(df.lines, new)):
        if old == now:
            continue
        p = 0
        m = min(len(old), len(now))
        while p < m and old[p] == now[p]:
            p += 1
        s = 0
        while s < m - p and old[len(old) - 1 - s] == now[len(now) - 1 - s]:
            s += 1
        edits.append(TextEdit(Span(Pos(ln, p), Pos(ln, len(old) - s)), now[p:len(now) - s]))
    if opts.insert_final_newline and df.text and not df.text.endswith("\n") and df.lines:
        a, b = _line_range(rng, len(df.lines))
        last = len(df.lines) - 1
        if a <= last <= b:
            nl = "\r\n" if "\r\n" in df.text else "\n"
            edits.append(TextEdit(Span(Pos(last, len(df.lines[last])), Pos(last, len(df.lines[last]))), nl))
    return edits


def apply(text: str, edits: list[TextEdit]) -> str:
    """Apply edits made on ``text``'s parse (see :func:`dockwise.lint.fixes.apply_edits`)."""
    from dockwise.lint.fixes import apply_edits

    return apply_edits(text, edits)  # type: ignore[arg-type]


def format_text(text: str, options: FormatOptions | None = None, rng: Span | None = None) -> str:
    """``text`` formatted."""
    from dockwise.syntax.parser import parse

    df = parse(text, shell=False)
    return apply(text, format_edits(df, options, rng))

"""An exact, error-tolerant Dockerfile parser following BuildKit's grammar.

``parse(text)`` never raises: any text yields a :class:`~dockwise.syntax.model.Dockerfile`
with the errors BuildKit would report (BuildKit stops at the first; we recover
per instruction and go on). The syntactic layer (directives, continuations,
comments, flags, argument splitting, JSON form, heredocs) follows BuildKit's
``frontend/dockerfile/parser`` package; see ``dump_buildkit`` for the parse-tree
dump its conformance tests compare.

Offsets: every piece of logical text carries a :class:`SourceMap` so that each
character maps back to its physical line and column (code points).
"""
from __future__ import annotations

import bisect
import itertools
import json
import re
from typing import cast

from dockwise import lazyre
from dockwise.syntax.model import (
    Arg,
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    ImageRef,
    Instruction,
    KeyValue,
    ParseError,
    Pos,
    SourceMap,
    Span,
    Stage,
    VarDef,
    _ms,
    defer_shift,
    moved,
    moved_comment,
    moved_error,
    shift,
)

KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL "
    "STOPSIGNAL USER VOLUME WORKDIR".split()
)
HEREDOC_KEYWORDS = frozenset(("RUN", "COPY", "ADD"))
MAX_LINE = 65535

# Go's unicode.IsSpace
_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_WS = frozenset("\t\v\f\r ")  # BuildKit's reWhitespace class
_HEREDOC_GAP = frozenset("\t\r ")  # what BuildKit's lexer keeps after `<<` (shell.isWhitespace)
_DIRECTIVE = lazyre.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
_VALID_DIRECTIVES = ("syntax", "escape", "check")
# BuildKit's reHeredoc `^(\d*)<<(-?)\s*([^<]*)$` with Go's (ASCII) \d and \s
_HEREDOC = lazyre.compile(r"^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z", re.S)
_GLOBAL_PREDEFINED = (
    "BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT BUILDOSVERSION TARGETPLATFORM TARGETOS TARGETARCH "
    "TARGETVARIANT TARGETOSVERSION TARGETSTAGE"
).split()


def _lstrip_go(s: str) -> int:
    """Index of the first character that is not Go white space."""
    i = 0
    n = len(s)
    while i < n and s[i] in _GO_SPACE:
        i += 1
    return i


def _rstrip_go(s: str, lo: int = 0) -> int:
    """End index after removing trailing Go white space (not below ``lo``)."""
    j = len(s)
    while j > lo and s[j - 1] in _GO_SPACE:
        j -= 1
    return j


def _is_comment(raw: str) -> bool:
    i = _lstrip_go(raw)
    return i < len(raw) and raw[i] == "#"


class _Logical:
    """A logical line under construction: text plus its source map."""

    __slots__ = ("parts", "smap", "length")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.smap = SourceMap()
        self.length = 0

    def add(self, text: str, line: int, col: int) -> None:
        if text:
            self.parts.append(text)
            self.smap.add(self.length, line, col, len(text))
            self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


class _Sub:
    """A substring of a logical line: ``text`` with offsets relative to the line."""

    __slots__ = ("text", "base")

    def __init__(self, text: str, base: int) -> None:
        self.text = text
        self.base = base


def _continues(line: str, esc: str) -> tuple[str, bool]:
    """BuildKit's trimContinuationCharacter: returns (text, continues)."""
    j = len(line)
    while j > 0 and line[j - 1] in " \t":
        j -= 1
    if j == 0 or line[j - 1] != esc:
        return line, False
    # escape char at j-1 followed by blanks
    if j - 1 == 0:
        return "", True
    if line[j - 2] == esc:
        return line, False
    return line[: j - 1], True


# -- flags ------------------------------------------------------------------


def _extract_flags(rest: str, esc: str):
    """BuildKit's extractBuilderFlags. Returns (flags, args_offset) where each
    flag is (word, start, end) in ``rest`` offsets."""
    words: list[tuple[str, int, int]] = []
    n = len(rest)
    pos = 0
    phase = 0  # 0 spaces, 1 word, 2 quote
    word: list[str] = []
    start = 0
    quote = ""
    blank_ok = False
    while pos <= n:
        ch = rest[pos] if pos < n else ""
        if phase == 0:
            if pos == n:
                break
            if ch in _GO_SPACE:
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or rest[pos + 1] != "-":
                return words, pos
            phase = 1
            start = pos
        if pos == n:  # phase word or quote
            w = "".join(word)
            if w != "--" and (blank_ok or w):
                words.append((w, start, n))
            return words, n
        if phase == 1:
            if ch in _GO_SPACE:
                w = "".join(word)
                if w == "--":
                    return words, pos
                if blank_ok or w:
                    words.append((w, start, pos))
                word = []
                blank_ok = False
                phase = 0
                pos += 1
                continue
            if ch == "'" or ch == '"':
                quote = ch
                blank_ok = True
                phase = 2
                pos += 1
                continue
            if ch == esc:
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = rest[pos]
            word.append(ch)
            pos += 1
            continue
        # phase == 2
        if ch == quote:
            phase = 1
            pos += 1
            continue
        if ch == esc:
            if pos + 1 == n:
                phase = 1
                pos += 1
                continue
            pos += 1
            ch = rest[pos]
        word.append(ch)
        pos += 1
    return words, n


# -- argument splitters -------------------------------------------------------


def _split_ws(text: str, base: int) -> list[tuple[str, int, int]]:
    """Split on runs of [ \\t\\v\\f\\r] (reWhitespace.Split semantics on trimmed text)."""
    out = []
    n = len(text)
    i = 0
    start = 0
    while i <= n:
        if i == n or text[i] in _WS:
            out.append((text[start:i], base + start, base + i))
            if i == n:
                break
            while i < n and text[i] in _WS:
                i += 1
            start = i
            continue
        i += 1
    return out


def _parse_words(rest: str, esc: str) -> list[tuple[str, int, int]]:
    """BuildKit's parseWords: quote-aware words keeping quotes and escapes."""
    words: list[tuple[str, int, int]] = []
    n = len(rest)
    pos = 0
    phase = 0
    word: list[str] = []
    start = 0
    quote = ""
    blank_ok = False
    while pos <= n:
        ch = rest[pos] if pos < n else ""
        if phase == 0:
            if pos == n:
                break
            if ch in _GO_SPACE:
                pos += 1
                continue
            phase = 1
            start = pos
        if pos == n:
            if blank_ok or word:
                words.append(("".join(word), start, n))
            break
        if phase == 1:
            if ch in _GO_SPACE:
                phase = 0
                if blank_ok or word:
                    words.append(("".join(word), start, pos))
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch == "'" or ch == '"':
                quote = ch
                blank_ok = True
                phase = 2
            if ch == esc:
                if pos + 1 == n:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = rest[pos]
            word.append(ch)
            pos += 1
            continue
        # in quote
        if ch == quote:
            phase = 1
        if ch == esc and quote != "'":
            if pos + 1 == n:
                phase = 1
                pos += 1
                continue
            word.append(ch)
            pos += 1
            ch = rest[pos]
        word.append(ch)
        pos += 1
    return words


def _no_constants(_: str):
    raise ValueError("not JSON")


class _NotStrings(Exception):
    pass


def _json_strings(text: str):
    """Go encoding/json semantics for an array of strings.

    Returns a list of (value, start, end) offsets of each string token in
    ``text``, None when ``text`` is not a JSON array (shell fallback), or
    raises _NotStrings for a valid array with a non-string element.
    """
    i = _lstrip_go(text)
    if not text.startswith("[", i):
        return None
    try:
        data = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, list):
        return None
    for el in data:
        if not isinstance(el, str):
            raise _NotStrings()
    # locate string tokens (top level only: all elements are strings)
    out = []
    dec = json.JSONDecoder()
    pos = i + 1
    n = len(text)
    for el in data:
        while pos < n and text[pos] != '"':
            pos += 1
        try:
            val, end = dec.raw_decode(text, pos)
        except ValueError:
            return [(v, 0, 0) for v in data]
        out.append((el, pos, end))
        pos = end
    return out


# -- heredocs ---------------------------------------------------------------


def _lex_line_words(line: str):
    """Lex a logical line into words with ``\\`` as escape, keeping quotes and
    escapes (BuildKit's heredocsFromLine lexer). Returns [(word, start, end)] or
    None when quotes are unbalanced.

    As in BuildKit's lexer, an unquoted ``<<`` takes the spaces, tabs and CRs
    right after it into its word (``<<  EOF`` is one word), and nothing else:
    ``<<- EOF`` is the two words ``<<-`` and ``EOF`` (not a heredoc)."""
    words = []
    n = len(line)
    i = 0
    while i < n:
        while i < n and line[i] in _GO_SPACE:
            i += 1
        if i >= n:
            break
        start = i
        while i < n and line[i] not in _GO_SPACE:
            c = line[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                j = line.find("'", i + 1)
                if j < 0:
                    return None
                i = j + 1
                continue
            if c == '"':
                j = i + 1
                while j < n and line[j] != '"':
                    if line[j] == "\\":
                        j += 1
                    j += 1
                if j >= n:
                    return None
                i = j + 1
                continue
            if c == "<" and i + 1 < n and line[i + 1] == "<":
                i += 2
                while i < n and line[i] in _HEREDOC_GAP:
                    i += 1
                continue
            i += 1
        words.append((line[start:min(i, n)], start, min(i, n)))
    return words


def _heredoc_name(raw: str):
    """Delimiter word → (name, quoted); None if it is not a single word;
    ValueError when a quote is not closed."""
    name = []
    quoted = False
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c in _GO_SPACE:
            return None
        if c == "\\":
            if i + 1 < n:
                name.append(raw[i + 1])
            i += 2
            continue
        if c == "'":
            j = raw.find("'", i + 1)
            if j < 0:
                raise ValueError(f"unclosed quote in heredoc delimiter: {raw}")
            name.append(raw[i + 1 : j])
            quoted = True
            i = j + 1
            continue
        if c == '"':
            j = i + 1
            buf = []
            while j < n and raw[j] != '"':
                if raw[j] == "\\" and j + 1 < n and raw[j + 1] in '"\\$`':
                    j += 1
                buf.append(raw[j])
                j += 1
            if j >= n:
                raise ValueError(f"unclosed quote in heredoc delimiter: {raw}")
            name.append("".join(buf))
            quoted = True
            i = j + 1
            continue
        name.append(c)
        i += 1
    text = "".join(name)
    if not text:
        return None
    return text, quoted


def heredoc_from_word(word: str) -> tuple[str, bool, bool, int | None] | None:
    """BuildKit's ``parser.ParseHeredoc`` for one lexed word: ``(name, chomp,
    quoted, fd)`` when the word opens a heredoc (``<<EOF``, ``<<-'EOF'``,
    ``3<<EOF``, ``<< EOF``), None when it does not; ValueError when its
    delimiter has a quote that is not closed (``<<'EOF``)."""
    m = _HEREDOC.match(word)
    if not m:
        return None
    fd, dash, rawname = m.group(1), m.group(2), m.group(3)
    if not rawname:
        return None
    nm = _heredoc_name(rawname)
    if nm is None:
        return None
    return nm[0], dash == "-", nm[1], int(fd) if fd else None


def _find_heredocs(line: str):
    words = _lex_line_words(line)
    if not words:
        return []
    out = []
    for w, s, e in words:
        try:
            h = heredoc_from_word(w)
        except ValueError:  # cannot happen: the line lexer found every quote closed
            continue
        if h is not None:
            name, chomp, quoted, fd = h
            out.append((name, w, chomp, quoted, fd, s, e))
    return out


# -- the parser -------------------------------------------------------------

# what decides the stages and their shells (see _Parser.same_structure); ARG and ENV
# inside a stage decide its variables and those of the stages built FROM it
_STAGE_KEYWORDS = frozenset(("FROM", "SHELL"))
_VAR_KEYWORDS = frozenset(("ARG", "ENV"))


def _cline(c) -> int:
    return c.span.start.line


class _Inc:
    """What a parse keeps so that the next version's parse does work proportional to the
    edit: the raw physical lines; per instruction (lists parallel to
    ``Dockerfile.instructions``) its first and last line and its errors by phase (syntax,
    instruction checks, stages, shell); the errors tied to no instruction (directives,
    over-long lines: ``loose``) or to the whole file (``glob``); ``ok``: no phase failed."""

    __slots__ = ("raw", "starts", "ends", "syn", "chk", "stg", "dep", "loose", "glob", "ok")

    def __init__(self, raw, starts, ends, syn, chk, stg, dep, loose, glob, ok) -> None:
        self.raw: list[str] = raw
        self.starts: list[int] = starts
        self.ends: list[int] = ends
        self.syn: list[list[ParseError]] = syn
        self.chk: list[list[ParseError]] = chk
        self.stg: list[list[ParseError]] = stg
        self.dep: list[list[ParseError]] = dep
        self.loose: list[ParseError] = loose
        self.glob: list[ParseError] = glob
        self.ok: bool = ok


class _OldBlocks:
    """The previous version's blocks (an instruction with its continuation and heredoc
    lines) by start line, for :meth:`_Parser.reuse`: ``(instruction, its lines, syntax
    errors, comments inside it, escape, start line, index)``. Each is taken over once;
    one that reaches the end of the file is never offered (the next line may extend it),
    nor line 0 after a BOM (it parses differently)."""

    __slots__ = ("df", "inc", "used", "max_used", "floor", "ceil", "n", "bom")

    def __init__(self, prev: Dockerfile) -> None:
        self.df = prev
        inc = prev.inc
        assert isinstance(inc, _Inc)
        self.inc = inc
        self.used: set[int] = set()
        self.max_used = -1
        self.floor = 0  # blocks before it are the unchanged prefix (kept as they are)
        self.ceil = len(inc.starts)  # all() offers the blocks before it (the changed part)
        self.n = len(prev.lines)
        self.bom = bool(prev.lines) and prev.lines[0].startswith("\ufeff")

    def index_of(self, start: int) -> int | None:
        starts = self.inc.starts
        k = bisect.bisect_left(starts, start)
        return k if k < len(starts) and starts[k] == start else None

    def get(self, start: int):
        k = self.index_of(start)
        return None if k is None else self.entry(k)

    def entry(self, k: int):
        if k < self.floor or k in self.used:
            return None
        inc = self.inc
        s, e = inc.starts[k], inc.ends[k]
        if e >= self.n - 1 or (s == 0 and self.bom):
            return None
        cs = self.df.comments
        lo = bisect.bisect_left(cs, s, key=_cline)
        hi = bisect.bisect_right(cs, e, key=_cline)
        return (self.df.instructions[k], self.df.lines[s : e + 1], inc.syn[k], cs[lo:hi], self.df.escape, s, k)

    def take(self, k: int) -> None:
        self.used.add(k)
        if k > self.max_used:
            self.max_used = k

    def all(self):
        for k in range(self.floor, self.ceil):
            got = self.entry(k)
            if got is not None:
                yield got


class _Parser:
    def __init__(self, text: str, path: str | None, prev: Dockerfile | None = None,
                 discard_prev: bool = False) -> None:
        self.in_place = discard_prev
        self.text = text
        self.path = path
        lines = text.split("\n")
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()
        elif lines == [""]:
            lines = []
        self.raw_lines = lines
        # text without trailing \r\n run (BuildKit trimNewline)
        self.lines = [ln.rstrip("\r\n") for ln in lines]
        if self.lines and self.lines[0].startswith("\ufeff"):
            self.bom = True
        else:
            self.bom = False
        self.errors: list[ParseError] = []  # the errors tied to no instruction ("loose")
        self.directives: list[Directive] = []
        self.comments: list[Comment] = []
        self.instructions: list[Instruction] = []
        # per instruction: first and last line, syntax errors; check, stage and shell
        # errors taken over from the previous version (None: to compute)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.syn: list[list[ParseError]] = []
        self.chk: list[list[ParseError] | None] = []
        self.stg: list[list[ParseError] | None] = []
        self.dep: list[list[ParseError] | None] = []
        self.todo: list[int] = []  # instructions to check (parsed anew)
        self.esc = "\\"
        self.old = prev if prev is not None and isinstance(prev.inc, _Inc) else None
        self.prev_cache = _OldBlocks(self.old) if self.old is not None else None
        self.by_first: dict | None = None  # first line -> old block indices, built when a block moved
        self.shift = 0  # how far the last reused block moved
        self.reused = 0
        # the edit, when there is a previous version: lines moved (d), first line of the
        # unchanged tail (sync_from), instructions kept as they were (k), old index at
        # which the unchanged tail was taken over (j)
        self.d = 0
        self.sync_from = 1 << 60
        self.k = 0
        self.j: int | None = None
        self.old_mid: list[tuple[str, str, int]] = []  # (keyword, effective keyword, stage) of old[k:j]
        self.m = 0  # instructions parsed anew in place of old[k:j] (see same_structure)
        self.s0: int | None = None  # the stage they are in
        self.revars = False  # an ARG or ENV among them: s0's variables are computed again
        self.from_edit = False  # they are one FROM in place of one FROM

    # -- taking over the previous version --------------------------------------

    def plan(self) -> tuple[int, bool]:
        """Compare with the previous version's lines: keep the instructions that end
        before the first changed line (and not on the last line) as they are, and note
        where the unchanged tail starts. Returns (line to parse from, directives done)."""
        old = self.old
        assert old is not None and self.prev_cache is not None
        inc = self.prev_cache.inc
        raw0, raw1 = inc.raw, self.raw_lines
        n0, n1 = len(raw0), len(raw1)
        m = min(n0, n1)
        p = 0
        step = 64  # compare runs of lines at C speed, then line by line
        while p + step <= m and raw0[p : p + step] == raw1[p : p + step]:
            p += step
        while p < m and raw0[p] == raw1[p]:
            p += 1
        s = 0
        lim = m - p
        while s + step <= lim and raw0[n0 - s - step : n0 - s] == raw1[n1 - s - step : n1 - s]:
            s += step
        while s < lim and raw0[n0 - 1 - s] == raw1[n1 - 1 - s]:
            s += 1
        # blocks found elsewhere are looked for among the old ones in the changed part only
        self.prev_cache.ceil = bisect.bisect_left(inc.starts, n0 - s)
        self.d = n1 - n0
        self.sync_from = n1 - s
        k = bisect.bisect_left(inc.ends, min(p, n0 - 1))
        self.k = k
        self.prev_cache.floor = k
        if k == 0:
            return 0, False
        r0 = inc.ends[k - 1] + 1
        self.directives = list(old.directives)
        self.esc = old.escape
        self.comments = old.comments[: bisect.bisect_left(old.comments, r0, key=_cline)]
        self.errors = [e for e in inc.loose if e.span.start.line < r0]
        self.instructions = old.instructions[:k]
        self.starts, self.ends = inc.starts[:k], inc.ends[:k]
        self.syn = inc.syn[:k]
        self.chk = list(inc.chk[:k])
        self.stg = list(inc.stg[:k])
        self.dep = list(inc.dep[:k])
        return r0, True

    def resync(self, i: int, pending: list[Comment]) -> bool:
        """At the start of an instruction on line ``i`` in the unchanged tail: when the
        previous version had an instruction starting on the same line of the tail (and the
        escape is the same), everything from there on is the same as then, moved by ``d``
        lines: take it over wholesale. Returns whether it did."""
        old, oc = self.old, self.prev_cache
        assert old is not None and oc is not None
        if old.escape != self.esc or (i == 0 and self.bom):
            return False
        j = oc.index_of(i - self.d)
        if j is None or j < self.k or j <= oc.max_used:
            return False
        inc = oc.inc
        d = self.d
        self.j = j
        self.old_mid = [(o.keyword, o.effective.keyword, o.stage) for o in old.instructions[self.k : j]]
        at = len(self.instructions)
        s0 = inc.starts[j]
        cs = old.comments
        lo = bisect.bisect_left(cs, s0, key=_cline)
        loose = [e for e in inc.loose if e.span.start.line > s0]
        lists = (inc.syn[j:], inc.chk[j:], inc.stg[j:], inc.dep[j:])
        tail = old.instructions[j:]
        if self.in_place:
            comments = cs[lo:]
            if d:
                for ins in tail:
                    defer_shift(ins, d)
                for c in comments:
                    c.span = _ms(c.span, d)
                for e in loose:
                    e.span = _ms(e.span, d)
                for lst in lists:
                    for errs in lst:
                        for e in errs:
                            e.span = _ms(e.span, d)
            if at != j:
                for t, ins in enumerate(tail, at):
                    ins.index = t
        else:  # the previous version stays in use: copies (stages, shells and comments
            # are set on the new version's instructions, which must not be the old ones)
            cmap: dict[int, Comment] = {}
            comments = []
            for c in cs[lo:]:
                nc = cmap[id(c)] = moved_comment(c, d) if d else c
                comments.append(nc)
            moved_tail = []
            for t, ins in enumerate(tail, at):
                mv = moved(ins, d)
                mv.index, mv.stage = t, ins.stage
                mv.comments = [cmap.get(id(c), c) for c in ins.comments]
                moved_tail.append(mv)
            tail = moved_tail
            if d:
                loose = [moved_error(e, d) for e in loose]
                lists = tuple([[moved_error(e, d) for e in errs] for errs in lst] for lst in lists)
        tail[0].comments = list(pending)
        self.instructions += tail
        self.comments += comments
        self.errors += loose
        self.starts += [s + d for s in inc.starts[j:]] if d else inc.starts[j:]
        self.ends += [e + d for e in inc.ends[j:]] if d else inc.ends[j:]
        self.syn += lists[0]
        self.chk += lists[1]
        self.stg += lists[2]
        self.dep += lists[3]
        self.reused += len(tail)
        return True

    def same_structure(self) -> bool:
        """The edit left the stage structure as it was: the instructions that went
        (``old[k:j]``) and those that came (``new[k:k + m]``) are neither FROM, ARG, ENV
        nor SHELL, and all are in the stage of the instruction before them (not before
        the first FROM); same escape. Then the stages, variables, FROM expansions and
        shell contexts are taken over (see ``_take_over_stages``); ``self.s0`` is that
        stage (None when no instruction went or came)."""
        old = self.old
        if old is None or not self.in_place or not old.stages or old.escape != self.esc:
            return False
        n_old = len(old.instructions)
        j = self.j
        if j is None:
            j = n_old
            self.old_mid = [(o.keyword, o.effective.keyword, o.stage) for o in old.instructions[self.k :]]
        k = self.k
        m = len(self.instructions) - k - (n_old - j)
        if m < 0:
            return False
        self.s0 = None
        self.from_edit = (m == 1 and j == k + 1 and self.old_mid[0][0] == "FROM"
                          and self.instructions[k].keyword == "FROM")
        if self.from_edit:  # one FROM line edited: its stage is taken over if the edit allows
            self.s0 = self.old_mid[0][2]
        elif m or j > k:
            s0 = old.instructions[k - 1].stage if k else -1
            if s0 < 0:
                return False
            revars = False
            for kw, _ekw, stage in self.old_mid:
                if stage != s0 or kw in _STAGE_KEYWORDS:
                    return False
                revars = revars or kw in _VAR_KEYWORDS
            for t in range(k, k + m):
                kw = self.instructions[t].keyword
                if kw in _STAGE_KEYWORDS:
                    return False
                revars = revars or kw in _VAR_KEYWORDS
            self.s0 = s0
            self.revars = revars
        self.j = j
        self.m = m
        return True

    def reuse(self, start: int, pending: list[Comment]) -> int | None:
        """Reuse the previous version's parse of the block (instruction with its
        continuation and heredoc lines) that starts on ``start`` when the same
        lines were a block there: at the same line (taken over as is) or
        elsewhere (lines were inserted or deleted above it: a copy moved by the
        difference, see :func:`~dockwise.syntax.model.moved`). Returns the next
        line index."""
        prev = self.prev_cache
        if prev is None:
            return None
        if start == 0 and self.bom:
            return None
        lines = self.lines
        # the likeliest old start first: the same shift as the block before
        got = prev.get(start - self.shift)
        if got is None or got[4] != self.esc or lines[start : start + len(got[1])] != got[1]:
            got = prev.get(start) if self.shift else None
            if got is None or got[4] != self.esc or lines[start : start + len(got[1])] != got[1]:
                got = self._find_moved(start)
                if got is None:
                    return None
        ins, block, errors, comments, esc, old_start, k = got
        end = start + len(block)  # within the file: the block's lines were found there
        prev.take(k)  # an old instruction object is taken over once
        inc = prev.inc
        chk = inc.chk[k]
        d = start - old_start
        if not self.in_place:  # the previous model stays in use: a copy (moved when it moved)
            ins = moved(ins, d)
        if d:
            if self.in_place:
                shift(ins, d)  # the previous model is discarded: move its instruction in place
            errors = [moved_error(e, d) for e in errors]
            chk = [moved_error(e, d) for e in chk]
            comments = [moved_comment(c, d) for c in comments]
            self.shift = d
        # The object is taken over, not copied: the previous version's model is
        # superseded once the new one exists (copying cost more than re-parsing).
        ins.comments = list(pending)
        ins.index = len(self.instructions)  # (its stage is set by build_stages, as every instruction's)
        self.instructions.append(ins)
        self.starts.append(start)
        self.ends.append(end - 1)
        self.syn.append(errors)
        self.chk.append(chk)
        self.stg.append(None)
        self.dep.append(None)
        self.comments.extend(comments)
        self.reused += 1
        return end

    def _find_moved(self, start: int):
        """An unused old block with the lines that start at ``start``, wherever it was."""
        oc = self.prev_cache
        assert oc is not None
        index = self.by_first
        if index is None:
            index = self.by_first = {}
            for e in oc.all():
                index.setdefault(e[1][0], []).append(e[6])
        cands = index.get(self.lines[start])
        if not cands:
            return None
        lines = self.lines
        for k in cands:
            e = oc.entry(k)
            if e is not None and e[4] == self.esc and lines[start : start + len(e[1])] == e[1]:
                return e
        return None

    def err(self, msg: str, span: Span, fatal: bool = True, severity: str = "error") -> None:
        self.errors.append(ParseError(msg, span, severity, fatal))

    def line_span(self, i: int) -> Span:
        return Span(Pos(i, 0), Pos(i, len(self.lines[i])))

    def run(self) -> None:
        i, directives_done = self.plan() if self.old is not None else (0, False)
        self.loop(i, directives_done)
        if not self.instructions:
            lines = self.lines
            n = len(lines)
            last = max(n - 1, 0)
            self.err("file with no instructions", Span(Pos(last, 0), Pos(last, len(lines[last]) if n else 0)))

    def loop(self, i: int, directives_done: bool) -> None:
        lines = self.lines
        n = len(lines)
        seen_directives: set[str] = set()
        pending: list[Comment] = []
        while i < n:
            raw = lines[i]
            col0 = 0
            if i == 0 and self.bom:
                raw = raw[1:]
                col0 = 1
            if len(raw) + 1 > MAX_LINE:
                self.err(
                    f"dockerfile line greater than max allowed size of {MAX_LINE}",
                    self.line_span(i),
                )
            lead = _lstrip_go(raw)
            stripped = raw[lead:]
            # parser directives
            if not directives_done:
                m = _DIRECTIVE.match(stripped)
                if m and m.group(1).lower() in _VALID_DIRECTIVES:
                    key = m.group(1).lower()
                    span = Span(Pos(i, col0 + lead), Pos(i, col0 + len(raw)))
                    vstart = col0 + lead + m.start(2)
                    vspan = Span(Pos(i, vstart), Pos(i, vstart + len(m.group(2))))
                    if key in seen_directives:
                        self.err(f"only one {key} parser directive can be used", span)
                    else:
                        seen_directives.add(key)
                        value = m.group(2)
                        self.directives.append(Directive(key, value, span, vspan))
                        if key == "escape":
                            if value not in ("`", "\\"):
                                self.err(
                                    f"invalid escape token '{value}' does not match ` or \\",
                                    vspan,
                                )
                            else:
                                self.esc = value
                    i += 1
                    continue
                directives_done = True
            if stripped.startswith("#"):
                c = Comment(stripped[1:].strip(), Span(Pos(i, col0 + lead), Pos(i, col0 + len(raw))))
                self.comments.append(c)
                if not c.text:
                    pending = []
                else:
                    pending.append(c)
                i += 1
                continue
            first, cont = _continues(stripped, self.esc)
            if not cont and not first:
                i += 1  # blank line
                continue
            start_line = i
            if i >= self.sync_from and self.resync(i, pending):
                return
            hit = self.reuse(start_line, pending)
            if hit is not None:
                i = hit
                pending = []
                continue
            n_err = len(self.errors)
            logical = _Logical()
            logical.add(first, i, col0 + lead)
            empty_cont = False
            i += 1
            while cont and i < n:
                r = lines[i]
                if _is_comment(r):
                    ls = _lstrip_go(r)
                    self.comments.append(Comment(r[ls + 1 :].strip(), Span(Pos(i, ls), Pos(i, len(r)))))
                    i += 1
                    continue
                if _lstrip_go(r) == len(r):
                    empty_cont = True
                    i += 1
                    continue
                piece, cont = _continues(r, self.esc)
                logical.add(piece, i, 0)
                i += 1
            last_line = i - 1
            end_col = len(lines[last_line]) if last_line >= 0 else 0
            logical.smap.set_end(Pos(last_line, end_col))
            ins = self.make_instruction(logical.text(), logical.smap, 0, pending)  # noqa
            ins.empty_continuation = empty_cont
            if empty_cont:
                self.err(
                    "Empty continuation line",
                    Span(Pos(last_line, 0), Pos(last_line, end_col)),
                    fatal=False,
                    severity="warning",
                )
            end = Pos(last_line, end_col)
            # heredocs
            target = ins.trigger if ins.trigger is not None else ins
            line_text = logical.text()
            if target.keyword in HEREDOC_KEYWORDS and not target.json and "<<" in line_text:
                for name, rawop, chomp, quoted, fd, s, e in _find_heredocs(line_text):
                    body_lines: list[str] = []
                    body_start = i
                    terminated = False
                    while i < n:
                        cand = lines[i]
                        if chomp:
                            cand = cand.lstrip("\t")
                        if cand == name:
                            terminated = True
                            break
                        body_lines.append(self.raw_lines[i].rstrip("\n") if i < len(self.raw_lines) else lines[i])
                        i += 1
                    body = "".join(b + "\n" for b in body_lines)
                    bspan = None
                    if body_lines:
                        bl = body_start + len(body_lines) - 1
                        bspan = Span(Pos(body_start, 0), Pos(bl, len(lines[bl])))
                    tspan = None
                    if terminated:
                        tspan = self.line_span(i)
                        end = Pos(i, len(lines[i]))
                        i += 1
                    else:
                        last = n - 1  # n > 0: the heredoc's opener is a line
                        end = Pos(last, len(lines[last]))
                        self.err("unterminated heredoc", Span(Pos(start_line, 0), end))
                    target.heredocs.append(
                        Heredoc(name, rawop, chomp, quoted, fd, logical.smap.span(s, e), body, bspan, tspan)
                    )
                if target is not ins:
                    ins.heredocs = target.heredocs
            ins.span = Span(ins.span.start, end)
            if target is not ins:
                target.span = Span(target.span.start, end)
            ins.index = len(self.instructions)
            self.instructions.append(ins)
            self.starts.append(start_line)
            self.ends.append(end.line)
            self.syn.append(self.errors[n_err:])
            del self.errors[n_err:]
            self.todo.append(len(self.chk))
            self.chk.append(None)
            self.stg.append(None)
            self.dep.append(None)
            pending = []

    # -- instruction construction -----------------------------------------

    def make_instruction(
        self, line: str, smap: SourceMap, base: int, comments: list[Comment]
    ) -> Instruction:
        """newNodeFromLine: ``line`` (offsets relative to ``base`` in smap)."""
        s = _lstrip_go(line)
        e = _rstrip_go(line, s)
        k = s
        while k < e and line[k] not in _WS:
            k += 1
        raw_kw = line[s:k]
        kw = raw_kw.upper()
        r = k
        while r < e and line[r] in _WS:
            r += 1
        rest = line[r:e]
        flags_raw, aoff = _extract_flags(rest, self.esc) if rest else ([], 0)
        a_s = r + aoff
        a_s += _lstrip_go(line[a_s:e])
        a_e = _rstrip_go(line[:e], a_s)
        args_text = line[a_s:a_e]
        span = Span(smap.pos(base + s), smap.end_pos(base + e) if e > s else smap.pos(base + s))
        kw_span = smap.span(base + s, base + k)
        flags = []
        for w, fs, fe in flags_raw:
            body = w[2:]
            name, eq, value = body.partition("=")
            fspan = smap.span(base + r + fs, base + r + fe)
            nspan = smap.span(base + r + fs, base + r + fs + 2 + len(name))
            vspan = smap.span(base + r + fs + 3 + len(name), base + r + fe) if eq else None
            flags.append(Flag(name, value if eq else None, w, fspan, nspan, vspan))
        text_map = smap.shifted(base + a_s)
        ins = Instruction(
            keyword=kw,
            raw_keyword=raw_kw,
            span=span,
            keyword_span=kw_span,
            flags=flags,
            args=[],
            text=args_text,
            text_map=text_map,
            comments=list(comments),
            known=kw in KEYWORDS,
        )
        self.split_args(ins, line, smap, base, a_s, a_e)
        return ins

    def split_args(self, ins: Instruction, line: str, smap: SourceMap, base: int, a_s: int, a_e: int) -> None:
        kw = ins.keyword
        text = ins.text
        off = base + a_s

        def mk(v: str, s: int, e: int) -> Arg:
            return Arg(v, smap.span(off + s, off + e))

        if not ins.known:
            ins.args = [Arg("", smap.span(off, off))]
            return
        if kw in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"):
            if not text:
                return
            try:
                js = _json_strings(text)
            except _NotStrings:
                self.err(
                    "when using JSON array syntax, arrays must be comprised of strings only",
                    ins.span,
                )
                js = None
                ins.args = [mk(text, 0, len(text))]
                return
            if js is not None:
                ins.json = True
                ins.args = [mk(v, s, e) for v, s, e in js]
                return
            if kw in ("ADD", "COPY", "VOLUME"):
                ins.args = [mk(v, s, e) for v, s, e in _split_ws(text, 0)]
            else:
                ins.args = [mk(text, 0, len(text))]
            return
        if kw in ("FROM", "EXPOSE"):
            if text:
                ins.args = [mk(v, s, e) for v, s, e in _split_ws(text, 0)]
            return
        if kw in ("MAINTAINER", "USER", "WORKDIR", "STOPSIGNAL"):
            if text:
                ins.args = [mk(text, 0, len(text))]
            return
        if kw == "ARG":
            for w, s, e in _parse_words(text, self.esc):
                ins.args.append(mk(w, s, e))
                key, eq, val = w.partition("=")
                kspan = smap.span(off + s, off + s + len(key))
                vspan = smap.span(off + s + len(key) + 1, off + e) if eq else None
                ins.pairs.append(KeyValue(key, val if eq else None, False, smap.span(off + s, off + e), kspan, vspan))
            return
        if kw in ("ENV", "LABEL"):
            words = _parse_words(text, self.esc)
            if not words:
                return
            if "=" not in words[0][0]:
                parts = _split_ws(text, 0)
                if len(parts) < 2:
                    self.err(f"{kw} must have two arguments", ins.span)
                    k, ks, ke = parts[0]
                    ins.args = [mk(k, ks, ke)]
                    ins.pairs.append(KeyValue(k, None, True, mk(k, ks, ke).span, mk(k, ks, ke).span, None))
                    return
                k, ks, ke = parts[0]
                vs = parts[1][1]
                v = text[vs:]
                ins.args = [mk(k, ks, ke), mk(v, vs, len(text)), Arg("", mk("", ke, ke).span)]
                ins.pairs.append(
                    KeyValue(k, v, True, mk(text, ks, len(text)).span, mk(k, ks, ke).span, mk(v, vs, len(text)).span)
                )
                return
            for w, s, e in words:
                if "=" not in w:
                    self.err(
                        f'Syntax error - can\'t find = in "{w}". Must be of the form: name=value',
                        smap.span(off + s, off + e),
                    )
                    continue
                key, _, val = w.partition("=")
                kspan = smap.span(off + s, off + s + len(key))
                vspan = smap.span(off + s + len(key) + 1, off + e)
                ins.args += [Arg(key, kspan), Arg(val, vspan), Arg("=", smap.span(off + s + len(key), off + s + len(key) + 1))]
                ins.pairs.append(KeyValue(key, val, False, smap.span(off + s, off + e), kspan, vspan))
            return
        if kw == "HEALTHCHECK":
            sep = 0
            while sep < len(text) and text[sep] not in _GO_SPACE:
                sep += 1
            nxt = sep
            while nxt < len(text) and text[nxt] in _GO_SPACE:
                nxt += 1
            if sep == 0:
                return
            ins.args = [mk(text[:sep], 0, sep)]
            cmd = text[nxt:]
            if cmd:
                try:
                    js = _json_strings(cmd)
                except _NotStrings:
                    self.err(
                        "when using JSON array syntax, arrays must be comprised of strings only", ins.span
                    )
                    js = None
                if js is not None:
                    ins.json = True
                    ins.args += [mk(v, nxt + s, nxt + e) for v, s, e in js]
                else:
                    ins.args.append(mk(cmd, nxt, len(text)))
            return
        if kw == "ONBUILD":
            if not text:
                return
            trig = self.make_instruction(line[a_s:a_e], smap, base + a_s, [])
            ins.trigger = trig
            return


# -- stages, ARG/ENV scopes ---------------------------------------------------


_REF = lazyre.compile(
    r"^(?:(?P<registry>[^/]+?)/)?(?P<path>[^:@]+?)(?::(?P<tag>[^@/:]+))?(?:@(?P<digest>.+))?$"
)


def parse_image_ref(raw: str, resolved: str, span: Span, unresolved: bool = False) -> ImageRef:
    """Split an image reference into registry, repository path, tag, digest.

    Docker Hub defaults: no registry → ``docker.io``; one-component names get
    ``library/``. The first component is a registry when it contains ``.`` or
    ``:`` or is ``localhost``.
    """
    ref = resolved
    digest = None
    if "@" in ref:
        ref, _, digest = ref.partition("@")
    registry = None
    rest = ref
    if "/" in ref:
        first, _, after = ref.partition("/")
        if "." in first or ":" in first or first == "localhost":
            registry, rest = first, after
    tag = None
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    path = rest
    name = path.rsplit("/", 1)[-1]
    if registry is None and "/" not in path and path:
        path = "library/" + path
    return ImageRef(raw, resolved, registry, path, name, tag, digest, span, unresolved)


def _expand(value: str, lookup, escape: str) -> tuple[str, bool]:
    """Expand ``value`` with ``lookup``; returns (value, fully_resolved)."""
    from dockwise.syntax.expand import ExpandError, expand_detailed

    try:
        out, _refs, unset = expand_detailed(value, lookup, escape)
    except ExpandError:
        return value, False
    except Exception:  # pragma: no cover - expand must not raise other errors
        return value, False
    return out, not unset


def _add_vars(df: Dockerfile, scope: Dockerfile, stage: Stage, ins: Instruction,
              global_vals: dict[str, str | None], global_complete: dict[str, bool]) -> None:
    """The variables an ARG/ENV ``ins`` defines in ``stage``, appended to its ``vars``;
    values expanded with what is in scope there (``scope.lookup_var``: ``scope`` sees
    ``stage`` and the stages before it)."""
    esc = df.escape
    kw = ins.keyword
    for p in ins.pairs:
        val = None
        complete = True
        if p.value is not None:
            used_partial: list[bool] = []

            def slookup(k: str, _i=ins.index, _partial=used_partial):
                v = scope.lookup_var(stage, k, _i)
                if v is None:
                    return None
                if not v.complete:
                    _partial.append(True)
                return v.value

            val, complete = _expand(p.value, slookup, esc)
            complete = complete and not used_partial
        elif kw == "ARG":
            # ARG NAME without default imports the global value
            val = global_vals.get(p.key)
            complete = global_complete.get(p.key, True)
        stage.vars.append(VarDef(p.key, kw, val, ins.index, p.key_span, complete))


def _redo_vars(df: Dockerfile, s0: int) -> None:
    """Recompute the variables of stage ``s0`` and of every stage built FROM it (directly
    or not), in order, as ``build_stages`` does (the other stages' are final)."""
    global_vals: dict[str, str | None] = {}
    global_complete: dict[str, bool] = {}
    for v in df.global_args:
        global_vals[v.name] = v.value
        global_complete[v.name] = v.complete
    todo = {s0}
    for st in df.stages[s0:]:
        if st.index != s0 and st.parent not in todo:
            continue
        todo.add(st.index)
        st.vars = []
        st.var_index = None
        # lookups see this stage and those before it, as while build_stages built them
        scope = Dockerfile(df.text, df.lines, [], [], df.instructions, df.stages[: st.index + 1], [], [],
                           escape=df.escape)
        for i in st.instructions:
            ins = df.instructions[i]
            if ins.keyword in ("ARG", "ENV"):
                _add_vars(df, scope, st, ins, global_vals, global_complete)


def _from_stage(ins: Instruction, idx: int, global_vals: dict[str, str | None], named: dict[str, int], esc: str,
                errors: list[ParseError], from_words: dict[str, tuple]) -> Stage:
    """The stage a FROM starts (without its instructions and variables): base image
    expanded with the global ARGs, name, parent (the first earlier stage of the name the
    base is, ``named``), platform; its errors go to ``errors``."""
    args = ins.args
    base = None
    name = None
    name_span = None
    parent = None
    platform = ins.flag("platform")
    if args:
        raw = args[0].value

        def glookup(k: str):
            if k in global_vals:
                return global_vals[k]
            return None

        if "$" not in raw:
            resolved, ok = raw, True
        else:  # the global ARGs are all known by now: one expansion per word
            got = from_words.get(raw)
            if got is None:
                got = from_words[raw] = _expand(raw, glookup, esc)
            resolved, ok = got
        parent = named.get(resolved)  # the first stage of that name
        base = parse_image_ref(raw, resolved, args[0].span, not ok)
    if len(args) not in (1, 3) or (len(args) == 3 and args[1].value.lower() != "as"):
        errors.append(ParseError("FROM requires either one or three arguments", ins.span))
    elif len(args) == 3:
        name = args[2].value.lower()
        name_span = args[2].span
        if not re.fullmatch(r"[a-z][a-z0-9\-_.]*", name):
            errors.append(
                ParseError(
                    f'invalid name for build stage: "{args[2].value}", name can\'t start with a number or contain symbols',
                    args[2].span,
                )
            )
    return Stage(
        index=idx,
        from_instruction=ins.index,
        base=base,
        name=name,
        name_span=name_span,
        parent=parent,
        platform=platform.value if platform else None,
        span=ins.span,
    )


def build_stages(df: Dockerfile, own: list[list[ParseError]], glob: list[ParseError]) -> None:
    """Stages, their variables and the global ARGs of ``df``; errors of an instruction
    go to ``own[its index]``, errors of the whole file to ``glob``."""
    esc = df.escape
    global_vals: dict[str, str | None] = {}
    global_complete: dict[str, bool] = {}
    stage: Stage | None = None
    named: dict[str, int] = {}
    no_stage = False  # "no build stage in current context" reported (once)
    # FROM word -> its expansion with the global ARGs (all declared before the first FROM)
    from_words: dict[str, tuple] = {}
    for ins in df.instructions:
        kw = ins.keyword
        if kw == "FROM":
            idx = len(df.stages)
            stage = _from_stage(ins, idx, global_vals, named, esc, own[ins.index], from_words)
            df.stages.append(stage)
            if stage.name is not None:
                named.setdefault(stage.name, idx)
        if stage is None:
            ins.stage = -1
            if kw == "ARG":
                for p in ins.pairs:
                    val = None
                    complete = True
                    if p.value is not None:
                        val, complete = _expand(p.value, lambda k: global_vals.get(k), esc)
                    global_vals[p.key] = val
                    global_complete[p.key] = complete
                    df.global_args.append(VarDef(p.key, "ARG", val, ins.index, p.key_span, complete))
            elif ins.known and not no_stage:
                # BuildKit stops here; the rest is still linted, so one error says it
                no_stage = True
                own[ins.index].append(ParseError("no build stage in current context", ins.span))
            continue
        ins.stage = stage.index
        stage.instructions.append(ins.index)
        stage.span = Span(stage.span.start, ins.span.end) if stage.span else ins.span
        if kw in ("ARG", "ENV"):
            _add_vars(df, df, stage, ins, global_vals, global_complete)
    if df.instructions and not df.stages and not no_stage:
        last = df.instructions[-1]
        glob.append(ParseError("dockerfile contains no stages to build", last.span))


def _attach_shell(df: Dockerfile, dep: list[list[ParseError]]) -> None:
    """Parse the shell of every RUN (and ONBUILD RUN) with tree-sitter-bash; an
    instruction's errors (too deep substitutions) go to ``dep[its index]``."""
    from dockwise.syntax.shell import is_windows_shell

    current_shell: dict[int, list[str]] = {}
    # instructions before the first FROM (a fragment, a file whose FROM is
    # missing) are linted too: their RUNs are parsed with the default shell
    groups: list[tuple[Stage | None, list[int]]] = [(None, [i.index for i in df.instructions if i.stage < 0])]
    groups += [(st, st.instructions) for st in df.stages]
    for st, indices in groups:
        shell: list[str] | None = None
        if st is not None and st.parent is not None:
            shell = current_shell.get(st.parent)
        win_base = _windows_base(st)
        for idx in indices:
            ins = df.instructions[idx]
            eff = ins.effective
            if ins.keyword == "SHELL" and ins.json and ins.args:
                shell = [a.value for a in ins.args]
            if eff.keyword != "RUN":
                continue
            # a SHELL decides; without one, a Windows base runs cmd
            _attach_run(df, st, eff, is_windows_shell(shell) if shell else win_base, dep[idx])
        if st is not None:
            current_shell[st.index] = shell or []


def _windows_base(st: Stage | None) -> bool:
    base = (st.base.resolved if st is not None and st.base else "").lower()
    return any(w in base for w in ("windows", "nanoserver", "servercore", "ltsc"))


def _attach_run(df: Dockerfile, st: Stage | None, eff: Instruction, windows: bool, out: list[ParseError]) -> None:
    from dockwise.syntax.model import ShellScript

    if windows and st is not None:
        st.windows = True
    if eff.shell is not None and eff.shell.windows == windows:
        _report_depth(eff, out)
        return  # reused from the previous version
    if windows:
        eff.shell = ShellScript(eff.text, [], True, dialect="none", windows=True)
        return
    _shell_of(df, eff)
    _report_depth(eff, out)


def _shell_before(df: Dockerfile, st: Stage, idx: int) -> list[str] | None:
    """The SHELL in effect at instruction ``idx`` of stage ``st`` as ``_attach_shell``
    tracks it: the last SHELL before it in the stage, else the last of the nearest stage
    up its FROM chain that has one (None: none)."""
    before = idx
    cur: Stage | None = st
    seen: set[int] = set()
    while cur is not None and cur.index not in seen:
        seen.add(cur.index)
        for i in reversed(cur.instructions):
            if i >= before:
                continue
            ins = df.instructions[i]
            if ins.keyword == "SHELL" and ins.json and ins.args:
                return [a.value for a in ins.args]
        before = 1 << 60
        p = cur.parent
        cur = df.stages[p] if p is not None and 0 <= p < cur.index else None
    return None


def _attach_shell_between(df: Dockerfile, lo: int, hi: int, dep: list) -> None:
    """``_attach_shell`` for instructions ``lo``..``hi - 1`` only (the stages are those
    of the previous version: see ``_take_over_stages``)."""
    from dockwise.syntax.shell import is_windows_shell

    for idx in range(lo, hi):
        ins = df.instructions[idx]
        out = dep[idx] = []
        eff = ins.effective
        if eff.keyword != "RUN":
            continue
        st = df.stages[ins.stage]
        shell = _shell_before(df, st, idx)
        _attach_run(df, st, eff, is_windows_shell(shell) if shell else _windows_base(st), out)


def _take_over_stages(df: Dockerfile, prev: Dockerfile, p: _Parser) -> bool:
    """``build_stages`` when the edit kept the stage structure (``_Parser.same_structure``):
    the previous version's stages, variables and global ARGs, renumbered and moved where
    instructions came or went or lines moved. The ``p.m`` instructions from ``p.k`` on
    replace the old ``p.k``..``p.j - 1``, all in stage ``p.s0``; none is a FROM, ARG, ENV
    or SHELL."""
    k, j, d, m = p.k, p.j, p.d, p.m
    assert j is not None
    from_stage = None
    if p.from_edit:  # decided before anything is changed: False leaves the old stages alone
        from_stage = _edited_from(df, prev, p)
        if from_stage is None:
            return False
    delta = k + m - j  # how far the indices of the instructions after the edit moved
    df.stages = prev.stages
    df.global_args = prev.global_args
    for v in df.global_args:  # (after the edit only when it is above the first instruction)
        if v.instruction >= j:
            v.instruction += delta
            if d:
                v.span = _ms(v.span, d)
    ins = df.instructions
    for t in range(k, k + m):
        ins[t].stage = p.s0  # type: ignore[assignment]  (an int when m > 0)
        p.stg[t] = []
    for st in df.stages:
        idx = st.instructions
        if idx[-1] < k and st.index != p.s0:
            continue  # wholly before the edit (which may add instructions at the end of s0)
        if st.from_instruction >= j:  # wholly after it: renumbered, moved
            if delta:
                st.from_instruction += delta
                st.instructions = [i + delta for i in idx]
                for v in st.vars:
                    v.instruction += delta
                st.var_index = None
            if d:
                if st.span is not None:
                    st.span = _ms(st.span, d)
                if st.base is not None:
                    st.base.span = _ms(st.base.span, d)
                if st.name_span is not None:
                    st.name_span = _ms(st.name_span, d)
                for v in st.vars:
                    v.span = _ms(v.span, d)
            continue
        # the stage the edit is in
        if m or j > k:
            st.instructions = [i for i in idx if i < k] + list(range(k, k + m)) + [i + delta for i in idx if i >= j]
        for v in st.vars:
            if v.instruction >= j:
                v.instruction += delta
                if d:
                    v.span = _ms(v.span, d)
        if delta:
            st.var_index = None
        if st.span is not None:
            st.span = Span(st.span.start, ins[st.instructions[-1]].span.end)
    if p.revars and p.s0 is not None:
        _redo_vars(df, p.s0)
    if from_stage is not None:
        st, new, errors = from_stage
        st.base, st.name, st.name_span, st.platform = new.base, new.name, new.name_span, new.platform
        st.span = Span(ins[k].span.start, ins[st.instructions[-1]].span.end)
        p.stg[k] = errors
    return True


def _edited_from(df: Dockerfile, prev: Dockerfile, p: _Parser):
    """For one FROM line edited: (its old stage, the stage it starts now, its errors) when
    nothing else changes with it — the same parent stage, a Windows base or not as before,
    and, when its name changed, no later FROM naming the old or the new name; else None."""
    k = p.k
    st = prev.stages[p.s0]  # type: ignore[index]  (set for a FROM edit)
    gv = {v.name: v.value for v in prev.global_args}
    named: dict[str, int] = {}
    for o in prev.stages[: st.index]:
        if o.name is not None:
            named.setdefault(o.name, o.index)
    errors: list[ParseError] = []
    new = _from_stage(df.instructions[k], st.index, gv, named, df.escape, errors, {})
    if new.parent != st.parent or _windows_base(new) != _windows_base(st):
        return None
    if new.name != st.name:
        names = {st.name, new.name} - {None}
        if any(o.base is not None and o.base.resolved in names for o in prev.stages[st.index + 1:]):
            return None
    return st, new, errors


def _recheck_windows(df: Dockerfile, p: _Parser) -> None:
    """A stage is Windows when one of its RUNs runs cmd/PowerShell (``_attach_run``); a
    RUN that went may have been the one."""
    if p.s0 is None or p.j == p.k:
        return
    st = df.stages[p.s0]
    if st.windows:
        st.windows = any(e.keyword == "RUN" and e.shell is not None and e.shell.windows
                         for e in (df.instructions[i].effective for i in st.instructions))


def _report_depth(ins: Instruction, out: list[ParseError]) -> None:
    from dockwise.syntax.shell import MAX_SUBST_DEPTH

    sh = ins.shell
    if sh is not None and sh.too_deep is not None:
        out.append(ParseError(
            f"command substitutions nested more than {MAX_SUBST_DEPTH} levels deep: the commands inside "
            "are not analysed", sh.too_deep, fatal_in_buildkit=False))


def _shell_of(df: Dockerfile, eff: Instruction) -> None:
    """Parse the shell of a RUN (not in a Windows stage) into ``eff.shell``."""
    from dockwise.syntax.shell import line_map, parse_shell
    from dockwise.syntax.model import ShellScript

    if eff.json:
        eff.shell = _exec_form_script(eff)
        return
    if eff.heredocs and len(eff.heredocs) == 1 and _single_heredoc(eff.text):
        # BuildKit runs the content itself (chomped for <<-): as a file when it has a shebang
        h = eff.heredocs[0]
        body = h.body
        content = h.content
        if content.startswith("#!") and not re.match(r"#!\s*/(usr/)?bin/(env\s+)?(ba|da|a|k|z)?sh\b", content):
            eff.shell = ShellScript(body, [], True, dialect="none")
            return
        if h.body_span is None:
            eff.shell = None
            return
        eff.shell = parse_shell(body, line_map(body, h.body_span.start.line, 0))
        return
    if eff.heredocs:
        # shell text with the bodies and terminators appended, as BuildKit assembles it
        parts = [eff.text]
        smap = eff.text_map.shifted(0)
        off = len(eff.text)
        for h in eff.heredocs:
            parts.append("\n")
            off += 1
            if h.body_span is not None:
                for ln in range(h.body_span.start.line, h.body_span.end.line + 1):
                    t = df.lines[ln]
                    smap.add(off, ln, 0, len(t))
                    parts.append(t + "\n")
                    off += len(t) + 1
            parts.append(h.name)
            if h.terminator_span is not None:
                smap.add(off, h.terminator_span.start.line, 0, len(h.name))
            off += len(h.name)
        eff.shell = parse_shell("".join(parts), smap)
        _add_heredoc_scripts(eff, df)
        return
    eff.shell = parse_shell(eff.text, eff.text_map)


def _single_heredoc(text: str) -> bool:
    """The whole command is one heredoc word (dockerfile2llb's dispatchRun test)."""
    try:
        return heredoc_from_word(text.strip()) is not None
    except ValueError:
        return False


_SHELLS = frozenset(("sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"))


def _add_heredoc_scripts(ins: Instruction, df: Dockerfile) -> None:
    """``RUN bash <<EOF`` / ``RUN sh -s <<EOF``: the body is a script for that
    shell, so its commands are the RUN's commands too (hadolint drops them)."""
    from dockwise.syntax.shell import line_map, parse_shell

    script = ins.shell
    if script is None:
        return
    cmds = sorted(script.commands, key=lambda c: c.span.start)
    extra = []
    for k, c in enumerate(cmds):
        name = c.name.rsplit("/", 1)[-1]
        if name not in _SHELLS or any(w.value == "-c" for w in c.args):
            continue
        nxt = cmds[k + 1].span.start if k + 1 < len(cmds) else None
        for h in ins.heredocs:
            o = h.opener_span.start
            if o >= c.span.start and (nxt is None or o < nxt) and h.body_span is not None:
                body = h.body
                if body.startswith("#!") and not re.match(r"#!\s*/(usr/)?bin/(env\s+)?(ba|da|a|k|z)?sh\b", body):
                    break
                sub = parse_shell(body, line_map(body, h.body_span.start.line, 0))
                extra += sub.commands
                script.too_deep = script.too_deep or sub.too_deep
                break
    if extra:
        script.commands = sorted(script.commands + extra, key=lambda c: c.span.start)


def _exec_form_script(ins: Instruction):
    """Exec form ``RUN ["apt-get", "update"]``: one command, argv as written."""
    from dockwise.syntax.model import ShellCommand, ShellScript, Word

    if not ins.args:
        return ShellScript(ins.text, [], True, dialect="exec")
    words = [Word(a.value, a.value, a.span, "$" not in a.value) for a in ins.args]
    first = ins.args[0]
    cmd = ShellCommand(first.value, words[1:], first.span.union(ins.args[-1].span), first.span)
    return ShellScript(ins.text, [cmd], True, dialect="exec")


def parse(
    text: str,
    path: str | None = None,
    version: int | None = None,
    shell: bool = True,
    previous: Dockerfile | None = None,
    discard_previous: bool = False,
) -> Dockerfile:
    """Parse ``text`` into a model. Never raises.

    Each phase (syntax, instruction checks, stages and scopes, shell parsing)
    runs on its own; a bug in a later phase is reported as an internal parse
    error and the model built so far is kept.

    ``previous`` (the model of the document's previous version) makes the parse
    cost what the edit changed: the instructions before the first changed line are
    kept as they are, the changed lines are parsed, and as soon as the parse reaches
    an instruction start in the unchanged tail of the file that was an instruction
    start in ``previous`` too, every instruction from there on is taken over with its
    syntax, check, stage and shell errors (moved by the number of lines inserted or
    deleted). Blocks in the changed part that were elsewhere before are found and
    reused too. With ``discard_previous`` (the caller never uses ``previous`` again, as
    the language server's document store) instructions are taken over in place: their
    positions move lazily, on first read (``model.defer_shift``), and when the edit
    keeps the stage structure (see ``_Parser.same_structure``) the stages, variables,
    FROM expansions and shell contexts are taken over too; otherwise the old model is
    left untouched and what must move is copied.
    """
    df = Dockerfile(text, [], [], [], [], [], [], [], path=path, version=version)
    if discard_previous and previous is not None:
        # What rules memoised on the old model (``derived``) goes with it: some of it
        # holds the model (BuildKit's analyser), a reference cycle that kept each
        # superseded version, with everything only it reached, alive until a garbage
        # collection (~400 objects a keystroke on editlat's file, and a 10-15 ms
        # collection every ~50 keystrokes). The parse does not read it. The stage
        # graph's views hold no model and no position: offered to the new version.
        from dockwise.syntax.stages import carry

        carry(previous, df)
        previous.derived.clear()
    prev = previous if (previous is not None and shell and isinstance(previous.inc, _Inc)
                        and previous.inc.ok) else None
    try:
        p = _Parser(text, path, prev, discard_previous)
        df.lines = p.lines
        p.run()
        df.directives, df.comments, df.instructions = p.directives, p.comments, p.instructions
        df.escape = p.esc
        same = shell and p.same_structure()
    except Exception as exc:
        df.errors = []
        _internal(df.errors, df, "syntax", exc)
        return df
    n = len(df.instructions)
    chk, stg, dep = p.chk, p.stg, p.dep
    glob: list[ParseError] = []
    internal: list[ParseError] = []
    try:
        for i in p.todo:
            out = chk[i] = []
            _check_instruction(out, df.instructions[i])
    except Exception as exc:
        _internal(internal, df, "_check_all", exc)
    try:
        if same:
            assert prev is not None
            same = _take_over_stages(df, prev, p)
        if same:
            glob = list(prev.inc.glob)  # type: ignore[union-attr]
        else:
            stg = [[] for _ in range(n)]
            build_stages(df, stg, glob)
    except Exception as exc:
        _internal(internal, df, "build_stages", exc)
    if shell:
        try:
            if same:
                _attach_shell_between(df, p.k, p.k + p.m, dep)
                _recheck_windows(df, p)
            else:
                dep = [[] for _ in range(n)]
                _attach_shell(df, dep)
        except Exception as exc:
            _internal(internal, df, "_attach_shell", exc)
    elif not same:
        dep = [[] for _ in range(n)]
    if internal:  # a phase stopped part way: what it did not reach has no errors
        chk = [e if e is not None else [] for e in chk]
        stg = [e if e is not None else [] for e in stg]
        dep = [e if e is not None else [] for e in dep]
    chk_, stg_, dep_ = cast("list[list[ParseError]]", chk), cast("list[list[ParseError]]", stg), \
        cast("list[list[ParseError]]", dep)
    chain = itertools.chain.from_iterable
    errors = [*p.errors, *chain(p.syn), *chain(chk_), *chain(stg_), *glob, *chain(dep_), *internal]
    errors.sort(key=lambda e: (e.span.start, e.message))
    df.errors = errors
    # (a model without shell parses is no base for one with them)
    df.inc = _Inc(p.raw_lines, p.starts, p.ends, p.syn, chk_, stg_, dep_, p.errors, glob, shell and not internal)
    return df


def _internal(out: list, df: Dockerfile, phase: str, exc: BaseException) -> None:
    import logging

    logging.getLogger("dockwise.syntax.parser").exception("parser phase %s failed on %s", phase, df.path or "<text>")
    out.append(
        ParseError(f"internal parser error in {phase}: {type(exc).__name__}: {exc}", Span(Pos(0, 0), Pos(0, 0)))
    )


def _check_instruction(out: list[ParseError], ins: Instruction, trigger: bool = False) -> None:
    """Instruction-layer checks that do not need stages."""
    kw = ins.keyword
    if not ins.known:
        from difflib import get_close_matches

        word = ins.raw_keyword
        msg = f"unknown instruction: {word}"
        cand = get_close_matches(word.upper(), sorted(KEYWORDS), n=1, cutoff=0.6)
        if cand and _edit_distance(word.upper(), cand[0]) <= 2:
            sug = cand[0].lower() if word.islower() else cand[0]
            msg += f" (did you mean {sug}?)"
        out.append(ParseError(msg, ins.keyword_span))
        return
    if kw == "ONBUILD":
        if ins.trigger is None:
            out.append(ParseError("ONBUILD requires at least one argument", ins.span))
        else:
            t = ins.trigger.keyword
            if t == "ONBUILD":
                out.append(ParseError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", ins.span))
            elif t in ("FROM", "MAINTAINER"):
                out.append(ParseError(f"{t} isn't allowed as an ONBUILD trigger", ins.span))
            else:
                _check_instruction(out, ins.trigger, True)
        return
    if not trigger:  # a trigger's flags are parsed when a build uses the image
        _check_flags(out, ins)
    n = len(ins.args)
    if kw in ("ENV", "LABEL", "ARG", "EXPOSE", "VOLUME") and n == 0:
        out.append(ParseError(f"{kw} requires at least one argument", ins.span))
    elif kw in ("MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL") and n == 0:
        out.append(ParseError(f"{kw} requires exactly one argument", ins.span))
    elif kw in ("ADD", "COPY") and n < 2:  # heredocs count as arguments, as in BuildKit
        out.append(
            ParseError(
                f"{kw} requires at least two arguments, but only one was provided. Destination could not be determined",
                ins.span,
            )
        )
    elif kw in ("ADD", "COPY") and _single_heredoc(ins.args[-1].value):
        # BuildKit's instructions.parseSourcesAndDest
        out.append(ParseError(f"{kw} cannot accept a heredoc as a destination", ins.args[-1].span))
    elif kw == "FROM" and n == 0:
        out.append(ParseError("FROM requires either one or three arguments", ins.span))
    elif kw == "SHELL":
        if not ins.json:
            out.append(ParseError("SHELL requires the arguments to be in JSON form", ins.span))
        elif n == 0:
            out.append(ParseError("SHELL requires at least one argument", ins.span))
    elif kw == "HEALTHCHECK":
        if n == 0:
            out.append(ParseError("HEALTHCHECK requires at least one argument", ins.span))
        else:
            typ = ins.args[0].value.upper()
            if typ == "NONE" and n > 1:
                out.append(ParseError("HEALTHCHECK NONE takes no arguments", ins.span))
            elif typ == "CMD" and n == 1:
                out.append(ParseError("Missing command after HEALTHCHECK CMD", ins.span))
            elif typ not in ("CMD", "NONE"):
                out.append(ParseError(f'Unknown type "{typ}" in HEALTHCHECK (try CMD)', ins.args[0].span))
    if kw in ("ENV", "LABEL", "ARG"):
        for p in ins.pairs:
            if p.key == "" :
                out.append(ParseError(f"{kw} names can not be blank", p.span))


# BuildKit's flags per instruction (instructions/parse.go and commands_run*.go):
# name -> "string" | "strings" (may repeat) | "bool". ARG, STOPSIGNAL and
# HEALTHCHECK NONE never parse their flags (BuildKit ignores them there).
_FLAG_TYPES: dict[str, dict[str, str]] = {
    "FROM": {"platform": "string"},
    "RUN": {"mount": "strings", "network": "string", "security": "string", "device": "strings"},
    "COPY": {"chown": "string", "from": "string", "chmod": "string", "link": "bool", "exclude": "strings",
             "parents": "bool"},
    "ADD": {"chown": "string", "chmod": "string", "link": "bool", "keep-git-dir": "bool", "checksum": "string",
            "unpack": "bool", "exclude": "strings"},
    "HEALTHCHECK": {"interval": "string", "timeout": "string", "start-period": "string",
                    "start-interval": "string", "retries": "string"},
}
_FLAGS_IGNORED = frozenset(("ARG", "STOPSIGNAL"))


def _check_flags(out: list[ParseError], ins: Instruction) -> None:
    """BuildKit's ``BFlags.Parse``: the first bad flag of an instruction fails
    the build (unknown, missing value, bad boolean, repeated)."""
    kw = ins.keyword
    if not ins.flags or kw in _FLAGS_IGNORED:
        return
    if kw == "HEALTHCHECK" and not (ins.args and ins.args[0].value.upper() == "CMD"):
        return
    known = _FLAG_TYPES.get(kw, {})
    used: set[str] = set()
    for f in ins.flags:
        typ = known.get(f.name)
        flag = "--" + f.name
        if typ is None:
            msg = f"unknown flag: {flag}"
            best, dist = "", 3  # BuildKit's suggest.Search: case-sensitive, distance < 3
            for opt in sorted(known):
                d = _edit_distance(f.name, opt)
                if d < dist:
                    best, dist = opt, d
            if best:
                msg += f" (did you mean {best}?)"
        elif f.name in used and typ != "strings":
            msg = f"duplicate flag specified: {flag}"
        elif typ == "bool" and f.value is not None and f.value.lower() not in ("true", "false"):
            msg = (f"missing a value on flag: {flag}" if f.value == "" else
                   f"expecting boolean value for flag {flag}, not: {f.value}")
        elif typ != "bool" and f.value is None:
            msg = f"missing a value on flag: {flag}"
        else:
            used.add(f.name)
            continue
        out.append(ParseError(msg, f.span))
        return


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# -- dumps --------------------------------------------------------------------


def go_quote(s: str) -> str:
    """Go's strconv.Quote."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\v":
            out.append("\\v")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif 0xDC80 <= o <= 0xDCFF:  # surrogateescape'd invalid byte
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _dump_instruction(ins: Instruction) -> str:
    s = ins.raw_keyword.lower()
    if ins.flags:
        s += " [" + " ".join(go_quote(f.raw) for f in ins.flags) + "]"
    if ins.trigger is not None:
        s += " (" + _dump_instruction(ins.trigger) + ")"
    else:
        for a in ins.args:
            s += " " + go_quote(a.value)
    return s.strip()


def dump_buildkit(df: Dockerfile) -> str:
    """BuildKit's ``Node.Dump()`` of the parse tree plus a final newline."""
    body = "".join("(" + _dump_instruction(i) + ")\n" for i in df.instructions).strip()
    return body + "\n"


def _span_json(s: Span | None):
    if s is None:
        return None
    return [s.start.line, s.start.col, s.end.line, s.end.col]


def dump_json(df: Dockerfile) -> dict:
    """The model as plain JSON-able data (for ``dockwise parse --format json``)."""

    def ins_json(ins: Instruction) -> dict:
        d = {
            "keyword": ins.keyword,
            "span": _span_json(ins.span),
            "keyword_span": _span_json(ins.keyword_span),
            "flags": [
                {"name": f.name, "value": f.value, "span": _span_json(f.span)} for f in ins.flags
            ],
            "args": [{"value": a.value, "span": _span_json(a.span)} for a in ins.args],
            "json": ins.json,
            "stage": ins.stage,
        }
        if ins.pairs:
            d["pairs"] = [
                {"key": p.key, "value": p.value, "legacy": p.legacy, "key_span": _span_json(p.key_span)}
                for p in ins.pairs
            ]
        if ins.heredocs:
            d["heredocs"] = [
                {
                    "name": h.name,
                    "chomp": h.chomp,
                    "quoted": h.quoted,
                    "body": h.body,
                    "opener_span": _span_json(h.opener_span),
                    "body_span": _span_json(h.body_span),
                }
                for h in ins.heredocs
            ]
        if ins.trigger is not None:
            d["trigger"] = ins_json(ins.trigger)
        if ins.shell is not None:
            d["shell"] = {
                "ok": ins.shell.ok,
                "dialect": ins.shell.dialect,
                "commands": [
                    {"argv": c.argv, "span": _span_json(c.span)} for c in ins.shell.commands
                ],
            }
        return d

    return {
        "path": df.path,
        "escape": df.escape,
        "directives": [{"key": d.key, "value": d.value, "span": _span_json(d.span)} for d in df.directives],
        "comments": [{"text": c.text, "span": _span_json(c.span)} for c in df.comments],
        "instructions": [ins_json(i) for i in df.instructions],
        "stages": [
            {
                "index": s.index,
                "name": s.name,
                "base": None
                if s.base is None
                else {
                    "raw": s.base.raw,
                    "resolved": s.base.resolved,
                    "registry": s.base.registry,
                    "path": s.base.path,
                    "tag": s.base.tag,
                    "digest": s.base.digest,
                },
                "parent": s.parent,
                "platform": s.platform,
                "instructions": s.instructions,
                "vars": [{"name": v.name, "kind": v.kind, "value": v.value} for v in s.vars],
            }
            for s in df.stages
        ],
        "global_args": [{"name": v.name, "value": v.value} for v in df.global_args],
        "errors": [
            {"message": e.message, "severity": e.severity, "span": _span_json(e.span)} for e in df.errors
        ],
    }

"""Variable expansion and quote removal, as BuildKit's ``shell/lex.go`` does it.

This is a pure-Python port of the word lexer BuildKit uses for ``ENV``,
``LABEL``, ``ARG`` defaults, ``ADD``/``COPY``, ``WORKDIR``, ``USER``,
``VOLUME``, ``STOPSIGNAL``, ``EXPOSE``, ``FROM`` and ``RUN --mount`` values
(see the reference notes, section 11).  It follows ``ProcessWord`` /
``ProcessWords`` in the normal mode (quotes removed, escapes processed,
unset variables expand to the empty string).

Public API
----------
``expand_word(word, env, escape="\\\\", *, case_insensitive=False) -> str``
    ProcessWord.
``expand_words(word, env, escape="\\\\", *, case_insensitive=False) -> list[str]``
    ProcessWords: expansion, then word splitting of unquoted expansion results.
``expand_detailed(word, env, escape="\\\\", *, case_insensitive=False)``
    ``(value, referenced_names, unset_names)``.
``unquote(text, escape="\\\\") -> str``
    Quote removal and escapes only; ``$X`` stays literal; never raises.
``variables_in(text, escape="\\\\") -> list[(name, start, end)]``
    Every ``$name`` / ``${name...}`` reference with its offsets; never raises.
``ExpandError``
    The only exception the expanders raise for any input text.

``env`` is either a mapping ``name -> value`` or a callable ``name -> value``
returning ``None`` for an unset name.

Known, deliberate differences from BuildKit (all in error paths or
pathological input):

* ``${NAME`` cut off at the end of the text reports ``syntax error: missing
  '}'``; BuildKit reports ``unsupported modifier (\\ufffd) in substitution``
  there (it formats the EOF rune).
* ``${NAME:#pat}`` / ``${NAME:%pat}`` (and ``:##``, ``:%%``) are rejected with
  ``unsupported modifier (:#) in substitution`` as current BuildKit does
  (moby/buildkit#5146); older releases silently treated them like ``#``/``%``.
* Nesting of ``${...}`` deeper than ``MAX_DEPTH`` levels raises ExpandError
  instead of exhausting the Python stack (Go has no limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Optional, Union, cast
from dockwise import lazyre

__all__ = [
    "ExpandError",
    "Env",
    "expand_word",
    "expand_words",
    "expand_detailed",
    "unquote",
    "variables_in",
    "go_quote",
    "MAX_DEPTH",
]

Env = Union[Mapping[str, str], Callable[[str], Optional[str]], None]

#: Maximum nesting of ``${...}`` expressions (inside modifier words).
MAX_DEPTH = 64

_BOM = "\ufeff"

# Go's unicode.IsSpace (Latin-1 list + the White_Space property above it).
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_RUNS = lazyre.compile("[%s]+|[^%s]+" % (re.escape(_GO_SPACE), re.escape(_GO_SPACE)))
_SPECIAL_PARAMS = frozenset("@*#?-$!0")


class ExpandError(Exception):
    """Expansion failure, with BuildKit's message.

    ``message`` is the bare message (``syntax error: missing '}'`` …),
    ``word`` the word being processed, ``buildkit_message`` the full text
    BuildKit prints (``failed to process "<word>": <message>``).
    ``referenced`` / ``unset`` hold the names looked up before the failure.
    """

    def __init__(self, message: str, word: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.word = word
        self.referenced: set[str] = set()
        self.unset: set[str] = set()

    @property
    def buildkit_message(self) -> str:
        if self.word is None:
            return self.message
        return f"failed to process {go_quote(self.word)}: {self.message}"


def go_quote(s: str) -> str:
    """Go's ``%q`` / ``strconv.Quote`` for a string (as used in BuildKit errors)."""
    out = ['"']
    for c in s:
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        elif c in _GO_ESCAPES:
            out.append(_GO_ESCAPES[c])
        else:
            o = ord(c)
            if o < 0x20 or o == 0x7F:
                out.append("\\x%02x" % o)
            elif o < 0x10000:
                out.append("\\u%04x" % o)
            else:
                out.append("\\U%08x" % o)
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


# --------------------------------------------------------------------------
# helpers

def _is_name_char(c: str) -> bool:
    # Go: unicode.IsLetter || unicode.IsDigit || '_'
    return c.isalpha() or c.isdecimal() or c == "_"


def _read_name(s: str, pos: int, n: int) -> int:
    """processName: return the end of the name starting at ``pos``."""
    if pos >= n:
        return pos
    c = s[pos]
    if c.isdecimal():
        pos += 1
        while pos < n and s[pos].isdecimal():
            pos += 1
        return pos
    if c in _SPECIAL_PARAMS:
        return pos + 1
    while pos < n and _is_name_char(s[pos]):
        pos += 1
    return pos


_special_cache: dict[tuple[str, str], "re.Pattern[str]"] = {}


def _specials(esc: str, stop: str) -> "re.Pattern[str]":
    key = (esc, stop)
    rx = _special_cache.get(key)
    if rx is None:
        chars = {"$", "'", '"', esc}
        if stop:
            chars.add(stop)
        rx = re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
        _special_cache[key] = rx
    return rx


_dq_cache: dict[str, "re.Pattern[str]"] = {}


def _dq_specials(esc: str) -> "re.Pattern[str]":
    rx = _dq_cache.get(esc)
    if rx is None:
        chars = {"$", '"', esc}
        rx = re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
        _dq_cache[esc] = rx
    return rx


def _fold(name: str) -> str:
    # Go's strings.ToUpper maps rune by rune (simple case mapping).
    if name.isascii():
        return name.upper()
    out = []
    for c in name:
        u = c.upper()
        out.append(u if len(u) == 1 else c)
    return "".join(out)


class _PatternError(Exception):
    pass


_regex_cache: dict[tuple[str, bool], "re.Pattern[str]"] = {}


def _pattern_to_regex(pattern: str, greedy: bool) -> "re.Pattern[str]":
    """convertShellPatternToRegex (anchoring is done by the caller: match vs search)."""
    key = (pattern, greedy)
    rx = _regex_cache.get(key)
    if rx is not None:
        return rx
    star = ".*" if greedy else ".*?"
    out = []
    n = len(pattern)
    i = 1 if pattern.startswith(_BOM) else 0  # text/scanner skips a leading BOM
    while i < n:
        tok = pattern[i]
        i += 1
        if tok == "*":
            out.append(star)
        elif tok == "?":
            out.append(".")
        elif tok == "\\":
            if i < n and (pattern[i] == "}" or pattern[i] == "/"):
                continue
            if i >= n:
                raise _PatternError("invalid escape '\\\ufffd'")
            tok = pattern[i]
            i += 1
            if tok not in "*?\\":
                raise _PatternError("invalid escape '\\%s'" % tok)
            out.append("\\" + tok)
        else:
            out.append(re.escape(tok))
    rx = re.compile("".join(out))
    if len(_regex_cache) > 512:
        _regex_cache.clear()
    _regex_cache[key] = rx
    return rx


def _reverse_pattern(pattern: str) -> str:
    runes = list(pattern)
    last = len(runes) - 1
    out = [""] * len(runes)
    i = 0
    while i <= last:
        tok = runes[i]
        oi = last - i
        if tok == "\\" and i != last:
            out[oi - 1] = tok
            out[oi] = runes[i + 1]
            i += 2
        else:
            out[oi] = tok
            i += 1
    return "".join(out)


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    try:
        rx = _pattern_to_regex(pattern, greedy)
    except _PatternError as e:
        raise ExpandError(f"invalid pattern ({pattern}) in substitution: {e}") from None
    m = rx.match(value)
    return value[m.end():] if m else value


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


def _go_expand_template(template: str, src: str, a0: int, a1: int) -> str:
    """regexp.Expand for a regex without capture groups ($0 = whole match)."""
    if "$" not in template:
        return template
    out = []
    t = template
    while True:
        i = t.find("$")
        if i < 0:
            break
        out.append(t[:i])
        t = t[i + 1:]
        if t.startswith("$"):
            out.append("$")
            t = t[1:]
            continue
        # extract()
        brace = t.startswith("{")
        body = t[1:] if brace else t
        k = 0
        while k < len(body) and _is_name_char(body[k]):
            k += 1
        if k == 0 or (brace and (k >= len(body) or body[k] != "}")):
            out.append("$")  # malformed: raw '$'
            continue
        name = body[:k]
        t = body[k + 1:] if brace else body[k:]
        if name == "0":
            out.append(src[a0:a1])
        # any other name/number refers to a group that does not exist -> ""
    out.append(t)
    return "".join(out)


def _go_replace_all(rx: "re.Pattern[str]", src: str, template: str) -> str:
    """regexp.ReplaceAllString semantics (empty matches next to a match are skipped)."""
    out = []
    last_end = 0
    pos = 0
    end = len(src)
    while pos <= end:
        m = rx.search(src, pos)
        if m is None:
            break
        a0, a1 = m.span()
        out.append(src[last_end:a0])
        if a1 > last_end or a0 == 0:
            out.append(_go_expand_template(template, src, a0, a1))
        last_end = a1
        width = 1 if pos < end else 0
        if pos + width > a1:
            pos += width
        elif pos + 1 > a1:
            pos += 1
        else:
            pos = a1
    out.append(src[last_end:])
    return "".join(out)


class _Words:
    """wordsStruct: word splitting after expansion."""

    __slots__ = ("word", "words", "in_word")

    def __init__(self) -> None:
        self.word = ""
        self.words: list[str] = []
        self.in_word = False

    def add_split(self, s: str) -> None:  # addString
        for run in _SPACE_RUNS.findall(s):
            if run[0] in _GO_SPACE:
                if self.in_word and self.word:
                    self.words.append(self.word)
                    self.word = ""
                    self.in_word = False
            else:
                self.word += run
                self.in_word = True

    def add_raw(self, s: str) -> None:  # addRawString / addRawChar
        self.word += s
        self.in_word = True

    def get(self) -> list[str]:
        if self.word:
            self.words.append(self.word)
            self.word = ""
            self.in_word = False
        return self.words


# --------------------------------------------------------------------------
# the lexer

class _Lexer:
    __slots__ = ("s", "n", "pos", "esc", "env", "is_map", "ci", "folded", "matched", "unmatched", "depth")

    def __init__(self, s: str, env: Env, esc: str, ci: bool) -> None:
        self.s = s
        self.n = len(s)
        self.pos = 1 if s.startswith(_BOM) else 0
        self.esc = esc
        if env is None:
            env = {}
        self.env = env
        self.is_map = isinstance(env, Mapping) or not callable(env)
        self.ci = ci
        self.folded: Optional[dict] = None
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()
        self.depth = 0

    # -- environment
    def get(self, name: str) -> tuple[str, bool]:
        if not name:
            # ${%x}, ${+x}, ${/a/b}: BuildKit looks up (and records) the empty
            # name; it is never set and is not worth reporting.
            return "", False
        if self.is_map:
            # (is_map is set from the type of env in __init__; pyright cannot see that)
            env = cast(Mapping[str, str], self.env)
            if name in env:
                self.matched.add(name)
                return env[name], True
            if self.ci:
                if self.folded is None:
                    self.folded = {}
                    for k in env:
                        self.folded.setdefault(_fold(k), env[k])
                f = _fold(name)
                if f in self.folded:
                    self.matched.add(name)
                    return self.folded[f], True
        else:
            v = cast(Callable[[str], Optional[str]], self.env)(name)
            if v is not None:
                self.matched.add(name)
                return v, True
        self.unmatched.add(name)
        return "", False

    # -- processStopOn
    def stop_on(self, stop: str, raw: bool, words: Optional[_Words] = None) -> str:
        """Process up to ``stop`` (consumed) or the end of text when ``stop`` is ''."""
        s, n, esc = self.s, self.n, self.esc
        rx = _specials(esc, stop)
        out: list[str] = []
        while self.pos < n:
            pos = self.pos
            m = rx.search(s, pos)
            if m is None:
                chunk = s[pos:]
                out.append(chunk)
                if words is not None:
                    words.add_split(chunk)
                self.pos = n
                break
            j = m.start()
            if j > pos:
                chunk = s[pos:j]
                out.append(chunk)
                if words is not None:
                    words.add_split(chunk)
                self.pos = j
            ch = s[j]
            if stop and ch == stop:
                self.pos = j + 1
                return "".join(out)
            if ch == "$":
                tmp = self.dollar()
                out.append(tmp)
                if words is not None:
                    words.add_split(tmp)
            elif ch == "'":
                tmp = self.single_quote()
                out.append(tmp)
                if words is not None:
                    words.add_raw(tmp)
            elif ch == '"':
                tmp = self.double_quote(raw)
                out.append(tmp)
                if words is not None:
                    words.add_raw(tmp)
            else:  # escape token
                j += 1
                if raw:
                    out.append(esc)
                    if words is not None:
                        words.add_raw(esc)
                if j >= n:
                    self.pos = n
                    break
                c = s[j]
                self.pos = j + 1
                out.append(c)
                if words is not None:
                    words.add_raw(c)
        if stop:
            raise ExpandError("unexpected end of statement while looking for matching " + stop)
        return "".join(out)

    def single_quote(self) -> str:
        s = self.s
        start = self.pos + 1
        j = s.find("'", start)
        if j < 0:
            self.pos = self.n
            raise ExpandError("unexpected end of statement while looking for matching single-quote")
        self.pos = j + 1
        return s[start:j]

    def double_quote(self, raw: bool) -> str:
        s, n, esc = self.s, self.n, self.esc
        rx = _dq_specials(esc)
        out: list[str] = []
        pos = self.pos + 1
        while True:
            m = rx.search(s, pos)
            if m is None:
                self.pos = n
                raise ExpandError("unexpected end of statement while looking for matching double-quote")
            j = m.start()
            if j > pos:
                out.append(s[pos:j])
            c = s[j]
            if c == '"':
                self.pos = j + 1
                return "".join(out)
            if c == "$":
                self.pos = j
                out.append(self.dollar())
                pos = self.pos
                continue
            # escape token
            pos = j + 1
            if raw:
                out.append(c)
            if pos < n:
                nc = s[pos]
                if nc == '"' or nc == "$" or nc == esc:
                    c = nc
                    pos += 1
            out.append(c)

    def sub_word(self, stop: str, raw: bool, missing: str) -> str:
        try:
            return self.stop_on(stop, raw)
        except ExpandError:
            if self.pos >= self.n:
                raise ExpandError(missing) from None
            raise

    # -- processDollar
    def dollar(self) -> str:
        s, n = self.s, self.n
        pos = self.pos + 1  # skip '$'
        if pos >= n or s[pos] != "{":
            end = _read_name(s, pos, n)
            self.pos = end
            if end == pos:
                return "$"
            return self.get(s[pos:end])[0]

        pos += 1  # skip '{'
        self.pos = pos
        if pos >= n:
            raise ExpandError("syntax error: missing '}'")
        c = s[pos]
        if c == "{" or c == "}" or c == ":":
            raise ExpandError("syntax error: bad substitution")
        end = _read_name(s, pos, n)
        name = s[pos:end]
        if end >= n:
            self.pos = n
            raise ExpandError("syntax error: missing '}'")
        ch = s[end]
        self.pos = end + 1
        chs = ch

        if ch == "}":
            return self.get(name)[0]

        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            if self.pos < n:
                ch = s[self.pos]
                self.pos += 1
            else:
                ch = "\ufffd"  # Go: string(EOF rune)
            chs += ch
        elif ch == "/":
            return self.replace(name)
        elif ch not in "+-?#%":
            raise ExpandError(f"unsupported modifier ({chs}) in substitution")

        raw = ch == "#" or ch == "%"
        if null_is_unset and raw:
            raise ExpandError(f"unsupported modifier ({chs}) in substitution")

        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpandError("syntax error: ${} nested too deeply")
        word = self.sub_word("}", raw, "syntax error: missing '}'")
        self.depth -= 1

        value, is_set = self.get(name)
        if ch == "-":
            if not is_set or (null_is_unset and value == ""):
                return word
            return value
        if ch == "+":
            if not is_set or (null_is_unset and value == ""):
                return ""
            return word
        if ch == "?":
            if not is_set:
                raise ExpandError(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise ExpandError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if ch == "#" or ch == "%":
            greedy = False
            if word and word[0] == ch:
                greedy = True
                word = word[1:]
            if ch == "%":
                return _trim_suffix(word, value, greedy)
            return _trim_prefix(word, value, greedy)
        raise ExpandError(f"unsupported modifier ({chs}) in substitution")

    def replace(self, name: str) -> str:
        s, n = self.s, self.n
        replace_all = self.pos < n and s[self.pos] == "/"
        if replace_all:
            self.pos += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpandError("syntax error: ${} nested too deeply")
        pattern = self.sub_word("/", True, "syntax error: missing '/' in ${}")
        replacement = self.sub_word("}", True, "syntax error: missing '}'")
        self.depth -= 1
        value, _ = self.get(name)
        try:
            rx = _pattern_to_regex(pattern, True)
        except _PatternError as e:
            raise ExpandError(f"invalid pattern ({pattern}) in substitution: {e}") from None
        if replace_all:
            return _go_replace_all(rx, value, replacement)
        m = rx.search(value)
        if m is None:
            return value
        return value[: m.start()] + replacement + value[m.end():]


def _check_escape(escape: str) -> None:
    if not isinstance(escape, str) or len(escape) != 1:
        raise ValueError(f"escape must be a single character, not {escape!r}")


def _run(word: str, env: Env, escape: str, ci: bool, words: Optional[_Words]) -> tuple[str, _Lexer]:
    _check_escape(escape)
    lx = _Lexer(word, env, escape, ci)
    try:
        return lx.stop_on("", False, words), lx
    except ExpandError as e:
        e.word = word
        e.referenced = lx.matched | lx.unmatched
        e.unset = set(lx.unmatched)
        raise
    except RecursionError:  # pragma: no cover - guarded by MAX_DEPTH
        err = ExpandError("syntax error: ${} nested too deeply", word)
        err.referenced = lx.matched | lx.unmatched
        err.unset = set(lx.unmatched)
        raise err from None


# --------------------------------------------------------------------------
# public functions

def expand_word(word: str, env: Env, escape: str = "\\", *, case_insensitive: bool = False) -> str:
    """BuildKit's ProcessWord: expand variables, remove quotes, process escapes."""
    _check_escape(escape)
    if _specials(escape, "").search(word) is None:
        return word[1:] if word.startswith(_BOM) else word
    return _run(word, env, escape, case_insensitive, None)[0]


def expand_words(word: str, env: Env, escape: str = "\\", *, case_insensitive: bool = False) -> list[str]:
    """BuildKit's ProcessWords: expansion, then splitting of unquoted expansion results
    (and unquoted literal text) on white space.  Empty words are dropped."""
    words = _Words()
    _run(word, env, escape, case_insensitive, words)
    return words.get()


def expand_detailed(
    word: str, env: Env, escape: str = "\\", *, case_insensitive: bool = False
) -> tuple[str, set[str], set[str]]:
    """Expand like :func:`expand_word` and also return ``(value, referenced, unset)``:
    every variable name looked up (as written, including positional/special names
    such as ``1`` or ``@``; the empty name of ``${%x}`` is left out) and the
    subset that was not set.  On failure the ExpandError carries the names looked
    up so far in ``referenced`` / ``unset``."""
    _check_escape(escape)
    if _specials(escape, "").search(word) is None:
        return (word[1:] if word.startswith(_BOM) else word), set(), set()
    value, lx = _run(word, env, escape, case_insensitive, None)
    return value, lx.matched | lx.unmatched, set(lx.unmatched)


def unquote(text: str, escape: str = "\\") -> str:
    """Remove quotes and process escapes without expanding anything (``$X`` and
    ``${X:-y}`` stay literal).  Never raises for any text: an unterminated quote
    is kept verbatim from the opening quote to the end."""
    _check_escape(escape)
    s = text
    n = len(s)
    pos = 1 if s.startswith(_BOM) else 0
    esc = escape
    out: list[str] = []
    while pos < n:
        c = s[pos]
        if c == "$":  # never an escape here, even with escape="$"
            out.append(c)
            pos += 1
        elif c == "'":
            j = s.find("'", pos + 1)
            if j < 0:
                out.append(s[pos:])
                break
            out.append(s[pos + 1:j])
            pos = j + 1
        elif c == '"':
            k = pos + 1
            buf: list[str] = []
            closed = False
            while k < n:
                d = s[k]
                if d == '"':
                    closed = True
                    break
                if d == esc and k + 1 < n and s[k + 1] in ('"', "$", esc):
                    buf.append(s[k + 1])
                    k += 2
                    continue
                buf.append(d)
                k += 1
            if not closed:
                out.append(s[pos:])
                break
            out.append("".join(buf))
            pos = k + 1
        elif c == esc:
            if pos + 1 < n:
                out.append(s[pos + 1])
            pos += 2
        else:
            j = pos + 1
            while j < n and s[j] not in ("'", '"', esc, "$"):
                j += 1
            out.append(s[pos:j])
            pos = j
    return "".join(out)


def variables_in(text: str, escape: str = "\\") -> list[tuple[str, int, int]]:
    """Every variable reference in ``text`` as ``(name, start, end)``, sorted by start.

    ``[start, end)`` covers the whole reference: ``$NAME`` or ``${NAME...}`` up to
    and including the matching ``}`` (or the end of text when it is missing).
    The name itself starts at ``start + 1`` (``$NAME``) or ``start + 2`` (``${``).
    References nested in modifier words are reported too.  Single-quoted text and
    escaped ``$`` are skipped.  Positional/special names (``1``, ``@``) are included,
    exactly the names the expander looks up.  Never raises.
    """
    try:
        _check_escape(escape)
    except ValueError:
        escape = "\\"
    if "$" not in text:
        return []
    s = text
    n = len(s)
    esc = escape
    refs: list[tuple[str, int, int]] = []
    # frames: [kind, name, start]; kind: 'top' | 'word' | 'pattern' | 'dq'
    stack: list[list] = [["top", "", 0]]
    i = 1 if s.startswith(_BOM) else 0
    while i < n:
        frame = stack[-1]
        kind = frame[0]
        c = s[i]
        if kind == "dq":
            if c == '"':
                stack.pop()
                i += 1
            elif c == "$":
                i = _scan_dollar(s, i, n, refs, stack)
            elif c == esc:
                i += 2 if (i + 1 < n and s[i + 1] in ('"', "$", esc)) else 1
            else:
                i += 1
            continue
        if kind == "word" and c == "}":
            stack.pop()
            i += 1
            if frame[1]:
                refs.append((frame[1], frame[2], i))
            continue
        if kind == "pattern" and c == "/":
            frame[0] = "word"
            i += 1
            continue
        if c == "$":
            i = _scan_dollar(s, i, n, refs, stack)
        elif c == "'":
            j = s.find("'", i + 1)
            i = n if j < 0 else j + 1
        elif c == '"':
            stack.append(["dq", "", i])
            i += 1
        elif c == esc:
            i += 2
        else:
            i += 1
    # unterminated ${...}: report up to the end of the text
    for frame in stack:
        if frame[0] in ("word", "pattern") and frame[1]:
            refs.append((frame[1], frame[2], n))
    refs.sort(key=lambda r: (r[1], -r[2]))
    return refs


def _scan_dollar(s: str, i: int, n: int, refs: list, stack: list) -> int:
    j = i + 1
    if j >= n or s[j] != "{":
        k = _read_name(s, j, n)
        if k > j:
            refs.append((s[j:k], i, k))
        return k
    j += 1
    if j >= n:
        return j
    if s[j] in "{}:":
        return j  # bad substitution: nothing referenced
    k = _read_name(s, j, n)
    name = s[j:k]
    if k >= n:
        if name:
            refs.append((name, i, n))
        return n
    ch = s[k]
    k += 1
    if ch == "}":
        if name:
            refs.append((name, i, k))
        return k
    if ch == ":":
        if k < n:
            k += 1  # the modifier character, whatever it is
        stack.append(["word", name, i])
    elif ch == "/":
        if k < n and s[k] == "/":
            k += 1
        stack.append(["pattern", name, i])
    else:  # + - ? # % and unsupported ones (best effort)
        stack.append(["word", name, i])
    return k

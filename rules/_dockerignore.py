""".dockerignore as BuildKit reads and matches it (moby/patternmatcher).

:func:`read_all` is ``ignorefile.ReadAll``: a UTF-8 BOM is dropped, lines
starting with ``#`` are comments, blanks are trimmed, each pattern is cleaned
(``filepath.Clean``) and loses a leading ``/``; ``!`` marks an exception.
:class:`PatternMatcher` is ``patternmatcher.New`` /
``MatchesOrParentMatches`` / ``Exclusions`` / ``Patterns``: a pattern is an
exact path, a ``prefix**``, a ``**suffix`` or a regular expression built the
way patternmatcher builds it (``*`` and ``?`` never match ``/``, ``**`` matches
any number of directories, ``\\`` escapes, ``[…]`` classes pass through); a
path matches when it or one of its parent directories matches the last
pattern that decides it. A malformed pattern (Go's ``filepath.Match`` syntax)
makes the whole file unusable, as it makes BuildKit's build fail.

:func:`load_for` finds the file for a Dockerfile: ``<Dockerfile>.dockerignore``
next to it (what ``docker build``/buildx send in its place), else
``.dockerignore`` in the build context (the ``context`` setting, else the
Dockerfile's folder). Files are re-read only when they change on disk.
"""
from __future__ import annotations

import os
import re

MAX_BYTES = 1 << 20

_ESCAPE = set(".+()|{}$")


class PatternError(ValueError):
    pass


def go_clean(path: str) -> str:
    """Go's path.Clean."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(p)
    out = "/".join(parts)
    return ("/" + out) if rooted else (out or ".")


def go_dir(path: str) -> str:
    """Go's path.Dir (filepath.Dir with '/')."""
    i = path.rfind("/")
    return go_clean(path[: i + 1])


def read_all(text: str) -> list[str]:
    """ignorefile.ReadAll."""
    out: list[str] = []
    for n, line in enumerate(text.split("\n")):
        line = line.rstrip("\r") if line.endswith("\r") else line
        if n == 0 and line.startswith("\ufeff"):
            line = line[1:]
        if line.startswith("#"):
            continue
        p = line.strip()
        if not p:
            continue
        invert = p[0] == "!"
        if invert:
            p = p[1:].strip()
        if p:
            p = go_clean(p)
            if len(p) > 1 and p[0] == "/":
                p = p[1:]
        if invert:
            p = "!" + p
        out.append(p)
    return out


def _get_esc(chunk: str, i: int) -> int:
    """filepath's getEsc: the index after one (possibly escaped) class char."""
    if i >= len(chunk) or chunk[i] in "-]":
        raise PatternError("syntax error in pattern")
    if chunk[i] == "\\":
        i += 1
        if i >= len(chunk):
            raise PatternError("syntax error in pattern")
    i += 1
    if i >= len(chunk):
        raise PatternError("syntax error in pattern")
    return i


def check_syntax(pattern: str) -> None:
    """Raise PatternError where Go's filepath.Match reports ErrBadPattern."""
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise PatternError("syntax error in pattern")
            i += 2
        elif c == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            nrange = 0
            while True:
                if i < n and pattern[i] == "]" and nrange > 0:
                    i += 1
                    break
                i = _get_esc(pattern, i)
                if pattern[i] == "-":
                    i = _get_esc(pattern, i + 1)
                nrange += 1
        else:
            i += 1


class Pattern:
    __slots__ = ("cleaned", "exclusion", "kind", "regex", "source")

    def __init__(self, cleaned: str, exclusion: bool) -> None:
        self.cleaned = cleaned
        self.exclusion = exclusion
        self.kind, self.source = _compile(cleaned)
        self.regex: "re.Pattern[str] | None" = None
        if self.source is not None:
            try:  # Go's "$" is Python's "\Z" (no newline before the end)
                self.regex = re.compile(self.source[:-1] + r"\Z")
            except re.error as exc:
                raise PatternError(str(exc)) from None

    def __str__(self) -> str:
        return self.cleaned

    def match(self, path: str) -> bool:
        k = self.kind
        if k == "exact":
            return path == self.cleaned
        if k == "prefix":
            return path.startswith(self.cleaned[:-2])
        if k == "suffix":
            suffix = self.cleaned[2:]
            if path.endswith(suffix):
                return True
            return bool(suffix) and suffix[0] == "/" and path == suffix[1:]
        return self.regex is not None and self.regex.match(path) is not None


def _compile(pattern: str) -> tuple[str, str | None]:
    """Pattern.compile for the '/' separator: (match type, the regexp as Go
    writes it, or None)."""
    reg = "^"
    kind = "exact"
    i, n = 0, len(pattern)
    it = 0
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                if i >= n:
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        reg += ".*"
                        kind = "regexp"
                else:
                    reg += "(.*/)?"
                    kind = "regexp"
                if it == 0:
                    kind = "suffix"
            else:
                reg += "[^/]*"
                kind = "regexp"
        elif ch == "?":
            reg += "[^/]"
            kind = "regexp"
        elif ch in _ESCAPE:
            reg += "\\" + ch
        elif ch == "\\":
            if i < n:
                reg += "\\" + pattern[i]
                i += 1
                kind = "regexp"
            else:
                reg += "\\\\"
        elif ch in "[]":
            reg += ch
            kind = "regexp"
        else:
            reg += ch
        it += 1
    if kind != "regexp":
        return kind, None
    return kind, reg + "$"


class PatternMatcher:
    """patternmatcher.PatternMatcher."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns: list[Pattern] = []
        self.exclusions = False
        for p in patterns:
            p = p.strip()
            if not p:
                continue
            p = go_clean(p)
            excl = False
            if p[0] == "!":
                if len(p) == 1:
                    raise PatternError('illegal exclusion pattern: "!"')
                excl = True
                p = p[1:]
                self.exclusions = True
            check_syntax(p)
            self.patterns.append(Pattern(p, excl))

    def matches_or_parent_matches(self, file: str) -> bool:
        matched = False
        parent = go_dir(file)
        dirs = parent.split("/")
        for pat in self.patterns:
            if pat.exclusion != matched:
                continue
            m = pat.match(file)
            if not m and parent != ".":
                for i in range(len(dirs)):
                    if pat.match("/".join(dirs[: i + 1])):
                        m = True
                        break
            if m:
                matched = not pat.exclusion
        return matched

    def matches(self, file: str) -> bool:
        """The package-level Matches: ``.`` never matches; one parent level only."""
        file = go_clean(file)
        if file == ".":
            return False
        matched = False
        parent = go_dir(file)
        dirs = parent.split("/")
        for pat in self.patterns:
            if pat.exclusion != matched:
                continue
            m = pat.match(file)
            if not m and parent != ".":
                k = len(pat.cleaned.split("/"))
                if k <= len(dirs):
                    m = pat.match("/".join(dirs[:k]))
            if m:
                matched = not pat.exclusion
        return matched


class DockerIgnore:
    """One build context's ignore file, as BuildKit's CopyIgnoredFile uses it."""

    def __init__(self, path: str, patterns: list[str]) -> None:
        self.path = path
        self.matcher = PatternMatcher(patterns)

    def ignores(self, src: str) -> bool:
        """validateCopySourcePath: is the COPY/ADD source ``src`` excluded?
        Never when the file has exceptions (``!``: too hard to decide
        statically, BuildKit says); ``.``/``/`` only when a pattern is ``*``,
        ``**`` or ``**/*``."""
        m = self.matcher
        if m.exclusions or not m.patterns:
            return False
        src = go_clean(src)
        if src in (".", "/") and not any(
                not p.exclusion and p.cleaned in ("*", "**", "**/*") for p in m.patterns):
            return False
        return m.matches_or_parent_matches(src)


_CACHE: dict[str, tuple[tuple, "DockerIgnore | None"]] = {}


def _stamp(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def load(path: str) -> DockerIgnore | None:
    """The ignore file at ``path`` (cached by modification time), or None when
    it is missing, unreadable, too large or malformed."""
    stamp = _stamp(path)
    if stamp is None:
        return None
    got = _CACHE.get(path)
    if got is not None and got[0] == stamp:
        return got[1]
    value: DockerIgnore | None = None
    try:
        if stamp[1] <= MAX_BYTES and os.path.isfile(path):
            with open(path, "rb") as fh:
                text = fh.read(MAX_BYTES + 1).decode("utf-8", errors="replace")
            value = DockerIgnore(path, read_all(text))
    except (OSError, PatternError):
        value = None
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[path] = (stamp, value)
    return value


def candidates(dockerfile: str | None, context: str | None) -> list[str]:
    """Where the ignore file for ``dockerfile`` is looked for, in order."""
    out: list[str] = []
    here: str | None = None
    if dockerfile:
        here = os.path.dirname(dockerfile) or "."
        out.append(os.path.join(here, os.path.basename(dockerfile) + ".dockerignore"))
    ctx = context
    if ctx and not os.path.isabs(ctx) and here is not None:
        ctx = os.path.normpath(os.path.join(here, ctx))
    ctx = ctx or here
    if ctx:
        out.append(os.path.join(ctx, ".dockerignore"))
    return out


def stamps(dockerfile: str | None, context: str | None) -> tuple:
    """The candidates with their modification stamps: changes when the file
    that :func:`load_for` would use changes, appears or disappears."""
    return tuple((c, _stamp(c)) for c in candidates(dockerfile, context))


def load_for(dockerfile: str | None, context: str | None) -> DockerIgnore | None:
    """The ignore file BuildKit would use for ``dockerfile``: the first of
    :func:`candidates` that exists (a malformed one: None, no checks)."""
    for c in candidates(dockerfile, context):
        if _stamp(c) is not None:
            return load(c)
    return None

"""Parse-equivalence of two Dockerfile texts, for the formatter tests.

Two texts are equivalent when the parser sees the same thing in both, apart
from the case of instruction keywords: same directives, instructions, flags,
arguments, key/value pairs and heredoc bodies. The text of a shell-form
RUN/CMD/ENTRYPOINT/HEALTHCHECK may differ only in the width of white space
between shell words: both texts collapse to the same words and tree-sitter-bash
finds the same commands in both with the same literal words (a word with
expansions is compared with its ``$( )`` contents left out — the commands
inside are in the list and compared on their own).

A second, independent reader checks the same: ``dockerfile-parse`` (the
library, not ours) must see the same instructions on the same lines with the
same values, white-space runs collapsed (a re-indented continuation line
changes their width) and an ONBUILD trigger's keyword compared upper-cased.
"""
from __future__ import annotations

import io

from dockerfile_parse import DockerfileParser

from dockwise.syntax.parser import parse
from dockwise.syntax.shell import line_map, parse_shell

_SHELL_FORM = frozenset(("RUN", "CMD", "ENTRYPOINT"))


def _collapse(s: str) -> str:
    return " ".join(s.split())


def _without_substitutions(raw: str) -> str:
    out, depth, i = [], 0, 0
    while i < len(raw):
        if depth == 0 and raw.startswith("$(", i):
            out.append("$(")
            depth, i = 1, i + 2
            continue
        c = raw[i]
        if depth:
            depth += (c == "(") - (c == ")")
            if depth == 0:
                out.append(")")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _name(name: str) -> str:
    # tree-sitter gives a command name made of substitutions (`x` `y`) with its blanks
    return _collapse(_without_substitutions(name)) if ("`" in name or "$" in name) else name


def same_commands(s1, s2) -> bool:
    if s1.ok != s2.ok or len(s1.commands) != len(s2.commands):
        return False
    for c1, c2 in zip(s1.commands, s2.commands):
        if _name(c1.name) != _name(c2.name) or len(c1.args) != len(c2.args) or \
                [_without_substitutions(a) for a in c1.assignments] != [_without_substitutions(a) for a in c2.assignments]:
            return False
        for w1, w2 in zip(c1.args, c2.args):
            if w1.static != w2.static:
                return False
            if w1.static:
                if w1.value != w2.value:
                    return False
            elif _name(w1.raw) != _name(w2.raw):  # as for names: tree-sitter may read `a` `b` as one substitution
                return False
    return True


def shell_equivalent(a: str, b: str) -> bool:
    """Same shell words: white-space runs between words may differ in width."""
    if a == b:
        return True
    if _collapse(a) != _collapse(b):
        return False
    return same_commands(parse_shell(a, line_map(a, 0)), parse_shell(b, line_map(b, 0)))


def _args(ins) -> list:
    vals = [a.value for a in ins.args]
    if ins.json:
        return vals
    if ins.keyword in _SHELL_FORM and vals:
        return [("shell", vals[0])]
    if ins.keyword == "HEALTHCHECK" and len(vals) > 1:
        return [vals[0], ("shell", vals[1])]
    return vals


def _same_args(x: list, y: list) -> bool:
    if len(x) != len(y):
        return False
    for a, b in zip(x, y):
        if isinstance(a, tuple) and isinstance(b, tuple):
            if not shell_equivalent(a[1], b[1]):
                return False
        elif a != b:
            return False
    return True


def _view(ins):
    return (
        ins.keyword if ins.known else ins.raw_keyword.upper(),
        [f.raw for f in ins.flags],
        ins.json,
        [(h.name, h.chomp, h.quoted, h.fd, h.body) for h in ins.heredocs],
        ins.stage,
        [(p.key, p.value, p.legacy) for p in ins.pairs],
    )


def dockerfile_parse_view(text: str) -> list[tuple[str, int, int, str]]:
    """What dockerfile-parse sees: (instruction, first line, last line, value
    with blanks collapsed) for every entry that it reads as BuildKit does:
    an instruction on the same lines as BuildKit's (dockwise's), or a comment
    line. Entries it reads differently (its known boundary disagreements, see
    tests/data/dockerfile-parse-disagreements.json, and heredoc bodies, which
    it reads as instructions) are left out: there the two readers do not
    describe the same file."""
    text = text.removeprefix("\ufeff")  # BuildKit drops a byte-order mark; dockerfile-parse would read it as text
    if text and not text.endswith("\n"):
        text += "\n"  # dockerfile-parse drops a last line that is one bare word without a line break
    df = parse(text, shell=False)
    ours = {(i.start_line, i.end_line) for i in df.instructions if not i.effective.heredocs}
    comments = {c.span.start.line for c in df.comments}
    out = []
    data = io.BytesIO(text.encode("utf-8", "surrogateescape"))
    for s in DockerfileParser(fileobj=data).structure:  # type: ignore[arg-type]  # it reads bytes
        where = (s["startline"], s["endline"])
        if where not in ours and not (s["instruction"] == "COMMENT" and where[0] in comments):
            continue
        value = _collapse(s["value"])
        if s["instruction"] == "ONBUILD":
            trigger, _, rest = value.partition(" ")
            value = f"{trigger.upper()} {rest}"
        out.append((s["instruction"], *where, value))
    return out


def dockerfile_parse_differences(before: str, after: str) -> list[str]:
    v1, v2 = dockerfile_parse_view(before), dockerfile_parse_view(after)
    if v1 == v2:
        return []
    if len(v1) != len(v2):
        return [f"dockerfile-parse: {len(v1)} -> {len(v2)} entries: {v1} -> {v2}"]
    return [f"dockerfile-parse: {a} -> {b}" for a, b in zip(v1, v2) if a != b]


def differences(before: str, after: str) -> list[str]:
    """What the parser sees differently in ``after`` (empty: equivalent modulo keyword case)."""
    d1, d2 = parse(before, shell=False), parse(after, shell=False)
    out = []
    # lines (a final line of blanks without a newline may be trimmed away)
    n1, n2 = (len(t.split("\n")) - t.endswith("\n") for t in (before.rstrip(" \t"), after.rstrip(" \t")))
    if n1 != n2:
        out.append(f"line count {n1} -> {n2}")
    if d1.escape != d2.escape or [(d.key, d.value) for d in d1.directives] != [(d.key, d.value) for d in d2.directives]:
        out.append("directives differ")
    if len(d1.instructions) != len(d2.instructions):
        out.append(f"instruction count {len(d1.instructions)} -> {len(d2.instructions)}")
        return out
    for i1, i2 in zip(d1.instructions, d2.instructions):
        a, b = i1, i2
        while True:
            if _view(a) != _view(b) or not _same_args(_args(a), _args(b)):
                out.append(f"line {i1.start_line + 1}: {_view(a)} {_args(a)} -> {_view(b)} {_args(b)}")
                break
            ta, tb = a.trigger, b.trigger
            if ta is None or tb is None:
                if (ta is None) != (tb is None):
                    out.append(f"line {i1.start_line + 1}: trigger differs")
                break
            a, b = ta, tb
    e1 = sorted(e.message for e in d1.errors)
    e2 = sorted(e.message for e in d2.errors)
    if e1 != e2:
        out.append(f"errors {e1} -> {e2}")
    return out + dockerfile_parse_differences(before, after)

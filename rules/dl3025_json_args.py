r"""## What it does
Flags `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` written in shell form
(`CMD node server.js`) instead of exec (JSON) form
(`CMD ["node", "server.js"]`). Single-quoted pseudo-JSON (`CMD ['a']`) is
not JSON and is flagged too.

## Why it matters
Shell form runs the command as `/bin/sh -c "…"`: the shell becomes PID 1,
and `docker stop`'s SIGTERM goes to the shell, which does not forward it,
so the application never gets a chance to shut down cleanly and is killed
after the timeout. A shell-form `ENTRYPOINT` also ignores `CMD` and the
arguments of `docker run`. Exec form runs the program directly.

Like hadolint, and unlike BuildKit's JSONArgsRecommended check, a `SHELL`
instruction does not silence the rule.

## Differences from BuildKit
BuildKit's JSONArgsRecommended check is DW107 (`json-args-without-shell`):
it checks only `CMD` and `ENTRYPOINT` (not `HEALTHCHECK CMD`), only in the
stages a build checks, and stays quiet when a `SHELL` is set in the stage or
in a stage it is built `FROM` (shell form is then a conscious choice). Both
rules are on by default; DW107 defers to this one where both report the same
instruction, so a shell-form `CMD` is reported once.

## Example
```dockerfile
FROM node:22-slim
CMD node server.js
```

## Use instead
```dockerfile
FROM node:22-slim
CMD ["node", "server.js"]
```

## Fix
Rewrites the command in exec form (unsafe: the command no longer runs
through a shell, and an exec-form `ENTRYPOINT` receives `CMD` as
arguments). Offered only when the text splits into words exactly as the
shell would split it: plain words and simple single- or double-quoted
strings. Not offered when the text contains `$`, backquotes, backslashes,
pipes, `&&`, `;`, `&`, redirections, globs, braces, `~`, `#`, a leading
assignment (`FOO=1 cmd`) or a shell built-in such as `cd` or `export`, and
not in Windows stages. A leading `exec` is dropped (`CMD exec nginx` →
`CMD ["nginx"]`).

Not offered for a `CMD` when the stage (or a stage it is built `FROM`) has an
exec-form `ENTRYPOINT`: the `CMD` is then its arguments, and BuildKit passes
the shell form's `/bin/sh -c "…"` to it; the exec form would change that argv.
Nor for a `CMD` or `ENTRYPOINT` with a `--flag` before the command
(`CMD --port 80`): BuildKit rejects it ("unknown flag"), and the text after the
flag is not the whole command.

## References
- hadolint: DL3025
- BuildKit's counterpart: DW107 (JSONArgsRecommended)
"""
from __future__ import annotations

import json
import re

from dockwise.syntax.model import Dockerfile, Instruction, Span

from ._api import Edit, Finding, Fix, Severity, rule

_UNSAFE = set("$`\\|&;<>()*?[]{}~#!\n\r")
_BUILTINS = frozenset({
    "cd", "source", ".", "export", "set", "unset", "if", "then", "else", "fi", "for", "while",
    "until", "case", "do", "done", "eval", "ulimit", "umask", "trap", "alias", "read", "shift",
    "exit", "return", "local", "declare", "typeset", "readonly", "function", "select", "time",
    "wait", "command", "builtin", "hash", "type", "getopts", "jobs", "fg", "bg", ":", "{", "}",
})


def split_simple(text: str) -> list[str] | None:
    """Split like ``sh -c`` would, for plain words and simple quotes only;
    None when anything else (expansions, operators, escapes, …) appears."""
    words: list[str] = []
    cur: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            if in_word:
                words.append("".join(cur))
                cur, in_word = [], False
            i += 1
            continue
        if c == "'":
            j = text.find("'", i + 1)
            if j < 0:
                return None
            cur.append(text[i + 1:j])
            in_word, i = True, j + 1
            continue
        if c == '"':
            j = text.find('"', i + 1)
            if j < 0:
                return None
            body = text[i + 1:j]
            if any(ch in body for ch in "$`\\"):
                return None
            cur.append(body)
            in_word, i = True, j + 1
            continue
        if c in _UNSAFE:
            return None
        if c == "=" and not words:  # FOO=bar cmd: an assignment
            return None
        cur.append(c)
        in_word = True
        i += 1
    if in_word:
        words.append("".join(cur))
    if words and words[0] == "exec":
        words = words[1:]
        if words and words[0].startswith("-"):
            return None
    if not words or words[0] in _BUILTINS or not words[0]:
        return None
    return words


def _command_part(ins: Instruction) -> tuple[int, int] | None:
    """Offsets of the shell-form command in ``ins.text``."""
    text = ins.text.rstrip()
    if ins.keyword == "HEALTHCHECK":
        m = re.match(r"(?i)CMD\s+", text)
        if m is None:
            return None
        return (m.end(), len(text)) if m.end() < len(text) else None
    return (0, len(text)) if text else None


def _windows(df: Dockerfile, ins: Instruction) -> bool:
    """The stage runs cmd or PowerShell: a Windows base image, or a SHELL
    naming one in this stage (before ``ins``) or a stage it is built FROM."""
    from dockwise.syntax.shell import is_windows_shell

    stage = df.stage_of(ins)
    if stage is None:
        return False
    for st in df.stage_chain(stage):
        if st.windows:
            return True
        shells = [
            df.instructions[i]
            for i in st.instructions
            if df.instructions[i].keyword == "SHELL" and df.instructions[i].json
            and (st is not stage or i < ins.index)
        ]
        if shells:
            return is_windows_shell([a.value for a in shells[-1].args])
        base = (st.base.resolved if st.base else "").lower()
        if st.parent is None:
            return any(w in base for w in ("windows", "nanoserver", "servercore", "ltsc"))
    return False


def _exec_entrypoint(df: Dockerfile, ins: Instruction) -> bool:
    """The ENTRYPOINT the stage's image ends up with (this stage's last, else
    the nearest stage it is built FROM) is in exec form."""
    stage = df.stage_of(ins)
    for st in df.stage_chain(stage) if stage is not None else []:
        eps = [i for i in df.stage_instructions(st) if i.keyword == "ENTRYPOINT"]
        if eps:
            return eps[-1].json
    return False


def _fix(df: Dockerfile, ins: Instruction, start: int, end: int, span: Span) -> Fix | None:
    if _windows(df, ins):
        return None
    if ins.keyword != "HEALTHCHECK" and ins.flags:
        return None  # `CMD --port 80`: not a command BuildKit accepts
    if ins.keyword == "CMD" and _exec_entrypoint(df, ins):
        return None  # the CMD is the ENTRYPOINT's arguments: exec form would change them
    words = split_simple(ins.text[start:end])
    if words is None:
        return None
    # comment lines inside the continuation would be deleted with the span
    for ln in range(span.start.line + 1, span.end.line):
        if df.lines[ln].lstrip().startswith("#"):
            return None
    new = "[" + ", ".join(json.dumps(w, ensure_ascii=False) for w in words) + "]"
    return Fix.unsafe("Use the exec (JSON) form", Edit(span, new))


# hadolint's text (tests/hadolint_spec/test_messages.py compares)
MESSAGE = (
    "Use arguments JSON notation for CMD and ENTRYPOINT arguments"
)


@rule(
    code="DL3025",
    name="json-args-recommended",
    summary="Use JSON (exec) form for CMD, ENTRYPOINT and HEALTHCHECK CMD",
    severity=Severity.WARNING,
    tags=("cmd", "entrypoint", "signals"),
    fixable=True,
    each="stage",  # the fix reads the stage chain's last ENTRYPOINT, which may come later
    keywords=("CMD", "ENTRYPOINT", "HEALTHCHECK"),
)
def json_args(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    if ins.keyword not in ("CMD", "ENTRYPOINT", "HEALTHCHECK") or ins.json:
        return out
    part = _command_part(ins)
    if part is None:
        return out
    start, end = part
    span = ins.text_map.span(start, end)
    what = "HEALTHCHECK CMD" if ins.keyword == "HEALTHCHECK" else ins.keyword
    out.append(
        Finding(
            span,
            f"{MESSAGE} ({what})",
            _fix(df, ins, start, end, span),
        )
    )
    return out

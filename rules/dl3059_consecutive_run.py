r"""## What it does
Flags a `RUN` that directly follows another `RUN` (only comments between them)
with the same flags, when each of the two runs a single simple command.

## Why it matters
Every `RUN` makes a layer. Files created in one layer and deleted in the next
still ship in the image, and each layer costs a cache entry, a pull round trip
and metadata. Chaining short commands into one `RUN` keeps the image small
and the layer count low ("Creating effective images": fewer, chained RUNs).

A `RUN` that already chains two or more commands is left alone, as hadolint
2.15.1 does (measured against the binary: `RUN a` then `RUN b; c` is not
flagged): the author has probably split the script on purpose, and splitting
a long script at a natural point can help the build cache.

## Example
```dockerfile
FROM debian:12
RUN apt-get update
RUN apt-get install -y curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && \
    apt-get install -y curl
```

## Fix
Merges the flagged `RUN` into the previous one: the previous `RUN` gets
` && \\` (the file's escape character) and a continuation line holding the
later `RUN`'s command, indented like the previous `RUN`'s continuation lines
(4 spaces when it has none). Comment lines between the two `RUN`s move above
the merged `RUN`; blank lines between them go. In a chain of three or more,
each pass merges one pair, so `dockwise fix` ends with a single `RUN`.

Safe, except that it is **unsafe** when the earlier `RUN` changes the state
the later command would run in, or can end the script early: it uses `cd`,
`pushd`/`popd`, `export`, `set`, `unset`, `source`/`.`, `umask`, `shopt`,
`ulimit`, `alias`, `trap`, `eval`, `exec`, `exit`, `return`, a bare variable
assignment, a command whose name is not literal or a function definition, or
it ends in a background `&` (then the two are joined with a plain
continuation, as `& &&` is not valid shell).

Not offered for exec-form or heredoc `RUN`s, differing flags, a non-POSIX
shell (`SHELL` for cmd/PowerShell), a script that does not parse, a script
holding a shell comment (it would swallow what follows), an earlier `RUN`
ending in `;`, `|`, `(` or a continuation, or a later `RUN` that is not one
plain command (`b || c` after `a &&` would change what runs when `a` fails).

## References
- hadolint: DL3059
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction, Pos, Span

from ._api import Edit, Finding, Fix, Severity, rule
from ._runfix import STATEFUL, end_of_text, indent_of_last_line


def _literal(name: str) -> bool:
    # ShellCheck (hadolint's parser) does not count `[ … ]` / `[[ … ]]` tests as commands
    return bool(name) and name not in ("[", "[[") and "$" not in name and "`" not in name


def _count(ins: Instruction) -> int:
    """Simple commands as hadolint counts them: commands whose name is
    literal (``${X}/tool`` is not counted, nor a bare assignment).

    For parity hadolint's way is kept where it is odd: exec-form arguments are
    joined with spaces and read as shell, and cmd/PowerShell text is read as
    POSIX shell too (dockwise's model does neither; this parse is local)."""
    v = run_view(ins)
    if v.dialect == "bash":  # hadolint: a script that does not parse has no commands
        return sum(1 for c in v.simple if _literal(c.simple.name)) if v.ok else 0
    if ins.shell is None:
        return 0
    from dockwise.syntax.shell import line_map, parse_shell

    text = " ".join(a.value for a in ins.args) if ins.json else ins.text
    sh = parse_shell(text, line_map(text, ins.start_line))
    return sum(1 for c in sh.commands if _literal(c.name)) if sh.ok else 0


def _flags(ins: Instruction) -> list[str]:
    return sorted(f.raw for f in ins.flags)


# a shell comment runs to the end of the joined text and would swallow what follows
_COMMENT = lazyre.compile(r"(?:^|[\s;&|()])#")
_FUNCTION = lazyre.compile(r"\(\s*\)|(?:^|[\s;&|({])function\s")
_BAD_END = ";&|(`\\"


def _mergeable(ins: Instruction) -> bool:
    if ins.json or ins.heredocs or ins.trigger is not None or not ins.text.strip() or _COMMENT.search(ins.text):
        return False
    v = run_view(ins)
    return v.dialect == "bash" and v.ok and bool(v.commands)


def _fix(df: Dockerfile, prev: Instruction, ins: Instruction) -> Fix | None:
    """Merge ``ins`` into ``prev`` (see the module docs); None when unprovable."""
    if not (_mergeable(prev) and _mergeable(ins)) or _flags(prev) != _flags(ins):
        return None
    esc = df.escape
    ptext, ltext = prev.text.rstrip(), ins.text.rstrip()
    if ltext[-1] in _BAD_END or ltext[-1] == esc or _FUNCTION.search(ltext):
        return None
    # the later RUN must be one plain command: it becomes the right side of `&&`
    top = [c for c in run_view(ins).simple if not c.subshell]
    if len(top) != 1 or top[0].background or top[0].negated:
        return None
    pcs = [c.simple for c in run_view(prev).simple]
    last = max((c for c in pcs if not c.subshell), key=lambda c: c.span.end, default=None)
    if last is None:
        return None
    background = last.background and ptext.endswith("&") and not ptext.endswith("&&")
    if not background and (ptext[-1] in _BAD_END or ptext[-1] == esc):
        return None
    unsafe = background or bool(_FUNCTION.search(ptext)) or any(
        c.name in STATEFUL or (not c.name and c.assignments) or "$" in c.name or "`" in c.name
        or (c.background and c is not last)
        for c in pcs
    )
    # only comment and blank lines may sit between the two
    moved = []
    for line in range(prev.end_line + 1, ins.start_line):
        body = df.lines[line].strip()
        if body.startswith("#"):
            moved.append(df.lines[line])
        elif body:
            return None
    start, end = ins.text_map.pos(0), end_of_text(ins)
    if start.line != ins.start_line or end.line < start.line:
        return None
    if start.line == end.line:
        command = df.lines[start.line][start.col : end.col]
    else:
        command = "\n".join(
            [df.lines[start.line][start.col :], *df.lines[start.line + 1 : end.line], df.lines[end.line][: end.col]]
        )
    joiner = f" {esc}\n" if background else f" && {esc}\n"
    at = end_of_text(prev)
    edits = [Edit(Span(at, end), joiner + indent_of_last_line(df, prev) + command)]
    if moved:
        edits.append(Edit(Span(Pos(prev.start_line, 0), Pos(prev.start_line, 0)), "".join(m + "\n" for m in moved)))
    title = "Chain with the previous RUN"
    return Fix.unsafe(title, *edits) if unsafe else Fix.safe(title, *edits)


@rule(
    code="DL3059",
    name="consecutive-run",
    summary="Multiple consecutive RUN instructions; consider consolidation",
    severity=Severity.INFO,
    tags=("layers", "size"),
    fixable=True,
    each="stage",
    keywords=("RUN",),
)
def consecutive_run(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.keyword != "RUN" or ins.index == 0:
        return []
    prev = df.instructions[ins.index - 1]  # the RUN right before, in the same stage
    if (
        prev.keyword == "RUN"
        and prev.stage == ins.stage
        and _flags(prev) == _flags(ins)
        and _count(prev) <= 1
        and _count(ins) <= 1
    ):
        return [
            Finding(
                ins.keyword_span,
                "Multiple consecutive `RUN` instructions. Consider consolidation.",
                fix=_fix(df, prev, ins),
                related=((prev.keyword_span, "previous RUN"),),
            )
        ]
    return []

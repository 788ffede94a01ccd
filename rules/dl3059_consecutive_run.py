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

## References
- hadolint: DL3059
"""
from __future__ import annotations

from dockwise.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule


def _literal_commands(script) -> int:
    if not script.ok:  # hadolint: a script that does not parse has no commands
        return 0
    # ShellCheck (hadolint's parser) does not count `[ … ]` / `[[ … ]]` tests as commands
    return sum(
        1 for c in script.commands if c.name and c.name not in ("[", "[[") and "$" not in c.name and "`" not in c.name
    )


def _count(ins: Instruction) -> int:
    """Simple commands as hadolint counts them: commands whose name is
    literal (``${X}/tool`` is not counted, nor a bare assignment).

    For parity hadolint's way is kept where it is odd: exec-form arguments are
    joined with spaces and read as shell, and cmd/PowerShell text is read as
    POSIX shell too (dockwise's model does neither; this parse is local)."""
    sh = ins.shell
    if sh is None:
        return 0
    if sh.dialect == "bash":
        return _literal_commands(sh)
    from dockwise.shell import line_map, parse_shell

    text = " ".join(a.value for a in ins.args) if ins.json else ins.text
    return _literal_commands(parse_shell(text, line_map(text, ins.start_line)))


def _flags(ins: Instruction) -> list[str]:
    return sorted(f.raw for f in ins.flags)


@rule(
    code="DL3059",
    name="consecutive-run",
    summary="Multiple consecutive RUN instructions; consider consolidation",
    severity=Severity.INFO,
    tags=("layers", "size"),
)
def consecutive_run(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    prev: Instruction | None = None
    for ins in df.instructions:
        if ins.keyword != "RUN":
            prev = None
            continue
        if (
            prev is not None
            and prev.stage == ins.stage
            and _flags(prev) == _flags(ins)
            and _count(prev) <= 1
            and _count(ins) <= 1
        ):
            out.append(
                Finding(
                    ins.keyword_span,
                    "Multiple consecutive `RUN` instructions. Consider consolidation.",
                    related=((prev.keyword_span, "previous RUN"),),
                )
            )
        prev = ins
    return out

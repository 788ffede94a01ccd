r"""## What it does
Flags a blank line inside a continued instruction (`RUN a && \` then an empty
line then more text).

## Why it matters
BuildKit skips the blank line and warns; older builders ended the instruction
there. A blank line in the middle of a command is almost always an accident
that hides where the instruction really ends.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && \

    apt-get install -y curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && \
    apt-get install -y curl
```

## References
- BuildKit build check: NoEmptyContinuation
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule


@rule(
    code="DW100",
    name="empty-continuation",
    summary="Empty continuation line",
    severity=Severity.WARNING,
    tags=("syntax", "buildkit"),
    aliases=("NoEmptyContinuation",),
)
def empty_continuation(df: Dockerfile, ctx) -> list[Finding]:
    return [Finding(e.span, e.message) for e in df.errors if e.severity == "warning"]

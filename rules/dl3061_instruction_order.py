r"""## What it does
Flags every instruction before the first `FROM` other than `ARG` (comments
and parser directives are fine).

## Why it matters
A Dockerfile must start with `FROM` (after optional global `ARG`s); BuildKit
stops at the first instruction that has no stage to run in. dockwise also
reports that once as a syntax error (DW000) and lints the rest of the file.

## Example
```dockerfile
RUN apt-get update
FROM debian:12
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update
```

## References
- hadolint: DL3061
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from ._helpers import head_span

MESSAGE = "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment."


@rule(
    code="DL3061",
    name="instruction-order",
    summary="Dockerfile must begin with FROM, ARG or a comment",
    severity=Severity.ERROR,
    tags=("syntax",),
)
def instruction_order(df: Dockerfile, ctx) -> list[Finding]:
    return [Finding(head_span(df, ins), MESSAGE)
            for ins in df.instructions if ins.stage < 0 and ins.keyword != "ARG" and ins.known]

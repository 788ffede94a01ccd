r"""## What it does
Flags a `RUN` that directly follows another `RUN` (only comments between them)
with the same flags, when both are short (at most two simple commands each).

## Why it matters
Every `RUN` makes a layer. Files created in one layer and deleted in the next
still ship in the image, and each layer costs a cache entry, a pull round trip
and metadata. Chaining short commands into one `RUN` keeps the image small
and the layer count low ("Creating effective images": fewer, chained RUNs).

Long RUNs are left alone on purpose (hadolint's choice): splitting a very
long script at a natural point can help the build cache.

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


def _count(ins: Instruction) -> int:
    if ins.json:
        return 1
    if ins.shell is None:
        return 0
    return len(ins.shell.commands)


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
            and _count(prev) <= 2
            and _count(ins) <= 2
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

r"""## What it does
Flags `COPY --from=<stage or image> / /`: the whole file system of another
stage copied over the current one.

## Why it matters
Copying `/` brings everything along (package databases, caches, `/proc`
mount points, the other stage's users) and makes the final image as large
as the builder, which is what multi-stage builds are meant to avoid. Copy
the directories the application needs.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=build / /
```

## Use instead
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=build /out/app /app
```

## References
- hadolint: DL3067
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import copy_paths, drop_quotes, head_span


@rule(
    code="DL3067",
    name="copy-whole-filesystem",
    summary="Do not copy an entire filesystem from another stage",
    severity=Severity.WARNING,
    tags=("copy", "size", "multi-stage"),
    each="instruction",
    keywords=("COPY",),
)
def copy_whole_filesystem(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.trigger is not None or ins.flag("from") is None:
        return []
    sources, dest = copy_paths(ins)
    if dest is None or drop_quotes(dest.value) != "/" or not any(drop_quotes(s.value) == "/" for s in sources):
        return []
    return [Finding(head_span(df, ins), "Do not copy an entire filesystem from another stage")]

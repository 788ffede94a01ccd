r"""## What it does
Flags a `COPY` with two or more sources whose destination does not end with
`/`.

## Why it matters
With several sources the destination must be a directory, and BuildKit
requires it to end with `/`; the build fails otherwise.

## Example
```dockerfile
FROM node:22
COPY package.json package-lock.json /app
```

## Use instead
```dockerfile
FROM node:22
COPY package.json package-lock.json /app/
```

## References
- hadolint: DL3021
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import copy_paths, drop_quotes

MESSAGE = "COPY with more than 2 arguments requires the last argument to end with /"


@rule(
    code="DL3021",
    name="copy-dir-destination",
    summary="COPY with more than 2 arguments requires the last argument to end with /",
    severity=Severity.ERROR,
    tags=("copy",),
    each="instruction",
    keywords=("COPY",),
)
def copy_dir_destination(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.trigger is not None:
        return []
    sources, dest = copy_paths(ins)
    if dest is None or len(sources) < 2 or drop_quotes(dest.value).endswith("/"):
        return []
    return [Finding(dest.span, MESSAGE)]

r"""## What it does
BuildKit's **UndefinedArgInFrom** check: flags a variable in a `FROM` image
name or `--platform` that is neither a global `ARG` (declared before the first
`FROM`, with or without a default) nor one of BuildKit's predefined ones
(`BUILDPLATFORM`, `TARGETARCH`, …). It suggests a close declared name
(`$BULIDPLATFORM` → `BUILDPLATFORM`).

## Why it matters
An undeclared variable expands to nothing: `FROM node:22${VARIANT}` silently
builds on `node:22`, and a misspelt `$BUILDPLATFORM` gives an empty platform
and a failed build.

## Example
```dockerfile
FROM node:22${VARIANT} AS jsbuilder
RUN node --version
```

## Use instead
```dockerfile
ARG VARIANT="-alpine3.20"
FROM node:22${VARIANT} AS jsbuilder
RUN node --version
```

## Scope
Every stage's `FROM`. Build arguments (`dockwise lint --build-arg`, the
`build.args` setting) do not declare anything: like BuildKit, only `ARG` lines
do.

## References
- BuildKit build check: UndefinedArgInFrom (https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW109",
    name="undefined-arg-in-from",
    summary="FROM uses an ARG that is not declared",
    severity=Severity.WARNING,
    tags=('buildkit', 'args'),
    aliases=("UndefinedArgInFrom",),
    each="group",
    context=stage_context,
)
def undefined_arg_in_from(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "UndefinedArgInFrom")

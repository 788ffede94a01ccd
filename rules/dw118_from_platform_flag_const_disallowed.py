r"""## What it does
BuildKit's **FromPlatformFlagConstDisallowed** check: flags `FROM
--platform=linux/amd64 …` (a value without variables that parses as a
platform) unless the stage's name contains the platform's OS or architecture
(`AS build-amd64`, `AS linux`).

## Why it matters
A constant platform pins the stage to one architecture: the Dockerfile can no
longer build multi-platform images, and on another machine it runs under
emulation. Use `--platform=$BUILDPLATFORM` for cross-compiling stages, or
name platform-specific stages after their platform.

## Example
```dockerfile
FROM --platform=linux/amd64 alpine:3.20 AS base
RUN apk add --no-cache git
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM alpine:3.20 AS base
RUN apk add --no-cache git
```

## Differences from hadolint
hadolint's DL3029 ("Do not use --platform flag with FROM") flags every
`--platform` that is not `$BUILDPLATFORM`-like, variables and stage names
notwithstanding; this rule follows BuildKit. Both are kept; where both report
the same `FROM` this rule stays silent there.

## Scope
Every stage's `FROM`.

## References
- BuildKit build check: FromPlatformFlagConstDisallowed (https://docs.docker.com/go/dockerfile/rule/from-platform-flag-const-disallowed/)
- hadolint: DL3029
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW118",
    name="from-platform-flag-const-disallowed",
    summary="FROM --platform should not use a constant value",
    severity=Severity.WARNING,
    tags=('buildkit', 'platform'),
    aliases=("FromPlatformFlagConstDisallowed",),
    defers_to=("DL3029",),
    each="group",
    context=stage_context,
)
def from_platform_flag_const_disallowed(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "FromPlatformFlagConstDisallowed")

r"""## What it does
BuildKit's **ReservedStageName** check: flags a stage named `scratch` or
`context` (`FROM scratch` without a name is fine).

## Why it matters
`scratch` is the empty image and `context` the build context in
`--from=`/named contexts; a stage of that name makes `COPY --from=context`
or `FROM scratch` mean something else than a reader expects.

## Example
```dockerfile
FROM alpine:3.20 AS scratch
RUN true
```

## Use instead
```dockerfile
FROM alpine:3.20 AS builder
RUN true
```

## Differences from hadolint
hadolint 2.15's DL3063 reports the same stage names (dockwise's DL3063
lower-cases them as BuildKit does); both are kept, each faithful to its
origin. When DL3063 is selected and reports the same `FROM`, this rule stays
silent there (one report).

## Scope
Every stage.

## References
- hadolint: DL3063
- BuildKit build check: ReservedStageName (https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW106",
    name="buildkit-reserved-stage-name",
    summary="Reserved words should not be used as stage names",
    severity=Severity.WARNING,
    tags=('buildkit', 'stages'),
    defers_to=("DL3063",),
    aliases=("ReservedStageName",),
    each="group",
    context=stage_context,
)
def reserved_stage_name(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "ReservedStageName")

r"""## What it does
BuildKit's **DuplicateStageName** check: flags a stage whose name (lower-cased)
an earlier stage already has. The warning is on the later one.

## Why it matters
`--from=name`, `FROM name` and `--target name` then pick one of the stages
by position rules that are easy to get wrong; current BuildKit refuses some
of these builds outright.

## Example
```dockerfile
FROM debian:12 AS builder
RUN true

FROM golang:1.22 AS builder
RUN go version
```

## Use instead
```dockerfile
FROM debian:12 AS deb-builder
RUN true

FROM golang:1.22 AS go-builder
RUN go version
```

## Differences from hadolint
hadolint's DL3024 ("FROM aliases must be unique") reports the same situation;
both are kept, each faithful to its origin. When DL3024 is selected too and
reports the same `FROM`, this rule stays silent there (one report).

## Scope
Every stage.

## References
- BuildKit build check: DuplicateStageName (https://docs.docker.com/go/dockerfile/rule/duplicate-stage-name/)
- hadolint: DL3024
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW105",
    name="buildkit-duplicate-stage-name",
    summary="Stage names should be unique",
    severity=Severity.WARNING,
    tags=('buildkit', 'stages'),
    aliases=("DuplicateStageName",),
    defers_to=("DL3024",),
    each="group",
    context=stage_context,
)
def duplicate_stage_name(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "DuplicateStageName")

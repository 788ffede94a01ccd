r"""## What it does
BuildKit's **RedundantTargetPlatform** check: flags `FROM --platform=$TARGETPLATFORM`
(or `${TARGETPLATFORM}`): the only variable, nothing else, and it expands to
the target platform.

## Why it matters
Building for the target platform is what `FROM` does without the flag; the
flag only adds noise (and hides the `--platform=$BUILDPLATFORM` that
cross-compiling stages really need).

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20 AS builder
RUN apk add --no-cache git
```

## Use instead
```dockerfile
FROM alpine:3.20 AS builder
RUN apk add --no-cache git
```

## Fix
Removes the `--platform=…` flag (safe).

## Differences from hadolint
hadolint 2.15's DL3065 flags the same `--platform=$TARGETPLATFORM`; BuildKit
also requires that nothing else is expanded and that the value equals the
target platform. Both are kept; where DL3065 reports the same `FROM` this rule
stays silent there (one report).

## Scope
Every stage's `FROM`.

## References
- hadolint: DL3065
- BuildKit build check: RedundantTargetPlatform (https://docs.docker.com/go/dockerfile/rule/redundant-target-platform/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Edit, Fix, Severity, rule
from ._buildkit import Report, group_findings, stage_context
from ._helpers import flag_removal


def _fix(df: Dockerfile, r: Report) -> Fix | None:
    flag = df.instructions[r.instruction].flag("platform")
    span = None if flag is None else flag_removal(df, flag)
    return None if span is None else Fix.safe("Remove --platform=$TARGETPLATFORM", Edit(span, ""))


@rule(
    code="DW115",
    name="buildkit-redundant-target-platform",
    summary="FROM --platform=$TARGETPLATFORM is the default",
    severity=Severity.WARNING,
    tags=('buildkit', 'platform'),
    defers_to=("DL3065",),
    aliases=("RedundantTargetPlatform",),
    fixable=True,
    each="group",
    context=stage_context,
)
def redundant_target_platform(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "RedundantTargetPlatform", _fix)

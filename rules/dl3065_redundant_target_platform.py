r"""## What it does
Flags `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`).

## Why it matters
A stage is built for the target platform anyway; the flag adds nothing and
suggests that it does.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
```

## BuildKit's check
BuildKit's **RedundantTargetPlatform** is DW115 in dockwise, faithful to BuildKit: BuildKit also requires that nothing but `TARGETPLATFORM` is expanded and that the result is the target platform; DW115 stays silent where this rule reports the same `FROM`.

## References
- hadolint: DL3065
- BuildKit: RedundantTargetPlatform (dockwise DW115)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule

MESSAGE = "Setting `FROM --platform` to predefined `$TARGETPLATFORM` in is redundant as this is the default behavior"


@rule(
    code="DL3065",
    name="redundant-target-platform",
    summary="FROM --platform=$TARGETPLATFORM is redundant",
    severity=Severity.WARNING,
    tags=("base-image", "platform"),
    each="instruction",
    keywords=("FROM",),
)
def redundant_target_platform(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    f = ins.flag("platform")
    if ins.trigger is not None or f is None or f.value not in ("$TARGETPLATFORM", "${TARGETPLATFORM}"):
        return []
    return [Finding(f.span, MESSAGE)]

r"""## What it does
Flags `FROM --platform=…` with a fixed platform (`linux/amd64`); a value
that uses `BUILDPLATFORM` or `TARGETPLATFORM` is fine.

## Why it matters
A fixed platform makes the image build (and run under emulation) for that
platform whatever the builder is asked for, which breaks multi-platform
builds and is slow on other hosts.

## Example
```dockerfile
FROM --platform=linux/amd64 debian:12
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.23 AS build
```

## BuildKit's check
BuildKit's **FromPlatformFlagConstDisallowed** is DW118 in dockwise, faithful to BuildKit: BuildKit flags only a constant `--platform` (no variables) that the stage name does not mention (`AS build-amd64` is fine); this rule flags every `--platform` that is not `$BUILDPLATFORM`-like. DW118 stays silent where this rule reports the same `FROM`.

## References
- hadolint: DL3029
- BuildKit: FromPlatformFlagConstDisallowed (dockwise DW118)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule


@rule(
    code="DL3029",
    name="from-platform-flag",
    summary="Do not use --platform flag with FROM",
    severity=Severity.WARNING,
    tags=("base-image", "platform"),
    each="instruction",
    keywords=("FROM",),
)
def from_platform(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    f = ins.flag("platform")
    if ins.trigger is not None or f is None:
        return []
    value = f.value or ""
    if "BUILDPLATFORM" in value or "TARGETPLATFORM" in value:
        return []
    return [Finding(f.span, "Do not use --platform flag with FROM")]

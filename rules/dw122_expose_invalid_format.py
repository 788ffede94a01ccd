r"""## What it does
BuildKit's **ExposeInvalidFormat** check: flags an `EXPOSE` entry with an IP
address or a host port (`127.0.0.1:80:80`, `8080:80`).

## Why it matters
`EXPOSE` documents the ports the container listens on; publishing them on the
host is `docker run -p`'s job. BuildKit ignores the host part today and will
refuse it in a future release.

## Example
```dockerfile
FROM alpine:3.20
EXPOSE 127.0.0.1:80:80
```

## Use instead
```dockerfile
FROM alpine:3.20
EXPOSE 80
```

## Scope
Every stage `docker build --check` checks.

## References
- BuildKit build check: ExposeInvalidFormat (https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW122",
    name="expose-invalid-format",
    summary="IP address or host-port mapping in EXPOSE",
    severity=Severity.WARNING,
    tags=('buildkit', 'ports'),
    aliases=("ExposeInvalidFormat",),
    each="group",
    context=stage_context,
)
def expose_invalid_format(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "ExposeInvalidFormat")

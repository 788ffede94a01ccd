r"""## What it does
BuildKit's **ExposeProtoCasing** check: flags an `EXPOSE` entry whose protocol
is not lower case (`80/TCP`, `53/Udp`).

## Why it matters
Protocols are lower case everywhere else (`docker run -p 53:53/udp`, the image
configuration); mixed case is noise that tools may not normalise.

## Example
```dockerfile
FROM alpine:3.20
EXPOSE 80/TcP
```

## Use instead
```dockerfile
FROM alpine:3.20
EXPOSE 80/tcp
```

## Fix
Lower-cases the protocol (safe) when the entry is written without variables.

## Scope
Every stage `docker build --check` checks.

## References
- BuildKit build check: ExposeProtoCasing (https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Edit, Fix, Severity, rule
from ._buildkit import Report, group_findings, stage_context


def _fix(df: Dockerfile, r: Report) -> Fix | None:
    ins = df.instructions[r.instruction]
    for a in ins.args:
        if a.span == r.span and "$" not in a.value and a.span.start.line == a.span.end.line:
            port, _, proto = a.value.partition("/")
            if proto and proto != proto.lower() and "/" not in proto:
                return Fix.safe("Write the protocol in lower case", Edit(a.span, port + "/" + proto.lower()))
    return None


@rule(
    code="DW121",
    name="expose-proto-casing",
    summary="Protocol in EXPOSE should be lowercase",
    severity=Severity.WARNING,
    tags=('buildkit', 'style'),
    aliases=("ExposeProtoCasing",),
    fixable=True,
    each="group",
    context=stage_context,
)
def expose_proto_casing(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "ExposeProtoCasing", _fix)

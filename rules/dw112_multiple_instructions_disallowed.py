r"""## What it does
BuildKit's **MultipleInstructionsDisallowed** check: flags a `CMD`,
`ENTRYPOINT` or `HEALTHCHECK` that a later one of the same kind in the same
stage overrides. The warning is on the earlier, ignored one. A stage built
`FROM` another may set its own.

## Why it matters
Only the last one counts; the earlier one is dead code that misleads whoever
reads the file.

## Example
```dockerfile
FROM alpine:3.20
ENTRYPOINT ["echo", "Hello, Norway!"]
ENTRYPOINT ["echo", "Hello, Sweden!"]
```

## Use instead
```dockerfile
FROM alpine:3.20
ENTRYPOINT ["echo", "Hello, Sweden!"]
```

## Differences from hadolint
hadolint's DL4003 (multiple `CMD`) and DL4004 (multiple `ENTRYPOINT`) report
the *later* instruction and know nothing of `HEALTHCHECK`; BuildKit reports the
earlier one. Both are kept, each faithful to its origin (they point at
different lines of the same pair).

## Scope
Every stage `docker build --check` checks.

## References
- BuildKit build check: MultipleInstructionsDisallowed (https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/)
- hadolint: DL4003, DL4004
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW112",
    name="multiple-instructions-disallowed",
    summary="Multiple CMD, ENTRYPOINT or HEALTHCHECK in one stage",
    severity=Severity.WARNING,
    tags=('buildkit', 'cmd', 'entrypoint'),
    aliases=("MultipleInstructionsDisallowed",),
    each="group",
    context=stage_context,
)
def multiple_instructions_disallowed(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "MultipleInstructionsDisallowed")

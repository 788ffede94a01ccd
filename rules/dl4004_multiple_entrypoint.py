r"""## What it does
Flags every `ENTRYPOINT` of a stage after the first.

## Why it matters
Only the last `ENTRYPOINT` takes effect; an earlier one is dead text.

## Example
```dockerfile
FROM python:3.12-slim
ENTRYPOINT ["python"]
ENTRYPOINT ["python", "app.py"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
ENTRYPOINT ["python", "app.py"]
```

## BuildKit's check
BuildKit's **MultipleInstructionsDisallowed** is DW112 in dockwise, faithful to BuildKit: BuildKit reports the earlier, ignored `ENTRYPOINT` (and also `CMD` and `HEALTHCHECK`); this rule reports the later one. Both are kept: they point at different lines of the same pair.

## References
- hadolint: DL4004
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Finding, Severity, rule
from ._helpers import repeated

MESSAGE = ("Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then "
           "only the last `ENTRYPOINT` will take effect")


@rule(
    code="DL4004",
    name="multiple-entrypoint",
    summary="Multiple ENTRYPOINT instructions found",
    severity=Severity.ERROR,
    tags=("entrypoint",),
    each="group",
)
def multiple_entrypoint(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    return [Finding(span, MESSAGE) for span in repeated(df, "ENTRYPOINT", st, whole=False)]

r"""## What it does
Flags every `HEALTHCHECK` of a stage after the first.

## Why it matters
Only the last `HEALTHCHECK` of an image takes effect; the earlier ones are
dead text that a reader may believe.

## Example
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
HEALTHCHECK CMD wget -q --spider http://localhost/ || exit 1
```

## Use instead
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
```

## References
- hadolint: DL3012
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Finding, Severity, rule
from ._helpers import repeated


@rule(
    code="DL3012",
    name="multiple-healthchecks",
    summary="Multiple HEALTHCHECK instructions",
    severity=Severity.ERROR,
    tags=("healthcheck",),
    each="group",
)
def multiple_healthchecks(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    return [Finding(span, "Multiple `HEALTHCHECK` instructions") for span in repeated(df, "HEALTHCHECK", st, whole=False)]

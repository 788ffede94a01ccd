r"""## What it does
Flags every `CMD` of a stage after the first.

## Why it matters
Only the last `CMD` takes effect; an earlier one is dead text that suggests
the container does something it does not.

## Example
```dockerfile
FROM python:3.12-slim
CMD ["python", "setup.py"]
CMD ["python", "app.py"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["python", "app.py"]
```

## BuildKit's check
BuildKit's **MultipleInstructionsDisallowed** is DW112 in dockwise, faithful to BuildKit: BuildKit reports the earlier, ignored `CMD` (and also `ENTRYPOINT` and `HEALTHCHECK`); this rule reports the later one. Both are kept: they point at different lines of the same pair.

## References
- hadolint: DL4003
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Finding, Severity, rule
from ._helpers import repeated

MESSAGE = ("Multiple `CMD` instructions found. If you list more than one `CMD` then only the last "
           "`CMD` will take effect")


@rule(
    code="DL4003",
    name="multiple-cmd",
    summary="Multiple CMD instructions found",
    severity=Severity.WARNING,
    tags=("cmd",),
    each="group",
)
def multiple_cmd(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    return [Finding(span, MESSAGE) for span in repeated(df, "CMD", st, whole=False)]

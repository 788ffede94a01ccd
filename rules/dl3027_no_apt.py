r"""## What it does
Flags a `RUN` (including an `ONBUILD RUN` trigger, exec form and heredoc
scripts) that runs `apt` instead of `apt-get` or `apt-cache`, also through
wrappers (`sudo apt …`) and inside `sh -c "…"` strings.

## Why it matters
`apt` is the interactive front end: its command-line interface is not
stable between releases, it prints "WARNING: apt does not have a stable
CLI interface" to scripts, and its progress output and prompts are meant
for a terminal. `apt-get` and `apt-cache` are the stable, scriptable tools.

## Example
```dockerfile
FROM ubuntu:24.04
RUN apt update && apt install -y curl
```

## Use instead
```dockerfile
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## References
- hadolint: DL3027
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule


@rule(
    code="DL3027",
    name="no-apt",
    summary="Do not use apt; use apt-get or apt-cache",
    severity=Severity.WARNING,
    tags=("apt",),
    each="instruction",
    keywords=("RUN",),
)
def no_apt(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    found = run_view(ins).named("apt")
    if not found:
        return []
    return [Finding(found[0].span,
                    "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead",
                    related=tuple((c.span, "another apt") for c in found[1:]))]

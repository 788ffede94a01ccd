r"""## What it does
Flags `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`.

## Why it matters
Docker refuses these triggers: `ONBUILD` cannot be chained, and `FROM` and
`MAINTAINER` cannot run as a trigger in a child build.

## Example
```dockerfile
FROM node:22
ONBUILD FROM node:22
```

## Use instead
```dockerfile
FROM node:22
ONBUILD COPY . /app/
```

## References
- hadolint: DL3043
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule

MESSAGE = "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction."


@rule(
    code="DL3043",
    name="onbuild-forbidden-trigger",
    summary="ONBUILD, FROM or MAINTAINER triggered from within ONBUILD",
    severity=Severity.ERROR,
    tags=("onbuild",),
    each="instruction",
    keywords=("ONBUILD", "FROM", "MAINTAINER"),
)
def onbuild_trigger(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    t = ins.trigger
    if t is None or t.keyword not in ("ONBUILD", "FROM", "MAINTAINER"):
        return []
    return [Finding(t.keyword_span, MESSAGE)]

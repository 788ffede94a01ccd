r"""## What it does
Flags `COPY --from=<name>` inside the stage that has that name (or index).

## Why it matters
A stage cannot copy from itself: its file system is not finished while it
runs. BuildKit fails with a circular dependency.

## Example
```dockerfile
FROM node:22 AS web
COPY --from=web /app/dist /srv
```

## Use instead
```dockerfile
FROM node:22 AS build
RUN npm run build
FROM nginx:1.27 AS web
COPY --from=build /app/dist /srv
```

## Differences from hadolint
The stage's own index (`--from=0` in the first stage) is flagged too, and
names compare case-insensitively as in BuildKit.

## References
- hadolint: DL3023
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import drop_quotes


@rule(
    code="DL3023",
    name="copy-from-itself",
    summary="COPY --from cannot reference its own FROM alias",
    severity=Severity.ERROR,
    tags=("copy", "multi-stage"),
    each="instruction",
    keywords=("COPY",),
)
def copy_from_itself(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    f = ins.flag("from")
    st = df.stage_of(ins)
    if ins.trigger is not None or f is None or st is None:
        return []
    src = drop_quotes(f.value or "").lower()
    if src != st.name and src != str(st.index):
        return []
    return [Finding(f.value_span or f.span, "`COPY --from` cannot reference its own `FROM` alias")]

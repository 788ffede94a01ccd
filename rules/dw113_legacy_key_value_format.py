r"""## What it does
BuildKit's **LegacyKeyValueFormat** check: flags `ENV key value` and
`LABEL key value` (a blank instead of `=` between key and value). `ARG` has no
such form: `ARG foo bar` declares two ARGs and is not flagged (BuildKit's own
documentation shows it as an example, but its code does not warn).

## Why it matters
The legacy form takes the whole rest of the line as one value and cannot set
several variables; it is deprecated and easy to misread.

## Example
```dockerfile
FROM alpine:3.20
ENV NODE_ENV production
```

## Use instead
```dockerfile
FROM alpine:3.20
ENV NODE_ENV=production
```

## Scope
Every stage `docker build --check` checks.

## References
- BuildKit build check: LegacyKeyValueFormat (https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW113",
    name="legacy-key-value-format",
    summary="ENV/LABEL in the legacy 'key value' form",
    severity=Severity.WARNING,
    tags=('buildkit', 'style'),
    aliases=("LegacyKeyValueFormat",),
    each="group",
    context=stage_context,
)
def legacy_key_value_format(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "LegacyKeyValueFormat")

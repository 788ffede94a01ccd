r"""## What it does
BuildKit's **FromAsCasing** check: flags `FROM x as name` (upper-case `FROM`,
lower-case `as`) and `from x AS name`. A `FROM` keyword of mixed case is left
to ConsistentInstructionCasing (DW104), as in BuildKit.

## Why it matters
Keywords in one case read as keywords; `as` next to `FROM` looks like part of
the image name.

## Example
```dockerfile
FROM debian:12 as builder
RUN true
```

## Use instead
```dockerfile
FROM debian:12 AS builder
RUN true
```

## Fix
Writes `AS` in the case of `FROM` (safe).

## Scope
Every stage, built or not. The warning is on the `AS` keyword.

## References
- BuildKit build check: FromAsCasing (https://docs.docker.com/go/dockerfile/rule/from-as-casing/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Edit, Fix, Severity, rule
from ._buildkit import Report, group_findings, stage_context


def _fix(df: Dockerfile, r: Report) -> Fix | None:
    ins = df.instructions[r.instruction]
    if len(ins.args) != 3 or ins.args[1].span != r.span:
        return None
    kw = ins.raw_keyword
    new = "as" if kw == kw.lower() else "AS"
    return Fix.safe(f"Write '{new}' like '{kw}'", Edit(r.span, new))


@rule(
    code="DW103",
    name="from-as-casing",
    summary="The 'as' keyword should match the case of the 'from' keyword",
    severity=Severity.WARNING,
    tags=('buildkit', 'style'),
    aliases=("FromAsCasing",),
    fixable=True,
    each="group",
    context=stage_context,
)
def from_as_casing(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "FromAsCasing", _fix)

r"""## What it does
Flags a `FROM … AS <name>` whose name an earlier stage already has (stage
names are case-insensitive).

## Why it matters
`COPY --from` and `FROM <name>` can only mean one stage; BuildKit refuses a
file with two stages of the same name.

## Example
```dockerfile
FROM node:22 AS build
FROM golang:1.23 AS build
```

## Use instead
```dockerfile
FROM node:22 AS web
FROM golang:1.23 AS api
```

## Differences from hadolint
hadolint compares names as written, so `AS Build` and `AS build` pass;
BuildKit (and dockwise) treat them as the same name.

## BuildKit's check
BuildKit's **DuplicateStageName** is DW105 in dockwise, faithful to BuildKit: both report the later of two stages with the same name; DW105 stays silent where this rule reports the same `FROM`.

## References
- hadolint: DL3024
- BuildKit: DuplicateStageName (dockwise DW105)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule


@rule(
    code="DL3024",
    name="duplicate-stage-name",
    summary="FROM aliases (stage names) must be unique",
    severity=Severity.ERROR,
    tags=("stage", "multi-stage"),
)
def duplicate_stage_name(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    seen: set[str] = set()
    for st in df.stages:
        if st.name is None or st.name_span is None:
            continue
        if st.name in seen:
            out.append(Finding(st.name_span, "FROM aliases (stage names) must be unique"))
        seen.add(st.name)
    return out

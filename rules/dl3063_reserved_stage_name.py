r"""## What it does
Flags a stage named `scratch` or `context` (stage names are case-insensitive).

## Why it matters
`scratch` is the empty image and `context` names the build context in
`COPY --from` and `RUN --mount from=`; a stage with such a name is
ambiguous, and BuildKit refuses it.

## Example
```dockerfile
FROM alpine:3.20 AS scratch
```

## Use instead
```dockerfile
FROM alpine:3.20 AS base
```

## Differences from hadolint
hadolint compares the name case-sensitively, so `AS Scratch` escapes it;
BuildKit lower-cases stage names, and so does dockwise.

## BuildKit's check
BuildKit's **ReservedStageName** is DW106 in dockwise, faithful to BuildKit: the same names are flagged; DW106 stays silent where this rule reports the same `FROM`.

## References
- hadolint: DL3063
- BuildKit: ReservedStageName (dockwise DW106)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule


@rule(
    code="DL3063",
    name="reserved-stage-name",
    summary="Stage name should not be a reserved word",
    severity=Severity.WARNING,
    tags=("stage",),
)
def reserved_stage_name(df: Dockerfile, ctx) -> list[Finding]:
    return [Finding(st.name_span, "stage name should not be a reserved word")
            for st in df.stages if st.name in ("scratch", "context") and st.name_span is not None]

r"""## What it does
Flags every inline ignore pragma: `# hadolint ignore=DL3008` and
`# dockwise: ignore=…` (the forms that hide findings on the next
instruction). File-wide (`global`) and stage pragmas are not flagged. Off by
default, as in hadolint: for teams whose policy is that exceptions live in
the configuration file, where they are reviewed.

## Why it matters
An inline pragma silences a rule where nobody reviewing the configuration
sees it; a team that wants every exception in one place can turn this on
(`--extend-select DL1001`, or `override: warning: [DL1001]` in
`.hadolint.yaml`).

## Example
```dockerfile
FROM debian:12
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## Differences from hadolint
dockwise's own `# dockwise: ignore=` is flagged as well, and so is a
hadolint pragma that hadolint would not understand but dockwise applies
(lower-case codes, a rule name).

## References
- hadolint: DL1001 (severity `ignore`: off by default)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule

MESSAGE = "Please refrain from using inline ignore pragmas  `# hadolint ignore=DLxxxx`."


@rule(
    code="DL1001",
    name="inline-ignore-pragma",
    summary="Please refrain from using inline ignore pragmas",
    severity=Severity.INFO,
    tags=("pragma",),
    default_enabled=False,
)
def inline_ignore_pragma(df: Dockerfile, ctx) -> list[Finding]:
    if not df.comments:
        return []
    from ._pragmas import analyse  # the pragma parser (the engine and DW101 use it too)

    return [Finding(p.span, MESSAGE) for p in analyse(df).pragmas
            if p.kind == "ignore" and p.tool in ("hadolint", "dockwise")]

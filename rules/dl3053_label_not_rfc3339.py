r"""## What it does
Flags a `LABEL` whose label the schema types as `rfc3339` and whose value is not an RFC 3339
time stamp (`2024-05-01T12:00:00Z`, `…+02:00`, fractions of a second allowed).

## Options
```toml
[options.DL3053]
label-schema = { "org.opencontainers.image.created" = "rfc3339" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
`org.opencontainers.image.created` and similar labels are compared and sorted by
tools; a free-form date cannot be.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created="May 1st 2024"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.created="2024-05-01T12:00:00Z"
```

## Differences from hadolint
A value built from variables is checked after expanding those whose value is
known (and not at all when one is unknown); hadolint checks the text as
written, so `${VERSION}` fails every typed label.

## References
- hadolint: DL3053
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import check_values, is_rfc3339

MESSAGE = "Label `{label}` is not a valid time format - must conform to RFC3339."


@rule(
    code="DL3053",
    name="label-not-rfc3339",
    summary="Label is not a valid RFC 3339 time",
    severity=Severity.WARNING,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def label_not_rfc3339(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return check_values(df, ins, ctx, "rfc3339", is_rfc3339, MESSAGE)

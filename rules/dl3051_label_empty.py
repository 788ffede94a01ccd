r"""## What it does
Flags a `LABEL` that sets a label of the label schema to an empty value.

## Options
```toml
[options.DL3051]
label-schema = { maintainer = "text" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
A required label that is empty satisfies the letter of the requirement and
none of its purpose.

## Example
```dockerfile
FROM alpine:3.20
LABEL maintainer=""
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL maintainer="jane@example.com"
```

## Differences from hadolint
A value made of variables is expanded when their values are known
(`ARG OWNER=` … `LABEL maintainer=$OWNER` is empty); hadolint only sees the
text.

## References
- hadolint: DL3051
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import check_values


@rule(
    code="DL3051",
    name="label-empty",
    summary="A label of the label schema is empty",
    severity=Severity.WARNING,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def label_empty(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return check_values(df, ins, ctx, None, bool, "label `{label}` is empty.")

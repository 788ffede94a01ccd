r"""## What it does
Flags a `LABEL` whose label the schema types as `email` and whose value is not an e-mail
address (RFC 5322 `local@domain`).

## Options
```toml
[options.DL3058]
label-schema = { maintainer = "email" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
A maintainer label is how users reach the image's authors; a value that is not an
address does not reach anyone.

## Example
```dockerfile
FROM alpine:3.20
LABEL maintainer="Jane Doe"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL maintainer="jane@example.com"
```

## Differences from hadolint
A value built from variables is checked after expanding those whose value is
known (and not at all when one is unknown); hadolint checks the text as
written, so `${VERSION}` fails every typed label.

## References
- hadolint: DL3058
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import check_values, is_email

MESSAGE = "Label `{label}` is not a valid email format - must conform to RFC5322."


@rule(
    code="DL3058",
    name="label-not-email",
    summary="Label is not a valid e-mail address",
    severity=Severity.WARNING,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def label_not_email(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return check_values(df, ins, ctx, "email", is_email, MESSAGE)

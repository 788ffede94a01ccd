r"""## What it does
Flags a `LABEL` whose label the schema types as `spdx` and whose value is not one SPDX
licence identifier as listed (`MIT`, `Apache-2.0`; exact case; an expression such as
`MIT OR Apache-2.0` does not count, as in hadolint).

## Options
```toml
[options.DL3054]
label-schema = { "org.opencontainers.image.licenses" = "spdx" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
Licence scanners read `org.opencontainers.image.licenses`; an identifier they do not
know is a licence nobody can check.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.licenses="Apache License"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.licenses="Apache-2.0"
```

## Differences from hadolint
A value built from variables is checked after expanding those whose value is
known (and not at all when one is unknown); hadolint checks the text as
written, so `${VERSION}` fails every typed label.

## References
- hadolint: DL3054
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import check_values, is_spdx

MESSAGE = "Label `{label}` is not a valid SPDX identifier."


@rule(
    code="DL3054",
    name="label-not-spdx",
    summary="Label is not a valid SPDX licence identifier",
    severity=Severity.WARNING,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def label_not_spdx(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return check_values(df, ins, ctx, "spdx", is_spdx, MESSAGE)

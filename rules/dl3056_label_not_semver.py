r"""## What it does
Flags a `LABEL` whose label the schema types as `semver` and whose value is not a semantic
version (`MAJOR.MINOR.PATCH`, optional `-pre.release` and `+build`; `1.0` is not one).

## Options
```toml
[options.DL3056]
label-schema = { "org.opencontainers.image.version" = "semver" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
Versions in labels are compared by tools; a free-form version sorts wrongly.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version="v1.2"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.version="1.2.0"
```

## Differences from hadolint
A value built from variables is checked after expanding those whose value is
known (and not at all when one is unknown); hadolint checks the text as
written, so `${VERSION}` fails every typed label.

## References
- hadolint: DL3056
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import check_values, is_semver

MESSAGE = "Label `{label}` does not conform to semantic versioning."


@rule(
    code="DL3056",
    name="label-not-semver",
    summary="Label does not conform to semantic versioning",
    severity=Severity.WARNING,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def label_not_semver(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return check_values(df, ins, ctx, "semver", is_semver, MESSAGE)

r"""## What it does
Flags a `LABEL` whose label the schema types as `url` and whose value is not an absolute URL
(RFC 3986: a scheme, then the rest).

## Options
```toml
[options.DL3052]
label-schema = { "org.opencontainers.image.source" = "url" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
Label values are read by tools (registries link `org.opencontainers.image.source`);
a value that is not a URL breaks those links.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="github.com/acme/app"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```

## Differences from hadolint
A value built from variables is checked after expanding those whose value is
known (and not at all when one is unknown); hadolint checks the text as
written, so `${VERSION}` fails every typed label.

## References
- hadolint: DL3052
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import check_values, is_url

MESSAGE = "Label `{label}` is not a valid URL."


@rule(
    code="DL3052",
    name="label-not-url",
    summary="Label is not a valid URL",
    severity=Severity.WARNING,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def label_not_url(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return check_values(df, ins, ctx, "url", is_url, MESSAGE)

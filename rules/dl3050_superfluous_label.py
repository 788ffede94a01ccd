r"""## What it does
With strict labels on, flags every `LABEL` key that the label schema does not
name (with an empty schema, every label).

## Options
```toml
[options.DL3050]
label-schema = { "org.opencontainers.image.source" = "url" }
strict-labels = true
```
hadolint's `strict-labels` and `label-schema` keys in `.hadolint.yaml` (and
`HADOLINT_STRICT_LABELS`, `HADOLINT_REQUIRE_LABELS`) set these options for
every label rule (DL3049–DL3058); without `strict-labels` the rule checks
nothing.

## Why it matters
A fixed set of labels keeps images uniform for the tools that read them; a
stray or misspelt label is caught before it spreads.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/app" team="web"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```

## References
- hadolint: DL3050
"""
from __future__ import annotations

from dockwise.syntax.expand import unquote
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import schema, strict


@rule(
    code="DL3050",
    name="superfluous-label",
    summary="Superfluous label(s) present",
    severity=Severity.INFO,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def superfluous_label(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.trigger is not None or not strict(ctx):
        return []
    wanted = schema(ctx)
    return [Finding(p.key_span, "Superfluous label(s) present.")
            for p in ins.pairs if unquote(p.key, df.escape) not in wanted]

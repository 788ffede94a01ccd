r"""## What it does
Flags a `LABEL` whose label the schema types as `hash` and whose value is not a git commit
hash: lower-case hexadecimal, 7 or 40 characters.

## Options
```toml
[options.DL3055]
label-schema = { "org.opencontainers.image.revision" = "hash" }
```
hadolint's `label-schema` key in `.hadolint.yaml` (and
`HADOLINT_REQUIRE_LABELS=name:type,…`) sets this option for every label rule
(DL3049–DL3058); without a schema the rule checks nothing.

## Why it matters
`org.opencontainers.image.revision` ties an image to its source; a branch name or a tag
moves, a hash does not.

## Example
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.revision="main"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.revision="4f1c2a9"
```

## Differences from hadolint
A value built from variables is checked after expanding those whose value is
known (and not at all when one is unknown); hadolint checks the text as
written, so `${VERSION}` fails every typed label.

## References
- hadolint: DL3055
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._labels import check_values, is_git_hash

MESSAGE = "Label `{label}` is not a valid git hash."


@rule(
    code="DL3055",
    name="label-not-git-hash",
    summary="Label is not a valid git hash",
    severity=Severity.WARNING,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def label_not_git_hash(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return check_values(df, ins, ctx, "hash", is_git_hash, MESSAGE)

r"""## What it does
Flags a `LABEL` key that breaks Docker's label key format: it must start
with a lower-case letter, end with a lower-case letter or digit, contain only
`a-z 0-9 . - _ /`, have no `..` or `--`, and not use the namespaces Docker
reserves (`com.docker.`, `io.docker.`, `org.dockerproject.`).

## Why it matters
Tools that read labels (registries, scanners, `docker inspect` filters)
expect reverse-DNS keys in lower case; `Maintainer` and `maintainer` are two
different labels.

## Example
```dockerfile
FROM alpine:3.20
LABEL Maintainer="jane@example.com"
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.authors="jane@example.com"
```

## References
- hadolint: DL3048
- Docker: "Docker object labels", key format recommendations
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.expand import unquote
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule

_VALID = lazyre.compile(r"[a-z]([a-z0-9._/-]*[a-z0-9])?")
_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")


def valid_key(key: str) -> bool:
    return (_VALID.fullmatch(key) is not None and ".." not in key and "--" not in key
            and not key.startswith(_RESERVED))


@rule(
    code="DL3048",
    name="invalid-label-key",
    summary="Invalid label key",
    severity=Severity.STYLE,
    tags=("label",),
    each="instruction",
    keywords=("LABEL",),
)
def invalid_label_key(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.trigger is not None:
        return []
    return [Finding(p.key_span, "Invalid label key.") for p in ins.pairs if not valid_key(unquote(p.key, df.escape))]

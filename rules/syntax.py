r"""## What it does
Reports text that BuildKit's parser or instruction layer rejects: a bad escape
directive, a repeated directive, an unterminated heredoc, a JSON array with
non-string elements, an ENV without a value, an unknown instruction, an
instruction before the first `FROM`, wrong argument counts.

## Why it matters
`docker build` stops at the first of these errors. dockwise reports all of
them, each at its exact position, and keeps linting the rest of the file.

## Example
```dockerfile
FROM alpine:3.20
ENV PATH
```

## Use instead
```dockerfile
FROM alpine:3.20
ENV PATH=/usr/local/bin:$PATH
```

## References
- hadolint: DL1000 (hadolint stops at the first parse error and reports nothing else)
- BuildKit: `frontend/dockerfile/parser`, `instructions/parse.go`
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule


@rule(
    code="DW000",
    name="syntax-error",
    summary="Dockerfile syntax error",
    severity=Severity.ERROR,
    tags=("syntax",),
    aliases=("DL1000",),
)
def syntax_error(df: Dockerfile, ctx) -> list[Finding]:
    return [Finding(e.span, e.message) for e in df.errors if e.severity == "error"]

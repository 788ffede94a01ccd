r"""## What it does
Flags a `USER` whose user (the part before `:`) is a name rather than a
numeric id, unless it refers to an `ARG` declared earlier in the file.

## Why it matters
A name is looked up in the image's `/etc/passwd`; tools outside the
container (Kubernetes `runAsNonRoot`, volume permissions on the host) only
see the numeric id and cannot tell that `app` is not root. A numeric id
(`USER 10001:10001`) means the same everywhere.

## Example
```dockerfile
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER app
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER 10001
```

## References
- hadolint: DL3066
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from ._helpers import text_span

MESSAGE = "Non-numeric user-id may not be resolvable by host system"


@rule(
    code="DL3066",
    name="non-numeric-user",
    summary="Non-numeric user-id may not be resolvable by host system",
    severity=Severity.INFO,
    tags=("security", "user"),
)
def non_numeric_user(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    args: set[str] = set()
    for ins in df.instructions:
        if ins.keyword == "ARG":
            args.update(p.key for p in ins.pairs)
        if ins.keyword != "USER":
            continue
        uid = ins.text.strip().split(":", 1)[0]
        if not uid or (uid.isascii() and uid.isdigit()):
            continue
        if any(f"${{{a}}}" in uid or f"${a}" in uid for a in args):
            continue
        out.append(Finding(text_span(ins), MESSAGE))
    return out

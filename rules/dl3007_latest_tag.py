r"""## What it does
Flags a `FROM` image pinned to the tag `latest` without a digest.

## Why it matters
`latest` is not a version: it moves whenever the publisher pushes. Builds stop
being reproducible, and the base image's size can change under you.

## Example
```dockerfile
FROM node:latest
```

## Use instead
```dockerfile
FROM node:22-slim
```

## References
- hadolint: DL3007
"""
from __future__ import annotations

from dockwise.model import Dockerfile

from ._api import Finding, Severity, rule


@rule(
    code="DL3007",
    name="latest-tag",
    summary="Using latest is prone to errors; pin the version explicitly",
    severity=Severity.WARNING,
    tags=("reproducibility", "base-image"),
)
def latest_tag(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    for st in df.stages:
        b = st.base
        if b is None or st.parent is not None:
            continue
        if b.tag == "latest" and b.digest is None:
            out.append(
                Finding(
                    b.span,
                    "Using latest is prone to errors if the image will ever update. "
                    "Pin the version explicitly to a release tag",
                )
            )
    return out

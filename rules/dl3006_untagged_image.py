r"""## What it does
Flags a `FROM` whose image has neither a tag nor a digest (`FROM ubuntu`).

## Why it matters
An untagged image means `latest`, which moves: the same Dockerfile builds a
different image next month, and a cached layer hides the change until it
breaks. Pin a version so rebuilds are reproducible and size and security
changes are deliberate.

Image names built from ARGs are resolved with the global ARG defaults
(`ARG BASE=python:3.12` then `FROM $BASE` is pinned); an image that starts with
a variable that cannot be resolved is not flagged. `scratch` and earlier stage
names are not images.

## Example
```dockerfile
FROM ubuntu
```

## Use instead
```dockerfile
FROM ubuntu:24.04
```

## Fix
Adds the version tag that `latest` stands for in dockwise's image knowledge,
as DL3007's fix does (`FROM python` → `FROM python:3.14`, `FROM ubuntu` →
`FROM ubuntu:26.04`). Unsafe. Not offered for images the snapshot does not
know, for references built from variables (`FROM $BASE`), stage names or
digests.

## References
- hadolint: DL3006
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from .dl3007_latest_tag import pin_fix


@rule(
    code="DL3006",
    name="untagged-image",
    summary="Always tag the version of an image explicitly",
    severity=Severity.WARNING,
    tags=("reproducibility", "base-image"),
    fixable=True,
)
def untagged_image(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    for st in df.stages:
        b = st.base
        if b is None or st.parent is not None:
            continue
        if b.resolved == "scratch" or b.raw == "scratch":
            continue
        if b.unresolved and b.raw.startswith("$"):
            continue
        if b.tag is None and b.digest is None:
            out.append(Finding(b.span, f"Always tag the version of an image explicitly ({b.resolved})", pin_fix(b)))
    return out

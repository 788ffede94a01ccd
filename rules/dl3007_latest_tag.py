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

## Fix
Replaces `latest` with the version `latest` stands for in dockwise's image
knowledge (the dated snapshot of docker-library/repo-info that DW001 uses):
the tag `latest` is an alias of there (`python:latest` → `python:3.14`,
`debian:latest` → `debian:trixie`), else the shortest listed version that
the image's `latest` build reports (`ubuntu:latest` → `ubuntu:26.04`,
`node:latest` → `node:26` for Node.js 26.5.0). Unsafe: the build keeps the
image it uses today, but stops following `latest`. Not offered for images
the snapshot does not know (only official images are listed), when the
snapshot names no listed version for `latest`, for references built from
variables (`FROM $BASE`) or with a digest.

## References
- hadolint: DL3007
"""
from __future__ import annotations

import re

from dockwise.images import catalog as images
from dockwise.syntax.model import Dockerfile, ImageRef

from ._api import Edit, Finding, Fix, Severity, rule


def current_tag(ref: ImageRef) -> str | None:
    """The version tag ``latest`` stands for in the image table: what its
    ``latest`` entry is an alias of, else the shortest listed version that its
    resolved version starts with (``26.5.0`` → ``26``); None when unknown."""
    repo = images.official_name(ref)
    entries = images.size_table().get("images", {}).get(repo or "", {})
    latest = entries.get("latest")
    if not latest:
        return None
    tag, seen = latest.get("alias_of"), set()
    while tag and tag in entries and entries[tag].get("alias_of") and tag not in seen:
        seen.add(tag)
        tag = entries[tag]["alias_of"]
    if tag:
        return tag if tag in entries else None
    m = re.match(r"\d+(?:\.\d+)*", str(latest.get("resolved_version") or ""))
    if not m:
        return None
    known = {images.split_tag(t)[0] for t in entries}
    parts = m.group(0).split(".")
    for n in range(1, len(parts) + 1):
        v = ".".join(parts[:n])
        if v in known:
            return v
    return None


def pin_fix(ref: ImageRef) -> Fix | None:
    """Replace ``latest`` (or add the tag) with :func:`current_tag`; unsafe."""
    if "$" in ref.raw or ref.digest or ref.unresolved or ref.tag not in (None, "latest"):
        return None
    tag = current_tag(ref)
    if tag is None:
        return None
    if ref.tag is None:
        new = ref.raw + ":" + tag
    elif ref.raw.endswith(":latest"):
        new = ref.raw[: -len("latest")] + tag
    else:
        return None
    entry = images.size_table().get("images", {}).get(images.official_name(ref) or "", {}).get("latest", {})
    when = f" as of {entry['as_of']}" if isinstance(entry, dict) and entry.get("as_of") else ""
    return Fix.unsafe(f"Pin {new} (what latest was in dockwise's image table{when})", Edit(ref.span, new))


@rule(
    code="DL3007",
    name="latest-tag",
    summary="Using latest is prone to errors; pin the version explicitly",
    severity=Severity.WARNING,
    tags=("reproducibility", "base-image"),
    fixable=True,
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
                    pin_fix(b),
                )
            )
    return out

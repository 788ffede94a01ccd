r"""## What it does
BuildKit's **InvalidBaseImagePlatform** check: flags a `FROM` whose image
resolves to another platform than the one the build asks for (`--platform` of
the `FROM`, else the build's target platform): a single-platform image of
another architecture, or an index that only offers a platform BuildKit falls
back to (`linux/386` for `linux/amd64`, `linux/arm/v7` for `linux/arm64`).

## Why it matters
The build then runs foreign binaries (slowly under emulation, or not at all)
and the image is labelled with a platform it is not.

## Example
```dockerfile
FROM i386/debian:12
RUN uname -m
```

## Use instead
```dockerfile
FROM debian:12
RUN uname -m
```

## What dockwise knows
BuildKit pulls the image's metadata. dockwise decides from what it knows
offline — Docker Hub's per-architecture repositories (`i386/…`,
`arm64v8/…`) hold exactly one platform — and from the registry cache (the
platforms an index lists, or a single image's platform) when the editor has
looked the image up. Otherwise it reports nothing. The build's platform is
`dockwise lint --platform` (the `build.platform` setting), else this machine's.

## Scope
Every stage `docker build --check` checks.

## References
- BuildKit build check: InvalidBaseImagePlatform (no documentation page)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW114",
    name="invalid-base-image-platform",
    summary="Base image platform does not match the platform of the build",
    severity=Severity.WARNING,
    tags=('buildkit', 'platform'),
    aliases=("InvalidBaseImagePlatform",),
    each="group",
    context=stage_context,
)
def invalid_base_image_platform(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "InvalidBaseImagePlatform")

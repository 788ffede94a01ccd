r"""## What it does
BuildKit's **InvalidDefaultArgInFrom** check: expands each `FROM` image name
with the global ARGs' *defaults* (build arguments ignored) and flags it when
the result is not a valid image reference — empty, `busybox:` (empty tag),
upper case, and so on (the rules of distribution/reference).

## Why it matters
The build must work without `--build-arg`: a Dockerfile that only builds when
the right arguments are passed breaks for the next person and in CI.

## Example
```dockerfile
ARG TAG
FROM busybox:${TAG}
```

## Use instead
```dockerfile
ARG TAG=1.36
FROM busybox:${TAG}
```

## Scope
Every stage's `FROM`. `dockwise lint --build-arg` does not silence it: BuildKit
checks the defaults on purpose.

## References
- BuildKit build check: InvalidDefaultArgInFrom (https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW117",
    name="invalid-default-arg-in-from",
    summary="Default global ARG values give an empty or invalid base image name",
    severity=Severity.WARNING,
    tags=('buildkit', 'args'),
    aliases=("InvalidDefaultArgInFrom",),
    each="group",
    context=stage_context,
)
def invalid_default_arg_in_from(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "InvalidDefaultArgInFrom")

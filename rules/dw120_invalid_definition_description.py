r"""## What it does
BuildKit's **InvalidDefinitionDescription** check (experimental: off unless
selected, or enabled in the file with
`# check=experimental=InvalidDefinitionDescription` or `experimental=all`):
flags a named `FROM` or an `ARG` directly preceded by comment lines whose last
line does not start with the stage name / one of the ARG names.

## Why it matters
`docker build --call=outline` and `--call=targets` show such comments as the
descriptions of stages and build arguments. A comment that is not meant as a
description should be separated by an empty line.

## Example
```dockerfile
# a non-descriptive comment
FROM scratch AS base

# another non-descriptive comment
ARG VERSION=1
```

## Use instead
```dockerfile
# base is a stage for compiling source
FROM scratch AS base
# VERSION This is the version number.
ARG VERSION=1
```

## Scope
Every stage. `# check=skip=…` never skips an experimental check (as in
BuildKit).

## References
- BuildKit build check: InvalidDefinitionDescription (https://docs.docker.com/go/dockerfile/rule/invalid-definition-description/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW120",
    name="invalid-definition-description",
    summary="Comment above FROM/ARG is not a description of it",
    severity=Severity.WARNING,
    tags=('buildkit', 'docs'),
    aliases=("InvalidDefinitionDescription",),
    experimental=True,
    each="group",
    context=stage_context,
)
def invalid_definition_description(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "InvalidDefinitionDescription")

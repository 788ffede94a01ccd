r"""## What it does
BuildKit's **WorkdirRelativePath** check: flags the first `WORKDIR` of a stage
chain (the stage and the stages it is built `FROM`, in this file) when its
path, after variable expansion, is relative. Later relative `WORKDIR`s are
fine: they are relative to a directory this file chose.

## Why it matters
A relative `WORKDIR` is relative to the base image's working directory, which
the image's maintainers may change; `WORKDIR app` then lands somewhere else.

## Example
```dockerfile
FROM nginx:1.27 AS web
WORKDIR usr/share/nginx/html
COPY public .
```

## Use instead
```dockerfile
FROM nginx:1.27 AS web
WORKDIR /usr/share/nginx/html
COPY public .
```

## Differences from hadolint
hadolint's DL3000 ("Use absolute WORKDIR") flags *every* relative `WORKDIR`,
even after an absolute one; this rule flags only the first of a stage chain,
as BuildKit does. Both are kept; where both report the same `WORKDIR` this
rule stays silent there. A variable the base image defines (`WORKDIR
$HOME/app`) makes the path unknown to dockwise unless the image's Env is known;
then nothing is reported.

## Scope
Every stage `docker build --check` checks.

## References
- BuildKit build check: WorkdirRelativePath (https://docs.docker.com/go/dockerfile/rule/workdir-relative-path/)
- hadolint: DL3000
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW110",
    name="workdir-relative-path",
    summary="Relative WORKDIR without an absolute WORKDIR set before it",
    severity=Severity.WARNING,
    tags=('buildkit', 'workdir'),
    aliases=("WorkdirRelativePath",),
    defers_to=("DL3000",),
    each="group",
    context=stage_context,
)
def workdir_relative_path(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "WorkdirRelativePath")

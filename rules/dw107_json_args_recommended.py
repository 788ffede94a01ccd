r"""## What it does
BuildKit's **JSONArgsRecommended** check: flags `CMD` and `ENTRYPOINT` in shell
form (`CMD node server.js`) in a stage where no `SHELL` has been set — in the
stage, or in a stage it is built `FROM`. `HEALTHCHECK CMD` is not checked.

## Why it matters
Shell form runs the command under `/bin/sh -c`: the shell is PID 1 and does
not pass `SIGTERM` on, so `docker stop` waits and kills the program. A `SHELL`
instruction says shell form is a conscious choice, so BuildKit stays quiet
then.

## Example
```dockerfile
FROM alpine:3.20
ENTRYPOINT my-program start
```

## Use instead
```dockerfile
FROM alpine:3.20
ENTRYPOINT ["my-program", "start"]
```

## Differences from hadolint
hadolint's DL3025 flags every shell-form `CMD`/`ENTRYPOINT` (and dockwise's
DL3025 also `HEALTHCHECK CMD`) even after a `SHELL`; this rule follows
BuildKit. Both are on by default; where DL3025 reports the same instruction
this rule stays silent there (one report), so it shows on its own only when
DL3025 is not selected. A `SHELL` set in the base image's configuration (which
BuildKit also respects) is not known to dockwise: external images are assumed
to set none.

## Scope
Every stage `docker build --check` checks (all of them; with `--target`, the
stages that build needs).

## References
- BuildKit build check: JSONArgsRecommended (https://docs.docker.com/go/dockerfile/rule/json-args-recommended/)
- hadolint: DL3025
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW107",
    name="buildkit-json-args-recommended",
    summary="JSON arguments recommended for ENTRYPOINT/CMD when no SHELL is set",
    severity=Severity.WARNING,
    tags=('buildkit', 'cmd', 'entrypoint', 'signals'),
    aliases=("JSONArgsRecommended",),
    defers_to=("DL3025",),
    each="group",
    context=stage_context,
)
def json_args_recommended(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "JSONArgsRecommended")

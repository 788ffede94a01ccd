r"""## What it does
BuildKit's **UndefinedVar** check: flags a `$VAR` in an instruction BuildKit
expands (`ENV`, `LABEL`, `ARG` defaults, `COPY`/`ADD` sources, destination and
`--chown`/`--chmod`/`--checksum`, `WORKDIR`, `USER`, `VOLUME`, `STOPSIGNAL`,
`RUN --mount` options, unquoted `COPY` heredoc bodies) that is not defined at
that point: not an `ARG` declared earlier in the stage chain (with or without
a value), not an `ENV` set earlier, and not in the base image's environment.
It suggests a close defined name (`$PAHT` → `$PATH`). Shell-form `RUN`, `CMD`
and `ENTRYPOINT` are not checked: the shell expands them.

## Why it matters
An undefined variable expands to an empty string without a word:
`COPY $SRC_DIR /app/` copies the whole context, `ENV PATH=$PAHT:/app/bin`
throws the system `PATH` away.

## Example
```dockerfile
FROM alpine:3.20 AS base
COPY $foo .
```

## Use instead
```dockerfile
FROM alpine:3.20 AS base
ARG foo
COPY $foo .
```

## What the base image defines
BuildKit knows the base image's `Env`. dockwise knows it for the official
images from a table built from their Dockerfiles (`python` defines
`PYTHON_VERSION`, `golang` `GOPATH`, every image `PATH`;
`scripts/refresh-image-env`), and for other images from the registry when the
editor has looked them up (cached). For a base image it knows nothing about,
dockwise reports nothing in that stage and the stages built `FROM` it: any name
might come from the image.

## Scope
Every stage `docker build --check` checks (all of them; with `--target`, the
stages that build needs). Build arguments do not define variables: only `ARG`
and `ENV` do, as in BuildKit.

## References
- BuildKit build check: UndefinedVar (https://docs.docker.com/go/dockerfile/rule/undefined-var/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW111",
    name="undefined-var",
    summary="Variable used before it is defined",
    severity=Severity.WARNING,
    tags=('buildkit', 'args'),
    aliases=("UndefinedVar",),
    each="group",
    context=stage_context,
)
def undefined_var(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "UndefinedVar")

r"""## What it does
BuildKit's **SecretsUsedInArgOrEnv** check: flags an `ARG` or `ENV` in a stage
whose name has a part (split on `_`, or the whole name), in any case, equal to
`apikey`, `auth`, `credential(s)`, `key`, `password`, `pword`, `passwd`,
`secret` or `token` — unless a part is `public`, `file` or `version`. ARGs
before the first `FROM` are not checked, as in BuildKit.

## Why it matters
ARG and ENV values end up in the image's history and configuration; anyone
who can pull the image can read them. Secret mounts
(`RUN --mount=type=secret,…`) expose a secret to one `RUN` without storing it.

## Example
```dockerfile
FROM alpine:3.20
ARG AWS_SECRET_ACCESS_KEY
RUN aws s3 cp s3://my-bucket/file .
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN --mount=type=secret,id=aws_key,env=AWS_SECRET_ACCESS_KEY aws s3 cp s3://my-bucket/file .
```

## Differences from hadolint
hadolint 2.15's DL3064 decides by a list of ~50 well-known names and
substrings (`password`, `token`, …), BuildKit by `_`-separated parts with an
allow-list (`public`, `file`, `version`): each flags names the other does not.
Both are kept; where DL3064 reports on the same instruction this rule stays
silent there (one report per instruction).

## Scope
Every stage `docker build --check` checks.

## References
- hadolint: DL3064
- BuildKit build check: SecretsUsedInArgOrEnv (https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/)
- https://docs.docker.com/build/building/secrets/
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW116",
    name="secrets-used-in-arg-or-env",
    summary="Sensitive data in ARG or ENV",
    severity=Severity.WARNING,
    tags=('buildkit', 'security'),
    defers_to=("DL3064",),
    aliases=("SecretsUsedInArgOrEnv",),
    each="group",
    context=stage_context,
)
def secrets_used_in_arg_or_env(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "SecretsUsedInArgOrEnv")

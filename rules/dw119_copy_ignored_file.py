r"""## What it does
BuildKit's **CopyIgnoredFile** check: flags a `COPY` (without `--from`) or
`ADD` source from the build context that the context's `.dockerignore`
excludes (after variable expansion and path cleaning; a path is excluded when
it or a parent directory matches). `.` and `/` count only when a pattern is
`*`, `**` or `**/*`. Nothing is checked when the ignore file has an exception
(`!pattern`): BuildKit cannot tell statically what an exception lets through.

## Why it matters
An excluded file is not in the build context: the `COPY` fails, or a
wildcard silently copies less than intended.

## Example
```dockerignore
*/tmp/*
```
```dockerfile
FROM scratch
COPY ./tmp/helloworld.txt /helloworld.txt
COPY src/tmp/cache.bin /cache.bin
```

## Use instead
```dockerfile
FROM scratch
COPY ./forever/helloworld.txt /helloworld.txt
```

## Which ignore file
`<Dockerfile name>.dockerignore` next to the Dockerfile (what `docker build`
sends in its place), else `.dockerignore` in the build context: `dockwise lint
--context DIR` or the `build.context` setting, else the Dockerfile's folder.
Patterns follow moby/patternmatcher exactly (`**`, `*` and `?` never crossing
`/`, `[…]` classes, `\` escapes, exceptions); a malformed file is ignored, as
it fails BuildKit's build. A Dockerfile without a path (unsaved, stdin) is not
checked.

## Scope
Every stage `docker build --check` checks.

## References
- BuildKit build check: CopyIgnoredFile (https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/)
- https://github.com/moby/patternmatcher
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Severity, rule
from ._buildkit import group_findings, stage_context


@rule(
    code="DW119",
    name="copy-ignored-file",
    summary="COPY or ADD of a file that .dockerignore excludes",
    severity=Severity.WARNING,
    tags=('buildkit', 'filesystem', 'context'),
    aliases=("CopyIgnoredFile",),
    each="group",
    context=stage_context,
)
def copy_ignored_file(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "CopyIgnoredFile")

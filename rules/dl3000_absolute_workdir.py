r"""## What it does
Flags a `WORKDIR` whose path is relative: it does not start with `/`, a
Windows drive (`C:\`, `c:/`) or a variable. A variable whose value is known
(`ARG APP=app` … `WORKDIR $APP`) is expanded first.

## Why it matters
A relative `WORKDIR` is resolved against the previous working directory,
which comes from the base image or an earlier `WORKDIR` and can change under
you. An absolute path says where files land.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR app
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
```

## Differences from hadolint
hadolint accepts every path that starts with `$`; dockwise expands variables
whose value is known and checks the result. hadolint 2.15.1 crashes on a
one-letter path (`WORKDIR a`) or `WORKDIR ""`; dockwise reports them. As in
hadolint, `ONBUILD WORKDIR` is not checked.

## BuildKit's check
BuildKit's **WorkdirRelativePath** is DW110 in dockwise, faithful to BuildKit: BuildKit flags only the first `WORKDIR` of a stage chain when it is relative (a later relative one is relative to a directory the file chose); this rule flags every relative `WORKDIR`. DW110 stays silent where this rule reports the same `WORKDIR`.

## References
- hadolint: DL3000
- BuildKit: WorkdirRelativePath (dockwise DW110)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import drop_quotes, known_value, text_span, windows_absolute


def absolute(path: str) -> bool:
    return path.startswith("/") or windows_absolute(path)


@rule(
    code="DL3000",
    name="absolute-workdir",
    summary="Use absolute WORKDIR",
    severity=Severity.ERROR,
    tags=("workdir",),
    each="instruction",
    keywords=("WORKDIR",),
)
def absolute_workdir(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.trigger is not None:
        return []
    path = drop_quotes(ins.text.strip())
    if absolute(path):
        return []
    if path.startswith("$"):
        value = known_value(df, ins, ins.text.strip())
        if value is None or absolute(value):
            return []
    return [Finding(text_span(ins), "Use absolute WORKDIR")]

r"""## What it does
Flags a `COPY` to a relative destination when no `WORKDIR` was set before it
in the stage or in the stages it is built `FROM`. A destination that starts
with `/`, a Windows drive (`C:\`) or a variable is absolute enough; a
variable whose value is known is expanded first.

## Why it matters
A relative destination is resolved against the working directory, which
then comes from the base image and can change with it. Set a `WORKDIR` or
copy to an absolute path.

## Example
```dockerfile
FROM python:3.12-slim
COPY requirements.txt app/
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /srv
COPY requirements.txt app/
```

## Differences from hadolint
hadolint links stages by name as it reads them, so a stage built `FROM` an
image whose name equals an earlier unnamed stage's image (`FROM debian`
twice) inherits that stage's `WORKDIR`; dockwise follows the real
`FROM <stage>` links. hadolint accepts every destination that starts with
`$`; dockwise expands variables whose value is known. As in hadolint,
`ADD` and `ONBUILD COPY` are not checked.

## References
- hadolint: DL3045
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import copy_paths, drop_quotes, known_value, windows_absolute

MESSAGE = "`COPY` to a relative destination without `WORKDIR` set."


def _absolute(path: str) -> bool:
    return path.startswith("/") or windows_absolute(path)


def workdir_before(df: Dockerfile, ins: Instruction) -> bool:
    """A WORKDIR earlier in the stage (or before the first FROM, for an
    instruction there), or anywhere in a stage it is built on."""
    st = df.stage_of(ins)
    if st is None:
        return any(i.keyword == "WORKDIR" for i in df.instructions[: ins.index] if i.stage < 0)
    for s in df.stage_chain(st):
        for i in df.stage_instructions(s):
            if s is st and i.index >= ins.index:
                break
            if i.keyword == "WORKDIR":
                return True
    return False


@rule(
    code="DL3045",
    name="copy-relative-without-workdir",
    summary="COPY to a relative destination without WORKDIR set",
    severity=Severity.WARNING,
    tags=("copy", "workdir"),
    each="stage",
    keywords=("COPY",),
)
def copy_relative_without_workdir(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.trigger is not None:
        return []
    _sources, dest = copy_paths(ins)
    if dest is None:
        return []
    path = drop_quotes(dest.value)
    if _absolute(path):
        return []
    if path.startswith("$"):
        value = known_value(df, ins, dest.value)
        if value is None or _absolute(value):
            return []
    if workdir_before(df, ins):
        return []
    return [Finding(dest.span, MESSAGE)]

r"""## What it does
Flags a `RUN` that runs `cd` (also inside a subshell such as
`(cd src && make)`, and in heredoc scripts).

## Why it matters
A `cd` lasts only until the end of its `RUN`: the next instruction starts
in the `WORKDIR` again. Scripts that `cd` around are harder to follow and
easy to break when steps are moved between `RUN`s. `WORKDIR` sets the
directory for every following instruction, creates it if needed, and is
visible in the image metadata.

As in hadolint, `ONBUILD RUN` triggers are not checked, and a `cd` inside a
`sh -c '…'` string is not seen. In Windows stages (cmd or PowerShell) a
command starting with `cd`, `chdir` or `Set-Location` is flagged
too, since the advice is the same there.

## Example
```dockerfile
FROM golang:1.22
COPY . /src
RUN cd /src && go build -o /out/app .
```

## Use instead
```dockerfile
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

## References
- hadolint: DL3003
"""
from __future__ import annotations

from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule


@rule(
    code="DL3003",
    name="cd-instead-of-workdir",
    summary="Use WORKDIR to switch to a directory",
    severity=Severity.WARNING,
    tags=("workdir", "readability"),
    each="instruction",
    keywords=("RUN",),
)
def cd_workdir(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    if ins.keyword != "RUN":
        return []
    v = run_view(ins)
    names = ("cd", "chdir", "set-location") if v.dialect == "windows" else ("cd",)
    spans = [c.span for c in v.commands if c.name in names and not c.in_string]
    if not spans:
        return []
    related = tuple((s, "another cd") for s in spans[1:])
    return [Finding(spans[0], "Use WORKDIR to switch to a directory", related=related)]

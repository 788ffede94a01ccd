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

import re

from dockwise.syntax.model import Dockerfile, Instruction, Span

from ._api import Finding, Severity, rule
from ._helpers import is_cmd

# cmd / PowerShell: a command word at the start of the text or after a separator
_WIN_CD = re.compile(r"(?i)(?:^|(?<=[;&|(){}\n]))[ \t]*((?:cd|chdir|set-location)(?=[\s;&|]|$)[^;&|\n]*)")


def _windows_cds(ins: Instruction) -> list[Span]:
    out = []
    for m in _WIN_CD.finditer(ins.text):
        s, e = m.start(1), m.start(1) + len(m.group(1).rstrip())
        out.append(ins.text_map.span(s, e))
    return out


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
    out = []
    if ins.keyword != "RUN" or ins.shell is None:
        return out
    stage = df.stage_of(ins)
    if ins.shell.dialect == "none" and stage is not None and stage.windows and not ins.json:
        spans = _windows_cds(ins)
    else:
        spans = [c.span for c in ins.shell.commands if is_cmd(c, "cd")]
    if spans:
        related = tuple((s, "another cd") for s in spans[1:])
        out.append(Finding(spans[0], "Use WORKDIR to switch to a directory", related=related))
    return out

r"""## What it does
BuildKit's **StageNameCasing** check: flags `FROM image AS Name` when the stage
name as written is not all lower case.

## Why it matters
BuildKit lower-cases stage names anyway (`COPY --from=Builder` and
`--from=builder` mean the same stage), so an upper-case letter only suggests a
distinction that does not exist and makes names look like instructions.

## Example
```dockerfile
FROM golang:1.22 AS Builder
RUN go version
```

## Use instead
```dockerfile
FROM golang:1.22 AS builder
RUN go version
```

## Fix
Lower-cases the name after `AS` (safe: BuildKit lower-cases it itself, and
`--from=` references are case-insensitive).

## Scope
Every stage, built or not (BuildKit checks it while parsing). The warning is on
the stage name. `# check=skip=StageNameCasing` above the `FROM` skips it there.

## References
- BuildKit build check: StageNameCasing (https://docs.docker.com/go/dockerfile/rule/stage-name-casing/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Edit, Fix, Severity, rule
from ._buildkit import Report, group_findings, stage_context


def _fix(df: Dockerfile, r: Report) -> Fix | None:
    ins = df.instructions[r.instruction]
    if len(ins.args) != 3 or ins.args[2].span != r.span:
        return None
    return Fix.safe("Write the stage name in lower case", Edit(r.span, ins.args[2].value.lower()))


@rule(
    code="DW102",
    name="stage-name-casing",
    summary="Stage names should be lowercase",
    severity=Severity.WARNING,
    tags=('buildkit', 'style'),
    aliases=("StageNameCasing",),
    fixable=True,
    each="group",
    context=stage_context,
)
def stage_name_casing(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "StageNameCasing", _fix)

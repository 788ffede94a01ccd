r"""## What it does
BuildKit's **ConsistentInstructionCasing** check: counts the keywords written
all lower case and all upper case over every stage (the ARGs before the first
`FROM` and `ONBUILD` triggers are not counted) and flags each keyword that is
of mixed case (`From`) or not in the majority's case. A tie counts as upper
case.

## Why it matters
Mixed keyword casing makes a Dockerfile harder to scan; one convention keeps
instructions distinct from their arguments.

## Example
```dockerfile
FROM alpine:3.20
RUN echo hello > /greeting.txt
copy app.sh /app.sh
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN echo hello > /greeting.txt
COPY app.sh /app.sh
```

## Fix
Rewrites the keyword in the majority's case (safe).

## Scope
The whole file. BuildKit honours only the `# check=` directive at the top of
the file for this check; dockwise also honours a `# check=skip=…` comment above
the instruction.

## References
- BuildKit build check: ConsistentInstructionCasing (https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Edit, Fix, Severity, rule
from ._buildkit import Report, group_findings, stage_context


def _fix(df: Dockerfile, r: Report) -> Fix | None:
    ins = df.instructions[r.instruction]
    if ins.keyword_span != r.span:
        return None
    new = ins.raw_keyword.lower() if r.message.endswith("(lowercase)") else ins.raw_keyword.upper()
    return Fix.safe(f"Write '{new}'", Edit(r.span, new))


@rule(
    code="DW104",
    name="consistent-instruction-casing",
    summary="All instruction keywords should use the same case",
    severity=Severity.WARNING,
    tags=('buildkit', 'style'),
    aliases=("ConsistentInstructionCasing",),
    fixable=True,
    each="group",
    context=stage_context,
)
def consistent_instruction_casing(df: Dockerfile, stage: Stage | None, ctx) -> list:
    return group_findings(df, stage, ctx, "ConsistentInstructionCasing", _fix)

r"""## What it does
Flags a stage that has no `HEALTHCHECK`, neither its own nor one it inherits
from the stage it is built `FROM`, and that no stage built on it gets one.
Off by default (as in hadolint): turn it on for images that run as services.
`HEALTHCHECK NONE` counts as a decision.

## Why it matters
Without a health check, Docker and orchestrators only know whether the
process is running, not whether it answers. A `HEALTHCHECK` lets them restart
or stop routing to a container that hangs.

## Example
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
```

## Use instead
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
HEALTHCHECK CMD curl -fsS http://localhost/ || exit 1
```

## Differences from hadolint
hadolint links stages by name as it reads them: a `HEALTHCHECK` in one stage
also satisfies an earlier *unrelated* stage whose image name happens to equal
it (`FROM debian` twice), and a parent that gets its `HEALTHCHECK` through a
later child does not pass it on to children seen before. dockwise follows the
real `FROM <stage>` links in both directions.

## References
- hadolint: DL3057 (severity `ignore`: off by default)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule


@rule(
    code="DL3057",
    name="healthcheck-missing",
    summary="HEALTHCHECK instruction missing",
    severity=Severity.INFO,
    tags=("healthcheck",),
    default_enabled=False,
)
def healthcheck_missing(df: Dockerfile, ctx) -> list[Finding]:
    has = {st.index for st in df.stages
           if any(i.keyword == "HEALTHCHECK" for i in df.stage_instructions(st))}
    good = set()
    for st in df.stages:
        chain = {s.index for s in df.stage_chain(st)}
        if chain & has:
            good |= chain  # it and every stage it is built on
    out = []
    for st in df.stages:
        if st.index not in good:
            ins = df.instructions[st.from_instruction]
            span = st.base.span if st.base is not None else ins.keyword_span
            out.append(Finding(span, "`HEALTHCHECK` instruction missing."))
    return out

r"""## What it does
Flags the `RUN`s of a stage that use `curl` or `wget` once the stage has used
both: the first `RUN` that brings in the second tool, and every later one
that uses either. `ONBUILD RUN`s are counted on their own (they run in
another build).

## Why it matters
Two download tools where one would do means two packages to install, patch
and scan, and two sets of flags for retries, TLS and proxies to get right.

## Example
```dockerfile
FROM debian:12
RUN wget -q https://example.com/a.tar.gz
RUN curl -fsSLO https://example.com/b.tar.gz
```

## Use instead
```dockerfile
FROM debian:12
RUN curl -fsSLO https://example.com/a.tar.gz
RUN curl -fsSLO https://example.com/b.tar.gz
```

## Differences from hadolint
Tools behind `sudo`/`env` and in `sh -c` strings count. A `RUN` that cmd or
PowerShell runs is not shell (PowerShell's `curl` and `wget` are aliases of
`Invoke-WebRequest`) and is not counted.

## References
- hadolint: DL4001
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from ._helpers import groups, shell_commands

TOOLS = frozenset({"curl", "wget"})


@rule(
    code="DL4001",
    name="wget-and-curl",
    summary="Either use wget or curl but not both",
    severity=Severity.WARNING,
    tags=("curl", "wget", "size"),
)
def wget_and_curl(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    onbuild: set[str] = set()  # ONBUILD RUNs, counted over the whole file (as hadolint)
    for _st, instructions in groups(df):
        used: set[str] = set()
        for ins in instructions:
            if ins.effective.keyword != "RUN":
                continue
            cmds = [c for c in shell_commands(ins) if c.name in TOOLS]
            if not cmds:
                continue
            seen = onbuild if ins.trigger is not None else used
            seen.update(c.name for c in cmds)
            if len(seen) == 2:
                out.append(Finding(cmds[0].span, "Either use Wget or Curl but not both"))
    return out

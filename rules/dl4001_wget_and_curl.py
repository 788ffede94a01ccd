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

from dockwise.syntax.model import Dockerfile, Stage

from ._api import Finding, Severity, rule
from ._helpers import group_instructions, shell_commands

TOOLS = frozenset({"curl", "wget"})


@rule(
    code="DL4001",
    name="wget-and-curl",
    summary="Either use wget or curl but not both",
    severity=Severity.WARNING,
    tags=("curl", "wget", "size"),
    each="group",
    context=lambda df, st, ctx: _onbuild_before(df, st),
)
def wget_and_curl(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out = []
    # ONBUILD RUNs are counted over the whole file (as hadolint): those of the groups before
    onbuild = set(_onbuild_before(df, st) or ())
    used: set[str] = set()
    for ins in group_instructions(df, st):
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


def _onbuild_before(df: Dockerfile, st: Stage | None) -> frozenset[str] | None:
    """The tools the ONBUILD RUNs of the groups before ``st`` use, when ``st`` has an
    ONBUILD instruction (else None: nothing of the other groups matters)."""
    got = df.derived.get("dl4001.onbuild")
    if got is None:
        got = {}
        acc: frozenset[str] = frozenset()
        # the instructions before the first FROM come first (stage -1), then the stages in order
        for ins in df.instructions:
            if ins.keyword != "ONBUILD":
                continue
            got.setdefault(ins.stage, acc)
            if ins.effective.keyword == "RUN":
                acc = acc | {c.name for c in shell_commands(ins) if c.name in TOOLS}
        df.derived["dl4001.onbuild"] = got
    return got.get(-1 if st is None else st.index)

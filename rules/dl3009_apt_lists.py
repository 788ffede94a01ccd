r"""## What it does
Flags a `RUN` that runs `apt-get update` (or `apt update`, `aptitude update`)
without deleting the package lists (`rm -rf /var/lib/apt/lists/*`) in the same
`RUN`, in a stage that ends up in an image (the last stage, or a stage another
stage is built `FROM`).

## Why it matters
`apt-get update` downloads tens of megabytes of package indexes into
`/var/lib/apt/lists`. Deleting them in a later `RUN` does not shrink the image:
the layer that wrote them still ships. Clean up in the same `RUN`.

A cache or tmpfs mount over `/var/lib/apt/lists` (or over both `/var/lib/apt`
and `/var/cache/apt`) keeps the lists out of the image and is accepted.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## References
- hadolint: DL3009
"""
from __future__ import annotations

from dockwise.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import cache_mount_targets, commands, has_subcommand, is_cmd, relevant_stages


def _mount_exempt(ins: Instruction) -> bool:
    targets = [t.rstrip("/") for t in cache_mount_targets(ins)]
    if "/var/lib/apt/lists" in targets:
        return True
    return "/var/lib/apt" in targets and "/var/cache/apt" in targets


@rule(
    code="DL3009",
    name="apt-lists-not-deleted",
    summary="Delete the apt-get lists after installing something",
    severity=Severity.INFO,
    tags=("apt", "size", "layers"),
)
def apt_lists(df: Dockerfile, ctx) -> list[Finding]:
    stages = relevant_stages(df)
    out = []
    for ins in df.instructions:
        eff = ins.effective
        if eff.keyword != "RUN" or ins.stage not in stages:
            continue
        cmds = commands(ins)
        updates = [c for c in cmds if is_cmd(c, "apt-get", "apt", "aptitude") and has_subcommand(c, "update")]
        if not updates:
            continue
        cleaned = any(
            is_cmd(c, "rm") and c.has_arg("-rf", "/var/lib/apt/lists/*") for c in cmds
        )
        if cleaned or _mount_exempt(ins):
            continue
        out.append(Finding(updates[0].span, "Delete the apt-get lists after installing something"))
    return out

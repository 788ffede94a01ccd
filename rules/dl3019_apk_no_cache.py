r"""## What it does
Flags an `apk add` without `--no-cache`. Checked in every `RUN`,
`ONBUILD RUN` and heredoc script. A cache or tmpfs mount over
`/var/cache/apk` keeps the cache out of the image and is accepted.

## Why it matters
Without `--no-cache`, apk stores the package index (and, with a cache
configured, the downloaded packages) under `/var/cache/apk`, and that layer
ships in the image. `apk add --no-cache` fetches a fresh index into memory and
leaves nothing behind, so neither `apk update` nor `rm -rf /var/cache/apk/*`
is needed.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add curl~8.9
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl~8.9
```

## Fix
Inserts `--no-cache` after `add` (safe). An existing `apk update` or
`rm -rf /var/cache/apk/*` is left in place: it becomes redundant, not wrong.

## Differences from hadolint
`add` must be the sub-command (hadolint also flags `apk del add`) and
`/sbin/apk` counts as apk.

## References
- hadolint: DL3019
"""
from __future__ import annotations

from dockwise.model import Dockerfile

from ._api import Finding, Fix, Severity, iter_runs, rule
from ._packages import apk_adds, cache_mount_covers, insert_after, run_commands

MESSAGE = (
    "Use the `--no-cache` switch to avoid the need to use `--update` and remove "
    "`/var/cache/apk/*` when done installing packages"
)


@rule(
    code="DL3019",
    name="apk-no-cache",
    summary="Use apk add --no-cache",
    severity=Severity.INFO,
    tags=("apk", "size"),
    fixable=True,
)
def apk_no_cache(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    for ins, eff in iter_runs(df):
        if cache_mount_covers(ins, "/var/cache/apk"):
            continue
        for cmd in run_commands(ins):
            p = apk_adds(cmd)
            if p is None or p.has("no-cache"):
                continue
            fix = Fix.safe("Add --no-cache", insert_after(ins, p.subcommand, "--no-cache"))
            out.append(Finding(cmd.span, MESSAGE, fix))
    return out

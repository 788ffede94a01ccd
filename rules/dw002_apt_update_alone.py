r"""## What it does
Flags a `RUN` that refreshes the package index (`apt-get update`,
`apt update`, `apk update`, `yum makecache`, `dnf makecache`,
`zypper refresh`) but installs or upgrades nothing in the same `RUN`.

Commands are found wherever they are: after `&&`, in heredoc scripts, behind
`sudo`/`env`, inside `sh -c "…"`, and in `ONBUILD RUN`. A `RUN` that also
runs a script we cannot see into (`./install.sh`, `curl … | bash`, `make`, a
command named by a variable) is not flagged: the script may install.

## Why it matters
The build cache keys a `RUN` on its text. A lone `RUN apt-get update` is
cached once and reused for months, so a later `RUN apt-get install` installs
from a stale index: old versions, or "404 Not Found" when the mirror has
moved on. It also ships tens of megabytes of index files in a layer of its
own. Update and install in the same `RUN` (and delete the lists there).

## Example
```dockerfile
FROM debian:12
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
```

## References
- DockerCon talk "Creating effective images": chain update and install, clean up in the same layer
- https://docs.docker.com/build/building/best-practices/#apt-get
- hadolint: DL3009 (related: delete the apt lists), DL3059 (related: consecutive RUNs)
"""
from __future__ import annotations

from dockwise.model import Dockerfile

from ._api import Finding, Severity, rule
from ._talk import commands, run_instructions, runs_unknown_script, updates_index, uses_index


@rule(
    code="DW002",
    name="apt-update-alone",
    summary="Package index updated in a RUN that installs nothing",
    severity=Severity.WARNING,
    tags=("cache", "apt", "layers", "talk"),
)
def apt_update_alone(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    for ins in run_instructions(df):
        cs = commands(ins)
        ups = [c for c in cs if updates_index(c)]
        if not ups:
            continue
        if any(uses_index(c) or runs_unknown_script(c) for c in cs):
            continue
        c = ups[0]
        what = f"{c.name} {c.sub()}"
        out.append(
            Finding(
                c.span,
                f"`{what}` without an install in the same RUN: the cached index goes stale for later "
                "installs; update and install in one RUN",
            )
        )
    return out

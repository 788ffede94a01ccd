r"""## What it does
Flags an `apt-get install` that does not answer apt's confirmation prompt:
no `-y` / `--yes` / `--assume-yes`, no quiet level 2 (`-qq`, `-q -q`,
`-q=2`, which imply `-y`) and no `-o APT::Get::Assume-Yes=true`. Checked in
every `RUN`, `ONBUILD RUN` and heredoc script.

## Why it matters
A build has no terminal to answer "Do you want to continue? [Y/n]". When the
install needs confirmation (it pulls in extra packages, or uses more disk),
apt-get reads end of input, aborts, and the build fails.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10+deb12u5 \
    && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
    && rm -rf /var/lib/apt/lists/*
```

## Fix
Inserts `-y` after `install` (safe: the install either needed no answer or
would have aborted the build).

## Differences from hadolint
Quiet level 2 or more counts however it is written (`-qqq`, `--quiet -q`,
`--quiet=2`): apt-get documents that level 2 implies `-y`. hadolint 2.15.1
accepts only exactly two `q`s or `-q=2`. `-o APT::Get::Assume-Yes=true` counts
too. `install` must be the sub-command and `/usr/bin/apt-get` counts as
apt-get.
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3014
"""
from __future__ import annotations

from dockwise.syntax.commands import Options, run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Fix, Severity, rule
from ._pm import apt_installs, apt_option_is
from ._runfix import add_option

MESSAGE = "Use the `-y` switch to avoid manual input `apt-get -y install <package>`"


def _quiet_level(p: Options) -> int:
    level = 0
    for o in p.opts:
        if o.name not in ("q", "quiet"):
            continue
        if o.value is not None:
            level = int(o.value) if o.value.isdigit() else level
        else:
            level += 1
    return level


def assumes_yes(p: Options) -> bool:
    return (
        p.has("y", "yes", "assume-yes")
        or _quiet_level(p) >= 2
        or apt_option_is(p, "APT::Get::Assume-Yes", ("true", "1", "yes", "on"))
    )


@rule(
    code="DL3014",
    name="apt-get-assume-yes",
    summary="Use the -y switch with apt-get install",
    severity=Severity.WARNING,
    tags=("apt", "build"),
    fixable=True,
    each="instruction",
    keywords=("RUN",),
)
def apt_get_yes(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for cmd in run_view(ins).commands:
        p = apt_installs(cmd)
        if p is None or assumes_yes(p):
            continue
        edit = add_option(ins, cmd, "-y")
        fix = Fix.safe("Add -y", edit) if edit else None
        out.append(Finding(cmd.span, MESSAGE, fix))
    return out

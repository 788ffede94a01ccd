r"""## What it does
Flags an `apt-get install` without `--no-install-recommends` (or
`-o APT::Install-Recommends=false`). Checked in every `RUN`, `ONBUILD RUN`
and heredoc script.

## Why it matters
By default apt also installs every package the requested ones *recommend*:
documentation, optional tools, sometimes a whole X11 stack. They make the
image larger and widen its attack surface without being needed to run the
software.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5 \
    && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
    && rm -rf /var/lib/apt/lists/*
```

## Fix
Inserts `--no-install-recommends` after `install`. Unsafe: software that
relied on a recommended package (a CA bundle, a locale, a helper tool) may
stop working; review what the image no longer contains.

## Differences from hadolint
`-o APT::Install-Recommends=` also counts with `0`, `no` or `off` (hadolint
only knows `false`); `install` must be the sub-command and `/usr/bin/apt-get`
counts as apt-get.
Commands are seen through wrappers (`sudo`, `env`, `xargs`, `eatmydata`, `nice`,
`timeout`, `python3 -m` …) and inside `sh -c "…"` strings; hadolint sees neither.

## References
- hadolint: DL3015
"""
from __future__ import annotations

from dockwise.syntax.commands import Options, run_view
from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Fix, Severity, rule
from ._pm import apt_installs, apt_option_is
from ._runfix import add_option

MESSAGE = "Avoid additional packages by specifying `--no-install-recommends`"
_FALSE = ("false", "0", "no", "off")


def no_recommends(p: Options) -> bool:
    if p.has("no-install-recommends"):
        return True
    if any(v.lower() in _FALSE for v in p.values("install-recommends")):
        return True
    return apt_option_is(p, "APT::Install-Recommends", _FALSE)


@rule(
    code="DL3015",
    name="apt-no-install-recommends",
    summary="Avoid additional packages by specifying --no-install-recommends",
    severity=Severity.INFO,
    tags=("apt", "size"),
    fixable=True,
    each="instruction",
    keywords=("RUN",),
)
def apt_no_recommends(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    out = []
    for cmd in run_view(ins).commands:
        p = apt_installs(cmd)
        if p is None or no_recommends(p):
            continue
        edit = add_option(ins, cmd, "--no-install-recommends")
        fix = Fix.unsafe("Add --no-install-recommends", edit) if edit else None
        out.append(Finding(cmd.span, MESSAGE, fix))
    return out

r"""## What it does
Flags `zypper dist-upgrade` (`zypper dup`) in `RUN` and `ONBUILD RUN`.

## Why it matters
A distribution upgrade inside a build moves the image to whatever the
repositories hold that day, changes many packages at once and makes the
build unrepeatable. Use a newer base image instead.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper dup -y
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper patch -y
```

## Differences from hadolint
`sudo zypper dup` counts; a `RUN` that cmd or PowerShell runs is not checked.

## References
- hadolint: DL3035
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._helpers import shell_commands


@rule(
    code="DL3035",
    name="zypper-dist-upgrade",
    summary="Do not use zypper dist-upgrade",
    severity=Severity.WARNING,
    tags=("zypper", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def zypper_dist_upgrade(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return [Finding(c.span, "Do not use `zypper dist-upgrade`.") for c in shell_commands(ins)
            if c.name == "zypper" and c.sub in ("dist-upgrade", "dup")]

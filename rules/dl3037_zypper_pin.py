r"""## What it does
Flags a package of `zypper install` (`zypper in`) without a version
constraint (`=`, `>`, `<`, `>=`, `<=`) that is not an `.rpm` file, in `RUN`
and `ONBUILD RUN`.

## Why it matters
An unpinned package installs whatever the repositories hold on the day of
the build; the image changes without the Dockerfile changing.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y tomcat && zypper clean
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y tomcat=9.0.90 && zypper clean
```

## Differences from hadolint
Options that take a value (`--repo NAME`) are skipped instead of read as
packages; `sudo zypper` counts.

## References
- hadolint: DL3037
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._pm import literal
from ._helpers import shell_commands

MESSAGE = "Specify version with `zypper install -y <package>=<version>`."


def pinned(pkg: str) -> bool:
    return any(op in pkg for op in ("=", ">", "<")) or pkg.endswith(".rpm")


@rule(
    code="DL3037",
    name="zypper-pin-versions",
    summary="Specify version with zypper install -y <package>=<version>",
    severity=Severity.WARNING,
    tags=("zypper", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def zypper_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return [Finding(w.span, MESSAGE) for c in shell_commands(ins) if c.name == "zypper" and c.sub in ("install", "in")
            for w in c.options().after_subcommand() if not pinned(literal(w))]

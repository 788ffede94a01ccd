r"""## What it does
Flags `dnf` or `microdnf` (`dnf5` too) `install`, `groupinstall` or
`localinstall` without `-y` (`--assumeyes`), in `RUN` and `ONBUILD RUN`.

## Why it matters
Without `-y`, dnf asks for confirmation; a build has no terminal, so dnf
aborts and the build fails.

## Example
```dockerfile
FROM fedora:41
RUN dnf install httpd-2.4.62 && dnf clean all
```

## Use instead
```dockerfile
FROM fedora:41
RUN dnf install -y httpd-2.4.62 && dnf clean all
```

## Differences from hadolint
The sub-command is the first operand, options that take a value are
skipped, `sudo dnf …` and `dnf5` count. A `RUN` that cmd or PowerShell runs
is not checked.

## References
- hadolint: DL3038
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._assume_yes import missing_yes

MESSAGE = "Use the -y switch to avoid manual input `dnf install -y <package>`"


@rule(
    code="DL3038",
    name="dnf-assume-yes",
    summary="Use the -y switch to avoid manual input with dnf install",
    severity=Severity.WARNING,
    tags=("dnf", "rpm"),
    each="instruction",
    keywords=("RUN",),
)
def dnf_assume_yes(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return missing_yes(ins, frozenset({"dnf", "microdnf", "dnf5"}),
                       frozenset({"install", "groupinstall", "localinstall"}), ("y", "assumeyes"), MESSAGE)

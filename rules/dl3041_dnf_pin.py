r"""## What it does
Flags a package of `dnf install` or `microdnf install` (`dnf5` too) without a
version, as DL3033 does for yum: the text after the package name's first `-`
must look like a version (`tomcat-9.0.1`), `.rpm` files are versioned, a
variable is judged on its value when known (accepted when declared but
unknown); `dnf module install` needs a stream (`nodejs:20`); `dnf group
install` is not about packages. `RUN` and `ONBUILD RUN`.

## Why it matters
An unpinned package installs whatever the repositories hold on the day of
the build; the image changes without the Dockerfile changing.

## Example
```dockerfile
FROM fedora:41
RUN dnf install -y tomcat && dnf clean all
```

## Use instead
```dockerfile
FROM fedora:41
RUN dnf install -y tomcat-10.1.34 && dnf clean all
```

## Differences from hadolint
As for DL3033: options that take a value are skipped, `sudo dnf` and `dnf5`
count, variables are expanded where their values are known.

## References
- hadolint: DL3041
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from .dl3033_yum_pin import rpm_pin_findings

MESSAGE = "Specify version with `dnf install -y <package>-<version>`."


@rule(
    code="DL3041",
    name="dnf-pin-versions",
    summary="Specify version with dnf install -y <package>-<version>",
    severity=Severity.WARNING,
    tags=("dnf", "rpm", "pinning", "reproducibility"),
    each="instruction",
    keywords=("RUN",),
)
def dnf_pin(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return rpm_pin_findings(df, ins, frozenset({"dnf", "microdnf", "dnf5"}), MESSAGE)
